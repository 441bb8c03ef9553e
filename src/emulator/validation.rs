//! The service's request validation for agent and version creation. Errors carry the JSON path
//! of the offending field in `param` and a message that says what is allowed.

use std::collections::BTreeMap;
use std::sync::LazyLock;

use regex::Regex;
use serde_json::{Map, Value};

use super::errors::ApiError;
use super::generation::Generation;
use super::{hosted, tiers};

static NAME_RE: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^[a-zA-Z0-9]([a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?$").unwrap());
static GEN_A_PROTOCOL_VERSION_RE: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^v\d+$").unwrap());
static SEMVER_RE: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"^\d+\.\d+\.\d+$").unwrap());

pub const MAX_METADATA_PAIRS: usize = 16;
pub const MAX_METADATA_KEY: usize = 64;
pub const MAX_METADATA_VALUE: usize = 512;

const GEN_A_KINDS: &[&str] = &["prompt", "hosted", "container_app", "workflow"];
const GEN_B_KINDS: &[&str] = &["prompt", "hosted", "workflow", "external", "voice"];
const GEN_A_PROTOCOLS: &[&str] = &["responses", "activity_protocol", "invocations"];
const GEN_B_PROTOCOLS: &[&str] = &[
    "responses",
    "invocations",
    "invocations_ws",
    "activity",
    "activity_protocol",
    "a2a",
    "mcp",
    "voice",
    "voice_conversation_engine",
];

/// Service limits the emulator lets tests choose (see cli.rs).
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// Largest `v1` resource tier, in quarter cores (memory is twice the cpu).
    pub max_cpu_quarters: u32,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_cpu_quarters: tiers::DEFAULT_MAX_CPU_QUARTERS,
        }
    }
}

/// Where a create's code comes from: a JSON body has none; a multipart upload (code.rs) carries
/// a zip whose SHA-256 the service records as `code_configuration.content_hash`.
#[derive(Debug, Clone, Copy)]
pub enum Source<'a> {
    Json,
    Upload { sha256: &'a str },
}

/// A validated create-version request. The definition is kept exactly as sent: the service
/// returns what was stored, and clients compare it field by field.
#[derive(Debug, Clone)]
pub struct NewVersion {
    pub description: Option<String>,
    pub metadata: BTreeMap<String, String>,
    pub definition: Value,
    /// SHA-256 (lower-case hex) of the uploaded code zip of a code-based version.
    pub code_sha256: Option<String>,
}

pub fn agent_name(name: &str, param: &str) -> Result<(), ApiError> {
    if NAME_RE.is_match(name) {
        return Ok(());
    }
    Err(ApiError::invalid(
        param,
        format!(
            "Invalid agent name '{}': use 1-63 letters, digits or hyphens, starting and ending with a letter or digit.",
            truncate(name, 80)
        ),
    ))
}

pub fn body_object(body: &Value) -> Result<&Map<String, Value>, ApiError> {
    body.as_object().ok_or_else(|| {
        ApiError::new(
            axum::http::StatusCode::BAD_REQUEST,
            "bad_request",
            "The request body must be a JSON object.",
        )
    })
}

/// Validates `{definition, description?, metadata?}` (the common part of every create) and
/// returns what the service stores: the definition as sent plus, on `v1` hosted definitions, the
/// fields the service fills in (the idle-timeout default, the code's content hash).
pub fn new_version(
    body: &Map<String, Value>,
    generation: Generation,
    limits: &Limits,
    source: Source<'_>,
) -> Result<NewVersion, ApiError> {
    let description = match body.get("description") {
        None | Some(Value::Null) => None,
        Some(Value::String(s)) => Some(s.clone()),
        Some(_) => {
            return Err(ApiError::invalid(
                "description",
                "'description' must be a string.",
            ));
        }
    };
    let metadata = metadata(body.get("metadata"))?;
    let definition = match body.get("definition") {
        None | Some(Value::Null) => return Err(ApiError::missing("definition")),
        Some(Value::Object(d)) => d,
        Some(_) => {
            return Err(ApiError::invalid(
                "definition",
                "'definition' must be an object.",
            ));
        }
    };
    definition_object(definition, generation, limits, source)?;
    let mut definition = definition.clone();
    if generation == Generation::B && definition.get("kind") == Some(&Value::from("hosted")) {
        hosted::apply_defaults(&mut definition);
        if let Source::Upload { sha256 } = source
            && let Some(Value::Object(cc)) = definition.get_mut("code_configuration")
        {
            cc.insert("content_hash".into(), Value::from(sha256));
        }
    }
    Ok(NewVersion {
        description,
        metadata,
        definition: Value::Object(definition),
        code_sha256: match source {
            Source::Upload { sha256 } => Some(sha256.to_string()),
            Source::Json => None,
        },
    })
}

