//! Restart with --state-file (state and tokens survive), TLS mode, and the CLI contract.

mod emulator_common;

use std::process::Command;

use emulator_common::*;
use serde_json::json;

#[tokio::test]
async fn restart_with_state_file_loses_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("state.json");
    let state_arg = state.to_str().unwrap();
    let mut first = Emulator::start(&["--state-file", state_arg, "--provision-delay-ms", "0"]);
    let token = first.token().await;
    for i in 1..=3 {
        first
            .call(
                &token,
                "POST",
                "/agents/keep/versions",
                GEN_B,
                Some(gen_b_body(&format!("a.io/x:{i}"))),
            )
            .await;
    }
    first
        .call(&token, "DELETE", "/agents/keep/versions/3", GEN_B, None)
        .await;
    first
        .control(
            "POST",
            "agents/keep/versions/2/sessions",
            Some(json!({"active": 1})),
        )
        .await;
    let (_, before) = first
        .call(
            &token,
            "GET",
            "/agents/keep/versions?order=asc",
            GEN_B,
            None,
        )
        .await;
    first.kill(); // SIGKILL: nothing gets a chance to flush at exit.

    let on_disk = std::fs::read_to_string(&state).unwrap();
    assert!(!on_disk.contains(&token), "tokens are not stored");

    // Same port, as a client mid-apply would keep using.
    let listen = first.base.trim_start_matches("http://").to_string();
    let second = Emulator::start(&[
        "--state-file",
        state_arg,
        "--provision-delay-ms",
        "0",
        "--listen",
        &listen,
    ]);
    assert_eq!(second.base, first.base);
    // The token issued before the restart is still accepted.
    let (status, after) = second
        .call(
            &token,
            "GET",
            "/agents/keep/versions?order=asc",
            GEN_B,
            None,
        )
        .await;
    assert_eq!(status, 200);
    assert_eq!(after, before);
    let (_, v) = second
        .call(
            &token,
            "POST",
            "/agents/keep/versions",
            GEN_B,
            Some(gen_b_body("a.io/x:4")),
        )
        .await;
    assert_eq!(
        v["version"], "4",
        "the counter survives, even past a deleted version"
    );
    let (status, _) = second
        .call(&token, "DELETE", "/agents/keep/versions/2", GEN_B, None)
        .await;
    assert_eq!(status, 409, "active sessions survive too");

    // A different state file means a different signing key: old tokens are refused.
    let other = dir.path().join("other.json");
    let third = Emulator::start(&["--state-file", other.to_str().unwrap()]);
    let (status, _) = third.call(&token, "GET", "/agents", GEN_B, None).await;
    assert_eq!(status, 401);
}

#[tokio::test]
async fn corrupt_state_file_is_a_clear_startup_error() {
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("state.json");
    std::fs::write(&state, "{ not json").unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_azureai-emulator"))
        .args(["--state-file", state.to_str().unwrap()])
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(out.stdout.is_empty(), "no endpoint line when not serving");
    assert!(String::from_utf8_lossy(&out.stderr).contains("not valid emulator state"));
}

#[tokio::test]
async fn tls_mode_serves_https_with_the_written_certificate() {
    let dir = tempfile::tempdir().unwrap();
    let cert = dir.path().join("ca.pem");
    let cert_arg = cert.to_str().unwrap().to_string();
    // The certificate is written before the endpoint line, so it is there once start returns.
    let emu = Emulator::start(&["--tls", "--tls-cert-out", &cert_arg]);
    assert!(
        emu.endpoint.starts_with("https://127.0.0.1:"),
        "{}",
        emu.endpoint
    );
    let pem = std::fs::read(&cert).unwrap();
    assert!(String::from_utf8_lossy(&pem).contains("BEGIN CERTIFICATE"));

    // A client that does not trust the certificate cannot connect.
    let untrusting = reqwest::Client::builder()
        .tls_certs_only(Vec::new())
        .build()
        .unwrap();
    assert!(
        untrusting
            .get(format!("{}/_emulator/stats", emu.base))
            .send()
            .await
            .is_err()
    );

    let trusting = reqwest::Client::builder()
        .tls_certs_only([reqwest::Certificate::from_pem(&pem).unwrap()])
        .build()
        .unwrap();
    for host in [emu.base.clone(), emu.base.replace("127.0.0.1", "localhost")] {
        let token: serde_json::Value = trusting
            .get(format!(
                "{host}/msi/token?api-version=2019-08-01&resource=https://ai.azure.com"
            ))
            .header("x-identity-header", "emulator")
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let token = token["access_token"].as_str().unwrap();
        let r = trusting
            .post(format!(
                "{host}/api/projects/demo/agents/tls/versions?api-version=v1"
            ))
            .bearer_auth(token)
            .json(&gen_b_body("a.io/x:1"))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200, "{host}");
    }
}

