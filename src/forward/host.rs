//! What a forwarder's kernel says: the forwarding and reverse-path sysctls, the routing table and
//! this host's addresses, read once under `--root` (`/` reads the network namespace the tool runs
//! in), and the path a forwarded connection takes through them.

use std::collections::BTreeMap;
use std::net::IpAddr;
use std::path::PathBuf;

use ipnet::IpNet;
use serde::Serialize;

use crate::error::InputError;
use crate::firewall::ranges::Family;
use crate::forward::route::{Route, RouteTable};
use crate::forward::{ForwardSpec, sysctl};
use crate::hostfs::{HostRoot, Kind};

/// The forwarding state of this host.
#[derive(Debug, Clone)]
pub struct HostState {
    pub root: HostRoot,
    /// Every sysctl read, by slash-separated key; `None` when its file does not exist.
    pub sysctls: BTreeMap<String, Option<i64>>,
    pub routes: RouteTable,
    /// This host's addresses (loopback left out); `None` when the files that list them are missing.
    pub local: Option<Vec<IpAddr>>,
    /// The interfaces `net/ipv4/conf` lists; `None` when that directory is missing.
    pub interfaces: Option<Vec<String>>,
}

/// `net/ipv4/ip_forward`: writing it sets `conf/all/forwarding` and every interface's `forwarding`.
pub const IP_FORWARD: &str = "net/ipv4/ip_forward";
pub const IPV6_FORWARDING: &str = "net/ipv6/conf/all/forwarding";

/// `net/ipv4/conf/<iface>/<setting>`.
pub fn conf(iface: &str, setting: &str) -> String {
    format!("net/ipv4/conf/{iface}/{setting}")
}

impl HostState {
    /// Reads what forwarding to a target of `family` depends on. Missing files are recorded as
    /// unknown; malformed ones are input errors naming the file and line.
    pub fn read(root: &HostRoot, family: Family) -> Result<HostState, InputError> {
        let mut host = HostState {
            root: root.clone(),
            sysctls: BTreeMap::new(),
            routes: RouteTable::read(root)?,
            local: None,
            interfaces: None,
        };
        if let Some(names) = root.list(&sysctl::host_path_of("net/ipv4/conf"))? {
            host.interfaces = Some(names.into_iter().filter(|n| !matches!(n.as_str(), "all" | "default")).collect());
        }
        let mut keys = match family {
            Family::V4 => vec![IP_FORWARD.to_string(), conf("all", "forwarding"), conf("all", "rp_filter")],
            Family::V6 => vec![IPV6_FORWARDING.to_string()],
        };
        if family == Family::V4 {
            for i in host.interfaces.iter().flatten() {
                keys.push(conf(i, "forwarding"));
                keys.push(conf(i, "rp_filter"));
            }
        }
        for key in keys {
            let value = sysctl::read_int(root, &key)?;
            host.sysctls.insert(key, value);
        }
        host.local = local_addresses(root)?;
        Ok(host)
    }

    /// A sysctl's value; `None` when it was not read or its file is missing.
    pub fn sysctl(&self, key: &str) -> Option<i64> {
        self.sysctls.get(key).copied().flatten()
    }

    /// Where a sysctl lives under the root, for messages.
    pub fn sysctl_path(&self, key: &str) -> PathBuf {
        sysctl::path_of(&self.root, key)
    }

    /// `rp_filter` as the kernel applies it on `iface`: the larger of `conf/all` and the interface's.
    pub fn rp_filter(&self, iface: &str) -> Option<i64> {
        Some(self.sysctl(&conf("all", "rp_filter"))?.max(self.sysctl(&conf(iface, "rp_filter"))?))
    }
}

/// `<root>/proc/net/fib_trie` (IPv4) and `<root>/proc/net/if_inet6` (IPv6); `None` when neither
/// exists.
fn local_addresses(root: &HostRoot) -> Result<Option<Vec<IpAddr>>, InputError> {
    let mut found = None;
    for (file, parse) in [
        ("/proc/net/fib_trie", crate::vantage::parse_fib_trie as fn(&str) -> Vec<IpAddr>),
        ("/proc/net/if_inet6", crate::vantage::parse_if_inet6),
    ] {
        let path = root.join(file);
        if let Some(bytes) = root.read(file, Kind::ProcTable)?.file_or_missing(&path, Kind::ProcTable)? {
            found.get_or_insert_with(Vec::new).extend(parse(&String::from_utf8_lossy(&bytes)));
        }
    }
    Ok(found.map(|mut v: Vec<IpAddr>| {
        v.retain(|ip| !ip.is_loopback());
        v.sort();
        v.dedup();
        v
    }))
}

