//! The domain of a hosted agent version, free of Terraform wire types and of HTTP: quantities
//! (cpu, memory) and the validation rules every configuration passes before any API call.
//!
//! Each rule takes plain values plus the attribute path they came from and returns
//! [`Diagnostics`](crate::framework::Diagnostics) with a summary, a detail that says what is
//! allowed, and that path, so Terraform underlines the offending line.

pub mod quantity;
pub mod rules;

/// The API generation a rule is checked against (agents-api.md §1). Kept here rather than
/// borrowing the client's `ApiVersion` so the rules stay independent of the HTTP layer.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Generation {
    /// `2025-11-15-preview`: protocol versions like `v1`, `tools` allowed.
    A,
    /// `v1`: semver protocol versions, no `tools` on hosted definitions.
    B,
}

impl Generation {
    /// The `api_version` value that selects this generation, for messages.
    pub fn api_version(self) -> &'static str {
        match self {
            Generation::A => "2025-11-15-preview",
            Generation::B => "v1",
        }
    }
}
