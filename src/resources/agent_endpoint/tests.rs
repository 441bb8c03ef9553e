//! Validate, plan and read of `azureai_agent_endpoint` without any service: the rules reach
//! the right paths, defaults and computed values are planned, the service's forms of the
//! default read as no traffic blocks, and an update plans in place.

use std::sync::Arc;

use azure_core::credentials::{AccessToken, TokenCredential, TokenRequestOptions};

use super::*;
use crate::agents::{Client, ClientOptions};
use crate::framework::plan::propose;
use crate::framework::schema::internal_validate;
use crate::framework::{Severity, run};
use crate::provider::Configured;

const PROJECT: &str = "https://acct.services.ai.azure.com/api/projects/demo";

#[derive(Debug)]
struct NoToken;

#[async_trait]
impl TokenCredential for NoToken {
    async fn get_token(
        &self,
        _: &[&str],
        _: Option<TokenRequestOptions<'_>>,
    ) -> azure_core::Result<AccessToken> {
        unreachable!("plans make no calls")
    }
}

fn resource(api: crate::domain::ApiVersion) -> AgentEndpointResource {
    let handle = ProviderHandle::default();
    let mut opts = ClientOptions::new(PROJECT.parse().unwrap(), Arc::new(NoToken));
    opts.api_version = api;
    handle.set(Configured::new(Client::new(opts).unwrap()));
    AgentEndpointResource::new(handle)
}

fn v1() -> AgentEndpointResource {
    resource(crate::domain::ApiVersion::V1)
}

fn rule(version: &str, percent: i64) -> Value {
    Value::object([
        ("version", Value::string(version)),
        ("percent", Value::int(percent)),
    ])
}

fn config(pairs: &[(&str, Value)]) -> Value {
    let mut v = SCHEMA.block.null_value();
    v.set("agent_name", Value::string("bot"));
    for (k, val) in pairs {
        v.set(k, val.clone());
    }
    v
}

fn errors(d: &Diagnostics) -> Vec<(String, String)> {
    d.iter()
        .filter(|d| d.severity == Severity::Error)
        .map(|d| {
            (
                d.summary.to_string(),
                d.path.as_ref().map(ToString::to_string).unwrap_or_default(),
            )
        })
        .collect()
}

async fn plan(r: &AgentEndpointResource, prior: &Value, config: &Value) -> PlanResponse {
    run::plan_resource(
        r,
        &Ctx::default(),
        PlanRequest {
            prior_state: prior.clone(),
            proposed_new_state: propose(&SCHEMA.block, prior, config),
            config: config.clone(),
            prior_private: vec![],
        },
    )
    .await
}

#[test]
fn the_schema_has_the_fixed_names_and_an_update() {
    let r = v1();
    assert_eq!(r.type_name(), "azureai_agent_endpoint");
    assert!(r.has_update());
    for n in [
        "id",
        "agent_name",
        "protocols",
        "activity_m365_public_endpoint",
        "authorization_schemes",
        "enabled",
        "state",
        "urls",
    ] {
        assert!(SCHEMA.block.find_attribute(n).is_some(), "{n}");
    }
    for b in ["traffic", "agent_card", "timeouts"] {
        assert!(SCHEMA.block.find_block(b).is_some(), "{b}");
    }
    assert!(internal_validate(TYPE_NAME, &SCHEMA, true).is_empty());
    // Only agent_name replaces the endpoint; the rest is updated in place.
    let replaced: Vec<String> = SCHEMA
        .block
        .arguments()
        .filter(|a| a.on_change() == crate::framework::OnChange::Replace)
        .map(|a| a.name().to_owned())
        .collect();
    assert_eq!(replaced, ["agent_name"]);
    let protocols = SCHEMA.block.find_attribute("protocols").unwrap();
    assert!(
        protocols
            .description
            .ends_with("Default `[\"responses\"]`."),
        "{}",
        protocols.description
    );
}

