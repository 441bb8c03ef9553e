//! Shared by the `reliability_*` Terraform tests: configurations of many versions, the
//! emulator-vs-state consistency check (orphans, duplicates), and figures read from the
//! emulator's stats and the provider's debug log.
#![allow(dead_code)] // each test binary uses a different subset

use std::collections::{BTreeMap, BTreeSet};
use std::time::{Duration, Instant};

use crate::support::{Emulator, Workspace};

/// `n` versions spread over `agents` agents, each with its own description so no two share a
/// definition (and so a creation token). `extra` is inserted into the resource block.
pub fn versions_config(n: usize, agents: usize, prefix: &str, extra: &str) -> String {
    format!(
        r#"
provider "azureai" {{}}

resource "azureai_hosted_agent_version" "v" {{
  count       = {n}
  agent_name  = "{prefix}-${{count.index % {agents}}}"
  image       = "myacr.azurecr.io/{prefix}:1.0.${{count.index}}"
  description = "{prefix} version ${{count.index}}"
  cpu         = "0.5"
  memory      = "1Gi"
  metadata = {{
    index = tostring(count.index)
  }}
  container_protocol_version {{
    protocol = "responses"
    version  = "1.0.0"
  }}
{extra}
}}
"#
    )
}

/// One version the emulator holds.
#[derive(Debug, Clone)]
pub struct Held {
    pub id: String,
    pub token: Option<String>,
    pub definition: serde_json::Value,
    pub status: String,
}

/// Every version in the emulator's store, by `<agent>/<version>`.
pub fn emulator_versions(emu: &Emulator) -> BTreeMap<String, Held> {
    held_versions(&emu.state())
}

/// Every version in an emulator state dump (`GET /_emulator/state`).
pub fn held_versions(state: &serde_json::Value) -> BTreeMap<String, Held> {
    let mut out = BTreeMap::new();
    for (agent, a) in state["agents"].as_object().cloned().unwrap_or_default() {
        for (number, v) in a["versions"].as_object().cloned().unwrap_or_default() {
            let id = format!("{agent}/{number}");
            let held = Held {
                id: id.clone(),
                token: v["metadata"]["terraform-creation-token"]
                    .as_str()
                    .map(str::to_owned),
                definition: serde_json::json!({"definition": v["definition"], "description": v["description"], "metadata": v["metadata"]}),
                status: v["status"].as_str().unwrap_or("").to_owned(),
            };
            out.insert(id, held);
        }
    }
    out
}

/// The ids of every `azureai_hosted_agent_version` in Terraform's state.
pub fn state_ids(ws: &Workspace) -> Vec<String> {
    let state = ws.show_json();
    state["values"]["root_module"]["resources"]
        .as_array()
        .cloned()
        .unwrap_or_default()
        .into_iter()
        .filter(|r| r["type"] == "azureai_hosted_agent_version")
        .map(|r| r["values"]["id"].as_str().unwrap_or("<no id>").to_owned())
        .collect()
}

/// What the consistency check found.
#[derive(Debug, Default)]
pub struct Consistency {
    pub in_emulator: usize,
    pub in_state: usize,
    /// In the emulator, not in Terraform's state: would keep running (and costing) unseen.
    pub orphans: Vec<String>,
    /// In the state, not in the emulator.
    pub missing: Vec<String>,
    /// Versions sharing a creation token or a definition with another one.
    pub duplicates: Vec<String>,
    /// State entries naming the same version twice.
    pub shared_ids: Vec<String>,
}

impl Consistency {
    pub fn is_clean(&self, expected: usize) -> bool {
        self.in_emulator == expected
            && self.in_state == expected
            && self.orphans.is_empty()
            && self.missing.is_empty()
            && self.duplicates.is_empty()
            && self.shared_ids.is_empty()
    }
}

/// Compares the emulator's store with Terraform's state.
pub fn consistency(emu: &Emulator, ws: &Workspace) -> Consistency {
    consistency_of(&emu.state(), ws)
}

