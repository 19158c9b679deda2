//! The main routing table from `/proc/net/route` and `/proc/net/ipv6_route`: which interface the
//! reply to an address leaves by. Policy routing (`ip rule`) is not modelled; checks that rely on a
//! lookup say so in their evidence.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::path::{Path, PathBuf};

use ipnet::IpNet;

use crate::error::InputError;
use crate::firewall::ranges::{Family, Spans};
use crate::hostfs::{HostRoot, Kind};
use crate::i18n::Text;
use crate::t;

const RTF_UP: u32 = 0x0001;
const RTF_REJECT: u32 = 0x0200;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Route {
    pub iface: String,
    pub dest: IpAddr,
    pub prefix: u8,
    pub gateway: Option<IpAddr>,
    pub metric: u32,
    /// An unreachable, prohibit or blackhole route: packets taking it are dropped.
    pub reject: bool,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RouteTable {
    pub routes: Vec<Route>,
    /// The route files that do not exist under the root (their family's routes are unknown).
    pub missing: Vec<PathBuf>,
}

impl RouteTable {
    /// Reads `<root>/proc/net/route` and `<root>/proc/net/ipv6_route`; a missing file is noted in
    /// `missing`, malformed content is an input error.
    pub fn read(root: &HostRoot) -> Result<RouteTable, InputError> {
        let mut table = RouteTable::default();
        for (file, parse) in [
            ("/proc/net/route", parse_v4 as fn(&str, &Path) -> Result<Vec<Route>, InputError>),
            ("/proc/net/ipv6_route", parse_v6),
        ] {
            let path = root.join(file);
            match root.read(file, Kind::ProcTable)?.file_or_missing(&path, Kind::ProcTable)? {
                Some(bytes) => table.routes.extend(parse(&String::from_utf8_lossy(&bytes), &path)?),
                None => table.missing.push(path),
            }
        }
        Ok(table)
    }

    /// Whether the routes of `family` were read.
    pub fn knows(&self, family: Family) -> bool {
        let file = if family == Family::V4 { "route" } else { "ipv6_route" };
        !self.missing.iter().any(|p| p.file_name().is_some_and(|n| n == file))
    }

    /// How the kernel routes the addresses of `net`: the pieces each route carries (longest
    /// prefix first, then lowest metric), and `None` for the pieces no route (or only an
    /// unreachable/blackhole route) reaches.
    pub fn routes_for(&self, net: &IpNet) -> Vec<(Spans, Option<&Route>)> {
        let family = Family::of_net(net);
        let mut left = Spans::net(net);
        let mut candidates: Vec<&Route> = self.routes.iter().filter(|r| Family::of(r.dest) == family).collect();
        candidates.sort_by(|a, b| b.prefix.cmp(&a.prefix).then(a.metric.cmp(&b.metric)));
        let mut out = Vec::new();
        for r in candidates {
            if left.is_empty() {
                break;
            }
            let Ok(dest) = IpNet::new(r.dest, r.prefix) else { continue };
            let piece = left.intersect(&Spans::net(&dest.trunc()));
            if piece.is_empty() {
                continue;
            }
            left = left.difference(&piece);
            out.push((piece, (!r.reject).then_some(r)));
        }
        if !left.is_empty() {
            out.push((left, None));
        }
        out
    }

    /// The route the kernel's main table picks for `ip`: longest prefix, then lowest metric;
    /// `None` when no route (or an unreachable/blackhole route) takes it.
    pub fn lookup(&self, ip: IpAddr) -> Option<&Route> {
        self.routes
            .iter()
            .filter(|r| r.dest.is_ipv4() == ip.is_ipv4() && contains(r.dest, r.prefix, ip))
            .max_by(|a, b| a.prefix.cmp(&b.prefix).then(b.metric.cmp(&a.metric)))
            .filter(|r| !r.reject)
    }

    /// Whether `ip` is on a link of `iface` (a route without a gateway by that interface covers it).
    pub fn on_link(&self, ip: IpAddr, iface: &str) -> bool {
        self.routes
            .iter()
            .any(|r| r.iface == iface && r.gateway.is_none() && !r.reject && contains(r.dest, r.prefix, ip))
    }
}

/// The firewall evaluator follows a DNAT on the local path to the interface its target's route
/// leaves by.
impl crate::firewall::analysis::Routes for RouteTable {
    fn knows(&self, family: Family) -> bool {
        RouteTable::knows(self, family)
    }

    fn interface_to(&self, ip: IpAddr) -> Option<&str> {
        self.lookup(ip).map(|r| r.iface.as_str())
    }
}

fn contains(net: IpAddr, prefix: u8, ip: IpAddr) -> bool {
    match (net, ip) {
        (IpAddr::V4(n), IpAddr::V4(i)) => {
            let mask = if prefix == 0 { 0 } else { u32::MAX << (32 - u32::from(prefix.min(32))) };
            u32::from(n) & mask == u32::from(i) & mask
        }
        (IpAddr::V6(n), IpAddr::V6(i)) => {
            let mask = if prefix == 0 { 0 } else { u128::MAX << (128 - u32::from(prefix.min(128))) };
            u128::from(n) & mask == u128::from(i) & mask
        }
        _ => false,
    }
}

/// `Iface Destination Gateway Flags RefCnt Use Metric Mask …`, addresses as little-endian hex.
pub fn parse_v4(text: &str, path: &Path) -> Result<Vec<Route>, InputError> {
    let mut routes = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let n = i + 1;
        let f: Vec<&str> = line.split_whitespace().collect();
        if f.is_empty() || (n == 1 && f[0] == "Iface") {
            continue;
        }
        let bad = |what: Text| InputError::at(path, Some(n), t!("input-route-bad-line", what = what));
        if f.len() < 8 {
            return Err(bad(t!("input-route-fields", n = f.len())));
        }
        let hex =
            |s: &str| u32::from_str_radix(s, 16).map_err(|_| bad(t!("input-route-not-hex", value = format!("{s:?}"))));
        let le = |v: u32| Ipv4Addr::from(v.swap_bytes());
        let flags = hex(f[3])?;
        if flags & RTF_UP == 0 {
            continue;
        }
        let mask = u32::from(le(hex(f[7])?));
        if mask.leading_ones() + mask.trailing_zeros() != 32 {
            return Err(bad(t!("input-route-mask", mask = f[7])));
        }
        let gateway = le(hex(f[2])?);
        routes.push(Route {
            iface: f[0].to_string(),
            dest: IpAddr::V4(le(hex(f[1])?)),
            prefix: u8::try_from(mask.leading_ones()).unwrap_or(32),
            gateway: (!gateway.is_unspecified()).then_some(IpAddr::V4(gateway)),
            metric: f[6].parse().map_err(|_| bad(t!("input-route-metric", value = format!("{:?}", f[6]))))?,
            // Blackhole routes have no interface and no reject flag.
            reject: flags & RTF_REJECT != 0 || f[0] == "*",
        });
    }
    Ok(routes)
}