#[test]
fn validate_reports_each_bad_input_at_its_attribute() {
    let r = v1();
    let cases = [
        (
            config(&[("traffic", Value::List(vec![rule("1", 90), rule("2", 20)]))]),
            ("Invalid traffic split", "traffic[1].percent"),
        ),
        (
            config(&[("traffic", Value::List(vec![rule("1", 50), rule("1", 50)]))]),
            ("Duplicate traffic version", "traffic[1].version"),
        ),
        (
            config(&[("traffic", Value::List(vec![rule("1", 101), rule("2", -1)]))]),
            ("Invalid traffic percent", "traffic[0].percent"),
        ),
        (
            config(&[(
                "protocols",
                Value::Set(vec![Value::string("responses"), Value::string("smtp")]),
            )]),
            ("Invalid protocol", "protocols"),
        ),
        (
            config(&[(
                "authorization_schemes",
                Value::Set(vec![Value::string("ApiKey")]),
            )]),
            ("Invalid authorization scheme", "authorization_schemes"),
        ),
        (
            config(&[("activity_m365_public_endpoint", Value::Bool(true))]),
            (
                "Invalid activity_m365_public_endpoint",
                "activity_m365_public_endpoint",
            ),
        ),
        (
            config(&[(
                "agent_card",
                Value::object([
                    ("version", Value::string("v".repeat(33))),
                    ("description", Value::Null),
                    ("skill", Value::List(vec![])),
                ]),
            )]),
            ("Invalid agent card", "agent_card.version"),
        ),
    ];
    for (c, (summary, path)) in cases {
        let found = errors(&run::validate_resource(
            &r,
            &c,
            &crate::framework::ClientCapabilities::default(),
        ));
        assert!(
            found.contains(&(summary.to_owned(), path.to_owned())),
            "{summary} at {path}: {found:?}"
        );
    }
    let good = config(&[
        ("traffic", Value::List(vec![rule("1", 90), rule("2", 10)])),
        (
            "protocols",
            Value::Set(vec![Value::string("activity"), Value::string("responses")]),
        ),
        ("activity_m365_public_endpoint", Value::Bool(true)),
    ]);
    assert!(
        errors(&run::validate_resource(
            &r,
            &good,
            &crate::framework::ClientCapabilities::default()
        ))
        .is_empty()
    );
}

#[tokio::test]
async fn unknown_versions_are_checked_at_apply_and_known_sums_at_plan() {
    let r = v1();
    let unknown = Value::object([("version", Value::Unknown), ("percent", Value::int(10))]);
    let c = config(&[("traffic", Value::List(vec![rule("1", 90), unknown.clone()]))]);
    let p = plan(&r, &Value::Null, &c).await;
    assert!(errors(&p.diagnostics).is_empty(), "{:?}", p.diagnostics);
    let wrong = config(&[("traffic", Value::List(vec![rule("1", 95), unknown]))]);
    let p = plan(&r, &Value::Null, &wrong).await;
    assert_eq!(
        errors(&p.diagnostics),
        [(
            "Invalid traffic split".to_owned(),
            "traffic[1].percent".to_owned()
        )]
    );
    // At apply the new version's number is known, and a duplicate is caught before sending.
    let mut planned = p.planned_state.clone();
    planned.set("traffic", Value::List(vec![rule("1", 50), rule("1", 50)]));
    assert_eq!(
        errors(&checks::apply_rules(&planned)),
        [(
            "Duplicate traffic version".to_owned(),
            "traffic[1].version".to_owned()
        )]
    );
}

#[tokio::test]
async fn the_preview_api_has_no_endpoint() {
    let r = resource(crate::domain::ApiVersion::Preview);
    let p = plan(&r, &Value::Null, &config(&[])).await;
    assert_eq!(
        errors(&p.diagnostics),
        [(
            "Agent endpoint needs the v1 API".to_owned(),
            "agent_name".to_owned()
        )]
    );
    assert!(
        p.diagnostics
            .iter()
            .next()
            .unwrap()
            .detail
            .contains("api_version = \"v1\"")
    );
}