fn metadata(value: Option<&Value>) -> Result<BTreeMap<String, String>, ApiError> {
    let map = match value {
        None | Some(Value::Null) => return Ok(BTreeMap::new()),
        Some(Value::Object(m)) => m,
        Some(_) => {
            return Err(ApiError::invalid(
                "metadata",
                "'metadata' must be an object of string values.",
            ));
        }
    };
    if map.len() > MAX_METADATA_PAIRS {
        return Err(ApiError::invalid(
            "metadata",
            format!(
                "'metadata' has {} pairs; at most {MAX_METADATA_PAIRS} are allowed.",
                map.len()
            ),
        ));
    }
    let mut out = BTreeMap::new();
    for (k, v) in map {
        let param = format!("metadata.{}", truncate(k, 80));
        let klen = k.chars().count();
        if klen == 0 || klen > MAX_METADATA_KEY {
            return Err(ApiError::invalid(
                param,
                format!("Metadata keys must be 1-{MAX_METADATA_KEY} characters long; got {klen}."),
            ));
        }
        let Value::String(s) = v else {
            return Err(ApiError::invalid(param, "Metadata values must be strings."));
        };
        let vlen = s.chars().count();
        if vlen > MAX_METADATA_VALUE {
            return Err(ApiError::invalid(
                param,
                format!(
                    "Metadata values must be at most {MAX_METADATA_VALUE} characters long; got {vlen}."
                ),
            ));
        }
        out.insert(k.clone(), s.clone());
    }
    Ok(out)
}

fn definition_object(
    d: &Map<String, Value>,
    generation: Generation,
    limits: &Limits,
    source: Source<'_>,
) -> Result<(), ApiError> {
    let kinds = match generation {
        Generation::A => GEN_A_KINDS,
        Generation::B => GEN_B_KINDS,
    };
    let kind = match d.get("kind") {
        None | Some(Value::Null) => return Err(ApiError::missing("definition.kind")),
        Some(Value::String(k)) => k.as_str(),
        Some(_) => {
            return Err(ApiError::invalid(
                "definition.kind",
                "'kind' must be a string.",
            ));
        }
    };
    if !kinds.contains(&kind) {
        return Err(ApiError::invalid(
            "definition.kind",
            format!(
                "Unknown definition kind '{}'; allowed: {}.",
                truncate(kind, 40),
                kinds.join(", ")
            ),
        ));
    }
    hosted::rai_config(d)?;
    if matches!(source, Source::Upload { .. }) && kind != "hosted" {
        return Err(ApiError::invalid(
            "definition.kind",
            "A code upload needs a hosted definition ('kind': 'hosted') with 'code_configuration'.",
        ));
    }
    match kind {
        "hosted" => hosted(d, generation, limits, source),
        "prompt" => match d.get("model") {
            Some(Value::String(m)) if !m.is_empty() => Ok(()),
            None | Some(Value::Null) => Err(ApiError::missing("definition.model")),
            Some(_) => Err(ApiError::invalid(
                "definition.model",
                "'model' must be a non-empty string.",
            )),
        },
        _ => Ok(()),
    }
}

