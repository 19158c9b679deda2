//! From the command line to a [`Context`]: everything read from the arguments and the host, once,
//! before any check runs. Errors here are usage or input errors (exit 2): a malformed file stops the
//! run instead of making every check that reads it report on half of it.
//!
//! Also what the report says about the run as a whole: its target and what it could not see.

use std::net::{IpAddr, SocketAddr};
use std::path::{Path, PathBuf};
use std::time::Instant;

use crate::addressplan::AddressPlan;
use crate::audit::AuditFiles;
use crate::cli::RunArgs;
use crate::context::{Context, FirewallInput, Forwarding, LiveMode};
use crate::endpoint::{
    DEFAULT_APISERVER_PORT, Endpoint, EndpointFailure, EndpointSource, ProxySetting, TlsSettings, parse_server,
    redact_url,
};
use crate::error::Error;
use crate::firewall::ipset::IpsetDb;
use crate::firewall::ranges::Family;
use crate::firewall::{self, Spec, live};
use crate::forward::ForwardSpec;
use crate::forward::host::HostState;
use crate::forward::portproxy;
use crate::forward::route::RouteTable;
use crate::hostfs::{self, HostRoot};
use crate::i18n::{Lang, Text};
use crate::kubeconfig::{self, Discovery};
use crate::region::RegionTable;
use crate::report::Target;
use crate::report::fleet::NodeFacts;
use crate::t;

/// Builds the context the checks read.
/// `until` is when the run's `--deadline` passes: input that is still arriving then (standard input)
/// is an error.
pub fn context(args: &RunArgs, table: RegionTable, until: Instant) -> Result<Context, Error> {
    let region = match &args.region {
        Some(q) => Some(table.resolve(q).map_err(|e| Error::Usage(e.text()))?.clone()),
        None => None,
    };
    let root = HostRoot::new(&args.root);
    let found = find_endpoint(args, &kubeconfig::Search::from_env(args.kubeconfig.clone(), root.clone()))?;
    let FoundEndpoint { endpoint, tls, endpoint_search, mut proxies, failure: endpoint_failure, notes: endpoint_notes } =
        found;
    for var in ["HTTPS_PROXY", "https_proxy"] {
        if let Some(url) = std::env::var(var).ok().filter(|u| !u.trim().is_empty()) {
            proxies.push(ProxySetting { source: format!("${var}"), url: redact_url(url.trim()) });
            break;
        }
    }
    let dns_server = match &args.dns_server {
        Some(text) => Some(parse_dns_server(text).map_err(|e| flag_error("--dns-server", e))?),
        None => None,
    };
    let forwarder = match &args.forwarder {
        Some(text) => Some(parse_server(text).map_err(|e| flag_error("--forwarder", e))?),
        None => None,
    };
    if args.port == Some(0) {
        return Err(Error::Usage(t!("setup-port-zero")));
    }
    let spec = match &args.forward {
        Some(text) => Some(ForwardSpec::parse(text).map_err(|e| flag_error("--forward", e))?),
        None => None,
    };
    // On a forwarder the firewall checks judge the forwarded connection to HOST:PORT.
    let port = match (spec, args.port) {
        (Some(s), Some(p)) if p != s.target_port => {
            return Err(Error::Usage(t!(
                "setup-port-contradicts-forward",
                port = p,
                forward = args.forward.as_deref().unwrap_or_default(),
                target_port = s.target_port,
                listen_port = s.listen_port
            )));
        }
        (Some(s), _) => s.target_port,
        (None, p) => p.or(endpoint.as_ref().map(|e| e.port)).unwrap_or(DEFAULT_APISERVER_PORT),
    };
    let k8s_version = match &args.k8s_version {
        Some(text) => Some(text.parse().map_err(|e: Text| flag_error("--k8s-version", e))?),
        None => None,
    };
    // Read once, before any check: a malformed manifest or policy stops the run (exit 2) instead
    // of making every audit check report on half of it.
    let audit_files = if args.audit { Some(AuditFiles::load(&root)?) } else { None };
    let address_plan = AddressPlan::read(&root)?;
    if spec.is_none()
        && args
            .firewall
            .iter()
            .flat_map(|t| Spec::split_list(t))
            .any(|t| matches!(Spec::parse(t), Ok(Spec::PortProxy { .. })))
    {
        return Err(Error::Usage(t!("setup-netsh-needs-forward")));
    }
    let specs: Vec<String> = args.firewall.iter().flat_map(|t| Spec::split_list(t)).map(str::to_string).collect();
    let firewall = firewall_input(&specs, &args.ipset, &root, until)?;
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
    Ok(Context {
        table,
        region,
        network: args.network,
        pool: args.pool,
        endpoint,
        tls,
        endpoint_search,
        endpoint_failure,
        endpoint_notes,
        proxies,
        dns_server,
        icmp: !args.no_icmp,
        forwarder,
        port,
        root,
        timeout: args.timeout,
        audit: args.audit,
        k8s_version,
        cluster_id: args.cluster_id.clone(),
        audit_files,
        address_plan,
        interface: args.interface.clone(),
        firewall,
        forward,
    })
}

