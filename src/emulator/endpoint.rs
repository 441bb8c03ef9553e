//! The agent endpoint (`agent_endpoint`) and agent card (`agent_card`) of a `v1` agent: merge-patch,
//! validation, the default endpoint, and which version gets how much traffic.
//!
//! Stored form: what clients set, minus read-only fields (`publish_approval_status`,
//! `protocol_configuration.activity.access_boundaries`), which are dropped on input. Each of
//! `version_selector`, `protocol_configuration` and `authorization_schemes` that is not set reads
//! back as the service default: all traffic to the newest version
//! (`{"type":"FixedRatio","agent_version":"@latest","traffic_percentage":100}`, the form the live
//! service shows), the Responses protocol, and Entra authorization.
//!
//! Merge-patch follows RFC 7396 (a `null` member removes, so `"version_selector": null` restores the
//! default routing; arrays replace), except that `protocol_configuration` is replaced as a whole, as
//! the service documents ("this request replaces protocol_configuration and authorization_schemes").
//!
//! Choices where the service's behaviour is undocumented (strict):
//! - The traffic percentages of the selection rules must add up to 100, each rule names a
//!   different version, and there is at least one rule.
//! - Every rule names a version of this agent that exists (or `@latest`); a rule may not send
//!   traffic (percent > 0) to a version whose provisioning failed.
//! - At least one protocol and one authorization scheme; no scheme twice; schemes carry only
//!   `type`; protocol objects carry no fields except `activity.enable_m365_public_endpoint`.
//! - The fields removed in `v1` (`protocols`, `isolation_key_source`) are refused with a pointer to
//!   their replacement.
//! - Deleting a version that an explicit rule sends traffic to (percent > 0) is refused with 409
//!   (store.rs); `force=true` does not override it. Under the default selector, deleting stays
//!   allowed (traffic moves to the newest remaining version).

use std::collections::{BTreeMap, BTreeSet};

use serde_json::{Map, Value, json};

use super::errors::ApiError;
use super::hosted::{field, object, required_str};
use super::validation::truncate;

pub const LATEST: &str = "@latest";
pub const PROTOCOLS: &[&str] = &[
    "activity",
    "responses",
    "a2a",
    "mcp",
    "invocations",
    "invocations_ws",
];
pub const AUTHORIZATION_SCHEMES: &[&str] =
    &["Entra", "BotService", "BotServiceRbac", "BotServiceTenant"];

pub fn default_rules() -> Value {
    json!([{"type": "FixedRatio", "agent_version": LATEST, "traffic_percentage": 100}])
}

/// The endpoint as GET shows it: the stored parts, defaults for the others, and the read-only
/// publish status.
pub fn render(stored: Option<&Value>) -> Value {
    let mut out = stored
        .and_then(Value::as_object)
        .cloned()
        .unwrap_or_default();
    out.entry("version_selector")
        .or_insert_with(|| json!({"version_selection_rules": default_rules()}));
    out.entry("protocol_configuration")
        .or_insert_with(|| json!({"responses": {}}));
    out.entry("authorization_schemes")
        .or_insert_with(|| json!([{"type": "Entra"}]));
    out.insert("publish_approval_status".into(), json!("not_published"));
    Value::Object(out)
}

/// Whether an explicit selector is set (otherwise the default routes to the newest version).
pub fn is_explicit(stored: Option<&Value>) -> bool {
    stored.is_some_and(|e| e.get("version_selector").is_some_and(|s| !s.is_null()))
}

/// The selection rules in force, as `(agent_version, percent)`.
pub fn rules(stored: Option<&Value>) -> Vec<(String, u64)> {
    let rendered = render(stored);
    rendered["version_selector"]["version_selection_rules"]
        .as_array()
        .map(|rules| {
            rules
                .iter()
                .filter_map(|r| {
                    Some((
                        r.get("agent_version")?.as_str()?.to_string(),
                        r.get("traffic_percentage")?.as_u64()?,
                    ))
                })
                .collect()
        })
        .unwrap_or_default()
}