/// `dest plen src splen nexthop metric refcnt use flags iface`, all hex.
pub fn parse_v6(text: &str, path: &Path) -> Result<Vec<Route>, InputError> {
    let mut routes = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let f: Vec<&str> = line.split_whitespace().collect();
        if f.is_empty() {
            continue;
        }
        let bad = |what: Text| InputError::at(path, Some(i + 1), t!("input-route6-bad-line", what = what));
        if f.len() < 10 || f[0].len() != 32 || f[4].len() != 32 {
            return Err(bad(t!("input-route-fields", n = f.len())));
        }
        let addr = |s: &str| {
            u128::from_str_radix(s, 16)
                .map(Ipv6Addr::from)
                .map_err(|_| bad(t!("input-route-not-address", value = format!("{s:?}"))))
        };
        let num =
            |s: &str| u32::from_str_radix(s, 16).map_err(|_| bad(t!("input-route-not-hex", value = format!("{s:?}"))));
        let flags = num(f[8])?;
        let prefix = num(f[1])?;
        if flags & RTF_UP == 0 || prefix > 128 {
            continue;
        }
        let gateway = addr(f[4])?;
        routes.push(Route {
            iface: f[9].to_string(),
            dest: IpAddr::V6(addr(f[0])?),
            prefix: u8::try_from(prefix).unwrap_or(128),
            gateway: (!gateway.is_unspecified()).then_some(IpAddr::V6(gateway)),
            metric: num(f[5])?,
            reject: flags & RTF_REJECT != 0,
        });
    }
    Ok(routes)
}

