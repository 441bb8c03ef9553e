//! Mapping between Terraform values of `azureai_agent_endpoint` and the agents API models:
//! the merge-patch from a plan, and the state from an agent object. The `azureai_agent` data
//! source reuses it, so an endpoint reads the same in both.
//!
//! Reading normalises what the service may show in another form: its default selector appears
//! either as no selector or as one `@latest` rule at 100 %, and both read as no `traffic`
//! blocks; rules in another order, an unset description read back as `""`, and
//! `enable_m365_public_endpoint = false` read back as absent keep the spelling of the prior
//! state or plan, so plans stay empty.

use std::collections::BTreeMap;

use url::Url;

use super::SCHEMA;
use crate::agents::{
    Agent, AgentCard, AgentEndpoint, AgentSkill, EndpointSettings, ProtocolSetting, SelectionRule,
};
use crate::domain::endpoint::{
    ACTIVITY, DEFAULT_AUTHORIZATION_SCHEME, DEFAULT_PROTOCOL, LATEST, TOTAL_PERCENT, protocol_path,
};
use crate::framework::{Block, Value};
use crate::resources::hosted_agent_version::model::empty_is_unset;
use crate::resources::shared::api_errors::ParamPaths;

/// The request fields a service error may blame, and the arguments they come from.
pub const PARAM_FIELDS: &[(&str, &str)] = &[
    (
        "agent_endpoint.version_selector.version_selection_rules",
        "traffic",
    ),
    ("agent_endpoint.version_selector", "traffic"),
    (
        "agent_endpoint.protocol_configuration.activity.enable_m365_public_endpoint",
        "activity_m365_public_endpoint",
    ),
    ("agent_endpoint.protocol_configuration", "protocols"),
    (
        "agent_endpoint.authorization_schemes",
        "authorization_schemes",
    ),
    ("agent_card", "agent_card"),
];

/// Where a service error's `param` points in this resource's arguments.
pub fn param_paths() -> ParamPaths {
    ParamPaths {
        fields: PARAM_FIELDS,
        schema: &SCHEMA.block,
    }
}

/// The api-version every endpoint URL carries (the endpoint exists only under `v1`).
const URL_API_VERSION: &str = "v1";

/// The URL clients call for each protocol the endpoint serves (protocols the provider does not
/// know a path for are left out): `{project}/agents/{name}/endpoint/protocols/<path>?api-version=v1`,
/// with `wss://` (or `ws://`) for `invocations_ws`.
pub fn urls<'a>(project: &Url, agent: &str, protocols: impl IntoIterator<Item = &'a str>) -> Value {
    let mut out = BTreeMap::new();
    for p in protocols {
        let Some((path, websocket)) = protocol_path(p) else {
            continue;
        };
        let mut url = project.clone();
        let Ok(mut segments) = url.path_segments_mut() else {
            continue;
        };
        segments
            .pop_if_empty()
            .extend(["agents", agent, "endpoint", "protocols"])
            .extend(path.split('/'));
        drop(segments);
        url.set_query(Some(&format!("api-version={URL_API_VERSION}")));
        if websocket {
            let scheme = if url.scheme() == "http" { "ws" } else { "wss" };
            // http(s) → ws(s) stays within the special schemes, which the url crate allows.
            let _ = url.set_scheme(scheme);
        }
        out.insert(p.to_owned(), Value::String(url.to_string()));
    }
    Value::Map(out)
}

/// Planned `urls`, when the agent name and protocols are known.
pub fn planned_urls(project: &Url, planned: &Value) -> Value {
    let (Some(agent), Some(protocols)) = (
        planned.get("agent_name").as_str(),
        planned.get("protocols").as_string_list(),
    ) else {
        return Value::Unknown;
    };
    urls(project, agent, protocols.iter().map(String::as_str))
}

fn strings(v: &Value) -> Vec<String> {
    v.as_string_list().unwrap_or_default()
}

fn opt_string(v: &Value) -> Option<String> {
    v.as_str().map(str::to_owned)
}