/// The endpoint and what the kubeconfig says about trusting it.
struct FoundEndpoint {
    endpoint: Option<Endpoint>,
    tls: TlsSettings,
    endpoint_search: Vec<Text>,
    proxies: Vec<ProxySetting>,
    failure: Option<EndpointFailure>,
    notes: Vec<Text>,
}

/// `--apiserver` wins for the address; with `--kubeconfig` or `--context` too, the kubeconfig's
/// context still gives the CA and TLS settings, as with `kubectl --server`. Without `--apiserver`,
/// kubectl's kubeconfig resolution (`kubeconfig::resolve`): a kubeconfig kubectl refuses, or one
/// whose server the probes cannot use, is a finding for `apiserver.endpoint`, not an error.
fn find_endpoint(args: &RunArgs, search: &kubeconfig::Search) -> Result<FoundEndpoint, Error> {
    let flag = match &args.apiserver {
        Some(text) => Some(parse_server(text).map_err(|e| flag_error("--apiserver", e))?),
        None => None,
    };
    let none = FoundEndpoint {
        endpoint: None,
        tls: TlsSettings::default(),
        endpoint_search: vec![],
        proxies: vec![],
        failure: None,
        notes: vec![],
    };
    if flag.is_some() && args.kubeconfig.is_none() && args.context.is_none() {
        let endpoint = flag.map(|(host, port)| Endpoint {
            host,
            port,
            path: String::new(),
            source: EndpointSource::Flag,
            kubectl_dials: None,
        });
        return Ok(FoundEndpoint { endpoint, ..none });
    }
    let server = flag.as_ref().map(|(host, port)| format!("https://{host}:{port}"));
    Ok(match kubeconfig::resolve(search, args.context.as_deref(), server.as_deref()).discovery() {
        Discovery::NotFound { looked } => FoundEndpoint { endpoint_search: looked, ..none },
        Discovery::Unreadable(e) => return Err(e.into()),
        Discovery::Failed(failure) => FoundEndpoint { failure: Some(failure), ..none },
        Discovery::Found { mut endpoint, tls, proxy_url, notes } => {
            if flag.is_some() {
                endpoint.source = EndpointSource::Flag;
            }
            let proxies =
                proxy_url.map(|url| ProxySetting { source: "kubeconfig proxy-url".into(), url }).into_iter().collect();
            FoundEndpoint { endpoint: Some(endpoint), tls, proxies, notes, ..none }
        }
    })
}

/// A flag whose value does not parse: the flag, and what its parser said.
fn flag_error(flag: &str, why: impl Into<Text>) -> Error {
    Error::Usage(t!("setup-bad-flag", flag = flag, why = why.into()))
}

