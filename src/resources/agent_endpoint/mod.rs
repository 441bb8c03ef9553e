//! `azureai_agent_endpoint`: the stable endpoint of an agent (`v1`): which versions serve its
//! traffic and in what shares, the protocols and authorization schemes it accepts, its agent
//! card, and whether it is enabled.
//!
//! Laid out like the version resource: the schema first, then the `Resource` implementation,
//! then create, read, update and delete. Mapping to and from the API models is in [`model`],
//! the rules in [`checks`] (built on `domain::endpoint`).
//!
//! What this file keeps (docs/agents-api.md, "The agent endpoint"):
//! - create and update send the **whole** configuration as one merge-patch: the service
//!   replaces the protocol set and the authorization schemes, and keeps whatever a patch
//!   leaves out, so a partial patch would lose or keep entries;
//! - the endpoint belongs to the agent, not to Terraform: delete restores the service's
//!   defaults (all traffic to the newest version, Responses, Entra, enabled, no card) and
//!   deletes neither the agent nor a version;
//! - the traffic rules are checked at plan when their values are known, and again right before
//!   anything is sent (a version created in the same apply is known only then);
//! - enable and disable are their own calls (`:enable`, `:disable`), made only when the
//!   service's setting differs.

use std::sync::LazyLock;

use async_trait::async_trait;
use tokio::time::Instant;

mod checks;
pub mod model;

use self::model::{planned_urls, settings_changed, settings_from_plan, state_from_agent};
use super::shared::{api_errors, interruptible};
use crate::agents::{Agent, AgentPatch, Error};
use crate::domain::endpoint::{
    AUTHORIZATION_SCHEMES, CARD, DEFAULT_AUTHORIZATION_SCHEME, DEFAULT_PROTOCOL, LATEST, PROTOCOLS,
    TOTAL_PERCENT,
};
use crate::domain::rules;
use crate::framework::timeouts::{Operation, Timeouts, minutes};
use crate::framework::{
    ApplyRequest, ApplyResponse, AttrPath, Attribute, Block, Ctx, Diagnostic, Diagnostics,
    ImportResponse, ImportedResource, NestedBlock, PlanRequest, PlanResponse, ReadRequest,
    ReadResponse, Resource, Schema, Type, Value,
};
use crate::provider::{Configured, ProviderHandle};

pub const TYPE_NAME: &str = "azureai_agent_endpoint";

/// The operations that take a timeout, with their defaults. Every call is answered at once
/// (nothing provisions); the timeouts bound the retries against a throttling service.
pub const TIMEOUTS: Timeouts = Timeouts::new()
    .create(minutes(10))
    .read(minutes(5))
    .update(minutes(10))
    .delete(minutes(10));

fn list(items: &[&str]) -> String {
    items
        .iter()
        .map(|s| format!("`{s}`"))
        .collect::<Vec<_>>()
        .join(", ")
}

