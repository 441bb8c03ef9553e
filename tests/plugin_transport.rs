//! The go-plugin transport of the real provider binary, exercised the way Terraform does it
//! but with a client we control: the magic-cookie check, the handshake line, AutoMTLS with a
//! pinned client certificate (and refusal of any other), unix and TCP listeners, the side
//! services, and a prompt exit on `GRPCController.Shutdown`.

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use azureai::proto::plugin::grpc_broker_client::GrpcBrokerClient;
use azureai::proto::plugin::grpc_controller_client::GrpcControllerClient;
use azureai::proto::plugin::grpc_stdio_client::GrpcStdioClient;
use azureai::proto::plugin::{ConnInfo, Empty};
use azureai::proto::tfplugin5::get_provider_schema;
use azureai::proto::tfplugin5::provider_client::ProviderClient;
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD_NO_PAD;
use hyper_util::rt::TokioIo;
use rcgen::{
    BasicConstraints, CertificateParams, ExtendedKeyUsagePurpose, IsCa, KeyPair, KeyUsagePurpose,
};
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer, ServerName};
use tokio::net::{TcpStream, UnixStream};
use tokio_rustls::TlsConnector;
use tonic::transport::{Channel, Endpoint};

const COOKIE: &str = "d602bf8f470bc67ca7faa0386276bbdd4330efaf76d1a219cb4d6991ca9872b2";

fn provider_binary() -> &'static str {
    env!("CARGO_BIN_EXE_terraform-provider-azureai")
}

/// A client certificate shaped like the one Terraform (go-plugin `generateCert`) makes:
/// ECDSA P-521, self-signed, flagged as a CA with CertSign, client+server EKUs, `localhost`.
struct ClientIdentity {
    pem: String,
    der: CertificateDer<'static>,
    key: PrivatePkcs8KeyDer<'static>,
}

fn terraform_like_client_cert() -> ClientIdentity {
    let key = KeyPair::generate_for(&rcgen::PKCS_ECDSA_P521_SHA512).expect("P-521 key");
    let mut params = CertificateParams::new(vec!["localhost".to_string()]).unwrap();
    params
        .distinguished_name
        .push(rcgen::DnType::CommonName, "localhost");
    params
        .distinguished_name
        .push(rcgen::DnType::OrganizationName, "HashiCorp");
    params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    params.key_usages = vec![
        KeyUsagePurpose::DigitalSignature,
        KeyUsagePurpose::KeyEncipherment,
        KeyUsagePurpose::KeyCertSign,
    ];
    params.extended_key_usages = vec![
        ExtendedKeyUsagePurpose::ClientAuth,
        ExtendedKeyUsagePurpose::ServerAuth,
    ];
    let cert = params.self_signed(&key).expect("self-signed client cert");
    ClientIdentity {
        pem: cert.pem(),
        der: cert.der().clone(),
        key: PrivatePkcs8KeyDer::from(key.serialize_der()),
    }
}

/// The provider started as Terraform would start it; killed on drop.
struct Launched {
    child: Child,
    network: String,
    address: String,
    server_cert: Option<CertificateDer<'static>>,
    stderr_log: tempfile::NamedTempFile,
}

impl Drop for Launched {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Launched {
    fn stderr(&self) -> String {
        std::fs::read_to_string(self.stderr_log.path()).unwrap_or_default()
    }

