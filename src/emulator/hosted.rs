//! The `v1` hosted definition's newer fields, validated as the SDK models describe them:
//! `container_configuration.registry_connection_id`, `session_configuration`,
//! `enable_memory_snapshot`, `telemetry_config`, `code_configuration`, and `rai_config` (which
//! lives on every definition kind, in both generations).
//!
//! Choices where the service's behaviour is undocumented (strict, as everywhere in the emulator):
//! - Strings the models call required must be non-empty.
//! - `telemetry_config.endpoints[].data` may not name a kind twice. An empty `data` array is
//!   accepted: the SDK documents it ("use an empty array to export no data").
//! - `telemetry_config.endpoints[].endpoint` must be an absolute `http` or `https` URL.
//! - A JSON create may not carry `code_configuration`: a code-based version needs the code, so
//!   it is created with a multipart upload (see code.rs). `content_hash` is read-only and refused.
//! - `code_configuration.dependency_resolution` is required (the models mark it so).
//!
//! Unknown fields inside these objects are kept and returned, like unknown definition fields.

use std::collections::BTreeSet;

use serde_json::{Map, Value, json};

use super::errors::ApiError;
use super::validation::truncate;

pub const IDLE_TIMEOUT_MIN: u64 = 120;
pub const IDLE_TIMEOUT_MAX: u64 = 14400;
/// What the service reads back when a version was created without an idle timeout.
pub const IDLE_TIMEOUT_DEFAULT: u64 = 900;
pub const TELEMETRY_ENDPOINTS_MAX: usize = 3;
pub const RUNTIMES: &[&str] = &["python_3_13", "python_3_14", "dotnet_10"];
pub const DEPENDENCY_RESOLUTIONS: &[&str] = &["bundled", "remote_build"];
const TELEMETRY_DATA: &[&str] = &["ContainerStdoutStderr", "ContainerOtel", "Metrics"];
const TELEMETRY_PROTOCOLS: &[&str] = &["Http", "Grpc"];
const RAI_RESPONSE_MODES: &[&str] = &["non_streaming", "streaming", "both"];
const RAI_CONTENT_TYPES: &[&str] = &["json", "text"];

/// `m[key]`, treating JSON null as absent.
pub fn field<'a>(m: &'a Map<String, Value>, key: &str) -> Option<&'a Value> {
    m.get(key).filter(|v| !v.is_null())
}

pub fn object<'a>(v: &'a Value, param: &str) -> Result<&'a Map<String, Value>, ApiError> {
    v.as_object()
        .ok_or_else(|| ApiError::invalid(param, format!("'{}' must be an object.", last(param))))
}

fn last(param: &str) -> &str {
    param.rsplit('.').next().unwrap_or(param)
}

/// A required, non-empty string.
pub fn required_str<'a>(
    m: &'a Map<String, Value>,
    key: &str,
    base: &str,
) -> Result<&'a str, ApiError> {
    let param = format!("{base}.{key}");
    match field(m, key) {
        None => Err(ApiError::missing(&param)),
        Some(Value::String(s)) if !s.is_empty() => Ok(s),
        Some(_) => Err(ApiError::invalid(
            param,
            format!("'{key}' must be a non-empty string."),
        )),
    }
}

fn optional_str<'a>(
    m: &'a Map<String, Value>,
    key: &str,
    base: &str,
) -> Result<Option<&'a str>, ApiError> {
    match field(m, key) {
        None => Ok(None),
        Some(_) => required_str(m, key, base).map(Some),
    }
}

fn one_of(value: &str, allowed: &[&str], param: &str, what: &str) -> Result<(), ApiError> {
    if allowed.contains(&value) {
        return Ok(());
    }
    Err(ApiError::invalid(
        param,
        format!(
            "Unsupported {what} '{}'; allowed: {}.",
            truncate(value, 40),
            allowed.join(", ")
        ),
    ))
}

