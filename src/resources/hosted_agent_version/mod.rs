//! `azureai_hosted_agent_version`: one immutable version of a hosted (container) agent.
//!
//! Laid out like the Terraform scaffolding's example resource: the schema first (what each
//! argument does: validators, defaults, equivalence, requires-replace or state-only), then the
//! `Resource` implementation (validate and plan rules beyond the schema, apply, read, import,
//! upgrade), then create, read and delete. There is no update call: versions are immutable.
//! Mapping to and from the API models is in [`model`], the rules in [`checks`], state
//! upgrades in [`upgrade`].
//!
//! Reliability rules this file keeps (docs/reliability.md):
//! - every create carries a creation token of its own in metadata; after a lost response the
//!   client finds the version by it instead of making a second one. No other version is ever
//!   taken over: a version another resource, workspace or earlier apply made is never adopted;
//! - a create in flight is journalled (`provider::pending`) until its state goes back to
//!   Terraform, so a version made by a process that died is named on the next plan;
//! - the new version's id is in the returned state before any waiting, so a failed, timed-out
//!   or cancelled wait leaves a tainted resource, never an orphan;
//! - a 404 on read drops the resource from state (it is gone), except right after create,
//!   where it is retried briefly (eventual consistency).

use std::sync::LazyLock;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use async_trait::async_trait;
use serde::{Deserialize, Serialize};
use tokio::time::Instant;

mod checks;
pub mod model;
mod upgrade;
mod write_only;

use self::checks::{api_version_rules, resource_rules};
use self::model::{request_from_plan, state_from_version, status_str};
use super::shared::{api_errors, interruptible};
use crate::agents::{AgentVersion, Error, ErrorKind, VersionStatus, new_creation_token};
use crate::domain::quantity::{
    Cpu, DEFAULT_CPU, DEFAULT_MEMORY, LIMITS, Memory, cpu_equivalent, memory_equivalent,
};
use crate::domain::rules;
use crate::framework::timeouts::{Operation, Timeouts, minutes};
use crate::framework::{
    ApplyRequest, ApplyResponse, AttrPath, Attribute, Block, Ctx, Diagnostic, Diagnostics,
    ImportResponse, ImportedResource, NestedBlock, OnChange, PlanRequest, PlanResponse,
    ReadRequest, ReadResponse, Resource, Schema, UpgradeRequest, UpgradeResponse, Value,
};
use crate::provider::{Configured, ProviderHandle};

pub const TYPE_NAME: &str = "azureai_hosted_agent_version";

/// The operations that take a timeout, with their defaults (schema, docs and lookup).
pub const TIMEOUTS: Timeouts = Timeouts::new()
    .create(minutes(30))
    .read(minutes(5))
    .delete(minutes(30));

/// Status polling after create: start fast (a small image is ready in seconds), back off to
/// one request per second.
const POLL_FIRST: Duration = Duration::from_millis(100);
const POLL_MAX: Duration = Duration::from_secs(1);
/// A 404 this soon after create may be the service's eventual consistency, not a deletion.
const FRESH_WINDOW: Duration = Duration::from_secs(60);
const FRESH_404_RETRIES: u32 = 5;
/// While waiting for a new version to become active, how long 404s in a row are taken for
/// eventual consistency (about as long as read retries a fresh 404: 0.2 + 0.4 + … + 1 s).
/// After that the version is gone: deleted while provisioning, or lost by the service.
const NOT_FOUND_PATIENCE: Duration = Duration::from_secs(3);
/// How long a create interrupted by Stop may look for the version it may have made: short,
/// because the user is waiting for Ctrl-C to end the run (docs/reliability.md, guarantee 6).
const SETTLE_AFTER_STOP: Duration = Duration::from_secs(2);

