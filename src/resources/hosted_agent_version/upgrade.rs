//! State upgrades of `azureai_hosted_agent_version` (`UpgradeResourceState`).
//!
//! Schema version 0 (the provider's first preview builds) differed from version 1 in three
//! ways: protocols were a list attribute `container_protocol_versions` (one object per
//! protocol) instead of `container_protocol_version` blocks; `cpu` was a number; and there was
//! neither `force_delete` nor a `timeouts` block nor `tool` blocks. Upgrading maps each of those
//! so a version 0 state plans empty against an equivalent version 1 configuration.

use serde_json::{Map, Value as Json, json};

use crate::framework::{Diagnostics, UpgradeRequest, UpgradeResponse};

pub fn upgrade(req: UpgradeRequest, current: i64) -> UpgradeResponse {
    let mut diagnostics = Diagnostics::new();
    let upgraded_state = match req.version {
        v if v == current => req.raw_state,
        0 => match req.raw_state {
            Json::Object(m) => Json::Object(from_v0(m)),
            other => {
                diagnostics.error(
                    "Cannot upgrade state",
                    "The stored state of this azureai_hosted_agent_version (schema version 0) is not an object. Remove it with `terraform state rm` and import the version again (`terraform import <address> <agent_name>/<version>`).",
                );
                other
            }
        },
        v => {
            diagnostics.error(
                "Unsupported state version",
                format!(
                    "This azureai_hosted_agent_version was stored by schema version {v}, which this provider version does not know (it knows 0 to {current}). Use the provider version that wrote it, or `terraform state rm` and import the version again."
                ),
            );
            req.raw_state
        }
    };
    UpgradeResponse {
        upgraded_state,
        diagnostics,
    }
}

fn from_v0(mut m: Map<String, Json>) -> Map<String, Json> {
    let protocols = match m.remove("container_protocol_versions") {
        Some(Json::Array(items)) => items
            .into_iter()
            .filter_map(|i| match i {
                Json::Object(o) => Some(json!({
                    "protocol": o.get("protocol").cloned().unwrap_or(Json::Null),
                    "version": o.get("version").cloned().unwrap_or(Json::Null),
                })),
                _ => None,
            })
            .collect(),
        _ => Vec::new(),
    };
    m.insert("container_protocol_version".into(), Json::Array(protocols));
    // Version 0 stored cpu as a number; its decimal text is the version 1 spelling.
    if let Some(Json::Number(n)) = m.get("cpu") {
        let text = n.to_string();
        m.insert("cpu".into(), Json::String(text));
    }
    if !matches!(m.get("force_delete"), Some(Json::Bool(_))) {
        m.insert("force_delete".into(), Json::Bool(false));
    }
    if !matches!(m.get("tool"), Some(Json::Array(_))) {
        m.insert("tool".into(), Json::Array(Vec::new()));
    }
    m.entry("timeouts").or_insert(Json::Null);
    m
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v0_state() -> Json {
        json!({
            "id": "bot/3", "agent_name": "bot", "image": "acr.azurecr.io/bot:v1", "cpu": 0.5, "memory": "1Gi",
            "description": null, "metadata": null, "environment_variables": {"A": "b"},
            "container_protocol_versions": [{"protocol": "responses", "version": "1.0.0"}],
            "version": "3", "status": "active", "created_at": "2026-01-01T00:00:00Z",
            "instance_identity_principal_id": null, "instance_identity_client_id": null
        })
    }

    #[test]
    fn v0_maps_onto_v1() {
        let r = upgrade(
            UpgradeRequest {
                version: 0,
                raw_state: v0_state(),
            },
            1,
        );
        assert!(r.diagnostics.is_empty());
        let s = r.upgraded_state;
        assert_eq!(s["cpu"], json!("0.5"));
        assert_eq!(
            s["container_protocol_version"],
            json!([{"protocol": "responses", "version": "1.0.0"}])
        );
        assert!(s.get("container_protocol_versions").is_none());
        assert_eq!(s["force_delete"], json!(false));
        assert_eq!(s["tool"], json!([]));
        assert_eq!(s["timeouts"], Json::Null);
        assert_eq!(s["environment_variables"], json!({"A": "b"}));
    }

    #[test]
    fn integer_cpu_keeps_its_spelling() {
        let mut raw = v0_state();
        raw["cpu"] = json!(2);
        let r = upgrade(
            UpgradeRequest {
                version: 0,
                raw_state: raw,
            },
            1,
        );
        assert_eq!(r.upgraded_state["cpu"], json!("2"));
    }

    #[test]
    fn current_passes_through_and_future_versions_fail() {
        let raw = json!({"id": "x"});
        let r = upgrade(
            UpgradeRequest {
                version: 1,
                raw_state: raw.clone(),
            },
            1,
        );
        assert!(r.diagnostics.is_empty());
        assert_eq!(r.upgraded_state, raw);
        let r = upgrade(
            UpgradeRequest {
                version: 7,
                raw_state: raw.clone(),
            },
            1,
        );
        assert!(r.diagnostics.has_errors());
        let r = upgrade(
            UpgradeRequest {
                version: 0,
                raw_state: json!([1]),
            },
            1,
        );
        assert!(r.diagnostics.has_errors());
    }
}
