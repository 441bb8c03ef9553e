//! A provider registry on loopback, over HTTPS, serving one release directory the way a
//! public registry serves a published release (the provider registry protocol):
//!
//! - `GET /.well-known/terraform.json` — service discovery, `providers.v1`
//! - `GET /v1/providers/azureai/azureai/versions` — the version with its protocols and platforms
//! - `GET /v1/providers/azureai/azureai/<v>/download/<os>/<arch>` — the zip's name, URL and
//!   sha256, the SHA256SUMS and signature URLs, and the public signing key
//! - `GET /files/<name>` — the release's files, unchanged (or tampered with, on request)
//!
//! Its certificate comes from a CA made per registry; `SSL_CERT_FILE` pointing at
//! [`Registry::ca_file`] makes Terraform trust it. Every request is recorded.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use axum::Router;
use axum::extract::{Path as UrlPath, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Json, Response};
use axum::routing::get;
use hyper_util::rt::{TokioExecutor, TokioIo};
use hyper_util::server::conn::auto;
use hyper_util::service::TowerToHyperService;
use rcgen::{BasicConstraints, CertificateParams, IsCa, KeyPair};
use serde_json::json;

use super::{Dist, PLATFORMS, PROVIDER, VERSION, sums_name};

/// What the registry serves wrongly, to show that Terraform notices.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tamper {
    None,
    /// SHA256SUMS with one digit changed in another platform's line, under the genuine
    /// signature: only verifying the signature can catch it.
    ChecksumFile,
    /// The zips with one byte appended: only checking the zip's sha256 can catch it.
    Zip,
}

struct Shared {
    dir: PathBuf,
    base: String,
    key_id: String,
    public_key: String,
    tamper: Tamper,
    requests: Mutex<Vec<String>>,
}

pub struct Registry {
    addr: SocketAddr,
    shared: Arc<Shared>,
    ca_dir: tempfile::TempDir,
    runtime: Option<tokio::runtime::Runtime>,
}

impl Registry {
    pub fn start(dist: &Dist, tamper: Tamper) -> Registry {
        let ca_dir = tempfile::tempdir().unwrap();
        let (ca_pem, server_config) = certificates();
        std::fs::write(ca_dir.path().join("ca.pem"), ca_pem).unwrap();

        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .unwrap();
        // Loopback only.
        let listener = runtime
            .block_on(tokio::net::TcpListener::bind(("127.0.0.1", 0)))
            .unwrap();
        let addr = listener.local_addr().unwrap();
        let shared = Arc::new(Shared {
            dir: dist.dir.clone(),
            base: format!("https://localhost:{}", addr.port()),
            key_id: dist.key_id.clone(),
            public_key: dist.public_key.clone(),
            tamper,
            requests: Mutex::new(Vec::new()),
        });
        let app = Router::new()
            .route("/.well-known/terraform.json", get(discovery))
            .route("/v1/providers/{namespace}/{name}/versions", get(versions))
            .route(
                "/v1/providers/{namespace}/{name}/{version}/download/{os}/{arch}",
                get(download),
            )
            .route("/files/{file}", get(file))
            .with_state(shared.clone());
        let acceptor = tokio_rustls::TlsAcceptor::from(server_config);
        runtime.spawn(async move {
            loop {
                let Ok((tcp, _)) = listener.accept().await else {
                    continue;
                };
                let (acceptor, app) = (acceptor.clone(), app.clone());
                tokio::spawn(async move {
                    let Ok(tls) = acceptor.accept(tcp).await else {
                        return;
                    };
                    let _ = auto::Builder::new(TokioExecutor::new())
                        .serve_connection(TokioIo::new(tls), TowerToHyperService::new(app))
                        .await;
                });
            }
        });
        Registry {
            addr,
            shared,
            ca_dir,
            runtime: Some(runtime),
        }
    }

    /// `localhost:<port>`: the registry host as a provider source address names it.
    pub fn host(&self) -> String {
        format!("localhost:{}", self.addr.port())
    }

    /// The PEM file of the CA that issued the registry's certificate.
    pub fn ca_file(&self) -> PathBuf {
        self.ca_dir.path().join("ca.pem")
    }

    /// The paths requested so far, in order.
    pub fn requests(&self) -> Vec<String> {
        self.shared.requests.lock().unwrap().clone()
    }
}

impl Drop for Registry {
    fn drop(&mut self) {
        if let Some(rt) = self.runtime.take() {
            rt.shutdown_background();
        }
    }
}