pub static SCHEMA: LazyLock<Schema> = LazyLock::new(|| {
    let protocol = Block::new()
        .attribute(Attribute::string("protocol").required().description(
            "Protocol the container serves. With `api_version = \"v1\"`: `responses`, `invocations`, `invocations_ws`, `activity`, `a2a`, `mcp`, `voice`, `voice_conversation_engine`. With `2025-11-15-preview`: `responses`, `activity_protocol`, `invocations`.",
        ))
        .attribute(Attribute::string("version").required().description(
            "Protocol version: a semantic version such as `1.0.0` with `api_version = \"v1\"`; `v1`-style with `2025-11-15-preview`.",
        ));
    let tool = Block::new()
        .attribute(Attribute::string("type").required().description("Tool type: `code_interpreter`, `file_search` or `mcp`."))
        .attribute(Attribute::string("server_label").optional().description("`mcp`: short name of the MCP server (letters, digits, `_`, `-`). Required for `mcp`."))
        .attribute(Attribute::string("server_url").optional().description("`mcp`: `https://` URL of the MCP server. Required for `mcp`."))
        .attribute(Attribute::string_list("allowed_tools").optional().description("`mcp`: names of the server's tools the agent may call; all when unset."))
        .attribute(Attribute::string("require_approval").optional().description("`mcp`: `always` or `never`."))
        .attribute(Attribute::string_map("headers").optional().sensitive().description("`mcp`: HTTP headers sent to the MCP server. Sensitive; stored in state."))
        .attribute(Attribute::string_list("vector_store_ids").optional().description("`file_search`: ids of the vector stores to search. Required for `file_search`."))
        .attribute(Attribute::number("max_num_results").optional().description("`file_search`: maximum number of results, 1 to 50."))
        .attribute(Attribute::string("project_connection_id").optional().description("`mcp`: id of a project connection holding the server's credentials."));
    let computed = |name: &str, md: &str| Attribute::string(name).computed().description(md);
    let cores = |millicores| Cpu { millicores }.to_string();
    let mebibytes = |mib| Memory { mib }.to_string();
    let block = Block::new()
            .attribute(computed("id", "`<agent_name>/<version>`, e.g. `orders-bot/4`."))
            .attribute(Attribute::string("agent_name").required().requires_replace().validate_str(rules::agent_name).description(
                "Name of the agent the version belongs to (created with its first version). 1 to 63 letters, digits and hyphens, starting and ending with a letter or digit.",
            ))
            .attribute(Attribute::string("image").required().requires_replace().validate_str(rules::image).description(
                "Container image, `registry/repository:tag` or `registry/repository@sha256:<digest>`, e.g. `myacr.azurecr.io/orders-bot:2026.01.01`. The project's managed identity needs pull access (AcrPull) to the registry. Pin a tag or digest: a moving tag such as `latest` gets a warning.",
            ))
            .attribute(
                Attribute::string("cpu")
                    .optional_computed()
                    .default(DEFAULT_CPU)
                    .requires_replace()
                    .equivalent_str(cpu_equivalent)
                    .validate_str(checks::cpu)
                    .description(format!(
                        "CPU cores as a decimal string, `{}` to `{}` (millicores like `500m` also work and are sent to the service as `0.5`; the state keeps your spelling). The service pairs {} of memory with each core; other pairings get a warning.",
                        cores(LIMITS.cpu_min_millicores),
                        cores(LIMITS.cpu_max_millicores),
                        mebibytes(LIMITS.paired_mib_per_core),
                    )),
            )
            .attribute(
                Attribute::string("memory")
                    .optional_computed()
                    .default(DEFAULT_MEMORY)
                    .requires_replace()
                    .equivalent_str(memory_equivalent)
                    .validate_str(checks::memory)
                    .description(format!(
                        "Memory, `{}` to `{}`, in `Gi` or `Mi` (`2Gi` and `2048Mi` are the same; the service is sent `Gi`).",
                        mebibytes(LIMITS.memory_min_mib),
                        mebibytes(LIMITS.memory_max_mib),
                    )),
            )
            .attribute(Attribute::string("description").optional().requires_replace().equivalent(model::empty_is_unset).description("Free-text description of the version."))
            .attribute(Attribute::string_map("metadata").optional().requires_replace().equivalent(model::empty_is_unset).validate(checks::metadata).description(format!(
                "Up to {} key/value pairs (key up to {} characters, value up to {}). The key `{}` is reserved: the provider stores a creation token there to recognise versions it made.",
                rules::MAX_USER_METADATA_PAIRS,
                rules::MAX_METADATA_KEY_CHARS,
                rules::MAX_METADATA_VALUE_CHARS,
                rules::RESERVED_METADATA_KEY
            )))
            .attribute(Attribute::string_map("environment_variables").optional().sensitive().requires_replace().equivalent(model::empty_is_unset).validate(checks::environment_variables).description(
                "Environment variables of the container. Names match `^[A-Za-z_][A-Za-z0-9_]*$`; the `FOUNDRY_` prefix is reserved. Sensitive: hidden in plan output but stored in plain text in the state — put secrets in `environment_variables_wo`, or reference a project connection with a `${{connections.<name>.<key>}}` placeholder.",
            ))
            .attribute(Attribute::string_map(write_only::WO).optional().sensitive().write_only().validate(checks::environment_variables).description(format!(
                "Environment variables whose values Terraform never stores: a **write-only** argument (Terraform {min} or later), so the values may come from ephemeral sources (an `ephemeral` input variable, an ephemeral resource such as a Key Vault secret). They are sent when a version is created and are null in every plan and in the state; the names follow the rules of `environment_variables`, and a name may not appear in both maps. Terraform cannot see a change of the values: change `environment_variables_wo_version` to create a new version with the current values. Adding or removing a name without changing `environment_variables_wo_version` is an error at plan. Older Terraform versions get an error when this argument is set.",
                min = crate::framework::validate::WRITE_ONLY_MIN_TERRAFORM
            )))
            .attribute(Attribute::number(write_only::WO_VERSION).optional().requires_replace().description(
                "Any number that you change whenever the values of `environment_variables_wo` change: a change creates a new version that is sent the current values (a version's variables cannot be updated in place). Stored in the state; the first number set after an import is recorded without a new version.",
            ))
            .attribute(Attribute::bool("force_delete").optional_computed().default(false).state_only().description(
                "Delete the version even while it has active sessions (ends them). Changing it does not create a new version.",
            ))
            .attribute(computed("version", "Version assigned by the service, e.g. `4`."))
            .attribute(computed("status", "Version status: `creating`, `active` or `failed` (`v1`); always `active` with `2025-11-15-preview`."))
            .attribute(computed("created_at", "Creation time, RFC 3339."))
            .attribute(computed("instance_identity_principal_id", "Principal id of the version's own Entra identity (`v1`), for role assignments in the same plan."))
            .attribute(computed("instance_identity_client_id", "Client id of the version's own Entra identity (`v1`)."))
            .block(
                NestedBlock::list("container_protocol_version", protocol.description("A protocol the container serves (at least one)."))
                    .min_items(1)
                    .requires_replace()
                    .equivalent(model::same_protocols)
                    .validate(checks::protocols),
            )
            .block(NestedBlock::list("tool", tool.description("A tool of the agent. Only with the provider's `api_version = \"2025-11-15-preview\"`.")).requires_replace().equivalent(model::empty_is_unset))
            .block(TIMEOUTS.block());
    let mut state_only: Vec<String> = block
        .arguments()
        .filter(|a| a.on_change() == OnChange::StateOnly)
        .map(|a| format!("`{}`", a.name()))
        .collect();
    let last = state_only.pop().unwrap_or_default();
    let state_only = if state_only.is_empty() {
        last
    } else {
        format!("{} and {last}", state_only.join(", "))
    };
    Schema::new(
        1,
        block.description(format!(
            "One version of a Foundry **hosted agent**: a container image plus its resources, protocols and environment. Versions are immutable: changing any argument except {} creates a new version and deletes the old one.\n\n`environment_variables` and tool `headers` are marked sensitive, so Terraform hides them in plan output, but like every attribute they are stored in plain text in the state. Keep secrets out of them: put them in `environment_variables_wo`, a write-only argument whose values Terraform {wo_min} and later never store in a plan or the state, or reference a project connection (`${{{{connections.<name>.<key>}}}}` placeholders are resolved by the service and read back verbatim).",
            state_only,
            wo_min = crate::framework::validate::WRITE_ONLY_MIN_TERRAFORM
        )),
    )
});

