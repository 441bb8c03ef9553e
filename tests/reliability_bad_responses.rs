//! Malformed API responses at the resource level: `azureai_hosted_agent_version`'s create,
//! read and import against a scripted server that answers truncated JSON, wrong types, HTML
//! error pages, 200 with an empty body and unknown status values.
//!
//! The client-level decoding of the same bodies is covered in `agents_client.rs`
//! (`malformed_success_bodies_are_decode_errors`); this file checks what the resource makes
//! of them: an error diagnostic that says what failed (never a panic), and state that is never
//! lost — a read that cannot understand the answer keeps the resource instead of dropping it
//! from state (which would orphan a real version), and a version whose status the provider does
//! not know is still recorded.

mod agents_support;

use std::sync::Arc;

use agents_support::{Mock, Reply};
use azure_core::credentials::{AccessToken, TokenCredential, TokenRequestOptions};
use azureai::agents::{Client, ClientOptions, RetryPolicy};
use azureai::framework::{
    ApplyRequest, Ctx, Diagnostics, ReadDataRequest, ReadRequest, Resource, Severity, Value,
};
use azureai::provider::{Configured, ProviderHandle};
use azureai::resources::hosted_agent_version::{HostedAgentVersion, SCHEMA};
use serde_json::json;

#[derive(Debug)]
struct StaticToken;

#[async_trait::async_trait]
impl TokenCredential for StaticToken {
    async fn get_token(
        &self,
        _: &[&str],
        _: Option<TokenRequestOptions<'_>>,
    ) -> azure_core::Result<AccessToken> {
        Ok(AccessToken::new(
            "tok-bad-responses",
            azure_core::time::OffsetDateTime::now_utc() + time::Duration::hours(1),
        ))
    }
}

fn resource_for(mock: &Mock) -> HostedAgentVersion {
    let mut opts = ClientOptions::new(mock.endpoint.clone(), Arc::new(StaticToken));
    opts.retry = RetryPolicy::fast_for_tests();
    let handle = ProviderHandle::default();
    handle.set(Configured::new(Client::new(opts).unwrap()));
    HostedAgentVersion::new(handle)
}

/// A planned new version (what Terraform sends to ApplyResourceChange for a create).
fn planned() -> Value {
    let mut v = SCHEMA.block.null_value();
    v.set("agent_name", Value::string("bot"));
    v.set("image", Value::string("acr.azurecr.io/bot:v1"));
    v.set("cpu", Value::string("1"));
    v.set("memory", Value::string("2Gi"));
    v.set("force_delete", Value::Bool(false));
    v.set(
        "container_protocol_version",
        Value::List(vec![Value::object([
            ("protocol", Value::string("responses")),
            ("version", Value::string("1.0.0")),
        ])]),
    );
    v.set(
        "timeouts",
        Value::object([
            ("create", Value::string("3s")),
            ("read", Value::string("3s")),
            ("delete", Value::Null),
        ]),
    );
    for computed in SCHEMA.block.computed_only() {
        v.set(&computed.name, Value::Unknown);
    }
    v
}

/// The state of version 1 of `bot`, as an earlier apply recorded it.
fn recorded() -> Value {
    let mut v = planned();
    for (k, s) in [
        ("id", "bot/1"),
        ("version", "1"),
        ("status", "active"),
        ("created_at", "2026-01-01T00:00:00Z"),
    ] {
        v.set(k, Value::string(s));
    }
    v.set("instance_identity_principal_id", Value::Null);
    v.set("instance_identity_client_id", Value::Null);
    v
}

fn version_json(status: &str) -> serde_json::Value {
    json!({"object": "agent.version", "id": "bot:1", "name": "bot", "version": "1", "metadata": {},
           "created_at": 1767225600, "status": status,
           "definition": {"kind": "hosted", "cpu": "1", "memory": "2Gi",
                          "container_configuration": {"image": "acr.azurecr.io/bot:v1"},
                          "protocol_versions": [{"protocol": "responses", "version": "1.0.0"}]}})
}

fn raw(status: u16, content_type: &str, body: &str) -> Reply {
    Reply::Raw {
        status,
        headers: vec![
            ("content-type", content_type.into()),
            ("x-request-id", "rid-bad".into()),
        ],
        body: body.into(),
    }
}

