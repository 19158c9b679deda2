//! The host the tool runs on: every network result is true from here, so reports name it.
//!
//! Read from /proc so that no packet is sent and no extra dependency is needed.

use std::net::{IpAddr, Ipv6Addr};

use serde::Serialize;

#[derive(Debug, Clone, Serialize)]
pub struct Vantage {
    pub hostname: String,
    /// This host's global unicast addresses (loopback and link-local left out).
    pub addresses: Vec<IpAddr>,
}

impl Vantage {
    pub fn of_this_host() -> Vantage {
        let hostname = std::fs::read_to_string("/proc/sys/kernel/hostname")
            .map(|s| s.trim().to_string())
            .unwrap_or_else(|_| "unknown".into());
        let mut addresses =
            std::fs::read_to_string("/proc/net/fib_trie").map(|t| parse_fib_trie(&t)).unwrap_or_default();
        addresses.extend(std::fs::read_to_string("/proc/net/if_inet6").map(|t| parse_if_inet6(&t)).unwrap_or_default());
        addresses.retain(|ip| !ip.is_loopback());
        addresses.sort();
        addresses.dedup();
        Vantage { hostname, addresses }
    }
}

/// Local IPv4 addresses: in `/proc/net/fib_trie`, an address line followed by `/32 host LOCAL`.
pub fn parse_fib_trie(text: &str) -> Vec<IpAddr> {
    let mut out = Vec::new();
    let mut last: Option<IpAddr> = None;
    for line in text.lines() {
        let t = line.trim_start_matches([' ', '|', '+', '-']).trim();
        if let Ok(ip) = t.parse::<IpAddr>() {
            last = Some(ip);
        } else if t.starts_with("/32 host LOCAL") {
            out.extend(last.take());
        }
    }
    out
}

/// Global IPv6 addresses from `/proc/net/if_inet6` (scope 00 = global).
pub fn parse_if_inet6(text: &str) -> Vec<IpAddr> {
    text.lines()
        .filter_map(|line| {
            let f: Vec<&str> = line.split_whitespace().collect();
            if f.len() < 6 || f[3] != "00" || f[0].len() != 32 {
                return None;
            }
            let bits = u128::from_str_radix(f[0], 16).ok()?;
            Some(IpAddr::V6(Ipv6Addr::from(bits)))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fib_trie_local_addresses() {
        let text = "Main:\n  +-- 0.0.0.0/0 3 0 5\n     |-- 0.0.0.0\n        /0 universe UNICAST\n     +-- 192.0.2.0/24 2 0 2\n        |-- 192.0.2.0\n           /24 link UNICAST\n        |-- 192.0.2.15\n           /32 host LOCAL\n";
        assert_eq!(parse_fib_trie(text), vec!["192.0.2.15".parse::<IpAddr>().expect("ip")]);
    }

    #[test]
    fn if_inet6_global_only() {
        let text = "20010db8000000000000000000000001 02 40 00 80     eth0\nfe800000000000000000000000000001 02 40 20 80     eth0\n";
        assert_eq!(parse_if_inet6(text), vec!["2001:db8::1".parse::<IpAddr>().expect("ip")]);
    }
}
