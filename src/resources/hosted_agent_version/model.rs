//! Mapping between Terraform values of `azureai_hosted_agent_version` and the agents API
//! models: the create request from a plan, and the state from a version the service returned.
//! The data sources reuse it, so a version reads the same everywhere.
//!
//! Normalisation lives here: a value the service returns in another spelling (`2048Mi` for
//! `2Gi`, `""` for an unset description, `{}` for unset metadata) keeps the spelling the prior
//! state or plan had, so plans stay empty.

use std::collections::BTreeMap;

use super::SCHEMA;
use crate::agents::{
    AgentVersion, CREATION_TOKEN_KEY, CreateVersionRequest, HostedDefinition, ProtocolVersion,
    Tool, VersionStatus,
};
use crate::domain::quantity::{DEFAULT_CPU, DEFAULT_MEMORY, cpu_wire, memory_wire};
use crate::framework::Value;
use crate::resources::shared::api_errors::ParamPaths;

/// The request fields a service error may blame, and the arguments they come from (for
/// [`ParamPaths`]): both API versions' spellings.
pub const PARAM_FIELDS: &[(&str, &str)] = &[
    ("agent_name", "agent_name"),
    ("name", "agent_name"),
    ("description", "description"),
    ("metadata", "metadata"),
    ("definition.cpu", "cpu"),
    ("definition.memory", "memory"),
    ("definition.image", "image"),
    ("definition.container_configuration.image", "image"),
    ("definition.environment_variables", "environment_variables"),
    ("definition.protocol_versions", "container_protocol_version"),
    (
        "definition.container_protocol_versions",
        "container_protocol_version",
    ),
    ("definition.tools", "tool"),
];

/// Where a service error's `param` points in this resource's arguments.
pub fn param_paths() -> ParamPaths {
    ParamPaths {
        fields: PARAM_FIELDS,
        schema: &SCHEMA.block,
    }
}

/// The id of a version in Terraform: `<agent_name>/<version>` (also the import id).
pub fn version_id(v: &AgentVersion) -> String {
    format!("{}/{}", v.name, v.version)
}

/// The version's status as the state spells it. Versions of the preview API carry no status;
/// they are usable as soon as they exist, so they read as `active`.
pub fn status_str(v: &AgentVersion) -> &str {
    v.status.as_ref().map_or("active", VersionStatus::as_str)
}

/// Orders versions by creation time, then by their number (service versions are "1", "2", …).
pub fn sort_key(v: &AgentVersion) -> (i64, u64, String) {
    (
        v.created_at,
        v.version.parse().unwrap_or(0),
        v.version.clone(),
    )
}

fn opt_string(v: &Value) -> Option<String> {
    v.as_str().map(str::to_owned)
}

/// The create request (without creation token) a planned state describes. Unset optional
/// values are left out of the body.
pub fn request_from_plan(planned: &Value) -> CreateVersionRequest {
    let protocol_versions = planned
        .get("container_protocol_version")
        .as_elements()
        .unwrap_or_default()
        .iter()
        .map(|b| ProtocolVersion {
            protocol: b.get("protocol").as_str().unwrap_or_default().to_owned(),
            version: b.get("version").as_str().unwrap_or_default().to_owned(),
        })
        .collect();
    let tools = planned
        .get("tool")
        .as_elements()
        .unwrap_or_default()
        .iter()
        .map(tool_from_block)
        .collect();
    let definition = HostedDefinition {
        image: planned.get("image").as_str().unwrap_or_default().to_owned(),
        // The service takes decimal cores and Gi; the state keeps the configured spelling.
        cpu: cpu_wire(planned.get("cpu").as_str().unwrap_or(DEFAULT_CPU)),
        memory: memory_wire(planned.get("memory").as_str().unwrap_or(DEFAULT_MEMORY)),
        protocol_versions,
        environment_variables: planned
            .get("environment_variables")
            .as_string_map()
            .unwrap_or_default(),
        tools,
        ..HostedDefinition::default()
    };
    CreateVersionRequest {
        description: opt_string(planned.get("description")),
        metadata: planned.get("metadata").as_string_map().unwrap_or_default(),
        definition,
    }
}

