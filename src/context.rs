//! Everything checks read, built once from the command line: the region, the endpoint, the
//! options, and the facts that checks discover for each other while the run goes on.

use std::net::{IpAddr, SocketAddr};
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::Serialize;

use crate::addressplan::AddressPlan;
use crate::audit::AuditFiles;
use crate::audit::version::KubeVersion;
use crate::cli::{FailOn, NetworkArg, RunArgs};
use crate::endpoint::{
    DEFAULT_APISERVER_PORT, Endpoint, EndpointSource, Host, ProxySetting, TlsSettings, parse_server, private_range,
};
use crate::error::{Error, InputError};
use crate::firewall::ipset::IpsetDb;
use crate::firewall::ranges::Family;
use crate::firewall::{self, Layer, Spec, live};
use crate::forward::ForwardSpec;
use crate::forward::host::HostState;
use crate::forward::portproxy::{self, PortProxy};
use crate::forward::route::RouteTable;
use crate::hostfs::{self, HostRoot};
use crate::kubeconfig::{self, Located};
use crate::region::{PoolPart, Region, RegionTable};

/// The two network types the vendor's page distinguishes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum NetworkType {
    Vpc,
    Public,
}

impl NetworkType {
    pub fn as_str(self) -> &'static str {
        match self {
            NetworkType::Vpc => "vpc",
            NetworkType::Public => "public",
        }
    }
}

/// Which network type applies, and why the tool thinks so.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct NetworkDecision {
    /// `None` when `--network auto` and no API server address is known.
    pub network: Option<NetworkType>,
    /// `flag` or `inferred`.
    pub source: &'static str,
    pub reason: String,
}

#[derive(Debug)]
pub struct Context {
    pub table: RegionTable,
    /// `None` when `--region` was not given (`region.known` fails and says so).
    pub region: Option<Region>,
    pub network: NetworkArg,
    pub pool: PoolPart,
    /// The API server to probe, when one is known.
    pub endpoint: Option<Endpoint>,
    /// How to verify the API server's certificate (from the kubeconfig, else system roots).
    pub tls: TlsSettings,
    /// Where the kubeconfig search looked when it found nothing (empty otherwise).
    pub endpoint_search: Vec<String>,
    /// Proxies the user's tools would use (kubeconfig `proxy-url`, `$HTTPS_PROXY`): reported, not used.
    pub proxies: Vec<ProxySetting>,
    /// `--dns-server`: resolve with this server instead of the system's.
    pub dns_server: Option<SocketAddr>,
    /// `false` with `--no-icmp`.
    pub icmp: bool,
    /// `--forwarder HOST:PORT`: the hybrid-cloud forwarder to probe like the API server.
    pub forwarder: Option<(Host, u16)>,
    /// The port the firewall checks evaluate: `--port`, else the endpoint's, else 6443.
    pub port: u16,
    pub root: HostRoot,
    pub timeout: Duration,
    pub deadline: Duration,
    pub fail_on: FailOn,
    pub audit: bool,
    /// `--k8s-version`: the version to assume when neither `/version` nor the manifest's image tells.
    pub k8s_version: Option<KubeVersion>,
    /// `--cluster-id`: the id the security center shows, which names the collector's env vars.
    pub cluster_id: Option<String>,
    /// The audit configuration under `--root`, read when `--audit` is given (see `audit`).
    pub audit_files: Option<AuditFiles>,
    /// Service and pod CIDRs and node addresses from the control-plane manifests under `--root`.
    pub address_plan: AddressPlan,
    /// `--interface`: where the pool's traffic arrives (decides `-i`/`iifname` matches).
    pub interface: Option<String>,
    /// The access-control layers given on the command line, already parsed.
    pub firewall: FirewallInput,
    /// `--forward A:HOST:PORT`: this host forwards the API server's connections (the `forward.*`
    /// checks run).
    pub forward: Option<Forwarding>,
    pub facts: Facts,
}

/// A forwarder: what it forwards, and what its kernel says, read when the context is built (a
/// malformed sysctl or route file is exit 2).
#[derive(Debug)]
pub struct Forwarding {
    pub spec: ForwardSpec,
    /// Sysctls, routes and addresses under `--root`; `None` when the forwarder is a Windows port
    /// proxy (`--firewall netsh:FILE`), whose kernel settings do not matter.
    pub host: Option<HostState>,
    /// `--assume-return-route`: the IDC routes answers back through this host.
    pub assume_return_route: bool,
}

