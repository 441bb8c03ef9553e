//! The go-plugin transport: everything between "Terraform starts the binary" and "a tfplugin5
//! request reaches the provider service".
//!
//! - [`handshake`]: magic cookie, protocol negotiation, the stdout handshake line
//! - [`listener`]: unix socket (default on unix) or loopback TCP in go-plugin's port range
//!   (always on Windows, where go-plugin has no unix sockets)
//! - [`mtls`]: AutoMTLS with a fresh server certificate and the pinned client certificate
//! - [`incoming`]: accept loop running TLS handshakes, feeding tonic
//! - [`side_services`]: GRPCController / GRPCStdio / GRPCBroker (+ gRPC health)
//! - [`debug`]: `--debug` reattach mode
//! - [`signals`]: Ctrl-C and termination requests, per platform
//!
//! Only this module and `protocol` know about tonic.

pub mod conn;
pub mod debug;
pub mod handshake;
pub mod incoming;
pub mod listener;
pub mod mtls;
pub mod side_services;
pub mod signals;

use std::time::Duration;

use tokio_util::sync::CancellationToken;
use tonic::transport::Server;

use crate::proto::plugin::grpc_broker_server::GrpcBrokerServer;
use crate::proto::plugin::grpc_controller_server::GrpcControllerServer;
use crate::proto::plugin::grpc_stdio_server::GrpcStdioServer;
use crate::proto::tfplugin5::provider_server::{Provider, ProviderServer};

/// Address Terraform knows this provider by (the key in `TF_REATTACH_PROVIDERS`).
pub const PROVIDER_ADDRESS: &str = "registry.terraform.io/azureai/azureai";

/// Terraform receives schemas with a 64 MiB limit; allow the same for states and configs we
/// receive, instead of tonic's 4 MiB default.
const MAX_MESSAGE_SIZE: usize = 64 * 1024 * 1024;

/// How long a graceful stop may take before we exit anyway. Terraform kills the process
/// about 2 s after Shutdown; we aim well below that.
const SHUTDOWN_GRACE: Duration = Duration::from_millis(250);

/// How to run the plugin server.
#[derive(Debug, Clone)]
pub struct ServeOptions {
    /// `--debug`: plaintext loopback server, print `TF_REATTACH_PROVIDERS`, run until a signal.
    pub debug: bool,
    /// Provider address used in the reattach JSON.
    pub provider_address: String,
    /// Cancelled when the server shuts down, so in-flight provider work stops with it
    /// (e.g. `ProviderService::stop_token`).
    pub cancel_on_shutdown: Option<CancellationToken>,
}

impl Default for ServeOptions {
    fn default() -> Self {
        ServeOptions {
            debug: false,
            provider_address: PROVIDER_ADDRESS.to_string(),
            cancel_on_shutdown: None,
        }
    }
}

/// A plugin binary's `main` after argument parsing: installs aws-lc-rs as the process's one
/// rustls crypto provider, serves `provider` on a single-threaded runtime until Terraform shuts
/// it down, and reports a failure on stderr. Every provider binary of the crate starts here, so
/// the benchmark's minimal provider measures the same start-up as the real one.
pub fn run<S>(provider: S, opts: ServeOptions) -> std::process::ExitCode
where
    S: Provider,
{
    use std::process::ExitCode;
    // Before any rustls config exists (AutoMTLS, then the agents client).
    let _ = rustls::crypto::aws_lc_rs::default_provider().install_default();
    // One thread: a provider's work is waiting on Terraform and on HTTP, a few hundred
    // microseconds of CPU per call; worker threads would only add start-up time (spawning them
    // was a third of the process's work before the handshake) and cross-thread wake-ups.
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("Error: cannot start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    let result = runtime.block_on(serve(provider, opts));
    // Do not wait for stray blocking work: Terraform expects us gone soon after Shutdown.
    runtime.shutdown_timeout(Duration::from_millis(100));
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) if e.downcast_ref::<handshake::HandshakeError>().is_some() => {
            eprintln!("{e}");
            ExitCode::FAILURE
        }
        Err(e) => {
            tracing::error!(error = %format!("{e:#}"), "provider server failed");
            eprintln!("Error: {e:#}");
            ExitCode::FAILURE
        }
    }
}

/// Serves `provider` as Terraform's plugin until Terraform shuts it down (or, in debug mode,
/// until Ctrl-C or a request to terminate).
///
/// Errors that happen before the handshake (not launched by Terraform, no common protocol,
/// cannot listen) are returned; the caller reports them on stderr and exits non-zero.
pub async fn serve<S>(provider: S, opts: ServeOptions) -> anyhow::Result<()>
where
    S: Provider,
{
    let shutdown = CancellationToken::new();
    if let Some(work) = opts.cancel_on_shutdown.clone() {
        let stopped = shutdown.clone();
        tokio::spawn(async move {
            stopped.cancelled().await;
            work.cancel();
        });
    }
    if opts.debug {
        return serve_debug(provider, &opts, shutdown).await;
    }
    serve_managed(provider, shutdown).await
}

