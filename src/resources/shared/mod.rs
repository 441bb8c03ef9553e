//! Helpers every resource and data source shares.
//!
//! - [`api_errors`]: agents API errors as Terraform diagnostics.
//! - [`wait`]: API calls raced against Terraform's Stop.

pub mod api_errors;
pub mod wait;

pub use wait::interruptible;