/// Compares an emulator state dump with Terraform's state.
pub fn consistency_of(emulator_state: &serde_json::Value, ws: &Workspace) -> Consistency {
    let held = held_versions(emulator_state);
    let ids = state_ids(ws);
    let in_state: BTreeSet<&String> = ids.iter().collect();
    let mut c = Consistency {
        in_emulator: held.len(),
        in_state: ids.len(),
        ..Consistency::default()
    };
    c.shared_ids = ids
        .iter()
        .filter(|id| ids.iter().filter(|o| o == id).count() > 1)
        .cloned()
        .collect();
    c.orphans = held
        .keys()
        .filter(|id| !in_state.contains(id))
        .cloned()
        .collect();
    c.missing = ids
        .iter()
        .filter(|id| !held.contains_key(*id))
        .cloned()
        .collect();
    let mut by_token: BTreeMap<String, Vec<&str>> = BTreeMap::new();
    let mut by_definition: BTreeMap<String, Vec<&str>> = BTreeMap::new();
    for h in held.values() {
        by_token
            .entry(
                h.token
                    .clone()
                    .unwrap_or_else(|| format!("<none:{}>", h.id)),
            )
            .or_default()
            .push(&h.id);
        by_definition
            .entry(h.definition.to_string())
            .or_default()
            .push(&h.id);
    }
    for group in by_token
        .values()
        .chain(by_definition.values())
        .filter(|g| g.len() > 1)
    {
        c.duplicates.push(group.join(" = "));
    }
    c
}

/// Asserts the emulator holds exactly `expected` versions, every one of them in the state
/// once, no duplicates.
#[track_caller]
pub fn assert_consistent(
    emu: &Emulator,
    ws: &Workspace,
    expected: usize,
    context: &str,
) -> Consistency {
    assert_consistent_with(&emu.state(), ws, expected, context)
}

#[track_caller]
pub fn assert_consistent_with(
    emulator_state: &serde_json::Value,
    ws: &Workspace,
    expected: usize,
    context: &str,
) -> Consistency {
    let c = consistency_of(emulator_state, ws);
    assert!(
        c.is_clean(expected),
        "{context}: expected {expected} versions, all in state, no duplicates; found {c:#?}"
    );
    c
}

/// Figures of one run, from the emulator's stats and the provider's debug log.
#[derive(Debug, Default, Clone)]
pub struct Figures {
    pub requests: u64,
    pub writes: u64,
    pub faults_429: u64,
    pub faults_5xx: u64,
    pub faults_drop: u64,
    /// Attempts after the first of one call (`attempt=N`, N > 0, in the provider's log).
    pub retried_attempts: u64,
}

impl Figures {
    pub fn faults(&self) -> u64 {
        self.faults_429 + self.faults_5xx + self.faults_drop
    }
}

impl std::fmt::Display for Figures {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "requests={} writes={} faults={} (429={} 5xx={} drop={}) retried_attempts={}",
            self.requests,
            self.writes,
            self.faults(),
            self.faults_429,
            self.faults_5xx,
            self.faults_drop,
            self.retried_attempts
        )
    }
}

pub fn figures(emu: &Emulator, provider_log: &str) -> Figures {
    figures_of(&emu.stats(), provider_log)
}

/// Figures from a `GET /_emulator/stats` answer and a provider log.
pub fn figures_of(s: &serde_json::Value, provider_log: &str) -> Figures {
    let n = |v: &serde_json::Value| v.as_u64().unwrap_or(0);
    Figures {
        requests: n(&s["requests"]),
        writes: n(&s["writes"]),
        faults_429: n(&s["faults"]["429"]),
        faults_5xx: n(&s["faults"]["5xx"]),
        faults_drop: n(&s["faults"]["drop"]),
        retried_attempts: retried_attempts(provider_log),
    }
}

/// Counts the provider's per-attempt debug lines with `attempt` > 0 (hclog JSON from a
/// `--debug` provider, or Terraform's re-emitted `key=value` form).
pub fn retried_attempts(log: &str) -> u64 {
    log.lines()
        .filter(|l| l.contains("agents API attempt"))
        .filter_map(|l| {
            let rest = l
                .split("\"attempt\":")
                .nth(1)
                .or_else(|| l.split(" attempt=").nth(1))?;
            rest.trim_start()
                .chars()
                .take_while(char::is_ascii_digit)
                .collect::<String>()
                .parse::<u64>()
                .ok()
        })
        .filter(|a| *a > 0)
        .count() as u64
}

