//! Property tests of the wire models: whatever the service sends, parsing never panics, and a
//! definition written for either generation reads back unchanged.

use std::collections::BTreeMap;

use azureai::agents::{
    AgentVersion, ApiVersion, HostedDefinition, ListPage, ProtocolVersion, Tool,
};
use proptest::prelude::*;
use serde_json::{Value, json};

fn arb_json() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(|n| json!(n)),
        any::<f64>()
            .prop_filter("finite", |f| f.is_finite())
            .prop_map(|f| json!(f)),
        "\\PC{0,12}".prop_map(Value::String),
    ];
    leaf.prop_recursive(4, 48, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            prop::collection::btree_map("[a-z_]{1,10}", inner, 0..6)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

fn valid_version() -> Value {
    json!({"object": "agent.version", "id": "bot:1", "name": "bot", "version": "1",
           "metadata": {"k": "v"}, "created_at": 1767225600, "status": "active",
           "error": {"code": "ImageError", "message": "m"},
           "instance_identity": {"principal_id": "p", "client_id": "c"},
           "definition": {"kind": "hosted", "cpu": "1", "memory": "2Gi",
                          "container_configuration": {"image": "acr.io/a:1"},
                          "protocol_versions": [{"protocol": "responses", "version": "1.0.0"}],
                          "environment_variables": {"A": "b"},
                          "tools": [{"type": "mcp", "server_label": "x", "server_url": "https://x"}]}})
}

/// Paths of every value inside `v`, so a mutation can hit any field at any depth.
fn paths(v: &Value, prefix: Vec<String>, out: &mut Vec<Vec<String>>) {
    out.push(prefix.clone());
    match v {
        Value::Object(m) => m.iter().for_each(|(k, c)| {
            let mut p = prefix.clone();
            p.push(k.clone());
            paths(c, p, out)
        }),
        Value::Array(a) => a.iter().enumerate().for_each(|(i, c)| {
            let mut p = prefix.clone();
            p.push(i.to_string());
            paths(c, p, out)
        }),
        _ => {}
    }
}

fn replace_at(v: &mut Value, path: &[String], new: Value) {
    match path.split_first() {
        None => *v = new,
        Some((head, rest)) => match v {
            Value::Object(m) => replace_at(m.get_mut(head).unwrap(), rest, new),
            Value::Array(a) => replace_at(&mut a[head.parse::<usize>().unwrap()], rest, new),
            _ => unreachable!(),
        },
    }
}

fn arb_definition(api: ApiVersion) -> impl Strategy<Value = HostedDefinition> {
    let tool = (
        "[a-z_]{1,12}",
        proptest::option::of("[a-z]{1,8}"),
        proptest::option::of(prop::collection::vec("[a-z]{1,6}", 0..3)),
    )
        .prop_map(|(t, label, allowed)| Tool {
            r#type: t,
            server_label: label,
            allowed_tools: allowed,
            ..Tool::default()
        });
    (
        "[a-z0-9./:-]{0,30}",
        "[0-9.]{1,4}",
        "[0-9]{1,4}(Mi|Gi)",
        prop::collection::vec(("[a-z_]{1,12}", "[a-z0-9.]{1,6}"), 0..3),
        prop::collection::btree_map("[A-Z_]{1,10}", "\\PC{0,10}", 0..4),
        prop::collection::vec(tool, 0..3),
        proptest::option::of("[a-z-]{1,10}"),
        prop::collection::btree_map("x_[a-z]{1,8}", "[a-z]{0,6}", 0..3),
    )
        .prop_map(
            move |(image, cpu, memory, protocols, env, tools, registry, extra)| HostedDefinition {
                kind: "hosted".into(),
                image,
                cpu,
                memory,
                protocol_versions: protocols
                    .into_iter()
                    .map(|(protocol, version)| ProtocolVersion { protocol, version })
                    .collect(),
                environment_variables: env,
                tools,
                // Gen A has no place for it (documented on the field).
                registry_connection_id: if api == ApiVersion::V1 {
                    registry
                } else {
                    None
                },
                extra: extra
                    .into_iter()
                    .map(|(k, v)| (k, Value::String(v)))
                    .collect::<BTreeMap<_, _>>(),
                container_extra: BTreeMap::new(),
            },
        )
}

proptest! {
    #[test]
    fn arbitrary_json_never_panics(v in arb_json()) {
        let _ = serde_json::from_value::<AgentVersion>(v.clone());
        let _ = serde_json::from_value::<ListPage<AgentVersion>>(v.clone());
        let _ = serde_json::from_value::<HostedDefinition>(v);
    }

    #[test]
    fn arbitrary_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..256)) {
        let _ = serde_json::from_slice::<AgentVersion>(&bytes);
    }

    #[test]
    fn mutating_any_field_of_a_valid_version_never_panics(pick in any::<prop::sample::Index>(), new in arb_json()) {
        let mut v = valid_version();
        let mut all = Vec::new();
        paths(&v, vec![], &mut all);
        let path = pick.get(&all).clone();
        replace_at(&mut v, &path, new);
        if let Ok(parsed) = serde_json::from_value::<AgentVersion>(v) {
            // Whatever parsed must serialize again.
            serde_json::to_value(&parsed).unwrap();
        }
    }

    #[test]
    fn gen_b_definitions_round_trip(d in arb_definition(ApiVersion::V1)) {
        let back: HostedDefinition = serde_json::from_value(d.to_json(ApiVersion::V1)).unwrap();
        prop_assert_eq!(back, d);
    }

    #[test]
    fn gen_a_definitions_round_trip(d in arb_definition(ApiVersion::Preview)) {
        let back: HostedDefinition = serde_json::from_value(d.to_json(ApiVersion::Preview)).unwrap();
        prop_assert_eq!(back, d);
    }
}
