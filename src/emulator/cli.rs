//! Command-line options of `azureai-emulator`. Every option is documented here because `--help`
//! is the emulator's reference manual for test authors.

use std::net::SocketAddr;
use std::path::PathBuf;

use clap::Parser;

/// A local, faithful emulator of the Azure AI Foundry agents API (hosted agent versions).
///
/// The first line written to stdout is the project endpoint, e.g.
/// `http://127.0.0.1:PORT/api/projects/demo`; everything else (one line per request) goes to stderr.
/// Test-control endpoints live under `/_emulator/` (stats, reset-stats, sessions, state).
/// Deleting the last version of an agent removes the agent as well (an agent object always shows
/// `versions.latest`); version numbers are still never reused for that name.
/// Later occurrences of an option override earlier ones.
#[derive(Debug, Clone, Parser)]
#[command(name = "azureai-emulator", version, args_override_self = true)]
pub struct Options {
    /// Address to listen on. Port 0 picks a free port. Only loopback addresses are accepted
    /// unless --allow-remote is given.
    #[arg(long, default_value = "127.0.0.1:0")]
    pub listen: SocketAddr,

    /// Allow a non-loopback --listen address (the emulator has no real security; off by default).
    #[arg(long)]
    pub allow_remote: bool,

    /// Project name served under /api/projects/{project}. `_project` is always accepted too,
    /// like the service's "default project" alias.
    #[arg(long, default_value = "demo")]
    pub project: String,

    /// Serve HTTPS with a fresh self-signed certificate for `localhost` and `127.0.0.1`.
    /// The Azure SDKs refuse to send bearer tokens over plain http, so SDK clients need this.
    #[arg(long)]
    pub tls: bool,

    /// With --tls: write the PEM certificate clients must trust (a self-signed CA that issued
    /// the server certificate) to this path before printing the endpoint line.
    #[arg(long, value_name = "PATH", requires = "tls")]
    pub tls_cert_out: Option<PathBuf>,

    /// Gen B (api-version v1): milliseconds a new version stays `creating` before it becomes
    /// `active` (or `failed`).
    #[arg(long, default_value_t = 300, value_name = "MS")]
    pub provision_delay_ms: u64,

    /// Image substring that makes provisioning fail with error code `ImageError` (repeatable).
    /// Images whose tag starts with `missing` always fail.
    #[arg(long = "fail-image", value_name = "SUBSTR")]
    pub fail_images: Vec<String>,

    /// Added latency in milliseconds for every agents API request.
    #[arg(long, default_value_t = 0, value_name = "MS")]
    pub latency_ms: u64,

    /// Fraction (0..1) of agents API requests answered 429 with `Retry-After: 0` and
    /// `retry-after-ms`, before doing anything.
    #[arg(long = "fault-429", default_value_t = 0.0, value_name = "RATE", value_parser = parse_rate)]
    pub fault_429: f64,

    /// Fraction (0..1) of agents API requests answered 500 or 503 (`server_error`), before doing
    /// anything.
    #[arg(long = "fault-5xx", default_value_t = 0.0, value_name = "RATE", value_parser = parse_rate)]
    pub fault_5xx: f64,

    /// Fraction (0..1) of agents API requests that are carried out and then answered by closing
    /// the connection without any response (a lost response).
    #[arg(long = "fault-drop", default_value_t = 0.0, value_name = "RATE", value_parser = parse_rate)]
    pub fault_drop: f64,

    /// Seed of the fault-injection random generator, for repeatable runs. Without it a random
    /// seed is chosen and logged on stderr.
    #[arg(long, value_name = "N")]
    pub seed: Option<u64>,

    /// JSON file holding all state (agents, versions, token signing key). Written atomically
    /// (temp file + rename) on every change and loaded at start, so a restart loses nothing and
    /// tokens issued before the restart stay valid.
    #[arg(long, value_name = "PATH")]
    pub state_file: Option<PathBuf>,

    /// Secret the managed-identity token endpoint (`GET /msi/token`) expects in the
    /// `x-identity-header` request header (clients set IDENTITY_HEADER to it).
    #[arg(long, default_value = "emulator", value_name = "VALUE")]
    pub identity_header: String,

    /// Lifetime in seconds of the access tokens the token endpoint issues.
    #[arg(long, default_value_t = 3600, value_name = "SECONDS")]
    pub token_lifetime_secs: u64,
}

fn parse_rate(s: &str) -> Result<f64, String> {
    let v: f64 = s
        .parse()
        .map_err(|_| format!("`{s}` is not a number; expected a rate between 0 and 1"))?;
    if !(0.0..=1.0).contains(&v) {
        return Err(format!(
            "`{s}` is out of range; expected a rate between 0 and 1"
        ));
    }
    Ok(v)
}

impl Options {
    /// Checks that cannot be expressed in clap attributes.
    pub fn validate(&self) -> Result<(), String> {
        if !self.allow_remote && !self.listen.ip().is_loopback() {
            return Err(format!(
                "--listen {} is not a loopback address; pass --allow-remote to listen on it",
                self.listen
            ));
        }
        let total = self.fault_429 + self.fault_5xx + self.fault_drop;
        if total > 1.0 {
            return Err(format!(
                "--fault-429 + --fault-5xx + --fault-drop add up to {total}, more than 1"
            ));
        }
        if self.project.is_empty() || self.project.contains('/') {
            return Err("--project must be a non-empty name without '/'".into());
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rejects_non_loopback_without_allow_remote() {
        let o = Options::try_parse_from(["x", "--listen", "0.0.0.0:0"]).unwrap();
        assert!(o.validate().is_err());
        let o = Options::try_parse_from(["x", "--listen", "0.0.0.0:0", "--allow-remote"]).unwrap();
        assert!(o.validate().is_ok());
    }

    #[test]
    fn rates_are_bounded() {
        assert!(Options::try_parse_from(["x", "--fault-429", "1.5"]).is_err());
        let o = Options::try_parse_from(["x", "--fault-429", "0.6", "--fault-5xx", "0.6"]).unwrap();
        assert!(o.validate().is_err());
    }
}
