//! The domain of hosted agents, free of HTTP and of the plugin protocol: the API version a
//! configuration is checked against, quantities (cpu, memory), the validation rules every
//! version's configuration passes before any API call ([`rules`]), and those of an agent
//! endpoint ([`endpoint`]: traffic, protocols, authorization, agent card, protocol URLs).
//!
//! Each rule takes plain values plus the attribute path they came from and reports
//! [`Diagnostics`](crate::framework::Diagnostics) with a constant summary, a detail that says
//! what is allowed, and that path, so Terraform underlines the offending line. (Diagnostics
//! and paths are the framework's plain types, not wire types.)

pub mod api_version;
pub mod endpoint;
pub mod quantity;
pub mod rules;

pub use api_version::{ApiVersion, UnknownApiVersion};

/// Quotes user input for a message, truncating very long values so a diagnostic stays
/// readable.
pub fn quote(s: &str) -> String {
    const SHOW: usize = 60;
    let n = s.chars().count();
    if n > SHOW {
        let head: String = s.chars().take(SHOW).collect();
        format!("{head:?}… ({n} characters)")
    } else {
        format!("{s:?}")
    }
}
