//! Cost of the forwarding judgements on a kube-proxy-like forwarder: the DNAT (prerouting nat
//! chains), the FORWARD filter (every packet of the forwarded connection) and the SNAT
//! (postrouting nat chains), for the IPv4 pools of all 16 regions at once.
//!
//! The dump is the one `benches/firewall.rs` uses (1k, 10k, 100k rules of kube-proxy services),
//! with a forwarder's three rules added behind kube-proxy's own jumps, so that every judgement
//! walks the kube-proxy chains first. Best of three runs, in this process.
//!
//! Run: `cargo bench --bench forward` (sizes: `-- 1000 10000`). Nothing is sent on any network.
#![expect(clippy::expect_used, reason = "a test or benchmark: a panic is the failure report")]

#[path = "common/kube_proxy.rs"]
mod kube_proxy;

use std::net::IpAddr;
use std::time::Instant;

use k8sjoin_check::firewall::analysis::{Request, judge_entries};
use k8sjoin_check::firewall::eval::{Flow, Packet};
use k8sjoin_check::firewall::ipset::IpsetDb;
use k8sjoin_check::firewall::iptables;
use k8sjoin_check::firewall::nat::{NatResult, judge_nat};
use k8sjoin_check::firewall::ranges::{AddrSet, Family};
use k8sjoin_check::region::{PoolPart, RegionTable};

/// kube-proxy's dump with a forwarder of 16443 to 192.0.2.50:6443 added.
fn forwarder_dump(rules: usize) -> String {
    let dump = kube_proxy::synthetic_dump(rules);
    let after = |dump: String, line: &str, add: &str| {
        assert!(dump.contains(line), "the dump has {line}");
        dump.replace(line, &format!("{line}{add}"))
    };
    let dump = after(
        dump,
        "-A PREROUTING -m comment --comment \"kubernetes service portals\" -j KUBE-SERVICES\n",
        "-A PREROUTING -d 203.0.113.1/32 -p tcp -m tcp --dport 16443 -j DNAT --to-destination 192.0.2.50:6443\n",
    );
    let dump = after(
        dump,
        "-A POSTROUTING -m comment --comment \"kubernetes postrouting rules\" -j KUBE-POSTROUTING\n",
        "-A POSTROUTING -d 192.0.2.50/32 -o eth1 -p tcp -m tcp --dport 6443 -j MASQUERADE\n",
    );
    after(
        dump,
        "-A FORWARD -m comment --comment \"kubernetes forwarding rules\" -j KUBE-FORWARD\n",
        "-A FORWARD -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT\n-A FORWARD -d 192.0.2.50/32 -p tcp -m tcp --dport 6443 -m conntrack --ctstate DNAT -j ACCEPT\n",
    )
}

fn ms(since: Instant) -> f64 {
    since.elapsed().as_secs_f64() * 1e3
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).filter(|a| a != "--bench").collect();
    let sizes: Vec<usize> = {
        let v: Vec<usize> = args.iter().filter_map(|a| a.parse().ok()).collect();
        if v.is_empty() { vec![1_000, 10_000, 100_000] } else { v }
    };
    let table = RegionTable::embedded().expect("embedded table");
    let pool: Vec<_> = table
        .regions
        .iter()
        .flat_map(|r| r.pool(PoolPart::Both))
        .filter(|e| Family::of_net(&e.entry) == Family::V4)
        .collect();
    let spans = AddrSet::of_nets(pool.iter().map(|e| &e.entry)).get(Family::V4).clone();
    let target: [IpAddr; 1] = ["192.0.2.50".parse().expect("ip")];
    let arrival: [IpAddr; 1] = ["203.0.113.1".parse().expect("ip")];
    let flow =
        Flow { listen_port: 16443, port: 6443, arrival: &arrival, in_iface: Some("eth0"), out_iface: Some("eth1") };
    let req = Request { port: 6443, destinations: &target, interface: Some("eth0"), flow: Some(flow), routes: None };
    println!("forwarding judgements: {} IPv4 pool entries of all 16 regions, best of 3", pool.len());
    println!(
        "{:>8} {:>10} {:>9} {:>11} {:>9} {:>10}",
        "rules", "parse ms", "dnat ms", "filter ms", "snat ms", "total ms"
    );
    for size in sizes {
        let dump = forwarder_dump(size);
        let mut best: Option<[f64; 4]> = None;
        let mut rules = 0;
        for _ in 0..3 {
            let started = Instant::now();
            let layer = iptables::parse(dump.clone(), "bench", &IpsetDb::default()).expect("parses");
            let parse = ms(started);
            rules = layer.rules();
            let layers = [layer];

            let started = Instant::now();
            let packet = Packet::arriving(Family::V4, 16443, Some(arrival[0]), Some("eth0"));
            let dnat = judge_nat(&layers, &spans, &packet);
            let dnat_ms = ms(started);
            assert!(
                dnat.iter().all(|(_, r)| matches!(r, NatResult::Translated { to, .. } if to.single(16443) == Some((target[0], 6443)))),
                "every entry is translated: {dnat:?}"
            );

            let started = Instant::now();
            let (results, _) = judge_entries(&layers, &pool, &req);
            let filter_ms = ms(started);
            assert!(
                results.iter().all(|r| r.denied.is_empty() && r.unknown.is_empty()),
                "the FORWARD chain admits the pool"
            );

            let started = Instant::now();
            let snat = judge_nat(&layers, &spans, &Packet::leaving(&flow, Family::V4, Some(target[0])));
            let snat_ms = ms(started);
            assert!(snat.iter().all(|(_, r)| matches!(r, NatResult::Translated { .. })), "masqueraded: {snat:?}");

            let run = [parse, dnat_ms, filter_ms, snat_ms];
            if best.is_none_or(|b| run.iter().sum::<f64>() < b.iter().sum::<f64>()) {
                best = Some(run);
            }
        }
        let [parse, dnat, filter, snat] = best.expect("ran");
        println!(
            "{rules:>8} {parse:>10.1} {dnat:>9.2} {filter:>11.2} {snat:>9.2} {:>10.1}",
            parse + dnat + filter + snat
        );
    }
}
