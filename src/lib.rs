//! terraform-provider-azureai: a Terraform provider (plugin protocol 5) for Azure AI Foundry
//! hosted agent versions, plus `azureai-emulator`, a local emulator of the agents API.
//!
//! Layers, outside in (see docs/ARCHITECTURE.md):
//! - [`plugin`]: go-plugin transport (handshake, AutoMTLS, side services, debug/reattach mode)
//! - [`protocol`]: the tfplugin5 gRPC service, mapping each RPC onto the [`framework`]
//! - [`framework`]: value model, schema builder, diagnostics, Resource/DataSource/Provider traits
//! - [`provider`], [`resources`], [`data_sources`]: the azureai provider itself (domain)
//! - [`domain`]: the API version, cpu/memory quantities and the validation rules
//! - [`agents`]: HTTP client of the Foundry agents API (both API versions), auth, retries
//! - [`emulator`]: the local agents API used by tests, the quickstart and benchmarks

pub mod agents;
pub mod data_sources;
pub mod docs;
pub mod domain;
pub mod emulator;
pub mod framework;
pub mod logging;
pub mod plugin;
pub mod protocol;
pub mod provider;
pub mod resources;

/// Generated tfplugin5 and go-plugin types (from `proto/` via build.rs). Only `plugin` and
/// `protocol` may use them.
#[allow(clippy::all, clippy::pedantic, missing_docs)]
pub mod proto {
    /// Terraform plugin protocol 5.8 (`proto/tfplugin5.proto`).
    pub mod tfplugin5 {
        tonic::include_proto!("tfplugin5");
    }
    /// go-plugin side services (`proto/plugin.proto`).
    pub mod plugin {
        tonic::include_proto!("plugin");
    }
}