pub static SCHEMA: LazyLock<Schema> = LazyLock::new(|| {
    let traffic = Block::new()
        .description("A share of the endpoint's traffic for one version.")
        .attribute(Attribute::string("version").required().validate_str(checks::traffic_version).description(format!(
            "Version that gets this share, e.g. `azureai_hosted_agent_version.green.version` (`{LATEST}` names the newest version).",
        )))
        .attribute(Attribute::number("percent").required().validate(checks::percent).description(format!(
            "Share of the traffic in percent, a whole number from 0 to {TOTAL_PERCENT}. The blocks add up to {TOTAL_PERCENT}; a version at 0 keeps its rule and can be deleted.",
        )));
    let skill = Block::new()
        .description("A skill the agent card advertises.")
        .attribute(
            Attribute::string("id")
                .required()
                .validate_str(checks::skill_id)
                .description(format!(
                    "Skill id, {} to {} characters.",
                    CARD.skill_id_chars.0, CARD.skill_id_chars.1
                )),
        )
        .attribute(
            Attribute::string("name")
                .required()
                .validate_str(checks::skill_name)
                .description(format!(
                    "Skill name, {} to {} characters.",
                    CARD.skill_name_chars.0, CARD.skill_name_chars.1
                )),
        )
        .attribute(
            Attribute::string("description")
                .optional()
                .validate_str(checks::skill_description)
                .description(format!(
                    "What the skill does, up to {} characters.",
                    CARD.skill_description_chars
                )),
        )
        .attribute(
            Attribute::string_list("tags")
                .optional()
                .validate(checks::skill_tags)
                .description(format!(
                    "Up to {} tags of up to {} characters.",
                    CARD.tags, CARD.tag_chars
                )),
        )
        .attribute(
            Attribute::string_list("examples")
                .optional()
                .validate(checks::skill_examples)
                .description(format!(
                    "Up to {} example prompts of up to {} characters.",
                    CARD.examples, CARD.example_chars
                )),
        );
    let card = Block::new()
        .description("The agent card A2A clients read.")
        .attribute(
            Attribute::string("version")
                .required()
                .validate_str(checks::card_version)
                .description(format!(
                    "Card version, {} to {} characters, e.g. `1.0.0`.",
                    CARD.version_chars.0, CARD.version_chars.1
                )),
        )
        .attribute(
            Attribute::string("description")
                .optional()
                .validate_str(checks::card_description)
                .description(format!(
                    "What the agent does, up to {} characters.",
                    CARD.description_chars
                )),
        )
        .block(
            NestedBlock::list("skill", skill)
                .min_items(CARD.skills.0 as i64)
                .max_items(CARD.skills.1 as i64),
        );
    let string_set = |name: &str| Attribute::typed(name, Type::set(Type::String));
    let block = Block::new()
        .description(format!(
            "The stable endpoint of a hosted agent (`api_version = \"v1\"` only): which versions serve its traffic and in what shares (canary, blue/green, rollback), the protocols and authorization schemes it accepts, its agent card, and whether it is enabled. Clients call the same URLs whichever version serves them (`urls`).\n\nWithout `traffic` blocks all traffic goes to the newest version, so a new version takes over as soon as it is created. With them, the endpoint sends each version its share: reference the versions' `version` attributes so that Terraform creates a version before routing traffic to it and moves traffic away before deleting one (see \"Rolling out a new version\" in the README). The service refuses to delete a version an explicit rule still sends traffic to. Some regions serve one version at a time; the service has the last word on a split.\n\nThe endpoint belongs to the agent: destroying this resource restores the service's defaults (all traffic to the newest version, `{DEFAULT_PROTOCOL}`, `{DEFAULT_AUTHORIZATION_SCHEME}`, enabled, no agent card) and deletes neither the agent nor its versions."
        ))
        .attribute(Attribute::string("id").computed().description("The agent's name (the endpoint has no id of its own)."))
        .attribute(Attribute::string("agent_name").required().requires_replace().validate_str(rules::agent_name).description(
            "Name of the agent whose endpoint this configures. The agent exists once it has a version: use a version resource's `agent_name` so Terraform creates that version first.",
        ))
        .attribute(string_set("protocols").optional_computed().default(Value::Set(vec![Value::string(DEFAULT_PROTOCOL)])).validate(checks::protocols).description(format!(
            "Protocols the endpoint serves, at least one of {}.", list(PROTOCOLS)
        )))
        .attribute(Attribute::bool("activity_m365_public_endpoint").optional().equivalent(model::unset_is_false).description(
            "Setting of the `activity` protocol: whether Microsoft 365 clients reach the agent through a public endpoint. Only with `activity` in `protocols`.",
        ))
        .attribute(string_set("authorization_schemes").optional_computed().default(Value::Set(vec![Value::string(DEFAULT_AUTHORIZATION_SCHEME)])).validate(checks::authorization_schemes).description(format!(
            "Who may call the endpoint, at least one of {}: `Entra` (callers with a Foundry role on the project or agent), `BotServiceRbac` (Bot Service channels, identities with Foundry permissions), `BotServiceTenant` (anyone in the tenant), `BotService` (plain Bot Service channel authentication).", list(AUTHORIZATION_SCHEMES)
        )))
        .attribute(Attribute::bool("enabled").optional_computed().default(true).description(
            "Whether the endpoint accepts requests. Disabling lets active sessions finish and refuses new ones.",
        ))
        .attribute(Attribute::string("state").computed().description(
            "`enabled` or `disabled`, as the service reports it: also `disabled` when the agent's identity is disabled, whatever `enabled` says.",
        ))
        .attribute(Attribute::string_map("urls").computed().description(
            "The URL clients call for each protocol in `protocols`, e.g. `responses` → `<endpoint>/agents/<name>/endpoint/protocols/openai/responses?api-version=v1` (`invocations_ws` is a `wss://` URL).",
        ))
        .block(
            NestedBlock::list("traffic", traffic)
                .validate(checks::traffic)
                .equivalent(model::same_traffic),
        )
        .block(
            NestedBlock::single("agent_card", card).equivalent(model::same_card),
        )
        .block(TIMEOUTS.block());
    Schema::new(0, block)
});