/// Private state kept next to the resource: when it was created, so a 404 right after create
/// is retried instead of dropping the resource; and the names (never the values) of its
/// write-only environment variables, so a change of the names is seen ([`write_only`]).
#[derive(Debug, Default, Serialize, Deserialize)]
struct Private {
    #[serde(default)]
    created_unix_ms: u64,
    /// `None`: not recorded (an imported version, or a state written before write-only
    /// arguments existed), in which case the state's plain map holds every variable.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    write_only_keys: Option<Vec<String>>,
}

impl Private {
    fn decode(bytes: &[u8]) -> Private {
        serde_json::from_slice(bytes).unwrap_or_default()
    }
    /// A version created now with these write-only variables (their names only).
    fn created(write_only: &std::collections::BTreeMap<String, String>) -> Private {
        Private {
            created_unix_ms: unix_ms(),
            write_only_keys: Some(write_only.keys().cloned().collect()),
        }
    }
    fn encode(&self) -> Vec<u8> {
        serde_json::to_vec(self).unwrap_or_default()
    }
    fn is_fresh(&self) -> bool {
        self.created_unix_ms > 0
            && unix_ms().saturating_sub(self.created_unix_ms) < FRESH_WINDOW.as_millis() as u64
    }
}

fn unix_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis() as u64)
        .unwrap_or(0)
}

