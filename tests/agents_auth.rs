//! The credential chain with the real `azure_identity` managed-identity code path against a
//! loopback token endpoint in the App Service shape (IDENTITY_ENDPOINT + IDENTITY_HEADER), with
//! our reqwest client as its transport. One test function, because it changes the environment.

mod agents_support;

use std::time::Duration;

use agents_support::{Mock, Reply};
use azureai::agents::{
    AuthSelection, Client, ClientOptions, ErrorKind, RetryPolicy, build_http_client_trusting,
    credential_chain,
};
use serde_json::json;
use tokio::time::Instant;

const ISSUED: &str = "mi-token-7f3a9c";

fn token_reply() -> Reply {
    let expires = (time::OffsetDateTime::now_utc() + time::Duration::hours(1)).unix_timestamp();
    Reply::Json(
        200,
        json!({"access_token": ISSUED, "expires_on": expires.to_string(),
                            "token_type": "Bearer", "resource": "https://ai.azure.com"}),
    )
}

fn agent_reply() -> Reply {
    Reply::Json(
        200,
        json!({"object": "agent", "id": "bot", "name": "bot", "versions": {}}),
    )
}

fn client_for(mock: &Mock, sel: AuthSelection) -> Client {
    let http = build_http_client_trusting(None).unwrap();
    let credential = credential_chain(sel, http.clone()).unwrap();
    let mut opts = ClientOptions::new(mock.endpoint.clone(), credential);
    opts.retry = RetryPolicy::fast_for_tests();
    Client::with_http_client(opts, http).unwrap()
}

#[tokio::test]
async fn managed_identity_through_the_default_chain_and_explicitly() {
    let deadline = || Instant::now() + Duration::from_secs(20);
    let mock = Mock::start(
        vec![token_reply(), agent_reply(), agent_reply()],
        Reply::Json(500, json!({})),
    )
    .await;
    let token_url = format!(
        "http://127.0.0.1:{}/msi/token",
        mock.endpoint.port().unwrap()
    );
    // SAFETY: the only test in this binary; no other thread touches the environment.
    unsafe {
        for var in [
            "AZURE_TENANT_ID",
            "AZURE_CLIENT_ID",
            "AZURE_CLIENT_SECRET",
            "AZURE_FEDERATED_TOKEN_FILE",
        ] {
            std::env::remove_var(var);
        }
        std::env::set_var("IDENTITY_ENDPOINT", &token_url);
        std::env::set_var("IDENTITY_HEADER", "emulator");
    }

    let client = client_for(&mock, AuthSelection::Default);
    client.get_agent("bot", deadline()).await.unwrap();
    client.get_agent("bot", deadline()).await.unwrap();
    let seen = mock.seen();
    assert_eq!(
        seen.len(),
        3,
        "one token request, then the cached token: {seen:?}"
    );
    assert!(
        seen[0].target.starts_with("/msi/token?"),
        "{}",
        seen[0].target
    );
    assert!(seen[0].target.contains("api-version=2019-08-01"));
    assert!(
        seen[0]
            .target
            .contains("resource=https%3A%2F%2Fai.azure.com"),
        "{}",
        seen[0].target
    );
    assert_eq!(seen[0].header("x-identity-header"), Some("emulator"));
    for agents_call in &seen[1..] {
        assert_eq!(
            agents_call.header("authorization"),
            Some(format!("Bearer {ISSUED}").as_str())
        );
    }

    // Explicit selection, against an endpoint that refuses: the error names the source and
    // is an authentication failure, and the agents API is never called.
    let refusing = Mock::start(
        vec![],
        Reply::Json(
            400,
            json!({"error": "invalid_request", "error_description": "unknown identity"}),
        ),
    )
    .await;
    let refusing_url = format!(
        "http://127.0.0.1:{}/msi/token",
        refusing.endpoint.port().unwrap()
    );
    unsafe { std::env::set_var("IDENTITY_ENDPOINT", &refusing_url) };
    let client = client_for(
        &refusing,
        AuthSelection::ManagedIdentity { client_id: None },
    );
    let err = client.get_agent("bot", deadline()).await.unwrap_err();
    assert_eq!(err.kind, ErrorKind::Auth, "{err}");
    assert!(
        refusing
            .seen()
            .iter()
            .all(|s| s.target.starts_with("/msi/token"))
    );
    assert!(!err.to_string().contains(ISSUED));
}
