//! The two versions of the agents API the provider speaks, as the provider's `api_version`
//! argument selects them (docs/agents-api.md, "Two API versions").
//!
//! One type for the whole crate: the provider block parses it, the client sends it as the
//! `api-version` query parameter and spells definitions for it, and the rules check a
//! configuration against it. (The emulator keeps its own enum on purpose: it shares no
//! behaviour with the client.)

use std::fmt;
use std::str::FromStr;

/// Which version of the agents API the provider speaks.
///
/// It decides the wire spelling of the hosted definition when *writing*; reading accepts both
/// spellings regardless.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum ApiVersion {
    /// `2025-11-15-preview`: top-level `image`, `container_protocol_versions`, `tools`, protocol
    /// versions like `v1`, no version status.
    Preview,
    /// `v1` (the default): `container_configuration.image`, `protocol_versions`, semantic
    /// protocol versions, a version `status` with provisioning.
    #[default]
    V1,
}

impl ApiVersion {
    /// Every accepted value, for diagnostics that list what is allowed.
    pub const ALL: [ApiVersion; 2] = [ApiVersion::V1, ApiVersion::Preview];

    /// The `api-version` query value.
    pub fn as_str(self) -> &'static str {
        match self {
            ApiVersion::Preview => "2025-11-15-preview",
            ApiVersion::V1 => "v1",
        }
    }

    /// Whether this API version reports a version `status` (`v1` only).
    pub fn has_version_status(self) -> bool {
        matches!(self, ApiVersion::V1)
    }
}

impl fmt::Display for ApiVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Returned for an `api-version` string this client does not speak.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unsupported api_version {0:?}: expected \"v1\" or \"2025-11-15-preview\"")]
pub struct UnknownApiVersion(pub String);

impl FromStr for ApiVersion {
    type Err = UnknownApiVersion;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "v1" => Ok(ApiVersion::V1),
            "2025-11-15-preview" => Ok(ApiVersion::Preview),
            other => Err(UnknownApiVersion(other.to_string())),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_through_strings() {
        for v in ApiVersion::ALL {
            assert_eq!(v.as_str().parse::<ApiVersion>().unwrap(), v);
            assert_eq!(v.to_string(), v.as_str());
        }
    }

    #[test]
    fn rejects_unknown_values_with_the_allowed_ones_in_the_message() {
        let err = "2025-05-15-preview".parse::<ApiVersion>().unwrap_err();
        let msg = err.to_string();
        assert!(
            msg.contains("2025-05-15-preview") && msg.contains("\"v1\""),
            "{msg}"
        );
        assert!("V1".parse::<ApiVersion>().is_err());
    }
}