/// The whole endpoint configuration a plan describes (every value known: apply checked).
pub fn settings_from_plan(planned: &Value) -> EndpointSettings {
    let rules = planned
        .get("traffic")
        .as_elements()
        .unwrap_or_default()
        .iter()
        .map(|b| {
            SelectionRule::fixed_ratio(
                b.get("version").as_str().unwrap_or_default(),
                b.get("percent")
                    .as_number()
                    .and_then(|n| n.as_i64())
                    .unwrap_or_default(),
            )
        })
        .collect();
    let m365 = planned.get("activity_m365_public_endpoint").as_bool();
    let mut protocols: Vec<ProtocolSetting> = strings(planned.get("protocols"))
        .into_iter()
        .map(|protocol| ProtocolSetting {
            enable_m365_public_endpoint: if protocol == ACTIVITY { m365 } else { None },
            protocol,
        })
        .collect();
    if protocols.is_empty() {
        protocols.push(ProtocolSetting {
            protocol: DEFAULT_PROTOCOL.to_owned(),
            enable_m365_public_endpoint: None,
        });
    }
    let mut authorization_schemes = strings(planned.get("authorization_schemes"));
    if authorization_schemes.is_empty() {
        authorization_schemes.push(DEFAULT_AUTHORIZATION_SCHEME.to_owned());
    }
    let card = planned.get("agent_card");
    let agent_card = (!card.is_null()).then(|| AgentCard {
        version: card.get("version").as_str().unwrap_or_default().to_owned(),
        description: opt_string(card.get("description")),
        skills: card
            .get("skill")
            .as_elements()
            .unwrap_or_default()
            .iter()
            .map(|s| AgentSkill {
                id: s.get("id").as_str().unwrap_or_default().to_owned(),
                name: s.get("name").as_str().unwrap_or_default().to_owned(),
                description: opt_string(s.get("description")),
                tags: s.get("tags").as_string_list(),
                examples: s.get("examples").as_string_list(),
                ..AgentSkill::default()
            })
            .collect(),
        ..AgentCard::default()
    });
    EndpointSettings {
        rules,
        protocols,
        authorization_schemes,
        agent_card,
    }
}

/// The arguments a PATCH sends (everything but `agent_name`, `enabled` and `timeouts`).
pub const SENT: &[&str] = &[
    "traffic",
    "protocols",
    "activity_m365_public_endpoint",
    "authorization_schemes",
    "agent_card",
];

/// Whether `planned` changes anything the PATCH sends, compared with `prior`.
pub fn settings_changed(prior: &Value, planned: &Value) -> bool {
    SENT.iter().any(|name| {
        !SCHEMA
            .block
            .equivalent(name, prior.get(name), planned.get(name))
    })
}

/// `(version, percent)` pairs of a `traffic` value; the service's default (one `@latest` rule
/// at 100 %) is no pairs. `None` when anything is unknown or malformed.
fn traffic_pairs(v: &Value) -> Option<Vec<(String, String)>> {
    if v.is_null() {
        return Some(Vec::new());
    }
    let mut pairs: Vec<(String, String)> = v
        .as_elements()?
        .iter()
        .map(|b| {
            let version = b.get("version").as_str()?.to_owned();
            let percent = b.get("percent").as_number()?.as_f64()?.to_string();
            Some((version, percent))
        })
        .collect::<Option<_>>()?;
    if pairs == [(LATEST.to_owned(), (TOTAL_PERCENT as f64).to_string())] {
        pairs.clear();
    }
    pairs.sort();
    Some(pairs)
}

/// Equivalence of `traffic` values: the same rules in any order; the default selector in
/// either form equals no blocks.
pub fn same_traffic(a: &Value, b: &Value) -> bool {
    matches!((traffic_pairs(a), traffic_pairs(b)), (Some(x), Some(y)) if x == y)
}

/// Equivalence of `activity_m365_public_endpoint`: unset means off.
pub fn unset_is_false(a: &Value, b: &Value) -> bool {
    let off = |v: &Value| v.is_null() || v.as_bool() == Some(false);
    a == b || (off(a) && off(b))
}

/// Equivalence of the `agent_card` block: `""` and `[]` read back for what was left unset.
pub fn same_card(a: &Value, b: &Value) -> bool {
    empty_is_unset(a, b)
}

/// The `traffic` value of an endpoint: its explicit rules, or no blocks for the default
/// selector (no selector, or one `@latest` rule at 100 %).
fn traffic_value(endpoint: Option<&AgentEndpoint>) -> Value {
    let rules = endpoint
        .and_then(|e| e.version_selector.as_ref())
        .map(|s| s.version_selection_rules.as_slice())
        .unwrap_or_default();
    let is_default = rules.is_empty()
        || matches!(rules, [only] if only.agent_version == LATEST && only.traffic_percentage == TOTAL_PERCENT);
    if is_default {
        return Value::List(Vec::new());
    }
    Value::List(
        rules
            .iter()
            .map(|r| {
                Value::object([
                    ("version", Value::string(r.agent_version.clone())),
                    ("percent", Value::int(r.traffic_percentage)),
                ])
            })
            .collect(),
    )
}

