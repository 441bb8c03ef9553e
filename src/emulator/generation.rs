//! Which API generation a request speaks, decided by its `api-version` query parameter.

use serde::{Deserialize, Serialize};

use super::errors::ApiError;

/// Gen A = the first hosted-agents preview (`2025-05-15-preview`, `2025-11-15-preview`, what
/// azure-ai-projects 2.0.0b3 sends); Gen B = `v1` (status lifecycle, semver protocol versions).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Generation {
    A,
    B,
}

pub const SUPPORTED: &[&str] = &["v1", "2025-11-15-preview", "2025-05-15-preview"];

impl Generation {
    pub fn from_api_version(value: Option<&str>) -> Result<Generation, ApiError> {
        match value {
            None | Some("") => Err(ApiError::missing("api-version").with_param("api-version")),
            Some("v1") => Ok(Generation::B),
            Some("2025-11-15-preview") | Some("2025-05-15-preview") => Ok(Generation::A),
            Some(other) => Err(ApiError::invalid(
                "api-version",
                format!(
                    "Unsupported api-version '{other}'. Supported values: {}.",
                    SUPPORTED.join(", ")
                ),
            )
            .with_param("api-version")),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn maps_api_versions() {
        assert_eq!(
            Generation::from_api_version(Some("v1")).unwrap(),
            Generation::B
        );
        assert_eq!(
            Generation::from_api_version(Some("2025-11-15-preview")).unwrap(),
            Generation::A
        );
        assert_eq!(Generation::from_api_version(None).unwrap_err().status, 400);
        assert_eq!(
            Generation::from_api_version(Some("2024-01-01"))
                .unwrap_err()
                .code,
            "invalid_value"
        );
    }
}
