//! `azureai_hosted_agent_version` (data source): one version of an agent, by number or the
//! latest.

use std::collections::BTreeMap;
use std::sync::LazyLock;
use std::time::Duration;

use async_trait::async_trait;
use tokio::time::Instant;

use crate::domain::rules;
use crate::framework::{
    AttrPath, Attribute, Block, Ctx, DataSource, Diagnostics, ReadDataRequest, ReadDataResponse,
    Schema, Type, Value,
};
use crate::provider::ProviderHandle;
use crate::resources::hosted_agent_version::model::{sort_key, state_from_version};
use crate::resources::shared::{api_errors, interruptible};

const READ_TIMEOUT: Duration = Duration::from_secs(5 * 60);

/// Attributes copied from the resource's state of the same version.
const COPIED: &[&str] = &[
    "id",
    "image",
    "cpu",
    "memory",
    "description",
    "metadata",
    "environment_variables",
    "status",
    "created_at",
    "instance_identity_principal_id",
    "instance_identity_client_id",
];

static SCHEMA: LazyLock<Schema> = LazyLock::new(|| {
    let protocol = Type::Object(BTreeMap::from([
        ("protocol".to_owned(), Type::String),
        ("version".to_owned(), Type::String),
    ]));
    let s = |name: &str, md: &str| Attribute::string(name).computed().description(md);
    Schema::new(
        0,
        Block::new()
            .description("Reads one version of a hosted agent: the one named by `version`, or the most recent version that is not a draft and not being deleted.")
            .attribute(Attribute::string("agent_name").required().validate_str(rules::agent_name).description("Name of the agent."))
            .attribute(Attribute::string("version").optional_computed().validate_str(version_number).description("Version to read, e.g. `3`. Omit it for the latest version."))
            .attribute(s("id", "`<agent_name>/<version>`."))
            .attribute(s("image", "Container image."))
            .attribute(s("cpu", "CPU cores."))
            .attribute(s("memory", "Memory."))
            .attribute(s("description", "Description."))
            .attribute(Attribute::string_map("metadata").computed().description("Metadata (without the provider's creation token)."))
            .attribute(Attribute::string_map("environment_variables").computed().sensitive().description("Environment variables of the container (sensitive), every one the service returns: write-only variables (`environment_variables_wo` of the resource) included, and Terraform stores a data source's result in the state. Do not read a version that holds secrets with this data source."))
            .attribute(Attribute::typed("container_protocol_versions", Type::list(protocol)).computed().description("Protocols the container serves: `protocol`, `version`."))
            .attribute(s("status", "Version status."))
            .attribute(s("created_at", "Creation time, RFC 3339."))
            .attribute(s("instance_identity_principal_id", "Principal id of the version's Entra identity (`v1`)."))
            .attribute(s("instance_identity_client_id", "Client id of the version's Entra identity (`v1`).")),
    )
});

/// Validator of `version`: a version number as the service assigns them.
fn version_number(v: &str, at: &AttrPath, d: &mut Diagnostics) {
    if v.is_empty() || v.contains('/') || v.chars().any(char::is_whitespace) {
        d.error_at(at.clone(), "Invalid version", format!("{} is not a version: use the number the service assigned, e.g. \"3\", or omit version for the latest.", rules::quote(v)));
    }
}

pub struct HostedAgentVersionDataSource {
    handle: ProviderHandle,
}

impl HostedAgentVersionDataSource {
    pub fn new(handle: ProviderHandle) -> Self {
        HostedAgentVersionDataSource { handle }
    }
}

#[async_trait]
impl DataSource for HostedAgentVersionDataSource {
    fn type_name(&self) -> &'static str {
        "azureai_hosted_agent_version"
    }

    fn schema(&self) -> &Schema {
        &SCHEMA
    }

    async fn read(&self, ctx: &Ctx, req: ReadDataRequest) -> ReadDataResponse {
        let mut resp = ReadDataResponse {
            state: req.config.clone(),
            diagnostics: Diagnostics::new(),
        };
        let configured = match self.handle.require() {
            Ok(c) => c,
            Err(d) => {
                resp.diagnostics.push(d);
                return resp;
            }
        };
        let Some(agent) = req.config.get("agent_name").as_str() else {
            return resp;
        };
        let deadline = Instant::now() + READ_TIMEOUT;
        let found = match req.config.get("version").as_str() {
            Some(version) => {
                match interruptible(ctx, configured.client.get_version(agent, version, deadline))
                    .await
                {
                    Ok(v) if !v.is_gone() => Ok(v),
                    Ok(_) => Err(format!(
                        "Version {version} of agent {agent:?} is being deleted."
                    )),
                    Err(e) if e.is_not_found() => Err(format!(
                        "Agent {agent:?} has no version {version:?} in this project."
                    )),
                    Err(e) => {
                        resp.diagnostics.push(api_errors::diagnostic(
                            "Failed to read hosted agent version",
                            &format!("read version {version} of agent {agent:?}"),
                            &e,
                        ));
                        return resp;
                    }
                }
            }
            None => {
                match interruptible(ctx, configured.client.list_versions(agent, deadline)).await {
                    Ok(versions) => versions
                        .into_iter()
                        .filter(|v| !v.is_gone() && !v.version.starts_with("draft-"))
                        .max_by_key(sort_key)
                        .ok_or_else(|| format!("Agent {agent:?} has no versions in this project.")),
                    Err(e) if e.is_not_found() => {
                        Err(format!("Agent {agent:?} does not exist in this project."))
                    }
                    Err(e) => {
                        resp.diagnostics.push(api_errors::diagnostic(
                            "Failed to list hosted agent versions",
                            &format!("list the versions of agent {agent:?}"),
                            &e,
                        ));
                        return resp;
                    }
                }
            }
        };
        let v = match found {
            Ok(v) => v,
            Err(detail) => {
                resp.diagnostics
                    .error("Hosted agent version not found", detail);
                return resp;
            }
        };
        let full = state_from_version(&v, None);
        for name in COPIED {
            resp.state.set(name, full.get(name).clone());
        }
        resp.state.set("version", Value::string(v.version.clone()));
        resp.state.set(
            "container_protocol_versions",
            full.get("container_protocol_version").clone(),
        );
        resp
    }
}
