//! Shared helpers for the emulator's integration tests: start the real binary, read its
//! endpoint line, get tokens, and talk to it with reqwest.
#![allow(dead_code)]

#[path = "../support/process.rs"]
mod process;

use std::path::{Path, PathBuf};
use std::time::Duration;

use process::EmulatorProcess;
use serde_json::{Value, json};

pub const GEN_A: &str = "2025-11-15-preview";
pub const GEN_B: &str = "v1";

pub struct Emulator {
    process: EmulatorProcess,
    /// Project endpoint, e.g. `http://127.0.0.1:PORT/api/projects/demo`.
    pub endpoint: String,
    /// Scheme + host + port.
    pub base: String,
    pub client: reqwest::Client,
}

impl Emulator {
    /// Starts the binary with `args`. With `--tls --tls-cert-out PATH`, the client trusts the
    /// certificate the emulator wrote (before printing its endpoint line).
    pub fn start(args: &[&str]) -> Emulator {
        let (process, endpoint) = EmulatorProcess::start("demo", args);
        assert!(
            endpoint.ends_with("/api/projects/demo"),
            "first stdout line must be the endpoint, got {endpoint:?}; stderr: {}",
            process.log()
        );
        let base = endpoint.trim_end_matches("/api/projects/demo").to_string();
        let mut builder = reqwest::Client::builder()
            .retry(reqwest::retry::never())
            .timeout(Duration::from_secs(20));
        if let Some(i) = args.iter().position(|a| *a == "--tls-cert-out") {
            let pem = std::fs::read(args[i + 1]).expect("the emulator wrote its certificate");
            builder = builder.tls_certs_only([reqwest::Certificate::from_pem(&pem).unwrap()]);
        }
        let client = builder.build().unwrap();
        Emulator {
            process,
            endpoint,
            base,
            client,
        }
    }

    /// Starts the binary with `args` plus a `--state-file` in a fresh temp directory (returned,
    /// removed when dropped). Tests that upload code use it: without a state file the emulator
    /// keeps zips in a temp directory of its own, which a SIGKILL (how tests stop it) leaves
    /// behind.
    pub fn start_with_state(args: &[&str]) -> (Emulator, tempfile::TempDir) {
        let dir = tempfile::tempdir().unwrap();
        let state = dir.path().join("state.json");
        let mut all = vec!["--state-file", state.to_str().unwrap()];
        all.extend_from_slice(args);
        (Emulator::start(&all), dir)
    }

    pub fn stderr(&self) -> String {
        self.process.log()
    }

    pub async fn token_for(&self, resource: &str) -> String {
        let r = self
            .client
            .get(format!("{}/msi/token", self.base))
            .query(&[("api-version", "2019-08-01"), ("resource", resource)])
            .header("x-identity-header", "emulator")
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200);
        let v: Value = r.json().await.unwrap();
        assert!(
            v["expires_on"].is_string(),
            "App Service sends expires_on as a string"
        );
        v["access_token"].as_str().unwrap().to_string()
    }

    pub async fn token(&self) -> String {
        self.token_for("https://ai.azure.com").await
    }

    /// An authorized agents API call; returns status and JSON body (Null when empty).
    pub async fn call(
        &self,
        token: &str,
        method: &str,
        path: &str,
        api_version: &str,
        body: Option<Value>,
    ) -> (u16, Value) {
        let resp = self
            .send(token, method, path, api_version, body)
            .await
            .expect("request failed");
        let status = resp.status().as_u16();
        let text = resp.text().await.unwrap();
        let v = if text.is_empty() {
            Value::Null
        } else {
            serde_json::from_str(&text).unwrap()
        };
        (status, v)
    }

    pub async fn send(
        &self,
        token: &str,
        method: &str,
        path: &str,
        api_version: &str,
        body: Option<Value>,
    ) -> reqwest::Result<reqwest::Response> {
        let sep = if path.contains('?') { '&' } else { '?' };
        let url = format!(
            "{}{}{}api-version={}",
            self.endpoint, path, sep, api_version
        );
        let mut req = self
            .client
            .request(method.parse().unwrap(), url)
            .bearer_auth(token);
        if let Some(b) = body {
            req = req.json(&b);
        }
        req.send().await
    }

    /// An authorized request with a raw body and extra headers; returns status, headers and body
    /// bytes.
    pub async fn raw(
        &self,
        token: &str,
        method: &str,
        path: &str,
        headers: &[(&str, &str)],
        body: Vec<u8>,
    ) -> (u16, reqwest::header::HeaderMap, Vec<u8>) {
        let sep = if path.contains('?') { '&' } else { '?' };
        let url = format!("{}{}{}api-version=v1", self.endpoint, path, sep);
        let mut req = self
            .client
            .request(method.parse().unwrap(), url)
            .bearer_auth(token)
            .body(body);
        for (k, v) in headers {
            req = req.header(*k, *v);
        }
        let resp = req.send().await.expect("request failed");
        let status = resp.status().as_u16();
        let headers = resp.headers().clone();
        (status, headers, resp.bytes().await.unwrap().to_vec())
    }

    /// A multipart code upload (`v1`) to `path` with the given parts and extra headers (the
    /// SHA-256 header is not added automatically); returns status and JSON body.
    pub async fn upload(
        &self,
        token: &str,
        path: &str,
        headers: &[(&str, &str)],
        parts: &[Part<'_>],
    ) -> (u16, Value) {
        let (content_type, body) = multipart(parts);
        let mut all = vec![("content-type", content_type.as_str())];
        all.extend_from_slice(headers);
        let (status, _, bytes) = self.raw(token, "POST", path, &all, body).await;
        let v = if bytes.is_empty() {
            Value::Null
        } else {
            serde_json::from_slice(&bytes)
                .unwrap_or_else(|_| Value::String(String::from_utf8_lossy(&bytes).into_owned()))
        };
        (status, v)
    }

    /// The emulator's audit log (`GET /_emulator/audit`), its events only.
    pub async fn audit(&self) -> Vec<Value> {
        self.control("GET", "audit", None).await["events"]
            .as_array()
            .unwrap()
            .clone()
    }

    pub async fn control(&self, method: &str, path: &str, body: Option<Value>) -> Value {
        let mut req = self.client.request(
            method.parse().unwrap(),
            format!("{}/_emulator/{path}", self.base),
        );
        if let Some(b) = body {
            req = req.json(&b);
        }
        let resp = req.send().await.unwrap();
        assert!(
            resp.status().is_success(),
            "control call {path} failed: {}",
            resp.status()
        );
        let text = resp.text().await.unwrap();
        if text.is_empty() {
            Value::Null
        } else {
            serde_json::from_str(&text).unwrap()
        }
    }

    pub async fn stats(&self) -> Value {
        self.control("GET", "stats", None).await
    }

    /// SIGKILL: nothing gets a chance to flush at exit.
    pub fn kill(&mut self) {
        self.process.kill();
    }
}