fn hosted(
    d: &Map<String, Value>,
    generation: Generation,
    limits: &Limits,
    source: Source<'_>,
) -> Result<(), ApiError> {
    let cpu = required_string(d, "cpu")?;
    let memory = required_string(d, "memory")?;
    match generation {
        Generation::A => tiers::check_gen_a(cpu, memory)?,
        Generation::B => tiers::check_v1(cpu, memory, limits.max_cpu_quarters)?,
    }
    image_source(d, generation, source)?;
    protocols(d, generation)?;
    if generation == Generation::B {
        hosted::telemetry(d)?;
        hosted::memory_snapshot(d)?;
    }
    if let Some(env) = d.get("environment_variables").filter(|v| !v.is_null()) {
        let Value::Object(env) = env else {
            return Err(ApiError::invalid(
                "definition.environment_variables",
                "'environment_variables' must be an object of string values.",
            ));
        };
        for (k, v) in env {
            let param = format!("definition.environment_variables.{}", truncate(k, 80));
            if k.is_empty() {
                return Err(ApiError::invalid(
                    param,
                    "Environment variable names must not be empty.",
                ));
            }
            if !v.is_string() {
                return Err(ApiError::invalid(
                    param,
                    "Environment variable values must be strings.",
                ));
            }
            if generation == Generation::B && k.starts_with("FOUNDRY_") {
                return Err(ApiError::invalid(
                    param,
                    "Environment variable names starting with 'FOUNDRY_' are reserved by the platform.",
                ));
            }
        }
    }
    if let Some(tools) = d.get("tools").filter(|v| !v.is_null()) {
        let Value::Array(tools) = tools else {
            return Err(ApiError::invalid(
                "definition.tools",
                "'tools' must be an array of tool objects.",
            ));
        };
        for (i, t) in tools.iter().enumerate() {
            if !t.get("type").is_some_and(Value::is_string) {
                return Err(ApiError::invalid(
                    format!("definition.tools[{i}].type"),
                    "Every tool needs a string 'type'.",
                ));
            }
        }
    }
    hosted::session_configuration(d)
}

fn required_string<'a>(d: &'a Map<String, Value>, field: &str) -> Result<&'a str, ApiError> {
    match d.get(field) {
        None | Some(Value::Null) => Err(ApiError::missing(&format!("definition.{field}"))),
        Some(Value::String(s)) => Ok(s),
        Some(_) => Err(ApiError::invalid(
            format!("definition.{field}"),
            format!("'{field}' must be a string."),
        )),
    }
}

/// Exactly one of `image` (Gen A spelling), `container_configuration` or `code_configuration`.
/// On `v1` a code-based definition comes with its code (a multipart upload) and an image-based one
/// without; on the preview generation `code_configuration` is kept as sent, as before.
fn image_source(
    d: &Map<String, Value>,
    generation: Generation,
    source: Source<'_>,
) -> Result<(), ApiError> {
    let present = |k: &str| d.get(k).is_some_and(|v| !v.is_null());
    let count = ["image", "container_configuration", "code_configuration"]
        .iter()
        .filter(|k| present(k))
        .count();
    if count != 1 {
        return Err(ApiError::invalid(
            "definition",
            "Exactly one of 'container_configuration' (or the legacy top-level 'image') and 'code_configuration' must be given.",
        ));
    }
    let upload = matches!(source, Source::Upload { .. });
    if upload && !present("code_configuration") {
        return Err(ApiError::invalid(
            "definition.code_configuration",
            "A code upload needs 'code_configuration' (runtime, entry_point, dependency_resolution) instead of an image.",
        ));
    }
    if present("image") {
        return image_ref(d.get("image"), "definition.image");
    }
    if let Some(cc) = d.get("container_configuration").filter(|v| !v.is_null()) {
        let Value::Object(cc) = cc else {
            return Err(ApiError::invalid(
                "definition.container_configuration",
                "'container_configuration' must be an object with an 'image'.",
            ));
        };
        image_ref(cc.get("image"), "definition.container_configuration.image")?;
        if generation == Generation::B {
            hosted::registry_connection(cc)?;
        }
        return Ok(());
    }
    let cc = d.get("code_configuration").unwrap_or(&Value::Null);
    match (generation, upload) {
        (_, true) => hosted::code_configuration(cc),
        (Generation::B, false) => Err(ApiError::invalid(
            "definition.code_configuration",
            "A code-based version is created with a multipart/form-data upload (parts 'metadata' and 'code', header x-ms-code-zip-sha256), not a JSON body.",
        )),
        (Generation::A, false) if cc.is_object() => Ok(()),
        (Generation::A, false) => Err(ApiError::invalid(
            "definition.code_configuration",
            "'code_configuration' must be an object.",
        )),
    }
}

fn image_ref(value: Option<&Value>, param: &str) -> Result<(), ApiError> {
    match value {
        None | Some(Value::Null) => Err(ApiError::missing(param)),
        Some(Value::String(s)) if !s.is_empty() && !s.chars().any(char::is_whitespace) => Ok(()),
        Some(_) => Err(ApiError::invalid(
            param,
            "The image must be a non-empty registry reference without spaces, e.g. myacr.azurecr.io/app:v1.",
        )),
    }
}

