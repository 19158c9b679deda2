//! Shared by the firewall fuzz targets: whatever a parser accepts, the evaluator must judge
//! without panicking, and its answer must be a partition of the judged addresses: for a connection
//! to this host, for one it forwards, and for the nat chains that translate it.

use k8sjoin_check::firewall::Layer;
use k8sjoin_check::firewall::analysis::{Request, judge_family};
use k8sjoin_check::firewall::eval::{Flow, Packet};
use k8sjoin_check::firewall::nat::judge_nat;
use k8sjoin_check::firewall::ranges::{Family, Spans};

pub fn check(layer: &Layer) {
    let layers = std::slice::from_ref(layer);
    let flow = Flow { listen_port: 16443, port: 6443, arrival: &[], in_iface: None, out_iface: Some("eth1") };
    for req in [
        Request { port: 6443, destinations: &[], interface: None, flow: None, routes: None },
        Request { port: 6443, destinations: &[], interface: Some("eth0"), flow: Some(flow), routes: None },
    ] {
        for family in Family::BOTH {
            let all = family.all();
            let j = judge_family(layers, family, &all, &req);
            let (a, d, u) = (j.admitted_set(), j.denied_set(), j.unknown_set());
            assert!(!a.overlaps(&d) && !a.overlaps(&u) && !d.overlaps(&u), "verdicts overlap");
            assert_eq!(a.union(&d).union(&u), all, "every address gets a verdict");
        }
    }
    for family in Family::BOTH {
        let all = family.all();
        for packet in [Packet::arriving(family, 16443, None, None), Packet::leaving(&flow, family, None)] {
            let mut covered = Spans::new();
            for (s, _) in judge_nat(layers, &all, &packet) {
                assert!(!covered.overlaps(&s), "nat results overlap");
                covered = covered.union(&s);
            }
            assert_eq!(covered, all, "every address gets a nat result");
        }
    }
}
