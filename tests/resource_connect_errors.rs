//! Endpoints that cannot work, from the user's side: `terraform apply` (Terraform from `PATH`)
//! with the project endpoint on a port where nothing listens, behind a certificate this machine
//! does not trust, or on a host name that does not exist, and with a managed-identity token
//! endpoint behind an untrusted certificate or where nothing listens. Each apply must fail
//! within its bound, with a message that names the endpoint (`host:port`) and the cause, and
//! without advice to run again:
//!
//! - certificate and unknown host: on the first attempt (one attempt in the provider's log);
//! - refused connection: within `UNREACHABLE_RETRY_WINDOW` (15 s) of retries.
//!
//! Every case prints how long the apply took (`cargo test --test resource_connect_errors --
//! --nocapture`). The bounds asserted add Terraform's own start-up (two provider processes,
//! plan and apply) to the provider's: 15 s for one attempt, the window plus 15 s for refusals.
//!
//! All traffic stays on this machine. In the project-endpoint cases the token comes from a
//! stand-in `az` (`auth_method = "azure_cli"`), so the failures under test are the project
//! endpoint's. The
//! unknown host is looked up inside a fresh network and mount namespace
//! (`tests/support/isolated_net.py` under `unshare`), whose only interface is loopback and
//! whose resolver, on 127.0.0.1, answers NXDOMAIN: the provider sees exactly the
//! `EAI_NONAME` a real unknown host gives, and no query can leave the namespace.

mod support;

use std::ffi::OsStr;
use std::process::Command;
use std::time::{Duration, Instant};

use azureai::agents::UNREACHABLE_RETRY_WINDOW;
use support::{CmdOutput, Emulator, Workspace, repo_root, terraform_on_path};

/// A failure on the first attempt, plus Terraform's start-up of two provider processes.
const FIRST_ATTEMPT_BOUND: Duration = Duration::from_secs(15);
/// Terraform's share on top of the provider's retry window.
const TERRAFORM_OVERHEAD: Duration = Duration::from_secs(15);

const RESOURCE: &str = r#"
resource "azureai_hosted_agent_version" "bot" {
  agent_name = "orders-bot"
  image      = "contosoacr.azurecr.io/orders-bot:1.0.0"
  container_protocol_version {
    protocol = "responses"
    version  = "1.0.0"
  }
}
"#;

/// The debug line the provider logs for each attempt that got no HTTP answer.
const FAILED_ATTEMPT: &str = "agents API attempt failed to connect or read";

/// A directory holding an `az` that prints a token the way `az account get-access-token -o
/// json` does, for `auth_method = "azure_cli"`.
fn fake_az() -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("fake az dir");
    let expires = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs()
        + 3600;
    let script = dir.path().join("az");
    std::fs::write(
        &script,
        format!(
            "#!/bin/sh\necho '{{\"accessToken\": \"fake-cli-token\", \"expires_on\": {expires}, \"tokenType\": \"Bearer\"}}'\n"
        ),
    )
    .expect("write fake az");
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o755)).unwrap();
    dir
}

