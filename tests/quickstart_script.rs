//! `scripts/quickstart.sh` is README command 1: what a newcomer runs first. These tests run it
//! end to end — real Terraform, real emulator — with the binaries cargo already built (the
//! script's `--provider-bin/--emulator-bin` fast path), and check what it prints and that it
//! leaves nothing behind.

mod support;

use std::path::Path;
use std::process::Command;
use std::time::Duration;

use support::{
    TerraformBin, emulator_binary, provider_binary, repo_root, run_with_timeout, terraform_1_0_3,
    terraform_on_path,
};

const QUICKSTART_TIMEOUT: Duration = Duration::from_secs(300);

fn run_quickstart(terraform: &TerraformBin, tmp: &Path, extra: &[&str]) -> support::CmdOutput {
    let mut cmd = Command::new(repo_root().join("scripts/quickstart.sh"));
    cmd.arg("--provider-bin")
        .arg(provider_binary())
        .arg("--emulator-bin")
        .arg(emulator_binary())
        .arg("--terraform")
        .arg(&terraform.path)
        .args(extra)
        // The script's working directory goes here, so the test can see it was removed.
        .env("TMPDIR", tmp)
        .env_remove("TF_CLI_CONFIG_FILE")
        .stdin(std::process::Stdio::null());
    run_with_timeout(cmd, QUICKSTART_TIMEOUT)
}

fn assert_quickstart_ran(out: &support::CmdOutput, terraform: &TerraformBin) {
    let text = out.combined();
    assert!(
        out.code() == 0,
        "quickstart failed with {terraform}:\n{text}"
    );
    for needle in [
        "terraform init (offline, from the local mirror",
        "Installed azureai/azureai v0.1.0",
        "Apply complete! Resources: 2 added, 0 changed, 0 destroyed.",
        // The data source listing, oldest first, as the quickstart's output prints it.
        "quickstart-agent/1: active, contosoacr.azurecr.io/quickstart-agent:1.0.0, cpu 1, memory 2Gi",
        "quickstart-agent/2: active, contosoacr.azurecr.io/quickstart-agent:1.1.0, cpu 2, memory 4Gi",
        "id      = \"quickstart-agent/1\"",
        "id      = \"quickstart-agent/2\"",
        "Destroy complete! Resources: 2 destroyed.",
    ] {
        assert!(
            text.contains(needle),
            "quickstart output with {terraform} lacks {needle:?}:\n{text}"
        );
    }
}

#[test]
fn quickstart_creates_lists_and_cleans_up_with_terraform_on_path() {
    let tf = terraform_on_path();
    let tmp = tempfile::tempdir().unwrap();
    let out = run_quickstart(&tf, tmp.path(), &[]);
    assert_quickstart_ran(&out, &tf);
    let left: Vec<_> = std::fs::read_dir(tmp.path())
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .collect();
    assert!(left.is_empty(), "quickstart left files behind: {left:?}");
}

/// The pinned Terraform the script installs when PATH has none must run the quickstart too.
#[test]
fn quickstart_works_with_the_pinned_terraform_1_0_3() {
    let tf = terraform_1_0_3();
    let tmp = tempfile::tempdir().unwrap();
    let out = run_quickstart(&tf, tmp.path(), &[]);
    assert_quickstart_ran(&out, &tf);
}

/// `--keep` leaves a working emulator holding both versions, and says how to stop it.
#[test]
fn quickstart_keep_leaves_the_emulator_running() {
    let tf = terraform_on_path();
    let tmp = tempfile::tempdir().unwrap();
    let out = run_quickstart(&tf, tmp.path(), &["--keep"]);
    let text = out.combined();
    assert!(out.code() == 0, "quickstart --keep failed:\n{text}");
    let line = text
        .lines()
        .find(|l| l.starts_with("emulator pid "))
        .unwrap_or_else(|| panic!("no 'emulator pid' line:\n{text}"));
    // "emulator pid N at http://127.0.0.1:PORT/api/projects/quickstart"
    let mut words = line.split_whitespace().skip(2);
    let pid: i32 = words.next().unwrap().parse().unwrap();
    let endpoint = words.nth(1).unwrap().to_owned();
    let guard = KillOnDrop(pid);

    let origin = endpoint.split("/api/projects/").next().unwrap();
    let state = http_get(&format!("{origin}/_emulator/state"));
    assert!(
        state.contains("quickstart-agent") && state.contains("quickstart-agent:1.1.0"),
        "the kept emulator does not hold the versions: {state}"
    );
    assert!(
        !text.contains("Destroy complete!"),
        "--keep must not destroy:\n{text}"
    );
    drop(guard);
}

struct KillOnDrop(i32);

impl Drop for KillOnDrop {
    fn drop(&mut self) {
        let _ = Command::new("kill").arg(self.0.to_string()).status();
    }
}

/// A minimal HTTP/1.1 GET on loopback (the test-control endpoints need no auth).
fn http_get(url: &str) -> String {
    use std::io::{Read, Write};
    let rest = url.strip_prefix("http://").expect("http URL");
    let (host, path) = rest
        .split_once('/')
        .map(|(h, p)| (h, format!("/{p}")))
        .unwrap();
    let mut stream = std::net::TcpStream::connect(host).expect("connect to the kept emulator");
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    write!(
        stream,
        "GET {path} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut body = String::new();
    stream.read_to_string(&mut body).unwrap();
    body
}
