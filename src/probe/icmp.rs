//! ICMP echo with surge-ping: an unprivileged datagram socket first, then a raw socket. When
//! neither may be opened, the error says which privilege is missing on this host.

use std::net::IpAddr;
use std::sync::atomic::{AtomicU16, Ordering};
use std::time::{Duration, Instant};

use surge_ping::{Client, Config, ICMP, PingIdentifier, PingSequence};

use crate::i18n::{Sep, Text};
use crate::t;

/// Echo replies from one address.
#[derive(Debug, Clone, PartialEq)]
pub struct Pings {
    pub address: IpAddr,
    pub sent: u16,
    pub rtts: Vec<Duration>,
}

/// Why no echo request could be sent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum IcmpError {
    /// Neither socket kind may be opened: what this process lacks.
    NoPrivilege(Privilege),
    /// No ICMP socket could be opened for another reason; the system's words.
    Socket(String),
    /// surge-ping's words.
    Other(String),
}

/// What governs ICMP sockets, as this process sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Privilege {
    /// `net.ipv4.ping_group_range` (`"0 2147483647"`), `None` when unreadable.
    pub range: Option<String>,
    /// This process's group ids.
    pub groups: Vec<String>,
    /// CAP_NET_RAW is in the effective set (yet the kernel refused).
    pub has_raw: bool,
}

impl Privilege {
    /// Which privilege is missing and the three ways to get one.
    pub fn text(&self) -> Text {
        let range = match &self.range {
            Some(r) => Text::verbatim(format!("\"{r}\"")),
            None => t!("probe-icmp-unreadable"),
        };
        let groups = if self.groups.is_empty() {
            t!("probe-icmp-unknown")
        } else {
            Text::join(self.groups.iter().map(Text::verbatim), Sep::Comma)
        };
        let raw = if self.has_raw { t!("probe-icmp-raw-present") } else { t!("probe-icmp-raw-missing") };
        t!(
            "probe-icmp-no-privilege",
            range = range,
            groups = groups,
            raw = raw,
            setcap = "setcap cap_net_raw+ep $(command -v k8sjoin-check)",
            sysctl = "sysctl -w net.ipv4.ping_group_range=\"0 2147483647\""
        )
    }
}

impl IcmpError {
    pub fn text(&self) -> Text {
        match self {
            IcmpError::NoPrivilege(p) => p.text(),
            IcmpError::Socket(e) => t!("probe-icmp-socket", error = e),
            IcmpError::Other(e) => Text::verbatim(e),
        }
    }
}

/// Identifiers must differ between concurrent pingers to one host (surge-ping issue #73).
static NEXT_IDENT: AtomicU16 = AtomicU16::new(0);

/// Sends `count` echo requests 100 ms apart; all replies must arrive within `timeout` overall.
pub async fn ping(address: IpAddr, count: u16, timeout: Duration) -> Result<Pings, IcmpError> {
    let kind = if address.is_ipv4() { ICMP::V4 } else { ICMP::V6 };
    let client = Client::new(&Config::builder().kind(kind).build()).map_err(|e| {
        if e.kind() == std::io::ErrorKind::PermissionDenied {
            IcmpError::NoPrivilege(privilege_hint())
        } else {
            IcmpError::Socket(e.to_string())
        }
    })?;
    let ident = PingIdentifier(
        (u16::try_from(std::process::id() & 0xffff).unwrap_or(0))
            .wrapping_add(NEXT_IDENT.fetch_add(1, Ordering::Relaxed)),
    );
    let mut pinger = client.pinger(address, ident).await;
    let deadline = Instant::now() + timeout;
    let payload = [0u8; 56];
    let mut rtts = Vec::new();
    let mut sent = 0;
    for seq in 0..count {
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            break;
        }
        pinger.timeout(left);
        sent += 1;
        match pinger.ping(PingSequence(seq), &payload).await {
            Ok((_, rtt)) => rtts.push(rtt),
            Err(surge_ping::SurgeError::Timeout { .. }) => {}
            Err(surge_ping::SurgeError::IOError(e)) if e.kind() == std::io::ErrorKind::PermissionDenied => {
                return Err(IcmpError::NoPrivilege(privilege_hint()));
            }
            Err(e) => return Err(IcmpError::Other(e.to_string())),
        }
        if seq + 1 < count {
            tokio::time::sleep(Duration::from_millis(100).min(deadline.saturating_duration_since(Instant::now())))
                .await;
        }
    }
    Ok(Pings { address, sent, rtts })
}

/// Names what this process lacks: a group inside `net.ipv4.ping_group_range` (which governs
/// IPv6 ping sockets too) for the unprivileged socket, CAP_NET_RAW for the raw one.
fn privilege_hint() -> Privilege {
    let range = std::fs::read_to_string("/proc/sys/net/ipv4/ping_group_range").unwrap_or_default();
    let range = range.split_whitespace().collect::<Vec<_>>().join(" ");
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let field = |name: &str| {
        status.lines().find_map(|l| l.strip_prefix(name)).map(|v| v.split_whitespace().collect::<Vec<_>>())
    };
    let mut groups: Vec<String> =
        field("Gid:").and_then(|v| v.first().map(|g| vec![(*g).to_string()])).unwrap_or_default();
    for g in field("Groups:").unwrap_or_default() {
        if !groups.iter().any(|x| x == g) {
            groups.push(g.to_string());
        }
    }
    let has_raw = field("CapEff:")
        .and_then(|v| v.first().and_then(|hex| u64::from_str_radix(hex, 16).ok()))
        .is_some_and(|caps| caps & (1 << 13) != 0);
    Privilege { range: Some(range).filter(|r| !r.is_empty()), groups, has_raw }
}