#[cfg(test)]
mod tests {
    use super::*;

    const V4: &str = "Iface\tDestination\tGateway \tFlags\tRefCnt\tUse\tMetric\tMask\t\tMTU\tWindow\tIRTT\n\
v-fw-out\t007100CB\t00000000\t0001\t0\t0\t0\t00FFFFFF\t0\t0\t0\n\
v-fw-out2\t006433C6\t00000000\t0001\t0\t0\t0\t00FFFFFF\t0\t0\t0\n\
eth0\t00000000\t010200C0\t0003\t0\t0\t100\t00000000\t0\t0\t0\n";

    #[test]
    fn longest_prefix_wins() {
        let t = RouteTable { routes: parse_v4(V4, Path::new("route")).expect("parses"), missing: vec![] };
        let iface = |ip: &str| t.lookup(ip.parse().expect("ip")).map(|r| r.iface.as_str());
        assert_eq!(iface("203.0.113.30"), Some("v-fw-out"));
        assert_eq!(iface("198.51.100.7"), Some("v-fw-out2"));
        assert_eq!(iface("8.8.8.8"), Some("eth0"));
        let default = t.lookup("8.8.8.8".parse().expect("ip")).expect("route");
        assert_eq!(default.gateway, Some("192.0.2.1".parse().expect("ip")));
        // A /23 split between a specific route and the default.
        let pieces = t.routes_for(&"198.51.100.0/23".parse().expect("net"));
        let ifaces: Vec<(String, &str)> =
            pieces.iter().map(|(s, r)| (s.describe(Family::V4), r.map_or("-", |r| r.iface.as_str()))).collect();
        assert_eq!(ifaces, [("198.51.100.0/24".into(), "v-fw-out2"), ("198.51.101.0/24".into(), "eth0")]);
        assert!(t.on_link("203.0.113.1".parse().expect("ip"), "v-fw-out"));
        assert!(!t.on_link("203.0.113.1".parse().expect("ip"), "eth0"));
    }

    #[test]
    fn unreachable_routes_reach_nothing() {
        // `ip route add unreachable 198.51.100.0/24` (flags RTF_UP|RTF_REJECT) and
        // `ip route add blackhole 198.51.101.0/24` (no interface).
        let text = "Iface\tDestination\tGateway\tFlags\tRefCnt\tUse\tMetric\tMask\tMTU\tWindow\tIRTT\n\
*\t006433C6\t00000000\t0201\t0\t0\t0\t00FFFFFF\t0\t0\t0\n\
*\t006533C6\t00000000\t0001\t0\t0\t0\t00FFFFFF\t0\t0\t0\n\
eth0\t00000000\t010200C0\t0003\t0\t0\t0\t00000000\t0\t0\t0\n";
        let t = RouteTable { routes: parse_v4(text, Path::new("route")).expect("parses"), missing: vec![] };
        assert!(t.lookup("198.51.100.7".parse().expect("ip")).is_none());
        assert!(t.lookup("198.51.101.7".parse().expect("ip")).is_none());
        let pieces = t.routes_for(&"198.51.100.0/24".parse().expect("net"));
        assert!(pieces.len() == 1 && pieces[0].1.is_none(), "{pieces:?}");
    }

    #[test]
    fn v6_routes() {
        let text = "20010db8000000000000000000000000 40 00000000000000000000000000000000 00 00000000000000000000000000000000 00000100 00000001 00000000 00000001     eth0\n";
        let routes = parse_v6(text, Path::new("ipv6_route")).expect("parses");
        assert_eq!(routes[0].prefix, 64);
        assert_eq!(routes[0].dest.to_string(), "2001:db8::");
    }

    #[test]
    fn malformed_lines_name_file_and_line() {
        let err = parse_v4("Iface\tDestination\neth0\tZZZ\t0\t0001\t0\t0\t0\t0\n", Path::new("route")).unwrap_err();
        assert_eq!(err.line, Some(2));
        assert!(err.what.contains("not hexadecimal"), "{err}");
        let err = parse_v4("eth0 0 0 1\n", Path::new("route")).unwrap_err();
        assert!(err.what.contains("4 fields"), "{err}");
        assert!(parse_v6("garbage\n", Path::new("r6")).is_err());
    }
}