/// The malformed answers, each with a word its diagnostic must contain.
fn malformed() -> Vec<(&'static str, Reply, &'static str)> {
    let truncated = version_json("active").to_string();
    vec![
        (
            "truncated JSON",
            raw(200, "application/json", &truncated[..truncated.len() / 2]),
            "not valid JSON",
        ),
        (
            "wrong types",
            Reply::Json(
                200,
                json!({"name": 5, "version": ["1"], "definition": "hosted"}),
            ),
            "unexpected shape",
        ),
        (
            "200 with an empty body",
            raw(200, "application/json", ""),
            "empty",
        ),
        (
            "HTML page with 200",
            raw(
                200,
                "text/html",
                "<html><body><h1>Sign in</h1></body></html>",
            ),
            "<html>",
        ),
        // A gateway's HTML error page: a 502 is retried, then reported with an excerpt.
        (
            "HTML 502 page",
            raw(
                502,
                "text/html",
                "<html><head><title>502 Bad Gateway</title></head></html>",
            ),
            "502",
        ),
        (
            "HTML 403 page",
            raw(
                403,
                "text/html",
                "<html><body>Forbidden by policy</body></html>",
            ),
            "Forbidden by policy",
        ),
    ]
}

fn errors(d: &Diagnostics) -> Vec<String> {
    d.iter()
        .filter(|d| d.severity == Severity::Error)
        .map(|d| format!("{}: {}", d.summary, d.detail))
        .collect()
}

#[tokio::test]
async fn read_keeps_the_resource_and_reports_malformed_answers() {
    for (what, reply, needle) in malformed() {
        let mock = Mock::start(vec![], reply).await;
        let r = resource_for(&mock);
        let resp = r
            .read(
                &Ctx::default(),
                ReadRequest {
                    current_state: recorded(),
                    private: Vec::new(),
                },
            )
            .await;
        let errs = errors(&resp.diagnostics);
        assert_eq!(errs.len(), 1, "{what}: {errs:?}");
        assert!(
            errs[0].contains(needle),
            "{what}: diagnostic lacks {needle:?}: {}",
            errs[0]
        );
        assert!(
            errs[0].starts_with("Failed to read hosted agent version"),
            "{what}: {}",
            errs[0]
        );
        // Dropping the resource would orphan a version that may well exist.
        assert_eq!(
            resp.new_state,
            recorded(),
            "{what}: read changed the state it could not refresh"
        );
        assert!(!mock.seen().is_empty());
    }
}

#[tokio::test]
async fn import_reports_malformed_answers() {
    for (what, reply, needle) in malformed() {
        let mock = Mock::start(vec![], reply).await;
        let resp = resource_for(&mock).import(&Ctx::default(), "bot/1").await;
        let errs = errors(&resp.diagnostics);
        assert!(
            resp.imported.is_empty(),
            "{what}: imported something from a malformed answer"
        );
        assert_eq!(errs.len(), 1, "{what}: {errs:?}");
        assert!(errs[0].contains(needle), "{what}: {}", errs[0]);
    }
}

/// A create whose attempt failed in a way that may hide a version (a 5xx) looks for it by its
/// creation token before sending it again; a malformed answer to that lookup is an error,
/// never "no versions", so the create stops instead of making a second version.
#[tokio::test]
async fn after_a_5xx_a_malformed_lookup_stops_the_create_before_it_is_sent_again() {
    for (what, reply, needle) in malformed() {
        let mock = Mock::start(vec![Reply::Json(500, json!({}))], reply).await;
        let resp = resource_for(&mock)
            .apply(
                &Ctx::default(),
                ApplyRequest {
                    prior_state: Value::Null,
                    planned_state: planned(),
                    config: planned(),
                    planned_private: vec![],
                },
            )
            .await;
        let errs = errors(&resp.diagnostics);
        assert_eq!(errs.len(), 1, "{what}: {errs:?}");
        assert!(errs[0].contains(needle), "{what}: {}", errs[0]);
        assert!(
            resp.new_state.is_null(),
            "{what}: no version was found, so nothing may be recorded"
        );
        let posts = mock.seen().iter().filter(|s| s.method == "POST").count();
        assert_eq!(
            posts, 1,
            "{what}: a create was sent again after a failed lookup"
        );
    }
}

