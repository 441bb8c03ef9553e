//! The `azureai` provider: its configuration block and the agents client it shares with every
//! resource and data source.
//!
//! - [`config`]: schema, static validation and resolution (with environment fallbacks).
//! - [`handle`]: the configured client, shared by reference, set by `Configure`.
//! - [`pending`]: the journal of creates in flight; `Configure` names the versions that a
//!   process which died mid-create left untracked.

pub mod config;
pub mod handle;
pub mod pending;

use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use tokio::time::Instant;

use crate::agents::{self, Client, ClientOptions};
use crate::framework::{Ctx, DataSource, Diagnostics, Provider, Resource, Schema, Value};

pub use handle::{Configured, ProviderHandle};

/// The provider, as the plugin server serves it.
pub fn new_provider() -> Arc<dyn Provider> {
    Arc::new(AzureAiProvider::default())
}

#[derive(Default)]
pub struct AzureAiProvider {
    handle: ProviderHandle,
}

impl AzureAiProvider {
    /// The handle resources and data sources read the configured client from.
    pub fn handle(&self) -> ProviderHandle {
        self.handle.clone()
    }
}

#[async_trait]
impl Provider for AzureAiProvider {
    fn type_name(&self) -> &'static str {
        "azureai"
    }

    fn schema(&self) -> &Schema {
        &config::SCHEMA
    }

    fn validate_config(&self, config: &Value) -> Diagnostics {
        config::validate(config)
    }

    async fn configure(&self, ctx: &Ctx, config: &Value, terraform_version: &str) -> Diagnostics {
        let settings = match config::resolve(config, &|name| std::env::var(name).ok()) {
            Ok(s) => s,
            Err(d) => return d,
        };
        let mut diags = Diagnostics::new();
        // Terraform may configure one process more than once; every client shares one pool.
        let client = agents::shared_http_client().and_then(|http| {
            let credential = agents::credential_chain(settings.auth, http.clone())?;
            let mut opts = ClientOptions::new(settings.endpoint.clone(), credential);
            opts.api_version = settings.api_version;
            opts.foundry_features = settings.foundry_features;
            if !terraform_version.is_empty() {
                opts.user_agent = format!("{} terraform/{terraform_version}", opts.user_agent);
            }
            Client::with_http_client(opts, http)
        });
        match client {
            Ok(client) => {
                tracing::info!(endpoint = %settings.endpoint, api_version = %settings.api_version, "provider configured");
                let configured = Configured::new(client);
                self.handle.set(configured.clone());
                diags.extend(left_over_warnings(ctx, &configured).await);
            }
            Err(e) => diags.error(
                "Cannot configure the azureai provider",
                format!("Setting up the agents API client failed: {}", e.message),
            ),
        }
        diags
    }

    fn resources(&self) -> Vec<Arc<dyn Resource>> {
        crate::resources::all(&self.handle)
    }

    fn data_sources(&self) -> Vec<Arc<dyn DataSource>> {
        crate::data_sources::all(&self.handle)
    }
}

/// How long `Configure` may spend looking up the versions of interrupted creates.
const LEFT_OVER_LOOKUP: Duration = Duration::from_secs(10);

/// One warning per version that a create of a process which died before handing it to
/// Terraform left in this project (see [`pending`]). Entries whose create made nothing, or
/// whose version is gone, are forgotten; entries that cannot be looked up now stay for the
/// next run. Never an error: the plan itself is not at fault.
async fn left_over_warnings(ctx: &Ctx, c: &Configured) -> Diagnostics {
    let mut diags = Diagnostics::new();
    let endpoint = c.client.endpoint().as_str();
    let entries = c.pending.left_over(endpoint);
    if entries.is_empty() {
        return diags;
    }
    let deadline = Instant::now() + LEFT_OVER_LOOKUP;
    let terraform = pending::terraform_pid();
    for entry in entries {
        if terraform.is_some() && entry.reported_to == terraform {
            continue; // shown by this Terraform run already (its plan phase)
        }
        let lookup = c
            .client
            .find_by_creation_token(&entry.agent, &entry.token, deadline);
        let found = tokio::select! {
            biased;
            _ = ctx.cancel.cancelled() => return diags,
            found = lookup => found,
        };
        match found {
            Ok(Some(v)) => {
                tracing::warn!(agent = %v.name, version = %v.version, "version left over by an interrupted create");
                if let Some(pid) = terraform {
                    c.pending.reported(&entry, pid);
                }
                diags.warning(
                    "Version left over by an interrupted apply",
                    format!(
                        "Version {version} of agent {agent:?} was created by an apply in this directory (started {started}) that stopped before Terraform could record it, so no state tracks it unless it was imported since. It keeps running until you act:\n\n- keep it: `terraform import <resource address> {agent}/{version}`;\n- or delete it (the Foundry portal, or the Python SDK's `project.agents.delete_version(agent_name=\"{agent}\", agent_version=\"{version}\")`).\n\nThis warning stops once the version is imported or deleted. The provider never takes such a version over by itself: it cannot prove that no other resource or workspace owns it.",
                        version = v.version,
                        agent = v.name,
                        started = entry.started_at,
                    ),
                );
            }
            Ok(None) => c.pending.forget(&entry.token),
            Err(e) => {
                tracing::debug!(agent = %entry.agent, error = %e, "cannot look up an interrupted create now; keeping its journal entry");
            }
        }
    }
    diags
}
