//! The provider framework: everything a resource author needs, and nothing of the wire.
//!
//! Resource, data source and provider code is written against this module only. The
//! `protocol` layer translates tfplugin5 RPCs (msgpack `DynamicValue`s, protobuf diagnostics)
//! into these types and back.
//!
//! Architecture invariant: nothing in `framework` (or code using it) names a tonic, prost or
//! rmpv type. That keeps the domain testable without gRPC and lets the protocol version
//! change without touching resources.

pub mod codec;
pub mod diag;
pub mod plan;
pub mod run;
pub mod schema;
pub mod timeouts;
pub mod traits;
pub mod validate;
pub mod value;

pub use diag::{AttrPath, Diagnostic, Diagnostics, PathStep, Severity};
pub use schema::{Attribute, Block, NestedBlock, Nesting, OnChange, Schema};
pub use traits::{
    ApplyRequest, ApplyResponse, ClientCapabilities, Ctx, DataSource, ImportResponse,
    ImportedResource, PlanRequest, PlanResponse, Provider, ReadDataRequest, ReadDataResponse,
    ReadRequest, ReadResponse, Resource, UpgradeRequest, UpgradeResponse,
};
pub use value::{Number, Type, Value};
