//! Secrets never reach Terraform's output or logs, even with `TF_LOG=trace`:
//! - the bearer tokens the emulator issues (any string of the emulator's token shape: the
//!   provider's own token carries a random nonce, so the test looks for the shape, after
//!   checking that the pattern matches a token fetched the same way);
//! - the value of a sensitive `environment_variables` entry;
//! - the provider's `client_secret`, exercised for real: `auth_method = "client_secret"`
//!   against a loopback authority (`AZURE_AUTHORITY_HOST`, an emulator with TLS) that refuses
//!   it, so the secret is sent, fails, and the failure is reported.
//! And the secret-bearing attributes are `sensitive` in the schemas Terraform receives.
//!
//! The plugin channel's own protection (a client without the pinned certificate cannot call
//! the provider) is tested in `plugin_transport.rs`.

mod reliability_common;
mod support;

use std::fs;

use regex::Regex;
use support::{Emulator, Workspace, terraform_on_path};

const ENV_SECRET: &str = "rel-ENVSECRET-5d1e77c0";
const CLIENT_SECRET: &str = "rel-CLIENTSECRET-9a8b7c6d";

/// `emu1.<expiry>.<nonce>.<mac>`, the emulator's token shape (src/emulator/auth.rs).
fn token_pattern() -> Regex {
    Regex::new(r"emu1\.[0-9]+\.[0-9a-f]{32}\.[0-9a-f]{64}").unwrap()
}

fn fetch_token(emu: &Emulator) -> String {
    let url = format!(
        "{}?api-version=2019-08-01&resource=https://ai.azure.com",
        emu.identity_endpoint()
    );
    std::thread::spawn(move || {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        rt.block_on(async move {
            let resp = reqwest::Client::new()
                .get(&url)
                .header("x-identity-header", "emulator")
                .send()
                .await
                .unwrap();
            let body: serde_json::Value = resp.json().await.unwrap();
            body["access_token"].as_str().unwrap().to_owned()
        })
    })
    .join()
    .unwrap()
}

/// Every place a secret could surface: each command's stdout and stderr, and the log file.
fn leaks(texts: &[(&str, String)], needle: &dyn Fn(&str) -> Option<String>) -> Vec<String> {
    texts
        .iter()
        .filter_map(|(what, t)| needle(t).map(|m| format!("{what}: {m}")))
        .collect()
}

#[test]
fn tokens_and_sensitive_values_stay_out_of_output_and_trace_logs() {
    let tf = terraform_on_path();
    let emu = Emulator::start(&["--provision-delay-ms", "50"]);
    let pattern = token_pattern();
    let sample = fetch_token(&emu);
    assert!(
        pattern.is_match(&sample),
        "the token pattern does not match an issued token: {sample}"
    );

    let log = tempfile::NamedTempFile::new().unwrap();
    let ws = Workspace::builder(&tf)
        .emulator(&emu)
        .env("TF_LOG", "trace")
        .env("TF_LOG_PATH", log.path().to_string_lossy())
        .build();
    ws.write_main_tf(&format!(
        r#"
provider "azureai" {{}}

resource "azureai_hosted_agent_version" "s" {{
  agent_name = "secrets"
  image      = "myacr.azurecr.io/secrets:1.0"
  environment_variables = {{
    API_KEY = "{ENV_SECRET}"
  }}
  container_protocol_version {{
    protocol = "responses"
    version  = "1.0.0"
  }}
}}
"#
    ));
    let mut outputs = vec![("init", ws.init())];
    let plan = ws.run(&["plan", "-input=false"]).assert_success();
    assert!(
        plan.stdout.contains("(sensitive value)"),
        "environment_variables not hidden in the plan:\n{plan}"
    );
    outputs.push(("plan", plan));
    outputs.push(("apply", ws.apply()));
    outputs.push((
        "refresh-plan",
        ws.run(&["plan", "-input=false", "-refresh-only"])
            .assert_success(),
    ));
    outputs.push(("destroy", ws.destroy()));

    // The runs really used tokens and really sent the value, so the greps below can fail.
    let stats = emu.stats();
    assert!(
        stats["by_route"]["GET /msi/token"].as_u64().unwrap_or(0) >= 2,
        "the provider never fetched a token: {stats}"
    );
    assert_eq!(stats["writes"], 2, "{stats}");
    let log_text = fs::read_to_string(log.path()).unwrap();
    assert!(
        log_text.contains("agents API attempt"),
        "the trace log lacks the provider's lines"
    );

    let mut texts: Vec<(&str, String)> = Vec::new();
    for (what, out) in &outputs {
        texts.push((what, out.stdout.clone()));
        texts.push((what, out.stderr.clone()));
    }
    texts.push(("TF_LOG_PATH file", log_text));
    let token_leaks = leaks(&texts, &|t| pattern.find(t).map(|m| m.as_str().to_owned()));
    assert!(
        token_leaks.is_empty(),
        "bearer tokens leaked: {token_leaks:?}"
    );
    let env_leaks = leaks(&texts, &|t| {
        t.contains(ENV_SECRET).then(|| ENV_SECRET.to_owned())
    });
    assert!(
        env_leaks.is_empty(),
        "a sensitive environment value leaked: {env_leaks:?}"
    );
}