/// Polls `f` every 20 ms until it returns true or `timeout` passes.
pub fn wait_until(timeout: Duration, mut f: impl FnMut() -> bool) -> bool {
    let deadline = Instant::now() + timeout;
    while Instant::now() < deadline {
        if f() {
            return true;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    f()
}

// ---------------------------------------------------------------------------------------------
// Processes the tests start and signal themselves
// ---------------------------------------------------------------------------------------------

use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

use crate::support::{CmdOutput, TerraformBin, emulator_binary};

/// A Terraform command running in the background, so a test can act while it runs (kill the
/// provider, stop the emulator, press Ctrl-C). Killed on drop.
pub struct Running {
    pub child: Child,
    command: String,
    stdout: std::sync::mpsc::Receiver<String>,
    stderr: std::sync::mpsc::Receiver<String>,
}

/// Reads a pipe to its end on a thread. The result comes through a channel so that a
/// grandchild still holding the pipe (a provider outliving a killed Terraform) cannot block
/// the test: see [`collect`].
fn drain(mut r: impl Read + Send + 'static) -> std::sync::mpsc::Receiver<String> {
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let mut buf = Vec::new();
        let _ = r.read_to_end(&mut buf);
        let _ = tx.send(String::from_utf8_lossy(&buf).into_owned());
    });
    rx
}

fn collect(rx: &std::sync::mpsc::Receiver<String>) -> String {
    rx.recv_timeout(Duration::from_secs(10))
        .unwrap_or_else(|_| "<output still held open by a child process>".into())
}

/// Starts `terraform ARGS -no-color` in `ws` with `env`, configured like the harness's own runs
/// (same CLI config file, so the provider comes from the workspace's mirror). Terraform gets a
/// process group of its own, as a shell gives a foreground job: [`signal_group`] then reaches
/// Terraform and the provider it launched, like Ctrl-C in a terminal.
pub fn spawn_terraform(
    tf: &TerraformBin,
    ws: &Workspace,
    env: &[(String, String)],
    args: &[&str],
) -> Running {
    // The harness lays a workspace out as <tmp>/terraformrc beside <tmp>/work.
    let cli_config = ws
        .path()
        .parent()
        .expect("workspace dir")
        .join("terraformrc");
    assert!(
        cli_config.is_file(),
        "harness layout changed: no {}",
        cli_config.display()
    );
    let mut cmd = Command::new(&tf.path);
    cmd.current_dir(ws.path())
        .args(args)
        .arg("-no-color")
        .env_remove("TF_REATTACH_PROVIDERS")
        .env_remove("TF_CLI_ARGS")
        .env("TF_CLI_CONFIG_FILE", &cli_config)
        .env("CHECKPOINT_DISABLE", "1")
        .env("TF_IN_AUTOMATION", "1")
        .env("TF_INPUT", "0")
        .envs(env.iter().map(|(k, v)| (k, v)))
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    std::os::unix::process::CommandExt::process_group(&mut cmd, 0);
    let command = format!("terraform {}", args.join(" "));
    let mut child = cmd
        .spawn()
        .unwrap_or_else(|e| panic!("cannot start {command}: {e}"));
    let stdout = drain(child.stdout.take().unwrap());
    let stderr = drain(child.stderr.take().unwrap());
    Running {
        child,
        command,
        stdout,
        stderr,
    }
}