    /// Waits up to `limit` for the process to exit.
    fn wait_exit(&mut self, limit: Duration) -> Option<std::process::ExitStatus> {
        let deadline = Instant::now() + limit;
        while Instant::now() < deadline {
            if let Some(status) = self.child.try_wait().unwrap() {
                return Some(status);
            }
            std::thread::sleep(Duration::from_millis(10));
        }
        None
    }
}

/// Starts the provider with the cookie, protocol offer `5,6` and `env`, and reads the
/// handshake line (the only thing it may print on stdout).
fn launch(client_cert_pem: Option<&str>, env: &[(&str, &str)]) -> Launched {
    let stderr_log = tempfile::NamedTempFile::new().unwrap();
    let mut cmd = Command::new(provider_binary());
    cmd.env("TF_PLUGIN_MAGIC_COOKIE", COOKIE)
        .env("PLUGIN_PROTOCOL_VERSIONS", "5,6")
        .env("TF_LOG", "warn")
        .env_remove("TF_LOG_PROVIDER")
        .env_remove("PLUGIN_CLIENT_CERT")
        .env_remove("AZUREAI_PLUGIN_TCP")
        .envs(env.iter().copied())
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(stderr_log.reopen().unwrap());
    if let Some(pem) = client_cert_pem {
        cmd.env("PLUGIN_CLIENT_CERT", pem);
    }
    let mut child = cmd.spawn().expect("start provider");
    let mut stdout = BufReader::new(child.stdout.take().unwrap());
    let mut line = String::new();
    stdout.read_line(&mut line).expect("read handshake line");
    // Anything further on stdout would corrupt Terraform's view; collect it for a later check.
    let fields: Vec<&str> = line.trim_end_matches('\n').split('|').collect();
    assert_eq!(
        fields.len(),
        6,
        "handshake line {line:?} (stderr: {})",
        std::fs::read_to_string(stderr_log.path()).unwrap_or_default()
    );
    assert_eq!(fields[0], "1", "core protocol in {line:?}");
    assert_eq!(fields[1], "5", "app protocol in {line:?}");
    assert_eq!(fields[4], "grpc", "protocol in {line:?}");
    let server_cert = (!fields[5].is_empty()).then(|| {
        let der = STANDARD_NO_PAD
            .decode(fields[5])
            .unwrap_or_else(|e| panic!("cert field is not base64 without padding: {e}"));
        CertificateDer::from(der)
    });
    let launched = Launched {
        network: fields[2].to_string(),
        address: fields[3].to_string(),
        server_cert,
        stderr_log,
        child,
    };
    // Keep reading stdout in the background: nothing more may ever appear there.
    std::thread::spawn(move || {
        let mut rest = String::new();
        let _ = std::io::Read::read_to_string(&mut stdout, &mut rest);
        assert!(
            rest.is_empty(),
            "provider wrote to stdout after the handshake: {rest:?}"
        );
    });
    launched
}

/// What the test client presents.
enum ClientAuth<'a> {
    Cert(&'a ClientIdentity),
    None,
}

/// A gRPC channel to the launched provider, dialled like go-plugin does: the server cert from
/// the handshake line as the only root, server name `localhost`, ALPN h2.
async fn channel(
    l: &Launched,
    auth: ClientAuth<'_>,
) -> Result<Channel, Box<dyn std::error::Error + Send + Sync>> {
    let tls = match &l.server_cert {
        Some(server_cert) => {
            let mut roots = rustls::RootCertStore::empty();
            roots.add(server_cert.clone())?;
            let builder = rustls::ClientConfig::builder_with_provider(Arc::new(
                rustls::crypto::aws_lc_rs::default_provider(),
            ))
            .with_safe_default_protocol_versions()?
            .with_root_certificates(roots);
            let mut config = match auth {
                ClientAuth::Cert(id) => builder.with_client_auth_cert(
                    vec![id.der.clone()],
                    PrivateKeyDer::Pkcs8(id.key.clone_key()),
                )?,
                ClientAuth::None => builder.with_no_client_auth(),
            };
            config.alpn_protocols = vec![b"h2".to_vec()];
            Some(TlsConnector::from(Arc::new(config)))
        }
        None => None,
    };
    let network = l.network.clone();
    let address = l.address.clone();
    let connector = tower::service_fn(move |_uri| {
        let (tls, network, address) = (tls.clone(), network.clone(), address.clone());
        async move {
            let io: Box<dyn IoStream> = match network.as_str() {
                "unix" => Box::new(UnixStream::connect(&address).await?),
                "tcp" => Box::new(TcpStream::connect(&address).await?),
                other => return Err(std::io::Error::other(format!("unknown network {other}"))),
            };
            let io: Box<dyn IoStream> = match tls {
                Some(tls) => Box::new(
                    tls.connect(ServerName::try_from("localhost").unwrap(), io)
                        .await?,
                ),
                None => io,
            };
            Ok::<_, std::io::Error>(TokioIo::new(io))
        }
    });
    Ok(Endpoint::from_static("http://localhost")
        .connect_timeout(Duration::from_secs(5))
        .connect_with_connector(connector)
        .await?)
}

trait IoStream: tokio::io::AsyncRead + tokio::io::AsyncWrite + Send + Unpin {}
impl<T: tokio::io::AsyncRead + tokio::io::AsyncWrite + Send + Unpin> IoStream for T {}

/// Connects and asks for the schema: the first real RPC Terraform makes.
async fn get_schema(
    l: &Launched,
    auth: ClientAuth<'_>,
) -> Result<get_provider_schema::Response, String> {
    let ch = channel(l, auth)
        .await
        .map_err(|e| format!("connect: {e:?}"))?;
    let resp = ProviderClient::new(ch)
        .get_schema(get_provider_schema::Request {})
        .await
        .map_err(|s| format!("GetSchema: {s:?}"))?;
    Ok(resp.into_inner())
}

// ---------------------------------------------------------------------------------------------

#[test]
fn without_cookie_exits_1_with_help_and_no_stdout() {
    let out = Command::new(provider_binary())
        .env_remove("TF_PLUGIN_MAGIC_COOKIE")
        .env("PLUGIN_PROTOCOL_VERSIONS", "5")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1), "{out:?}");
    assert!(
        out.stdout.is_empty(),
        "stdout must stay empty: {:?}",
        String::from_utf8_lossy(&out.stdout)
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("not meant to be run directly"), "{stderr}");
    assert!(stderr.contains("azureai/azureai"), "{stderr}");

    let wrong = Command::new(provider_binary())
        .env("TF_PLUGIN_MAGIC_COOKIE", "nope")
        .output()
        .unwrap();
    assert_eq!(wrong.status.code(), Some(1));
    assert!(wrong.stdout.is_empty());
}

