//! Data sources of the azureai provider. They reuse the model of the resource they read
//! (`resources::<type>::model`), so a version reads the same in both, and every API call
//! gives way to Terraform's Stop (`resources::shared::interruptible`).
//!
//! - [`hosted_agent_versions`]: every version of an agent.
//! - [`hosted_agent_version`]: one version of an agent, or its latest.
//! - [`agent`]: an agent, its newest version and its endpoint.

pub mod agent;
pub mod hosted_agent_version;
pub mod hosted_agent_versions;

use std::collections::BTreeMap;
use std::sync::Arc;

use crate::framework::DataSource;
use crate::provider::ProviderHandle;

/// Every data source type the provider serves, sharing the provider's configure handle.
pub fn all(handle: &ProviderHandle) -> Vec<Arc<dyn DataSource>> {
    vec![
        Arc::new(hosted_agent_versions::HostedAgentVersionsDataSource::new(
            handle.clone(),
        )),
        Arc::new(hosted_agent_version::HostedAgentVersionDataSource::new(
            handle.clone(),
        )),
        Arc::new(agent::AgentDataSource::new(handle.clone())),
    ]
}

use crate::agents::AgentVersion;
use crate::framework::{Type, Value};
use crate::resources::hosted_agent_version::model::{rfc3339, status_str, version_id};

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
        ("id", Value::string(version_id(v))),
        ("version", Value::string(v.version.clone())),
        ("status", Value::string(status_str(v))),
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