fn protocols(d: &Map<String, Value>, generation: Generation) -> Result<(), ApiError> {
    let present = |k: &str| d.get(k).is_some_and(|v| !v.is_null());
    let preferred = match generation {
        Generation::A => "container_protocol_versions",
        Generation::B => "protocol_versions",
    };
    let field = match (
        present("protocol_versions"),
        present("container_protocol_versions"),
    ) {
        (true, true) => {
            return Err(ApiError::invalid(
                "definition",
                "Give either 'protocol_versions' or the legacy 'container_protocol_versions', not both.",
            ));
        }
        (true, false) => "protocol_versions",
        (false, true) => "container_protocol_versions",
        (false, false) => return Err(ApiError::missing(&format!("definition.{preferred}"))),
    };
    let Some(Value::Array(items)) = d.get(field) else {
        return Err(ApiError::invalid(
            format!("definition.{field}"),
            format!("'{field}' must be an array."),
        ));
    };
    if items.is_empty() {
        return Err(ApiError::invalid(
            format!("definition.{field}"),
            format!("'{field}' must not be empty."),
        ));
    }
    let (allowed, version_ok, version_hint): (&[&str], &Regex, &str) = match generation {
        Generation::A => (
            GEN_A_PROTOCOLS,
            &GEN_A_PROTOCOL_VERSION_RE,
            "a version such as \"v1\"",
        ),
        Generation::B => (
            GEN_B_PROTOCOLS,
            &SEMVER_RE,
            "a semantic version such as \"1.0.0\"",
        ),
    };
    for (i, item) in items.iter().enumerate() {
        let base = format!("definition.{field}[{i}]");
        let protocol = item.get("protocol").and_then(Value::as_str);
        let Some(protocol) = protocol else {
            return Err(ApiError::missing(&format!("{base}.protocol")));
        };
        // Protocol names match case-insensitively: the az CLI sent "RESPONSES", the SDK "responses".
        if !allowed.iter().any(|a| a.eq_ignore_ascii_case(protocol)) {
            return Err(ApiError::invalid(
                format!("{base}.protocol"),
                format!(
                    "Unsupported protocol '{}'; allowed: {}.",
                    truncate(protocol, 40),
                    allowed.join(", ")
                ),
            ));
        }
        let version = item.get("version").and_then(Value::as_str);
        let Some(version) = version else {
            return Err(ApiError::missing(&format!("{base}.version")));
        };
        if !version_ok.is_match(version) {
            return Err(ApiError::invalid(
                format!("{base}.version"),
                format!(
                    "Unsupported protocol version '{}' for this api-version; use {version_hint}.",
                    truncate(version, 40)
                ),
            ));
        }
    }
    Ok(())
}