/// An initialised workspace whose provider reaches `endpoint` with a token from the fake `az`.
fn cli_workspace(endpoint: &str, az: &tempfile::TempDir) -> Workspace {
    let path = format!(
        "{}:{}",
        az.path().display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let ws = Workspace::builder(&terraform_on_path())
        .env("AZURE_AI_PROJECT_ENDPOINT", endpoint)
        .env("PATH", path)
        .env("TF_LOG_PROVIDER", "debug")
        .build();
    ws.write_main_tf(&format!(
        "provider \"azureai\" {{\n  auth_method = \"azure_cli\"\n}}\n{RESOURCE}"
    ));
    ws.init();
    ws
}

fn apply_timed(ws: &Workspace, wrapper: &[&OsStr]) -> (CmdOutput, Duration) {
    let started = Instant::now();
    let out = ws.run_wrapped(wrapper, &["apply", "-auto-approve", "-input=false"]);
    (out, started.elapsed())
}

/// A line of Terraform's or the provider's log (`2026-12-02T03:15:56.972Z [DEBUG] …`).
fn is_log_line(line: &str) -> bool {
    line.len() > 25 && line.as_bytes()[4] == b'-' && line.contains("Z [")
}

/// Terraform's output without the log lines: the diagnostics (and, on stdout, the plan).
fn diagnostics(out: &CmdOutput) -> String {
    without_logs(&out.combined())
}

fn without_logs(text: &str) -> String {
    text.lines()
        .filter(|l| !is_log_line(l) && !l.trim().is_empty())
        .collect::<Vec<_>>()
        .join("\n")
}

#[track_caller]
fn assert_failed_naming(out: &CmdOutput, needles: &[&str]) -> String {
    assert!(!out.status.success(), "apply succeeded:\n{out}");
    // Terraform wraps diagnostic text to its terminal width; compare with single spaces.
    let text = diagnostics(out)
        .replace('│', " ")
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ");
    for needle in needles {
        assert!(
            text.contains(needle),
            "no {needle:?} in the diagnostics:\n{out}"
        );
    }
    for advice in ["Run again", "run again", "retried with back-off"] {
        assert!(
            !text.contains(advice),
            "a configuration error advises {advice:?}:\n{out}"
        );
    }
    text
}

/// Prints the elapsed time and the diagnostics, for the test log.
fn report(case: &str, out: &CmdOutput, elapsed: Duration) {
    println!(
        "{case}: apply failed after {elapsed:.1?} ({} failed attempts)\n{}\n",
        failed_attempts(out),
        without_logs(&out.stderr)
    );
}

fn failed_attempts(out: &CmdOutput) -> usize {
    out.stderr.matches(FAILED_ATTEMPT).count()
}

#[test]
fn wrong_port_fails_within_the_retry_window() {
    // Bound but never listening: the port stays ours (no emulator started alongside can get
    // it) and every connection to it is refused.
    let reserved = tokio::net::TcpSocket::new_v4().unwrap();
    reserved.bind("127.0.0.1:0".parse().unwrap()).unwrap();
    let port = reserved.local_addr().unwrap().port();
    let az = fake_az();
    let ws = cli_workspace(&format!("http://127.0.0.1:{port}/api/projects/p"), &az);
    let (out, elapsed) = apply_timed(&ws, &[]);
    report("wrong port", &out, elapsed);
    assert_failed_naming(
        &out,
        &[
            &format!("project endpoint 127.0.0.1:{port} refused"),
            "nothing is listening there",
            "retried for",
        ],
    );
    assert!(
        failed_attempts(&out) >= 2,
        "a refused connection is retried:\n{out}"
    );
    let bound = UNREACHABLE_RETRY_WINDOW + TERRAFORM_OVERHEAD;
    assert!(elapsed < bound, "took {elapsed:?}, bound {bound:?}:\n{out}");
}

#[test]
fn untrusted_certificate_fails_on_the_first_attempt() {
    let emu = Emulator::start(&["--tls"]);
    let origin = url::Url::parse(&emu.endpoint).unwrap();
    let port = origin.port().unwrap();
    let az = fake_az();
    let ws = cli_workspace(&emu.endpoint, &az);
    let (out, elapsed) = apply_timed(&ws, &[]);
    report("untrusted certificate", &out, elapsed);
    assert_failed_naming(
        &out,
        &[
            "TLS failure",
            &format!("project endpoint 127.0.0.1:{port}"),
            "certificate is not trusted",
            "SSL_CERT_FILE",
            "trust store",
        ],
    );
    assert_eq!(failed_attempts(&out), 1, "not retried:\n{out}");
    assert!(
        elapsed < FIRST_ATTEMPT_BOUND,
        "took {elapsed:?}, bound {FIRST_ATTEMPT_BOUND:?}:\n{out}"
    );
    assert_eq!(emu.stats()["writes"], 0);
}

#[test]
fn untrusted_token_endpoint_names_tls_not_the_retry_policy() {
    let emu = Emulator::start(&["--tls"]);
    let port = url::Url::parse(&emu.endpoint).unwrap().port().unwrap();
    let ws = Workspace::builder(&terraform_on_path())
        .emulator(&emu)
        .build();
    ws.write_main_tf(&format!(
        "provider \"azureai\" {{\n  auth_method = \"managed_identity\"\n}}\n{RESOURCE}"
    ));
    ws.init();
    let (out, elapsed) = apply_timed(&ws, &[]);
    report("untrusted token endpoint", &out, elapsed);
    let text = assert_failed_naming(
        &out,
        &[
            "cannot acquire an access token",
            "TLS failure",
            &format!("token endpoint 127.0.0.1:{port}"),
            "SSL_CERT_FILE",
        ],
    );
    assert!(!text.contains("retry policy expired"), "{out}");
    assert!(
        elapsed < FIRST_ATTEMPT_BOUND,
        "took {elapsed:?}, bound {FIRST_ATTEMPT_BOUND:?}:\n{out}"
    );
}

/// `unshare` arguments that give a fresh network and mount namespace here: as root, or in an
/// unprivileged user namespace. Neither working is a failure, not a skip.
fn isolation() -> Vec<&'static str> {
    let candidates: [&[&str]; 2] = [
        &["--net", "--mount"],
        &["--user", "--map-root-user", "--net", "--mount"],
    ];
    let mut tried = Vec::new();
    for flags in candidates {
        let out = Command::new("unshare")
            .args(flags)
            .args(["--", "true"])
            .output();
        match out {
            Ok(o) if o.status.success() => return flags.to_vec(),
            Ok(o) => tried.push(format!(
                "unshare {}: {}",
                flags.join(" "),
                String::from_utf8_lossy(&o.stderr).trim()
            )),
            Err(e) => tried.push(format!("unshare: {e}")),
        }
    }
    panic!(
        "cannot create an isolated network namespace for the unknown-host test (util-linux `unshare`, as root or with user namespaces): {}",
        tried.join("; ")
    );
}

