//! Child processes the tests start and wait for: the one way to launch `azureai-emulator`
//! ([`EmulatorProcess`]), and the first-line reader it shares with the provider's debug mode.
//!
//! Three harnesses wrap the emulator with the helpers their tests need — `tests/support`
//! (Terraform tests), `tests/agents_support` (the agents client) and `tests/emulator_common`
//! (the emulator's own tests) — and all of them start it here.

use std::fs;
use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::thread;
use std::time::Duration;

/// How long a started child may take to print its first line.
pub const STARTUP_TIMEOUT: Duration = Duration::from_secs(30);

/// A running `azureai-emulator`, killed when dropped.
pub struct EmulatorProcess {
    child: Child,
    log: tempfile::NamedTempFile,
}

impl EmulatorProcess {
    /// Starts the emulator with `args`, on a free loopback port and for project `project`
    /// unless `args` give `--listen` or `--project` themselves; stderr goes to a log file.
    /// Returns the process and the project endpoint it printed, e.g.
    /// `http://127.0.0.1:PORT/api/projects/demo`.
    pub fn start(project: &str, args: &[&str]) -> (Self, String) {
        let log = tempfile::NamedTempFile::new().expect("emulator log file");
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_azureai-emulator"));
        if !args.contains(&"--listen") {
            cmd.args(["--listen", "127.0.0.1:0"]);
        }
        if !args.contains(&"--project") {
            cmd.args(["--project", project]);
        }
        let mut child = cmd
            .args(args)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(log.reopen().expect("emulator log file"))
            .spawn()
            .expect("start azureai-emulator");
        let endpoint = first_stdout_line(&mut child, "azureai-emulator", log.path());
        assert!(
            endpoint.starts_with("http://127.0.0.1:") || endpoint.starts_with("https://127.0.0.1:"),
            "emulator's first line is not a loopback endpoint: {endpoint:?}; its stderr:\n{}",
            fs::read_to_string(log.path()).unwrap_or_default()
        );
        (EmulatorProcess { child, log }, endpoint)
    }

    /// The emulator's stderr so far.
    pub fn log(&self) -> String {
        fs::read_to_string(self.log.path()).unwrap_or_default()
    }

    /// SIGKILL: nothing gets a chance to flush at exit.
    pub fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for EmulatorProcess {
    fn drop(&mut self) {
        self.kill();
    }
}

/// Reads the first line a child prints on stdout (then keeps draining stdout in the background
/// so the child never blocks on a full pipe). Fails after [`STARTUP_TIMEOUT`], showing the
/// child's stderr from `log`.
pub fn first_stdout_line(child: &mut Child, what: &str, log: &Path) -> String {
    let stdout = child.stdout.take().expect("piped stdout");
    let (tx, rx) = mpsc::channel();
    thread::spawn(move || {
        let mut reader = BufReader::new(stdout);
        let mut line = String::new();
        let res = reader.read_line(&mut line).map(|_| line);
        let _ = tx.send(res);
        let _ = std::io::copy(&mut reader, &mut std::io::sink());
    });
    let line = match rx.recv_timeout(STARTUP_TIMEOUT) {
        Ok(Ok(line)) if !line.trim().is_empty() => line,
        other => {
            let _ = child.kill();
            let _ = child.wait();
            panic!(
                "{what} printed no first line ({other:?}); its stderr:\n{}",
                fs::read_to_string(log).unwrap_or_default()
            );
        }
    };
    line.trim().to_string()
}
