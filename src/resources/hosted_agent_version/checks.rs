//! The domain rules of `azureai_hosted_agent_version` applied to Terraform values: the
//! adapters the schema declares as validators (one argument each), and the resource-level
//! rules a schema cannot state — across attributes (cpu with memory, a tool's type with its
//! fields) and per API version (plan time, once the provider is configured).

use crate::domain::rules::{self, Field, ProtocolEntry, ToolEntry};
use crate::domain::{ApiVersion, quantity};
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

/// Validator of `cpu`: a number of cores within the limits table.
pub fn cpu(s: &str, at: &AttrPath, d: &mut Diagnostics) {
    rules::cpu(s, at, d);
}

/// Validator of `memory`: an amount within the limits table.
pub fn memory(s: &str, at: &AttrPath, d: &mut Diagnostics) {
    rules::memory(s, at, d);
}

/// Validator of `metadata`: count, key and value lengths, the reserved key.
pub fn metadata(v: &Value, at: &AttrPath, d: &mut Diagnostics) {
    if let Some(m) = v.as_map() {
        let entries: Vec<(&str, Option<&str>)> =
            m.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        rules::metadata(&entries, at, d);
    }
}

/// Validator of `environment_variables` and `environment_variables_wo`: the names (never the
/// values).
pub fn environment_variables(v: &Value, at: &AttrPath, d: &mut Diagnostics) {
    if let Some(env) = v.as_map() {
        rules::environment_variable_names(env.keys().map(String::as_str), at, d);
    }
}

/// Validator of the `container_protocol_version` blocks: names and versions either API
/// version accepts, no protocol twice.
pub fn protocols(v: &Value, at: &AttrPath, d: &mut Diagnostics) {
    if let Some(blocks) = v.as_elements() {
        rules::protocols(&protocol_entries(blocks), None, at, d);
    }
}

/// Resource-level rules that need no provider configuration (`terraform validate`).
pub fn resource_rules(config: &Value) -> Diagnostics {
    let mut d = Diagnostics::new();
    cpu_memory_pairing(config, &mut d);
    super::write_only::rules(config, &mut d);
    if let Some(blocks) = config.get("tool").as_elements() {
        let entries: Vec<ToolEntry<'_>> = blocks.iter().map(tool_entry).collect();
        rules::tools(&entries, &AttrPath::root("tool"), &mut d);
    }
    d
}

/// The pairing rule, with the defaults standing in for what the configuration leaves out:
/// `memory = "4Gi"` alone pairs with the default cpu. Nothing to say when both are left out,
/// or when either is unknown or invalid (its own validator reports that).
fn cpu_memory_pairing(config: &Value, d: &mut Diagnostics) {
    let (cpu, memory) = (config.get("cpu"), config.get("memory"));
    if cpu.is_null() && memory.is_null() {
        return;
    }
    let parsed_cpu = match cpu {
        Value::Null => quantity::check_cpu(quantity::DEFAULT_CPU).ok(),
        v => v.as_str().and_then(|s| quantity::check_cpu(s).ok()),
    };
    let parsed_memory = match memory {
        Value::Null => quantity::check_memory(quantity::DEFAULT_MEMORY).ok(),
        v => v.as_str().and_then(|s| quantity::check_memory(s).ok()),
    };
    if let (Some(c), Some(m)) = (parsed_cpu, parsed_memory) {
        let at = if memory.is_null() { "cpu" } else { "memory" };
        rules::cpu_memory_pairing(c, m, &AttrPath::root(at), d);
    }
}

/// Rules that depend on the API version the provider is configured with (plan time).
pub fn api_version_rules(config: &Value, api_version: ApiVersion) -> Diagnostics {
    let mut d = Diagnostics::new();
    if let Some(blocks) = config.get("container_protocol_version").as_elements() {
        rules::protocols(
            &protocol_entries(blocks),
            Some(api_version),
            &AttrPath::root("container_protocol_version"),
            &mut d,
        );
    }
    if let Some(blocks) = config.get("tool").as_elements() {
        rules::tools_allowed(blocks.len(), api_version, &AttrPath::root("tool"), &mut d);
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
