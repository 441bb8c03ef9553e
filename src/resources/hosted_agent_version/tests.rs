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
    // Terraform never stores a write-only value.
    let mut s = SCHEMA.block.without_write_only(config.clone());
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
    plan_with_private(prior, config, vec![]).await
}

async fn plan_with_private(prior: &Value, config: &Value, prior_private: Vec<u8>) -> PlanResponse {
    run::plan_resource(
        &resource(),
        &Ctx::default(),
        PlanRequest {
            prior_state: prior.clone(),
            proposed_new_state: propose(&SCHEMA.block, prior, config),
            config: config.clone(),
            prior_private,
        },
    )
    .await
}

/// What `terraform validate` reports: the schema's validators, then the resource's rules.
fn validate(config: &Value) -> Diagnostics {
    run::validate_resource(&resource(), config, &TERRAFORM_1_11)
}

/// What Terraform 1.11 announces on validation.
const TERRAFORM_1_11: crate::framework::ClientCapabilities = crate::framework::ClientCapabilities {
    write_only_attributes_allowed: true,
};

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

fn env(pairs: &[(&str, &str)]) -> Value {
    Value::Map(
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), Value::string(*v)))
            .collect(),
    )
}

fn private_with_keys(keys: &[&str]) -> Vec<u8> {
    Private {
        created_unix_ms: 1,
        write_only_keys: Some(keys.iter().map(|k| k.to_string()).collect()),
    }
    .encode()
}

fn recorded_keys(private: &[u8]) -> Option<Vec<String>> {
    Private::decode(private).write_only_keys
}

#[test]
fn write_only_arguments_are_declared_as_such() {
    let wo = SCHEMA
        .block
        .find_attribute("environment_variables_wo")
        .unwrap();
    assert!(wo.write_only && wo.sensitive && wo.optional && !wo.computed);
    let version = SCHEMA
        .block
        .find_attribute("environment_variables_wo_version")
        .unwrap();
    assert!(!version.write_only && version.on_change == OnChange::Replace);
    assert_eq!(
        SCHEMA.block.write_only_attributes().count(),
        1,
        "only the map is write-only"
    );
}

#[test]
fn write_only_names_follow_the_rules_and_never_repeat_a_plain_one() {
    let c = config(&[
        (
            "environment_variables",
            env(&[("MODEL", "m"), ("API_KEY", "x")]),
        ),
        (
            "environment_variables_wo",
            env(&[("API_KEY", "s3cret"), ("bad-name", "v"), ("FOUNDRY_X", "v")]),
        ),
    ]);
    let d = validate(&c);
    let mut p = paths(&d);
    p.sort();
    assert_eq!(
        p,
        [
            "environment_variables_wo[\"API_KEY\"]",
            "environment_variables_wo[\"FOUNDRY_X\"]",
            "environment_variables_wo[\"bad-name\"]",
        ]
    );
    for diag in d.iter() {
        assert!(!diag.detail.contains("s3cret"), "a value in {diag:?}");
    }
}

#[test]
fn an_old_terraform_gets_an_error_for_a_write_only_value() {
    let c = config(&[("environment_variables_wo", env(&[("API_KEY", "s3cret")]))]);
    let old = crate::framework::ClientCapabilities::default();
    let d = run::validate_resource(&resource(), &c, &old);
    assert_eq!(paths(&d), ["environment_variables_wo"]);
    let diag = d.iter().next().unwrap();
    assert_eq!(diag.summary, "Write-only argument not supported");
    assert!(diag.detail.contains("Terraform 1.11"), "{}", diag.detail);
    assert!(!diag.detail.contains("s3cret"));
    // The version number alone is an ordinary argument.
    let c = config(&[("environment_variables_wo_version", Value::int(1))]);
    assert!(run::validate_resource(&resource(), &c, &old).is_empty());
}

#[tokio::test]
async fn write_only_values_are_planned_null() {
    let c = config(&[
        ("environment_variables_wo", env(&[("API_KEY", "s3cret")])),
        ("environment_variables_wo_version", Value::int(1)),
    ]);
    let r = plan(&Value::Null, &c).await;
    assert!(!r.diagnostics.has_errors(), "{:?}", r.diagnostics);
    assert_eq!(
        r.planned_state.get("environment_variables_wo"),
        &Value::Null
    );
    assert_eq!(
        r.planned_state.get("environment_variables_wo_version"),
        &Value::int(1)
    );
    assert!(!format!("{:?}", r.planned_state).contains("s3cret"));
}

