//! Everything checks read, built once by `setup` from the command line and the host: the region,
//! the endpoint, the options, the input files already parsed. Data only: it knows no clap, and
//! nothing in it changes while the checks run (what checks find for each other are `check::Fact`s).

use std::net::{IpAddr, SocketAddr};
use std::time::Duration;

use ipnet::IpNet;
use serde::Serialize;

use crate::addressplan::AddressPlan;
use crate::audit::AuditFiles;
use crate::audit::version::KubeVersion;
use crate::endpoint::{Endpoint, EndpointFailure, Host, ProxySetting, TlsSettings, private_range};
use crate::firewall::analysis::Request;
use crate::firewall::eval::Flow;
use crate::firewall::ipset::IpsetDb;
use crate::firewall::ranges::Family;
use crate::firewall::{Layer, live};
use crate::forward::ForwardSpec;
use crate::forward::host::{ForwardPath, HostState};
use crate::forward::portproxy::PortProxy;
use crate::forward::route::RouteTable;
use crate::hostfs::HostRoot;
use crate::i18n::Text;
use crate::region::{PoolPart, Region, RegionTable};

/// `--network`: the type to assume, or `auto` to infer it from the API server's address.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NetworkChoice {
    Auto,
    Vpc,
    Public,
}

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
#[derive(Debug, Clone, PartialEq)]
pub struct NetworkDecision {
    /// `None` when `--network auto` and no API server address is known.
    pub network: Option<NetworkType>,
    /// `flag` or `inferred`.
    pub source: &'static str,
    pub reason: Text,
}

#[derive(Debug)]
pub struct Context {
    pub table: RegionTable,
    /// `None` when `--region` was not given (`region.known` fails and says so).
    pub region: Option<Region>,
    pub network: NetworkChoice,
    pub pool: PoolPart,
    /// The API server to probe, when one is known.
    pub endpoint: Option<Endpoint>,
    /// How to verify the API server's certificate (from the kubeconfig, else system roots).
    pub tls: TlsSettings,
    /// Where the kubeconfig search looked when it found nothing (empty otherwise).
    pub endpoint_search: Vec<Text>,
    /// Why the kubeconfig gives no endpoint to probe (kubectl refuses it, or would not dial an
    /// API server over TLS); `apiserver.endpoint` fails with it.
    pub endpoint_failure: Option<EndpointFailure>,
    /// What `apiserver.endpoint` should say about the endpoint it found (plain HTTP in kubectl, a
    /// proxy path, paths read inside `--root`).
    pub endpoint_notes: Vec<Text>,
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

/// The connection a forwarder forwards, worked out for this run's pool: what the firewall checks
/// judge with `--forward`, and what the forwarding checks read.
#[derive(Debug, Clone)]
pub struct Forwarded {
    pub spec: ForwardSpec,
    pub path: ForwardPath,
    target: [IpAddr; 1],
}

impl Forwarded {
    /// `None` without `--forward`, or for a port proxy (no kernel path).
    pub fn of(ctx: &Context) -> Option<Forwarded> {
        let fwd = ctx.forward.as_ref()?;
        let host = fwd.host.as_ref()?;
        let entries: Vec<IpNet> =
            ctx.region.as_ref().map(|r| r.pool(ctx.pool).iter().map(|e| e.entry).collect()).unwrap_or_default();
        let path = ForwardPath::of(host, &fwd.spec, &entries, ctx.interface.as_deref());
        Some(Forwarded::new(fwd.spec, path))
    }

    pub fn new(spec: ForwardSpec, path: ForwardPath) -> Forwarded {
        Forwarded { spec, path, target: [spec.target] }
    }

    pub fn flow(&self) -> Flow<'_> {
        Flow {
            listen_port: self.spec.listen_port,
            port: self.spec.target_port,
            arrival: &self.path.arrival,
            in_iface: self.path.inbound.as_deref(),
            out_iface: self.path.outbound.as_deref(),
        }
    }

    pub fn request(&self) -> Request<'_> {
        Request {
            port: self.spec.target_port,
            destinations: &self.target,
            interface: self.path.inbound.as_deref(),
            flow: Some(self.flow()),
            routes: None,
        }
    }

    /// The family of the API server the connection is forwarded to.
    pub fn family(&self) -> Family {
        Family::of(self.spec.target)
    }
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
    pub none_because: Option<Text>,
}

/// The API server's addresses and how they were found.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Resolved {
    pub addresses: Vec<IpAddr>,
    /// `ip-literal`, or the resolver that answered.
    pub how: String,
}

impl Context {
    /// `host:port` of `--forwarder`, for messages and the report.
    pub fn forwarder_text(&self) -> Option<String> {
        self.forwarder.as_ref().map(|(host, port)| format!("{host}:{port}"))
    }

    /// The network type: the flag's, or inferred from the API server's addresses.
    pub fn network_decision(&self, addresses: Option<&[IpAddr]>) -> NetworkDecision {
        match self.network {
            NetworkChoice::Vpc => NetworkDecision {
                network: Some(NetworkType::Vpc),
                source: "flag",
                reason: Text::verbatim("--network vpc"),
            },
            NetworkChoice::Public => NetworkDecision {
                network: Some(NetworkType::Public),
                source: "flag",
                reason: Text::verbatim("--network public"),
            },
            NetworkChoice::Auto => infer_network(addresses),
        }
    }

    /// The endpoint's address when it is an IP literal: known without resolving anything.
    pub fn literal_addresses(&self) -> Option<Resolved> {
        match &self.endpoint {
            Some(Endpoint { host: Host::Ip(ip), .. }) => {
                Some(Resolved { addresses: vec![*ip], how: "ip-literal".into() })
            }
            _ => None,
        }
    }
}

/// `--network auto`: VPC when every address of the API server is private, public when any is
/// public (the security center can then reach it over the Internet).
pub fn infer_network(addresses: Option<&[IpAddr]>) -> NetworkDecision {
    let addresses = addresses.unwrap_or_default();
    if addresses.is_empty() {
        return NetworkDecision { network: None, source: "inferred", reason: crate::t!("network-auto-no-address") };
    }
    if let Some(public) = addresses.iter().find(|ip| private_range(**ip).is_none()) {
        return NetworkDecision {
            network: Some(NetworkType::Public),
            source: "inferred",
            reason: crate::t!("network-address-public", address = public.to_string()),
        };
    }
    let first = addresses[0];
    NetworkDecision {
        network: Some(NetworkType::Vpc),
        source: "inferred",
        reason: crate::t!(
            "network-address-private",
            address = first.to_string(),
            range = private_range(first).unwrap_or("private")
        ),
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
        assert!(d.reason.en().contains("RFC 1918"), "{}", d.reason);
        assert_eq!(infer_network(Some(&[private, public])).network, Some(NetworkType::Public));
        assert_eq!(infer_network(None).network, None);
    }
}
