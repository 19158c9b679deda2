//! Everything checks read, built once from the command line: the region, the endpoint, the
//! options, and the facts that checks discover for each other while the run goes on.

use std::net::IpAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::Serialize;

use crate::cli::{FailOn, NetworkArg, RunArgs};
use crate::endpoint::{DEFAULT_APISERVER_PORT, Endpoint, EndpointSource, Host, parse_server, private_range};
use crate::error::Error;
use crate::firewall::ipset::IpsetDb;
use crate::firewall::{self, Layer, Spec, live};
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
    /// `--forwarder HOST:PORT`: the hybrid-cloud forwarder to probe like the API server.
    pub forwarder: Option<(Host, u16)>,
    /// The port the firewall checks evaluate: `--port`, else the endpoint's, else 6443.
    pub port: u16,
    pub root: PathBuf,
    pub timeout: Duration,
    pub deadline: Duration,
    pub fail_on: FailOn,
    pub audit: bool,
    /// `--interface`: where the pool's traffic arrives (decides `-i`/`iifname` matches).
    pub interface: Option<String>,
    /// The access-control layers given on the command line, already parsed.
    pub firewall: FirewallInput,
    pub facts: Facts,
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
        let endpoint = match &args.apiserver {
            Some(text) => {
                let (host, port) = parse_server(text).map_err(|e| Error::Usage(format!("--apiserver: {e}")))?;
                Some(Endpoint { host, port, source: EndpointSource::Flag })
            }
            None => None,
        };
        let forwarder = match &args.forwarder {
            Some(text) => Some(parse_server(text).map_err(|e| Error::Usage(format!("--forwarder: {e}")))?),
            None => None,
        };
        let port = args.port.or(endpoint.as_ref().map(|e| e.port)).unwrap_or(DEFAULT_APISERVER_PORT);
        if args.port == Some(0) {
            return Err(Error::Usage("--port 0 is not a port; expected 1-65535".into()));
        }
        let firewall = firewall_input(&args.firewall, &args.ipset)?;
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
            forwarder,
            port,
            root: args.root.clone(),
            timeout: args.timeout,
            deadline: args.deadline,
            fail_on: args.fail_on,
            audit: args.audit,
            interface: args.interface.clone(),
            firewall,
            facts,
        })
    }

    /// `host:port` of `--forwarder`, for messages and the report.
    pub fn forwarder_text(&self) -> Option<String> {
        self.forwarder.as_ref().map(|(host, port)| format!("{host}:{port}"))
    }

    /// A host path under `--root`: `host_path("/etc/kubernetes/admin.conf")`.
    pub fn host_path(&self, absolute: &str) -> PathBuf {
        under_root(&self.root, absolute)
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

/// Reads `--ipset` dumps first (iptables layers resolve `-m set` with them), then each `--firewall`.
fn firewall_input(specs: &[String], ipset_files: &[PathBuf]) -> Result<FirewallInput, Error> {
    let mut ipsets = IpsetDb::default();
    for path in ipset_files {
        let text = firewall::read_text(path)?;
        ipsets.parse_into(&text, &path.display().to_string())?;
    }
    let mut layers = Vec::new();
    let mut live = LiveMode::Off;
    let mut stdin_used = false;
    for text in specs {
        match Spec::parse(text).map_err(Error::Usage)? {
            Spec::Live => live = LiveMode::Requested,
            Spec::File { kind, path } => {
                if path == "-" {
                    if stdin_used {
                        return Err(Error::Usage("only one --firewall may read standard input (-)".into()));
                    }
                    stdin_used = true;
                }
                layers.push(firewall::load(kind, &path, &ipsets)?);
            }
        }
    }
    if specs.is_empty() && live::is_root() {
        live = LiveMode::Default;
    }
    firewall::drop_double_counted(&mut layers);
    Ok(FirewallInput { layers, live, ipsets })
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

/// Joins an absolute host path onto a root directory (`/` leaves it unchanged).
pub fn under_root(root: &Path, absolute: &str) -> PathBuf {
    root.join(absolute.trim_start_matches('/'))
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
    fn under_root_joins() {
        assert_eq!(under_root(Path::new("/"), "/etc/x"), PathBuf::from("/etc/x"));
        assert_eq!(under_root(Path::new("/tmp/n"), "/etc/x"), PathBuf::from("/tmp/n/etc/x"));
    }
}