/// Which version numbers receive traffic and how much (`@latest` resolved to `latest`); versions
/// at 0 % are left out.
pub fn traffic(stored: Option<&Value>, latest: Option<u64>) -> BTreeMap<String, u64> {
    let mut out = BTreeMap::new();
    for (version, percent) in rules(stored) {
        let resolved = if version == LATEST {
            match latest {
                Some(l) => l.to_string(),
                None => continue,
            }
        } else {
            version
        };
        if percent > 0 {
            *out.entry(resolved).or_insert(0) += percent;
        }
    }
    out
}

/// Drops the read-only fields a client may echo back from a GET.
fn strip_read_only(endpoint: &mut Value) {
    if let Some(e) = endpoint.as_object_mut() {
        e.remove("publish_approval_status");
        if let Some(Value::Object(activity)) = e
            .get_mut("protocol_configuration")
            .and_then(|p| p.get_mut("activity"))
        {
            activity.remove("access_boundaries");
        }
    }
}

/// RFC 7396 merge-patch.
pub fn merge_patch(target: &mut Value, patch: &Value) {
    let Value::Object(patch) = patch else {
        *target = patch.clone();
        return;
    };
    if !target.is_object() {
        *target = Value::Object(Map::new());
    }
    let t = target.as_object_mut().expect("made an object above");
    for (k, v) in patch {
        if v.is_null() {
            t.remove(k);
        } else {
            merge_patch(t.entry(k.clone()).or_insert(Value::Null), v);
        }
    }
}

/// Applies an `agent_endpoint` merge-patch to the stored endpoint; `None` = all defaults.
pub fn patch(stored: Option<&Value>, patch: &Value) -> Option<Value> {
    if patch.is_null() {
        return None;
    }
    let mut patch = patch.clone();
    strip_read_only(&mut patch);
    let mut next = stored.cloned().unwrap_or_else(|| json!({}));
    if let (Some(n), Some(p)) = (next.as_object_mut(), patch.as_object())
        && p.contains_key("protocol_configuration")
    {
        // Replaced as a whole, not merged key by key.
        n.remove("protocol_configuration");
    }
    merge_patch(&mut next, &patch);
    (next.as_object().is_some_and(|o| !o.is_empty())).then_some(next)
}

/// Applies an `agent_card` merge-patch; `None` = no card.
pub fn patch_card(stored: Option<&Value>, patch: &Value) -> Option<Value> {
    if patch.is_null() {
        return None;
    }
    let mut next = stored.cloned().unwrap_or_else(|| json!({}));
    merge_patch(&mut next, patch);
    Some(next)
}

/// How a version named by a selection rule stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum VersionStanding {
    Missing,
    Failed,
    Usable,
}

/// Validates a stored-form endpoint (after merge). `standing` says how a version of this agent
/// stands (`@latest` is never passed to it).
pub fn validate(
    endpoint: &Value,
    agent: &str,
    standing: impl Fn(&str) -> VersionStanding,
) -> Result<(), ApiError> {
    let base = "agent_endpoint";
    let e = object(endpoint, base)?;
    if e.contains_key("protocols") {
        return Err(ApiError::invalid(
            "agent_endpoint.protocols",
            "'protocols' was removed in api-version v1; use 'protocol_configuration' (an object whose keys are the enabled protocols).",
        ));
    }
    if let Some(sel) = field(e, "version_selector") {
        selector(sel, agent, &standing)?;
    }
    if let Some(pc) = field(e, "protocol_configuration") {
        protocols(pc)?;
    }
    if let Some(schemes) = field(e, "authorization_schemes") {
        authorization(schemes)?;
    }
    Ok(())
}

