//! The signals that end a run early: Ctrl-C (SIGINT), SIGTERM (what CI runners and `timeout`
//! send) and SIGHUP (the terminal went away). Each ends the run as the deadline does: the checks
//! that finished keep their results, the others are reported as skipped, and the report is written.

use tokio::signal::unix::{SignalKind, signal};

use crate::runner::Signal;

/// Resolves with the first of the three signals to arrive.
pub async fn first() -> Signal {
    // A handler that cannot be installed (no signal support in the sandbox) just never fires.
    let mut term = signal(SignalKind::terminate()).ok();
    let mut hup = signal(SignalKind::hangup()).ok();
    let term = async {
        match term.as_mut() {
            Some(s) => s.recv().await,
            None => std::future::pending().await,
        }
    };
    let hup = async {
        match hup.as_mut() {
            Some(s) => s.recv().await,
            None => std::future::pending().await,
        }
    };
    tokio::select! {
        Ok(()) = tokio::signal::ctrl_c() => Signal::Interrupt,
        Some(()) = term => Signal::Terminate,
        Some(()) = hup => Signal::HangUp,
    }
}
