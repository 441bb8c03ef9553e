//! `azureai_agent`: an agent by name: its state, newest version, and endpoint configuration in
//! the shape of the `azureai_agent_endpoint` resource (whose model reads it), with the URLs
//! clients call.

use std::sync::LazyLock;
use std::time::Duration;

use async_trait::async_trait;
use tokio::time::Instant;

use crate::domain::{ApiVersion, rules};
use crate::framework::{
    Attribute, Block, Ctx, DataSource, Diagnostics, ReadDataRequest, ReadDataResponse, Schema,
    Type, Value,
};
use crate::provider::ProviderHandle;
use crate::resources::agent_endpoint::{self, model};
use crate::resources::shared::{api_errors, interruptible};

const READ_TIMEOUT: Duration = Duration::from_secs(5 * 60);

/// The value type of one of the resource's nested blocks.
fn block_type(name: &str) -> Type {
    agent_endpoint::SCHEMA
        .block
        .find_block(name)
        .map(|b| b.block.value_type().clone())
        .unwrap_or(Type::Dynamic)
}

static SCHEMA: LazyLock<Schema> = LazyLock::new(|| {
    let s = |name: &str, md: &str| Attribute::string(name).computed().description(md);
    let set = |name: &str, md: &str| {
        Attribute::typed(name, Type::set(Type::String))
            .computed()
            .description(md)
    };
    Schema::new(
        0,
        Block::new()
            .description("Reads an agent by name: whether its endpoint is enabled, its newest version, and its endpoint configuration in the shape of the `azureai_agent_endpoint` resource (the service's defaults when nothing is configured), with the URLs clients call. Endpoint attributes are empty under `api_version = \"2025-11-15-preview\"`, which has no agent endpoint.")
            .attribute(Attribute::string("name").required().validate_str(rules::agent_name).description("Name of the agent."))
            .attribute(s("id", "The agent name."))
            .attribute(s("state", "`enabled` or `disabled`: whether the endpoint accepts requests."))
            .attribute(Attribute::bool("enabled").computed().description("The administrative setting behind `state` (`:enable` / `:disable`)."))
            .attribute(s("latest_version", "The newest version that is not a draft, e.g. `4`."))
            .attribute(Attribute::typed("traffic", Type::list(block_type("traffic"))).computed().description("The explicit traffic split, `version` and `percent` per rule; empty when all traffic goes to the newest version (the default)."))
            .attribute(set("protocols", "Protocols the endpoint serves."))
            .attribute(Attribute::bool("activity_m365_public_endpoint").computed().description("Setting of the `activity` protocol, when set."))
            .attribute(set("authorization_schemes", "Authorization schemes of the endpoint."))
            .attribute(Attribute::typed("agent_card", block_type("agent_card")).computed().description("The agent card (`version`, `description`, `skill` list), or null."))
            .attribute(Attribute::string_map("urls").computed().description("The URL clients call for each protocol the endpoint serves.")),
    )
});

pub struct AgentDataSource {
    handle: ProviderHandle,
}

impl AgentDataSource {
    pub fn new(handle: ProviderHandle) -> Self {
        AgentDataSource { handle }
    }
}

#[async_trait]
impl DataSource for AgentDataSource {
    fn type_name(&self) -> &'static str {
        "azureai_agent"
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
        let Some(name) = req.config.get("name").as_str() else {
            return resp;
        };
        let deadline = Instant::now() + READ_TIMEOUT;
        let agent = match interruptible(ctx, configured.client.get_agent(name, deadline)).await {
            Ok(a) => a,
            Err(e) if e.is_not_found() => {
                resp.diagnostics.error(
                    "Agent not found",
                    format!("Agent {name:?} does not exist in this project (an agent exists once it has a version)."),
                );
                return resp;
            }
            Err(e) => {
                resp.diagnostics.push(api_errors::diagnostic(
                    "Failed to read agent",
                    &format!("read agent {name:?}"),
                    &e,
                ));
                return resp;
            }
        };
        let state = &mut resp.state;
        state.set("id", Value::string(agent.name.clone()));
        state.set(
            "latest_version",
            agent
                .versions
                .latest
                .as_ref()
                .map(|v| Value::string(v.version.clone()))
                .unwrap_or(Value::Null),
        );
        if configured.api_version() == ApiVersion::V1 {
            let endpoint = model::state_from_agent(&agent, None, configured.client.endpoint());
            for name in [
                "state",
                "enabled",
                "traffic",
                "protocols",
                "activity_m365_public_endpoint",
                "authorization_schemes",
                "agent_card",
                "urls",
            ] {
                state.set(name, endpoint.get(name).clone());
            }
        }
        resp
    }
}
