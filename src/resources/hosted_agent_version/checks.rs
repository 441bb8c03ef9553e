//! Applies the domain rules to a configuration value of `azureai_hosted_agent_version`:
//! extracts known values, skips unknown ones, and hands each rule its attribute path.

use std::time::Duration;

use crate::domain::Generation;
use crate::domain::rules::{self, Field, ProtocolEntry, ToolEntry};
use crate::framework::timeouts::parse_go_duration;
use crate::framework::{AttrPath, Diagnostics, Value};

fn str_field(v: &Value) -> Field<&str> {
    match v {
        Value::Null => Field::Null,
        Value::String(s) => Field::Known(s),
        _ => Field::Unknown,
    }
}

fn presence(v: &Value) -> Field<()> {
    match v {
        Value::Null => Field::Null,
        Value::Unknown => Field::Unknown,
        _ => Field::Known(()),
    }
}

/// Checks that need no provider configuration (`terraform validate`).
pub fn static_checks(config: &Value) -> Diagnostics {
    let mut d = Diagnostics::new();
    let root = AttrPath::root;
    if let Some(name) = config.get("agent_name").as_str() {
        rules::agent_name(name, &root("agent_name"), &mut d);
    }
    if let Some(image) = config.get("image").as_str() {
        rules::image(image, &root("image"), &mut d);
    }
    let cpu = config
        .get("cpu")
        .as_str()
        .and_then(|s| rules::cpu(s, &root("cpu"), &mut d));
    let memory = config
        .get("memory")
        .as_str()
        .and_then(|s| rules::memory(s, &root("memory"), &mut d));
    // Defaults take part in the pairing rule: memory = "4Gi" alone pairs with cpu "1".
    let cpu = cpu.or_else(|| {
        config
            .get("cpu")
            .is_null()
            .then(|| crate::domain::quantity::Cpu { millicores: 1000 })
    });
    let memory = memory.or_else(|| {
        config
            .get("memory")
            .is_null()
            .then(|| crate::domain::quantity::Memory { mib: 2048 })
    });
    if let (Some(c), Some(m)) = (cpu, memory) {
        if !(config.get("cpu").is_null() && config.get("memory").is_null()) {
            let at = if config.get("memory").is_null() {
                root("cpu")
            } else {
                root("memory")
            };
            rules::cpu_memory_pairing(c, m, &at, &mut d);
        }
    }
    if let Some(m) = config.get("metadata").as_map() {
        let entries: Vec<(&str, Option<&str>)> =
            m.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        rules::metadata(&entries, &root("metadata"), &mut d);
    }
    if let Some(env) = config.get("environment_variables").as_map() {
        rules::environment_variable_names(
            env.keys().map(String::as_str),
            &root("environment_variables"),
            &mut d,
        );
    }
    if let Some(blocks) = config.get("container_protocol_version").as_elements() {
        rules::protocols(
            &protocol_entries(blocks),
            None,
            &root("container_protocol_version"),
            &mut d,
        );
    }
    if let Some(blocks) = config.get("tool").as_elements() {
        let entries: Vec<ToolEntry<'_>> = blocks.iter().map(tool_entry).collect();
        rules::tools(&entries, &root("tool"), &mut d);
    }
    let timeouts = config.get("timeouts");
    for which in ["create", "read", "delete"] {
        if let Some(s) = timeouts.get(which).as_str() {
            let at = root("timeouts").attr(which);
            match parse_go_duration(s) {
                Ok(t) if t.is_zero() => d.error_at(
                    at,
                    "Invalid timeout",
                    format!("timeouts.{which} must be longer than zero, e.g. \"30m\"."),
                ),
                Ok(_) => {}
                Err(e) => d.error_at(at, "Invalid timeout", e),
            }
        }
    }
    d
}

/// Checks that depend on the configured API generation (plan time).
pub fn generation_checks(config: &Value, generation: Generation) -> Diagnostics {
    let mut d = Diagnostics::new();
    if let Some(blocks) = config.get("container_protocol_version").as_elements() {
        rules::protocols(
            &protocol_entries(blocks),
            Some(generation),
            &AttrPath::root("container_protocol_version"),
            &mut d,
        );
    }
    if let Some(blocks) = config.get("tool").as_elements() {
        rules::tools_allowed(blocks.len(), generation, &AttrPath::root("tool"), &mut d);
    }
    d
}

fn protocol_entries(blocks: &[Value]) -> Vec<ProtocolEntry<'_>> {
    blocks
        .iter()
        .map(|b| ProtocolEntry {
            protocol: str_field(b.get("protocol")),
            version: str_field(b.get("version")),
        })
        .collect()
}

fn tool_entry(b: &Value) -> ToolEntry<'_> {
    if b.is_unknown() {
        return ToolEntry {
            r#type: Field::Unknown,
            server_label: Field::Unknown,
            server_url: Field::Unknown,
            allowed_tools: Field::Unknown,
            require_approval: Field::Unknown,
            headers: Field::Unknown,
            vector_store_ids: Field::Unknown,
            max_num_results: Field::Unknown,
            project_connection_id: Field::Unknown,
        };
    }
    let ids = b.get("vector_store_ids");
    let max = b.get("max_num_results");
    ToolEntry {
        r#type: str_field(b.get("type")),
        server_label: str_field(b.get("server_label")),
        server_url: str_field(b.get("server_url")),
        allowed_tools: presence(b.get("allowed_tools")),
        require_approval: str_field(b.get("require_approval")),
        headers: presence(b.get("headers")),
        vector_store_ids: match ids {
            Value::Null => Field::Null,
            v => v
                .as_elements()
                .map_or(Field::Unknown, |e| Field::Known(e.len())),
        },
        max_num_results: match max {
            Value::Null => Field::Null,
            Value::Number(n) => Field::Known(n.as_i64()),
            _ => Field::Unknown,
        },
        project_connection_id: str_field(b.get("project_connection_id")),
    }
}

/// The timeout `which` from a state or plan's `timeouts` block, else `default`.
pub fn timeout(value: &Value, which: &str, default: Duration) -> Duration {
    value
        .get("timeouts")
        .get(which)
        .as_str()
        .and_then(|s| parse_go_duration(s).ok())
        .filter(|d| !d.is_zero())
        .unwrap_or(default)
}

/// Keeps the first diagnostic of each (severity, path, summary): plan re-runs the static rules
/// for values that only became known then, and they may repeat a generation rule's finding.
pub fn dedupe(d: Diagnostics) -> Diagnostics {
    let mut out = Diagnostics::new();
    for diag in d.0 {
        if !out.iter().any(|o| {
            o.severity == diag.severity && o.path == diag.path && o.summary == diag.summary
        }) {
            out.push(diag);
        }
    }
    out
}