#[test]
fn without_protocol_5_exits_1_naming_the_versions() {
    let out = Command::new(provider_binary())
        .env("TF_PLUGIN_MAGIC_COOKIE", COOKIE)
        .env("PLUGIN_PROTOCOL_VERSIONS", "6")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(out.stdout.is_empty());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("version(s) 6") && stderr.contains("protocol 5"),
        "{stderr}"
    );
}

#[test]
fn handshake_line_announces_unix_socket_and_server_cert() {
    let client = terraform_like_client_cert();
    let l = launch(Some(&client.pem), &[]);
    assert_eq!(l.network, "unix");
    assert!(
        Path::new(&l.address).exists(),
        "socket {} does not exist",
        l.address
    );
    let cert = l
        .server_cert
        .as_ref()
        .expect("AutoMTLS needs the server cert in the handshake");
    // Terraform only parses the field when it is longer than 50 characters.
    assert!(STANDARD_NO_PAD.encode(cert).len() > 50);
    assert!(
        cert.windows(9).any(|w| w == b"localhost"),
        "server cert has no localhost name"
    );
}

#[test]
fn tcp_listener_inside_the_port_range() {
    let client = terraform_like_client_cert();
    let l = launch(
        Some(&client.pem),
        &[
            ("AZUREAI_PLUGIN_TCP", "1"),
            ("PLUGIN_MIN_PORT", "21000"),
            ("PLUGIN_MAX_PORT", "21999"),
        ],
    );
    assert_eq!(l.network, "tcp");
    let port: u16 = l
        .address
        .strip_prefix("127.0.0.1:")
        .expect("loopback address")
        .parse()
        .unwrap();
    assert!(
        (21000..=21999).contains(&port),
        "port {port} outside the range"
    );
    let rt = tokio::runtime::Runtime::new().unwrap();
    let schema = rt
        .block_on(get_schema(&l, ClientAuth::Cert(&client)))
        .expect("pinned client over TCP");
    assert!(
        schema.provider.and_then(|p| p.block).is_some(),
        "provider schema must carry a block"
    );
}