fn string_set(items: impl IntoIterator<Item = String>) -> Value {
    let mut items: Vec<String> = items.into_iter().collect();
    items.sort();
    items.dedup();
    Value::Set(items.into_iter().map(Value::String).collect())
}

fn non_empty(s: &Option<String>) -> Value {
    s.clone()
        .filter(|s| !s.is_empty())
        .map(Value::String)
        .unwrap_or(Value::Null)
}

fn list_or_null(items: &Option<Vec<String>>) -> Value {
    match items {
        Some(items) if !items.is_empty() => {
            Value::List(items.iter().cloned().map(Value::String).collect())
        }
        _ => Value::Null,
    }
}

fn card_value(card: Option<&AgentCard>) -> Value {
    let Some(card) = card else {
        return Value::Null;
    };
    Value::object([
        ("version", Value::string(card.version.clone())),
        ("description", non_empty(&card.description)),
        (
            "skill",
            Value::List(
                card.skills
                    .iter()
                    .map(|s| {
                        Value::object([
                            ("id", Value::string(s.id.clone())),
                            ("name", Value::string(s.name.clone())),
                            ("description", non_empty(&s.description)),
                            ("tags", list_or_null(&s.tags)),
                            ("examples", list_or_null(&s.examples)),
                        ])
                    })
                    .collect(),
            ),
        ),
    ])
}

/// The endpoint arguments of an agent, in the resource's shape: `traffic`, `protocols`,
/// `activity_m365_public_endpoint`, `authorization_schemes`, `enabled`, `agent_card`. Parts the
/// service leaves out read as its defaults.
pub fn endpoint_values(agent: &Agent) -> Vec<(&'static str, Value)> {
    let e = agent.agent_endpoint.as_ref();
    let protocols = e
        .and_then(AgentEndpoint::protocols)
        .unwrap_or_else(|| vec![DEFAULT_PROTOCOL.to_owned()]);
    let schemes = e
        .and_then(AgentEndpoint::authorization_scheme_types)
        .unwrap_or_else(|| vec![DEFAULT_AUTHORIZATION_SCHEME.to_owned()]);
    vec![
        ("traffic", traffic_value(e)),
        ("protocols", string_set(protocols)),
        (
            "activity_m365_public_endpoint",
            e.and_then(AgentEndpoint::m365_public_endpoint)
                .map(Value::Bool)
                .unwrap_or(Value::Null),
        ),
        ("authorization_schemes", string_set(schemes)),
        ("enabled", Value::Bool(agent.is_enabled())),
        ("agent_card", card_value(agent.agent_card.as_ref())),
    ]
}

/// The state of an endpoint as the service returned its agent. `prior` is the state or plan
/// this read follows (none on import): its spelling wins for every argument the service
/// returned an equivalent value for, and it supplies `timeouts`.
pub fn state_from_agent(agent: &Agent, prior: Option<&Value>, project: &Url) -> Value {
    let block: &Block = &SCHEMA.block;
    let mut state = block.null_value();
    state.set("agent_name", Value::string(agent.name.clone()));
    for (name, fresh) in endpoint_values(agent) {
        let kept = match prior.map(|p| p.get(name)) {
            Some(p) if block.equivalent(name, p, &fresh) => p.clone(),
            _ => fresh,
        };
        state.set(name, kept);
    }
    state.set("id", Value::string(agent.name.clone()));
    state.set(
        "state",
        Value::string(agent.state.clone().unwrap_or_else(|| {
            if agent.is_enabled() {
                "enabled".to_owned()
            } else {
                "disabled".to_owned()
            }
        })),
    );
    let protocols = strings(state.get("protocols"));
    state.set(
        "urls",
        urls(project, &agent.name, protocols.iter().map(String::as_str)),
    );
    state.set(
        "timeouts",
        prior
            .map(|p| p.get("timeouts").clone())
            .filter(Value::is_wholly_known)
            .unwrap_or(Value::Null),
    );
    state
}
