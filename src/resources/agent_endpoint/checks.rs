//! Checks of `azureai_agent_endpoint` beyond types: the validators the schema declares (one
//! argument each), the rules across arguments (`terraform validate`), the rules of the
//! configured API version (plan), and the traffic rules once more at apply, when values other
//! resources compute (a new version's number) are known.
//!
//! The rules themselves live in `domain::endpoint`; this file turns values into its inputs.

use crate::domain::ApiVersion;
use crate::domain::endpoint::{self, CARD, DEFAULT_PROTOCOL, TrafficEntry};
use crate::domain::rules::Field;
use crate::framework::{AttrPath, Diagnostics, Value};

fn str_field(v: &Value) -> Field<&str> {
    match v {
        Value::Null => Field::Null,
        Value::String(s) => Field::Known(s),
        _ => Field::Unknown,
    }
}

/// Elements of a set or list of strings (unknown ones as [`Field::Unknown`]).
fn names(v: &Value) -> Vec<Field<&str>> {
    v.as_elements()
        .unwrap_or_default()
        .iter()
        .map(str_field)
        .collect()
}

/// Validator of `traffic.percent`.
pub fn percent(v: &Value, at: &AttrPath, d: &mut Diagnostics) {
    if let Some(n) = v.as_number() {
        endpoint::percent(n.as_f64(), at, d);
    }
}

/// Validator of `traffic.version`.
pub fn traffic_version(v: &str, at: &AttrPath, d: &mut Diagnostics) {
    endpoint::traffic_version(v, at, d);
}

/// Validator of the `traffic` blocks together: no version twice, percentages adding up to 100
/// (each once its values are known).
pub fn traffic(v: &Value, at: &AttrPath, d: &mut Diagnostics) {
    let Some(blocks) = v.as_elements() else {
        return;
    };
    let entries: Vec<TrafficEntry<'_>> = blocks
        .iter()
        .map(|b| {
            if b.is_unknown() {
                return TrafficEntry {
                    version: Field::Unknown,
                    percent: Field::Unknown,
                };
            }
            TrafficEntry {
                version: str_field(b.get("version")),
                percent: match b.get("percent") {
                    Value::Null => Field::Null,
                    Value::Number(n) => Field::Known(
                        n.as_f64()
                            .filter(|p| p.fract() == 0.0 && p.abs() < 1e15)
                            .map(|p| p as i64),
                    ),
                    _ => Field::Unknown,
                },
            }
        })
        .collect();
    endpoint::traffic(&entries, at, d);
}

/// Validator of `protocols`.
pub fn protocols(v: &Value, at: &AttrPath, d: &mut Diagnostics) {
    endpoint::protocols(&names(v), at, d);
}

/// Validator of `authorization_schemes`.
pub fn authorization_schemes(v: &Value, at: &AttrPath, d: &mut Diagnostics) {
    endpoint::authorization_schemes(&names(v), at, d);
}

/// Validators of the agent card's texts and lists.
pub fn card_version(v: &str, at: &AttrPath, d: &mut Diagnostics) {
    endpoint::card_text(v, CARD.version_chars, "version", at, d);
}
pub fn card_description(v: &str, at: &AttrPath, d: &mut Diagnostics) {
    endpoint::card_text(v, (0, CARD.description_chars), "description", at, d);
}
pub fn skill_id(v: &str, at: &AttrPath, d: &mut Diagnostics) {
    endpoint::card_text(v, CARD.skill_id_chars, "skill id", at, d);
}
pub fn skill_name(v: &str, at: &AttrPath, d: &mut Diagnostics) {
    endpoint::card_text(v, CARD.skill_name_chars, "skill name", at, d);
}
pub fn skill_description(v: &str, at: &AttrPath, d: &mut Diagnostics) {
    endpoint::card_text(
        v,
        (0, CARD.skill_description_chars),
        "skill description",
        at,
        d,
    );
}
pub fn skill_tags(v: &Value, at: &AttrPath, d: &mut Diagnostics) {
    endpoint::card_list(&names(v), CARD.tags, CARD.tag_chars, "tags", at, d);
}
pub fn skill_examples(v: &Value, at: &AttrPath, d: &mut Diagnostics) {
    endpoint::card_list(
        &names(v),
        CARD.examples,
        CARD.example_chars,
        "examples",
        at,
        d,
    );
}

/// The protocols a configuration enables, `None` while any is unknown. Left out, they are
/// the default (`responses`).
fn known_protocols(config: &Value) -> Option<Vec<&str>> {
    match config.get("protocols") {
        Value::Null => Some(vec![DEFAULT_PROTOCOL]),
        v => v
            .as_elements()?
            .iter()
            .map(Value::as_str)
            .collect::<Option<Vec<&str>>>(),
    }
}

/// Rules across arguments that need no provider configuration (`terraform validate`).
pub fn resource_rules(config: &Value) -> Diagnostics {
    let mut d = Diagnostics::new();
    if !config.get("activity_m365_public_endpoint").is_null() {
        endpoint::m365_public_endpoint(
            known_protocols(config).as_deref(),
            &AttrPath::root("activity_m365_public_endpoint"),
            &mut d,
        );
    }
    d
}

/// Rules of the configured API version (plan): the endpoint exists only under `v1`.
pub fn api_version_rules(api_version: ApiVersion) -> Diagnostics {
    let mut d = Diagnostics::new();
    if api_version != ApiVersion::V1 {
        d.error_at(
            AttrPath::root("agent_name"),
            "Agent endpoint needs the v1 API",
            format!(
                "azureai_agent_endpoint configures the agent endpoint of api_version \"v1\" (traffic between versions, protocols, authorization, enable/disable); the provider is configured with api_version {:?}, which has no agent endpoint. Set api_version = \"v1\" in the provider block (a second provider block with an alias works too).",
                api_version.as_str()
            ),
        );
    }
    d
}

/// Everything checked again right before a create or update is sent: values unknown at plan
/// (a version created in the same apply) are known now, and nothing may reach the service
/// unchecked.
pub fn apply_rules(planned: &Value) -> Diagnostics {
    let mut d = Diagnostics::new();
    let traffic_at = AttrPath::root("traffic");
    if let Some(blocks) = planned.get("traffic").as_elements() {
        for (i, b) in blocks.iter().enumerate() {
            let at = traffic_at.clone().index(i);
            match b.get("version").as_str() {
                Some(v) => traffic_version(v, &at.clone().attr("version"), &mut d),
                None => d.error_at(
                    at.clone().attr("version"),
                    "Invalid traffic version",
                    "The version of this traffic block was still unknown when the change was applied.",
                ),
            }
            percent(b.get("percent"), &at.attr("percent"), &mut d);
        }
    }
    traffic(planned.get("traffic"), &traffic_at, &mut d);
    d.extend_unique(resource_rules(planned));
    d
}
