//! The agents client against the real `azureai-emulator`: every operation in both generations,
//! paging, every error class the emulator produces, retries under each fault kind with exact
//! call counts from `/_emulator/stats`, no duplicate version when create responses are lost,
//! TLS mode, and a restart with `--state-file` in the middle of a call.

mod agents_support;

use std::collections::{BTreeMap, HashSet};
use std::time::Duration;

use agents_support::emulator::Emulator;
use azureai::agents::{
    ApiVersion, Client, ClientOptions, CreateVersionRequest, ErrorKind, HostedDefinition,
    ProtocolVersion, RetryPolicy, VersionStatus,
};
use serde_json::Value;
use tokio::time::Instant;

const CREATE: &str = "POST /api/projects/{project}/agents/{name}/versions";
const LIST: &str = "GET /api/projects/{project}/agents/{name}/versions";
const GET: &str = "GET /api/projects/{project}/agents/{name}/versions/{version}";

fn deadline() -> Instant {
    Instant::now() + Duration::from_secs(60)
}

fn request(image: &str, api: ApiVersion) -> CreateVersionRequest {
    let version = if api == ApiVersion::V1 { "1.0.0" } else { "v1" };
    CreateVersionRequest {
        description: Some("from the agents tests".into()),
        metadata: BTreeMap::from([("team".to_string(), "agents".to_string())]),
        definition: HostedDefinition {
            image: image.into(),
            cpu: "1".into(),
            memory: "2Gi".into(),
            protocol_versions: vec![ProtocolVersion {
                protocol: "responses".into(),
                version: version.into(),
            }],
            environment_variables: BTreeMap::from([(
                "MODEL".to_string(),
                "gpt-5-mini".to_string(),
            )]),
            ..HostedDefinition::default()
        },
    }
    .with_creation_token(&azureai::agents::new_creation_token())
}

fn client_for(emu: &Emulator, api: ApiVersion, retry: RetryPolicy) -> Client {
    let mut opts = ClientOptions::new(emu.endpoint.clone(), emu.credential());
    opts.api_version = api;
    opts.retry = retry;
    Client::with_http_client(opts, emu.http.clone()).unwrap()
}

