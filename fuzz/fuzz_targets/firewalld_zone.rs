//! firewalld zone XML: any input gives a layer or an error with a line, never a panic.
#![no_main]

#[path = "judge.rs"]
mod judge;

use k8sjoin_check::firewall::ipset::IpsetDb;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data)
        && let Ok(layer) = k8sjoin_check::firewall::firewalld::parse_zone_file(text, "public.xml", &IpsetDb::default())
    {
        judge::check(&layer);
    }
});