#[test]
fn tls_disabled_serves_plaintext_with_empty_cert_field() {
    // TF_DISABLE_PLUGIN_TLS makes Terraform leave PLUGIN_CLIENT_CERT unset.
    let l = launch(None, &[]);
    assert!(l.server_cert.is_none());
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(get_schema(&l, ClientAuth::None))
        .expect("plaintext GetSchema");
}

#[test]
fn only_the_pinned_client_certificate_is_accepted() {
    let pinned = terraform_like_client_cert();
    let impostor = terraform_like_client_cert();
    let mut l = launch(Some(&pinned.pem), &[]);
    let rt = tokio::runtime::Runtime::new().unwrap();

    let wrong = rt.block_on(get_schema(&l, ClientAuth::Cert(&impostor)));
    assert!(
        wrong.is_err(),
        "a different client certificate must be refused, got {wrong:?}"
    );
    let none = rt.block_on(get_schema(&l, ClientAuth::None));
    assert!(
        none.is_err(),
        "a client without certificate must be refused, got {none:?}"
    );

    // Refusals cost only those connections: the server is alive and serves Terraform's cert.
    assert!(
        l.child.try_wait().unwrap().is_none(),
        "provider died after a refused handshake"
    );
    let ok = rt
        .block_on(get_schema(&l, ClientAuth::Cert(&pinned)))
        .expect("pinned certificate accepted");
    assert!(ok.provider.is_some());
    let stderr = l.stderr();
    assert!(
        stderr.matches("refused plugin connection").count() >= 2,
        "refusals must be logged at WARN:\n{stderr}"
    );
    for line in stderr.lines() {
        let v: serde_json::Value = serde_json::from_str(line)
            .unwrap_or_else(|e| panic!("stderr line is not hclog JSON ({e}): {line}"));
        assert!(
            v["@level"].is_string() && v["@timestamp"].is_string() && v["@message"].is_string(),
            "{line}"
        );
    }
    drop(rt);
    assert!(l.wait_exit(Duration::from_millis(1)).is_none());
}

#[test]
fn side_services_stay_open_and_shutdown_exits_promptly() {
    let client = terraform_like_client_cert();
    let mut l = launch(Some(&client.pem), &[]);
    let socket_dir = Path::new(&l.address).parent().unwrap().to_path_buf();
    let rt = tokio::runtime::Runtime::new().unwrap();
    let ch = rt
        .block_on(channel(&l, ClientAuth::Cert(&client)))
        .expect("connect");

    rt.block_on(async {
        // Health: go-plugin pings the "plugin" service.
        let health = tonic_health::pb::health_client::HealthClient::new(ch.clone())
            .check(tonic_health::pb::HealthCheckRequest {
                service: "plugin".into(),
            })
            .await
            .expect("health check")
            .into_inner();
        assert_eq!(
            health.status,
            tonic_health::pb::health_check_response::ServingStatus::Serving as i32
        );

        // Stdio: an open stream that carries nothing.
        let mut stdio = GrpcStdioClient::new(ch.clone())
            .stream_stdio(())
            .await
            .expect("StreamStdio")
            .into_inner();
        let first = tokio::time::timeout(Duration::from_millis(300), stdio.message()).await;
        assert!(
            first.is_err(),
            "StreamStdio must stay open without data, got {first:?}"
        );

        // Broker: accepts the stream and holds it.
        let (tx, rx) = tokio::sync::mpsc::channel::<ConnInfo>(1);
        let mut broker = GrpcBrokerClient::new(ch.clone())
            .start_stream(tokio_stream::wrappers::ReceiverStream::new(rx))
            .await
            .expect("StartStream")
            .into_inner();
        tx.send(ConnInfo {
            service_id: 1,
            network: "unix".into(),
            address: "/nowhere".into(),
            knock: None,
        })
        .await
        .unwrap();
        let first = tokio::time::timeout(Duration::from_millis(300), broker.message()).await;
        assert!(first.is_err(), "StartStream must stay open, got {first:?}");

        // Unimplemented RPCs answer Unimplemented, not a transport error.
        let err = ProviderClient::new(ch.clone())
            .get_functions(azureai::proto::tfplugin5::get_functions::Request {})
            .await
            .expect_err("GetFunctions is not served");
        assert_eq!(err.code(), tonic::Code::Unimplemented);

        GrpcControllerClient::new(ch.clone())
            .shutdown(Empty {})
            .await
            .expect("Shutdown answers before exiting");
    });
    let started = Instant::now();
    let status = l
        .wait_exit(Duration::from_secs(1))
        .unwrap_or_else(|| panic!("still running 1 s after Shutdown:\n{}", l.stderr()));
    assert!(status.success(), "exit status {status}");
    assert!(started.elapsed() < Duration::from_secs(1));
    assert!(
        !socket_dir.exists(),
        "socket dir {} left behind",
        socket_dir.display()
    );
}