/// How the interface the pool's traffic arrives on was found.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum InboundFrom {
    /// `--interface`.
    Flag,
    /// The route back to the pool: the path is assumed to be symmetric.
    RouteBack,
    /// The routes back to the pool use several interfaces (or there are none): pass `--interface`.
    Unknown,
}

/// How this host routes the answers to part of one pool entry.
#[derive(Debug, Clone, Serialize)]
pub struct Back {
    pub entry: IpNet,
    pub addresses: Vec<IpNet>,
    /// `None`: no route (or an unreachable/blackhole one) takes them.
    pub iface: Option<String>,
    pub gateway: Option<IpAddr>,
}

/// The path a forwarded connection takes through this host.
#[derive(Debug, Clone, Serialize)]
pub struct ForwardPath {
    pub inbound: Option<String>,
    pub inbound_from: InboundFrom,
    /// The interface and next hop of the route to the target; `None` without one.
    pub outbound: Option<String>,
    pub outbound_gateway: Option<IpAddr>,
    /// The routes back to the pool (the pool entries of the target's family), piece by piece;
    /// empty when this family's routes are unknown.
    pub back: Vec<Back>,
    /// This host's addresses the pool's connections arrive at (on the inbound interface, else
    /// all of the family); empty when unknown.
    pub arrival: Vec<IpAddr>,
    pub routes_known: bool,
}