pub struct AgentEndpointResource {
    handle: ProviderHandle,
}

impl AgentEndpointResource {
    pub fn new(handle: ProviderHandle) -> Self {
        AgentEndpointResource { handle }
    }
}

#[async_trait]
impl Resource for AgentEndpointResource {
    fn type_name(&self) -> &'static str {
        TYPE_NAME
    }

    fn schema(&self) -> &Schema {
        &SCHEMA
    }

    /// Every argument but `agent_name` is changed in place with a merge-patch (or
    /// `:enable` / `:disable`).
    fn has_update(&self) -> bool {
        true
    }

    fn validate(&self, config: &Value) -> Diagnostics {
        checks::resource_rules(config)
    }

    /// On top of the schema's plan: the rules across arguments again (errors only), the
    /// API version's, and the computed values an update changes: `id` and `urls` follow from
    /// the configuration, `state` is known only after `:enable` / `:disable`.
    async fn modify_plan(&self, _ctx: &Ctx, req: &PlanRequest, resp: &mut PlanResponse) {
        let mut diags = checks::resource_rules(&req.config).errors();
        let configured = self.handle.get();
        if let Some(c) = &configured {
            diags.extend(checks::api_version_rules(c.api_version()));
        }
        resp.diagnostics.extend_unique(diags);
        if resp.diagnostics.has_errors() {
            resp.planned_state = req.proposed_new_state.clone();
            resp.requires_replace.clear();
            return;
        }
        let planned = &mut resp.planned_state;
        let agent = planned.get("agent_name").clone();
        if agent.is_known() {
            planned.set("id", agent);
        }
        let urls = match &configured {
            Some(c) => planned_urls(c.client.endpoint(), planned),
            None => Value::Unknown,
        };
        planned.set("urls", urls);
        let prior = &req.prior_state;
        if !prior.is_null() && prior.get("enabled") != planned.get("enabled") {
            planned.set("state", Value::Unknown);
        }
    }

    async fn apply(&self, ctx: &Ctx, req: ApplyRequest) -> ApplyResponse {
        let configured = match self.handle.require() {
            Ok(c) => c,
            Err(d) => {
                return ApplyResponse {
                    new_state: req.prior_state,
                    private: req.planned_private,
                    diagnostics: d.into(),
                };
            }
        };
        if req.planned_state.is_null() {
            return delete(ctx, &configured, req.prior_state).await;
        }
        configure(ctx, &configured, req.prior_state, req.planned_state).await
    }

    async fn read(&self, ctx: &Ctx, req: ReadRequest) -> ReadResponse {
        let mut resp = ReadResponse {
            new_state: req.current_state.clone(),
            private: req.private,
            diagnostics: Diagnostics::new(),
        };
        let configured = match self.handle.require() {
            Ok(c) => c,
            Err(d) => {
                resp.diagnostics.push(d);
                return resp;
            }
        };
        let current = req.current_state;
        let Some(agent) = current.get("agent_name").as_str() else {
            return resp;
        };
        let deadline = Instant::now() + TIMEOUTS.get(&current, Operation::Read);
        match interruptible(ctx, configured.client.get_agent(agent, deadline)).await {
            Ok(a) => {
                resp.new_state = state_from_agent(&a, Some(&current), configured.client.endpoint())
            }
            Err(e) if e.is_not_found() => {
                tracing::warn!(
                    agent,
                    "agent no longer exists; removing its endpoint from state"
                );
                resp.new_state = Value::Null;
            }
            Err(e) => resp.diagnostics.push(api_errors::diagnostic(
                "Failed to read agent endpoint",
                &format!("read the endpoint of agent {agent:?}"),
                &e,
            )),
        }
        resp
    }

    /// Import by agent name: every argument comes from the service.
    async fn import(&self, ctx: &Ctx, id: &str) -> ImportResponse {
        let mut resp = ImportResponse::default();
        rules::agent_name(id, &AttrPath::root("agent_name"), &mut resp.diagnostics);
        if resp.diagnostics.has_errors() {
            resp.diagnostics = Diagnostics::new();
            resp.diagnostics.error(
                "Invalid import id",
                format!("The import id of an agent endpoint is its agent's name (e.g. \"orders-bot\"); {} is not an agent name.", rules::quote(id)),
            );
            return resp;
        }
        let configured = match self.handle.require() {
            Ok(c) => c,
            Err(d) => {
                resp.diagnostics.push(d);
                return resp;
            }
        };
        let deadline = Instant::now() + TIMEOUTS.get(&Value::Null, Operation::Read);
        match interruptible(ctx, configured.client.get_agent(id, deadline)).await {
            Ok(a) => resp.imported.push(ImportedResource {
                state: state_from_agent(&a, None, configured.client.endpoint()),
                private: Vec::new(),
            }),
            Err(e) if e.is_not_found() => resp.diagnostics.error(
                "Agent not found",
                format!("Agent {id:?} does not exist in this project, so it has no endpoint to import. The import id is the agent's name."),
            ),
            Err(e) => resp.diagnostics.push(api_errors::diagnostic(
                "Failed to read agent endpoint",
                &format!("read the endpoint of agent {id:?}"),
                &e,
            )),
        }
        resp
    }
}

