//! The traits a provider, its resources and its data sources implement, and the plain
//! request/response structs the protocol layer fills from each RPC.
//!
//! Modelled on terraform-plugin-framework: validate → plan → apply, read, import, upgrade.
//! Every method returns diagnostics rather than `Result`, because Terraform wants warnings
//! and errors side by side and wants state back even when an apply partly failed.
//!
//! What the schema declares (validators, defaults, equivalence, requires-replace) the
//! framework applies before calling the type's own hooks ([`Resource::validate`],
//! [`Resource::modify_plan`], [`DataSource::validate`]): see [`super::run`]. A type's hooks
//! hold only what a schema cannot say: rules across attributes, rules that depend on the
//! provider's configuration.

use std::sync::Arc;

use async_trait::async_trait;
use tokio_util::sync::CancellationToken;

use super::diag::{AttrPath, Diagnostics};
use super::schema::Schema;
use super::value::Value;

/// Per-call context.
#[derive(Clone, Debug, Default)]
pub struct Ctx {
    /// Cancelled when Terraform calls `Stop` (Ctrl-C): long waits must return promptly,
    /// keeping whatever state they already have.
    pub cancel: CancellationToken,
}

/// What the calling Terraform says it can handle (tfplugin5 `ClientCapabilities`). A
/// Terraform that sends none (before 1.9 on most calls, before 1.11 on validation) can handle
/// none of it: the default.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ClientCapabilities {
    /// Terraform 1.11 and later: write-only attributes are handed over in the configuration
    /// and never stored (announced on `ValidateResourceConfig`).
    pub write_only_attributes_allowed: bool,
}

/// `PlanResourceChange`.
#[derive(Clone, Debug, Default)]
pub struct PlanRequest {
    /// Null when creating.
    pub prior_state: Value,
    /// Terraform's merge of config and prior state; null when destroying.
    pub proposed_new_state: Value,
    pub config: Value,
    pub prior_private: Vec<u8>,
}

#[derive(Clone, Debug, Default)]
pub struct PlanResponse {
    pub planned_state: Value,
    /// Attribute paths whose change forces a replacement.
    pub requires_replace: Vec<AttrPath>,
    pub planned_private: Vec<u8>,
    pub diagnostics: Diagnostics,
}

/// `ApplyResourceChange`.
#[derive(Clone, Debug, Default)]
pub struct ApplyRequest {
    /// Null when creating.
    pub prior_state: Value,
    /// Null when destroying.
    pub planned_state: Value,
    pub config: Value,
    pub planned_private: Vec<u8>,
}

#[derive(Clone, Debug, Default)]
pub struct ApplyResponse {
    /// Null after a destroy. After a failed create that still made an object, the object's
    /// state (Terraform then marks it tainted) — never null in that case.
    pub new_state: Value,
    pub private: Vec<u8>,
    pub diagnostics: Diagnostics,
}

/// `ReadResource`.
#[derive(Clone, Debug, Default)]
pub struct ReadRequest {
    pub current_state: Value,
    pub private: Vec<u8>,
}

#[derive(Clone, Debug, Default)]
pub struct ReadResponse {
    /// Null when the object is gone: Terraform removes it from state and plans a create.
    pub new_state: Value,
    pub private: Vec<u8>,
    pub diagnostics: Diagnostics,
}

/// One object found by `ImportResourceState`.
#[derive(Clone, Debug, Default)]
pub struct ImportedResource {
    pub state: Value,
    pub private: Vec<u8>,
}

#[derive(Clone, Debug, Default)]
pub struct ImportResponse {
    pub imported: Vec<ImportedResource>,
    pub diagnostics: Diagnostics,
}

/// `UpgradeResourceState`: stored state (as JSON) written by schema `version`.
#[derive(Clone, Debug, Default)]
pub struct UpgradeRequest {
    pub version: i64,
    pub raw_state: serde_json::Value,
}

#[derive(Clone, Debug, Default)]
pub struct UpgradeResponse {
    /// The state as JSON conforming to the *current* schema; the protocol layer decodes it
    /// with that schema (settling number/string and set/list) and answers msgpack.
    pub upgraded_state: serde_json::Value,
    pub diagnostics: Diagnostics,
}

