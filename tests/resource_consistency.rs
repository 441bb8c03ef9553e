//! Eventual consistency right after create, against a scripted server: a 404 while polling a
//! version that was just created is waited out, and so is a 404 on the first reads after
//! create; later a 404 means the version is gone and it leaves the state at once.

mod agents_support;

use std::sync::Arc;

use agents_support::{Mock, Reply};
use azure_core::credentials::{AccessToken, TokenCredential, TokenRequestOptions};
use azureai::agents::{Client, ClientOptions, RetryPolicy};
use azureai::framework::{ApplyRequest, Ctx, ReadRequest, Resource, Value};
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
            "tok-consistency",
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
    for computed in SCHEMA.block.computed_only() {
        v.set(&computed.name, Value::Unknown);
    }
    v
}

fn version_json(status: &str) -> serde_json::Value {
    json!({"object": "agent.version", "id": "bot:1", "name": "bot", "version": "1", "metadata": {},
           "created_at": 1767225600, "status": status,
           "instance_identity": {"principal_id": "p-1", "client_id": "c-1"},
           "definition": {"kind": "hosted", "cpu": "1", "memory": "2Gi",
                          "container_configuration": {"image": "acr.azurecr.io/bot:v1"},
                          "protocol_versions": [{"protocol": "responses", "version": "1.0.0"}]}})
}

fn not_found() -> Reply {
    Reply::Json(
        404,
        json!({"error": {"code": "not_found", "message": "no such version"}}),
    )
}

#[tokio::test]
async fn fresh_404s_are_waited_out_and_later_ones_drop_the_resource() {
    let mock = Mock::start(
        vec![
            Reply::Json(200, version_json("creating")), // POST
            not_found(),                                // first poll: not readable yet
            Reply::Json(200, version_json("active")),   // second poll
            not_found(),                                // read right after create …
            not_found(),
            Reply::Json(200, version_json("active")), // … until it is visible
            not_found(),                              // read without fresh private state: gone
        ],
        Reply::Json(
            500,
            json!({"error": {"code": "server_error", "message": "script exhausted"}}),
        ),
    )
    .await;
    let r = resource_for(&mock);

    let created = r
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
    assert!(created.diagnostics.is_empty(), "{:?}", created.diagnostics);
    assert_eq!(created.new_state.get("status"), &Value::string("active"));
    assert_eq!(created.new_state.get("id"), &Value::string("bot/1"));
    assert_eq!(
        created.new_state.get("instance_identity_principal_id"),
        &Value::string("p-1")
    );
    assert!(
        !created.private.is_empty(),
        "create records when it happened"
    );

    let read = r
        .read(
            &Ctx::default(),
            ReadRequest {
                current_state: created.new_state.clone(),
                private: created.private.clone(),
            },
        )
        .await;
    assert!(read.diagnostics.is_empty(), "{:?}", read.diagnostics);
    assert_eq!(
        read.new_state.get("id"),
        &Value::string("bot/1"),
        "a 404 right after create must not drop the version"
    );

    let gone = r
        .read(
            &Ctx::default(),
            ReadRequest {
                current_state: created.new_state.clone(),
                private: vec![],
            },
        )
        .await;
    assert!(gone.diagnostics.is_empty(), "{:?}", gone.diagnostics);
    assert!(
        gone.new_state.is_null(),
        "a 404 long after create means gone"
    );

    let methods: Vec<String> = mock
        .seen()
        .iter()
        .map(|s| format!("{} {}", s.method, s.target.split('?').next().unwrap_or("")))
        .collect();
    assert_eq!(
        methods,
        [
            "POST /api/projects/demo/agents/bot/versions",
            "GET /api/projects/demo/agents/bot/versions/1",
            "GET /api/projects/demo/agents/bot/versions/1",
            "GET /api/projects/demo/agents/bot/versions/1",
            "GET /api/projects/demo/agents/bot/versions/1",
            "GET /api/projects/demo/agents/bot/versions/1",
            "GET /api/projects/demo/agents/bot/versions/1",
        ]
    );
    let post = &mock.seen()[0];
    let body: serde_json::Value = serde_json::from_str(&post.body).unwrap();
    assert_eq!(
        body["metadata"]["terraform-creation-token"]
            .as_str()
            .map(str::len),
        Some(32),
        "{body}"
    );
}
