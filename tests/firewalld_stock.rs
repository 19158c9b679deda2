//! The built-in copy of firewalld's stock definitions (`src/firewall/firewalld_stock.rs`) is what
//! `scripts/firewalld-stock.py` makes of Debian's firewalld package: run the generator on the
//! installed package's `usr/lib/firewalld` (scripts/test.sh installs it) and compare. This test
//! reads the package's own files on purpose; no other test reads the host's firewalld.
#![allow(clippy::expect_used, clippy::unwrap_used)] // in tests a panic is the failure report
mod common;

use std::process::Command;

use common::{Need, prerequisites};

#[test]
fn built_in_firewalld_definitions_match_the_package() {
    if !prerequisites(
        "built_in_firewalld_definitions_match_the_package",
        &[Need::Command("firewall-offline-cmd"), Need::Command("dpkg-query"), Need::Command("python3")],
    ) {
        return;
    }
    let version =
        Command::new("dpkg-query").args(["-W", "-f", "${Version}", "firewalld"]).output().expect("dpkg-query");
    let version = String::from_utf8(version.stdout).expect("utf-8");
    let root = env!("CARGO_MANIFEST_DIR");
    let o = Command::new("python3")
        .args([&format!("{root}/scripts/firewalld-stock.py"), "/usr/lib/firewalld", &version])
        .output()
        .expect("generator runs");
    assert!(o.status.success(), "generator failed: {}", String::from_utf8_lossy(&o.stderr));
    let generated = String::from_utf8(o.stdout).expect("utf-8");
    let committed = std::fs::read_to_string(format!("{root}/src/firewall/firewalld_stock.rs")).expect("table");
    assert!(
        generated == committed,
        "src/firewall/firewalld_stock.rs differs from firewalld {version} as installed: regenerate it with \
scripts/firewalld-stock.py /usr/lib/firewalld {version} > src/firewall/firewalld_stock.rs"
    );
}