/// `ReadDataSource`.
#[derive(Clone, Debug, Default)]
pub struct ReadDataRequest {
    pub config: Value,
}

#[derive(Clone, Debug, Default)]
pub struct ReadDataResponse {
    pub state: Value,
    pub diagnostics: Diagnostics,
}

/// A managed resource type.
#[async_trait]
pub trait Resource: Send + Sync {
    /// e.g. `azureai_hosted_agent_version`.
    fn type_name(&self) -> &'static str;
    /// Built once; Terraform asks for it on every command.
    fn schema(&self) -> &Schema;
    /// Whether the resource has an update call: a change that replaces nothing is sent to the
    /// service by `apply`. Without one (the default), every argument must be
    /// `requires_replace` or `state_only` in the schema, or a change would plan as an update
    /// that never reaches the service; `framework::schema::internal_validate` checks it.
    fn has_update(&self) -> bool {
        false
    }
    /// Resource-level checks of the configuration (`terraform validate`), after the schema's
    /// validators: rules across attributes. Runs before `Configure`, so it cannot depend on
    /// provider settings. Values may be unknown: skip those.
    fn validate(&self, _config: &Value) -> Diagnostics {
        Diagnostics::new()
    }
    /// Resource-level plan rules (rules that depend on the provider's configuration, changes
    /// across attributes). `resp` arrives holding the schema's plan
    /// (`framework::plan::from_schema`). Not called for a destroy.
    async fn modify_plan(&self, _ctx: &Ctx, _req: &PlanRequest, _resp: &mut PlanResponse) {}
    async fn apply(&self, ctx: &Ctx, req: ApplyRequest) -> ApplyResponse;
    async fn read(&self, ctx: &Ctx, req: ReadRequest) -> ReadResponse;
    async fn import(&self, ctx: &Ctx, id: &str) -> ImportResponse;
    /// Default: state already at the current version is passed through; anything else is an
    /// error (resources with older schema versions override this).
    fn upgrade(&self, req: UpgradeRequest) -> UpgradeResponse {
        let mut diagnostics = Diagnostics::new();
        if req.version != self.schema().version {
            diagnostics.error(
                "Unsupported state version",
                format!(
                    "The state of this {} was written with schema version {}, which this provider version cannot upgrade (current version {}).",
                    self.type_name(),
                    req.version,
                    self.schema().version
                ),
            );
        }
        UpgradeResponse {
            upgraded_state: req.raw_state,
            diagnostics,
        }
    }
}

/// A data source type.
#[async_trait]
pub trait DataSource: Send + Sync {
    fn type_name(&self) -> &'static str;
    fn schema(&self) -> &Schema;
    /// Data-source-level checks after the schema's validators (see [`Resource::validate`]).
    fn validate(&self, _config: &Value) -> Diagnostics {
        Diagnostics::new()
    }
    /// Reads with a configuration whose every value is known and valid (the framework has
    /// run the checks again first). Every API call must give way to `ctx`'s Stop.
    async fn read(&self, ctx: &Ctx, req: ReadDataRequest) -> ReadDataResponse;
}

/// The provider: its own configuration plus the resource and data source types it serves.
#[async_trait]
pub trait Provider: Send + Sync {
    /// The provider type name, e.g. `azureai`.
    fn type_name(&self) -> &'static str;
    fn schema(&self) -> &Schema;
    /// Static checks of the provider block (`ValidateProviderConfig`).
    fn validate_config(&self, _config: &Value) -> Diagnostics {
        Diagnostics::new()
    }
    /// `ConfigureProvider`: may be called more than once per process.
    async fn configure(&self, ctx: &Ctx, config: &Value, terraform_version: &str) -> Diagnostics;
    /// The resource types, asked for once when the server starts: the instances serve every
    /// call of the process, before and after `configure` (share configuration through a
    /// handle, as `provider::ProviderHandle` does).
    fn resources(&self) -> Vec<Arc<dyn Resource>>;
    /// The data source types, asked for once like [`Provider::resources`].
    fn data_sources(&self) -> Vec<Arc<dyn DataSource>>;
}
