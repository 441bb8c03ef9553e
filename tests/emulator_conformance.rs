//! Conformance with the official Python SDK: the scripts in tests/conformance/ run
//! azure-ai-projects (2.0.0b3 on Gen A, the newest 2.x on Gen B: definitions, the agent
//! endpoint and code uploads), unchanged, against the emulator in TLS mode with
//! ManagedIdentityCredential pointed at its token endpoint.
//! The venvs come from scripts/setup-python.sh (idempotent; builds them when missing).

mod emulator_common;

use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use emulator_common::Emulator;

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Python of the named venv (`b3` or `latest`), set up by the infra script if needed.
fn venv_python(name: &str) -> PathBuf {
    let script = repo().join("scripts/setup-python.sh");
    assert!(script.exists(), "{} is missing", script.display());
    let status = Command::new("bash")
        .arg(&script)
        .arg(name)
        .current_dir(repo())
        .status()
        .expect("run scripts/setup-python.sh");
    assert!(status.success(), "scripts/setup-python.sh {name} failed");
    let python = repo().join(format!(".cache/venv-sdk-{name}/bin/python"));
    assert!(python.exists(), "{} missing after setup", python.display());
    python
}

/// Runs one script against a fresh emulator; returns the emulator (still running) so callers
/// can inspect its stats.
fn run_script(venv: &str, script: &str, extra_args: &[&str]) -> Emulator {
    let python = venv_python(venv);
    let dir = tempfile::tempdir().unwrap();
    let cert = dir.path().join("emulator-ca.pem");
    let mut args = vec![
        "--tls",
        "--tls-cert-out",
        cert.to_str().unwrap(),
        "--provision-delay-ms",
        "300",
    ];
    args.extend_from_slice(extra_args);
    let emu = Emulator::start(&args);
    assert!(emu.endpoint.starts_with("https://"));

    let conformance = repo().join("tests/conformance");
    let mut cmd = Command::new(&python);
    cmd.arg(conformance.join(script))
        .current_dir(&conformance)
        // Only the endpoint, credential and trusted certificate point at the emulator.
        .env("AZURE_AI_PROJECT_ENDPOINT", &emu.endpoint)
        .env("IDENTITY_ENDPOINT", format!("{}/msi/token", emu.base))
        .env("IDENTITY_HEADER", "emulator")
        .env("REQUESTS_CA_BUNDLE", &cert)
        .env("PYTHONDONTWRITEBYTECODE", "1")
        // Other managed-identity sources would take precedence over App Service.
        .env_remove("MSI_ENDPOINT")
        .env_remove("MSI_SECRET")
        .env_remove("IDENTITY_SERVER_THUMBPRINT")
        .env_remove("IMDS_ENDPOINT")
        // Nor may DefaultAzureCredential's environment / workload-identity sources, which
        // would talk to a real authority instead of the emulator.
        .env_remove("AZURE_CLIENT_ID")
        .env_remove("AZURE_TENANT_ID")
        .env_remove("AZURE_CLIENT_SECRET")
        .env_remove("AZURE_CLIENT_CERTIFICATE_PATH")
        .env_remove("AZURE_FEDERATED_TOKEN_FILE")
        .env_remove("AZURE_USERNAME")
        .env_remove("AZURE_AUTHORITY_HOST")
        .env_remove("AZURE_POD_IDENTITY_AUTHORITY_HOST")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let output = wait_with_deadline(cmd, Duration::from_secs(240));
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        output.status.success(),
        "{script} failed ({:?})\n--- stdout\n{stdout}\n--- stderr\n{stderr}\n--- emulator log\n{}",
        output.status,
        emu.stderr()
    );
    assert!(
        stdout.contains(": OK"),
        "{script} did not report success:\n{stdout}"
    );
    emu
}

fn wait_with_deadline(mut cmd: Command, limit: Duration) -> std::process::Output {
    let child = cmd.spawn().expect("start python");
    let id = child.id();
    let started = Instant::now();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let _ = tx.send(child.wait_with_output());
    });
    match rx.recv_timeout(limit) {
        Ok(out) => out.expect("python output"),
        Err(_) => {
            // Kill only the child we started, by its pid.
            let _ = Command::new("kill").arg("-9").arg(id.to_string()).status();
            panic!("conformance script timed out after {:?}", started.elapsed());
        }
    }
}

#[test]
fn seed_workflow_with_sdk_2_0_0b3_on_gen_a() {
    run_script("b3", "seed_workflow_gen_a.py", &[]);
}

#[test]
fn hosted_workflow_with_newest_sdk_on_gen_b() {
    run_script("latest", "hosted_gen_b.py", &[]);
}

/// What azure-ai-projects added in 2026, driven by the SDK unchanged: every newer definition
/// field, the agent endpoint (`update_details`, `enable`, `disable`) and code upload/download.
#[test]
fn definition_fields_endpoint_and_code_with_newest_sdk() {
    // A state file keeps the uploaded zip inside this test's temp directory.
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("state.json");
    run_script(
        "latest",
        "agents_2026_gen_b.py",
        &["--state-file", state.to_str().unwrap()],
    );
}

/// The SDK's own retry policy copes with the emulator's throttling (Retry-After: 0 plus
/// retry-after-ms), so the fault responses have the shape azure-core expects. Only 429 is
/// injected: azure-core does not retry a POST answered 500/503, by design.
#[tokio::test]
async fn seed_workflow_survives_throttling_through_the_sdk_retry_policy() {
    let emu = tokio::task::spawn_blocking(|| {
        run_script(
            "b3",
            "seed_workflow_gen_a.py",
            &["--fault-429", "0.3", "--seed", "11"],
        )
    })
    .await
    .unwrap();
    let stats = emu.stats().await;
    let throttled = stats["faults"]["429"].as_u64().unwrap();
    assert!(throttled > 0, "no request was throttled: {stats}");
    // Seed: 2 creates + 2 deletes; agent-level: create, update, delete. Each exactly once.
    assert_eq!(stats["writes"], 7, "{stats}");
}