impl Running {
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Waits for the command to end (failing the test after `timeout`) and returns its output.
    pub fn wait(mut self, timeout: Duration) -> CmdOutput {
        let deadline = Instant::now() + timeout;
        let status = loop {
            if let Some(s) = self.child.try_wait().expect("wait") {
                break s;
            }
            if Instant::now() >= deadline {
                let _ = self.child.kill();
                let _ = self.child.wait();
                // Whatever it started goes too (the provider shares its process group).
                signal_group(self.child.id(), "KILL");
                panic!(
                    "{} did not finish within {timeout:?}:\n{}\n{}",
                    self.command,
                    collect(&self.stdout),
                    collect(&self.stderr)
                );
            }
            std::thread::sleep(Duration::from_millis(20));
        };
        CmdOutput {
            command: self.command.clone(),
            status,
            stdout: collect(&self.stdout),
            stderr: collect(&self.stderr),
        }
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        if matches!(self.child.try_wait(), Ok(None)) {
            let _ = Command::new("kill")
                .arg("-KILL")
                .arg(format!("-{}", self.child.id()))
                .status();
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

/// Sends `signal` (e.g. "KILL", "INT") to one process by id.
pub fn signal(pid: u32, signal: &str) {
    let st = Command::new("kill")
        .arg(format!("-{signal}"))
        .arg(pid.to_string())
        .status()
        .expect("run kill");
    assert!(st.success(), "kill -{signal} {pid} failed");
}

/// Sends `signal` to the process group led by `pid` (a [`spawn_terraform`] process): Terraform
/// and the provider it launched.
pub fn signal_group(pid: u32, signal: &str) {
    let st = Command::new("kill")
        .arg(format!("-{signal}"))
        .arg("--")
        .arg(format!("-{pid}"))
        .status()
        .expect("run kill");
    assert!(st.success(), "kill -{signal} -- -{pid} failed");
}

/// Processes whose executable lives under `dir`: the provider Terraform launched from this
/// workspace (its mirror or `.terraform/providers`), and nobody else's.
pub fn processes_under(dir: &Path) -> Vec<u32> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir("/proc").into_iter().flatten().flatten() {
        let Ok(pid) = entry.file_name().to_string_lossy().parse::<u32>() else {
            continue;
        };
        let Ok(exe) = std::fs::read_link(entry.path().join("exe")) else {
            continue;
        };
        if exe.starts_with(dir) {
            out.push(pid);
        }
    }
    out
}

/// The temp directory holding a workspace (mirror, CLI config, work dir).
pub fn workspace_root(ws: &Workspace) -> PathBuf {
    ws.path().parent().expect("workspace dir").to_path_buf()
}

/// An emulator the test owns, on a port it can come back to with the same state file: for
/// outages (`stop` + `start_again`).
pub struct OwnedEmulator {
    child: Option<Child>,
    args: Vec<String>,
    pub port: u16,
    pub endpoint: String,
    log: PathBuf,
    _dir: tempfile::TempDir,
}

impl OwnedEmulator {
    /// Starts on a free port with `--state-file` in a temp dir plus `args`.
    pub fn start(args: &[&str]) -> OwnedEmulator {
        let dir = tempfile::tempdir().unwrap();
        let mut args: Vec<String> = args.iter().map(|s| s.to_string()).collect();
        args.extend([
            "--state-file".into(),
            dir.path().join("state.json").to_string_lossy().into_owned(),
        ]);
        let log = dir.path().join("emulator.log");
        let mut emu = OwnedEmulator {
            child: None,
            args,
            port: 0,
            endpoint: String::new(),
            log,
            _dir: dir,
        };
        emu.spawn("127.0.0.1:0");
        emu
    }

    fn spawn(&mut self, listen: &str) {
        let log = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&self.log)
            .unwrap();
        let mut child = Command::new(emulator_binary())
            .args(["--listen", listen, "--project", "test"])
            .args(&self.args)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(log)
            .spawn()
            .expect("start azureai-emulator");
        let mut stdout = child.stdout.take().unwrap();
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let mut line = Vec::new();
            let mut byte = [0u8; 1];
            while stdout.read(&mut byte).map(|n| n == 1).unwrap_or(false) && byte[0] != b'\n' {
                line.push(byte[0]);
            }
            let _ = tx.send(String::from_utf8_lossy(&line).into_owned());
            let _ = std::io::copy(&mut stdout, &mut std::io::sink());
        });
        let endpoint = rx
            .recv_timeout(Duration::from_secs(30))
            .expect("emulator printed its endpoint");
        assert!(
            endpoint.starts_with("http://127.0.0.1:"),
            "{endpoint:?}; log:\n{}",
            self.log()
        );
        self.port = url::Url::parse(&endpoint).unwrap().port().unwrap();
        self.endpoint = endpoint;
        self.child = Some(child);
    }

    /// SIGKILL: the emulator vanishes mid-request, as a crashed service would.
    pub fn stop(&mut self) {
        if let Some(mut c) = self.child.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }

    /// Starts again on the same port with the same state file and `args` in place of the
    /// arguments it started with (e.g. without a `--fail-image`, as if the cause was fixed).
    pub fn start_again_with(&mut self, args: &[&str]) {
        let state_file = self.args[self.args.len() - 2..].to_vec();
        self.args = args
            .iter()
            .map(|s| s.to_string())
            .chain(state_file)
            .collect();
        self.start_again();
    }

    /// Starts again on the same port with the same state file and arguments.
    pub fn start_again(&mut self) {
        assert!(self.child.is_none(), "still running");
        let listen = format!("127.0.0.1:{}", self.port);
        self.spawn(&listen);
    }

    pub fn env(&self) -> Vec<(String, String)> {
        let origin = format!("http://127.0.0.1:{}", self.port);
        vec![
            ("AZURE_AI_PROJECT_ENDPOINT".into(), self.endpoint.clone()),
            ("IDENTITY_ENDPOINT".into(), format!("{origin}/msi/token")),
            ("IDENTITY_HEADER".into(), "emulator".into()),
        ]
    }

    pub fn log(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    pub fn control(&self, method: &str, path: &str) -> serde_json::Value {
        let url = format!("http://127.0.0.1:{}{path}", self.port);
        let method = reqwest::Method::from_bytes(method.as_bytes()).unwrap();
        std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .unwrap();
            rt.block_on(async move {
                let resp = reqwest::Client::new()
                    .request(method, &url)
                    .timeout(Duration::from_secs(10))
                    .send()
                    .await
                    .unwrap();
                assert!(resp.status().is_success(), "{url}: {}", resp.status());
                resp.json::<serde_json::Value>()
                    .await
                    .unwrap_or(serde_json::Value::Null)
            })
        })
        .join()
        .expect("control call")
    }
}

