//! The tfplugin5 gRPC service: maps each Terraform RPC onto the [`crate::framework`] traits.
//!
//! Only this module (and `plugin`) sees tonic/prost types. Every failure that reaches
//! Terraform is a diagnostic: decode errors, unknown type names, provider bugs. gRPC status
//! errors are reserved for RPCs we do not serve (generated `Unimplemented` stubs), because
//! Terraform turns any other status into an opaque "plugin error".
//!
//! - [`schema`]: framework `Schema` → protobuf `Schema`, plus the schema rules Terraform enforces
//! - [`diagnostics`]: framework diagnostics and attribute paths → protobuf
//! - [`dynamic`]: `DynamicValue` ↔ [`crate::framework::Value`] through the codec
//! - [`service`]: [`ProviderService`], the RPC implementations

pub mod diagnostics;
pub mod dynamic;
pub mod schema;
pub mod service;

pub use service::ProviderService;
