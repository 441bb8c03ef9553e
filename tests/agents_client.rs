//! The client against a scripted loopback HTTP server: request shape, retry decisions with exact
//! call counts, deadlines, the lost-create rule, malformed responses and secrecy. (The same
//! behaviours against the real emulator live in `agents_emulator.rs`.)

use std::sync::Arc;
use std::time::Duration;

use azure_core::credentials::{AccessToken, TokenCredential, TokenRequestOptions};
use azureai::agents::{
    ApiVersion, CREATION_TOKEN_KEY, Client, ClientOptions, CreateVersionRequest, ErrorKind,
    HostedDefinition, ProtocolVersion, RetryPolicy,
};
use serde_json::json;
use tokio::time::Instant;

const TOKEN: &str = "tok-SECRET-4b1d9e";

#[derive(Debug)]
struct StaticToken;

#[async_trait::async_trait]
impl TokenCredential for StaticToken {
    async fn get_token(
        &self,
        scopes: &[&str],
        _: Option<TokenRequestOptions<'_>>,
    ) -> azure_core::Result<AccessToken> {
        assert_eq!(scopes, ["https://ai.azure.com/.default"]);
        Ok(AccessToken::new(
            TOKEN,
            azure_core::time::OffsetDateTime::now_utc() + time::Duration::hours(1),
        ))
    }
}

mod agents_support;
use agents_support::{Mock, Reply, with_headers};

trait MockClient {
    fn client(&self, retry: RetryPolicy) -> Client;
}

impl MockClient for Mock {
    fn client(&self, retry: RetryPolicy) -> Client {
        let mut opts = ClientOptions::new(self.endpoint.clone(), Arc::new(StaticToken));
        opts.retry = retry;
        Client::new(opts).unwrap()
    }
}

fn version_json(agent: &str, version: &str, token: Option<&str>) -> serde_json::Value {
    let mut metadata = serde_json::Map::new();
    if let Some(t) = token {
        metadata.insert(CREATION_TOKEN_KEY.into(), json!(t));
    }
    json!({"object": "agent.version", "id": format!("{agent}:{version}"), "name": agent, "version": version,
           "metadata": metadata, "created_at": 1767225600, "status": "creating",
           "definition": {"kind": "hosted", "cpu": "1", "memory": "2Gi",
                          "container_configuration": {"image": "acr.io/app:1"},
                          "protocol_versions": [{"protocol": "responses", "version": "1.0.0"}]}})
}

