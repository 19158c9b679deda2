//! Security group JSON: any input gives a layer or an error with a line, never a panic.
#![no_main]

#[path = "judge.rs"]
mod judge;

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data)
        && let Ok(layer) = k8sjoin_check::firewall::ecs_sg::parse(text, "sg.json")
    {
        judge::check(&layer);
    }
});
