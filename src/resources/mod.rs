//! Managed resources of the azureai provider.
//!
//! - [`hosted_agent_version`]: `azureai_hosted_agent_version` (schema beside its CRUD).
//! - `version_state`: API models ↔ Terraform values, with normalisation (shared with the data
//!   sources).
//! - `version_checks`: the domain rules applied to a configuration value.
//! - `version_upgrade`: state upgrades from older schema versions.
//! - `api_errors`: agents API errors as diagnostics.

pub mod api_errors;
pub mod hosted_agent_version;
pub mod version_checks;
pub mod version_state;
pub mod version_upgrade;
