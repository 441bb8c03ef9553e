//! TLS trust: a self-signed loopback endpoint is reachable only once its certificate is trusted,
//! either explicitly or through `SSL_CERT_FILE` (the Go-provider convention). One test function,
//! because it changes the process environment.

mod agents_support;

use std::sync::Arc;
use std::time::Duration;

use agents_support::{Mock, Reply};
use azure_core::credentials::{AccessToken, TokenCredential, TokenRequestOptions};
use azureai::agents::{
    Client, ClientOptions, ErrorKind, RetryPolicy, build_http_client, build_http_client_trusting,
};
use rustls_pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
use serde_json::json;
use tokio::time::Instant;

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
            "tls-test-token",
            azure_core::time::OffsetDateTime::now_utc() + time::Duration::hours(1),
        ))
    }
}

fn client(endpoint: &url::Url, http: reqwest::Client) -> Client {
    let mut opts = ClientOptions::new(endpoint.clone(), Arc::new(StaticToken));
    opts.retry = RetryPolicy {
        max_retries: 0,
        ..RetryPolicy::fast_for_tests()
    };
    Client::with_http_client(opts, http).unwrap()
}

#[tokio::test]
async fn self_signed_endpoint_is_trusted_only_through_the_given_bundle() {
    let key =
        rcgen::generate_simple_self_signed(vec!["localhost".to_string(), "127.0.0.1".to_string()])
            .unwrap();
    let pem = tempfile::NamedTempFile::new().unwrap();
    std::fs::write(pem.path(), key.cert.pem()).unwrap();

    let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
    let config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_no_client_auth()
        .with_single_cert(
            vec![CertificateDer::from(key.cert.der().to_vec())],
            PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(key.signing_key.serialize_der())),
        )
        .unwrap();
    let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(config));
    let agent = json!({"object": "agent", "id": "bot", "name": "bot", "versions": {}});
    let mock = Mock::start_with(vec![], Reply::Json(200, agent), "https", move |tcp| {
        let acceptor = acceptor.clone();
        async move { acceptor.accept(tcp).await.ok() }
    })
    .await;
    let deadline = || Instant::now() + Duration::from_secs(10);

    // Not trusted: the handshake fails, the token is never sent, and the error is a
    // configuration error that names the endpoint and how to trust its certificate.
    let untrusted = client(&mock.endpoint, build_http_client_trusting(None).unwrap());
    let err = untrusted.get_agent("bot", deadline()).await.unwrap_err();
    assert_eq!(err.kind, ErrorKind::Config, "{err}");
    let endpoint = format!("127.0.0.1:{}", mock.endpoint.port().unwrap());
    for needle in [
        "TLS failure",
        endpoint.as_str(),
        "not trusted",
        "UnknownIssuer",
        "SSL_CERT_FILE",
    ] {
        assert!(err.message.contains(needle), "{needle}: {err}");
    }
    assert!(mock.seen().is_empty());

    // Trusted, but issued for another name: said so, not "untrusted".
    let other = rcgen::generate_simple_self_signed(vec!["other.example".to_string()]).unwrap();
    let other_pem = tempfile::NamedTempFile::new().unwrap();
    std::fs::write(other_pem.path(), other.cert.pem()).unwrap();
    let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
    let other_config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_no_client_auth()
        .with_single_cert(
            vec![CertificateDer::from(other.cert.der().to_vec())],
            PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(other.signing_key.serialize_der())),
        )
        .unwrap();
    let other_acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(other_config));
    let misnamed = Mock::start_with(vec![], Reply::Json(200, json!({})), "https", move |tcp| {
        let acceptor = other_acceptor.clone();
        async move { acceptor.accept(tcp).await.ok() }
    })
    .await;
    let err = client(
        &misnamed.endpoint,
        build_http_client_trusting(Some(other_pem.path())).unwrap(),
    )
    .get_agent("bot", deadline())
    .await
    .unwrap_err();
    assert_eq!(err.kind, ErrorKind::Config, "{err}");
    assert!(
        err.message.contains("not valid for this host name"),
        "{err}"
    );
    assert!(misnamed.seen().is_empty());

    // Trusted explicitly.
    let trusted = client(
        &mock.endpoint,
        build_http_client_trusting(Some(pem.path())).unwrap(),
    );
    assert_eq!(
        trusted.get_agent("bot", deadline()).await.unwrap().name,
        "bot"
    );
    assert_eq!(mock.seen().len(), 1);

    // Trusted through SSL_CERT_FILE. SAFETY: this binary has one test, so no other thread reads
    // the environment concurrently.
    unsafe { std::env::set_var("SSL_CERT_FILE", pem.path()) };
    let from_env = client(&mock.endpoint, build_http_client().unwrap());
    assert_eq!(
        from_env.get_agent("bot", deadline()).await.unwrap().name,
        "bot"
    );
    assert_eq!(mock.seen().len(), 2);
    unsafe { std::env::set_var("SSL_CERT_FILE", "/nonexistent/bundle.pem") };
    assert_eq!(build_http_client().unwrap_err().kind, ErrorKind::Config);
}
