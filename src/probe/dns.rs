//! DNS: A and AAAA for one name with hickory's stub resolver (the system's servers from
//! /etc/resolv.conf, or `--dns-server`), and what the OS resolver (getaddrinfo, which also reads
//! /etc/hosts and nsswitch) says, for comparison.

use std::net::{IpAddr, SocketAddr};
use std::time::{Duration, Instant};

use hickory_resolver::config::{LookupIpStrategy, NameServerConfig, ResolveHosts, ResolverConfig, ResolverOpts};
use hickory_resolver::net::runtime::TokioRuntimeProvider;
use hickory_resolver::net::{DnsError, NetError};
use hickory_resolver::proto::rr::{RData, RecordType};
use hickory_resolver::{Resolver, TokioResolver};

use serde::Serialize;

use crate::i18n::{Sep, Text};
use crate::t;

/// Why a query got no addresses.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", content = "detail", rename_all = "kebab-case")]
pub enum DnsFailure {
    /// The server says the name does not exist (NXDOMAIN).
    NxDomain,
    /// The name exists but has no record of this type.
    NoData,
    /// The server answered with an error code (SERVFAIL, REFUSED, …).
    ServerError(String),
    /// No answer within the timeout.
    TimedOut,
    /// The server could not be reached (ICMP port unreachable, no route).
    Unreachable(Unreachable),
    /// The resolver could not be set up (unreadable /etc/resolv.conf, …) or failed otherwise.
    Other(Other),
}

/// Why the DNS server could not be reached.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(into = "String")]
pub enum Unreachable {
    /// Nothing answers on the port (ICMP port unreachable).
    Refused,
    NoConnection,
    /// The operating system's words.
    Io(String),
}

/// A resolver that failed before it could ask, or in a way the others do not name.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(into = "String")]
pub enum Other {
    /// /etc/resolv.conf could not be read; the resolver's words.
    SystemConf(String),
    /// The resolver could not be built; its words.
    Setup(String),
    /// The resolver's words.
    Resolver(String),
}

impl Unreachable {
    pub fn text(&self) -> Text {
        match self {
            Unreachable::Refused => t!("probe-dns-port-refused"),
            Unreachable::NoConnection => t!("probe-dns-no-connection"),
            Unreachable::Io(why) => Text::verbatim(why),
        }
    }
}

impl From<Unreachable> for String {
    fn from(u: Unreachable) -> String {
        u.text().en()
    }
}

impl Other {
    pub fn text(&self) -> Text {
        match self {
            Other::SystemConf(e) => t!("probe-dns-system-conf", error = e),
            Other::Setup(e) => t!("probe-dns-setup", error = e),
            Other::Resolver(e) => Text::verbatim(e),
        }
    }
}

impl From<Other> for String {
    fn from(o: Other) -> String {
        o.text().en()
    }
}

impl DnsFailure {
    /// What happened, in the run's language.
    pub fn text(&self) -> Text {
        match self {
            DnsFailure::NxDomain => t!("probe-dns-nxdomain"),
            DnsFailure::NoData => t!("probe-dns-no-data"),
            DnsFailure::ServerError(code) => t!("probe-dns-server-error", code = code),
            DnsFailure::TimedOut => t!("probe-dns-timed-out"),
            DnsFailure::Unreachable(why) => t!("probe-dns-unreachable", why = why.text()),
            DnsFailure::Other(why) => why.text(),
        }
    }
}

/// English, for the evidence.
impl std::fmt::Display for DnsFailure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.text().en())
    }
}

/// Which DNS servers were asked.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(into = "String")]
pub enum Servers {
    /// `127.0.0.1:5353`, or the servers of /etc/resolv.conf, joined with `, `.
    Listed(String),
    /// /etc/resolv.conf names none.
    NoneConfigured,
    /// The system's, which could not be read.
    System,
}

impl Servers {
    pub fn text(&self) -> Text {
        match self {
            Servers::Listed(list) => Text::verbatim(list),
            Servers::NoneConfigured => t!("probe-dns-no-nameserver"),
            Servers::System => t!("probe-dns-system-servers"),
        }
    }
}

/// English (`system` for the system's servers, as the evidence always said).
impl std::fmt::Display for Servers {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Servers::Listed(list) => f.write_str(list),
            Servers::NoneConfigured => f.write_str("no nameserver configured"),
            Servers::System => f.write_str("system"),
        }
    }
}

impl From<Servers> for String {
    fn from(s: Servers) -> String {
        s.to_string()
    }
}