/// The diagnostic for a failed call of a create or update.
fn failed(what: &'static str, agent: &str, e: &Error) -> Diagnostic {
    if e.is_not_found() {
        return Diagnostic::error(
            "Agent not found",
            format!("Agent {agent:?} does not exist in this project, so its endpoint cannot be configured. An agent exists once it has a version: set agent_name from an azureai_hosted_agent_version resource (agent_name = azureai_hosted_agent_version.<name>.agent_name) so Terraform creates the version first."),
        )
        .at(AttrPath::root("agent_name"));
    }
    api_errors::diagnostic_at(
        what,
        &format!("configure the endpoint of agent {agent:?}"),
        e,
        Some(&model::param_paths()),
    )
}

/// Create and update: the whole configuration as one merge-patch (when it differs from the
/// prior state, always on create), then `:enable` / `:disable` when the service's setting
/// differs, then the endpoint as the service now has it.
async fn configure(ctx: &Ctx, c: &Configured, prior: Value, planned: Value) -> ApplyResponse {
    let creating = prior.is_null();
    let (summary, op) = if creating {
        ("Failed to create agent endpoint", Operation::Create)
    } else {
        ("Failed to update agent endpoint", Operation::Update)
    };
    let mut resp = ApplyResponse {
        new_state: prior.clone(),
        ..ApplyResponse::default()
    };
    let agent = planned
        .get("agent_name")
        .as_str()
        .unwrap_or_default()
        .to_owned();
    // Values other resources computed are known now: nothing unchecked reaches the service.
    let checked = checks::apply_rules(&planned);
    if checked.has_errors() {
        resp.diagnostics = checked;
        return resp;
    }
    let deadline = Instant::now() + TIMEOUTS.get(&planned, op);
    let client = &c.client;
    let mut current: Agent = if creating || settings_changed(&prior, &planned) {
        let patch = AgentPatch::Set(settings_from_plan(&planned));
        match interruptible(ctx, client.patch_agent(&agent, &patch, deadline)).await {
            Ok(a) => a,
            Err(e) => {
                resp.diagnostics.push(failed(summary, &agent, &e));
                return resp;
            }
        }
    } else {
        match interruptible(ctx, client.get_agent(&agent, deadline)).await {
            Ok(a) => a,
            Err(e) => {
                resp.diagnostics.push(failed(summary, &agent, &e));
                return resp;
            }
        }
    };
    // From here on the endpoint is configured: every return carries its state.
    resp.new_state = state_from_agent(&current, Some(&planned), client.endpoint());
    let enabled = planned.get("enabled").as_bool().unwrap_or(true);
    if current.is_enabled() != enabled {
        if let Err(e) =
            interruptible(ctx, client.set_agent_enabled(&agent, enabled, deadline)).await
        {
            resp.diagnostics.push(failed(summary, &agent, &e));
            return resp;
        }
        match interruptible(ctx, client.get_agent(&agent, deadline)).await {
            Ok(a) => current = a,
            Err(e) => {
                resp.diagnostics.push(api_errors::diagnostic(
                    "Failed to read agent endpoint",
                    &format!("read the endpoint of agent {agent:?}"),
                    &e,
                ));
                return resp;
            }
        }
        resp.new_state = state_from_agent(&current, Some(&planned), client.endpoint());
    }
    tracing::info!(agent = %agent, "agent endpoint configured");
    if let Some(d) = not_as_planned(&agent, &planned, &resp.new_state) {
        resp.diagnostics.push(d);
    }
    resp
}