fn string_array<'a>(v: &'a Value, param: &str) -> Result<Vec<&'a str>, ApiError> {
    let items = v.as_array().ok_or_else(|| {
        ApiError::invalid(
            param,
            format!("'{}' must be an array of strings.", last(param)),
        )
    })?;
    items
        .iter()
        .enumerate()
        .map(|(i, item)| {
            item.as_str().ok_or_else(|| {
                ApiError::invalid(format!("{param}[{i}]"), "Each item must be a string.")
            })
        })
        .collect()
}

/// `container_configuration.registry_connection_id`: optional, a non-empty connection id or name.
pub fn registry_connection(cc: &Map<String, Value>) -> Result<(), ApiError> {
    optional_str(
        cc,
        "registry_connection_id",
        "definition.container_configuration",
    )
    .map(|_| ())
}

/// `session_configuration.idle_timeout_seconds`: whole seconds, 120–14400.
pub fn session_configuration(d: &Map<String, Value>) -> Result<(), ApiError> {
    let Some(sc) = field(d, "session_configuration") else {
        return Ok(());
    };
    let sc = object(sc, "definition.session_configuration")?;
    if let Some(t) = field(sc, "idle_timeout_seconds")
        && !t
            .as_u64()
            .is_some_and(|t| (IDLE_TIMEOUT_MIN..=IDLE_TIMEOUT_MAX).contains(&t))
    {
        return Err(ApiError::invalid(
            "definition.session_configuration.idle_timeout_seconds",
            format!(
                "'idle_timeout_seconds' must be a whole number of seconds between {IDLE_TIMEOUT_MIN} and {IDLE_TIMEOUT_MAX}."
            ),
        ));
    }
    Ok(())
}

pub fn memory_snapshot(d: &Map<String, Value>) -> Result<(), ApiError> {
    match field(d, "enable_memory_snapshot") {
        None | Some(Value::Bool(_)) => Ok(()),
        Some(_) => Err(ApiError::invalid(
            "definition.enable_memory_snapshot",
            "'enable_memory_snapshot' must be true or false.",
        )),
    }
}

/// `telemetry_config.endpoints`: 1–3 OTLP endpoints.
pub fn telemetry(d: &Map<String, Value>) -> Result<(), ApiError> {
    let Some(tc) = field(d, "telemetry_config") else {
        return Ok(());
    };
    let tc = object(tc, "definition.telemetry_config")?;
    let base = "definition.telemetry_config.endpoints";
    let endpoints = match field(tc, "endpoints") {
        None => return Err(ApiError::missing(base)),
        Some(Value::Array(a)) => a,
        Some(_) => return Err(ApiError::invalid(base, "'endpoints' must be an array.")),
    };
    if endpoints.is_empty() || endpoints.len() > TELEMETRY_ENDPOINTS_MAX {
        return Err(ApiError::invalid(
            base,
            format!(
                "'endpoints' must hold 1 to {TELEMETRY_ENDPOINTS_MAX} telemetry endpoints; got {}.",
                endpoints.len()
            ),
        ));
    }
    for (i, e) in endpoints.iter().enumerate() {
        let p = format!("{base}[{i}]");
        let e = object(e, &p)?;
        one_of(
            required_str(e, "kind", &p)?,
            &["OTLP"],
            &format!("{p}.kind"),
            "telemetry endpoint kind",
        )?;
        let url = required_str(e, "endpoint", &p)?;
        let parsed = url::Url::parse(url).ok().filter(|u| {
            matches!(u.scheme(), "http" | "https") && u.host_str().is_some_and(|h| !h.is_empty())
        });
        if parsed.is_none() {
            return Err(ApiError::invalid(
                format!("{p}.endpoint"),
                format!(
                    "'endpoint' must be an absolute http or https URL of an OTLP collector; got '{}'.",
                    truncate(url, 80)
                ),
            ));
        }
        one_of(
            required_str(e, "protocol", &p)?,
            TELEMETRY_PROTOCOLS,
            &format!("{p}.protocol"),
            "telemetry protocol",
        )?;
        let data_param = format!("{p}.data");
        let Some(data) = field(e, "data") else {
            return Err(ApiError::missing(&data_param));
        };
        let mut seen = BTreeSet::new();
        for (j, kind) in string_array(data, &data_param)?.into_iter().enumerate() {
            one_of(
                kind,
                TELEMETRY_DATA,
                &format!("{data_param}[{j}]"),
                "telemetry data kind",
            )?;
            if !seen.insert(kind) {
                return Err(ApiError::invalid(
                    format!("{data_param}[{j}]"),
                    format!("'{kind}' is listed twice in 'data'."),
                ));
            }
        }
        if let Some(auth) = field(e, "auth") {
            let ap = format!("{p}.auth");
            let auth = object(auth, &ap)?;
            one_of(
                required_str(auth, "type", &ap)?,
                &["header"],
                &format!("{ap}.type"),
                "telemetry auth type",
            )?;
            // Header auth names the header and where its value comes from: all three or none.
            for key in ["header_name", "secret_id", "secret_key"] {
                required_str(auth, key, &ap)?;
            }
        }
    }
    Ok(())
}