#[test]
fn unknown_host_fails_on_the_first_attempt() {
    const HOST: &str = "agents.azureai-test.invalid";
    let az = fake_az();
    let ws = cli_workspace(&format!("https://{HOST}/api/projects/p"), &az);
    let queries = tempfile::NamedTempFile::new().unwrap();
    let helper = repo_root().join("tests/support/isolated_net.py");
    let mut wrapper: Vec<&OsStr> = vec![OsStr::new("unshare")];
    let flags = isolation();
    wrapper.extend(flags.iter().map(OsStr::new));
    wrapper.extend([
        OsStr::new("--"),
        OsStr::new("python3"),
        helper.as_os_str(),
        queries.path().as_os_str(),
        OsStr::new("--"),
    ]);
    let (out, elapsed) = apply_timed(&ws, &wrapper);
    assert_ne!(
        out.code(),
        3,
        "the isolated network could not be set up:\n{out}"
    );
    report("unknown host", &out, elapsed);
    assert_failed_naming(
        &out,
        &[
            &format!("project endpoint {HOST}:443"),
            &format!("{HOST:?} does not exist in DNS"),
        ],
    );
    assert_eq!(failed_attempts(&out), 1, "not retried:\n{out}");
    let asked = std::fs::read_to_string(queries.path()).unwrap();
    assert!(
        asked.lines().any(|l| l == HOST),
        "the provider's lookup never reached the isolated resolver (queries: {asked:?}):\n{out}"
    );
    assert!(
        elapsed < FIRST_ATTEMPT_BOUND,
        "took {elapsed:?}, bound {FIRST_ATTEMPT_BOUND:?}:\n{out}"
    );
}

#[test]
fn refused_token_endpoint_fails_within_the_retry_window() {
    let reserved = tokio::net::TcpSocket::new_v4().unwrap();
    reserved.bind("127.0.0.1:0".parse().unwrap()).unwrap();
    let port = reserved.local_addr().unwrap().port();
    let ws = Workspace::builder(&terraform_on_path())
        .env(
            "AZURE_AI_PROJECT_ENDPOINT",
            format!("http://127.0.0.1:{port}/api/projects/p"),
        )
        .env(
            "IDENTITY_ENDPOINT",
            format!("http://127.0.0.1:{port}/msi/token"),
        )
        .env("IDENTITY_HEADER", "emulator")
        .build();
    ws.write_main_tf(&format!(
        "provider \"azureai\" {{\n  auth_method = \"managed_identity\"\n}}\n{RESOURCE}"
    ));
    ws.init();
    let (out, elapsed) = apply_timed(&ws, &[]);
    report("refused token endpoint", &out, elapsed);
    let text = assert_failed_naming(
        &out,
        &[
            "cannot acquire an access token",
            &format!("token endpoint 127.0.0.1:{port} refused"),
            "nothing is listening there",
            "retried for",
        ],
    );
    assert!(!text.contains("retry policy expired"), "{out}");
    let bound = UNREACHABLE_RETRY_WINDOW + TERRAFORM_OVERHEAD;
    assert!(elapsed < bound, "took {elapsed:?}, bound {bound:?}:\n{out}");
}
