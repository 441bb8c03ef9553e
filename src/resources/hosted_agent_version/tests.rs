//! Validate and plan of `azureai_hosted_agent_version` without any service: the rules reach
//! the right paths, defaults and computed values are planned, equivalent spellings plan empty,
//! and exactly the definition attributes force replacement.

use std::collections::BTreeMap;

use super::*;
use crate::framework::plan::propose;
use crate::framework::{Severity, run};

fn config(pairs: &[(&str, Value)]) -> Value {
    let mut v = SCHEMA.block.null_value();
    v.set(
        "container_protocol_version",
        Value::List(vec![proto("responses", "1.0.0")]),
    );
    v.set("agent_name", Value::string("bot"));
    v.set("image", Value::string("acr.azurecr.io/bot:v1"));
    for (k, val) in pairs {
        v.set(k, val.clone());
    }
    v
}

fn proto(p: &str, v: &str) -> Value {
    Value::object([
        ("protocol", Value::string(p)),
        ("version", Value::string(v)),
    ])
}

fn resource() -> HostedAgentVersion {
    HostedAgentVersion::new(ProviderHandle::default())
}

fn paths(d: &Diagnostics) -> Vec<String> {
    d.iter()
        .filter(|d| d.severity == Severity::Error)
        .map(|d| d.path.as_ref().map(ToString::to_string).unwrap_or_default())
        .collect()
}

/// The state a successful create of `config` would leave.
fn applied(config: &Value) -> Value {
    let mut s = config.clone();
    for (k, v) in [("cpu", "1"), ("memory", "2Gi")] {
        if s.get(k).is_null() {
            s.set(k, Value::string(v));
        }
    }
    s.set("force_delete", Value::Bool(false));
    s.set("id", Value::string("bot/1"));
    s.set("version", Value::string("1"));
    s.set("status", Value::string("active"));
    s.set("created_at", Value::string("2026-01-01T00:00:00Z"));
    s
}