#[tokio::test]
async fn new_values_need_a_new_version_number() {
    let c = |secret: &str, n: i64| {
        config(&[
            ("environment_variables", env(&[("MODEL", "m")])),
            ("environment_variables_wo", env(&[("API_KEY", secret)])),
            ("environment_variables_wo_version", Value::int(n)),
        ])
    };
    let prior = applied(&c("old", 1));
    let private = private_with_keys(&["API_KEY"]);
    // A new value alone is invisible: the plan is empty.
    let r = plan_with_private(&prior, &c("new", 1), private.clone()).await;
    assert!(r.requires_replace.is_empty() && !r.diagnostics.has_errors());
    assert_eq!(r.planned_state, prior);
    // With a new number: a new version.
    let r = plan_with_private(&prior, &c("new", 2), private.clone()).await;
    assert_eq!(
        r.requires_replace,
        vec![AttrPath::root("environment_variables_wo_version")]
    );
    assert!(r.planned_state.get("version").is_unknown());
}

#[tokio::test]
async fn a_changed_name_without_a_new_number_is_an_error() {
    let with = |names: &[(&str, &str)], n: i64| {
        config(&[
            ("environment_variables_wo", env(names)),
            ("environment_variables_wo_version", Value::int(n)),
        ])
    };
    let prior = applied(&with(&[("API_KEY", "s")], 1));
    let private = private_with_keys(&["API_KEY"]);
    for names in [
        &[("API_KEY", "s"), ("DB_PASSWORD", "p")][..],
        &[][..],
        &[("OTHER", "s")][..],
    ] {
        let r = plan_with_private(&prior, &with(names, 1), private.clone()).await;
        assert_eq!(
            paths(&r.diagnostics),
            ["environment_variables_wo_version"],
            "{names:?}"
        );
        let detail = &r.diagnostics.iter().next().unwrap().detail;
        assert!(detail.contains("set environment_variables_wo_version (or raise it)"));
        assert!(
            !detail.contains("\"p\"") && !detail.contains("\"s\""),
            "{detail}"
        );
        let r = plan_with_private(&prior, &with(names, 2), private.clone()).await;
        assert!(
            !r.diagnostics.has_errors(),
            "{names:?}: {:?}",
            r.diagnostics
        );
        assert_eq!(
            r.requires_replace,
            vec![AttrPath::root("environment_variables_wo_version")]
        );
    }
    // A name moved to the plain map: the plain map changes, which replaces by itself.
    let moved = config(&[
        ("environment_variables", env(&[("API_KEY", "s")])),
        ("environment_variables_wo_version", Value::int(1)),
    ]);
    let r = plan_with_private(&prior, &moved, private).await;
    assert!(!r.diagnostics.has_errors(), "{:?}", r.diagnostics);
    assert_eq!(
        r.requires_replace,
        vec![AttrPath::root("environment_variables")]
    );
}

#[tokio::test]
async fn an_imported_version_adopts_its_secrets_without_a_new_version() {
    // Right after import the state holds every variable the service returned.
    let mut prior = applied(&config(&[(
        "environment_variables",
        env(&[("MODEL", "m"), ("API_KEY", "s3cret")]),
    )]));
    prior.set("environment_variables_wo_version", Value::Null);
    let declared = |secret: &str, n: Option<i64>| {
        config(&[
            ("environment_variables", env(&[("MODEL", "m")])),
            ("environment_variables_wo", env(&[("API_KEY", secret)])),
            (
                "environment_variables_wo_version",
                n.map(Value::int).unwrap_or(Value::Null),
            ),
        ])
    };
    let r = plan(&prior, &declared("s3cret", Some(1))).await;
    assert!(!r.diagnostics.has_errors(), "{:?}", r.diagnostics);
    assert!(r.requires_replace.is_empty(), "{:?}", r.requires_replace);
    assert_eq!(
        r.planned_state.get("environment_variables"),
        &env(&[("MODEL", "m")]),
        "the in-place update drops the secret from the state"
    );
    assert_eq!(r.planned_state.get("version"), &Value::string("1"));
    assert_eq!(
        recorded_keys(&r.planned_private),
        Some(vec!["API_KEY".into()])
    );

    // Another value than the version holds: a new version, or an error without a number.
    let r = plan(&prior, &declared("n3wvalue", Some(1))).await;
    assert!(!r.diagnostics.has_errors());
    assert!(
        r.requires_replace
            .contains(&AttrPath::root("environment_variables_wo_version"))
    );
    let r = plan(&prior, &declared("n3wvalue", None)).await;
    assert_eq!(paths(&r.diagnostics), ["environment_variables_wo_version"]);
    let detail = &r.diagnostics.iter().next().unwrap().detail;
    assert!(
        !detail.contains("n3wvalue") && !detail.contains("s3cret"),
        "{detail}"
    );
    // An unknown value cannot be compared: it needs a new version too.
    let mut unknown = declared("x", None);
    unknown.set(
        "environment_variables_wo",
        Value::Map(
            [("API_KEY".to_owned(), Value::Unknown)]
                .into_iter()
                .collect(),
        ),
    );
    let r = plan(&prior, &unknown).await;
    assert_eq!(paths(&r.diagnostics), ["environment_variables_wo_version"]);
    // A plain value that differs still replaces.
    let mut plain_changed = declared("s3cret", Some(1));
    plain_changed.set("environment_variables", env(&[("MODEL", "other")]));
    let r = plan(&prior, &plain_changed).await;
    assert_eq!(
        r.requires_replace,
        vec![AttrPath::root("environment_variables")]
    );
}

