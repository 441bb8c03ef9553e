//! Logging of the agents client: one debug line per HTTP attempt, carrying the client request
//! id, and never a token. Its own test binary so the process-wide subscriber sees every event.

mod agents_support;

use std::sync::Arc;
use std::time::Duration;

use agents_support::{Mock, Reply};
use azure_core::credentials::{AccessToken, TokenCredential, TokenRequestOptions};
use azureai::agents::{
    Client, ClientOptions, CreateVersionRequest, HostedDefinition, ProtocolVersion, RetryPolicy,
};
use serde_json::json;
use tokio::time::Instant;

const TOKEN: &str = "tok-LOGGED-never-8c2e";

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
            TOKEN,
            azure_core::time::OffsetDateTime::now_utc() + time::Duration::hours(1),
        ))
    }
}

fn soon() -> Instant {
    Instant::now() + Duration::from_secs(20)
}

fn version_json(version: &str) -> serde_json::Value {
    json!({"object": "agent.version", "id": format!("bot:{version}"), "name": "bot", "version": version,
           "metadata": {}, "created_at": 1767225600, "status": "creating",
           "definition": {"kind": "hosted", "cpu": "1", "memory": "2Gi",
                          "container_configuration": {"image": "acr.io/app:1"},
                          "protocol_versions": [{"protocol": "responses", "version": "1.0.0"}]}})
}

fn request() -> CreateVersionRequest {
    CreateVersionRequest {
        description: None,
        metadata: Default::default(),
        definition: HostedDefinition {
            image: "acr.io/app:1".into(),
            cpu: "1".into(),
            memory: "2Gi".into(),
            protocol_versions: vec![ProtocolVersion {
                protocol: "responses".into(),
                version: "1.0.0".into(),
            }],
            ..HostedDefinition::default()
        },
    }
    .with_creation_token(&azureai::agents::new_creation_token())
}

#[derive(Clone, Default)]
struct LogBuffer(Arc<std::sync::Mutex<Vec<u8>>>);

impl std::io::Write for LogBuffer {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[tokio::test]
async fn one_debug_line_per_attempt_and_no_token_in_logs() {
    let logs = LogBuffer::default();
    let writer = logs.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_ansi(false)
        .with_writer(move || writer.clone())
        .finish();
    tracing::subscriber::set_global_default(subscriber).unwrap();
    let mock = Mock::start(
        vec![
            Reply::Json(
                503,
                json!({"error": {"code": "server_error", "message": "m"}}),
            ),
            Reply::Json(
                401,
                json!({"error": {"code": "unauthorized", "message": "m"}}),
            ),
            Reply::Json(200, version_json("1")),
            Reply::Drop,
            Reply::Json(200, json!({"data": [], "last_id": null, "has_more": false})),
            Reply::Json(200, version_json("2")),
        ],
        Reply::Json(
            500,
            json!({"error": {"code": "unexpected", "message": "m"}}),
        ),
    )
    .await;
    let mut opts = ClientOptions::new(mock.endpoint.clone(), Arc::new(StaticToken));
    opts.retry = RetryPolicy::fast_for_tests();
    let client = Client::new(opts).unwrap();
    client.get_version("bot", "1", soon()).await.unwrap();
    client
        .create_version("bot", &request(), soon())
        .await
        .unwrap();
    let text = String::from_utf8(logs.0.lock().unwrap().clone()).unwrap();
    let attempts = text
        .lines()
        .filter(|l| l.contains("agents API attempt"))
        .count();
    assert_eq!(mock.seen().len(), 6);
    assert_eq!(attempts, 6, "{text}");
    assert!(!text.contains(TOKEN), "{text}");
    assert!(!text.to_ascii_lowercase().contains("bearer"), "{text}");
    let first_id = mock.seen()[0]
        .header("x-ms-client-request-id")
        .unwrap()
        .to_string();
    assert!(
        text.contains(&first_id),
        "attempt lines carry the client request id"
    );
}