async fn wait_terminal(
    client: &Client,
    agent: &str,
    version: &str,
) -> azureai::agents::AgentVersion {
    for _ in 0..200 {
        let v = client
            .get_version(agent, version, deadline())
            .await
            .unwrap();
        if v.status.as_ref().is_some_and(VersionStatus::is_terminal) {
            return v;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    panic!("version {agent}:{version} never reached a terminal status");
}

fn stored_versions(state: &Value, agent: &str) -> Vec<Value> {
    // Tolerate either `{"agents": {name: {"versions": {..}|[..]}}}` or a list of agents.
    let agents = state.get("agents").unwrap_or(state);
    let entry = match agents {
        Value::Object(m) => m.get(agent).cloned(),
        Value::Array(a) => a.iter().find(|x| x["name"] == agent).cloned(),
        _ => None,
    };
    let Some(entry) = entry else { return vec![] };
    match &entry["versions"] {
        Value::Object(m) => m.values().cloned().collect(),
        Value::Array(a) => a.clone(),
        _ => vec![],
    }
}

#[tokio::test]
async fn every_operation_on_gen_b() {
    let emu = Emulator::start(&["--provision-delay-ms", "50"]);
    let client = emu.client(RetryPolicy::fast_for_tests());
    let req = request("acr.io/orders:1", ApiVersion::V1);
    let created = client
        .create_version("orders-bot", &req, deadline())
        .await
        .unwrap();
    assert_eq!(
        (
            created.name.as_str(),
            created.version.as_str(),
            created.id.as_str()
        ),
        ("orders-bot", "1", "orders-bot:1")
    );
    assert_eq!(created.status, Some(VersionStatus::Creating));
    // The service fills in its default idle timeout; everything sent comes back unchanged.
    let mut expected = req.definition.clone();
    expected.extra.insert(
        "session_configuration".into(),
        serde_json::json!({"idle_timeout_seconds": 900}),
    );
    assert_eq!(created.definition, expected);
    assert_eq!(created.metadata, req.metadata);
    assert_eq!(created.creation_token(), req.creation_token_value());

    let active = wait_terminal(&client, "orders-bot", "1").await;
    assert_eq!(active.status, Some(VersionStatus::Active));

    let second = client
        .create_version(
            "orders-bot",
            &request("acr.io/orders:2", ApiVersion::V1),
            deadline(),
        )
        .await
        .unwrap();
    assert_eq!(second.version, "2");
    let listed = client
        .list_versions("orders-bot", deadline())
        .await
        .unwrap();
    assert_eq!(
        listed
            .iter()
            .map(|v| v.version.as_str())
            .collect::<Vec<_>>(),
        ["1", "2"]
    );
    let agent = client.get_agent("orders-bot", deadline()).await.unwrap();
    assert_eq!(agent.versions.latest.unwrap().version, "2");

    let found = client
        .find_by_creation_token(
            "orders-bot",
            req.creation_token_value().unwrap(),
            deadline(),
        )
        .await
        .unwrap();
    assert_eq!(found.unwrap().version, "1");
    assert!(
        client
            .find_by_creation_token("orders-bot", "0000", deadline())
            .await
            .unwrap()
            .is_none()
    );
    assert!(
        client
            .find_by_creation_token("no-such-agent", "0000", deadline())
            .await
            .unwrap()
            .is_none()
    );

    client
        .delete_version("orders-bot", "1", false, deadline())
        .await
        .unwrap();
    let gone = client
        .get_version("orders-bot", "1", deadline())
        .await
        .unwrap_err();
    assert_eq!((gone.kind, gone.status), (ErrorKind::NotFound, Some(404)));
    assert!(
        gone.request_id.is_some(),
        "the emulator's x-request-id is surfaced"
    );
    client
        .delete_agent("orders-bot", false, deadline())
        .await
        .unwrap();
    assert_eq!(
        client
            .get_agent("orders-bot", deadline())
            .await
            .unwrap_err()
            .kind,
        ErrorKind::NotFound
    );
    assert_eq!(
        client
            .delete_version("orders-bot", "2", false, deadline())
            .await
            .unwrap_err()
            .kind,
        ErrorKind::NotFound
    );
}

#[tokio::test]
async fn every_operation_on_gen_a_writes_the_gen_a_spelling() {
    let emu = Emulator::start(&[]);
    let client = client_for(&emu, ApiVersion::Preview, RetryPolicy::fast_for_tests());
    let req = request("acr.io/legacy:3", ApiVersion::Preview);
    let created = client
        .create_version("legacy", &req, deadline())
        .await
        .unwrap();
    assert_eq!(created.definition.image, "acr.io/legacy:3");
    assert_eq!(
        created.definition.protocol_versions,
        req.definition.protocol_versions
    );
    let stored = stored_versions(&emu.state().await, "legacy");
    assert_eq!(stored.len(), 1, "{stored:?}");
    let body = stored[0].get("body").unwrap_or(&stored[0]);
    let def = &body["definition"];
    assert_eq!(
        def["image"], "acr.io/legacy:3",
        "Gen A body stored as sent: {def}"
    );
    assert!(def.get("container_protocol_versions").is_some(), "{def}");
    assert_eq!(
        client
            .get_version("legacy", "1", deadline())
            .await
            .unwrap()
            .definition,
        req.definition
    );
    assert_eq!(
        client
            .list_versions("legacy", deadline())
            .await
            .unwrap()
            .len(),
        1
    );
    client
        .delete_version("legacy", "1", false, deadline())
        .await
        .unwrap();
    assert!(
        client
            .list_versions("legacy", deadline())
            .await
            .map(|v| v.is_empty())
            .unwrap_or_else(|e| e.is_not_found())
    );
}

#[tokio::test]
async fn a_failing_image_ends_failed_with_the_service_error() {
    let emu = Emulator::start(&["--provision-delay-ms", "20"]);
    let client = emu.client(RetryPolicy::fast_for_tests());
    client
        .create_version(
            "pull",
            &request("acr.io/app:missing-tag", ApiVersion::V1),
            deadline(),
        )
        .await
        .unwrap();
    let v = wait_terminal(&client, "pull", "1").await;
    assert_eq!(v.status, Some(VersionStatus::Failed));
    assert_eq!(v.error.unwrap().code, "ImageError");
}

#[tokio::test]
async fn paging_reads_every_page() {
    let emu = Emulator::start(&[]);
    let client = emu.client(RetryPolicy::fast_for_tests());
    const N: usize = 205;
    for i in 0..N {
        client
            .create_version(
                "many",
                &request(&format!("acr.io/many:{i}"), ApiVersion::V1),
                deadline(),
            )
            .await
            .unwrap();
    }
    emu.reset_stats().await;
    let all = client.list_versions("many", deadline()).await.unwrap();
    assert_eq!(all.len(), N);
    let versions: Vec<u64> = all.iter().map(|v| v.version.parse().unwrap()).collect();
    assert_eq!(
        versions,
        (1..=N as u64).collect::<Vec<_>>(),
        "oldest first, no gaps or repeats"
    );
    let pages = emu.route_count(LIST).await;
    assert!(
        (3..=4).contains(&pages),
        "205 versions at 100 per page take 3 pages (+1 empty end page), got {pages}"
    );
}

#[tokio::test]
async fn error_classes() {
    let emu = Emulator::start(&[]);
    let client = emu.client(RetryPolicy::fast_for_tests());
    // 400: validation, with the service's code and message, never retried.
    let mut bad = request("acr.io/app:1", ApiVersion::V1);
    bad.definition.cpu = "lots".into();
    let err = client
        .create_version("valid-name", &bad, deadline())
        .await
        .unwrap_err();
    assert_eq!(
        (err.kind, err.status),
        (ErrorKind::Validation, Some(400)),
        "{err}"
    );
    assert!(err.code.is_some() && !err.message.is_empty(), "{err:?}");
    let err = client
        .create_version(
            "-bad-name-",
            &request("acr.io/app:1", ApiVersion::V1),
            deadline(),
        )
        .await
        .unwrap_err();
    assert_eq!(err.kind, ErrorKind::Validation, "{err}");
    assert_eq!(emu.route_count(CREATE).await, 2);
    assert_eq!(emu.stats().await["writes"], 0);

    // 409: active sessions block a delete without force; force deletes.
    client
        .create_version("busy", &request("acr.io/app:1", ApiVersion::V1), deadline())
        .await
        .unwrap();
    emu.set_sessions("busy", "1", 2).await;
    let err = client
        .delete_version("busy", "1", false, deadline())
        .await
        .unwrap_err();
    assert_eq!(
        (err.kind, err.status),
        (ErrorKind::Conflict, Some(409)),
        "{err}"
    );
    client
        .delete_version("busy", "1", true, deadline())
        .await
        .unwrap();

    // 401: a token the emulator did not issue. The token text never appears in the error.
    let mut opts = ClientOptions::new(
        emu.endpoint.clone(),
        std::sync::Arc::new(FixedToken("forged-SECRET-token")),
    );
    opts.retry = RetryPolicy::fast_for_tests();
    let forged = Client::with_http_client(opts, emu.http.clone()).unwrap();
    let err = forged.get_agent("busy", deadline()).await.unwrap_err();
    assert_eq!(
        (err.kind, err.status),
        (ErrorKind::Unauthorized, Some(401)),
        "{err}"
    );
    for text in [err.to_string(), format!("{err:?}")] {
        assert!(!text.contains("forged-SECRET-token"), "{text}");
    }
}

#[derive(Debug)]
struct FixedToken(&'static str);

#[async_trait::async_trait]
impl azure_core::credentials::TokenCredential for FixedToken {
    async fn get_token(
        &self,
        _: &[&str],
        _: Option<azure_core::credentials::TokenRequestOptions<'_>>,
    ) -> azure_core::Result<azure_core::credentials::AccessToken> {
        Ok(azure_core::credentials::AccessToken::new(
            self.0,
            azure_core::time::OffsetDateTime::now_utc() + time::Duration::hours(1),
        ))
    }
}

#[tokio::test]
async fn throttling_is_retried_exactly_max_retries_times() {
    let emu = Emulator::start(&["--fault-429", "1.0", "--seed", "1"]);
    let policy = RetryPolicy {
        max_retries: 4,
        ..RetryPolicy::fast_for_tests()
    };
    let err = emu
        .client(policy)
        .get_version("x", "1", deadline())
        .await
        .unwrap_err();
    assert_eq!(
        (err.kind, err.status),
        (ErrorKind::Throttled, Some(429)),
        "{err}"
    );
    assert_eq!(emu.route_count(GET).await, 5);
}

#[tokio::test]
async fn server_errors_are_retried_exactly_max_retries_times() {
    let emu = Emulator::start(&["--fault-5xx", "1.0", "--seed", "2"]);
    let policy = RetryPolicy {
        max_retries: 3,
        ..RetryPolicy::fast_for_tests()
    };
    let err = emu
        .client(policy)
        .create_version("x", &request("acr.io/a:1", ApiVersion::V1), deadline())
        .await
        .unwrap_err();
    assert_eq!(err.kind, ErrorKind::Server, "{err}");
    // A 5xx may have been processed, so every retry of the create first looks for it; as the
    // lookups fail too, the create is never sent a second time.
    assert_eq!(emu.route_count(CREATE).await, 1);
    assert_eq!(
        emu.route_count(LIST).await,
        3 * 4,
        "3 lookups, each itself tried 4 times"
    );
    assert_eq!(emu.stats().await["writes"], 0);
}

#[tokio::test]
async fn lost_create_responses_never_make_a_second_version() {
    // Every response is lost: the first create lands, and every later attempt looks it up
    // (and loses those responses too) instead of creating again.
    let emu = Emulator::start(&["--fault-drop", "1.0", "--seed", "3"]);
    let policy = RetryPolicy {
        max_retries: 2,
        ..RetryPolicy::fast_for_tests()
    };
    let err = emu
        .client(policy)
        .create_version("lost", &request("acr.io/a:1", ApiVersion::V1), deadline())
        .await
        .unwrap_err();
    assert_eq!(err.kind, ErrorKind::Transport, "{err}");
    assert_eq!(emu.route_count(CREATE).await, 1);
    assert_eq!(emu.route_count(LIST).await, 2 * 3);
    assert_eq!(emu.stats().await["writes"], 1);
    assert_eq!(stored_versions(&emu.state().await, "lost").len(), 1);
}

#[tokio::test]
async fn mixed_faults_still_create_each_version_once() {
    for seed in ["11", "12"] {
        let emu = Emulator::start(&[
            "--fault-429",
            "0.3",
            "--fault-5xx",
            "0.1",
            "--fault-drop",
            "0.1",
            "--seed",
            seed,
        ]);
        let policy = RetryPolicy {
            max_retries: 30,
            ..RetryPolicy::fast_for_tests()
        };
        let client = emu.client(policy);
        let mut tokens = HashSet::new();
        for i in 0..20 {
            let req = request(&format!("acr.io/soak:{i}"), ApiVersion::V1);
            tokens.insert(req.creation_token_value().unwrap().to_string());
            let v = client
                .create_version("soak", &req, deadline())
                .await
                .unwrap();
            assert_eq!(v.creation_token(), req.creation_token_value());
        }
        let stats = emu.stats().await;
        assert_eq!(stats["writes"], 20, "seed {seed}: {stats}");
        let stored = stored_versions(&emu.state().await, "soak");
        assert_eq!(stored.len(), 20, "seed {seed}");
        let listed = client.list_versions("soak", deadline()).await.unwrap();
        let seen: HashSet<String> = listed
            .iter()
            .filter_map(|v| v.creation_token().map(str::to_string))
            .collect();
        assert_eq!(seen, tokens, "seed {seed}: every version once");
        let faults = &stats["faults"];
        assert!(
            faults.as_object().is_some_and(|f| !f.is_empty()),
            "seed {seed}: faults were injected: {stats}"
        );
    }
}

#[tokio::test]
async fn tls_mode_with_the_written_certificate() {
    let emu = Emulator::start(&["--tls"]);
    assert_eq!(emu.endpoint.scheme(), "https");
    let client = emu.client(RetryPolicy::fast_for_tests());
    let v = client
        .create_version("secure", &request("acr.io/s:1", ApiVersion::V1), deadline())
        .await
        .unwrap();
    assert_eq!(v.version, "1");
    // Without the certificate the handshake fails before any request is made, and is not
    // retried (a configuration problem).
    let mut opts = ClientOptions::new(emu.endpoint.clone(), emu.credential());
    opts.retry = RetryPolicy::default();
    let untrusting = Client::with_http_client(
        opts,
        azureai::agents::build_http_client_trusting(None).unwrap(),
    )
    .unwrap();
    let started = std::time::Instant::now();
    let err = untrusting
        .get_agent("secure", deadline())
        .await
        .unwrap_err();
    assert_eq!(err.kind, ErrorKind::Config, "{err}");
    assert!(err.message.contains("SSL_CERT_FILE"), "{err}");
    // The default policy's first back-off alone could be 0.8 s; 16 of them are minutes.
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "{:?}",
        started.elapsed()
    );
}

#[tokio::test]
async fn a_restart_with_a_state_file_is_ridden_out() {
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("state.json").to_string_lossy().to_string();
    let emu = Emulator::start_in(dir, &["--state-file", &state]);
    let port = emu.port();
    let policy = RetryPolicy {
        max_retries: 40,
        max_delay: Duration::from_millis(100),
        ..RetryPolicy::fast_for_tests()
    };
    let client = emu.client(policy);
    client
        .create_version(
            "durable",
            &request("acr.io/d:1", ApiVersion::V1),
            deadline(),
        )
        .await
        .unwrap();

    let dir = emu.stop();
    let listen = format!("127.0.0.1:{port}");
    let restart = tokio::task::spawn_blocking(move || {
        std::thread::sleep(Duration::from_millis(400));
        Emulator::start_in(dir, &["--state-file", &state, "--listen", &listen])
    });
    // Issued while the emulator is down: connection refused, retried until it is back, and the
    // token issued before the restart is still accepted.
    let v = client
        .get_version("durable", "1", deadline())
        .await
        .unwrap();
    assert_eq!(v.version, "1");
    let emu = restart.await.unwrap();
    assert_eq!(
        client
            .list_versions("durable", deadline())
            .await
            .unwrap()
            .len(),
        1
    );
    drop(emu);
}

#[tokio::test]
async fn slow_answers_time_out_per_attempt_and_at_the_deadline() {
    let emu = Emulator::start(&["--latency-ms", "1000"]);
    let policy = RetryPolicy {
        max_retries: 2,
        attempt_timeout: Duration::from_millis(100),
        ..RetryPolicy::fast_for_tests()
    };
    let err = emu
        .client(policy)
        .get_version("slow", "1", deadline())
        .await
        .unwrap_err();
    assert_eq!(err.kind, ErrorKind::Timeout, "{err}");
    assert_eq!(
        emu.route_count(GET).await,
        3,
        "each abandoned attempt was retried"
    );

    emu.reset_stats().await;
    let started = std::time::Instant::now();
    let client = emu.client(RetryPolicy::fast_for_tests());
    let err = client
        .get_version("slow", "1", Instant::now() + Duration::from_millis(200))
        .await
        .unwrap_err();
    assert_eq!(err.kind, ErrorKind::Timeout, "{err}");
    assert!(
        started.elapsed() < Duration::from_millis(900),
        "{:?}",
        started.elapsed()
    );
    // Given enough time the same client gets through: timeouts leave nothing broken behind.
    assert_eq!(
        client
            .get_version("slow", "1", deadline())
            .await
            .unwrap_err()
            .kind,
        ErrorKind::NotFound
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn parallel_creates_under_faults_make_each_version_exactly_once() {
    let emu = Emulator::start(&[
        "--fault-429",
        "0.3",
        "--fault-5xx",
        "0.1",
        "--fault-drop",
        "0.05",
        "--seed",
        "21",
    ]);
    let policy = RetryPolicy {
        max_retries: 30,
        ..RetryPolicy::fast_for_tests()
    };
    let client = emu.client(policy);
    let sem = std::sync::Arc::new(tokio::sync::Semaphore::new(10));
    let mut tasks = Vec::new();
    for i in 0..30 {
        let (client, sem) = (client.clone(), sem.clone());
        tasks.push(tokio::spawn(async move {
            let _permit = sem.acquire().await.unwrap();
            let req = request(&format!("acr.io/par:{i}"), ApiVersion::V1);
            let agent = format!("par-{}", i % 3);
            let v = client
                .create_version(&agent, &req, deadline())
                .await
                .unwrap();
            assert_eq!(v.creation_token(), req.creation_token_value());
            (agent, v.version)
        }));
    }
    let mut made = HashSet::new();
    for t in tasks {
        assert!(
            made.insert(t.await.unwrap()),
            "two creates returned the same version"
        );
    }
    assert_eq!(emu.stats().await["writes"], 30);
    let state = emu.state().await;
    let stored: usize = (0..3)
        .map(|a| stored_versions(&state, &format!("par-{a}")).len())
        .sum();
    assert_eq!(stored, 30, "no orphans, no duplicates");
}