fn selector(
    sel: &Value,
    agent: &str,
    standing: &impl Fn(&str) -> VersionStanding,
) -> Result<(), ApiError> {
    let base = "agent_endpoint.version_selector";
    let sel = object(sel, base)?;
    let rp = format!("{base}.version_selection_rules");
    let rules = match field(sel, "version_selection_rules") {
        None => return Err(ApiError::missing(&rp)),
        Some(Value::Array(r)) => r,
        Some(_) => {
            return Err(ApiError::invalid(
                rp,
                "'version_selection_rules' must be an array.",
            ));
        }
    };
    if rules.is_empty() {
        return Err(ApiError::invalid(
            rp,
            "'version_selection_rules' needs at least one rule; remove 'version_selector' (set it to null) to route all traffic to the newest version.",
        ));
    }
    let mut seen = BTreeSet::new();
    let mut total = 0u64;
    for (i, rule) in rules.iter().enumerate() {
        let p = format!("{rp}[{i}]");
        let rule = object(rule, &p)?;
        let kind = required_str(rule, "type", &p)?;
        if kind != "FixedRatio" {
            return Err(ApiError::invalid(
                format!("{p}.type"),
                format!(
                    "Unsupported version selection rule type '{}'; allowed: FixedRatio.",
                    truncate(kind, 40)
                ),
            ));
        }
        let version = required_str(rule, "agent_version", &p)?;
        let pp = format!("{p}.traffic_percentage");
        let percent = match field(rule, "traffic_percentage") {
            None => return Err(ApiError::missing(&pp)),
            Some(v) => v.as_u64().filter(|n| *n <= 100).ok_or_else(|| {
                ApiError::invalid(
                    pp.clone(),
                    "'traffic_percentage' must be a whole number between 0 and 100.",
                )
            })?,
        };
        if !seen.insert(version.to_string()) {
            return Err(ApiError::invalid(
                format!("{p}.agent_version"),
                format!(
                    "Version '{}' appears in more than one rule; give each version one rule.",
                    truncate(version, 40)
                ),
            ));
        }
        if version != LATEST {
            match standing(version) {
                VersionStanding::Usable => {}
                VersionStanding::Missing => {
                    return Err(ApiError::invalid(
                        format!("{p}.agent_version"),
                        format!(
                            "Version '{}' of agent '{}' does not exist; a rule can only route traffic to an existing version.",
                            truncate(version, 40),
                            truncate(agent, 80)
                        ),
                    ));
                }
                VersionStanding::Failed if percent > 0 => {
                    return Err(ApiError::invalid(
                        format!("{p}.agent_version"),
                        format!(
                            "Version '{}' of agent '{}' failed to provision and cannot receive traffic.",
                            truncate(version, 40),
                            truncate(agent, 80)
                        ),
                    ));
                }
                VersionStanding::Failed => {}
            }
        }
        total += percent;
    }
    if total != 100 {
        return Err(ApiError::invalid(
            rp,
            format!(
                "The traffic percentages of the rules must add up to 100; they add up to {total}."
            ),
        ));
    }
    Ok(())
}

fn protocols(pc: &Value) -> Result<(), ApiError> {
    let base = "agent_endpoint.protocol_configuration";
    let pc = object(pc, base)?;
    if pc.is_empty() {
        return Err(ApiError::invalid(
            base,
            "'protocol_configuration' must enable at least one protocol (e.g. {\"responses\": {}}).",
        ));
    }
    for (name, config) in pc {
        let p = format!("{base}.{}", truncate(name, 40));
        if !PROTOCOLS.contains(&name.as_str()) {
            return Err(ApiError::invalid(
                p,
                format!(
                    "Unsupported protocol '{}'; allowed: {}.",
                    truncate(name, 40),
                    PROTOCOLS.join(", ")
                ),
            ));
        }
        let config = object(config, &p)?;
        for (key, value) in config {
            let ok = name == "activity"
                && key == "enable_m365_public_endpoint"
                && (value.is_boolean() || value.is_null());
            if !ok {
                let hint = if name == "activity" {
                    "the activity protocol takes only 'enable_m365_public_endpoint' (true or false)"
                } else {
                    "this protocol takes no settings ({})"
                };
                return Err(ApiError::invalid(
                    format!("{p}.{}", truncate(key, 40)),
                    format!("Unsupported setting '{}': {hint}.", truncate(key, 40)),
                ));
            }
        }
    }
    Ok(())
}