/// Keeps hostile input (huge strings) out of error messages.
pub fn truncate(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        return s.to_string();
    }
    let mut t: String = s.chars().take(max).collect();
    t.push('…');
    t
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn gen_a() -> Value {
        json!({"definition": {"kind": "hosted", "image": "acr.io/app:v1", "cpu": "1", "memory": "2Gi",
            "container_protocol_versions": [{"protocol": "responses", "version": "v1"}]}})
    }

    fn gen_b() -> Value {
        json!({"definition": {"kind": "hosted", "cpu": "0.5", "memory": "1Gi",
            "container_configuration": {"image": "acr.io/app:v1"},
            "protocol_versions": [{"protocol": "RESPONSES", "version": "1.0.0"}]}})
    }

    fn check(body: &Value, g: Generation) -> Result<NewVersion, ApiError> {
        new_version(
            body.as_object().unwrap(),
            g,
            &Limits::default(),
            Source::Json,
        )
    }

    fn param_of(body: &Value, g: Generation) -> String {
        check(body, g).unwrap_err().param.unwrap()
    }

    #[test]
    fn accepts_both_generations_and_either_spelling() {
        check(&gen_a(), Generation::A).unwrap();
        check(&gen_b(), Generation::B).unwrap();
        let mut b = gen_b();
        let d = b["definition"].as_object_mut().unwrap();
        d.remove("container_configuration");
        d.insert("image".into(), json!("x:y"));
        check(&b, Generation::B).unwrap();
    }

    #[test]
    fn names() {
        for ok in ["a", "A1", "my-agent", &"a".repeat(63)] {
            agent_name(ok, "name").unwrap();
        }
        for bad in ["", "-a", "a-", "a_b", "é", &"a".repeat(64)] {
            assert_eq!(agent_name(bad, "name").unwrap_err().status, 400);
        }
    }

    #[test]
    fn cpu_and_memory_limits() {
        for (cpu, mem, ok) in [
            ("0.5", "1Gi", true),
            ("4", "8Gi", true),
            ("4.5", "2Gi", false),
            ("0.25", "2Gi", false),
            ("1", "512Mi", false),
            ("1", "1024Mi", true),
            ("1", "9Gi", false),
            ("1", "2GB", false),
            ("one", "2Gi", false),
        ] {
            let mut b = gen_a();
            b["definition"]["cpu"] = json!(cpu);
            b["definition"]["memory"] = json!(mem);
            assert_eq!(check(&b, Generation::A).is_ok(), ok, "{cpu} {mem}");
        }
    }

    #[test]
    fn protocol_versions_follow_generation() {
        let mut b = gen_b();
        b["definition"]["protocol_versions"][0]["version"] = json!("v1");
        assert_eq!(
            param_of(&b, Generation::B),
            "definition.protocol_versions[0].version"
        );
        let mut a = gen_a();
        a["definition"]["container_protocol_versions"][0]["version"] = json!("1.0.0");
        assert_eq!(
            param_of(&a, Generation::A),
            "definition.container_protocol_versions[0].version"
        );
        a = gen_a();
        a["definition"]["container_protocol_versions"][0]["protocol"] = json!("smtp");
        assert_eq!(
            param_of(&a, Generation::A),
            "definition.container_protocol_versions[0].protocol"
        );
    }

    #[test]
    fn metadata_limits() {
        let mut b = gen_a();
        let many: Map<String, Value> = (0..17).map(|i| (format!("k{i}"), json!("v"))).collect();
        b["metadata"] = Value::Object(many);
        assert_eq!(param_of(&b, Generation::A), "metadata");
        b["metadata"] = json!({"k".repeat(65): "v"});
        assert!(param_of(&b, Generation::A).starts_with("metadata."));
        b["metadata"] = json!({"k": "v".repeat(513)});
        assert!(check(&b, Generation::A).is_err());
        b["metadata"] = json!({"k": "v".repeat(512)});
        assert_eq!(check(&b, Generation::A).unwrap().metadata.len(), 1);
    }

    #[test]
    fn v1_hosted_versions_get_the_service_defaults() {
        let v = check(&gen_b(), Generation::B).unwrap();
        assert_eq!(
            v.definition["session_configuration"],
            json!({"idle_timeout_seconds": 900})
        );
        let v = check(&gen_a(), Generation::A).unwrap();
        assert!(v.definition.get("session_configuration").is_none());
        let mut b = gen_b();
        let d = b["definition"].as_object_mut().unwrap();
        d.remove("container_configuration");
        d.insert(
            "code_configuration".into(),
            json!({"runtime": "python_3_13", "entry_point": ["python", "main.py"], "dependency_resolution": "bundled"}),
        );
        assert_eq!(
            param_of(&b, Generation::B),
            "definition.code_configuration",
            "code needs an upload"
        );
        let v = new_version(
            b.as_object().unwrap(),
            Generation::B,
            &Limits::default(),
            Source::Upload { sha256: "ab12" },
        )
        .unwrap();
        assert_eq!(v.definition["code_configuration"]["content_hash"], "ab12");
        let v = new_version(
            gen_b().as_object().unwrap(),
            Generation::B,
            &Limits::default(),
            Source::Upload { sha256: "ab12" },
        );
        assert_eq!(
            v.unwrap_err().param.as_deref(),
            Some("definition.code_configuration"),
            "an upload needs a code-based definition"
        );
    }

    #[test]
    fn rai_config_on_both_generations() {
        for (body, g) in [(gen_a(), Generation::A), (gen_b(), Generation::B)] {
            let mut b = body.clone();
            b["definition"]["rai_config"] = json!({"rai_policy_name": "strict"});
            check(&b, g).unwrap();
            b["definition"]["rai_config"] = json!({});
            assert_eq!(param_of(&b, g), "definition.rai_config.rai_policy_name");
        }
    }

    #[test]
    fn image_sources_are_exclusive() {
        let mut b = gen_b();
        b["definition"]["image"] = json!("x:y");
        assert_eq!(param_of(&b, Generation::B), "definition");
        let mut b = gen_b();
        b["definition"]
            .as_object_mut()
            .unwrap()
            .remove("container_configuration");
        assert_eq!(param_of(&b, Generation::B), "definition");
    }
}