pub fn gen_a_body(image: &str) -> Value {
    json!({"definition": {"kind": "hosted", "image": image, "cpu": "1", "memory": "2Gi",
        "container_protocol_versions": [{"protocol": "responses", "version": "v1"}],
        "environment_variables": {"MODEL_NAME": "gpt-4o-mini"},
        "tools": [{"type": "code_interpreter"}]}})
}

pub fn gen_b_body(image: &str) -> Value {
    json!({"description": "nightly", "metadata": {"git_sha": "9f2c1e0"},
        "definition": {"kind": "hosted", "cpu": "0.5", "memory": "1Gi",
        "container_configuration": {"image": image},
        "protocol_versions": [{"protocol": "responses", "version": "1.0.0"}]}})
}

pub fn temp_path(dir: &Path, name: &str) -> PathBuf {
    dir.join(name)
}

/// One part of a multipart/form-data body.
pub struct Part<'a> {
    pub name: &'a str,
    pub filename: Option<&'a str>,
    pub content_type: Option<&'a str>,
    pub data: Vec<u8>,
}

impl<'a> Part<'a> {
    /// The `metadata` part as the Python SDK sends it (no Content-Type of its own).
    pub fn metadata(v: &Value) -> Part<'a> {
        Part {
            name: "metadata",
            filename: Some("metadata"),
            content_type: None,
            data: serde_json::to_vec(v).unwrap(),
        }
    }

    /// The `code` part as the SDKs send it (`application/octet-stream`).
    pub fn code(zip: &[u8]) -> Part<'a> {
        Part {
            name: "code",
            filename: Some("agent.zip"),
            content_type: Some("application/octet-stream"),
            data: zip.to_vec(),
        }
    }
}

/// Builds a multipart/form-data body (written out here so tests control every byte); returns
/// the Content-Type header value and the body.
pub fn multipart(parts: &[Part<'_>]) -> (String, Vec<u8>) {
    let boundary = "----emulator-test-boundary-7MA4YWxkTrZu0gW";
    let mut body = Vec::new();
    for p in parts {
        body.extend_from_slice(format!("--{boundary}\r\n").as_bytes());
        let mut disposition = format!("Content-Disposition: form-data; name=\"{}\"", p.name);
        if let Some(f) = p.filename {
            disposition.push_str(&format!("; filename=\"{f}\""));
        }
        body.extend_from_slice(disposition.as_bytes());
        body.extend_from_slice(b"\r\n");
        if let Some(ct) = p.content_type {
            body.extend_from_slice(format!("Content-Type: {ct}\r\n").as_bytes());
        }
        body.extend_from_slice(b"\r\n");
        body.extend_from_slice(&p.data);
        body.extend_from_slice(b"\r\n");
    }
    body.extend_from_slice(format!("--{boundary}--\r\n").as_bytes());
    (format!("multipart/form-data; boundary={boundary}"), body)
}

/// A zip holding `entries` (name, bytes); names ending in '/' are directories.
pub fn zip_of(entries: &[(&str, &[u8])]) -> Vec<u8> {
    use std::io::Write;
    let mut w = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    for (name, data) in entries {
        let options = zip::write::SimpleFileOptions::default();
        if name.ends_with('/') {
            w.add_directory(*name, options).unwrap();
        } else {
            w.start_file(*name, options).unwrap();
            w.write_all(data).unwrap();
        }
    }
    w.finish().unwrap().into_inner()
}

pub fn sha256_hex(data: &[u8]) -> String {
    azureai::emulator::digest::hex(&azureai::emulator::digest::sha256(data))
}

/// A code-based `v1` hosted definition (metadata part of an upload).
pub fn code_metadata(runtime: &str) -> Value {
    json!({"description": "from source", "metadata": {"git_sha": "abc123"},
        "definition": {"kind": "hosted", "cpu": "0.5", "memory": "1Gi",
        "code_configuration": {"runtime": runtime, "entry_point": ["python", "main.py"],
            "dependency_resolution": "remote_build"},
        "protocol_versions": [{"protocol": "responses", "version": "1.0.0"}]}})
}
