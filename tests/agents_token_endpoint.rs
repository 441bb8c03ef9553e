//! Token endpoints behind a certificate this machine does not trust, through the credentials
//! the provider builds (`credential_chain`): every HTTP-based credential of `azure_identity`
//! (managed identity in the default chain and on its own, client secret, workload identity)
//! against the emulator's TLS mode. The errors must name TLS and the token endpoint, never
//! "retry policy expired", and come back on the first attempt. (A token endpoint where nothing
//! listens is `resource_connect_errors::refused_token_endpoint_fails_within_the_retry_window`.)
//! One test function, because it sets process-wide environment variables.

mod agents_support;

use std::time::{Duration, Instant};

use agents_support::emulator::Emulator;
use azure_core::credentials::Secret;
use azureai::agents::{
    AuthSelection, Client, ClientOptions, Error, ErrorKind, RetryPolicy,
    build_http_client_trusting, credential_chain,
};

/// A call through a client whose credential is `sel` (default retry policy: what the provider
/// uses), with how long it took.
async fn call(emu: &Emulator, sel: AuthSelection) -> (Error, Duration) {
    let http = build_http_client_trusting(None).unwrap();
    let credential = credential_chain(sel, http.clone()).unwrap();
    let mut opts = ClientOptions::new(emu.endpoint.clone(), credential);
    opts.retry = RetryPolicy::default();
    let client = Client::with_http_client(opts, http).unwrap();
    let started = Instant::now();
    let err = client
        .get_agent(
            "bot",
            tokio::time::Instant::now() + Duration::from_secs(300),
        )
        .await
        .unwrap_err();
    (err, started.elapsed())
}

#[track_caller]
fn assert_names_tls(case: &str, err: &Error, elapsed: Duration, endpoint: &str) {
    println!("{case}: failed after {elapsed:.1?}: {err}");
    assert_eq!(err.kind, ErrorKind::Config, "{case}: {err}");
    for needle in [
        "cannot acquire an access token",
        "TLS failure",
        &format!("token endpoint {endpoint}"),
        "not trusted",
        "SSL_CERT_FILE",
    ] {
        assert!(
            err.message.contains(needle),
            "{case}: no {needle:?} in {err}"
        );
    }
    assert!(
        !err.message.contains("retry policy expired"),
        "{case}: {err}"
    );
    assert!(
        elapsed < Duration::from_secs(5),
        "{case}: not on the first attempt: {elapsed:?}"
    );
}

#[tokio::test]
async fn unreachable_token_endpoints_name_the_cause() {
    let tls = Emulator::start(&["--tls"]);
    let endpoint = format!("127.0.0.1:{}", tls.port());
    let assertion = tempfile::NamedTempFile::new().unwrap();
    std::fs::write(assertion.path(), "header.payload.signature").unwrap();
    // SAFETY: the only test in this binary; nothing else reads the environment concurrently.
    unsafe {
        for var in [
            "AZURE_TENANT_ID",
            "AZURE_CLIENT_ID",
            "AZURE_CLIENT_SECRET",
            "AZURE_FEDERATED_TOKEN_FILE",
            "SSL_CERT_FILE",
        ] {
            std::env::remove_var(var);
        }
        std::env::set_var("IDENTITY_HEADER", "emulator");
        std::env::set_var("IDENTITY_ENDPOINT", format!("{}/msi/token", tls.base));
    }

    let (err, t) = call(&tls, AuthSelection::Default).await;
    assert_names_tls("default chain (managed identity)", &err, t, &endpoint);
    assert!(
        err.message
            .contains("ManagedIdentityCredential: TLS failure"),
        "{err}"
    );
    let (err, t) = call(&tls, AuthSelection::ManagedIdentity { client_id: None }).await;
    assert_names_tls("managed identity", &err, t, &endpoint);

    // Entra ID's token endpoint, moved to the emulator's port with AZURE_AUTHORITY_HOST.
    unsafe {
        std::env::set_var("AZURE_AUTHORITY_HOST", &tls.base);
    }
    let tenant = "00000000-0000-0000-0000-000000000000";
    let (err, t) = call(
        &tls,
        AuthSelection::ClientSecret {
            tenant_id: tenant.into(),
            client_id: "11111111-1111-1111-1111-111111111111".into(),
            secret: Secret::new("not-a-real-secret"),
        },
    )
    .await;
    assert_names_tls("client secret", &err, t, &endpoint);
    assert!(!err.message.contains("not-a-real-secret"), "{err}");
    let (err, t) = call(
        &tls,
        AuthSelection::WorkloadIdentity {
            tenant_id: Some(tenant.into()),
            client_id: Some("11111111-1111-1111-1111-111111111111".into()),
            token_file_path: Some(assertion.path().to_path_buf()),
        },
    )
    .await;
    assert_names_tls("workload identity", &err, t, &endpoint);
}
