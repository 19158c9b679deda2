//! Windows port proxy output (`netsh interface portproxy show v4tov4`, any bytes: UTF-8, UTF-16
//! with a byte-order mark, binary): rules or an error, never a panic; every rule has real ports
//! and the line it came from.
#![no_main]

use std::path::Path;

use k8sjoin_check::forward::portproxy::{decode, parse};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let path = Path::new("portproxy.txt");
    if let Ok(text) = decode(data, path)
        && let Ok(rules) = parse(&text, path)
    {
        let lines = text.lines().count();
        for r in rules {
            assert!(r.listen_port > 0 && r.connect_port > 0);
            assert!(r.line >= 1 && r.line <= lines);
        }
    }
});