#[test]
fn client_secret_stays_out_of_output_and_trace_logs_when_auth_fails() {
    let tf = terraform_on_path();
    let api = Emulator::start(&[]);
    // The "authority": an https emulator that answers the token request with a 404 error body.
    let dir = tempfile::tempdir().unwrap();
    let cert = dir.path().join("authority.pem");
    let authority = Emulator::start(&["--tls", "--tls-cert-out", &cert.to_string_lossy()]);
    let log = tempfile::NamedTempFile::new().unwrap();
    let ws = Workspace::builder(&tf)
        .env("AZURE_AI_PROJECT_ENDPOINT", &api.endpoint)
        .env("AZURE_AUTHORITY_HOST", authority.origin())
        .env("SSL_CERT_FILE", cert.to_string_lossy())
        .env("TF_LOG", "trace")
        .env("TF_LOG_PATH", log.path().to_string_lossy())
        .build();
    ws.write_main_tf(&format!(
        r#"
provider "azureai" {{
  auth_method   = "client_secret"
  tenant_id     = "7b795fb9-09d3-42f4-a494-38864f99ba3c"
  client_id     = "0f0e0d0c-0b0a-0908-0706-050403020100"
  client_secret = "{CLIENT_SECRET}"
}}

resource "azureai_hosted_agent_version" "s" {{
  agent_name = "secrets"
  image      = "myacr.azurecr.io/secrets:1.0"
  container_protocol_version {{
    protocol = "responses"
    version  = "1.0.0"
  }}
}}
"#
    ));
    let init = ws.init();
    let apply = ws.try_apply().assert_failure();
    let shown = apply
        .combined()
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ");
    assert!(
        shown.contains("access token") || shown.contains("credential"),
        "no auth diagnostic:\n{apply}"
    );

    // The secret was really sent to the authority (its token route was called) and nothing
    // reached the agents API.
    let authority_log = authority.log();
    assert!(
        authority_log.contains("/oauth2/v2.0/token"),
        "the credential never called the authority:\n{authority_log}"
    );
    assert_eq!(api.stats()["writes"], 0);

    let log_text = fs::read_to_string(log.path()).unwrap();
    assert!(!log_text.is_empty());
    let texts = vec![
        ("init", init.combined()),
        ("apply", apply.combined()),
        ("TF_LOG_PATH file", log_text),
        ("authority log", authority_log),
    ];
    let secret_leaks = leaks(&texts, &|t| {
        t.contains(CLIENT_SECRET).then(|| CLIENT_SECRET.to_owned())
    });
    assert!(
        secret_leaks.is_empty(),
        "the client secret leaked: {secret_leaks:?}"
    );
}

/// The schemas Terraform receives mark every secret-bearing attribute sensitive.
#[test]
fn secret_bearing_attributes_are_sensitive_in_the_schema() {
    let tf = terraform_on_path();
    let ws = Workspace::builder(&tf)
        .env(
            "AZURE_AI_PROJECT_ENDPOINT",
            "http://127.0.0.1:9/api/projects/x",
        )
        .build();
    ws.write_main_tf("provider \"azureai\" {}\n");
    ws.init();
    let out = ws.run(&["providers", "schema", "-json"]).assert_success();
    let schemas: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
    let p = &schemas["provider_schemas"]["registry.terraform.io/azureai/azureai"];
    assert_eq!(
        p["provider"]["block"]["attributes"]["client_secret"]["sensitive"], true,
        "{p:#}"
    );
    let r = &p["resource_schemas"]["azureai_hosted_agent_version"]["block"];
    assert_eq!(r["attributes"]["environment_variables"]["sensitive"], true);
    assert_eq!(
        r["block_types"]["tool"]["block"]["attributes"]["headers"]["sensitive"],
        true
    );
    // The write-only secrets are sensitive and write-only (Terraform never stores them).
    let wo = &r["attributes"]["environment_variables_wo"];
    assert_eq!(wo["sensitive"], true, "{wo:#}");
    assert_eq!(wo["write_only"], true, "{wo:#}");
    // Nothing else is: over-marking would hide ordinary values from plans.
    for (name, a) in r["attributes"].as_object().unwrap() {
        if !matches!(
            name.as_str(),
            "environment_variables" | "environment_variables_wo"
        ) {
            assert_ne!(a["sensitive"], true, "{name} is marked sensitive");
            assert_ne!(a["write_only"], true, "{name} is marked write-only");
        }
    }
}
