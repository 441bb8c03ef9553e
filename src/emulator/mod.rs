//! `azureai-emulator`: a local, faithful emulator of the Azure AI Foundry agents API (hosted
//! agent versions, both API generations), used by tests, the quickstart and benchmarks.
//!
//! One job per module: [`cli`] options, [`server`] router + listener, [`api`] agents API
//! handlers, [`control`] test-control endpoints, [`store`] state and persistence, [`lifecycle`]
//! Gen B status, [`validation`] request rules, [`tiers`] cpu/memory per generation, [`hosted`]
//! the `v1` hosted definition's newer fields, [`endpoint`] the agent endpoint and agent card,
//! [`code`] code uploads and downloads, [`audit`] the audit log, [`render`] response shapes,
//! [`errors`] the error body, [`auth`] tokens, [`faults`] fault injection, [`stats`] counters,
//! [`tls`] certificates, [`generation`] api-version → generation, [`digest`] SHA-256/HMAC via
//! aws-lc-rs.
//!
//! Behaviour worth knowing (choices where the service is undocumented):
//! - Each agents API request passes, in order: project check (configured name or `_project`,
//!   else 404), bearer token (401), `api-version` (400), `--latency-ms`, then one fault draw
//!   (429 / 5xx before the operation; "drop" after it). `/msi/token` and `/_emulator/*` are
//!   never faulted; `/_emulator/*` is not counted in stats.
//! - Versions are numbered per agent name and never reused, even after the agent is deleted.
//!   Deleting an agent's last version removes the agent (an agent object must show
//!   `versions.latest`). `POST /agents/{name}/versions` creates the agent when it is missing;
//!   `POST /agents` answers 409 when it exists; `POST /agents/{name}` needs an existing agent.
//! - Lists default to `order=desc`, `limit=20`; `after`/`before` take `name:version` ids or bare
//!   versions (agents: the agent name). The page after the last item is empty with null
//!   `first_id`/`last_id`, which is what stops the Python pager.
//! - Definitions are stored and returned as sent (JSON object key order aside); either spelling
//!   (`image` / `container_configuration`, `container_protocol_versions` / `protocol_versions`)
//!   is accepted on both generations; protocol *versions* follow the api-version (`v1`-style on
//!   Gen A, semver on Gen B). Gen B responses add `status`, `error` (failed) and
//!   `instance_identity` (active); Gen A responses have none of them.
//! - Tokens are HMAC-signed with a key kept in the state file, bound to the requested resource
//!   (only `https://ai.azure.com` is accepted by the agents API) and to an expiry.
//! - `v1` hosted cpu/memory are resource tiers (tiers.rs); `v1` hosted versions read back the
//!   idle-timeout default (900 s) when created without one (hosted.rs).
//! - The agent endpoint's undocumented rules are strict: traffic percentages add up to 100,
//!   rules name existing versions, and a version an explicit rule sends traffic to cannot be
//!   deleted (409). See endpoint.rs.
//! - JSON requests need `Content-Type: application/json` (PATCH also takes
//!   `application/merge-patch+json`), else 415; `multipart/form-data` is a code upload (code.rs).
//! - Names taken from the URL appear in error messages truncated to 80 characters.
//! - A temp file a killed process left beside the state file (or in its code store) is removed
//!   at the next start.

pub mod api;
pub mod audit;
pub mod auth;
pub mod cli;
pub mod code;
pub mod control;
pub mod digest;
pub mod endpoint;
pub mod errors;
pub mod faults;
pub mod generation;
pub mod hosted;
pub mod lifecycle;
pub mod render;
pub mod server;
pub mod stats;
pub mod store;
pub mod tiers;
pub mod tls;
pub mod validation;

pub use cli::Options;
pub use server::run;
