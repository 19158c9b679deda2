//! The real `ufw`, run inside a network namespace of this test, makes the rules; the tool reads
//! its `iptables-save` / `ip6tables-save` (no exit 2), judges them as the kernel does, and its fix on
//! a ufw host is a `ufw` command that, applied, lets the denied sources connect.
//!
//! ufw keeps its configuration in `/etc/ufw`: every ufw command here runs in a private mount
//! namespace where a copy of it (in a temporary directory) is bind-mounted over `/etc/ufw`, so the
//! host's configuration and firewall are never touched. Traffic: documentation addresses over a
//! veth pair between two namespaces this test creates.
#![allow(clippy::expect_used, clippy::unwrap_used)] // in tests a panic is the failure report
mod common;

use std::path::Path;

use common::{Need, Netns, check, prerequisites, veth};

const SERVER: &str = "192.0.2.1";

/// Runs `script` in `ns` with the test's copy of `/etc/ufw` in place of the host's.
fn in_ufw(ns: &Netns, etc_ufw: &Path, script: &str) -> String {
    let file = etc_ufw.with_extension("sh");
    std::fs::write(&file, format!("set -e\nmount --bind {} /etc/ufw\n{script}\n", etc_ufw.display())).expect("write");
    ns.exec_ok(&format!("unshare -m --propagation private sh {}", file.display()))
}

/// Connects from each source to SERVER:6443 (python, as the agent: one byte back means connected).
fn connects(cli: &Netns, sources: &[&str]) -> Vec<bool> {
    let script = format!(
        "/usr/bin/python3 - <<'EOF'\nimport socket\nfor src in {sources:?}:\n    s = socket.socket()\n    s.settimeout(0.3)\n    try:\n        s.bind((src, 0)); s.connect(('{SERVER}', 6443)); ok = s.recv(1) == b'k'\n    except OSError:\n        ok = False\n    print(src, ok)\n    s.close()\nEOF"
    );
    let out = cli.exec_ok(&script);
    out.lines().map(|l| l.ends_with("True")).collect()
}

fn allowlist(dir: &Path, dump: &Path) -> serde_json::Value {
    let regions = dir.join("regions.json");
    let doc = serde_json::json!({"source": "ufw test (documentation addresses)", "updated": "2026-12-01",
        "regions": [{"id": "doc-ufw", "name_zh": "文档(ufw)", "name_en": "Documentation (ufw)",
                     "public_ips": ["203.0.113.7"], "private_cidrs": ["198.51.100.0/26"], "vpc_supported": true}]});
    std::fs::write(&regions, doc.to_string()).expect("write");
    let o = common::bin()
        .args(["--regions-file", regions.to_str().expect("utf-8"), "--region", "doc-ufw"])
        .args(["--apiserver", &format!("{SERVER}:6443"), "--interface", "eth0", "--only", "firewall.allowlist"])
        .args(["--format", "json", "--firewall", &format!("iptables:{}", dump.display())])
        .output()
        .expect("runs");
    assert_ne!(o.status.code(), Some(2), "exit 2 on ufw's rules: {}", common::stderr(&o));
    let report: serde_json::Value = serde_json::from_slice(&o.stdout).expect("json");
    check(&report, "firewall.allowlist").clone()
}

#[test]
fn real_ufw_rules_are_read_judged_and_fixed_with_ufw() {
    let needs = [Need::Root, Need::Command("ip"), Need::Command("ufw"), Need::Command("unshare")];
    if !prerequisites("real_ufw_rules_are_read_judged_and_fixed_with_ufw", &needs) {
        return;
    }
    let dir = tempfile::tempdir().expect("tempdir");
    let etc_ufw = dir.path().join("etc-ufw");
    common::sh(&format!("cp -a /etc/ufw {}", etc_ufw.display()));
    let srv = Netns::new("ufws");
    let cli = Netns::new("ufwc");
    veth(&srv, "eth0", &format!("{SERVER}/24"), &cli, "eth0", "192.0.2.2/24");
    cli.exec_ok("ip addr add 198.51.100.5/32 dev eth0 && ip addr add 198.51.100.20/32 dev eth0 && ip addr add 203.0.113.7/32 dev eth0");
    srv.exec_ok("ip route add 198.51.100.0/24 dev eth0 && ip route add 203.0.113.0/24 dev eth0");
    // The rules of the corpus's ufw dumps, made by ufw itself.
    in_ufw(
        &srv,
        &etc_ufw,
        "ufw --force enable && ufw allow 22/tcp && ufw allow from 198.51.100.0/26 to any port 6443 proto tcp && \
ufw insert 1 deny from 198.51.100.16/28 && ufw limit 2222/tcp",
    );
    let listener = srv
        .command("/usr/bin/python3")
        .args(["-c", "import socket\ns=socket.socket(socket.AF_INET6)\ns.bind(('::',6443))\ns.listen(64)\nwhile True:\n    c,_=s.accept(); c.send(b'k'); c.close()"])
        .spawn()
        .expect("listener");
    struct Kill(std::process::Child);
    impl Drop for Kill {
        fn drop(&mut self) {
            let _ = self.0.kill();
            let _ = self.0.wait();
        }
    }
    let _listener = Kill(listener);
    std::thread::sleep(std::time::Duration::from_millis(300));

    for (save, file) in [("iptables-save", "v4.rules"), ("ip6tables-save", "v6.rules")] {
        std::fs::write(dir.path().join(file), srv.exec_ok(save)).expect("write");
    }
    let v6 = allowlist(dir.path(), &dir.path().join("v6.rules"));
    assert!(v6["status"].is_string(), "{v6}");
    let v4 = allowlist(dir.path(), &dir.path().join("v4.rules"));
    assert_eq!(v4["status"], "fail", "{v4}");
    let sources = ["198.51.100.5", "198.51.100.20", "203.0.113.7"];
    // The kernel: .5 admitted by ufw's allow, .20 by nothing (ufw's deny comes first), .7 neither.
    assert_eq!(connects(&cli, &sources), [true, false, false]);
    let remediation: Vec<String> = v4["remediation"]
        .as_array()
        .expect("remediation")
        .iter()
        .filter_map(|r| r.as_str().map(str::to_string))
        .collect();
    let commands: Vec<&String> = remediation.iter().filter(|r| !r.starts_with('#')).collect();
    assert!(!commands.is_empty() && commands.iter().all(|c| c.starts_with("ufw ")), "{remediation:?}");
    for c in &commands {
        in_ufw(&srv, &etc_ufw, c);
    }
    assert_eq!(connects(&cli, &sources), [true, true, true], "after {commands:?}");
}
