//! `ipset save` dumps: any input gives sets or an error with a line, never a panic; every set
//! resolves to a match.
#![no_main]

use k8sjoin_check::firewall::ipset::IpsetDb;
use k8sjoin_check::firewall::model::Side;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data)
        && let Ok(db) = IpsetDb::parse(text, "sets.txt")
    {
        for name in text.split_whitespace().take(64) {
            let _ = db.matcher(name, &[Side::Src], false);
            let _ = db.matcher(name, &[Side::Src, Side::Dst], true);
        }
    }
});