/// The create landed but its answer was unreadable: the same apply finds the version by the
/// creation token it sent (and reads it back) instead of leaving it unrecorded or making a
/// second one.
#[tokio::test]
async fn an_unreadable_create_answer_is_found_by_its_token_in_the_same_apply() {
    let truncated = version_json("active").to_string();
    // What the service made of the POST: version 1 carrying the token that was sent.
    let made = |seen: &[agents_support::Seen]| {
        let post = seen
            .iter()
            .find(|s| s.method == "POST")
            .expect("the create was sent");
        let body: serde_json::Value = serde_json::from_str(&post.body).unwrap();
        let mut v = version_json("active");
        v["metadata"] = body["metadata"].clone();
        v
    };
    let mock = Mock::start(
        vec![
            raw(200, "application/json", &truncated[..40]),
            Reply::Dynamic(Arc::new(move |seen| {
                Reply::Json(200, json!({"object": "list", "data": [made(seen)], "first_id": "1", "last_id": "1", "has_more": false}))
            })),
            Reply::Dynamic(Arc::new(move |seen| Reply::Json(200, made(seen)))),
        ],
        Reply::Json(500, json!({})),
    )
    .await;
    let resp = resource_for(&mock)
        .apply(
            &Ctx::default(),
            ApplyRequest {
                prior_state: Value::Null,
                planned_state: planned(),
                config: planned(),
                planned_private: vec![],
            },
        )
        .await;
    assert!(
        errors(&resp.diagnostics).is_empty(),
        "{:?}",
        errors(&resp.diagnostics)
    );
    assert_eq!(resp.new_state.get("id"), &Value::string("bot/1"));
    let seen = mock.seen();
    assert_eq!(
        seen.iter().filter(|s| s.method == "POST").count(),
        1,
        "finding the version must not create another: {seen:#?}"
    );
    let post: serde_json::Value = serde_json::from_str(&seen[0].body).unwrap();
    assert!(
        post["metadata"]["terraform-creation-token"]
            .as_str()
            .is_some_and(|t| t.len() == 32),
        "the create carries a creation token of its own: {post}"
    );
}

/// A status the provider does not know (a newer service) is neither success nor failure: the
/// create keeps polling until its timeout, records the version (tainted by the error) and says
/// which status it saw.
#[tokio::test]
async fn an_unknown_status_is_recorded_and_reported_at_the_timeout() {
    let mock = Mock::start(
        vec![Reply::Json(200, version_json("hibernating"))],
        Reply::Json(200, version_json("hibernating")),
    )
    .await;
    let mut plan = planned();
    plan.set(
        "timeouts",
        Value::object([
            ("create", Value::string("2s")),
            ("read", Value::Null),
            ("delete", Value::Null),
        ]),
    );
    let started = std::time::Instant::now();
    let resp = resource_for(&mock)
        .apply(
            &Ctx::default(),
            ApplyRequest {
                prior_state: Value::Null,
                planned_state: plan.clone(),
                config: plan,
                planned_private: vec![],
            },
        )
        .await;
    let elapsed = started.elapsed();
    let errs = errors(&resp.diagnostics);
    assert_eq!(errs.len(), 1, "{errs:?}");
    assert!(
        errs[0].contains("hibernating") && errs[0].contains("create timeout"),
        "{}",
        errs[0]
    );
    assert_eq!(
        resp.new_state.get("id"),
        &Value::string("bot/1"),
        "the created version must stay in state"
    );
    assert_eq!(resp.new_state.get("status"), &Value::string("hibernating"));
    assert!(
        elapsed < std::time::Duration::from_secs(10),
        "the create timeout (2s) was not honoured: {elapsed:?}"
    );
    let polls = mock
        .seen()
        .iter()
        .filter(|s| s.method == "GET" && s.target.contains("/versions/1"))
        .count();
    assert!(
        polls >= 2,
        "the provider did not poll the unknown status ({polls} polls)"
    );
}

/// An unknown status on read is kept as the service said it (not dropped, not an error).
#[tokio::test]
async fn read_keeps_an_unknown_status() {
    let mock = Mock::start(vec![], Reply::Json(200, version_json("hibernating"))).await;
    let resp = resource_for(&mock)
        .read(
            &Ctx::default(),
            ReadRequest {
                current_state: recorded(),
                private: Vec::new(),
            },
        )
        .await;
    assert!(
        errors(&resp.diagnostics).is_empty(),
        "{:?}",
        errors(&resp.diagnostics)
    );
    assert_eq!(resp.new_state.get("status"), &Value::string("hibernating"));
    assert_eq!(resp.new_state.get("id"), &Value::string("bot/1"));
}