/// `--firewall` and `--ipset`, read and parsed before any check runs (bad input is exit 2).
#[derive(Debug, Default)]
pub struct FirewallInput {
    /// File layers, in the order given.
    pub layers: Vec<Layer>,
    /// Whether to read this host's firewall, and why.
    pub live: LiveMode,
    /// `--ipset` dumps, for `-m set` matches.
    pub ipsets: IpsetDb,
    /// `--firewall netsh:FILE`: a Windows forwarder's port proxies, by file.
    pub portproxies: Vec<(String, Vec<PortProxy>)>,
    /// The host's routes (`<root>/proc/net/route`, `ipv6_route`), when readable.
    pub routes: Option<RouteTable>,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum LiveMode {
    /// Neither asked for nor the default.
    #[default]
    Off,
    /// `--firewall live`.
    Requested,
    /// Running as root with no `--firewall`.
    Default,
}

/// The layers the firewall checks judge against: the file layers plus what the live reading found
/// (written by `firewall.sources`).
#[derive(Debug, Default)]
pub struct FirewallFacts {
    pub layers: Vec<Layer>,
    /// What each live command gave.
    pub live: Vec<live::Source>,
    /// Why there is no layer, when there is none.
    pub none_because: Option<String>,
}

/// What checks learn and later checks read. Each fact is written once, by the check named beside
/// it, before any check that lists that check in `needs` or `after` starts.
#[derive(Debug, Default)]
pub struct Facts {
    /// The API server's addresses (written by `apiserver.dns`, or set from an IP literal).
    pub addresses: std::sync::OnceLock<Resolved>,
    /// The API server's gitVersion (e.g. `v1.28.3`), written by `apiserver.version`.
    pub server_version: std::sync::OnceLock<String>,
    /// The API server addresses that accepted a TCP connection, written by `apiserver.tcp`.
    pub reachable: std::sync::OnceLock<Vec<SocketAddr>>,
    /// SHA-256 fingerprint of the leaf certificate the API server presented on the direct path,
    /// written by `apiserver.tls`; `forwarder.reach` compares the forwarder's with it.
    pub direct_leaf: std::sync::OnceLock<String>,
    /// The loaded firewall layers (written by `firewall.sources`).
    pub firewall: std::sync::OnceLock<FirewallFacts>,
}

/// The API server's addresses and how they were found.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Resolved {
    pub addresses: Vec<IpAddr>,
    /// `ip-literal`, or the resolver that answered.
    pub how: String,
}

impl Context {
    /// Builds the context; errors here are usage or input errors (exit 2).
    pub fn from_args(args: &RunArgs, table: RegionTable) -> Result<Context, Error> {
        let region = match &args.region {
            Some(q) => Some(table.resolve(q).map_err(|e| Error::Usage(e.to_string()))?.clone()),
            None => None,
        };
        let root = HostRoot::new(&args.root);
        let found = find_endpoint(args, &kubeconfig::Search::from_env(args.kubeconfig.clone(), root.clone()))?;
        let FoundEndpoint { endpoint, tls, endpoint_search, mut proxies } = found;
        for var in ["HTTPS_PROXY", "https_proxy"] {
            if let Some(url) = std::env::var(var).ok().filter(|u| !u.trim().is_empty()) {
                proxies.push(ProxySetting { source: format!("${var}"), url: kubeconfig::redact_url(url.trim()) });
                break;
            }
        }
        let dns_server = match &args.dns_server {
            Some(text) => Some(parse_dns_server(text).map_err(|e| Error::Usage(format!("--dns-server: {e}")))?),
            None => None,
        };
        let forwarder = match &args.forwarder {
            Some(text) => Some(parse_server(text).map_err(|e| Error::Usage(format!("--forwarder: {e}")))?),
            None => None,
        };
        if args.port == Some(0) {
            return Err(Error::Usage("--port 0 is not a port; expected 1-65535".into()));
        }
        let spec = match &args.forward {
            Some(text) => Some(ForwardSpec::parse(text).map_err(|e| Error::Usage(format!("--forward {e}")))?),
            None => None,
        };
        // On a forwarder the firewall checks judge the forwarded connection to HOST:PORT.
        let port = match (spec, args.port) {
            (Some(s), Some(p)) if p != s.target_port => {
                return Err(Error::Usage(format!(
                    "--port {p} contradicts --forward {}: the API server port is {} (port A, {}, is where this host listens)",
                    args.forward.as_deref().unwrap_or_default(),
                    s.target_port,
                    s.listen_port
                )));
            }
            (Some(s), _) => s.target_port,
            (None, p) => p.or(endpoint.as_ref().map(|e| e.port)).unwrap_or(DEFAULT_APISERVER_PORT),
        };
        let k8s_version = match &args.k8s_version {
            Some(text) => Some(text.parse().map_err(|e| Error::Usage(format!("--k8s-version: {e}")))?),
            None => None,
        };
        // Read once, before any check: a malformed manifest or policy stops the run (exit 2) instead
        // of making every audit check report on half of it.
        let audit_files = if args.audit { Some(AuditFiles::load(&root)?) } else { None };
        let address_plan = AddressPlan::read(&root)?;
        if spec.is_none() && args.firewall.iter().any(|t| matches!(Spec::parse(t), Ok(Spec::PortProxy { .. }))) {
            return Err(Error::Usage(
                "--firewall netsh:FILE is a Windows forwarder's port proxies: give --forward A:HOST:PORT too, so that the forwarding checks read it".into(),
            ));
        }
        let firewall = firewall_input(&args.firewall, &args.ipset, &root, args.deadline)?;
        let forward = match spec {
            None => None,
            Some(spec) => Some(Forwarding {
                spec,
                host: if firewall.portproxies.is_empty() {
                    Some(HostState::read(&root, Family::of(spec.target))?)
                } else {
                    None
                },
                assume_return_route: args.assume_return_route,
            }),
        };
        let facts = Facts::default();
        if let Some(Endpoint { host: Host::Ip(ip), .. }) = &endpoint {
            // An IP literal needs no resolution; setting it here lets every check rely on the fact.
            let _ = facts.addresses.set(Resolved { addresses: vec![*ip], how: "ip-literal".into() });
        }
        Ok(Context {
            table,
            region,
            network: args.network,
            pool: args.pool,
            endpoint,
            tls,
            endpoint_search,
            proxies,
            dns_server,
            icmp: !args.no_icmp,
            forwarder,
            port,
            root,
            timeout: args.timeout,
            deadline: args.deadline,
            fail_on: args.fail_on,
            audit: args.audit,
            k8s_version,
            cluster_id: args.cluster_id.clone(),
            audit_files,
            address_plan,
            interface: args.interface.clone(),
            firewall,
            forward,
            facts,
        })
    }