#[tokio::test]
async fn create_plans_defaults_id_and_urls() {
    let r = v1();
    let p = plan(&r, &Value::Null, &config(&[])).await;
    assert!(p.diagnostics.is_empty(), "{:?}", p.diagnostics);
    let s = &p.planned_state;
    assert_eq!(s.get("id"), &Value::string("bot"));
    assert_eq!(s.get("enabled"), &Value::Bool(true));
    assert_eq!(
        s.get("protocols"),
        &Value::Set(vec![Value::string("responses")])
    );
    assert_eq!(
        s.get("authorization_schemes"),
        &Value::Set(vec![Value::string("Entra")])
    );
    assert!(s.get("state").is_unknown());
    assert_eq!(
        s.get("urls").as_map().unwrap()["responses"],
        Value::string(format!(
            "{PROJECT}/agents/bot/endpoint/protocols/openai/responses?api-version=v1"
        ))
    );
}

/// The state an apply of `config` would leave.
fn applied(config: &Value) -> Value {
    let mut s = config.clone();
    s.set("id", Value::string("bot"));
    s.set("state", Value::string("enabled"));
    s.set("enabled", Value::Bool(true));
    s.set("protocols", Value::Set(vec![Value::string("responses")]));
    s.set(
        "authorization_schemes",
        Value::Set(vec![Value::string("Entra")]),
    );
    s.set(
        "urls",
        model::urls(&PROJECT.parse().unwrap(), "bot", ["responses"]),
    );
    s
}

#[tokio::test]
async fn updates_plan_in_place_and_only_enabled_makes_state_unknown() {
    let r = v1();
    let c = config(&[("traffic", Value::List(vec![rule("1", 100)]))]);
    let prior = applied(&c);
    let p = plan(&r, &prior, &c).await;
    assert_eq!(p.planned_state, prior, "nothing changed");
    let moved = config(&[("traffic", Value::List(vec![rule("1", 90), rule("2", 10)]))]);
    let p = plan(&r, &prior, &moved).await;
    assert!(p.requires_replace.is_empty());
    assert_eq!(p.planned_state.get("state"), &Value::string("enabled"));
    let mut disabled = c.clone();
    disabled.set("enabled", Value::Bool(false));
    let p = plan(&r, &prior, &disabled).await;
    assert!(p.requires_replace.is_empty());
    assert!(p.planned_state.get("state").is_unknown());
    let mut more = c.clone();
    more.set(
        "protocols",
        Value::Set(vec![
            Value::string("responses"),
            Value::string("invocations_ws"),
        ]),
    );
    let p = plan(&r, &prior, &more).await;
    let urls = p.planned_state.get("urls").as_map().unwrap().clone();
    assert_eq!(
        urls["invocations_ws"],
        Value::string(
            "wss://acct.services.ai.azure.com/api/projects/demo/agents/bot/endpoint/protocols/invocations_ws?api-version=v1"
        )
    );
    let mut other = c.clone();
    other.set("agent_name", Value::string("other"));
    let p = plan(&r, &prior, &other).await;
    assert_eq!(p.requires_replace, [AttrPath::root("agent_name")]);
}

fn agent(endpoint: serde_json::Value) -> Agent {
    serde_json::from_value(serde_json::json!({
        "object": "agent", "id": "bot", "name": "bot", "state": "enabled",
        "configuration_state": "enabled", "versions": {"latest": null},
        "agent_endpoint": endpoint
    }))
    .unwrap()
}

