//! `azureai_hosted_agent_versions`: every version of one agent, oldest first.

use std::sync::LazyLock;
use std::time::Duration;

use async_trait::async_trait;
use tokio::time::Instant;

use super::{summary, summary_type};
use crate::domain::rules;
use crate::framework::{
    Attribute, Block, Ctx, DataSource, Diagnostics, ReadDataRequest, ReadDataResponse, Schema,
    Type, Value,
};
use crate::provider::ProviderHandle;
use crate::resources::hosted_agent_version::model::sort_key;
use crate::resources::shared::{api_errors, interruptible};

const READ_TIMEOUT: Duration = Duration::from_secs(5 * 60);

static SCHEMA: LazyLock<Schema> = LazyLock::new(|| {
    Schema::new(
        0,
        Block::new()
            .description("Lists the versions of a hosted agent, oldest first. Versions being deleted are left out. An agent that does not exist has no versions.")
            .attribute(Attribute::string("agent_name").required().validate_str(rules::agent_name).description("Name of the agent."))
            .attribute(Attribute::string("id").computed().description("The agent name."))
            .attribute(Attribute::typed("versions", Type::list(summary_type())).computed().description(
                "The versions: `id` (`<agent_name>/<version>`), `version`, `status`, `created_at` (RFC 3339), `image`, `cpu`, `memory`.",
            )),
    )
});

pub struct HostedAgentVersionsDataSource {
    handle: ProviderHandle,
}

impl HostedAgentVersionsDataSource {
    pub fn new(handle: ProviderHandle) -> Self {
        HostedAgentVersionsDataSource { handle }
    }
}

#[async_trait]
impl DataSource for HostedAgentVersionsDataSource {
    fn type_name(&self) -> &'static str {
        "azureai_hosted_agent_versions"
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
        let versions =
            match interruptible(ctx, configured.client.list_versions(agent, deadline)).await {
                Ok(v) => v,
                Err(e) if e.is_not_found() => Vec::new(),
                Err(e) => {
                    resp.diagnostics.push(api_errors::diagnostic(
                        "Failed to list hosted agent versions",
                        &format!("list the versions of agent {agent:?}"),
                        &e,
                    ));
                    return resp;
                }
            };
        let mut live: Vec<_> = versions.into_iter().filter(|v| !v.is_gone()).collect();
        live.sort_by_key(sort_key);
        resp.state.set("id", Value::string(agent));
        resp.state
            .set("versions", Value::List(live.iter().map(summary).collect()));
        resp
    }
}
