//! JSON shapes of the service's responses (AgentVersionObject, AgentObject, list envelope).

use serde_json::{Map, Value, json};

use super::digest::stable_uuid;
use super::endpoint;
use super::generation::Generation;
use super::lifecycle::{Status, status};
use super::store::{AgentRecord, VersionRecord};

pub fn version_id(name: &str, number: u64) -> String {
    format!("{name}:{number}")
}

/// The definition is returned exactly as stored; Gen B adds the status lifecycle fields.
pub fn version(name: &str, v: &VersionRecord, generation: Generation, now_ms: i64) -> Value {
    let id = version_id(name, v.number);
    let mut o = Map::new();
    o.insert("object".into(), json!("agent.version"));
    o.insert("id".into(), json!(id));
    o.insert("name".into(), json!(name));
    o.insert("version".into(), json!(v.number.to_string()));
    if let Some(d) = &v.description {
        o.insert("description".into(), json!(d));
    }
    o.insert("metadata".into(), json!(v.metadata));
    o.insert("created_at".into(), json!(v.created_at_ms.div_euclid(1000)));
    o.insert("definition".into(), v.definition.clone());
    if generation == Generation::B {
        let st = status(v.ready_at_ms, v.provision_error.as_ref(), now_ms);
        o.insert("status".into(), json!(st.as_str()));
        match st {
            Status::Failed => {
                if let Some(e) = &v.provision_error {
                    o.insert(
                        "error".into(),
                        json!({"code": e.code, "message": e.message}),
                    );
                }
            }
            Status::Active => {
                // The per-version Entra identity appears once provisioning has given it one.
                o.insert(
                    "instance_identity".into(),
                    json!({
                        "principal_id": stable_uuid(&format!("principal/{id}")).to_string(),
                        "client_id": stable_uuid(&format!("client/{id}")).to_string(),
                    }),
                );
            }
            Status::Creating => {}
        }
    }
    Value::Object(o)
}

pub fn agent(a: &AgentRecord, generation: Generation, now_ms: i64) -> Value {
    let mut o = Map::new();
    o.insert("object".into(), json!("agent"));
    o.insert("id".into(), json!(a.name));
    o.insert("name".into(), json!(a.name));
    let latest = a.latest().map(|v| version(&a.name, v, generation, now_ms));
    o.insert("versions".into(), json!({"latest": latest}));
    if generation == Generation::B {
        // The emulator has no identity-derived state: the operational state is the configured one.
        o.insert("state".into(), json!(a.state));
        o.insert("configuration_state".into(), json!(a.state));
        o.insert("state_source".into(), Value::Null);
        o.insert(
            "agent_endpoint".into(),
            endpoint::render(a.agent_endpoint.as_ref()),
        );
        if let Some(c) = &a.agent_card {
            o.insert("agent_card".into(), c.clone());
        }
    }
    Value::Object(o)
}

/// List envelope. An empty page has null ids: the Python pager keeps requesting while
/// `last_id` is non-empty.
pub fn list(data: Vec<Value>, has_more: bool) -> Value {
    let first = data
        .first()
        .and_then(|v| v.get("id"))
        .cloned()
        .unwrap_or(Value::Null);
    let last = data
        .last()
        .and_then(|v| v.get("id"))
        .cloned()
        .unwrap_or(Value::Null);
    json!({"object": "list", "data": data, "first_id": first, "last_id": last, "has_more": has_more})
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::emulator::lifecycle::ProvisionError;
    use std::collections::BTreeMap;

    fn rec(err: bool) -> VersionRecord {
        VersionRecord {
            number: 3,
            created_at_ms: 5_500,
            ready_at_ms: 6_000,
            provision_error: err.then(|| ProvisionError {
                code: "ImageError".into(),
                message: "m".into(),
            }),
            description: None,
            metadata: BTreeMap::new(),
            definition: json!({"kind": "hosted", "image": "a:b"}),
            active_sessions: 0,
            code_sha256: None,
        }
    }

    #[test]
    fn version_shapes() {
        let a = version("x", &rec(false), Generation::A, 7_000);
        assert_eq!(a["id"], "x:3");
        assert_eq!(a["created_at"], 5);
        assert_eq!(a["metadata"], json!({}));
        assert!(a.get("status").is_none());
        let b = version("x", &rec(false), Generation::B, 5_900);
        assert_eq!(b["status"], "creating");
        assert!(b.get("instance_identity").is_none());
        let b = version("x", &rec(false), Generation::B, 6_000);
        assert_eq!(b["status"], "active");
        assert!(b["instance_identity"]["principal_id"].is_string());
        let f = version("x", &rec(true), Generation::B, 6_000);
        assert_eq!(f["status"], "failed");
        assert_eq!(f["error"]["code"], "ImageError");
        assert_eq!(f["definition"], json!({"kind": "hosted", "image": "a:b"}));
    }

    #[test]
    fn empty_list_has_null_ids() {
        let l = list(vec![], false);
        assert!(l["last_id"].is_null() && l["first_id"].is_null());
        assert_eq!(l["object"], "list");
    }
}