#[test]
fn read_keeps_only_the_variables_the_state_holds() {
    let v: crate::agents::AgentVersion = serde_json::from_value(serde_json::json!({
        "object": "agent.version", "id": "bot:1", "name": "bot", "version": "1",
        "created_at": 1767225600, "status": "active",
        "definition": {"kind": "hosted", "cpu": "1", "memory": "2Gi",
            "container_configuration": {"image": "acr.azurecr.io/bot:v1"},
            "protocol_versions": [{"protocol": "responses", "version": "1.0.0"}],
            "environment_variables": {"MODEL": "m", "API_KEY": "s3cret"}}
    }))
    .unwrap();
    let mut prior = applied(&config(&[(
        "environment_variables",
        env(&[("MODEL", "m")]),
    )]));
    prior.set("environment_variables_wo_version", Value::int(3));
    let s = model::state_from_version(&v, Some(&prior));
    assert_eq!(s.get("environment_variables"), &env(&[("MODEL", "m")]));
    assert_eq!(s.get("environment_variables_wo_version"), &Value::int(3));
    assert_eq!(s.get("environment_variables_wo"), &Value::Null);
    prior.set("environment_variables", Value::Null);
    let s = model::state_from_version(&v, Some(&prior));
    assert_eq!(s.get("environment_variables"), &Value::Null);
    assert!(!format!("{s:?}").contains("s3cret"));
    // Import: no prior, every variable (documented in the README).
    let s = model::state_from_version(&v, None);
    assert_eq!(
        s.get("environment_variables"),
        &env(&[("MODEL", "m"), ("API_KEY", "s3cret")])
    );
    assert_eq!(s.get("environment_variables_wo_version"), &Value::Null);
}

#[test]
fn service_errors_never_quote_a_write_only_value() {
    let secrets = BTreeMap::from([("API_KEY".to_owned(), "s3cret".to_owned())]);
    let mut d = Diagnostics::new();
    d.push(
        Diagnostic::error(
            "Failed to create hosted agent version",
            "bad value 's3cret' for API_KEY",
        )
        .at(AttrPath::root("environment_variables").key("API_KEY")),
    );
    write_only::scrub(&mut d, &secrets);
    let diag = d.iter().next().unwrap();
    assert_eq!(diag.detail, "bad value '(write-only value)' for API_KEY");
    assert_eq!(
        diag.path.as_ref().unwrap().to_string(),
        "environment_variables_wo[\"API_KEY\"]"
    );
}

#[test]
fn a_variable_without_a_value_is_refused_in_either_map() {
    let mut wo = env(&[("API_KEY", "s")]);
    if let Value::Map(m) = &mut wo {
        m.insert("DB_PASSWORD".into(), Value::Null);
        m.insert("LATER".into(), Value::Unknown);
    }
    let c = config(&[
        (
            "environment_variables",
            Value::Map([("MODEL".to_owned(), Value::Null)].into_iter().collect()),
        ),
        ("environment_variables_wo", wo),
    ]);
    assert_eq!(
        paths(&validate(&c)),
        [
            "environment_variables[\"MODEL\"]",
            "environment_variables_wo[\"DB_PASSWORD\"]"
        ]
    );
}
