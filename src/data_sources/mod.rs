//! Data sources of the azureai provider.
//!
//! - [`hosted_agent_versions`]: every version of an agent.
//! - [`hosted_agent_version`]: one version of an agent, or its latest.

pub mod hosted_agent_version;
pub mod hosted_agent_versions;

use std::collections::BTreeMap;

use crate::agents::{AgentVersion, VersionStatus};
use crate::framework::{Type, Value};
use crate::resources::version_state::rfc3339;

/// Whether a listed version counts as existing: not on its way out.
pub(crate) fn is_live(v: &AgentVersion) -> bool {
    !matches!(
        v.status,
        Some(VersionStatus::Deleting | VersionStatus::Deleted)
    )
}

/// Orders versions by creation time, then by their number (service versions are "1", "2", …).
pub(crate) fn sort_key(v: &AgentVersion) -> (i64, u64, String) {
    (
        v.created_at,
        v.version.parse().unwrap_or(0),
        v.version.clone(),
    )
}

/// The summary object type of one version in a list.
pub(crate) fn summary_type() -> Type {
    Type::Object(BTreeMap::from([
        ("id".to_owned(), Type::String),
        ("version".to_owned(), Type::String),
        ("status".to_owned(), Type::String),
        ("created_at".to_owned(), Type::String),
        ("image".to_owned(), Type::String),
        ("cpu".to_owned(), Type::String),
        ("memory".to_owned(), Type::String),
    ]))
}

pub(crate) fn summary(v: &AgentVersion) -> Value {
    Value::object([
        ("id", Value::string(format!("{}/{}", v.name, v.version))),
        ("version", Value::string(v.version.clone())),
        (
            "status",
            Value::string(v.status.as_ref().map_or("active", VersionStatus::as_str)),
        ),
        (
            "created_at",
            rfc3339(v.created_at)
                .map(Value::String)
                .unwrap_or(Value::Null),
        ),
        ("image", Value::string(v.definition.image.clone())),
        ("cpu", Value::string(v.definition.cpu.clone())),
        ("memory", Value::string(v.definition.memory.clone())),
    ])
}