fn authorization(schemes: &Value) -> Result<(), ApiError> {
    let base = "agent_endpoint.authorization_schemes";
    let Value::Array(schemes) = schemes else {
        return Err(ApiError::invalid(
            base,
            "'authorization_schemes' must be an array.",
        ));
    };
    if schemes.is_empty() {
        return Err(ApiError::invalid(
            base,
            "'authorization_schemes' needs at least one scheme (e.g. [{\"type\": \"Entra\"}]).",
        ));
    }
    let mut seen = BTreeSet::new();
    for (i, s) in schemes.iter().enumerate() {
        let p = format!("{base}[{i}]");
        let s = object(s, &p)?;
        let kind = required_str(s, "type", &p)?;
        if !AUTHORIZATION_SCHEMES.contains(&kind) {
            return Err(ApiError::invalid(
                format!("{p}.type"),
                format!(
                    "Unsupported authorization scheme '{}'; allowed: {}.",
                    truncate(kind, 40),
                    AUTHORIZATION_SCHEMES.join(", ")
                ),
            ));
        }
        if let Some(extra) = s.keys().find(|k| *k != "type") {
            let hint = if extra == "isolation_key_source" {
                "'isolation_key_source' was removed in api-version v1"
            } else {
                "authorization schemes carry only 'type'"
            };
            return Err(ApiError::invalid(
                format!("{p}.{}", truncate(extra, 40)),
                format!("Unsupported field '{}': {hint}.", truncate(extra, 40)),
            ));
        }
        if !seen.insert(kind) {
            return Err(ApiError::invalid(
                format!("{p}.type"),
                format!("Authorization scheme '{kind}' is listed twice."),
            ));
        }
    }
    Ok(())
}

fn limited(
    m: &Map<String, Value>,
    key: &str,
    base: &str,
    required: bool,
    max: usize,
) -> Result<(), ApiError> {
    let param = format!("{base}.{key}");
    match field(m, key) {
        None if required => Err(ApiError::missing(&param)),
        None => Ok(()),
        Some(Value::String(s)) => {
            let n = s.chars().count();
            let min = usize::from(required);
            if n < min || n > max {
                return Err(ApiError::invalid(
                    param,
                    format!("'{key}' must be {min} to {max} characters long; got {n}."),
                ));
            }
            Ok(())
        }
        Some(_) => Err(ApiError::invalid(
            param,
            format!("'{key}' must be a string."),
        )),
    }
}

fn limited_list(
    m: &Map<String, Value>,
    key: &str,
    base: &str,
    max_items: usize,
    max_chars: usize,
) -> Result<(), ApiError> {
    let param = format!("{base}.{key}");
    let Some(v) = field(m, key) else {
        return Ok(());
    };
    let Value::Array(items) = v else {
        return Err(ApiError::invalid(
            param,
            format!("'{key}' must be an array of strings."),
        ));
    };
    if items.len() > max_items {
        return Err(ApiError::invalid(
            param,
            format!(
                "'{key}' holds at most {max_items} items; got {}.",
                items.len()
            ),
        ));
    }
    for (i, item) in items.iter().enumerate() {
        match item.as_str() {
            Some(s) if s.chars().count() <= max_chars => {}
            _ => {
                return Err(ApiError::invalid(
                    format!("{param}[{i}]"),
                    format!("Each of '{key}' must be a string of at most {max_chars} characters."),
                ));
            }
        }
    }
    Ok(())
}

