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

/// firewalld as Debian ships it (the package's `usr/lib/firewalld` beside an `etc/firewalld` with
/// the package's `firewalld.conf` default) loads without an input error, its services from the
/// tree (ipsec's protocol-only ports among them). The tree is a copy in a temporary directory.
#[test]
fn stock_firewalld_loads() {
    if !prerequisites("stock_firewalld_loads", &[Need::Command("firewall-offline-cmd")]) {
        return;
    }
    let dir = tempfile::tempdir().expect("tempdir");
    let tree = dir.path();
    std::fs::create_dir_all(tree.join("usr/lib")).expect("mkdir");
    std::fs::create_dir_all(tree.join("etc/firewalld")).expect("mkdir");
    let o = Command::new("cp").arg("-a").arg("/usr/lib/firewalld").arg(tree.join("usr/lib/")).output().expect("cp");
    assert!(o.status.success());
    std::fs::write(tree.join("etc/firewalld/firewalld.conf"), "DefaultZone=public\n").expect("write");
    let regions = format!("{}/tests/fixtures/firewall/regions.json", env!("CARGO_MANIFEST_DIR"));
    let o = common::bin()
        .args(["--regions-file", &regions, "--region", "doc-fw-1", "--apiserver", "192.0.2.1:6443"])
        .args(["--only", "firewall.allowlist", "--format", "json", "--firewall"])
        .arg(format!("firewalld:{}", tree.join("etc/firewalld").display()))
        .output()
        .expect("runs");
    assert_ne!(o.status.code(), Some(2), "{}", common::stderr(&o));
    let report: serde_json::Value = serde_json::from_slice(&o.stdout).expect("json");
    // The stock public zone admits ssh and dhcpv6-client only: the pool is denied, not unknown.
    assert_eq!(common::check(&report, "firewall.allowlist")["status"], "fail");
}
