//! The real `azure_identity` managed-identity path (IDENTITY_ENDPOINT + IDENTITY_HEADER) against
//! the emulator's token endpoint, over TLS (trust through `SSL_CERT_FILE`) and plain loopback
//! http, through the default chain and the explicit selection. One test function, because it
//! sets process-wide environment variables.

mod agents_support;

use std::time::Duration;

use agents_support::emulator::Emulator;
use azureai::agents::{
    AuthSelection, Client, ClientOptions, CreateVersionRequest, HostedDefinition, ProtocolVersion,
    RetryPolicy, build_http_client, credential_chain,
};
use tokio::time::Instant;

fn request(image: &str) -> CreateVersionRequest {
    CreateVersionRequest {
        description: None,
        metadata: Default::default(),
        definition: HostedDefinition {
            image: image.into(),
            cpu: "0.5".into(),
            memory: "1Gi".into(),
            protocol_versions: vec![ProtocolVersion {
                protocol: "responses".into(),
                version: "1.0.0".into(),
            }],
            ..HostedDefinition::default()
        },
    }
    .with_creation_token(&azureai::agents::new_creation_token())
}

async fn exercise(emu: &Emulator, sel: AuthSelection) {
    // SAFETY: the only test in this binary; nothing else reads the environment concurrently.
    unsafe {
        for var in [
            "AZURE_TENANT_ID",
            "AZURE_CLIENT_ID",
            "AZURE_CLIENT_SECRET",
            "AZURE_FEDERATED_TOKEN_FILE",
        ] {
            std::env::remove_var(var);
        }
        std::env::set_var("IDENTITY_ENDPOINT", format!("{}/msi/token", emu.base));
        std::env::set_var("IDENTITY_HEADER", "emulator");
        match &emu.cert {
            Some(pem) => std::env::set_var("SSL_CERT_FILE", pem),
            None => std::env::remove_var("SSL_CERT_FILE"),
        }
    }
    let http = build_http_client().unwrap();
    let credential = credential_chain(sel, http.clone()).unwrap();
    let mut opts = ClientOptions::new(emu.endpoint.clone(), credential);
    opts.retry = RetryPolicy::fast_for_tests();
    let client = Client::with_http_client(opts, http).unwrap();
    let deadline = Instant::now() + Duration::from_secs(30);
    let v = client
        .create_version("mi-agent", &request("acr.io/mi:1"), deadline)
        .await
        .unwrap();
    assert_eq!(
        client
            .list_versions("mi-agent", deadline)
            .await
            .unwrap()
            .len(),
        1
    );
    client
        .delete_version("mi-agent", &v.version, true, deadline)
        .await
        .unwrap();
    let stats = emu.stats().await;
    assert_eq!(
        stats["by_route"]["GET /msi/token"], 1,
        "one token for three calls: {stats}"
    );
}

#[tokio::test]
async fn managed_identity_against_the_emulator() {
    let tls = Emulator::start(&["--tls"]);
    exercise(&tls, AuthSelection::Default).await;
    let tls2 = Emulator::start(&["--tls"]);
    exercise(&tls2, AuthSelection::ManagedIdentity { client_id: None }).await;
    let plain = Emulator::start(&[]);
    exercise(&plain, AuthSelection::Default).await;
}
