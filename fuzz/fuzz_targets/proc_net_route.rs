//! `/proc/net/route` and `/proc/net/ipv6_route`: routes or an error with a line, never a panic;
//! a lookup and the split of a network by the routes partition it exactly.
#![no_main]

use std::path::Path;

use k8sjoin_check::firewall::ranges::Spans;
use k8sjoin_check::forward::route::{RouteTable, parse_v4, parse_v6};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let mut routes = Vec::new();
    if let Ok(v4) = parse_v4(text, Path::new("route")) {
        routes.extend(v4);
    }
    if let Ok(v6) = parse_v6(text, Path::new("ipv6_route")) {
        routes.extend(v6);
    }
    let table = RouteTable { routes, missing: Vec::new() };
    for net in ["198.51.100.0/24", "0.0.0.0/0", "2001:db8::/32"] {
        // The type comes from `routes_for` (the fuzz crate does not depend on ipnet itself).
        let net = net.parse().expect("net");
        let pieces = table.routes_for(&net);
        let _ = table.lookup(net.network());
        let mut covered = Spans::new();
        for (s, _) in &pieces {
            assert!(!covered.overlaps(s), "pieces overlap");
            covered = covered.union(s);
        }
        assert_eq!(covered, Spans::net(&net), "pieces cover the network");
    }
});