/// The whole plan, as the protocol layer runs it: the schema's, then the resource's rules.
async fn plan(prior: &Value, config: &Value) -> PlanResponse {
    run::plan_resource(
        &resource(),
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

/// What `terraform validate` reports: the schema's validators, then the resource's rules.
fn validate(config: &Value) -> Diagnostics {
    run::validate_resource(&resource(), config)
}

#[test]
fn schema_is_version_1_with_the_fixed_names() {
    assert_eq!(SCHEMA.version, 1);
    let names: Vec<&str> = SCHEMA
        .block
        .attributes
        .iter()
        .map(|a| a.name.as_str())
        .collect();
    for n in [
        "id",
        "agent_name",
        "image",
        "cpu",
        "memory",
        "description",
        "metadata",
        "environment_variables",
        "force_delete",
        "version",
        "status",
        "created_at",
        "instance_identity_principal_id",
        "instance_identity_client_id",
    ] {
        assert!(names.contains(&n), "{n}");
    }
    assert!(
        SCHEMA
            .block
            .find_attribute("environment_variables")
            .unwrap()
            .sensitive
    );
    assert!(
        SCHEMA
            .block
            .find_block("tool")
            .unwrap()
            .block
            .find_attribute("headers")
            .unwrap()
            .sensitive
    );
    assert_eq!(
        SCHEMA
            .block
            .find_block("container_protocol_version")
            .unwrap()
            .min_items,
        1
    );
    assert_eq!(
        SCHEMA.block.find_block("timeouts").unwrap().nesting,
        crate::framework::Nesting::Single
    );
    for a in &SCHEMA.block.attributes {
        assert!(
            !a.description.is_empty(),
            "{} needs a description for the docs",
            a.name
        );
    }
}

#[test]
fn validate_points_at_each_bad_attribute() {
    assert!(validate(&config(&[])).is_empty());
    let bad = config(&[
        ("agent_name", Value::string("-bad-")),
        ("image", Value::string("nginx")),
        ("cpu", Value::string("8")),
        ("memory", Value::string("2GB")),
        (
            "metadata",
            Value::string_map(&BTreeMap::from([(
                "terraform-creation-token".to_owned(),
                "x".to_owned(),
            )])),
        ),
        (
            "environment_variables",
            Value::string_map(&BTreeMap::from([("1X".to_owned(), "x".to_owned())])),
        ),
        (
            "container_protocol_version",
            Value::List(vec![proto("smtp", "1")]),
        ),
        (
            "timeouts",
            Value::object([
                ("create", Value::string("soon")),
                ("read", Value::Null),
                ("delete", Value::string("0s")),
            ]),
        ),
    ]);
    assert_eq!(
        paths(&validate(&bad)),
        [
            "agent_name",
            "image",
            "cpu",
            "memory",
            "metadata[\"terraform-creation-token\"]",
            "environment_variables[\"1X\"]",
            "container_protocol_version[0].protocol",
            "container_protocol_version[0].version",
            "timeouts.create",
            "timeouts.delete",
        ]
    );
}

#[test]
fn validate_skips_unknown_values() {
    let c = config(&[
        ("agent_name", Value::Unknown),
        ("image", Value::Unknown),
        ("cpu", Value::Unknown),
        ("metadata", Value::Unknown),
        (
            "environment_variables",
            Value::Map(BTreeMap::from([("OK".to_owned(), Value::Unknown)])),
        ),
        (
            "container_protocol_version",
            Value::List(vec![Value::object([
                ("protocol", Value::Unknown),
                ("version", Value::Unknown),
            ])]),
        ),
        ("tool", Value::Unknown),
    ]);
    assert!(validate(&c).is_empty(), "{:?}", validate(&c));
}

#[test]
fn pairing_warning_uses_defaults() {
    let d = validate(&config(&[("memory", Value::string("4Gi"))]));
    assert_eq!(d.0.len(), 1);
    assert_eq!(d.0[0].severity, Severity::Warning);
    assert_eq!(d.0[0].path, Some(AttrPath::root("memory")));
    assert!(
        validate(&config(&[
            ("cpu", Value::string("2")),
            ("memory", Value::string("4096Mi"))
        ]))
        .is_empty()
    );
}

#[tokio::test]
async fn create_plan_fills_defaults_and_unknowns() {
    let r = plan(&Value::Null, &config(&[])).await;
    assert!(r.diagnostics.is_empty(), "{:?}", r.diagnostics);
    let p = &r.planned_state;
    assert_eq!(p.get("cpu"), &Value::string("1"));
    assert_eq!(p.get("memory"), &Value::string("2Gi"));
    assert_eq!(p.get("force_delete"), &Value::Bool(false));
    for c in SCHEMA.block.computed_only() {
        assert!(p.get(&c.name).is_unknown(), "{}", c.name);
    }
    assert!(r.requires_replace.is_empty());
}

#[tokio::test]
async fn equivalent_spellings_plan_empty_and_keep_the_prior_value() {
    let prior = applied(&config(&[
        ("memory", Value::string("2Gi")),
        ("cpu", Value::string("1")),
    ]));
    let r = plan(
        &prior,
        &config(&[
            ("memory", Value::string("2048Mi")),
            ("cpu", Value::string("1000m")),
        ]),
    )
    .await;
    assert!(r.requires_replace.is_empty(), "{:?}", r.requires_replace);
    assert_eq!(r.planned_state.get("memory"), &Value::string("2Gi"));
    assert_eq!(r.planned_state.get("cpu"), &Value::string("1"));
    assert_eq!(r.planned_state, prior, "nothing to change");
}

#[tokio::test]
async fn definition_changes_replace_and_the_rest_update_in_place() {
    let prior = applied(&config(&[]));
    let r = plan(
        &prior,
        &config(&[("image", Value::string("acr.azurecr.io/bot:v2"))]),
    )
    .await;
    assert_eq!(r.requires_replace, vec![AttrPath::root("image")]);
    assert!(r.planned_state.get("version").is_unknown());

    let r = plan(&prior, &config(&[("force_delete", Value::Bool(true))])).await;
    assert!(r.requires_replace.is_empty());
    assert_eq!(
        r.planned_state.get("version"),
        &Value::string("1"),
        "in-place: computed values stay"
    );
    assert_eq!(r.planned_state.get("force_delete"), &Value::Bool(true));

    let r = plan(&prior, &config(&[("image", Value::Unknown)])).await;
    assert_eq!(
        r.requires_replace,
        vec![AttrPath::root("image")],
        "an unknown image may differ"
    );

    let reordered = applied(&config(&[(
        "container_protocol_version",
        Value::List(vec![
            proto("responses", "1.0.0"),
            proto("invocations", "1.0.0"),
        ]),
    )]));
    let r = plan(
        &reordered,
        &config(&[(
            "container_protocol_version",
            Value::List(vec![
                proto("invocations", "1.0.0"),
                proto("responses", "1.0.0"),
            ]),
        )]),
    )
    .await;
    assert!(r.requires_replace.is_empty());
}

#[tokio::test]
async fn api_version_rules_apply_at_plan_once_configured() {
    // Unconfigured: the API version's rules cannot run, the others still do.
    let gen_a_protocol = config(&[(
        "container_protocol_version",
        Value::List(vec![proto("responses", "v1")]),
    )]);
    assert!(
        plan(&Value::Null, &gen_a_protocol)
            .await
            .diagnostics
            .is_empty()
    );
    let r = plan(&Value::Null, &config(&[("cpu", Value::string("9"))])).await;
    assert_eq!(paths(&r.diagnostics), ["cpu"]);
}

#[tokio::test]
async fn destroy_plans_null() {
    let r = run::plan_resource(
        &resource(),
        &Ctx::default(),
        PlanRequest {
            prior_state: applied(&config(&[])),
            proposed_new_state: Value::Null,
            config: Value::Null,
            prior_private: vec![],
        },
    )
    .await;
    assert!(r.planned_state.is_null());
    assert!(r.diagnostics.is_empty());
}

#[tokio::test]
async fn unconfigured_provider_is_a_diagnostic_not_a_panic() {
    let r = resource()
        .apply(
            &Ctx::default(),
            ApplyRequest {
                prior_state: Value::Null,
                planned_state: config(&[]),
                config: config(&[]),
                planned_private: vec![],
            },
        )
        .await;
    assert!(r.diagnostics.has_errors());
    assert_eq!(r.diagnostics.0[0].summary, "Provider not configured");
    let r = resource().import(&Ctx::default(), "bot/1").await;
    assert_eq!(r.diagnostics.0[0].summary, "Provider not configured");
    let r = resource().import(&Ctx::default(), "bot").await;
    assert!(r.diagnostics.0[0].detail.contains("<agent_name>/<version>"));
}

#[test]
fn failed_versions_quote_the_service_and_hint_at_acr_pull() {
    let v: AgentVersion = serde_json::from_value(serde_json::json!({
        "id": "bot:5", "name": "bot", "version": "5", "metadata": {}, "created_at": 1, "status": "failed",
        "error": {"code": "ImageError", "message": "manifest unknown"},
        "definition": {"kind": "hosted", "cpu": "1", "memory": "2Gi", "image": "a.io/bot:missing"}
    }))
    .unwrap();
    let d = failed_diagnostic(&v);
    assert!(
        d.detail.contains("ImageError: manifest unknown"),
        "{}",
        d.detail
    );
    assert!(d.detail.contains("AcrPull"));
    assert_eq!(d.path, Some(AttrPath::root("image")));
}

#[tokio::test]
async fn removing_an_optional_argument_means_its_default_again() {
    let prior = applied(&config(&[
        ("cpu", Value::string("2")),
        ("memory", Value::string("4Gi")),
        ("force_delete", Value::Bool(true)),
    ]));
    let r = plan(&prior, &config(&[("memory", Value::string("4Gi"))])).await;
    assert_eq!(r.planned_state.get("cpu"), &Value::string("1"));
    assert_eq!(r.planned_state.get("force_delete"), &Value::Bool(false));
    assert_eq!(r.requires_replace, vec![AttrPath::root("cpu")]);
}