/// `rai_config`: `rai_policy_name` and the optional invocations moderation (any kind, both
/// generations).
pub fn rai_config(d: &Map<String, Value>) -> Result<(), ApiError> {
    let Some(rai) = field(d, "rai_config") else {
        return Ok(());
    };
    let base = "definition.rai_config";
    let rai = object(rai, base)?;
    required_str(rai, "rai_policy_name", base)?;
    let Some(m) = field(rai, "invocations_moderation") else {
        return Ok(());
    };
    let mp = format!("{base}.invocations_moderation");
    let m = object(m, &mp)?;
    let mode = required_str(m, "response_mode", &mp)?;
    one_of(
        mode,
        RAI_RESPONSE_MODES,
        &format!("{mp}.response_mode"),
        "response mode",
    )?;
    let content_type = |key: &str| -> Result<&str, ApiError> {
        match optional_str(m, key, &mp)? {
            None => Ok("json"),
            Some(t) => {
                one_of(t, RAI_CONTENT_TYPES, &format!("{mp}.{key}"), "content type")?;
                Ok(t)
            }
        }
    };
    let input = content_type("input_content_type")?;
    let output = content_type("output_content_type")?;
    let paths = |key: &str, required: bool| -> Result<(), ApiError> {
        let param = format!("{mp}.{key}");
        match field(m, key) {
            None if required => Err(ApiError::missing(&param)),
            None => Ok(()),
            Some(v) => {
                let items = string_array(v, &param)?;
                if required && items.is_empty() {
                    return Err(ApiError::invalid(
                        param,
                        format!("'{key}' must not be empty."),
                    ));
                }
                Ok(())
            }
        }
    };
    paths("input_paths", input == "json")?;
    paths("output_paths", output == "json" && mode != "streaming")?;
    let sp = format!("{mp}.stream_selectors");
    let selectors_required = output == "json" && mode != "non_streaming";
    match field(m, "stream_selectors") {
        None if selectors_required => return Err(ApiError::missing(&sp)),
        None => {}
        Some(Value::Array(items)) => {
            if selectors_required && items.is_empty() {
                return Err(ApiError::invalid(
                    sp,
                    "'stream_selectors' must not be empty.",
                ));
            }
            for (i, s) in items.iter().enumerate() {
                let p = format!("{sp}[{i}]");
                let s = object(s, &p)?;
                required_str(s, "event_type", &p)?;
                optional_str(s, "text_field", &p)?;
            }
        }
        Some(_) => {
            return Err(ApiError::invalid(
                sp,
                "'stream_selectors' must be an array.",
            ));
        }
    }
    Ok(())
}

