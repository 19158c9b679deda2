//! Shared by the firewall fuzz targets: whatever a parser accepts, the evaluator must judge
//! without panicking, and its answer must be a partition of the judged addresses.

use k8sjoin_check::firewall::Layer;
use k8sjoin_check::firewall::analysis::{Request, judge_family};
use k8sjoin_check::firewall::ranges::Family;

pub fn check(layer: &Layer) {
    let req = Request { port: 6443, destinations: &[], interface: None, flow: None };
    for family in Family::BOTH {
        let all = family.all();
        let j = judge_family(std::slice::from_ref(layer), family, &all, &req);
        let (a, d, u) = (j.admitted_set(), j.denied_set(), j.unknown_set());
        assert!(!a.overlaps(&d) && !a.overlaps(&u) && !d.overlaps(&u), "verdicts overlap");
        assert_eq!(a.union(&d).union(&u), all, "every address gets a verdict");
    }
}