    /// `host:port` of `--forwarder`, for messages and the report.
    pub fn forwarder_text(&self) -> Option<String> {
        self.forwarder.as_ref().map(|(host, port)| format!("{host}:{port}"))
    }

    /// The network type: the flag's, or inferred from the API server's addresses.
    pub fn network_decision(&self) -> NetworkDecision {
        match self.network {
            NetworkArg::Vpc => {
                NetworkDecision { network: Some(NetworkType::Vpc), source: "flag", reason: "--network vpc".into() }
            }
            NetworkArg::Public => NetworkDecision {
                network: Some(NetworkType::Public),
                source: "flag",
                reason: "--network public".into(),
            },
            NetworkArg::Auto => infer_network(self.facts.addresses.get().map(|r| r.addresses.as_slice())),
        }
    }
}

/// The endpoint and what the kubeconfig says about trusting it.
struct FoundEndpoint {
    endpoint: Option<Endpoint>,
    tls: TlsSettings,
    endpoint_search: Vec<String>,
    proxies: Vec<ProxySetting>,
}

/// `--apiserver` wins for the address; with `--kubeconfig` or `--context` too, the kubeconfig's
/// context still gives the CA and TLS settings, as with `kubectl --server`. Without `--apiserver`,
/// kubectl's kubeconfig search.
fn find_endpoint(args: &RunArgs, search: &kubeconfig::Search) -> Result<FoundEndpoint, Error> {
    let flag = match &args.apiserver {
        Some(text) => Some(parse_server(text).map_err(|e| Error::Usage(format!("--apiserver: {e}")))?),
        None => None,
    };
    if flag.is_some() && args.kubeconfig.is_none() && args.context.is_none() {
        let endpoint = flag.map(|(host, port)| Endpoint { host, port, source: EndpointSource::Flag });
        return Ok(FoundEndpoint { endpoint, tls: TlsSettings::default(), endpoint_search: vec![], proxies: vec![] });
    }
    let files = match kubeconfig::locate(search)? {
        Located::Found { via, files } => (via, files),
        Located::NotFound { looked } => {
            if let Some(name) = &args.context {
                return Err(Error::Usage(format!("--context {name}: no kubeconfig found ({})", looked.join("; "))));
            }
            return Ok(FoundEndpoint {
                endpoint: None,
                tls: TlsSettings::default(),
                endpoint_search: looked,
                proxies: vec![],
            });
        }
    };
    let (via, files) = files;
    let selected = kubeconfig::load(&files, args.context.as_deref())?;
    let tls = TlsSettings {
        ca: selected.ca.clone(),
        server_name: selected.tls_server_name.clone(),
        insecure: selected.insecure,
    };
    let proxies = selected
        .proxy_url
        .iter()
        .map(|url| ProxySetting { source: "kubeconfig proxy-url".into(), url: url.clone() })
        .collect();
    let endpoint = match flag {
        Some((host, port)) => Endpoint { host, port, source: EndpointSource::Flag },
        None => {
            let (host, port) = parse_server(&selected.server).map_err(|e| {
                InputError::at(
                    &selected.cluster_file,
                    None,
                    format!("cluster {:?}: field server: {e}", selected.cluster),
                )
            })?;
            let source = EndpointSource::Kubeconfig {
                file: selected.file.display().to_string(),
                context: selected.context.clone(),
                cluster: selected.cluster.clone(),
                via: via.as_str().to_string(),
            };
            Endpoint { host, port, source }
        }
    };
    Ok(FoundEndpoint { endpoint: Some(endpoint), tls, endpoint_search: vec![], proxies })
}