#[test]
fn help_documents_every_option() {
    let out = Command::new(env!("CARGO_BIN_EXE_azureai-emulator"))
        .arg("--help")
        .output()
        .unwrap();
    assert!(out.status.success());
    let help = String::from_utf8_lossy(&out.stdout);
    for opt in [
        "--listen",
        "--allow-remote",
        "--project",
        "--tls",
        "--tls-cert-out",
        "--provision-delay-ms",
        "--fail-image",
        "--latency-ms",
        "--fault-429",
        "--fault-5xx",
        "--fault-drop",
        "--seed",
        "--state-file",
        "--identity-header",
        "--token-lifetime-secs",
        "--max-cpu-tier",
        "--max-code-zip-bytes",
    ] {
        assert!(help.contains(opt), "--help lacks {opt}");
    }
    // The description says what the program is and where the test-control endpoints are.
    assert!(
        help.contains("emulator of the Azure AI Foundry agents API"),
        "{help}"
    );
    assert!(help.contains("/_emulator/"), "{help}");
    for behaviour in [
        "resource tier",
        "merge-patch",
        "multipart/form-data",
        "audit",
        "415",
    ] {
        assert!(
            help.contains(behaviour),
            "--help does not mention {behaviour}: {help}"
        );
    }
}

#[test]
fn a_project_name_that_is_no_url_path_segment_is_refused_at_start() {
    for bad in ["p p", "a/b", "-x", "ünï", "a?b"] {
        let out = Command::new(env!("CARGO_BIN_EXE_azureai-emulator"))
            .arg(format!("--project={bad}"))
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2), "{bad}");
        assert!(out.stdout.is_empty(), "{bad}: no endpoint line");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(
            err.contains("--project") && err.contains("not a valid project name"),
            "{bad}: {err}"
        );
    }
}

#[tokio::test]
async fn a_temp_file_left_by_a_killed_process_is_removed_at_start() {
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("state.json");
    let state_arg = state.to_str().unwrap();
    let mut first = Emulator::start(&["--state-file", state_arg, "--provision-delay-ms", "0"]);
    let token = first.token().await;
    first
        .call(
            &token,
            "POST",
            "/agents/a/versions",
            GEN_B,
            Some(gen_b_body("a.io/x:1")),
        )
        .await;
    first.kill();
    // What a SIGKILL between writing the temp file and renaming it leaves behind.
    let stale = dir
        .path()
        .join(".state.json.5f0c1d2e3b4a59687766554433221100.tmp");
    std::fs::write(&stale, "{\"partial\": ").unwrap();
    let second = Emulator::start(&["--state-file", state_arg]);
    assert!(!stale.exists(), "the stale temp file is removed at start");
    let (status, _) = second
        .call(&token, "GET", "/agents/a/versions/1", GEN_B, None)
        .await;
    assert_eq!(status, 200, "the state itself is intact");
    let temps: Vec<String> = std::fs::read_dir(dir.path())
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".tmp"))
        .collect();
    assert!(temps.is_empty(), "{temps:?}");
}

#[test]
fn non_loopback_listen_is_refused_without_allow_remote() {
    let out = Command::new(env!("CARGO_BIN_EXE_azureai-emulator"))
        .args(["--listen", "0.0.0.0:0"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(out.stdout.is_empty());
    assert!(String::from_utf8_lossy(&out.stderr).contains("--allow-remote"));
    let out = Command::new(env!("CARGO_BIN_EXE_azureai-emulator"))
        .args(["--fault-429", "2"])
        .output()
        .unwrap();
    assert!(!out.status.success(), "rates above 1 are refused");
}

#[tokio::test]
async fn concurrent_creates_get_unique_numbers_and_are_all_persisted() {
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("state.json");
    let state_arg = state.to_str().unwrap();
    let mut emu = Emulator::start(&["--state-file", state_arg, "--provision-delay-ms", "0"]);
    let token = emu.token().await;
    let emu_ref = &emu;
    let creates = (0..40).map(|i| {
        let token = token.clone();
        async move {
            let (status, v) = emu_ref
                .call(
                    &token,
                    "POST",
                    "/agents/crowd/versions",
                    GEN_B,
                    Some(gen_b_body(&format!("a.io/x:{i}"))),
                )
                .await;
            assert_eq!(status, 200, "{v}");
            v["version"].as_str().unwrap().parse::<u64>().unwrap()
        }
    });
    let mut numbers = futures::future::join_all(creates).await;
    numbers.sort();
    assert_eq!(numbers, (1..=40).collect::<Vec<u64>>());
    emu.kill();
    let on_disk: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&state).unwrap()).unwrap();
    assert_eq!(
        on_disk["agents"]["crowd"]["versions"]
            .as_object()
            .unwrap()
            .len(),
        40
    );
}

#[tokio::test]
async fn oversized_body_gets_the_error_shape() {
    let emu = Emulator::start(&[]);
    let token = emu.token().await;
    let mut body = gen_b_body("a.io/x:1");
    body["description"] = json!("x".repeat(3 * 1024 * 1024));
    let (status, v) = emu
        .call(&token, "POST", "/agents/big/versions", GEN_B, Some(body))
        .await;
    assert_eq!(status, 413);
    assert_eq!(v["error"]["code"], "request_too_large");
}
