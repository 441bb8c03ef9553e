//! Starts `azureai-emulator` for the agents client tests and talks to its control endpoints.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use azure_core::credentials::{AccessToken, TokenCredential, TokenRequestOptions};
use azureai::agents::{Client, ClientOptions, RetryPolicy, build_http_client_trusting};
use serde_json::Value;

use super::process::EmulatorProcess;

pub struct Emulator {
    process: EmulatorProcess,
    pub endpoint: url::Url,
    /// `scheme://127.0.0.1:PORT`.
    pub base: String,
    /// PEM to trust in TLS mode.
    pub cert: Option<PathBuf>,
    pub http: reqwest::Client,
    pub dir: tempfile::TempDir,
}

impl Emulator {
    pub fn start(args: &[&str]) -> Emulator {
        Emulator::start_in(tempfile::tempdir().unwrap(), args)
    }

    /// Start with `dir` as the scratch directory (kept across restarts for `--state-file`).
    pub fn start_in(dir: tempfile::TempDir, args: &[&str]) -> Emulator {
        let tls = args.contains(&"--tls");
        let cert = tls.then(|| dir.path().join("emulator-ca.pem"));
        let cert_arg = cert.as_ref().map(|c| c.display().to_string());
        let mut all_args = args.to_vec();
        if let Some(c) = &cert_arg {
            all_args.extend(["--tls-cert-out", c.as_str()]);
        }
        let (process, line) = EmulatorProcess::start("demo", &all_args);
        let endpoint: url::Url = line
            .parse()
            .unwrap_or_else(|e| panic!("endpoint line {line:?}: {e}"));
        let base = format!(
            "{}://127.0.0.1:{}",
            endpoint.scheme(),
            endpoint.port().unwrap()
        );
        let http = build_http_client_trusting(cert.as_deref()).unwrap();
        Emulator {
            process,
            endpoint,
            base,
            cert,
            http,
            dir,
        }
    }

    pub fn port(&self) -> u16 {
        self.endpoint.port().unwrap()
    }

    /// Stop the process and hand back its scratch directory (for a restart).
    pub fn stop(self) -> tempfile::TempDir {
        let Emulator { process, dir, .. } = self;
        drop(process);
        dir
    }

    pub fn credential(&self) -> Arc<dyn TokenCredential> {
        Arc::new(EmulatorToken {
            http: self.http.clone(),
            url: format!("{}/msi/token", self.base),
        })
    }

    pub fn client(&self, retry: RetryPolicy) -> Client {
        let mut opts = ClientOptions::new(self.endpoint.clone(), self.credential());
        opts.retry = retry;
        Client::with_http_client(opts, self.http.clone()).unwrap()
    }

    async fn control(&self, method: reqwest::Method, path: &str, body: Option<Value>) -> Value {
        let mut req = self
            .http
            .request(method, format!("{}/_emulator/{path}", self.base));
        if let Some(b) = body {
            req = req.json(&b);
        }
        let resp = req.send().await.unwrap();
        let text = resp.text().await.unwrap();
        serde_json::from_str(&text).unwrap_or(Value::Null)
    }

    pub async fn stats(&self) -> Value {
        self.control(reqwest::Method::GET, "stats", None).await
    }

    pub async fn reset_stats(&self) {
        self.control(reqwest::Method::POST, "reset-stats", None)
            .await;
    }

    pub async fn state(&self) -> Value {
        self.control(reqwest::Method::GET, "state", None).await
    }

    pub async fn set_sessions(&self, agent: &str, version: &str, active: u32) {
        self.control(
            reqwest::Method::POST,
            &format!("agents/{agent}/versions/{version}/sessions"),
            Some(serde_json::json!({"active": active})),
        )
        .await;
    }

    /// Count of requests on one route template, e.g. `POST /api/projects/{project}/agents/{name}/versions`.
    pub async fn route_count(&self, route: &str) -> u64 {
        self.stats().await["by_route"][route].as_u64().unwrap_or(0)
    }
}

/// Fetches tokens from the emulator's managed-identity endpoint directly, so tests in one binary
/// can each use their own emulator without touching process-wide IDENTITY_* variables (the
/// `azure_identity` path through those variables is covered by `agents_emulator_identity.rs`).
#[derive(Debug)]
pub struct EmulatorToken {
    http: reqwest::Client,
    url: String,
}

#[async_trait::async_trait]
impl TokenCredential for EmulatorToken {
    async fn get_token(
        &self,
        scopes: &[&str],
        _: Option<TokenRequestOptions<'_>>,
    ) -> azure_core::Result<AccessToken> {
        let resource = scopes[0].trim_end_matches("/.default");
        let v: Value = self
            .http
            .get(&self.url)
            .query(&[("api-version", "2019-08-01"), ("resource", resource)])
            .header("x-identity-header", "emulator")
            .timeout(Duration::from_secs(10))
            .send()
            .await
            .and_then(|r| r.error_for_status())
            .map_err(|e| {
                azure_core::Error::with_message(
                    azure_core::error::ErrorKind::Credential,
                    e.to_string(),
                )
            })?
            .json()
            .await
            .map_err(|e| {
                azure_core::Error::with_message(
                    azure_core::error::ErrorKind::Credential,
                    e.to_string(),
                )
            })?;
        let token = v["access_token"].as_str().unwrap_or_default().to_string();
        let expires: i64 = match &v["expires_on"] {
            Value::String(s) => s.parse().unwrap_or(0),
            other => other.as_i64().unwrap_or(0),
        };
        Ok(AccessToken::new(
            token,
            azure_core::time::OffsetDateTime::from_unix_timestamp(expires).unwrap(),
        ))
    }
}
