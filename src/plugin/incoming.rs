//! Our own accept loop: accepts connections, runs the TLS handshake (when AutoMTLS is on) off
//! the accept path, and hands finished connections to tonic.
//!
//! A failed handshake (wrong or missing client certificate, a port scanner, …) only costs that
//! connection: it is logged at WARN and the server carries on.

use std::io;
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::mpsc;
use tokio_rustls::TlsAcceptor;
use tokio_stream::wrappers::ReceiverStream;
use tokio_util::sync::CancellationToken;

use super::conn::PluginConn;
use super::listener::Listener;

/// A client that connects but never finishes the handshake must not hold resources forever.
const TLS_HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(10);

/// Spawns the accept loop; the returned stream yields ready-to-serve connections until
/// `shutdown` is cancelled (then the listener is dropped).
pub fn accept_loop(
    listener: Listener,
    tls: Option<Arc<rustls::ServerConfig>>,
    shutdown: CancellationToken,
) -> ReceiverStream<io::Result<PluginConn>> {
    let (tx, rx) = mpsc::channel(16);
    let acceptor = tls.map(TlsAcceptor::from);
    tokio::spawn(async move {
        loop {
            let accepted = tokio::select! {
                () = shutdown.cancelled() => break,
                r = listener.accept() => r,
            };
            let conn = match accepted {
                Ok(conn) => conn,
                Err(e) => {
                    // e.g. EMFILE: back off instead of spinning; the listener is still good.
                    tracing::warn!(error = %e, "accepting a plugin connection failed");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            };
            tracing::debug!(tls = acceptor.is_some(), "plugin connection accepted");
            let Some(acceptor) = acceptor.clone() else {
                if tx.send(Ok(conn)).await.is_err() {
                    break;
                }
                continue;
            };
            let tx = tx.clone();
            tokio::spawn(async move {
                match tokio::time::timeout(TLS_HANDSHAKE_TIMEOUT, acceptor.accept(conn)).await {
                    Ok(Ok(tls)) => {
                        let _ = tx.send(Ok(PluginConn::new(tls))).await;
                    }
                    Ok(Err(e)) => {
                        tracing::warn!(error = %e, "refused plugin connection: TLS handshake failed")
                    }
                    Err(_) => tracing::warn!("refused plugin connection: TLS handshake timed out"),
                }
            });
        }
        tracing::debug!("plugin listener closed");
    });
    ReceiverStream::new(rx)
}
