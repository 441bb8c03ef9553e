//! The client side of the go-plugin handshake, as Terraform performs it, for provider binaries
//! started under an emulator (qemu, wine): the magic cookie and protocol offer in the
//! environment, a pinned client certificate in `PLUGIN_CLIENT_CERT`, the handshake line on
//! stdout, then gRPC over TLS with the server certificate from that line as the only root.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use azureai::proto::plugin::Empty;
use azureai::proto::plugin::grpc_controller_client::GrpcControllerClient;
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

/// A client certificate shaped like the one Terraform (go-plugin `generateCert`) makes:
/// ECDSA P-521, self-signed, flagged as a CA with CertSign, client+server EKUs, `localhost`.
pub struct ClientIdentity {
    pub pem: String,
    der: CertificateDer<'static>,
    key: PrivatePkcs8KeyDer<'static>,
}

pub fn terraform_like_client_cert() -> ClientIdentity {
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

/// A provider started as Terraform starts it; killed on drop.
pub struct Launched {
    child: Child,
    pub network: String,
    pub address: String,
    server_cert: CertificateDer<'static>,
    stderr_log: tempfile::NamedTempFile,
}

impl Drop for Launched {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Launched {
    pub fn stderr(&self) -> String {
        std::fs::read_to_string(self.stderr_log.path()).unwrap_or_default()
    }

    /// Waits up to `limit` for the process to exit.
    pub fn wait_exit(&mut self, limit: Duration) -> Option<std::process::ExitStatus> {
        let deadline = Instant::now() + limit;
        while Instant::now() < deadline {
            if let Some(status) = self.child.try_wait().unwrap() {
                return Some(status);
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        None
    }
}

/// Runs `cmd` (the provider, possibly behind an emulator) with Terraform's handshake
/// environment, the pinned client certificate and `env`, and reads the handshake line.
pub fn launch(mut cmd: Command, client: &ClientIdentity, env: &[(&str, &str)]) -> Launched {
    let stderr_log = tempfile::NamedTempFile::new().unwrap();
    cmd.env("TF_PLUGIN_MAGIC_COOKIE", COOKIE)
        .env("PLUGIN_PROTOCOL_VERSIONS", "5,6")
        .env("PLUGIN_CLIENT_CERT", &client.pem)
        .env("TF_LOG", "warn")
        .env_remove("TF_LOG_PROVIDER")
        .env_remove("AZUREAI_PLUGIN_TCP")
        .envs(env.iter().copied())
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(stderr_log.reopen().unwrap());
    let mut child = cmd
        .spawn()
        .unwrap_or_else(|e| panic!("cannot start {cmd:?}: {e}"));
    let mut stdout = BufReader::new(child.stdout.take().unwrap());
    // A binary that cannot start under the emulator prints nothing: bound the wait.
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let mut line = String::new();
        let _ = stdout.read_line(&mut line);
        let _ = tx.send(line);
        // Anything further on stdout would corrupt Terraform's view of the plugin.
        let mut rest = String::new();
        let _ = std::io::Read::read_to_string(&mut stdout, &mut rest);
        assert!(
            rest.is_empty(),
            "provider wrote to stdout after the handshake: {rest:?}"
        );
    });
    let line = rx.recv_timeout(Duration::from_secs(60)).unwrap_or_default();
    let stderr = || std::fs::read_to_string(stderr_log.path()).unwrap_or_default();
    let fields: Vec<&str> = line.trim_end_matches(['\r', '\n']).split('|').collect();
    if fields.len() != 6 {
        let _ = child.kill();
        panic!(
            "handshake line {line:?} from {cmd:?}\nstderr:\n{}",
            stderr()
        );
    }
    assert_eq!(fields[0], "1", "core protocol in {line:?}");
    assert_eq!(fields[1], "5", "app protocol in {line:?}");
    assert_eq!(fields[4], "grpc", "protocol in {line:?}");
    let der = STANDARD_NO_PAD
        .decode(fields[5])
        .unwrap_or_else(|e| panic!("cert field of {line:?} is not base64 without padding: {e}"));
    assert!(
        !der.is_empty(),
        "no server certificate under AutoMTLS: {line:?}"
    );
    Launched {
        network: fields[2].to_string(),
        address: fields[3].to_string(),
        server_cert: CertificateDer::from(der),
        stderr_log,
        child,
    }
}

trait IoStream: tokio::io::AsyncRead + tokio::io::AsyncWrite + Send + Unpin {}
impl<T: tokio::io::AsyncRead + tokio::io::AsyncWrite + Send + Unpin> IoStream for T {}

/// A gRPC channel dialled like go-plugin does: the server certificate from the handshake line
/// as the only root, server name `localhost`, ALPN h2, `client` as the client certificate.
pub async fn channel(
    l: &Launched,
    client: &ClientIdentity,
) -> Result<Channel, Box<dyn std::error::Error + Send + Sync>> {
    let mut roots = rustls::RootCertStore::empty();
    roots.add(l.server_cert.clone())?;
    let mut config = rustls::ClientConfig::builder_with_provider(Arc::new(
        rustls::crypto::aws_lc_rs::default_provider(),
    ))
    .with_safe_default_protocol_versions()?
    .with_root_certificates(roots)
    .with_client_auth_cert(
        vec![client.der.clone()],
        PrivateKeyDer::Pkcs8(client.key.clone_key()),
    )?;
    config.alpn_protocols = vec![b"h2".to_vec()];
    let tls = TlsConnector::from(Arc::new(config));
    let (network, address) = (l.network.clone(), l.address.clone());
    let connector = tower::service_fn(move |_uri| {
        let (tls, network, address) = (tls.clone(), network.clone(), address.clone());
        async move {
            let io: Box<dyn IoStream> = match network.as_str() {
                "unix" => Box::new(UnixStream::connect(&address).await?),
                "tcp" => Box::new(TcpStream::connect(&address).await?),
                other => return Err(std::io::Error::other(format!("unknown network {other}"))),
            };
            let io = tls
                .connect(ServerName::try_from("localhost").unwrap(), io)
                .await?;
            Ok::<_, std::io::Error>(TokioIo::new(io))
        }
    });
    Ok(Endpoint::from_static("http://localhost")
        .connect_timeout(Duration::from_secs(20))
        .connect_with_connector(connector)
        .await?)
}

/// The first RPC Terraform makes.
pub async fn get_schema(
    l: &Launched,
    client: &ClientIdentity,
) -> Result<get_provider_schema::Response, String> {
    let ch = channel(l, client)
        .await
        .map_err(|e| format!("connect: {e:?}"))?;
    let resp = ProviderClient::new(ch)
        .get_schema(get_provider_schema::Request {})
        .await
        .map_err(|s| format!("GetSchema: {s:?}"))?;
    Ok(resp.into_inner())
}

/// `GRPCController.Shutdown`, as Terraform ends a plugin.
pub async fn shutdown(l: &Launched, client: &ClientIdentity) -> Result<(), String> {
    let ch = channel(l, client)
        .await
        .map_err(|e| format!("connect: {e:?}"))?;
    GrpcControllerClient::new(ch)
        .shutdown(Empty {})
        .await
        .map_err(|s| format!("Shutdown: {s:?}"))?;
    Ok(())
}

/// The whole exchange for one foreign binary: handshake with the pinned certificate, the
/// schema over the announced transport, refusal of any other client certificate, and a
/// prompt exit on Shutdown. Returns the launched provider's network and address.
pub fn handshake_schema_and_shutdown(cmd: Command, env: &[(&str, &str)]) -> (String, String) {
    let client = terraform_like_client_cert();
    let impostor = terraform_like_client_cert();
    let mut l = launch(cmd, &client, env);
    let rt = tokio::runtime::Runtime::new().unwrap();
    let schema = rt
        .block_on(get_schema(&l, &client))
        .unwrap_or_else(|e| panic!("{e}\nprovider stderr:\n{}", l.stderr()));
    assert!(
        schema
            .resource_schemas
            .contains_key("azureai_hosted_agent_version"),
        "schema lacks the resource: {:?}",
        schema.resource_schemas.keys().collect::<Vec<_>>()
    );
    let refused = rt.block_on(get_schema(&l, &impostor));
    assert!(
        refused.is_err(),
        "a client certificate other than the pinned one was accepted"
    );
    rt.block_on(shutdown(&l, &client))
        .unwrap_or_else(|e| panic!("{e}\nprovider stderr:\n{}", l.stderr()));
    let status = l
        .wait_exit(Duration::from_secs(20))
        .unwrap_or_else(|| panic!("still running 20 s after Shutdown:\n{}", l.stderr()));
    assert!(status.success(), "exit status {status}:\n{}", l.stderr());
    (l.network.clone(), l.address.clone())
}