fn tool_from_block(b: &Value) -> Tool {
    Tool {
        r#type: b.get("type").as_str().unwrap_or_default().to_owned(),
        server_label: opt_string(b.get("server_label")),
        server_url: opt_string(b.get("server_url")),
        allowed_tools: b.get("allowed_tools").as_string_list(),
        require_approval: opt_string(b.get("require_approval")),
        headers: b.get("headers").as_string_map(),
        vector_store_ids: b.get("vector_store_ids").as_string_list(),
        max_num_results: b
            .get("max_num_results")
            .as_number()
            .and_then(|n| n.as_i64()),
        project_connection_id: opt_string(b.get("project_connection_id")),
        ..Tool::default()
    }
}

fn tool_block(t: &Tool) -> Value {
    let list = |v: &Option<Vec<String>>| match v {
        Some(items) => Value::List(items.iter().map(|s| Value::string(s.clone())).collect()),
        None => Value::Null,
    };
    let s = |v: &Option<String>| v.clone().map(Value::String).unwrap_or(Value::Null);
    Value::object([
        ("type", Value::string(t.r#type.clone())),
        ("server_label", s(&t.server_label)),
        ("server_url", s(&t.server_url)),
        ("allowed_tools", list(&t.allowed_tools)),
        ("require_approval", s(&t.require_approval)),
        (
            "headers",
            t.headers
                .as_ref()
                .map(Value::string_map)
                .unwrap_or(Value::Null),
        ),
        ("vector_store_ids", list(&t.vector_store_ids)),
        (
            "max_num_results",
            t.max_num_results.map(Value::int).unwrap_or(Value::Null),
        ),
        ("project_connection_id", s(&t.project_connection_id)),
    ])
}

/// Unix seconds as RFC 3339 (UTC); `None` for values out of range.
pub fn rfc3339(unix_seconds: i64) -> Option<String> {
    let t = time::OffsetDateTime::from_unix_timestamp(unix_seconds).ok()?;
    t.format(&time::format_description::well_known::Rfc3339)
        .ok()
}

/// Empty strings, lists and maps read as null, recursively: the service writes `""`/`{}`/`[]`
/// for what the configuration leaves unset.
fn norm(v: &Value) -> Value {
    match v {
        Value::String(s) if s.is_empty() => Value::Null,
        Value::List(items) | Value::Set(items) if items.is_empty() => Value::Null,
        Value::Map(m) if m.is_empty() => Value::Null,
        Value::List(items) => Value::List(items.iter().map(norm).collect()),
        Value::Set(items) => Value::Set(items.iter().map(norm).collect()),
        Value::Map(m) => Value::Map(m.iter().map(|(k, v)| (k.clone(), norm(v))).collect()),
        Value::Object(m) => Value::Object(m.iter().map(|(k, v)| (k.clone(), norm(v))).collect()),
        other => other.clone(),
    }
}

/// Equivalence of values the service may write back as empty: `""`, `[]` and `{}` (also
/// inside lists and objects) mean unset.
pub fn empty_is_unset(a: &Value, b: &Value) -> bool {
    norm(a) == norm(b)
}

/// Equivalence of `container_protocol_version` lists: the order of the protocols carries no
/// meaning for the service, so they compare as multisets.
pub fn same_protocols(a: &Value, b: &Value) -> bool {
    let sorted = |v: &Value| {
        let mut items: Vec<String> = norm(v)
            .as_elements()
            .unwrap_or_default()
            .iter()
            .map(|i| format!("{i:?}"))
            .collect();
        items.sort();
        items
    };
    sorted(a) == sorted(b)
}

/// The state of a version as the service returned it. `prior` is the state or plan this read
/// follows (none on import): its spelling wins for every definition attribute the service
/// returned an equivalent value for (by the schema's equivalences), and it supplies the
/// state-only attributes (`force_delete`, `timeouts`, `environment_variables_wo_version`).
///
/// `environment_variables` holds only the variables `prior` holds: the service returns every
/// variable on GET, write-only ones included, and those never enter the state (versions are
/// immutable, so a variable cannot appear out of band; a plain one that changed or went still
/// shows as drift). Without `prior` (import, data sources) every variable is shown.
pub fn state_from_version(v: &AgentVersion, prior: Option<&Value>) -> Value {
    let d = &v.definition;
    let environment_variables: BTreeMap<String, String> =
        match prior.map(|p| p.get("environment_variables")) {
            None => d.environment_variables.clone(),
            Some(Value::Map(held)) => d
                .environment_variables
                .iter()
                .filter(|(k, _)| held.contains_key(*k))
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect(),
            Some(_) => BTreeMap::new(),
        };
    let mut metadata = v.metadata.clone();
    metadata.remove(CREATION_TOKEN_KEY);
    let map_or_null = |m: &BTreeMap<String, String>| {
        if m.is_empty() {
            Value::Null
        } else {
            Value::string_map(m)
        }
    };
    let protocols = Value::List(
        d.protocol_versions
            .iter()
            .map(|p| {
                Value::object([
                    ("protocol", Value::string(p.protocol.clone())),
                    ("version", Value::string(p.version.clone())),
                ])
            })
            .collect(),
    );
    let fresh: Vec<(&str, Value)> = vec![
        ("agent_name", Value::string(v.name.clone())),
        ("image", Value::string(d.image.clone())),
        (
            "cpu",
            if d.cpu.is_empty() {
                Value::string(DEFAULT_CPU)
            } else {
                Value::string(d.cpu.clone())
            },
        ),
        (
            "memory",
            if d.memory.is_empty() {
                Value::string(DEFAULT_MEMORY)
            } else {
                Value::string(d.memory.clone())
            },
        ),
        (
            "description",
            v.description
                .clone()
                .filter(|s| !s.is_empty())
                .map(Value::String)
                .unwrap_or(Value::Null),
        ),
        ("metadata", map_or_null(&metadata)),
        ("environment_variables", map_or_null(&environment_variables)),
        ("container_protocol_version", protocols),
        (
            "tool",
            Value::List(d.tools.iter().map(tool_block).collect()),
        ),
    ];
    let mut state = Value::Object(BTreeMap::new());
    for (name, value) in fresh {
        let kept = match prior.map(|p| p.get(name)) {
            Some(p) if SCHEMA.block.equivalent(name, p, &value) => p.clone(),
            _ => value,
        };
        state.set(name, kept);
    }
    let identity = v.instance_identity.as_ref();
    let non_empty = |s: Option<&String>| {
        s.filter(|s| !s.is_empty())
            .cloned()
            .map(Value::String)
            .unwrap_or(Value::Null)
    };
    state.set("id", Value::string(version_id(v)));
    state.set("version", Value::string(v.version.clone()));
    state.set("status", Value::string(status_str(v)));
    state.set(
        "created_at",
        rfc3339(v.created_at)
            .map(Value::String)
            .unwrap_or(Value::Null),
    );
    state.set(
        "instance_identity_principal_id",
        non_empty(identity.map(|i| &i.principal_id)),
    );
    state.set(
        "instance_identity_client_id",
        non_empty(identity.map(|i| &i.client_id)),
    );
    let force_delete = prior
        .map(|p| p.get("force_delete").clone())
        .filter(|f| f.as_bool().is_some());
    state.set("force_delete", force_delete.unwrap_or(Value::Bool(false)));
    state.set(
        "timeouts",
        prior
            .map(|p| p.get("timeouts").clone())
            .filter(Value::is_wholly_known)
            .unwrap_or(Value::Null),
    );
    // The number lives only in Terraform (the service knows nothing of it); the values it
    // stands for are never read back.
    state.set(
        "environment_variables_wo_version",
        prior
            .map(|p| p.get("environment_variables_wo_version").clone())
            .filter(Value::is_known)
            .unwrap_or(Value::Null),
    );
    state.set("environment_variables_wo", Value::Null);
    state
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::agents::{Identity, VersionError, VersionStatus};

    fn version(def: serde_json::Value) -> AgentVersion {
        serde_json::from_value(serde_json::json!({
            "object": "agent.version", "id": "bot:4", "name": "bot", "version": "4",
            "description": "", "metadata": {"terraform-creation-token": "abc", "team": "x"},
            "created_at": 1767225600, "status": "active", "definition": def
        }))
        .unwrap()
    }

    fn gen_b_def() -> serde_json::Value {
        serde_json::json!({"kind": "hosted", "cpu": "1", "memory": "2048Mi",
            "container_configuration": {"image": "acr.azurecr.io/bot:v1"},
            "protocol_versions": [{"protocol": "responses", "version": "1.0.0"}],
            "environment_variables": {}})
    }

    #[test]
    fn import_state_has_every_attribute_and_hides_the_token() {
        let s = state_from_version(&version(gen_b_def()), None);
        assert_eq!(s.get("id"), &Value::string("bot/4"));
        assert_eq!(s.get("image"), &Value::string("acr.azurecr.io/bot:v1"));
        assert_eq!(s.get("memory"), &Value::string("2048Mi"));
        assert_eq!(s.get("description"), &Value::Null, "\"\" reads as unset");
        assert_eq!(
            s.get("environment_variables"),
            &Value::Null,
            "{{}} reads as unset"
        );
        assert_eq!(
            s.get("metadata"),
            &Value::string_map(&BTreeMap::from([("team".to_owned(), "x".to_owned())]))
        );
        assert_eq!(s.get("created_at"), &Value::string("2026-01-01T00:00:00Z"));
        assert_eq!(s.get("status"), &Value::string("active"));
        assert_eq!(s.get("force_delete"), &Value::Bool(false));
        assert_eq!(s.get("timeouts"), &Value::Null);
        assert_eq!(
            s.get("tool"),
            &Value::List(vec![]),
            "no blocks is an empty list, never null"
        );
        let protos = s.get("container_protocol_version").as_elements().unwrap();
        assert_eq!(protos[0].get("version"), &Value::string("1.0.0"));
    }

    #[test]
    fn prior_spelling_wins_when_equivalent() {
        let mut prior = state_from_version(&version(gen_b_def()), None);
        prior.set("memory", Value::string("2Gi"));
        prior.set("cpu", Value::string("1.0"));
        prior.set("description", Value::string(""));
        prior.set("environment_variables", Value::Map(BTreeMap::new()));
        prior.set("force_delete", Value::Bool(true));
        let s = state_from_version(&version(gen_b_def()), Some(&prior));
        assert_eq!(s.get("memory"), &Value::string("2Gi"));
        assert_eq!(s.get("cpu"), &Value::string("1.0"));
        assert_eq!(s.get("description"), &Value::string(""));
        assert_eq!(s.get("environment_variables"), &Value::Map(BTreeMap::new()));
        assert_eq!(s.get("force_delete"), &Value::Bool(true));

        prior.set("memory", Value::string("4Gi"));
        let s = state_from_version(&version(gen_b_def()), Some(&prior));
        assert_eq!(
            s.get("memory"),
            &Value::string("2048Mi"),
            "a real change shows as drift"
        );
    }

    #[test]
    fn gen_a_definitions_read_the_same_and_default_to_active() {
        let mut v = version(
            serde_json::json!({"kind": "hosted", "cpu": "1", "memory": "2Gi",
            "image": "acr.azurecr.io/bot:v1",
            "container_protocol_versions": [{"protocol": "responses", "version": "v1"}],
            "tools": [{"type": "mcp", "server_label": "gh", "server_url": "https://mcp.example.com",
                       "require_approval": "never", "allowed_tools": ["a"]}]}),
        );
        v.status = None;
        let s = state_from_version(&v, None);
        assert_eq!(s.get("image"), &Value::string("acr.azurecr.io/bot:v1"));
        assert_eq!(s.get("status"), &Value::string("active"));
        let tool = &s.get("tool").as_elements().unwrap()[0];
        assert_eq!(tool.get("server_label"), &Value::string("gh"));
        assert_eq!(tool.get("headers"), &Value::Null);
        assert_eq!(
            tool.get("allowed_tools"),
            &Value::List(vec![Value::string("a")])
        );
    }

    #[test]
    fn request_round_trips_through_state() {
        let mut v = version(gen_b_def());
        v.instance_identity = Some(Identity {
            principal_id: "p".into(),
            client_id: "c".into(),
            status: None,
        });
        v.status = Some(VersionStatus::Failed);
        v.error = Some(VersionError {
            code: "ImageError".into(),
            message: "m".into(),
        });
        let state = state_from_version(&v, None);
        assert_eq!(
            state.get("instance_identity_principal_id"),
            &Value::string("p")
        );
        assert_eq!(state.get("status"), &Value::string("failed"));
        let req = request_from_plan(&state);
        assert_eq!(req.definition.image, "acr.azurecr.io/bot:v1");
        assert_eq!(
            req.definition.memory, "2Gi",
            "sent as the service spells it"
        );
        assert_eq!(req.description, None);
        assert_eq!(req.metadata.get("team").map(String::as_str), Some("x"));
        assert!(!req.metadata.contains_key(CREATION_TOKEN_KEY));
        assert_eq!(req.definition.protocol_versions[0].protocol, "responses");
    }

    #[test]
    fn protocol_order_is_not_a_change() {
        let p = |a: &str, b: &str| {
            Value::object([
                ("protocol", Value::string(a)),
                ("version", Value::string(b)),
            ])
        };
        let x = Value::List(vec![p("responses", "1.0.0"), p("invocations", "1.0.0")]);
        let y = Value::List(vec![p("invocations", "1.0.0"), p("responses", "1.0.0")]);
        let equivalent = |name, a: &Value, b: &Value| SCHEMA.block.equivalent(name, a, b);
        assert!(equivalent("container_protocol_version", &x, &y));
        assert!(!equivalent(
            "container_protocol_version",
            &x,
            &Value::List(vec![p("responses", "1.0.0")])
        ));
        assert!(!equivalent(
            "image",
            &Value::string("a"),
            &Value::string("b")
        ));
        assert!(equivalent(
            "metadata",
            &Value::Null,
            &Value::Map(BTreeMap::new())
        ));
        assert!(equivalent(
            "cpu",
            &Value::string("1"),
            &Value::string("1000m")
        ));
        assert!(equivalent(
            "memory",
            &Value::string("2Gi"),
            &Value::string("2048Mi")
        ));
        assert!(!equivalent(
            "memory",
            &Value::string("2Gi"),
            &Value::string("4Gi")
        ));
    }

    #[test]
    fn service_params_point_at_arguments() {
        let p = param_paths();
        let path = |s: &str| p.path(s).map(|p| p.to_string()).unwrap_or_default();
        assert_eq!(path("definition.container_configuration.image"), "image");
        assert_eq!(path("definition.image"), "image");
        assert_eq!(
            path("definition.environment_variables.FOUNDRY_X"),
            "environment_variables[\"FOUNDRY_X\"]"
        );
        assert_eq!(
            path("definition.container_protocol_versions[0].version"),
            "container_protocol_version[0].version"
        );
        assert_eq!(path("definition.tools[2].type"), "tool[2].type");
        assert_eq!(path("metadata.team"), "metadata[\"team\"]");
        assert_eq!(p.path("definition.kind"), None);
    }

    #[test]
    fn timestamps() {
        assert_eq!(rfc3339(0).as_deref(), Some("1970-01-01T00:00:00Z"));
        assert_eq!(rfc3339(i64::MAX), None);
    }

    #[test]
    fn reserved_key_matches_the_client() {
        assert_eq!(
            crate::domain::rules::RESERVED_METADATA_KEY,
            CREATION_TOKEN_KEY
        );
    }
}