impl Drop for OwnedEmulator {
    fn drop(&mut self) {
        self.stop();
    }
}

/// `<agent>/<version>` of every version the emulator deleted (a `DELETE …/versions/N` it
/// answered 200), in order, from its request log.
pub fn deleted_versions(emulator_log: &str) -> Vec<String> {
    emulator_log
        .lines()
        .filter_map(|line| {
            let rest = &line[line.find("DELETE /api/projects/")? + "DELETE /api/projects/".len()..];
            let (path, outcome) = rest.split_once(" -> ")?;
            if !outcome.starts_with("200") {
                return None;
            }
            let path = path.split('?').next()?;
            match path.split('/').collect::<Vec<_>>().as_slice() {
                [_project, "agents", agent, "versions", version] => {
                    Some(format!("{agent}/{version}"))
                }
                _ => None,
            }
        })
        .collect()
}

/// The checks every data-loss scenario ends with: every id in every state exists in the
/// emulator and is not being deleted, no version is tracked twice (in one state or across
/// states), and the emulator deleted exactly `asked_to_delete` (in any order).
#[track_caller]
pub fn assert_nothing_lost(
    emulator_state: &serde_json::Value,
    emulator_log: &str,
    workspaces: &[&Workspace],
    asked_to_delete: &[String],
    context: &str,
) {
    let held = held_versions(emulator_state);
    let mut seen: BTreeMap<String, usize> = BTreeMap::new();
    for (i, ws) in workspaces.iter().enumerate() {
        for id in state_ids(ws) {
            let h = held.get(&id).unwrap_or_else(|| {
                panic!("{context}: workspace {i} tracks {id}, which the emulator does not hold: {held:#?}")
            });
            assert!(
                !matches!(h.status.as_str(), "deleting" | "deleted"),
                "{context}: workspace {i} tracks {id}, which is {}",
                h.status
            );
            if let Some(other) = seen.insert(id.clone(), i) {
                panic!("{context}: {id} is tracked by workspace {other} and workspace {i}");
            }
        }
    }
    let mut deleted = deleted_versions(emulator_log);
    deleted.sort();
    let mut asked: Vec<String> = asked_to_delete.to_vec();
    asked.sort();
    assert_eq!(
        deleted, asked,
        "{context}: the emulator deleted versions the user did not ask to delete (or missed some)"
    );
}