/// The service answered the patch but shows another configuration (e.g. a region that serves
/// one version at a time): said plainly, rather than left to Terraform's "inconsistent result".
fn not_as_planned(agent: &str, planned: &Value, state: &Value) -> Option<Diagnostic> {
    let differs: Vec<&str> = model::SENT
        .iter()
        .chain(&["enabled"])
        .copied()
        .filter(|name| {
            !SCHEMA
                .block
                .equivalent(name, planned.get(name), state.get(name))
        })
        .collect();
    let first = *differs.first()?;
    Some(
        Diagnostic::error(
            "Agent endpoint not configured as planned",
            format!(
                "The service accepted the configuration of the endpoint of agent {agent:?} but reads back different {}. The service has the last word: some regions serve one version at a time, so a traffic split may be refused or changed. The state records what the service holds; adjust the configuration to it.",
                differs.join(", ")
            ),
        )
        .at(AttrPath::root(first)),
    )
}

/// Restores the service's defaults; the agent and its versions stay. An agent already gone
/// (its last version deleted) has nothing to restore.
async fn delete(ctx: &Ctx, c: &Configured, prior: Value) -> ApplyResponse {
    let mut resp = ApplyResponse::default();
    let Some(agent) = prior.get("agent_name").as_str() else {
        return resp;
    };
    let deadline = Instant::now() + TIMEOUTS.get(&prior, Operation::Delete);
    let fail = |e: &Error| {
        api_errors::diagnostic(
            "Failed to delete agent endpoint",
            &format!("restore the default endpoint of agent {agent:?}"),
            e,
        )
    };
    let restored = match interruptible(
        ctx,
        c.client
            .patch_agent(agent, &AgentPatch::RestoreDefaults, deadline),
    )
    .await
    {
        Ok(a) => a,
        Err(e) if e.is_not_found() => {
            tracing::info!(agent, "agent already gone; nothing to restore");
            return resp;
        }
        Err(e) => {
            resp.diagnostics.push(fail(&e));
            resp.new_state = prior;
            return resp;
        }
    };
    if !restored.is_enabled() {
        match interruptible(ctx, c.client.set_agent_enabled(agent, true, deadline)).await {
            Ok(()) => {}
            Err(e) if e.is_not_found() => {}
            Err(e) => {
                resp.diagnostics.push(fail(&e));
                resp.new_state = prior;
                return resp;
            }
        }
    }
    tracing::info!(agent, "agent endpoint restored to the service defaults");
    resp
}

/// For the version resource: when the service refused (409) to delete version `version` of
/// `agent`, whether that is because its endpoint still sends the version traffic; if so, the
/// diagnostic that names the endpoint and how to order the change. `None` when the endpoint
/// routes nothing to it (or cannot be read), i.e. the conflict has another cause.
pub async fn traffic_conflict(
    ctx: &Ctx,
    c: &Configured,
    agent: &str,
    version: &str,
    refusal: &Error,
    deadline: Instant,
) -> Option<Diagnostic> {
    let a = interruptible(ctx, c.client.get_agent(agent, deadline))
        .await
        .ok()?;
    let rule = a
        .agent_endpoint
        .as_ref()?
        .version_selector
        .as_ref()?
        .version_selection_rules
        .iter()
        .find(|r| r.agent_version == version && r.traffic_percentage > 0)?;
    let service = if refusal.message.is_empty() {
        refusal.to_string()
    } else {
        refusal.message.clone()
    };
    Some(Diagnostic::error(
        "Hosted agent version receives traffic",
        format!(
            "The service refused to delete version {version} of agent {agent:?}: the agent endpoint of {agent:?} (an {TYPE_NAME} with agent_name = {agent:?}, or a change made outside Terraform) sends it {percent}% of its traffic ({service}).\n\nMove its traffic first: set that traffic block's percent to 0 (or remove the block) and apply, then remove the version. To replace a version in one apply, use the version resource's `version` attribute in the endpoint's traffic block and give the version resource lifecycle {{ create_before_destroy = true }}: Terraform then creates the new version, moves the traffic to it, and deletes the old version last.",
            percent = rule.traffic_percentage,
        ),
    ))
}

#[cfg(test)]
mod tests;
