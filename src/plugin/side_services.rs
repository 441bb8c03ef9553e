//! go-plugin's side services, served next to the provider on the same connection.
//!
//! Terraform opens the stdio and broker streams as soon as it connects and sends
//! `GRPCController.Shutdown` whenever it is done with the provider. We do not mirror stdio
//! (logs go straight to stderr) and never use the broker, so both streams simply stay open
//! until the server shuts down.

use futures::{StreamExt, future, stream};
use tokio_util::sync::CancellationToken;
use tonic::codegen::BoxStream;
use tonic::{Request, Response, Status, Streaming};

use crate::proto::plugin::grpc_broker_server::GrpcBroker;
use crate::proto::plugin::grpc_controller_server::GrpcController;
use crate::proto::plugin::grpc_stdio_server::GrpcStdio;
use crate::proto::plugin::{ConnInfo, Empty, StdioData};

/// `plugin.GRPCController`: Shutdown stops the whole server.
#[derive(Debug, Clone)]
pub struct Controller {
    shutdown: CancellationToken,
    /// In debug (reattach) mode the process outlives Terraform runs, so Shutdown is ignored.
    honour_shutdown: bool,
}

impl Controller {
    pub fn new(shutdown: CancellationToken, honour_shutdown: bool) -> Self {
        Controller {
            shutdown,
            honour_shutdown,
        }
    }
}

#[tonic::async_trait]
impl GrpcController for Controller {
    async fn shutdown(&self, _request: Request<Empty>) -> Result<Response<Empty>, Status> {
        if self.honour_shutdown {
            tracing::debug!("GRPCController.Shutdown received; stopping");
            // Cancelling only starts a graceful stop: this reply is still delivered.
            self.shutdown.cancel();
        } else {
            tracing::debug!("GRPCController.Shutdown ignored in debug mode");
        }
        Ok(Response::new(Empty {}))
    }
}

/// `plugin.GRPCStdio`: an open stream that never carries data.
#[derive(Debug, Clone)]
pub struct Stdio {
    shutdown: CancellationToken,
}

impl Stdio {
    pub fn new(shutdown: CancellationToken) -> Self {
        Stdio { shutdown }
    }
}

#[tonic::async_trait]
impl GrpcStdio for Stdio {
    async fn stream_stdio(
        &self,
        _request: Request<()>,
    ) -> Result<Response<BoxStream<StdioData>>, Status> {
        let stopped = self.shutdown.clone().cancelled_owned();
        // Ends (without items) when the server stops, so graceful shutdown is not held up.
        let stream = stream::once(stopped).filter_map(|()| future::ready(None));
        Ok(Response::new(Box::pin(stream)))
    }
}

/// `plugin.GRPCBroker`: accepts the stream, reads and ignores whatever the host sends.
#[derive(Debug, Clone)]
pub struct Broker {
    shutdown: CancellationToken,
}

impl Broker {
    pub fn new(shutdown: CancellationToken) -> Self {
        Broker { shutdown }
    }
}

#[tonic::async_trait]
impl GrpcBroker for Broker {
    async fn start_stream(
        &self,
        request: Request<Streaming<ConnInfo>>,
    ) -> Result<Response<BoxStream<ConnInfo>>, Status> {
        let mut incoming = request.into_inner();
        let shutdown = self.shutdown.clone();
        // Draining keeps HTTP/2 flow control moving; the stream ends when either side is done.
        let drained = async move {
            loop {
                tokio::select! {
                    () = shutdown.cancelled() => break,
                    msg = incoming.message() => match msg {
                        Ok(Some(info)) => tracing::trace!(service_id = info.service_id, "ignoring broker message"),
                        _ => break,
                    },
                }
            }
        };
        let stream = stream::once(drained).filter_map(|()| future::ready(None));
        Ok(Response::new(Box::pin(stream)))
    }
}