#[test]
fn the_default_selector_in_either_form_reads_as_no_traffic() {
    let project: url::Url = PROJECT.parse().unwrap();
    for e in [
        serde_json::json!({}),
        serde_json::json!({"version_selector": {"version_selection_rules": [
            {"type": "FixedRatio", "agent_version": "@latest", "traffic_percentage": 100}]}}),
    ] {
        let s = state_from_agent(&agent(e.clone()), None, &project);
        assert_eq!(s.get("traffic"), &Value::List(vec![]), "{e}");
        assert_eq!(
            s.get("protocols"),
            &Value::Set(vec![Value::string("responses")])
        );
        assert_eq!(s.get("enabled"), &Value::Bool(true));
    }
    // Rules in another order keep the configured order; a real change shows.
    let split = agent(
        serde_json::json!({"version_selector": {"version_selection_rules": [
        {"type": "FixedRatio", "agent_version": "2", "traffic_percentage": 10},
        {"type": "FixedRatio", "agent_version": "1", "traffic_percentage": 90}]}}),
    );
    let prior = applied(&config(&[(
        "traffic",
        Value::List(vec![rule("1", 90), rule("2", 10)]),
    )]));
    let s = state_from_agent(&split, Some(&prior), &project);
    assert_eq!(s.get("traffic"), prior.get("traffic"));
    let prior = applied(&config(&[("traffic", Value::List(vec![rule("1", 100)]))]));
    let s = state_from_agent(&split, Some(&prior), &project);
    assert_eq!(
        s.get("traffic"),
        &Value::List(vec![rule("2", 10), rule("1", 90)]),
        "drift"
    );
    // An explicit `@latest` at 100 % in the configuration reads back unchanged.
    let latest = applied(&config(&[(
        "traffic",
        Value::List(vec![rule("@latest", 100)]),
    )]));
    let s = state_from_agent(&agent(serde_json::json!({})), Some(&latest), &project);
    assert_eq!(s.get("traffic"), latest.get("traffic"));
}

#[test]
fn a_patch_carries_the_whole_configuration() {
    let mut planned = applied(&config(&[
        ("traffic", Value::List(vec![rule("3", 100)])),
        ("activity_m365_public_endpoint", Value::Bool(true)),
    ]));
    planned.set(
        "protocols",
        Value::Set(vec![Value::string("activity"), Value::string("a2a")]),
    );
    let body = AgentPatch::Set(model::settings_from_plan(&planned)).to_json();
    assert_eq!(
        body["agent_endpoint"],
        serde_json::json!({
            "version_selector": {"version_selection_rules": [
                {"type": "FixedRatio", "agent_version": "3", "traffic_percentage": 100}]},
            "protocol_configuration": {"a2a": {}, "activity": {"enable_m365_public_endpoint": true}},
            "authorization_schemes": [{"type": "Entra"}]
        })
    );
    assert_eq!(body["agent_card"], serde_json::Value::Null);
    let prior = planned.clone();
    let mut only_enabled = planned.clone();
    only_enabled.set("enabled", Value::Bool(false));
    assert!(!model::settings_changed(&prior, &only_enabled));
    let mut reordered = planned.clone();
    reordered.set(
        "protocols",
        Value::Set(vec![Value::string("a2a"), Value::string("activity")]),
    );
    assert!(!model::settings_changed(&prior, &reordered));
    reordered.set("traffic", Value::List(vec![]));
    assert!(model::settings_changed(&prior, &reordered));
}

#[test]
fn service_errors_point_at_the_argument_they_blame() {
    let p = model::param_paths();
    let path = |param: &str| p.path(param).map(|p| p.to_string());
    assert_eq!(
        path("agent_endpoint.version_selector.version_selection_rules[1].agent_version").as_deref(),
        Some("traffic[1]")
    );
    assert_eq!(
        path("agent_endpoint.version_selector.version_selection_rules").as_deref(),
        Some("traffic")
    );
    assert_eq!(
        path("agent_endpoint.protocol_configuration.smtp").as_deref(),
        Some("protocols")
    );
    assert_eq!(
        path("agent_endpoint.protocol_configuration.activity.enable_m365_public_endpoint")
            .as_deref(),
        Some("activity_m365_public_endpoint")
    );
    assert_eq!(
        path("agent_endpoint.authorization_schemes[0].type").as_deref(),
        Some("authorization_schemes")
    );
    assert_eq!(
        path("agent_card.skills[0].id").as_deref(),
        Some("agent_card")
    );
}
