//! Gen B version status lifecycle. Status is computed lazily from the times stored with the
//! version (`ready_at_ms`) and the provisioning outcome decided at creation, so there is no
//! background task, and a restart from `--state-file` resumes exactly where it was.

use serde::{Deserialize, Serialize};
use serde_json::Value;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProvisionError {
    pub code: String,
    pub message: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    Creating,
    Active,
    Failed,
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Creating => "creating",
            Status::Active => "active",
            Status::Failed => "failed",
        }
    }
}

#[derive(Debug, Clone)]
pub struct Lifecycle {
    pub provision_delay_ms: u64,
    pub fail_images: Vec<String>,
}

impl Lifecycle {
    /// Decides, at creation time, when the version leaves `creating` and how it ends.
    pub fn plan(&self, definition: &Value, now_ms: i64) -> (i64, Option<ProvisionError>) {
        let ready_at = now_ms + self.provision_delay_ms as i64;
        let outcome = image_of(definition).and_then(|image| self.image_failure(image));
        (ready_at, outcome)
    }

    fn image_failure(&self, image: &str) -> Option<ProvisionError> {
        let tag_missing = tag_of(image).is_some_and(|t| t.starts_with("missing"));
        let listed = self
            .fail_images
            .iter()
            .any(|s| !s.is_empty() && image.contains(s.as_str()));
        (tag_missing || listed).then(|| ProvisionError {
            code: "ImageError".into(),
            message: format!("image pull failed: manifest unknown for '{image}'"),
        })
    }
}

pub fn status(ready_at_ms: i64, outcome: Option<&ProvisionError>, now_ms: i64) -> Status {
    if now_ms < ready_at_ms {
        Status::Creating
    } else if outcome.is_some() {
        Status::Failed
    } else {
        Status::Active
    }
}

/// The image of a hosted definition in either spelling (azd's compatibility rule):
/// `container_configuration.image`, else the legacy top-level `image`.
pub fn image_of(definition: &Value) -> Option<&str> {
    definition
        .get("container_configuration")
        .and_then(|c| c.get("image"))
        .and_then(Value::as_str)
        .or_else(|| definition.get("image").and_then(Value::as_str))
}

/// The tag of `registry/repo:tag` (a colon in the registry's host:port is not a tag).
fn tag_of(image: &str) -> Option<&str> {
    let without_digest = image.split('@').next().unwrap_or(image);
    let last_segment = without_digest.rsplit('/').next().unwrap_or(without_digest);
    last_segment.split_once(':').map(|(_, tag)| tag)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn lc() -> Lifecycle {
        Lifecycle {
            provision_delay_ms: 100,
            fail_images: vec!["broken-repo".into()],
        }
    }

    #[test]
    fn failing_images() {
        let d = |img: &str| json!({"container_configuration": {"image": img}});
        assert!(lc().plan(&d("acr.io/app:missing-1"), 0).1.is_some());
        assert!(
            lc().plan(&json!({"image": "acr.io/app:missing"}), 0)
                .1
                .is_some()
        );
        assert!(lc().plan(&d("acr.io/broken-repo:v1"), 0).1.is_some());
        assert!(lc().plan(&d("acr.io/app:v1"), 0).1.is_none());
        // "missing" in the registry host:port or repository is not a tag.
        assert!(lc().plan(&d("missing:5000/app:v1"), 0).1.is_none());
        assert_eq!(lc().plan(&d("a:b"), 0).1.map(|e| e.code), None);
        assert_eq!(lc().plan(&d("a:missing"), 0).1.unwrap().code, "ImageError");
    }

    #[test]
    fn status_over_time() {
        let (ready, err) = lc().plan(&json!({"image": "a:missing"}), 1000);
        assert_eq!(status(ready, err.as_ref(), 1050), Status::Creating);
        assert_eq!(status(ready, err.as_ref(), 1100), Status::Failed);
        assert_eq!(status(ready, None, 1100), Status::Active);
    }
}