#[test]
fn sigint_is_ignored_like_go_plugins() {
    // Ctrl-C reaches the whole process group; Terraform, not the signal, decides when we stop.
    let client = terraform_like_client_cert();
    let mut l = launch(Some(&client.pem), &[]);
    let pid = l.child.id().to_string();
    assert!(
        Command::new("kill")
            .args(["-INT", &pid])
            .status()
            .unwrap()
            .success()
    );
    assert!(
        l.wait_exit(Duration::from_millis(300)).is_none(),
        "SIGINT killed the provider"
    );
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(get_schema(&l, ClientAuth::Cert(&client)))
        .expect("still serving after SIGINT");
    assert!(
        Command::new("kill")
            .args(["-TERM", &pid])
            .status()
            .unwrap()
            .success()
    );
    assert!(
        l.wait_exit(Duration::from_secs(2)).is_some(),
        "SIGTERM must stop the provider"
    );
}

#[test]
fn debug_mode_prints_reattach_json_and_serves_plaintext() {
    let log = tempfile::NamedTempFile::new().unwrap();
    let mut child = Command::new(provider_binary())
        .arg("--debug")
        .env_remove("TF_PLUGIN_MAGIC_COOKIE")
        .stdout(Stdio::piped())
        .stderr(log.reopen().unwrap())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let v: serde_json::Value =
        serde_json::from_str(&line).unwrap_or_else(|e| panic!("{e}: {line:?}"));
    let p = &v["registry.terraform.io/azureai/azureai"];
    assert_eq!(p["Protocol"], "grpc");
    assert_eq!(p["ProtocolVersion"], 5);
    assert_eq!(p["Pid"], child.id());
    assert_eq!(p["Addr"]["Network"], "tcp");
    let addr = p["Addr"]["String"].as_str().unwrap().to_string();
    assert!(addr.starts_with("127.0.0.1:"), "{addr}");

    let l = Launched {
        child,
        network: "tcp".into(),
        address: addr,
        server_cert: None,
        stderr_log: log,
    };
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async {
        let ch = channel(&l, ClientAuth::None)
            .await
            .expect("plaintext connect");
        // Reattached providers outlive Terraform runs: Shutdown must not stop them.
        GrpcControllerClient::new(ch.clone())
            .shutdown(Empty {})
            .await
            .expect("Shutdown");
        tokio::time::sleep(Duration::from_millis(400)).await;
        ProviderClient::new(ch)
            .get_schema(get_provider_schema::Request {})
            .await
            .expect("still serving");
    });
    let hint = l.stderr();
    assert!(hint.contains("TF_REATTACH_PROVIDERS="), "{hint}");
    let mut l = l;
    let pid = l.child.id().to_string();
    assert!(
        Command::new("kill")
            .args(["-INT", &pid])
            .status()
            .unwrap()
            .success()
    );
    assert!(
        l.wait_exit(Duration::from_secs(2)).is_some(),
        "--debug must stop on SIGINT"
    );
}