/// `IP:PORT`, `[IPv6]:PORT`, or a bare IP (port 53).
fn parse_dns_server(text: &str) -> Result<SocketAddr, Text> {
    let t = text.trim();
    if let Ok(sa) = t.parse::<SocketAddr>() {
        return Ok(sa);
    }
    t.trim_matches(['[', ']'])
        .parse::<IpAddr>()
        .map(|ip| SocketAddr::new(ip, 53))
        .map_err(|_| t!("setup-dns-server-form", value = format!("{t:?}")))
}

/// Reads `--ipset` dumps first (iptables layers resolve `-m set` with them), then each `--firewall`.
/// `live` is the default only for root checking this very host: with `--root` the node under
/// check is a copy, and this host's rules say nothing about it.
fn firewall_input(
    specs: &[String],
    ipset_files: &[PathBuf],
    root: &HostRoot,
    stdin_deadline: Instant,
) -> Result<FirewallInput, Error> {
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
                        return Err(Error::Usage(t!("setup-one-stdin")));
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

/// What the report names as the run's target: the region, the network type and why, the endpoint.
pub fn target(ctx: &Context, addresses: Option<&[IpAddr]>, lang: Lang) -> Target {
    let decision = ctx.network_decision(addresses);
    Target {
        region: ctx.region.as_ref().map(|r| r.id.clone()),
        region_name: ctx.region.as_ref().map(|r| r.name_zh.clone()),
        network: decision.network.map(|n| n.as_str().to_string()),
        network_source: decision.source.to_string(),
        network_reason: decision.reason.render(lang),
        apiserver: ctx.endpoint.as_ref().map(Endpoint::url),
        forwarder: ctx.forwarder_text(),
    }
}

/// The settings of this node that every master must share, for `merge` to compare: the Kubernetes
/// version (`/version`, else the image tag), the audit policy's hash, the kube-apiserver image and
/// its `--audit-*` flags.
pub fn node_facts(ctx: &Context, server_version: Option<&str>) -> NodeFacts {
    let files = ctx.audit_files.as_ref();
    let manifest = files.and_then(|f| f.manifest.as_ref());
    let image = manifest.and_then(|m| m.image.clone());
    let version = server_version
        .map(str::to_string)
        .or_else(|| image.as_deref().and_then(crate::audit::version::from_image).map(|v| v.to_string()));
    NodeFacts {
        kubernetes_version: version,
        audit_policy_sha256: files.and_then(|f| f.policy_sha256.clone()),
        apiserver_image: image,
        audit_flags: manifest
            .map(|m| {
                m.flags
                    .iter()
                    .filter(|f| f.name.starts_with("audit-"))
                    .map(|f| (f.name.clone(), f.value.clone().unwrap_or_default()))
                    .collect()
            })
            .unwrap_or_default(),
    }
}

/// What a result from this host cannot tell, so nobody reads more into a pass than it says.
pub fn cannot_see(ctx: &Context) -> Vec<Text> {
    let given = |kind: &str| ctx.firewall.layers.iter().any(|l| l.kind_name() == kind);
    let mut blind = vec![t!("setup-blind-network")];
    if !ctx.root.is_live() {
        blind.push(t!("setup-blind-root", root = ctx.root.display().to_string()));
    }
    if !given("ecs-sg") {
        blind.push(t!("setup-blind-ecs-sg"));
    }
    if !given("cidrs") {
        blind.push(t!("setup-blind-slb"));
    }
    blind
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dns_server_forms() {
        assert_eq!(parse_dns_server("127.0.0.1:5353"), Ok("127.0.0.1:5353".parse().expect("addr")));
        assert_eq!(parse_dns_server("[::1]:53"), Ok("[::1]:53".parse().expect("addr")));
        assert_eq!(parse_dns_server("192.0.2.53"), Ok("192.0.2.53:53".parse().expect("addr")));
        assert!(parse_dns_server("dns.example").is_err());
    }
}
