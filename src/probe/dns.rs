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
    Unreachable(String),
    /// The resolver could not be set up (unreadable /etc/resolv.conf, …) or failed otherwise.
    Other(String),
}

impl std::fmt::Display for DnsFailure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            DnsFailure::NxDomain => f.write_str("NXDOMAIN (the name does not exist)"),
            DnsFailure::NoData => f.write_str("no record of this type"),
            DnsFailure::ServerError(code) => write!(f, "the server answered {code}"),
            DnsFailure::TimedOut => f.write_str("no answer (timed out)"),
            DnsFailure::Unreachable(why) => write!(f, "the DNS server is unreachable ({why})"),
            DnsFailure::Other(why) => f.write_str(why),
        }
    }
}

/// The answers for one name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Answer {
    pub a: Result<Vec<IpAddr>, DnsFailure>,
    pub aaaa: Result<Vec<IpAddr>, DnsFailure>,
    pub elapsed: Duration,
    /// `127.0.0.1:5353`, or the servers of /etc/resolv.conf.
    pub server: String,
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
            return Answer { a: failed.clone(), aaaa: failed, elapsed: started.elapsed(), server: "system".into() };
        }
    };
    let (a, aaaa) =
        tokio::join!(query(&resolver, name, RecordType::A, timeout), query(&resolver, name, RecordType::AAAA, timeout));
    Answer { a, aaaa, elapsed: started.elapsed(), server: server_text }
}

fn build(server: Option<SocketAddr>, timeout: Duration) -> Result<(TokioResolver, String), String> {
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
        None => hickory_resolver::system_conf::read_system_conf()
            .map_err(|e| format!("cannot read the system DNS configuration: {e}"))?,
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
        .map_err(|e| format!("cannot set up the resolver: {e}"))?;
    let servers = if servers.is_empty() { "no nameserver configured".into() } else { servers.join(", ") };
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
            DnsFailure::Unreachable("connection refused: nothing answers DNS on that port".into())
        }
        NetError::Io(io) => DnsFailure::Unreachable(io.to_string()),
        NetError::NoConnections => DnsFailure::Unreachable("no connection to the DNS server could be made".into()),
        other => DnsFailure::Other(other.to_string()),
    }
}

/// What the OS resolver (getaddrinfo) returns for `name`, bounded by `timeout`.
pub async fn system_lookup(name: &str, timeout: Duration) -> Result<Vec<IpAddr>, String> {
    if cfg!(target_feature = "crt-static") {
        let services =
            services_loaded_from_libraries(&std::fs::read_to_string("/etc/nsswitch.conf").unwrap_or_default());
        if !services.is_empty() {
            return Err(format!(
                "not asked: /etc/nsswitch.conf names {} for hosts, which this statically linked build would load from the host's glibc libraries, and that can crash it (compare `getent ahosts {name}` by hand)",
                services.join(", ")
            ));
        }
    }
    match tokio::time::timeout(timeout, tokio::net::lookup_host((name, 0))).await {
        Err(_) => Err("timed out".into()),
        Ok(Err(e)) => Err(e.to_string()),
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
