//! TCP connects with the failure told apart: refused (RST: nothing listens, or a REJECT rule),
//! timed out (SYN dropped on the way), or unreachable (an ICMP error or no route).

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use serde::Serialize;
use tokio::net::TcpStream;

use crate::i18n::Text;
use crate::t;

/// Why a connect failed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", content = "detail", rename_all = "kebab-case")]
pub enum TcpFailure {
    /// The host answered with a reset: nothing listens on the port, or a firewall rejects.
    Refused,
    /// No answer within the timeout: a firewall drops the SYN, or the host is down.
    TimedOut,
    /// An ICMP host-unreachable came back, or this host has no route.
    Unreachable(Unreachable),
    /// The operating system's own words.
    Other(String),
}

/// What made an address unreachable.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(into = "String")]
pub enum Unreachable {
    NoRoute,
    Network,
    NoLocalAddress,
}

impl From<Unreachable> for String {
    fn from(u: Unreachable) -> String {
        u.text().en()
    }
}

impl Unreachable {
    pub fn text(self) -> Text {
        match self {
            Unreachable::NoRoute => t!("probe-tcp-no-route"),
            Unreachable::Network => t!("probe-tcp-network-unreachable"),
            Unreachable::NoLocalAddress => t!("probe-tcp-no-local-address"),
        }
    }
}

impl TcpFailure {
    /// What happened, in the run's language.
    pub fn text(&self) -> Text {
        match self {
            TcpFailure::Refused => t!("probe-tcp-refused"),
            TcpFailure::TimedOut => t!("probe-tcp-timed-out"),
            TcpFailure::Unreachable(why) => t!("probe-tcp-unreachable", why = why.text()),
            TcpFailure::Other(why) => Text::verbatim(why),
        }
    }
}

/// English, for the evidence.
impl std::fmt::Display for TcpFailure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.text().en())
    }
}

/// One address's connect.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Attempt {
    pub addr: SocketAddr,
    /// The connect time, or why it failed.
    pub result: Result<Duration, TcpFailure>,
}

/// Connects to one address within `timeout`.
pub async fn connect(addr: SocketAddr, timeout: Duration) -> Result<(TcpStream, Duration), TcpFailure> {
    let started = Instant::now();
    match tokio::time::timeout(timeout, TcpStream::connect(addr)).await {
        Err(_) => Err(TcpFailure::TimedOut),
        Ok(Err(e)) => Err(classify(&e)),
        Ok(Ok(stream)) => {
            // Requests are small and latency matters more than throughput here.
            let _ = stream.set_nodelay(true);
            Ok((stream, started.elapsed()))
        }
    }
}

/// Connects to every address at once, so that N silent addresses cost one timeout, not N.
/// Results come back in the order of `addrs`; the connections are closed.
pub async fn connect_all(addrs: &[SocketAddr], timeout: Duration) -> Vec<Attempt> {
    let handles: Vec<_> = addrs
        .iter()
        .map(|&addr| (addr, tokio::spawn(async move { connect(addr, timeout).await.map(|(_, d)| d) })))
        .collect();
    let mut out = Vec::with_capacity(handles.len());
    for (addr, handle) in handles {
        let result = handle.await.unwrap_or_else(|e| Err(TcpFailure::Other(e.to_string())));
        out.push(Attempt { addr, result });
    }
    out
}

fn classify(e: &std::io::Error) -> TcpFailure {
    use std::io::ErrorKind;
    match e.kind() {
        ErrorKind::ConnectionRefused => TcpFailure::Refused,
        ErrorKind::TimedOut => TcpFailure::TimedOut,
        ErrorKind::HostUnreachable => TcpFailure::Unreachable(Unreachable::NoRoute),
        ErrorKind::NetworkUnreachable => TcpFailure::Unreachable(Unreachable::Network),
        ErrorKind::AddrNotAvailable => TcpFailure::Unreachable(Unreachable::NoLocalAddress),
        _ => TcpFailure::Other(e.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn refused_and_connected_are_told_apart() {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let open = listener.local_addr().unwrap();
        let closed = {
            let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
            l.local_addr().unwrap()
        };
        let results = connect_all(&[closed, open], Duration::from_secs(2)).await;
        assert_eq!(results[0].addr, closed);
        assert_eq!(results[0].result, Err(TcpFailure::Refused));
        assert!(results[1].result.is_ok(), "{:?}", results[1]);
    }
}