pub struct HostedAgentVersion {
    handle: ProviderHandle,
}

impl HostedAgentVersion {
    pub fn new(handle: ProviderHandle) -> Self {
        HostedAgentVersion { handle }
    }
}

#[async_trait]
impl Resource for HostedAgentVersion {
    fn type_name(&self) -> &'static str {
        TYPE_NAME
    }

    fn schema(&self) -> &Schema {
        &SCHEMA
    }

    fn validate(&self, config: &Value) -> Diagnostics {
        resource_rules(config)
    }

    /// On top of the schema's plan: the rules across attributes again (validate saw unknowns
    /// it had to skip; its warnings were shown already, so only errors), and the rules of the
    /// configured API version.
    async fn modify_plan(&self, _ctx: &Ctx, req: &PlanRequest, resp: &mut PlanResponse) {
        let mut diags = resource_rules(&req.config).errors();
        if let Some(c) = self.handle.get() {
            diags.extend(api_version_rules(&req.config, c.api_version()));
        }
        resp.diagnostics.extend_unique(diags);
        write_only::plan(req, resp);
        if resp.diagnostics.has_errors() {
            resp.planned_state = req.proposed_new_state.clone();
            resp.requires_replace.clear();
        }
    }

    async fn apply(&self, ctx: &Ctx, req: ApplyRequest) -> ApplyResponse {
        let configured = match self.handle.require() {
            Ok(c) => c,
            Err(d) => {
                // Keep whatever Terraform had: nothing was done.
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
        if req.prior_state.is_null() {
            // Write-only values arrive in the configuration only, never in the plan.
            let secrets = write_only::values(&req.config);
            let mut resp = create(ctx, &configured, req.planned_state, &secrets).await;
            write_only::scrub(&mut resp.diagnostics, &secrets);
            return resp;
        }
        // No update call (`has_update` is false): every argument either replaces the version
        // or is state-only in the schema (`internal_validate` holds the schema to that), so an
        // in-place change only rewrites the state.
        ApplyResponse {
            new_state: req.planned_state,
            private: req.planned_private,
            diagnostics: Diagnostics::new(),
        }
    }

    async fn read(&self, ctx: &Ctx, req: ReadRequest) -> ReadResponse {
        let configured = match self.handle.require() {
            Ok(c) => c,
            Err(d) => {
                return ReadResponse {
                    new_state: req.current_state,
                    private: req.private,
                    diagnostics: d.into(),
                };
            }
        };
        read(ctx, &configured, req).await
    }

    async fn import(&self, ctx: &Ctx, id: &str) -> ImportResponse {
        let mut resp = ImportResponse::default();
        let (agent, version) = match rules::parse_import_id(id) {
            Ok(parts) => parts,
            Err(detail) => {
                resp.diagnostics.error("Invalid import id", detail);
                return resp;
            }
        };
        let configured = match self.handle.require() {
            Ok(c) => c,
            Err(d) => {
                resp.diagnostics.push(d);
                return resp;
            }
        };
        let deadline = Instant::now() + TIMEOUTS.get(&Value::Null, Operation::Read);
        match interruptible(ctx, configured.client.get_version(&agent, &version, deadline)).await {
            Ok(v) if v.is_gone() => resp.diagnostics.error(
                "Cannot import a deleted version",
                format!("Version {version} of agent {agent:?} is being deleted (status {:?}); import an existing version.", status_str(&v)),
            ),
            Ok(v) => {
                // Imported: tracked now, so no longer a left-over to warn about.
                if let Some(token) = v.creation_token() {
                    configured.pending.forget(token);
                }
                resp.imported.push(ImportedResource { state: state_from_version(&v, None), private: Vec::new() });
            }
            Err(e) if e.is_not_found() => resp.diagnostics.error(
                "Hosted agent version not found",
                format!("Agent {agent:?} has no version {version:?} in this project. List versions with the azureai_hosted_agent_versions data source; the import id is <agent_name>/<version>, e.g. \"my-agent/3\"."),
            ),
            Err(e) => resp.diagnostics.push(api_errors::diagnostic(
                "Failed to read hosted agent version",
                &format!("read version {version} of agent {agent:?}"),
                &e,
            )),
        }
        resp
    }

    fn upgrade(&self, req: UpgradeRequest) -> UpgradeResponse {
        upgrade::upgrade(req, SCHEMA.version)
    }
}

async fn create(
    ctx: &Ctx,
    c: &Configured,
    planned: Value,
    secrets: &std::collections::BTreeMap<String, String>,
) -> ApplyResponse {
    let mut resp = ApplyResponse::default();
    let agent = planned
        .get("agent_name")
        .as_str()
        .unwrap_or_default()
        .to_owned();
    let deadline = Instant::now() + TIMEOUTS.get(&planned, Operation::Create);
    // A token of this create alone: the client finds the version by it after a lost response,
    // and nothing else can carry it (docs/reliability.md, guarantee 3).
    let token = new_creation_token();
    let mut request = request_from_plan(&planned).with_creation_token(&token);
    request
        .definition
        .environment_variables
        .extend(secrets.iter().map(|(k, v)| (k.clone(), v.clone())));
    let mut in_flight = c
        .pending
        .begin(c.client.endpoint().as_str(), &agent, &token);
    let version =
        match interruptible(ctx, c.client.create_version(&agent, &request, deadline)).await {
            Ok(v) => v,
            Err(e) if e.kind == ErrorKind::Cancelled => {
                // Stopped while the create was in flight: it may have reached the service. Look
                // once, briefly, so a version it made is recorded rather than left behind.
                match settle_interrupted(c, &agent, &token).await {
                    Some(v) => {
                        in_flight.made(&v.version);
                        resp.new_state = state_from_version(&v, Some(&planned));
                        resp.private = Private::created(secrets).encode();
                        resp.diagnostics
                            .push(wait_failed(&v, "Terraform was interrupted"));
                        in_flight.resolved();
                    }
                    // Unknown: the entry stays, so the next plan names the version if one exists.
                    None => resp.diagnostics.push(create_failed(&agent, &e)),
                }
                return resp;
            }
            Err(e) => {
                if e.made_nothing() {
                    in_flight.resolved();
                }
                resp.diagnostics.push(create_failed(&agent, &e));
                return resp;
            }
        };
    in_flight.made(&version.version);
    resp.private = Private::created(secrets).encode();
    let resp = wait_until_active(ctx, c, &planned, version, deadline, resp).await;
    // The version goes back to Terraform with this answer, whatever the wait found.
    in_flight.resolved();
    resp
}

/// A create the service refused or that failed without making a version; a refusal of one
/// argument's value is underlined at that argument.
fn create_failed(agent: &str, e: &Error) -> Diagnostic {
    let mut d = api_errors::diagnostic_at(
        "Failed to create hosted agent version",
        &format!("create a version of agent {agent:?}"),
        e,
        Some(&model::param_paths()),
    );
    if e.kind == ErrorKind::Cancelled {
        d.detail.push_str(" If the interrupted create reached the service, the next plan names the version it made, with how to import or delete it.");
    }
    d
}

/// After Stop interrupted a create: the version it made, if a short lookup finds one.
async fn settle_interrupted(c: &Configured, agent: &str, token: &str) -> Option<AgentVersion> {
    let deadline = Instant::now() + SETTLE_AFTER_STOP;
    match tokio::time::timeout_at(
        deadline,
        c.client.find_by_creation_token(agent, token, deadline),
    )
    .await
    {
        Ok(Ok(found)) => found,
        _ => None,
    }
}

/// Records `version` in the response and, under `v1`, waits until it is `active`.
async fn wait_until_active(
    ctx: &Ctx,
    c: &Configured,
    planned: &Value,
    version: AgentVersion,
    deadline: Instant,
    mut resp: ApplyResponse,
) -> ApplyResponse {
    let agent = version.name.clone();
    tracing::info!(agent = %agent, version = %version.version, status = %status_str(&version), "hosted agent version created");
    // From here on the version exists: every return carries its state.
    resp.new_state = state_from_version(&version, Some(planned));
    if !c.api_version().has_version_status() {
        return resp;
    }
    let mut current = version;
    let mut interval = POLL_FIRST;
    // When the current run of 404 answers began.
    let mut not_found_since: Option<Instant> = None;
    loop {
        match current.status.clone() {
            Some(VersionStatus::Active) | None => {
                resp.new_state = state_from_version(&current, Some(planned));
                return resp;
            }
            Some(VersionStatus::Failed) => {
                resp.new_state = state_from_version(&current, Some(planned));
                resp.diagnostics.push(failed_diagnostic(&current));
                return resp;
            }
            Some(VersionStatus::Deleting | VersionStatus::Deleted) => {
                resp.new_state = state_from_version(&current, Some(planned));
                resp.diagnostics.error(
                    "Hosted agent version deleted while provisioning",
                    format!("Version {} of agent {agent:?} was deleted (status {}) before it became active. Run apply again to create a new one.", current.version, status_str(&current)),
                );
                return resp;
            }
            Some(VersionStatus::Creating | VersionStatus::Unknown(_)) => {}
        }
        let now = Instant::now();
        if now >= deadline {
            resp.diagnostics.push(wait_failed(&current, "the create timeout passed before the version became active. Raise timeouts.create if the image is large"));
            return resp;
        }
        let wake = (now + interval).min(deadline);
        tokio::select! {
            _ = ctx.cancel.cancelled() => {
                resp.diagnostics.push(wait_failed(&current, "Terraform was interrupted"));
                return resp;
            }
            _ = tokio::time::sleep_until(wake) => {}
        }
        interval = (interval * 2).min(POLL_MAX);
        match interruptible(
            ctx,
            c.client.get_version(&agent, &current.version, deadline),
        )
        .await
        {
            Ok(v) => {
                tracing::debug!(agent = %agent, version = %v.version, status = %status_str(&v), "polled version status");
                not_found_since = None;
                current = v;
            }
            // Right after create the version may not be readable yet everywhere; 404s that
            // last longer than that mean it is gone.
            Err(e) if e.is_not_found() => {
                let since = *not_found_since.get_or_insert_with(Instant::now);
                if since.elapsed() >= NOT_FOUND_PATIENCE {
                    tracing::warn!(agent = %agent, version = %current.version, "hosted agent version gone while provisioning");
                    resp.diagnostics
                        .push(gone_while_provisioning(&current, since.elapsed()));
                    return resp;
                }
            }
            Err(e) if e.kind == ErrorKind::Timeout => {
                resp.diagnostics.push(wait_failed(&current, "the create timeout passed before the version became active. Raise timeouts.create if the image is large"));
                return resp;
            }
            Err(e) if e.kind == ErrorKind::Cancelled => {
                resp.diagnostics
                    .push(wait_failed(&current, "Terraform was interrupted"));
                return resp;
            }
            Err(e) => {
                resp.diagnostics.push(api_errors::diagnostic(
                    "Failed to read hosted agent version",
                    &format!(
                        "read the status of version {} of agent {agent:?}",
                        current.version
                    ),
                    &e,
                ));
                return resp;
            }
        }
    }
}

/// The version answered 404 for longer than [`NOT_FOUND_PATIENCE`] while provisioning. It is
/// kept in the state (tainted) all the same: should the 404s have been a glitch, the version
/// is still tracked, and if it is gone the next refresh drops it and the next apply creates a
/// new one.
fn gone_while_provisioning(v: &AgentVersion, for_how_long: Duration) -> Diagnostic {
    Diagnostic::error(
        "Hosted agent version deleted while provisioning",
        format!(
            "Version {} was created (status {:?} when last seen), but the version was deleted while provisioning: the service has answered 404 Not Found for it for {:.1} s (deleted outside Terraform, or lost by the service). It is recorded in the state as tainted; the next apply creates a new version.",
            model::version_id(v),
            status_str(v),
            for_how_long.as_secs_f64()
        ),
    )
}

/// The version exists but its wait ended early: the state is kept and Terraform taints it.
fn wait_failed(v: &AgentVersion, why: &str) -> Diagnostic {
    Diagnostic::error(
        "Hosted agent version not active yet",
        format!(
            "Version {} of agent {:?} was created (status {:?}), but {why}. It is recorded in the state as tainted: the next apply replaces it, or `terraform untaint` keeps it once it is active.",
            v.version,
            v.name,
            status_str(v)
        ),
    )
}

/// A `failed` version: the service's code and message, plus what usually fixes it.
fn failed_diagnostic(v: &AgentVersion) -> Diagnostic {
    let (code, message) = v
        .error
        .as_ref()
        .map_or(("", ""), |e| (e.code.as_str(), e.message.as_str()));
    let image_problem = matches!(
        code,
        "ImageError"
            | "image_pull_failed"
            | "InvalidAcrPullCredentials"
            | "UnauthorizedAcrPull"
            | "AcrImageNotFound"
            | "RegistryNotFound"
    );
    let hint = match code {
        _ if image_problem => {
            "The service could not pull the image. Check that the image path and tag exist in the registry, and that the project's managed identity holds the AcrPull (Container Registry Repository Reader) role on it."
        }
        "CodeError" => "The service could not prepare the agent's code or its dependencies.",
        "SubscriptionIsNotRegistered" => {
            "Register the required resource provider on the subscription, then apply again."
        }
        _ => {
            "Check the container: it must start and answer the platform's health probes (/liveness, /readiness) on its protocol port."
        }
    };
    let what = if code.is_empty() && message.is_empty() {
        "no error details".to_owned()
    } else {
        format!("{code}: {message}")
    };
    let d = Diagnostic::error(
        "Hosted agent version failed to provision",
        format!(
            "Version {} of agent {:?} reported status \"failed\" ({what}).\n\n{hint}\n\nThe version is kept in the state as tainted, so the next apply replaces it.",
            v.version, v.name
        ),
    );
    // Terraform underlines the image line when the image is what failed.
    if image_problem {
        d.at(AttrPath::root("image"))
    } else {
        d
    }
}

async fn read(ctx: &Ctx, c: &Configured, req: ReadRequest) -> ReadResponse {
    let current = req.current_state;
    let private = Private::decode(&req.private);
    let mut resp = ReadResponse {
        new_state: current.clone(),
        private: req.private,
        diagnostics: Diagnostics::new(),
    };
    let (Some(agent), Some(version)) = (
        current.get("agent_name").as_str(),
        current.get("version").as_str(),
    ) else {
        return resp;
    };
    let deadline = Instant::now() + TIMEOUTS.get(&current, Operation::Read);
    let mut attempts = 0;
    loop {
        match interruptible(ctx, c.client.get_version(agent, version, deadline)).await {
            Ok(v) if v.is_gone() => {
                tracing::warn!(agent, version, status = %status_str(&v), "hosted agent version is being deleted; removing it from state");
                resp.new_state = Value::Null;
            }
            Ok(v) => {
                if let Some(token) = v.creation_token() {
                    c.pending.forget(token);
                }
                resp.new_state = state_from_version(&v, Some(&current));
            }
            Err(e) if e.is_not_found() && private.is_fresh() && attempts < FRESH_404_RETRIES => {
                attempts += 1;
                tokio::select! {
                    _ = ctx.cancel.cancelled() => return resp,
                    _ = tokio::time::sleep(Duration::from_millis(200 * u64::from(attempts))) => {}
                }
                continue;
            }
            Err(e) if e.is_not_found() => {
                tracing::warn!(
                    agent,
                    version,
                    "hosted agent version no longer exists; removing it from state"
                );
                resp.new_state = Value::Null;
            }
            Err(e) => resp.diagnostics.push(api_errors::diagnostic(
                "Failed to read hosted agent version",
                &format!("read version {version} of agent {agent:?}"),
                &e,
            )),
        }
        return resp;
    }
}

async fn delete(ctx: &Ctx, c: &Configured, prior: Value) -> ApplyResponse {
    let mut resp = ApplyResponse::default();
    let (Some(agent), Some(version)) = (
        prior.get("agent_name").as_str(),
        prior.get("version").as_str(),
    ) else {
        return resp;
    };
    let force = prior.get("force_delete").as_bool().unwrap_or(false);
    let deadline = Instant::now() + TIMEOUTS.get(&prior, Operation::Delete);
    match interruptible(
        ctx,
        c.client.delete_version(agent, version, force, deadline),
    )
    .await
    {
        Ok(()) => tracing::info!(agent, version, force, "hosted agent version deleted"),
        Err(e) if e.is_not_found() => {
            tracing::info!(agent, version, "hosted agent version already gone")
        }
        Err(e) if e.kind == ErrorKind::Conflict => {
            // The endpoint may still route traffic to it: that error says how to order it.
            let routed =
                super::agent_endpoint::traffic_conflict(ctx, c, agent, version, &e, deadline);
            resp.diagnostics.push(routed.await.unwrap_or_else(|| {
                Diagnostic::error(
                    "Hosted agent version has active sessions",
                    format!(
                        "The service refused to delete version {version} of agent {agent:?} because it still has active sessions ({}). Wait for the sessions to end, or set force_delete = true (and apply) to delete it together with its sessions.",
                        conflict_text(&e)
                    ),
                )
                .at(AttrPath::root("force_delete"))
            }));
            resp.new_state = prior;
        }
        Err(e) => {
            resp.diagnostics.push(api_errors::diagnostic(
                "Failed to delete hosted agent version",
                &format!("delete version {version} of agent {agent:?}"),
                &e,
            ));
            resp.new_state = prior;
        }
    }
    resp
}

fn conflict_text(e: &Error) -> String {
    if e.message.is_empty() {
        e.to_string()
    } else {
        e.message.clone()
    }
}

#[cfg(test)]
mod tests;
