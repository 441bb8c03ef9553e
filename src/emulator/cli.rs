//! Command-line options of `azureai-emulator`. Every option is documented here because `--help`
//! is the emulator's reference manual for test authors.

use std::net::SocketAddr;
use std::path::PathBuf;

use clap::Parser;

/// A local, faithful emulator of the Azure AI Foundry agents API (hosted agent versions).
///
/// The first line written to stdout is the project endpoint, e.g.
/// `http://127.0.0.1:PORT/api/projects/demo`; everything else (one line per request) goes to stderr.
/// Test-control endpoints live under `/_emulator/` (stats, reset-stats, sessions, state, audit).
/// Deleting the last version of an agent removes the agent as well (an agent object always shows
/// `versions.latest`); version numbers are still never reused for that name.
///
/// api-version v1 also serves: cpu/memory resource tiers (0.25-core steps, memory = 2 x cpu in Gi,
/// up to --max-cpu-tier); the agent endpoint (GET/PATCH /agents/{name} with merge-patch,
/// FixedRatio traffic rules that must name existing versions and add up to 100, protocols,
/// authorization schemes, agent card; POST /agents/{name}:enable and :disable); refusal (409) to
/// delete a version an explicit traffic rule still routes to; code-based versions uploaded as
/// multipart/form-data (parts `metadata` and `code`, header x-ms-code-zip-sha256) and
/// GET /agents/{name}/code:download. JSON requests need Content-Type application/json (415
/// otherwise). `GET /_emulator/audit` lists every endpoint change and version create/delete in
/// order.
///
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

    /// Project name served under /api/projects/{project}: 1-64 ASCII letters, digits, '-', '_'
    /// or '.', starting and ending with a letter or digit. `_project` is always accepted too,
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
    /// tokens issued before the restart stay valid; a temp file a killed run left behind is
    /// removed at start. Uploaded code zips are kept in the directory PATH.code beside it
    /// (without this option: in a temp directory removed at exit).
    #[arg(long, value_name = "PATH")]
    pub state_file: Option<PathBuf>,

    /// Secret the managed-identity token endpoint (`GET /msi/token`) expects in the
    /// `x-identity-header` request header (clients set IDENTITY_HEADER to it).
    #[arg(long, default_value = "emulator", value_name = "VALUE")]
    pub identity_header: String,

    /// Lifetime in seconds of the access tokens the token endpoint issues.
    #[arg(long, default_value_t = 3600, value_name = "SECONDS")]
    pub token_lifetime_secs: u64,

    /// api-version v1: the largest cpu/memory resource tier offered, in cores (memory is twice
    /// that in Gi). Default 2 (2 / 4Gi, the largest tier documented today); at most 4 (4 / 8Gi,
    /// as documented earlier). A multiple of 0.25.
    #[arg(long, default_value = "2", value_name = "CORES", value_parser = parse_tier)]
    pub max_cpu_tier: f64,

    /// api-version v1: the largest code zip a code upload may carry, in bytes (default
    /// 262144000 = 250 MiB, the service's limit). Larger zips get 413.
    #[arg(long, default_value_t = crate::emulator::code::DEFAULT_MAX_CODE_ZIP_BYTES, value_name = "BYTES")]
    pub max_code_zip_bytes: u64,
}

fn parse_tier(s: &str) -> Result<f64, String> {
    let v: f64 = s.parse().map_err(|_| {
        format!("`{s}` is not a number of cores; expected 0.25 to 4 in steps of 0.25")
    })?;
    let quarters = v * 4.0;
    if !(1.0..=16.0).contains(&quarters) || quarters.fract() != 0.0 {
        return Err(format!(
            "`{s}` is not a tier; expected 0.25 to 4 cores in steps of 0.25 (e.g. 2 or 4)"
        ));
    }
    Ok(v)
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
        if !valid_project(&self.project) {
            let shown: String = self.project.chars().take(80).collect();
            return Err(format!(
                "--project {shown:?} is not a valid project name: use 1-64 ASCII letters, digits, '-', '_' or '.', starting and ending with a letter or digit (it becomes a URL path segment)"
            ));
        }
        if self.max_code_zip_bytes == 0 {
            return Err("--max-code-zip-bytes must be at least 1".into());
        }
        Ok(())
    }

    /// `--max-cpu-tier` in quarter cores.
    pub fn max_cpu_quarters(&self) -> u32 {
        (self.max_cpu_tier * 4.0).round() as u32
    }
}

fn valid_project(name: &str) -> bool {
    let ok_char = |c: char| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.');
    let bytes = name.as_bytes();
    !name.is_empty()
        && name.len() <= 64
        && name.chars().all(ok_char)
        && bytes[0].is_ascii_alphanumeric()
        && bytes[bytes.len() - 1].is_ascii_alphanumeric()
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
    fn project_names_are_url_path_segments() {
        for ok in ["demo", "my-project", "p1.test_2", "A"] {
            let o = Options::try_parse_from(["x", "--project", ok]).unwrap();
            assert!(o.validate().is_ok(), "{ok}");
        }
        for bad in [
            "p p",
            "",
            "a/b",
            "-a",
            "a-",
            "_project",
            "é",
            "a?b",
            "a%20b",
            &"a".repeat(65),
        ] {
            let o = Options::try_parse_from(["x".to_string(), format!("--project={bad}")]).unwrap();
            assert!(o.validate().is_err(), "{bad:?}");
        }
    }

    #[test]
    fn tiers_are_bounded() {
        let o = Options::try_parse_from(["x"]).unwrap();
        assert_eq!(o.max_cpu_quarters(), 8);
        let o = Options::try_parse_from(["x", "--max-cpu-tier", "4"]).unwrap();
        assert_eq!(o.max_cpu_quarters(), 16);
        for bad in ["4.25", "0", "1.1", "two"] {
            assert!(
                Options::try_parse_from(["x", "--max-cpu-tier", bad]).is_err(),
                "{bad}"
            );
        }
    }

    #[test]
    fn rates_are_bounded() {
        assert!(Options::try_parse_from(["x", "--fault-429", "1.5"]).is_err());
        let o = Options::try_parse_from(["x", "--fault-429", "0.6", "--fault-5xx", "0.6"]).unwrap();
        assert!(o.validate().is_err());
    }
}
