//! Managed resources of the azureai provider: one folder per resource type, the same file
//! names in every folder (see docs/ARCHITECTURE.md, "Adding a resource").
//!
//! - [`hosted_agent_version`]: the `azureai_hosted_agent_version` resource.
//! - [`agent_endpoint`]: the `azureai_agent_endpoint` resource.
//! - [`shared`]: what every resource and data source uses: agents API errors as diagnostics,
//!   and API calls that give way to Terraform's Stop.

pub mod agent_endpoint;
pub mod hosted_agent_version;
pub mod shared;

use std::sync::Arc;

use crate::framework::Resource;
use crate::provider::ProviderHandle;

/// Every resource type the provider serves, sharing the provider's configure handle.
pub fn all(handle: &ProviderHandle) -> Vec<Arc<dyn Resource>> {
    vec![
        Arc::new(hosted_agent_version::HostedAgentVersion::new(
            handle.clone(),
        )),
        Arc::new(agent_endpoint::AgentEndpointResource::new(handle.clone())),
    ]
}
