//! The region table loader must reject any input with an error, never panic.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        let _ = k8sjoin_check::region::RegionTable::parse(text, "fuzz.json");
    }
});