/// Why the OS resolver gave no addresses.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SystemFailure {
    /// Not asked: this static build would load these NSS services from the host's glibc.
    NotAsked {
        services: Vec<String>,
        name: String,
    },
    TimedOut,
    /// getaddrinfo's words.
    Failed(String),
}

impl SystemFailure {
    pub fn text(&self) -> Text {
        match self {
            SystemFailure::NotAsked { services, name } => t!(
                "probe-dns-nss-not-asked",
                services = Text::join(services.iter().map(Text::verbatim), Sep::Comma),
                command = format!("getent ahosts {name}")
            ),
            SystemFailure::TimedOut => t!("probe-dns-system-timed-out"),
            SystemFailure::Failed(why) => Text::verbatim(why),
        }
    }
}

/// English, for the evidence.
impl std::fmt::Display for SystemFailure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.text().en())
    }
}

/// The answers for one name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Answer {
    pub a: Result<Vec<IpAddr>, DnsFailure>,
    pub aaaa: Result<Vec<IpAddr>, DnsFailure>,
    pub elapsed: Duration,
    pub server: Servers,
}

impl Answer {
    /// A then AAAA addresses, without duplicates.
    pub fn addresses(&self) -> Vec<IpAddr> {
        let mut all: Vec<IpAddr> = Vec::new();
        for ip in self.a.iter().chain(self.aaaa.iter()).flatten() {
            if !all.contains(ip) {
                all.push(*ip);
            }
        }
        all
    }
}

/// Queries A and AAAA for `name` in parallel, each bounded by `timeout`.
pub async fn resolve(name: &str, server: Option<SocketAddr>, timeout: Duration) -> Answer {
    let started = Instant::now();
    let (resolver, server_text) = match build(server, timeout) {
        Ok(built) => built,
        Err(why) => {
            let failed = Err(DnsFailure::Other(why));
            return Answer { a: failed.clone(), aaaa: failed, elapsed: started.elapsed(), server: Servers::System };
        }
    };
    let (a, aaaa) =
        tokio::join!(query(&resolver, name, RecordType::A, timeout), query(&resolver, name, RecordType::AAAA, timeout));
    Answer { a, aaaa, elapsed: started.elapsed(), server: server_text }
}

fn build(server: Option<SocketAddr>, timeout: Duration) -> Result<(TokioResolver, Servers), Other> {
    let (config, mut opts) = match server {
        Some(addr) => {
            let mut ns = NameServerConfig::udp_and_tcp(addr.ip());
            for connection in &mut ns.connections {
                connection.port = addr.port();
            }
            let mut opts = ResolverOpts::default();
            // The answer must come from the server the user named, not from /etc/hosts.
            opts.use_hosts_file = ResolveHosts::Never;
            (ResolverConfig::from_parts(None, vec![], vec![ns]), opts)
        }
        None => hickory_resolver::system_conf::read_system_conf().map_err(|e| Other::SystemConf(e.to_string()))?,
    };
    let mut servers: Vec<String> = Vec::new();
    for ns in config.name_servers() {
        let text = SocketAddr::new(ns.ip, ns.connections.first().map_or(53, |c| c.port)).to_string();
        if !servers.contains(&text) {
            servers.push(text);
        }
    }
    opts.timeout = timeout;
    opts.attempts = 1;
    opts.ip_strategy = LookupIpStrategy::Ipv4AndIpv6;
    let resolver = Resolver::builder_with_config(config, TokioRuntimeProvider::default())
        .with_options(opts)
        .build()
        .map_err(|e| Other::Setup(e.to_string()))?;
    let servers = if servers.is_empty() { Servers::NoneConfigured } else { Servers::Listed(servers.join(", ")) };
    Ok((resolver, servers))
}

async fn query(
    resolver: &TokioResolver,
    name: &str,
    kind: RecordType,
    timeout: Duration,
) -> Result<Vec<IpAddr>, DnsFailure> {
    let lookup = match tokio::time::timeout(timeout, resolver.lookup(name, kind)).await {
        Err(_) => return Err(DnsFailure::TimedOut),
        Ok(Err(e)) => return Err(classify(&e)),
        Ok(Ok(lookup)) => lookup,
    };
    let ips: Vec<IpAddr> = lookup
        .answers()
        .iter()
        .filter_map(|record| match &record.data {
            RData::A(a) => Some(IpAddr::V4(a.0)),
            RData::AAAA(aaaa) => Some(IpAddr::V6(aaaa.0)),
            _ => None,
        })
        .collect();
    if ips.is_empty() { Err(DnsFailure::NoData) } else { Ok(ips) }
}