impl ForwardPath {
    /// Works out the path of a connection from `entries` to `spec` through `host`.
    pub fn of(host: &HostState, spec: &ForwardSpec, entries: &[IpNet], interface: Option<&str>) -> ForwardPath {
        let family = Family::of(spec.target);
        let routes_known = host.routes.knows(family);
        let out: Option<&Route> = if routes_known { host.routes.lookup(spec.target) } else { None };
        let mut back = Vec::new();
        if routes_known {
            for entry in entries.iter().filter(|e| Family::of_net(e) == family) {
                for (spans, route) in host.routes.routes_for(entry) {
                    back.push(Back {
                        entry: *entry,
                        addresses: spans.cidrs(family),
                        iface: route.map(|r| r.iface.clone()),
                        gateway: route.and_then(|r| r.gateway),
                    });
                }
            }
        }
        let (inbound, inbound_from) = match interface {
            Some(i) => (Some(i.to_string()), InboundFrom::Flag),
            None => {
                let mut ifaces: Vec<&str> = back.iter().filter_map(|b| b.iface.as_deref()).collect();
                ifaces.sort_unstable();
                ifaces.dedup();
                // Pieces with no route back cannot connect at all (forward.return-path says so);
                // the others decide.
                match ifaces.as_slice() {
                    [one] => (Some((*one).to_string()), InboundFrom::RouteBack),
                    _ => (None, InboundFrom::Unknown),
                }
            }
        };
        let of_family: Vec<IpAddr> =
            host.local.iter().flatten().copied().filter(|ip| Family::of(*ip) == family).collect();
        let on_inbound: Vec<IpAddr> = match &inbound {
            Some(i) => of_family.iter().copied().filter(|ip| host.routes.on_link(*ip, i)).collect(),
            None => Vec::new(),
        };
        ForwardPath {
            inbound,
            inbound_from,
            outbound: out.map(|r| r.iface.clone()),
            outbound_gateway: out.and_then(|r| r.gateway),
            back,
            arrival: if on_inbound.is_empty() { of_family } else { on_inbound },
            routes_known,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    use std::path::Path;

    fn write(root: &Path, rel: &str, text: &str) {
        let p = root.join(rel);
        std::fs::create_dir_all(p.parent().expect("parent")).expect("mkdir");
        std::fs::write(p, text).expect("write");
    }

    const ROUTE: &str = "Iface\tDestination\tGateway \tFlags\tRefCnt\tUse\tMetric\tMask\t\tMTU\tWindow\tIRTT\n\
v-fw-out\t007100CB\t00000000\t0001\t0\t0\t0\t00FFFFFF\t0\t0\t0\n\
v-fw-in\t000200C0\t00000000\t0001\t0\t0\t0\t00FFFFFF\t0\t0\t0\n";

    const FIB: &str = "Main:\n  +-- 0.0.0.0/0 3 0 5\n     +-- 192.0.2.0/24 2 0 2\n        |-- 192.0.2.1\n           /32 host LOCAL\n     +-- 203.0.113.0/24 2 0 2\n        |-- 203.0.113.1\n           /32 host LOCAL\n";

    fn forwarder(root: &Path) {
        write(root, "proc/net/route", ROUTE);
        write(root, "proc/net/fib_trie", FIB);
        write(root, "proc/sys/net/ipv4/ip_forward", "1\n");
        for i in ["all", "v-fw-out", "v-fw-in"] {
            write(root, &format!("proc/sys/net/ipv4/conf/{i}/forwarding"), "1\n");
            write(root, &format!("proc/sys/net/ipv4/conf/{i}/rp_filter"), "0\n");
        }
    }

    #[test]
    fn reads_a_forwarder_and_finds_its_path() {
        let dir = tempfile::tempdir().expect("tempdir");
        forwarder(dir.path());
        write(dir.path(), "proc/sys/net/ipv4/conf/v-fw-out/rp_filter", "1\n");
        let host = HostState::read(&HostRoot::new(dir.path()), Family::V4).expect("reads");
        assert_eq!(host.interfaces.as_deref(), Some(&["v-fw-in".to_string(), "v-fw-out".to_string()][..]));
        assert_eq!(host.sysctl(IP_FORWARD), Some(1));
        assert_eq!(host.rp_filter("v-fw-out"), Some(1));
        let spec = ForwardSpec::parse("16443:192.0.2.50:6443").expect("spec");
        let pool: Vec<IpNet> = vec!["203.0.113.30/32".parse().expect("net"), "2001:db8::/64".parse().expect("net")];
        let path = ForwardPath::of(&host, &spec, &pool, None);
        assert_eq!((path.inbound.as_deref(), path.inbound_from), (Some("v-fw-out"), InboundFrom::RouteBack));
        assert_eq!(path.outbound.as_deref(), Some("v-fw-in"));
        assert_eq!(path.arrival, vec!["203.0.113.1".parse::<IpAddr>().expect("ip")]);
        assert_eq!(path.back.len(), 1, "the IPv6 entry is not forwarded to an IPv4 target");
        // An entry no route reaches does not decide the inbound interface; routes by two do.
        let pool: Vec<IpNet> = vec!["203.0.113.30/32".parse().expect("net"), "198.51.100.0/24".parse().expect("net")];
        let path = ForwardPath::of(&host, &spec, &pool, None);
        assert_eq!((path.inbound.as_deref(), path.inbound_from), (Some("v-fw-out"), InboundFrom::RouteBack));
        assert_eq!(path.back[1].iface, None);
        let pool: Vec<IpNet> = vec!["203.0.113.30/32".parse().expect("net"), "192.0.2.9/32".parse().expect("net")];
        let path = ForwardPath::of(&host, &spec, &pool, None);
        assert_eq!((path.inbound, path.inbound_from), (None, InboundFrom::Unknown));
    }

    #[test]
    fn missing_files_are_unknown_and_malformed_ones_are_errors() {
        let dir = tempfile::tempdir().expect("tempdir");
        let host = HostState::read(&HostRoot::new(dir.path()), Family::V4).expect("an empty root reads");
        assert_eq!((host.sysctl(IP_FORWARD), host.interfaces.clone(), host.local.clone()), (None, None, None));
        assert!(!host.routes.knows(Family::V4));
        let spec = ForwardSpec::parse("16443:192.0.2.50:6443").expect("spec");
        let path = ForwardPath::of(&host, &spec, &["203.0.113.30/32".parse().expect("net")], None);
        assert!(!path.routes_known && path.back.is_empty() && path.outbound.is_none());

        forwarder(dir.path());
        write(dir.path(), "proc/sys/net/ipv4/conf/v-fw-in/forwarding", "on\n");
        let err = HostState::read(&HostRoot::new(dir.path()), Family::V4).expect_err("malformed");
        assert!(err.to_string().contains("v-fw-in/forwarding:1:"), "{err}");
        forwarder(dir.path());
        write(dir.path(), "proc/net/route", "Iface\tDestination\neth0 XYZ 0 1 0 0 0 0\n");
        let err = HostState::read(&HostRoot::new(dir.path()), Family::V4).expect_err("malformed");
        assert!(err.to_string().contains("route:2:"), "{err}");
    }
}
