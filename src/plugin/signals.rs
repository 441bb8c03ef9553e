//! Process signals, per platform, the way go-plugin servers treat them.
//!
//! Ctrl-C in a terminal reaches every process attached to it, the provider included. A plugin
//! launched by Terraform ignores it: Terraform itself decides what to do and tells the provider
//! through the `Stop` RPC and `GRPCController.Shutdown`. A request to terminate (SIGTERM on
//! unix; closing the console, logging off or shutting down on Windows) stops the server
//! gracefully. In `--debug` mode there is no Terraform to ask, so Ctrl-C stops the server too.
//!
//! - unix: SIGINT ignored, SIGTERM stops; debug mode stops on either.
//! - Windows: CTRL_C and CTRL_BREAK (what Go calls `os.Interrupt`) ignored, CTRL_CLOSE,
//!   CTRL_LOGOFF and CTRL_SHUTDOWN stop; debug mode stops on any of them. Windows has no
//!   SIGTERM: Terraform ends a plugin there by killing the process.

use std::io;

use tokio_util::sync::CancellationToken;

/// For a plugin launched by Terraform: ignores interrupts for the life of the process and
/// cancels `shutdown` on a request to terminate. The listeners are registered before this
/// returns, so an interrupt arriving right after the handshake is already ignored.
pub fn ignore_interrupts_stop_on_terminate(shutdown: CancellationToken) -> io::Result<()> {
    let mut signals = Signals::register()?;
    tokio::spawn(async move {
        loop {
            match signals.next().await {
                Kind::Interrupt => {
                    tracing::trace!("interrupt received; ignoring (Terraform sends Stop instead)")
                }
                Kind::Terminate => {
                    tracing::debug!("termination requested; stopping");
                    shutdown.cancel();
                    // Interrupts stay ignored while the server winds down.
                    loop {
                        let _ = signals.next().await;
                    }
                }
            }
        }
    });
    Ok(())
}

/// For `--debug` mode: resolves on the first interrupt or request to terminate.
pub async fn any_termination() -> io::Result<()> {
    Signals::register()?.next().await;
    Ok(())
}

/// What a signal asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    /// Ctrl-C (SIGINT; CTRL_C_EVENT or CTRL_BREAK_EVENT).
    Interrupt,
    /// SIGTERM; CTRL_CLOSE_EVENT, CTRL_LOGOFF_EVENT or CTRL_SHUTDOWN_EVENT.
    Terminate,
}

#[cfg(unix)]
struct Signals {
    int: tokio::signal::unix::Signal,
    term: tokio::signal::unix::Signal,
}

#[cfg(unix)]
impl Signals {
    fn register() -> io::Result<Self> {
        use tokio::signal::unix::{SignalKind, signal};
        Ok(Signals {
            int: signal(SignalKind::interrupt())?,
            term: signal(SignalKind::terminate())?,
        })
    }

    async fn next(&mut self) -> Kind {
        tokio::select! {
            _ = self.int.recv() => Kind::Interrupt,
            _ = self.term.recv() => Kind::Terminate,
        }
    }
}

/// While these listeners live, tokio's console control handler reports the events as handled,
/// so Windows does not run its default handler (which ends the process).
#[cfg(windows)]
struct Signals {
    ctrl_c: tokio::signal::windows::CtrlC,
    ctrl_break: tokio::signal::windows::CtrlBreak,
    close: tokio::signal::windows::CtrlClose,
    logoff: tokio::signal::windows::CtrlLogoff,
    shutdown: tokio::signal::windows::CtrlShutdown,
}

#[cfg(windows)]
impl Signals {
    fn register() -> io::Result<Self> {
        use tokio::signal::windows;
        Ok(Signals {
            ctrl_c: windows::ctrl_c()?,
            ctrl_break: windows::ctrl_break()?,
            close: windows::ctrl_close()?,
            logoff: windows::ctrl_logoff()?,
            shutdown: windows::ctrl_shutdown()?,
        })
    }

    async fn next(&mut self) -> Kind {
        tokio::select! {
            _ = self.ctrl_c.recv() => Kind::Interrupt,
            _ = self.ctrl_break.recv() => Kind::Interrupt,
            _ = self.close.recv() => Kind::Terminate,
            _ = self.logoff.recv() => Kind::Terminate,
            _ = self.shutdown.recv() => Kind::Terminate,
        }
    }
}