fn page(items: Vec<serde_json::Value>, has_more: bool) -> serde_json::Value {
    let last = items
        .last()
        .map(|v| v["id"].clone())
        .unwrap_or(serde_json::Value::Null);
    json!({"object": "list", "data": items, "first_id": null, "last_id": last, "has_more": has_more})
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

fn soon() -> Instant {
    Instant::now() + Duration::from_secs(20)
}

fn not_found() -> Reply {
    Reply::Json(
        404,
        json!({"error": {"code": "not_found", "message": "agent x not found", "type": "invalid_request_error"}}),
    )
}

#[tokio::test]
async fn create_sends_the_documented_request() {
    let mock = Mock::start(
        vec![Reply::Json(201, version_json("a/b", "1", None))],
        not_found(),
    )
    .await;
    let mut opts = ClientOptions::new(mock.endpoint.clone(), Arc::new(StaticToken));
    opts.foundry_features = Some("HostedAgents=V1Preview".into());
    opts.api_version = ApiVersion::Preview;
    let client = Client::new(opts).unwrap();
    let v = client
        .create_version("a/b", &request(), soon())
        .await
        .unwrap();
    assert_eq!(v.version, "1");
    let seen = mock.seen();
    assert_eq!(seen.len(), 1);
    let r = &seen[0];
    assert_eq!(r.method, "POST");
    assert_eq!(
        r.target,
        "/api/projects/demo/agents/a%2Fb/versions?api-version=2025-11-15-preview"
    );
    assert_eq!(
        r.header("authorization"),
        Some(format!("Bearer {TOKEN}").as_str())
    );
    assert_eq!(r.header("accept"), Some("application/json"));
    assert_eq!(r.header("content-type"), Some("application/json"));
    assert_eq!(r.header("foundry-features"), Some("HostedAgents=V1Preview"));
    assert_eq!(
        r.header("user-agent"),
        Some(format!("terraform-provider-azureai/{}", env!("CARGO_PKG_VERSION")).as_str())
    );
    uuid::Uuid::parse_str(r.header("x-ms-client-request-id").unwrap()).unwrap();
    let body: serde_json::Value = serde_json::from_str(&r.body).unwrap();
    assert_eq!(
        body["definition"]["image"], "acr.io/app:1",
        "Gen A spelling for the preview api-version"
    );
    assert!(body["metadata"][CREATION_TOKEN_KEY].is_string());
}

#[tokio::test]
async fn retries_keep_one_client_request_id_and_stop_on_success() {
    let mock = Mock::start(
        vec![
            Reply::Json(
                503,
                json!({"error": {"code": "server_error", "message": "busy"}}),
            ),
            with_headers(
                429,
                &[("retry-after-ms", "5")],
                json!({"error": {"code": "too_many_requests", "message": "slow down"}}),
            ),
            Reply::Json(200, version_json("bot", "3", None)),
        ],
        not_found(),
    )
    .await;
    let v = mock
        .client(RetryPolicy::fast_for_tests())
        .get_version("bot", "3", soon())
        .await
        .unwrap();
    assert_eq!(v.id, "bot:3");
    let seen = mock.seen();
    assert_eq!(seen.len(), 3);
    let ids: Vec<_> = seen
        .iter()
        .map(|s| s.header("x-ms-client-request-id").unwrap().to_string())
        .collect();
    assert!(ids.iter().all(|i| *i == ids[0]), "{ids:?}");
    assert_eq!(
        seen[0].target,
        "/api/projects/demo/agents/bot/versions/3?api-version=v1"
    );
}

#[tokio::test]
async fn retry_after_is_honoured() {
    let mock = Mock::start(
        vec![with_headers(
            429,
            &[("retry-after-ms", "300")],
            json!({"error": {"code": "throttled", "message": "m"}}),
        )],
        Reply::Json(200, version_json("bot", "1", None)),
    )
    .await;
    let policy = RetryPolicy {
        base_delay: Duration::from_millis(1),
        max_delay: Duration::from_secs(5),
        ..RetryPolicy::fast_for_tests()
    };
    let started = std::time::Instant::now();
    mock.client(policy)
        .get_version("bot", "1", soon())
        .await
        .unwrap();
    assert!(
        started.elapsed() >= Duration::from_millis(290),
        "{:?}",
        started.elapsed()
    );
    assert_eq!(mock.seen().len(), 2);
}

#[tokio::test]
async fn other_client_errors_are_not_retried() {
    for (status, kind, code) in [
        (400, ErrorKind::Validation, "bad_request"),
        (403, ErrorKind::Forbidden, "preview_feature_required"),
        (404, ErrorKind::NotFound, "not_found"),
        (409, ErrorKind::Conflict, "conflict"),
    ] {
        let mock = Mock::start(
            vec![],
            Reply::Json(status, json!({"error": {"code": code, "message": "nope"}})),
        )
        .await;
        let err = mock
            .client(RetryPolicy::fast_for_tests())
            .delete_version("bot", "1", false, soon())
            .await
            .unwrap_err();
        assert_eq!(
            (err.kind, err.status, err.code.as_deref()),
            (kind, Some(status), Some(code))
        );
        assert_eq!(mock.seen().len(), 1, "status {status} must not be retried");
        assert!(err.client_request_id.is_some());
    }
}

#[tokio::test]
async fn unauthorized_refreshes_the_token_once() {
    let mock = Mock::start(
        vec![],
        Reply::Json(
            401,
            json!({"error": {"code": "unauthorized", "message": "bad token"}}),
        ),
    )
    .await;
    let err = mock
        .client(RetryPolicy::fast_for_tests())
        .get_agent("bot", soon())
        .await
        .unwrap_err();
    assert_eq!(err.kind, ErrorKind::Unauthorized);
    assert_eq!(mock.seen().len(), 2);
}

#[tokio::test]
async fn retries_run_out_with_the_last_service_error() {
    let mock = Mock::start(
        vec![],
        Reply::Json(
            503,
            json!({"error": {"code": "server_error", "message": "down"}}),
        ),
    )
    .await;
    let policy = RetryPolicy {
        max_retries: 3,
        ..RetryPolicy::fast_for_tests()
    };
    let err = mock
        .client(policy)
        .get_version("bot", "1", soon())
        .await
        .unwrap_err();
    assert_eq!((err.kind, err.status), (ErrorKind::Server, Some(503)));
    assert_eq!(mock.seen().len(), 4);
    let shown = err.to_string();
    assert!(
        shown.contains("HTTP 503") && shown.contains("down"),
        "{shown}"
    );
}

#[tokio::test]
async fn the_deadline_beats_a_long_retry_after() {
    let mock = Mock::start(
        vec![],
        with_headers(
            503,
            &[("retry-after", "30")],
            json!({"error": {"code": "server_error", "message": "later"}}),
        ),
    )
    .await;
    let policy = RetryPolicy {
        max_delay: Duration::from_secs(60),
        ..RetryPolicy::fast_for_tests()
    };
    let started = std::time::Instant::now();
    let err = mock
        .client(policy)
        .get_version("bot", "1", Instant::now() + Duration::from_millis(500))
        .await
        .unwrap_err();
    assert!(
        started.elapsed() < Duration::from_secs(2),
        "{:?}",
        started.elapsed()
    );
    assert_eq!(
        err.kind,
        ErrorKind::Server,
        "the last service error, not a bare timeout: {err}"
    );
    assert_eq!(mock.seen().len(), 1);
}

#[tokio::test]
async fn a_hanging_service_times_out_at_the_deadline() {
    let mock = Mock::start(vec![], Reply::Hang).await;
    let started = std::time::Instant::now();
    let err = mock
        .client(RetryPolicy::fast_for_tests())
        .get_version("bot", "1", Instant::now() + Duration::from_millis(400))
        .await
        .unwrap_err();
    assert_eq!(err.kind, ErrorKind::Timeout);
    assert!(started.elapsed() < Duration::from_secs(2));
}

#[tokio::test]
async fn a_dropped_create_that_landed_is_found_by_its_token_not_repeated() {
    let req = request();
    let token = req.creation_token_value().unwrap().to_string();
    let mock = Mock::start(
        vec![
            Reply::Drop,
            Reply::Json(
                200,
                page(
                    vec![
                        version_json("bot", "1", None),
                        version_json("bot", "2", Some(&token)),
                    ],
                    false,
                ),
            ),
            // The listed version is read back before it is returned.
            Reply::Json(200, version_json("bot", "2", Some(&token))),
        ],
        Reply::Json(
            500,
            json!({"error": {"code": "unexpected", "message": "no fourth call expected"}}),
        ),
    )
    .await;
    let v = mock
        .client(RetryPolicy::fast_for_tests())
        .create_version("bot", &req, soon())
        .await
        .unwrap();
    assert_eq!(v.version, "2");
    let seen = mock.seen();
    let methods: Vec<&str> = seen.iter().map(|s| s.method.as_str()).collect();
    assert_eq!(methods, ["POST", "GET", "GET"]);
    assert!(
        seen[2]
            .target
            .starts_with("/api/projects/demo/agents/bot/versions/2?")
    );
    assert!(
        seen[1].target.starts_with(
            "/api/projects/demo/agents/bot/versions?api-version=v1&limit=100&order=asc"
        )
    );
}

#[tokio::test]
async fn a_dropped_create_that_did_not_land_is_sent_again() {
    let mock = Mock::start(
        vec![
            Reply::Json(
                502,
                json!({"error": {"code": "bad_gateway", "message": "m"}}),
            ),
            not_found(),
            Reply::Json(200, version_json("bot", "1", None)),
        ],
        Reply::Json(
            500,
            json!({"error": {"code": "unexpected", "message": "m"}}),
        ),
    )
    .await;
    let v = mock
        .client(RetryPolicy::fast_for_tests())
        .create_version("bot", &request(), soon())
        .await
        .unwrap();
    assert_eq!(v.version, "1");
    let methods: Vec<String> = mock.seen().iter().map(|s| s.method.clone()).collect();
    assert_eq!(methods, ["POST", "GET", "POST"]);
}

#[tokio::test]
async fn a_create_without_a_token_is_not_resent_once_it_may_have_landed() {
    let mock = Mock::start(
        vec![Reply::Json(
            502,
            json!({"error": {"code": "bad_gateway", "message": "upstream"}}),
        )],
        Reply::Json(200, version_json("bot", "1", None)),
    )
    .await;
    let mut req = request();
    req.metadata.clear();
    let err = mock
        .client(RetryPolicy::fast_for_tests())
        .create_version("bot", &req, soon())
        .await
        .unwrap_err();
    assert_eq!((err.kind, err.status), (ErrorKind::Server, Some(502)));
    assert!(err.message.contains("duplicate"), "{}", err.message);
    assert_eq!(mock.seen().len(), 1);
    // Throttling is known not to have been processed, so it is still retried.
    let mock = Mock::start(
        vec![with_headers(
            429,
            &[("retry-after-ms", "1")],
            json!({"error": {"code": "throttled", "message": "m"}}),
        )],
        Reply::Json(200, version_json("bot", "1", None)),
    )
    .await;
    mock.client(RetryPolicy::fast_for_tests())
        .create_version("bot", &req, soon())
        .await
        .unwrap();
    assert_eq!(mock.seen().len(), 2);
}

#[tokio::test]
async fn a_throttled_create_is_resent_without_a_lookup() {
    let mock = Mock::start(
        vec![with_headers(
            429,
            &[("retry-after-ms", "1")],
            json!({"error": {"code": "throttled", "message": "m"}}),
        )],
        Reply::Json(200, version_json("bot", "1", None)),
    )
    .await;
    mock.client(RetryPolicy::fast_for_tests())
        .create_version("bot", &request(), soon())
        .await
        .unwrap();
    let methods: Vec<String> = mock.seen().iter().map(|s| s.method.clone()).collect();
    assert_eq!(methods, ["POST", "POST"]);
}

#[tokio::test]
async fn paging_follows_cursors_to_the_end() {
    let mock = Mock::start(
        vec![
            Reply::Json(
                200,
                page(
                    vec![
                        version_json("bot", "1", None),
                        version_json("bot", "2", None),
                    ],
                    true,
                ),
            ),
            Reply::Json(200, page(vec![version_json("bot", "3", None)], true)),
            Reply::Json(200, json!({"data": [], "last_id": null, "has_more": false})),
        ],
        Reply::Json(
            500,
            json!({"error": {"code": "unexpected", "message": "m"}}),
        ),
    )
    .await;
    let all = mock
        .client(RetryPolicy::fast_for_tests())
        .list_versions("bot", soon())
        .await
        .unwrap();
    let versions: Vec<&str> = all.iter().map(|v| v.version.as_str()).collect();
    assert_eq!(versions, ["1", "2", "3"]);
    let seen = mock.seen();
    assert_eq!(seen.len(), 3);
    assert!(!seen[0].target.contains("after="));
    assert!(
        seen[1].target.ends_with("&after=bot%3A2"),
        "{}",
        seen[1].target
    );
    assert!(
        seen[2].target.ends_with("&after=bot%3A3"),
        "{}",
        seen[2].target
    );
}

#[tokio::test]
async fn paging_without_has_more_follows_the_cursor_and_a_stuck_cursor_fails() {
    let no_flag = |items| {
        let mut p = page(items, false);
        p.as_object_mut().unwrap().remove("has_more");
        p
    };
    let mock = Mock::start(
        vec![
            Reply::Json(200, no_flag(vec![version_json("bot", "1", None)])),
            Reply::Json(200, no_flag(vec![])),
        ],
        Reply::Json(500, json!({})),
    )
    .await;
    assert_eq!(
        mock.client(RetryPolicy::fast_for_tests())
            .list_versions("bot", soon())
            .await
            .unwrap()
            .len(),
        1
    );
    assert_eq!(mock.seen().len(), 2);

    let stuck = Mock::start(
        vec![],
        Reply::Json(200, page(vec![version_json("bot", "1", None)], true)),
    )
    .await;
    let err = stuck
        .client(RetryPolicy::fast_for_tests())
        .list_versions("bot", soon())
        .await
        .unwrap_err();
    assert_eq!(err.kind, ErrorKind::Decode);
    assert_eq!(stuck.seen().len(), 2);
}

#[tokio::test]
async fn malformed_success_bodies_are_decode_errors() {
    let cases = [
        ("", "empty"),
        (
            "{\"object\": \"agent.version\", \"id\": \"bot:1\", \"na",
            "not valid JSON",
        ),
        ("<html><body>502 Bad Gateway</body></html>", "<html>"),
        ("{\"name\": 5, \"version\": \"1\"}", "unexpected shape"),
        ("[]", "unexpected shape"),
    ];
    for (body, expect) in cases {
        let mock = Mock::start(
            vec![],
            Reply::Raw {
                status: 200,
                headers: vec![("x-request-id", "rid-9".into())],
                body: body.into(),
            },
        )
        .await;
        let err = mock
            .client(RetryPolicy::fast_for_tests())
            .get_version("bot", "1", soon())
            .await
            .unwrap_err();
        assert_eq!(err.kind, ErrorKind::Decode, "{body}");
        assert!(err.message.contains(expect), "{body:?} → {}", err.message);
        assert_eq!(err.request_id.as_deref(), Some("rid-9"));
        assert_eq!(mock.seen().len(), 1);
    }
}

/// Nothing listens, and nothing ever answered: a configuration problem naming the endpoint,
/// once the retries (here 2) or `UNREACHABLE_RETRY_WINDOW` run out.
#[tokio::test]
async fn connection_refused_by_an_endpoint_that_never_answered_is_a_config_error() {
    // Bound but never listening: connections are refused, and no mock can take the port.
    let reserved = tokio::net::TcpSocket::new_v4().unwrap();
    reserved.bind("127.0.0.1:0".parse().unwrap()).unwrap();
    let port = reserved.local_addr().unwrap().port();
    let mut opts = ClientOptions::new(
        format!("http://127.0.0.1:{port}/api/projects/demo")
            .parse()
            .unwrap(),
        Arc::new(StaticToken),
    );
    opts.retry = RetryPolicy {
        max_retries: 2,
        ..RetryPolicy::fast_for_tests()
    };
    let err = Client::new(opts)
        .unwrap()
        .get_agent("bot", soon())
        .await
        .unwrap_err();
    assert_eq!(err.kind, ErrorKind::Config, "{err}");
    let text = err.to_string();
    assert!(
        text.contains(&format!("project endpoint 127.0.0.1:{port} refused")),
        "{text}"
    );
    assert!(text.contains("retried for"), "{text}");
}

#[tokio::test]
async fn the_token_never_shows_in_errors() {
    let mock = Mock::start(
        vec![],
        Reply::Json(
            400,
            json!({"error": {"code": "bad_request", "message": "invalid"}}),
        ),
    )
    .await;
    let client = mock.client(RetryPolicy::fast_for_tests());
    let err = client
        .create_version("bot", &request(), soon())
        .await
        .unwrap_err();
    for text in [err.to_string(), format!("{err:?}"), format!("{client:?}")] {
        assert!(!text.contains(TOKEN), "{text}");
    }
}

#[test]
fn bearer_tokens_are_refused_over_plain_http_to_remote_hosts() {
    for endpoint in ["http://example.com/api/projects/p", "ftp://127.0.0.1/x"] {
        let err = Client::new(ClientOptions::new(
            endpoint.parse().unwrap(),
            Arc::new(StaticToken),
        ))
        .unwrap_err();
        assert_eq!(err.kind, ErrorKind::Config, "{endpoint}");
    }
    for endpoint in [
        "http://127.0.0.1:1/api/projects/p",
        "http://localhost:1/p",
        "http://[::1]:1/p",
        "https://example.com/api/projects/p",
    ] {
        Client::new(ClientOptions::new(
            endpoint.parse().unwrap(),
            Arc::new(StaticToken),
        ))
        .unwrap();
    }
}

#[tokio::test]
async fn invalid_path_segments_are_rejected_before_sending() {
    let mock = Mock::start(vec![], not_found()).await;
    let err = mock
        .client(RetryPolicy::fast_for_tests())
        .get_version("bot", "..", soon())
        .await
        .unwrap_err();
    assert_eq!(err.kind, ErrorKind::Validation);
    assert!(mock.seen().is_empty());
}

/// Resources await these calls inside `async_trait` methods, which need `Send` futures; this
/// fails to compile if a client future stops being `Send`.
#[allow(dead_code)]
fn client_futures_are_send(c: &Client, req: &CreateVersionRequest) {
    fn send<T: Send>(_: T) {}
    let d = soon();
    send(c.create_version("a", req, d));
    send(c.get_version("a", "1", d));
    send(c.list_versions("a", d));
    send(c.find_by_creation_token("a", "t", d));
    send(c.delete_version("a", "1", true, d));
    send(c.get_agent("a", d));
    send(c.delete_agent("a", true, d));
}