/// `code_configuration` of a multipart (code) upload.
pub fn code_configuration(cc: &Value) -> Result<(), ApiError> {
    let base = "definition.code_configuration";
    let cc = object(cc, base)?;
    if cc.contains_key("content_hash") {
        return Err(ApiError::invalid(
            format!("{base}.content_hash"),
            "'content_hash' is read-only: the service sets it from the x-ms-code-zip-sha256 header.",
        ));
    }
    one_of(
        required_str(cc, "runtime", base)?,
        RUNTIMES,
        &format!("{base}.runtime"),
        "runtime",
    )?;
    let ep = format!("{base}.entry_point");
    let Some(entry) = field(cc, "entry_point") else {
        return Err(ApiError::missing(&ep));
    };
    let parts = string_array(entry, &ep)?;
    if parts.is_empty() || parts.iter().any(|p| p.is_empty()) {
        return Err(ApiError::invalid(
            ep,
            "'entry_point' must be a non-empty array of non-empty strings, e.g. [\"python\", \"main.py\"].",
        ));
    }
    one_of(
        required_str(cc, "dependency_resolution", base)?,
        DEPENDENCY_RESOLUTIONS,
        &format!("{base}.dependency_resolution"),
        "dependency resolution",
    )
}

/// What the service fills in when a `v1` hosted version is created: the idle timeout default.
pub fn apply_defaults(d: &mut Map<String, Value>) {
    let sc = d
        .entry("session_configuration")
        .or_insert_with(|| json!({}));
    if sc.is_null() {
        *sc = json!({});
    }
    if let Some(sc) = sc.as_object_mut()
        && sc.get("idle_timeout_seconds").is_none_or(Value::is_null)
    {
        sc.insert("idle_timeout_seconds".into(), json!(IDLE_TIMEOUT_DEFAULT));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn map(v: Value) -> Map<String, Value> {
        v.as_object().unwrap().clone()
    }

    fn otlp() -> Value {
        json!({"kind": "OTLP", "endpoint": "https://collector.example.com/otlp", "protocol": "Http",
            "data": ["ContainerStdoutStderr", "ContainerOtel", "Metrics"],
            "auth": {"type": "header", "header_name": "X-Key", "secret_id": "conn", "secret_key": "KEY"}})
    }

    fn telemetry_param(endpoints: Value) -> Option<String> {
        telemetry(&map(json!({"telemetry_config": {"endpoints": endpoints}})))
            .err()
            .map(|e| e.param.unwrap())
    }

    #[test]
    fn telemetry_rules() {
        assert_eq!(telemetry_param(json!([otlp()])), None);
        assert_eq!(telemetry_param(json!([otlp(), otlp(), otlp()])), None);
        let p = "definition.telemetry_config.endpoints";
        assert_eq!(telemetry_param(json!([])).as_deref(), Some(p));
        assert_eq!(
            telemetry_param(json!([otlp(), otlp(), otlp(), otlp()])).as_deref(),
            Some(p)
        );
        let mut e = otlp();
        e["data"] = json!([]);
        assert_eq!(
            telemetry_param(json!([e])),
            None,
            "documented: exports nothing"
        );
        for (key, value, param) in [
            ("kind", json!("Zipkin"), "[0].kind"),
            ("endpoint", json!("collector:4317"), "[0].endpoint"),
            ("endpoint", json!("ftp://c.example.com"), "[0].endpoint"),
            ("protocol", json!("http"), "[0].protocol"),
            ("data", json!(["Logs"]), "[0].data[0]"),
            ("data", json!(["Metrics", "Metrics"]), "[0].data[1]"),
            (
                "auth",
                json!({"type": "header", "header_name": "X"}),
                "[0].auth.secret_id",
            ),
            (
                "auth",
                json!({"type": "basic", "header_name": "X", "secret_id": "a", "secret_key": "b"}),
                "[0].auth.type",
            ),
        ] {
            let mut e = otlp();
            e[key] = value;
            assert_eq!(
                telemetry_param(json!([e])),
                Some(format!("{p}{param}")),
                "{key}"
            );
        }
        let mut e = otlp();
        e.as_object_mut().unwrap().remove("data");
        assert_eq!(telemetry_param(json!([e])), Some(format!("{p}[0].data")));
    }

    #[test]
    fn session_and_snapshot() {
        for (t, ok) in [
            (json!(120), true),
            (json!(14400), true),
            (json!(119), false),
            (json!(14401), false),
            (json!(900.5), false),
            (json!("900"), false),
        ] {
            let d = map(json!({"session_configuration": {"idle_timeout_seconds": t}}));
            assert_eq!(session_configuration(&d).is_ok(), ok, "{t}");
        }
        assert!(session_configuration(&map(json!({"session_configuration": 5}))).is_err());
        assert!(memory_snapshot(&map(json!({"enable_memory_snapshot": "yes"}))).is_err());
        memory_snapshot(&map(json!({"enable_memory_snapshot": true}))).unwrap();
        let mut d = map(json!({"kind": "hosted"}));
        apply_defaults(&mut d);
        assert_eq!(
            d["session_configuration"],
            json!({"idle_timeout_seconds": 900})
        );
        let mut d = map(json!({"session_configuration": {"idle_timeout_seconds": 300}}));
        apply_defaults(&mut d);
        assert_eq!(
            d["session_configuration"],
            json!({"idle_timeout_seconds": 300})
        );
    }

    #[test]
    fn rai_rules() {
        let ok =
            |v: Value| rai_config(&map(json!({"rai_config": v}))).map_err(|e| e.param.unwrap());
        ok(json!({"rai_policy_name": "p"})).unwrap();
        assert_eq!(
            ok(json!({})).unwrap_err(),
            "definition.rai_config.rai_policy_name"
        );
        assert_eq!(
            ok(json!({"rai_policy_name": ""})).unwrap_err(),
            "definition.rai_config.rai_policy_name"
        );
        let m = |m: Value| ok(json!({"rai_policy_name": "p", "invocations_moderation": m}));
        m(
            json!({"response_mode": "both", "input_paths": ["$.in"], "output_paths": ["$.out"],
            "stream_selectors": [{"event_type": "delta"}]}),
        )
        .unwrap();
        m(json!({"response_mode": "streaming", "input_content_type": "text", "output_content_type": "text"})).unwrap();
        let mp = "definition.rai_config.invocations_moderation";
        assert_eq!(
            m(json!({"response_mode": "sometimes"})).unwrap_err(),
            format!("{mp}.response_mode")
        );
        assert_eq!(
            m(json!({"response_mode": "non_streaming", "output_paths": ["$"]})).unwrap_err(),
            format!("{mp}.input_paths")
        );
        assert_eq!(
            m(json!({"response_mode": "non_streaming", "input_paths": ["$"]})).unwrap_err(),
            format!("{mp}.output_paths")
        );
        assert_eq!(
            m(json!({"response_mode": "streaming", "input_paths": ["$"]})).unwrap_err(),
            format!("{mp}.stream_selectors")
        );
    }

    #[test]
    fn code_rules() {
        let good = json!({"runtime": "python_3_13", "entry_point": ["python", "main.py"], "dependency_resolution": "remote_build"});
        code_configuration(&good).unwrap();
        let base = "definition.code_configuration";
        for (key, value, param) in [
            ("runtime", json!("python_3_12"), "runtime"),
            ("entry_point", json!([]), "entry_point"),
            ("entry_point", json!(["python", ""]), "entry_point"),
            ("entry_point", json!("python main.py"), "entry_point"),
            (
                "dependency_resolution",
                json!("pip"),
                "dependency_resolution",
            ),
            (
                "dependency_resolution",
                Value::Null,
                "dependency_resolution",
            ),
            ("content_hash", json!("ab"), "content_hash"),
        ] {
            let mut cc = good.clone();
            cc[key] = value;
            assert_eq!(
                code_configuration(&cc).unwrap_err().param.unwrap(),
                format!("{base}.{param}"),
                "{key}"
            );
        }
    }
}