/// `agent_card`: version 1–32, description ≤2048, 1–16 skills (id 1–64, name 1–128,
/// description ≤2048, ≤5 tags of ≤32, ≤5 examples of ≤1024).
pub fn validate_card(card: &Value) -> Result<(), ApiError> {
    let base = "agent_card";
    let c = object(card, base)?;
    limited(c, "version", base, true, 32)?;
    limited(c, "description", base, false, 2048)?;
    let sp = "agent_card.skills";
    let skills = match field(c, "skills") {
        None => return Err(ApiError::missing(sp)),
        Some(Value::Array(s)) => s,
        Some(_) => return Err(ApiError::invalid(sp, "'skills' must be an array.")),
    };
    if skills.is_empty() || skills.len() > 16 {
        return Err(ApiError::invalid(
            sp,
            format!("'skills' must hold 1 to 16 skills; got {}.", skills.len()),
        ));
    }
    for (i, skill) in skills.iter().enumerate() {
        let p = format!("{sp}[{i}]");
        let s = object(skill, &p)?;
        limited(s, "id", &p, true, 64)?;
        limited(s, "name", &p, true, 128)?;
        limited(s, "description", &p, false, 2048)?;
        limited_list(s, "tags", &p, 5, 32)?;
        limited_list(s, "examples", &p, 5, 1024)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn standing(v: &str) -> VersionStanding {
        match v {
            "1" | "2" => VersionStanding::Usable,
            "3" => VersionStanding::Failed,
            _ => VersionStanding::Missing,
        }
    }

    fn check(e: Value) -> Result<(), String> {
        validate(&e, "bot", standing).map_err(|e| e.param.unwrap_or_default())
    }

    fn rules_of(r: Value) -> Value {
        json!({"version_selector": {"version_selection_rules": r}})
    }

    fn rule(v: &str, p: u64) -> Value {
        json!({"type": "FixedRatio", "agent_version": v, "traffic_percentage": p})
    }

    #[test]
    fn default_endpoint() {
        let r = render(None);
        assert_eq!(
            r,
            json!({"version_selector": {"version_selection_rules": [{"type": "FixedRatio", "agent_version": "@latest", "traffic_percentage": 100}]},
                "protocol_configuration": {"responses": {}}, "authorization_schemes": [{"type": "Entra"}],
                "publish_approval_status": "not_published"})
        );
        assert_eq!(
            traffic(None, Some(4)),
            BTreeMap::from([("4".to_string(), 100)])
        );
        assert!(!is_explicit(None));
    }

    #[test]
    fn selector_rules() {
        check(rules_of(json!([rule("1", 90), rule("2", 10)]))).unwrap();
        check(rules_of(json!([rule("@latest", 100)]))).unwrap();
        check(rules_of(json!([rule("1", 100), rule("3", 0)]))).unwrap();
        let rp = "agent_endpoint.version_selector.version_selection_rules";
        for (rules, param) in [
            (json!([rule("1", 90)]), rp.to_string()),
            (json!([rule("1", 90), rule("2", 20)]), rp.to_string()),
            (json!([]), rp.to_string()),
            (
                json!([rule("1", 101)]),
                format!("{rp}[0].traffic_percentage"),
            ),
            (
                json!([rule("1", 50), rule("1", 50)]),
                format!("{rp}[1].agent_version"),
            ),
            (json!([rule("9", 100)]), format!("{rp}[0].agent_version")),
            (
                json!([rule("1", 50), rule("3", 50)]),
                format!("{rp}[1].agent_version"),
            ),
            (
                json!([{"type": "Weighted", "agent_version": "1", "traffic_percentage": 100}]),
                format!("{rp}[0].type"),
            ),
            (
                json!([{"type": "FixedRatio", "agent_version": "1"}]),
                format!("{rp}[0].traffic_percentage"),
            ),
        ] {
            assert_eq!(
                check(rules_of(rules.clone())).unwrap_err(),
                param,
                "{rules}"
            );
        }
    }

    #[test]
    fn protocols_and_schemes() {
        check(json!({"protocol_configuration": {"responses": {}, "activity": {"enable_m365_public_endpoint": true}},
            "authorization_schemes": [{"type": "Entra"}, {"type": "BotServiceRbac"}]}))
        .unwrap();
        for (e, param) in [
            (
                json!({"protocol_configuration": {}}),
                "agent_endpoint.protocol_configuration",
            ),
            (
                json!({"protocol_configuration": {"smtp": {}}}),
                "agent_endpoint.protocol_configuration.smtp",
            ),
            (
                json!({"protocol_configuration": {"responses": {"x": 1}}}),
                "agent_endpoint.protocol_configuration.responses.x",
            ),
            (
                json!({"protocol_configuration": {"activity": {"enable_m365_public_endpoint": "yes"}}}),
                "agent_endpoint.protocol_configuration.activity.enable_m365_public_endpoint",
            ),
            (
                json!({"authorization_schemes": []}),
                "agent_endpoint.authorization_schemes",
            ),
            (
                json!({"authorization_schemes": [{"type": "ApiKey"}]}),
                "agent_endpoint.authorization_schemes[0].type",
            ),
            (
                json!({"authorization_schemes": [{"type": "Entra"}, {"type": "Entra"}]}),
                "agent_endpoint.authorization_schemes[1].type",
            ),
            (
                json!({"authorization_schemes": [{"type": "Entra", "isolation_key_source": {"kind": "Entra"}}]}),
                "agent_endpoint.authorization_schemes[0].isolation_key_source",
            ),
            (
                json!({"protocols": ["responses"]}),
                "agent_endpoint.protocols",
            ),
        ] {
            assert_eq!(check(e.clone()).unwrap_err(), param, "{e}");
        }
    }

    #[test]
    fn merge_patch_semantics() {
        let stored = json!({"version_selector": {"version_selection_rules": [rule("1", 100)]},
            "protocol_configuration": {"responses": {}, "a2a": {}}});
        // protocol_configuration is replaced, not merged; untouched parts stay.
        let next = patch(
            Some(&stored),
            &json!({"protocol_configuration": {"mcp": {}}}),
        )
        .unwrap();
        assert_eq!(next["protocol_configuration"], json!({"mcp": {}}));
        assert_eq!(next["version_selector"], stored["version_selector"]);
        // null removes: the default comes back.
        let next = patch(Some(&stored), &json!({"version_selector": null})).unwrap();
        assert!(!is_explicit(Some(&next)));
        assert_eq!(rules(Some(&next)), vec![("@latest".to_string(), 100)]);
        assert_eq!(patch(Some(&stored), &Value::Null), None);
        // Read-only fields echoed back from a GET are dropped.
        let next = patch(
            None,
            &json!({"publish_approval_status": "approved",
            "protocol_configuration": {"activity": {"access_boundaries": ["x"]}}}),
        )
        .unwrap();
        assert_eq!(next, json!({"protocol_configuration": {"activity": {}}}));
        let card = patch_card(
            None,
            &json!({"version": "1", "skills": [{"id": "a", "name": "A"}]}),
        )
        .unwrap();
        let card = patch_card(Some(&card), &json!({"description": "d"})).unwrap();
        assert_eq!(card["skills"][0]["id"], "a");
    }

    #[test]
    fn traffic_resolution() {
        let e = rules_of(json!([rule("@latest", 10), rule("1", 90), rule("2", 0)]));
        assert_eq!(
            traffic(Some(&e), Some(5)),
            BTreeMap::from([("1".to_string(), 90), ("5".to_string(), 10)])
        );
    }

    #[test]
    fn card_limits() {
        let ok = |c: Value| validate_card(&c).map_err(|e| e.param.unwrap_or_default());
        let skill = json!({"id": "s", "name": "Skill", "description": "d", "tags": ["t"], "examples": ["e"]});
        ok(json!({"version": "1.0.0", "skills": [skill]})).unwrap();
        for (card, param) in [
            (json!({"skills": [skill]}), "agent_card.version"),
            (
                json!({"version": "v".repeat(33), "skills": [skill]}),
                "agent_card.version",
            ),
            (
                json!({"version": "", "skills": [skill]}),
                "agent_card.version",
            ),
            (
                json!({"version": "1", "description": "d".repeat(2049), "skills": [skill]}),
                "agent_card.description",
            ),
            (json!({"version": "1", "skills": []}), "agent_card.skills"),
            (
                json!({"version": "1", "skills": vec![skill.clone(); 17]}),
                "agent_card.skills",
            ),
            (
                json!({"version": "1", "skills": [{"name": "n"}]}),
                "agent_card.skills[0].id",
            ),
            (
                json!({"version": "1", "skills": [{"id": "i".repeat(65), "name": "n"}]}),
                "agent_card.skills[0].id",
            ),
            (
                json!({"version": "1", "skills": [{"id": "i", "name": "n".repeat(129)}]}),
                "agent_card.skills[0].name",
            ),
            (
                json!({"version": "1", "skills": [{"id": "i", "name": "n", "tags": vec!["a"; 6]}]}),
                "agent_card.skills[0].tags",
            ),
            (
                json!({"version": "1", "skills": [{"id": "i", "name": "n", "tags": ["t".repeat(33)]}]}),
                "agent_card.skills[0].tags[0]",
            ),
            (
                json!({"version": "1", "skills": [{"id": "i", "name": "n", "examples": ["e".repeat(1025)]}]}),
                "agent_card.skills[0].examples[0]",
            ),
        ] {
            assert_eq!(ok(card.clone()).unwrap_err(), param, "{card}");
        }
    }
}