/// The normal path: Terraform launched us.
async fn serve_managed<S: Provider>(
    provider: S,
    shutdown: CancellationToken,
) -> anyhow::Result<()> {
    let env = |k: &str| std::env::var(k).ok();
    handshake::check_magic_cookie(env(handshake::MAGIC_COOKIE_KEY).as_deref())?;
    let protocol_version =
        handshake::negotiate_protocol(env(handshake::PROTOCOL_VERSIONS_KEY).as_deref())?;

    let listener = listener::Listener::bind(&listener::ListenConfig::from_env())?;
    // TF_DISABLE_PLUGIN_TLS makes Terraform omit the client certificate: serve plaintext then.
    let (tls, server_cert_der) =
        match env(mtls::CLIENT_CERT_KEY).filter(|pem| !pem.trim().is_empty()) {
            Some(pem) => {
                let client_cert = mtls::parse_client_cert(&pem)?;
                let identity = mtls::ServerIdentity::generate()?;
                let config = mtls::server_config(&identity, client_cert)?;
                (Some(config), Some(identity.cert.to_vec()))
            }
            None => (None, None),
        };
    let line = handshake::HandshakeLine {
        protocol_version,
        network: listener.network(),
        address: listener.address()?,
        server_cert_der,
    };
    tracing::debug!(network = line.network.as_str(), address = %line.address, tls = tls.is_some(), "plugin listening");

    // Like go-plugin servers: Ctrl-C is ignored, a request to terminate stops gracefully.
    signals::ignore_interrupts_stop_on_terminate(shutdown.clone())?;
    let incoming = incoming::accept_loop(listener, tls, shutdown.clone());
    // Announce only once everything that can fail has succeeded: Terraform dials right away.
    handshake::announce(&line)?;
    serve_incoming(provider, incoming, shutdown, true).await
}

/// `--debug`: plaintext loopback, reattach JSON on stdout, run until Ctrl-C or a request to
/// terminate ([`signals`]).
async fn serve_debug<S: Provider>(
    provider: S,
    opts: &ServeOptions,
    shutdown: CancellationToken,
) -> anyhow::Result<()> {
    let listener = listener::Listener::bind_loopback_any_port()?;
    let json = debug::reattach_config(
        &opts.provider_address,
        listener.network(),
        &listener.address()?,
        std::process::id(),
    );
    let incoming = incoming::accept_loop(listener, None, shutdown.clone());
    debug::announce(&json)?;
    let on_signal = shutdown.clone();
    tokio::spawn(async move {
        if let Err(e) = signals::any_termination().await {
            tracing::error!(error = %e, "cannot listen for signals");
        }
        on_signal.cancel();
    });
    serve_incoming(provider, incoming, shutdown, false).await
}

/// Runs the gRPC server over `incoming` until `shutdown` fires, then allows a short graceful
/// stop (so the Shutdown reply and in-flight replies go out) before returning regardless.
async fn serve_incoming<S: Provider>(
    provider: S,
    incoming: impl futures::Stream<Item = std::io::Result<conn::PluginConn>> + Send,
    shutdown: CancellationToken,
    honour_shutdown: bool,
) -> anyhow::Result<()> {
    let (health, health_service) = tonic_health::server::health_reporter();
    // go-plugin's client pings the service named "plugin".
    health
        .set_service_status("plugin", tonic_health::ServingStatus::Serving)
        .await;

    let provider = ProviderServer::new(provider)
        .max_decoding_message_size(MAX_MESSAGE_SIZE)
        .max_encoding_message_size(MAX_MESSAGE_SIZE);
    let server = Server::builder()
        .add_service(provider)
        .add_service(GrpcControllerServer::new(side_services::Controller::new(
            shutdown.clone(),
            honour_shutdown,
        )))
        .add_service(GrpcStdioServer::new(side_services::Stdio::new(
            shutdown.clone(),
        )))
        .add_service(GrpcBrokerServer::new(side_services::Broker::new(
            shutdown.clone(),
        )))
        .add_service(health_service)
        .serve_with_incoming_shutdown(incoming, shutdown.clone().cancelled_owned());

    let grace_expired = async {
        shutdown.cancelled().await;
        tokio::time::sleep(SHUTDOWN_GRACE).await;
    };
    tokio::select! {
        r = server => r?,
        () = grace_expired => tracing::debug!("graceful stop took too long; exiting anyway"),
    }
    Ok(())
}