/// Terraform's Stop (Ctrl-C) must end a call that is waiting out the retry back-off of a
/// failing service, not only the status polling: with the production retry policy (16
/// retries, back-off up to 60 s) a service answering 503 would otherwise hold an interrupted
/// apply for minutes.
#[tokio::test]
async fn stop_interrupts_retry_back_off() {
    let mock = Mock::start(
        vec![],
        Reply::Json(
            503,
            json!({"error": {"code": "server_error", "message": "down"}}),
        ),
    )
    .await;
    let opts = ClientOptions::new(mock.endpoint.clone(), Arc::new(StaticToken));
    assert_eq!(opts.retry, RetryPolicy::default());
    let handle = ProviderHandle::default();
    handle.set(Configured::new(Client::new(opts).unwrap()));
    let r = HostedAgentVersion::new(handle);
    let ctx = Ctx::default();
    let cancel = ctx.cancel.clone();
    tokio::spawn(async move {
        tokio::time::sleep(std::time::Duration::from_millis(1500)).await;
        cancel.cancel();
    });
    let started = std::time::Instant::now();
    let mut plan = planned();
    plan.set("timeouts", Value::Null);
    let resp = tokio::time::timeout(
        std::time::Duration::from_secs(30),
        r.apply(
            &ctx,
            ApplyRequest {
                prior_state: Value::Null,
                planned_state: plan.clone(),
                config: plan,
                planned_private: vec![],
            },
        ),
    )
    .await
    .expect("the create kept retrying for 30 s after Stop");
    let took = started.elapsed();
    assert!(
        took < std::time::Duration::from_secs(5),
        "Stop took {took:?} to end the retries"
    );
    let errs = errors(&resp.diagnostics);
    assert_eq!(errs.len(), 1, "{errs:?}");
    assert!(errs[0].contains("interrupted"), "{}", errs[0]);
    assert!(
        resp.new_state.is_null(),
        "no version was found, so nothing is recorded"
    );
    assert_eq!(
        mock.seen().iter().filter(|s| s.method == "POST").count(),
        1,
        "a create that may have landed is never sent again before the lookup succeeds"
    );
}

/// Every data source read gives way to Stop like the resource does: a read waiting out retry
/// back-off against a failing service ends promptly with an "interrupted" error.
#[tokio::test]
async fn stop_interrupts_every_data_source_read() {
    let mock = Mock::start(
        vec![],
        Reply::Json(
            503,
            json!({"error": {"code": "server_error", "message": "down"}}),
        ),
    )
    .await;
    let handle = ProviderHandle::default();
    let opts = ClientOptions::new(mock.endpoint.clone(), Arc::new(StaticToken));
    handle.set(Configured::new(Client::new(opts).unwrap()));
    let data_sources = azureai::data_sources::all(&handle);
    assert!(data_sources.len() >= 2);
    for d in data_sources {
        // Every required argument set to a valid name; everything else null.
        let mut config = Value::object(
            d.schema()
                .block
                .attributes
                .iter()
                .map(|a| (a.name.clone(), Value::Null)),
        );
        for a in d.schema().block.attributes.iter().filter(|a| a.required) {
            config.set(&a.name, Value::string("bot"));
        }
        let ctx = Ctx::default();
        let cancel = ctx.cancel.clone();
        tokio::spawn(async move {
            tokio::time::sleep(std::time::Duration::from_millis(300)).await;
            cancel.cancel();
        });
        let started = std::time::Instant::now();
        let resp = tokio::time::timeout(
            std::time::Duration::from_secs(30),
            d.read(&ctx, ReadDataRequest { config }),
        )
        .await
        .unwrap_or_else(|_| panic!("{} kept retrying for 30 s after Stop", d.type_name()));
        let took = started.elapsed();
        assert!(
            took < std::time::Duration::from_secs(5),
            "{}: Stop took {took:?} to end the read",
            d.type_name()
        );
        let errs = errors(&resp.diagnostics);
        assert_eq!(errs.len(), 1, "{}: {errs:?}", d.type_name());
        assert!(errs[0].contains("interrupted"), "{}", errs[0]);
    }
}

/// A create the service rejects for one field (a 400 with `param`) is reported at the argument
/// the field comes from, so Terraform underlines it; the summary stays constant.
#[tokio::test]
async fn a_rejected_field_is_reported_at_its_argument() {
    let mock = Mock::start(
        vec![Reply::Json(
            400,
            json!({"error": {"code": "invalid_value", "type": "invalid_request_error",
                   "message": "Unsupported protocol version '1.0.0' for this api-version.",
                   "param": "definition.protocol_versions[0].version"}}),
        )],
        Reply::Json(
            500,
            json!({"error": {"code": "server_error", "message": "script exhausted"}}),
        ),
    )
    .await;
    let resp = resource_for(&mock)
        .apply(
            &Ctx::default(),
            ApplyRequest {
                prior_state: Value::Null,
                planned_state: planned(),
                config: planned(),
                planned_private: vec![],
            },
        )
        .await;
    assert!(resp.new_state.is_null(), "a refused create made nothing");
    let d = &resp.diagnostics.0;
    assert_eq!(d.len(), 1, "{d:?}");
    assert_eq!(d[0].summary, "Failed to create hosted agent version");
    assert_eq!(
        d[0].path.as_ref().map(ToString::to_string).as_deref(),
        Some("container_protocol_version[0].version")
    );
    assert!(d[0].detail.contains("agent \"bot\""), "{}", d[0].detail);
}
