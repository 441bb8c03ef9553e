//! The configured agents client, shared between the provider and every resource and data
//! source it serves.
//!
//! Resources are created before `Configure` runs (Terraform asks for schemas first), so they
//! hold a handle that `Configure` fills later. A resource used before that gets a clear
//! diagnostic instead of a panic.

use std::sync::{Arc, RwLock};

use super::pending::PendingCreates;
use crate::agents::{ApiVersion, Client};
use crate::framework::Diagnostic;

/// What `Configure` produced.
#[derive(Clone, Debug)]
pub struct Configured {
    pub client: Client,
    /// The journal of creates in flight (see [`super::pending`]).
    pub pending: PendingCreates,
}

impl Configured {
    pub fn new(client: Client) -> Self {
        Configured {
            client,
            pending: PendingCreates::from_env(),
        }
    }

    /// The API version the client speaks (the provider's `api_version`).
    pub fn api_version(&self) -> ApiVersion {
        self.client.api_version()
    }
}

#[derive(Clone, Debug, Default)]
pub struct ProviderHandle(Arc<RwLock<Option<Configured>>>);

impl ProviderHandle {
    pub fn set(&self, c: Configured) {
        // A poisoned lock only means another thread panicked mid-write of an Option; the value
        // is still a whole Option, so keep going.
        *self.0.write().unwrap_or_else(|p| p.into_inner()) = Some(c);
    }

    pub fn get(&self) -> Option<Configured> {
        self.0.read().unwrap_or_else(|p| p.into_inner()).clone()
    }

    /// The configured client, or the diagnostic to return when there is none.
    pub fn require(&self) -> Result<Configured, Diagnostic> {
        self.get().ok_or_else(|| {
            Diagnostic::error(
                "Provider not configured",
                "The azureai provider was used before it was configured. Terraform configures providers before planning or applying; if you see this, the provider \"azureai\" block failed to configure (see the errors above) or this is a bug worth reporting.",
            )
        })
    }
}
