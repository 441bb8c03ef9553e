//! Waiting that gives way to Terraform's Stop (Ctrl-C): docs/reliability.md, guarantee 6.

use std::future::Future;

use crate::agents::{Error, ErrorKind};
use crate::framework::Ctx;

/// Races an API call against Terraform's Stop. A call can be waiting out the client's retry
/// back-off (up to 16 retries of up to 60 s each against a failing service), and an
/// interrupted run must not sit through that. A stopped call ends with
/// [`ErrorKind::Cancelled`].
pub async fn interruptible<T>(
    ctx: &Ctx,
    call: impl Future<Output = Result<T, Error>>,
) -> Result<T, Error> {
    tokio::select! {
        biased;
        _ = ctx.cancel.cancelled() => Err(Error::new(ErrorKind::Cancelled, "Terraform asked the provider to stop")),
        r = call => r,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_stopped_call_ends_at_once_as_cancelled() {
        let ctx = Ctx::default();
        ctx.cancel.cancel();
        let never = std::future::pending::<Result<(), Error>>();
        let e = interruptible(&ctx, never).await.unwrap_err();
        assert_eq!(e.kind, ErrorKind::Cancelled);
        let done = interruptible(&Ctx::default(), async { Ok::<_, Error>(7) }).await;
        assert_eq!(done.unwrap(), 7);
    }
}