/// A CA and a `localhost` server certificate issued by it.
fn certificates() -> (String, Arc<rustls::ServerConfig>) {
    let ca_key = KeyPair::generate().unwrap();
    let mut ca_params = CertificateParams::new(Vec::<String>::new()).unwrap();
    ca_params
        .distinguished_name
        .push(rcgen::DnType::CommonName, "azureai release test CA");
    ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    let ca_cert = ca_params.self_signed(&ca_key).unwrap();
    let issuer = rcgen::Issuer::new(ca_params, ca_key);

    let key = KeyPair::generate().unwrap();
    let mut params =
        CertificateParams::new(vec!["localhost".to_string(), "127.0.0.1".to_string()]).unwrap();
    params
        .distinguished_name
        .push(rcgen::DnType::CommonName, "localhost");
    let cert = params.signed_by(&key, &issuer).unwrap();

    let mut config = rustls::ServerConfig::builder_with_provider(Arc::new(
        rustls::crypto::aws_lc_rs::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .unwrap()
    .with_no_client_auth()
    .with_single_cert(
        vec![cert.der().clone()],
        rustls::pki_types::PrivateKeyDer::Pkcs8(key.serialize_der().into()),
    )
    .unwrap();
    config.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
    (ca_cert.pem(), Arc::new(config))
}

fn record(shared: &Shared, path: String) {
    shared.requests.lock().unwrap().push(path);
}

async fn discovery(State(shared): State<Arc<Shared>>) -> Json<serde_json::Value> {
    record(&shared, "/.well-known/terraform.json".into());
    Json(json!({ "providers.v1": "/v1/providers/" }))
}

fn is_ours(namespace: &str, name: &str) -> bool {
    namespace == "azureai" && name == "azureai"
}

async fn versions(
    State(shared): State<Arc<Shared>>,
    UrlPath((namespace, name)): UrlPath<(String, String)>,
) -> Response {
    record(
        &shared,
        format!("/v1/providers/{namespace}/{name}/versions"),
    );
    if !is_ours(&namespace, &name) {
        return StatusCode::NOT_FOUND.into_response();
    }
    let platforms: Vec<_> = PLATFORMS
        .iter()
        .map(|p| json!({ "os": p.os, "arch": p.arch }))
        .collect();
    Json(json!({
        "versions": [{ "version": VERSION, "protocols": ["5.0"], "platforms": platforms }]
    }))
    .into_response()
}

async fn download(
    State(shared): State<Arc<Shared>>,
    UrlPath((namespace, name, version, os, arch)): UrlPath<(
        String,
        String,
        String,
        String,
        String,
    )>,
) -> Response {
    record(
        &shared,
        format!("/v1/providers/{namespace}/{name}/{version}/download/{os}/{arch}"),
    );
    let filename = format!("{PROVIDER}_{version}_{os}_{arch}.zip");
    if !is_ours(&namespace, &name) || version != VERSION || !shared.dir.join(&filename).is_file() {
        return StatusCode::NOT_FOUND.into_response();
    }
    // The digest the registry announces is the one in the (genuine) SHA256SUMS.
    let sums = std::fs::read_to_string(shared.dir.join(sums_name())).unwrap();
    let shasum = sums
        .lines()
        .find_map(|l| l.strip_suffix(&format!("  {filename}")))
        .unwrap_or_default()
        .to_string();
    let base = &shared.base;
    Json(json!({
        "protocols": ["5.0"],
        "os": os,
        "arch": arch,
        "filename": filename,
        "download_url": format!("{base}/files/{filename}"),
        "shasums_url": format!("{base}/files/{}", sums_name()),
        "shasums_signature_url": format!("{base}/files/{}.sig", sums_name()),
        "shasum": shasum,
        "signing_keys": {
            "gpg_public_keys": [{
                "key_id": shared.key_id,
                "ascii_armor": shared.public_key,
                "trust_signature": "",
                "source": "azureai release test",
                "source_url": null
            }]
        }
    }))
    .into_response()
}

async fn file(State(shared): State<Arc<Shared>>, UrlPath(file): UrlPath<String>) -> Response {
    record(&shared, format!("/files/{file}"));
    let path: &Path = file.as_ref();
    if path.components().count() != 1 {
        return StatusCode::NOT_FOUND.into_response();
    }
    let Ok(mut bytes) = tokio::fs::read(shared.dir.join(path)).await else {
        return StatusCode::NOT_FOUND.into_response();
    };
    match shared.tamper {
        Tamper::ChecksumFile if file == sums_name() => {
            let text = String::from_utf8(bytes).unwrap();
            let tampered: Vec<String> = text
                .lines()
                .map(|line| {
                    if line.contains("_windows_amd64.zip") {
                        let flipped = if line.starts_with('0') { '1' } else { '0' };
                        format!("{flipped}{}", &line[1..])
                    } else {
                        line.to_string()
                    }
                })
                .collect();
            bytes = format!("{}\n", tampered.join("\n")).into_bytes();
        }
        Tamper::Zip if file.ends_with(".zip") => bytes.push(0),
        _ => {}
    }
    bytes.into_response()
}
