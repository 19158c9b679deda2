//! iptables-save text: any input gives a layer or an error with a line, never a panic.
#![no_main]

#[path = "judge.rs"]
mod judge;

use k8sjoin_check::firewall::ipset::IpsetDb;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        let sets = IpsetDb::parse("create s hash:net family inet\nadd s 198.51.100.0/24\n", "sets").expect("valid sets");
        if let Ok(layer) = k8sjoin_check::firewall::iptables::parse(text, "fuzz.txt", &sets) {
            judge::check(&layer);
        }
    }
});
