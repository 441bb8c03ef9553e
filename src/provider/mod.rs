//! The `azureai` provider: its configuration block and the agents client it shares with every
//! resource and data source.
//!
//! - [`config`]: schema, static validation and resolution (with environment fallbacks).
//! - [`handle`]: the configured client, shared by reference, set by `Configure`.

pub mod adoption;
pub mod config;
pub mod handle;

use std::sync::Arc;

use async_trait::async_trait;

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

    async fn configure(&self, _ctx: &Ctx, config: &Value, terraform_version: &str) -> Diagnostics {
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
                self.handle.set(Configured::new(client));
            }
            Err(e) => diags.error(
                "Cannot configure the azureai provider",
                format!("Setting up the agents API client failed: {}", e.message),
            ),
        }
        diags
    }

    fn resources(&self) -> Vec<Arc<dyn Resource>> {
        vec![Arc::new(
            crate::resources::hosted_agent_version::HostedAgentVersion::new(self.handle()),
        )]
    }

    fn data_sources(&self) -> Vec<Arc<dyn DataSource>> {
        vec![
            Arc::new(
                crate::data_sources::hosted_agent_versions::HostedAgentVersions::new(self.handle()),
            ),
            Arc::new(
                crate::data_sources::hosted_agent_version::HostedAgentVersionData::new(
                    self.handle(),
                ),
            ),
        ]
    }
}