/// `IP:PORT`, `[IPv6]:PORT`, or a bare IP (port 53).
fn parse_dns_server(text: &str) -> Result<SocketAddr, String> {
    let t = text.trim();
    if let Ok(sa) = t.parse::<SocketAddr>() {
        return Ok(sa);
    }
    t.trim_matches(['[', ']'])
        .parse::<IpAddr>()
        .map(|ip| SocketAddr::new(ip, 53))
        .map_err(|_| format!("{t:?} is not IP:PORT (e.g. 127.0.0.1:53 or [::1]:53)"))
}

/// Reads `--ipset` dumps first (iptables layers resolve `-m set` with them), then each `--firewall`.
/// `live` is the default only for root checking this very host: with `--root` the node under
/// check is a copy, and this host's rules say nothing about it.
fn firewall_input(
    specs: &[String],
    ipset_files: &[PathBuf],
    root: &HostRoot,
    deadline: Duration,
) -> Result<FirewallInput, Error> {
    let stdin_deadline = std::time::Instant::now() + deadline;
    let mut ipsets = IpsetDb::default();
    for path in ipset_files {
        let text = firewall::read_text(path, hostfs::Kind::FirewallDump)?;
        ipsets.parse_into(&text, &path.display().to_string())?;
    }
    let mut layers = Vec::new();
    let mut portproxies = Vec::new();
    let mut live = LiveMode::Off;
    let mut stdin_used = false;
    for text in specs {
        match Spec::parse(text).map_err(Error::Usage)? {
            Spec::Live => live = LiveMode::Requested,
            Spec::PortProxy { path } => portproxies.push((format!("netsh:{path}"), portproxy::load(Path::new(&path))?)),
            Spec::File { kind, path } => {
                if path == "-" {
                    if stdin_used {
                        return Err(Error::Usage("only one --firewall may read standard input (-)".into()));
                    }
                    stdin_used = true;
                }
                layers.push(firewall::load(kind, &path, &ipsets, stdin_deadline)?);
            }
        }
    }
    if specs.is_empty() && live::is_root() && root.is_live() {
        live = LiveMode::Default;
    }
    let mut layers = firewall::merge_security_groups(layers);
    firewall::drop_double_counted(&mut layers);
    // Only where a DNAT on the local path sends the pool: without readable routes that stays unknown.
    let routes = RouteTable::read(root).ok();
    Ok(FirewallInput { layers, live, ipsets, portproxies, routes })
}

/// `--network auto`: VPC when every address of the API server is private, public when any is
/// public (the security center can then reach it over the Internet).
pub fn infer_network(addresses: Option<&[IpAddr]>) -> NetworkDecision {
    let addresses = addresses.unwrap_or_default();
    if addresses.is_empty() {
        return NetworkDecision {
            network: None,
            source: "inferred",
            reason: "--network auto and no API server address is known".into(),
        };
    }
    if let Some(public) = addresses.iter().find(|ip| private_range(**ip).is_none()) {
        return NetworkDecision {
            network: Some(NetworkType::Public),
            source: "inferred",
            reason: format!("the API server address {public} is public"),
        };
    }
    let first = addresses[0];
    NetworkDecision {
        network: Some(NetworkType::Vpc),
        source: "inferred",
        reason: format!("the API server address {first} is {}", private_range(first).unwrap_or("private")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn inference_prefers_public_and_explains() {
        let private: IpAddr = "10.0.0.5".parse().expect("ip");
        let public: IpAddr = "203.0.113.7".parse().expect("ip");
        let d = infer_network(Some(&[private]));
        assert_eq!(d.network, Some(NetworkType::Vpc));
        assert!(d.reason.contains("RFC 1918"), "{}", d.reason);
        assert_eq!(infer_network(Some(&[private, public])).network, Some(NetworkType::Public));
        assert_eq!(infer_network(None).network, None);
    }

    #[test]
    fn dns_server_forms() {
        assert_eq!(parse_dns_server("127.0.0.1:5353"), Ok("127.0.0.1:5353".parse().expect("addr")));
        assert_eq!(parse_dns_server("[::1]:53"), Ok("[::1]:53".parse().expect("addr")));
        assert_eq!(parse_dns_server("192.0.2.53"), Ok("192.0.2.53:53".parse().expect("addr")));
        assert!(parse_dns_server("dns.example").is_err());
    }
}