fn classify(e: &NetError) -> DnsFailure {
    if e.is_nx_domain() {
        return DnsFailure::NxDomain;
    }
    if e.is_no_records_found() {
        return DnsFailure::NoData;
    }
    match e {
        NetError::Dns(DnsError::ResponseCode(code)) => DnsFailure::ServerError(code.to_string()),
        NetError::Timeout => DnsFailure::TimedOut,
        NetError::Io(io) if io.kind() == std::io::ErrorKind::ConnectionRefused => {
            DnsFailure::Unreachable(Unreachable::Refused)
        }
        NetError::Io(io) => DnsFailure::Unreachable(Unreachable::Io(io.to_string())),
        NetError::NoConnections => DnsFailure::Unreachable(Unreachable::NoConnection),
        other => DnsFailure::Other(Other::Resolver(other.to_string())),
    }
}

/// What the OS resolver (getaddrinfo) returns for `name`, bounded by `timeout`.
pub async fn system_lookup(name: &str, timeout: Duration) -> Result<Vec<IpAddr>, SystemFailure> {
    if cfg!(target_feature = "crt-static") {
        let services =
            services_loaded_from_libraries(&std::fs::read_to_string("/etc/nsswitch.conf").unwrap_or_default());
        if !services.is_empty() {
            return Err(SystemFailure::NotAsked { services, name: name.to_string() });
        }
    }
    match tokio::time::timeout(timeout, tokio::net::lookup_host((name, 0))).await {
        Err(_) => Err(SystemFailure::TimedOut),
        Ok(Err(e)) => Err(SystemFailure::Failed(e.to_string())),
        Ok(Ok(addrs)) => {
            let mut out: Vec<IpAddr> = Vec::new();
            for sa in addrs {
                if !out.contains(&sa.ip()) {
                    out.push(sa.ip());
                }
            }
            Ok(out)
        }
    }
}

/// The NSS services on the `hosts:` lines of an nsswitch.conf that glibc loads from shared
/// libraries (`libnss_NAME.so.2`): all but `files` and `dns`, which it has built in.
///
/// This matters to the static build only (scripts/dist.sh): its glibc is linked in, but such a
/// library belongs to the host's glibc, and loading one into a process that carries another
/// version can crash it. Without the file glibc uses `dns` and `files`, and so does an empty
/// chroot or a FROM-scratch container.
pub fn services_loaded_from_libraries(nsswitch: &str) -> Vec<String> {
    let mut services = Vec::new();
    for line in nsswitch.lines() {
        let line = line.split('#').next().unwrap_or_default();
        let Some(("hosts", list)) = line.split_once(':').map(|(db, list)| (db.trim(), list)) else { continue };
        // `[NOTFOUND=return]` and the like are actions, not services.
        let mut depth = 0usize;
        let words: String = list
            .chars()
            .map(|c| {
                match c {
                    '[' => depth += 1,
                    ']' => depth = depth.saturating_sub(1),
                    _ if depth == 0 => return c,
                    _ => {}
                }
                ' '
            })
            .collect();
        for service in words.split_whitespace() {
            if service != "files" && service != "dns" && !services.iter().any(|s| s == service) {
                services.push(service.to_string());
            }
        }
    }
    services
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nss_services_beyond_the_built_in_ones() {
        let centos7 = "passwd: files sss\nhosts:      files dns myhostname\n";
        assert_eq!(services_loaded_from_libraries(centos7), ["myhostname"]);
        let ubuntu = "hosts: files mdns4_minimal [NOTFOUND=return] dns # mdns\n";
        assert_eq!(services_loaded_from_libraries(ubuntu), ["mdns4_minimal"]);
        let systemd = "hosts: mymachines resolve [ !UNAVAIL=return ] files myhostname dns\nhosts: resolve\n";
        assert_eq!(services_loaded_from_libraries(systemd), ["mymachines", "resolve", "myhostname"]);
        assert!(services_loaded_from_libraries("hosts: files dns\n").is_empty());
        assert!(services_loaded_from_libraries("").is_empty());
        assert!(services_loaded_from_libraries("# hosts: files sss\nhostsx: ldap\n").is_empty());
        assert!(services_loaded_from_libraries("hosts files ldap\n]]]: [[[\n").is_empty());
    }
}
