//! `allowlist`: what a user pastes to admit a region's pool, in every format, judged where possible
//! by the real tool (iptables-restore, nft) and by real connections in a network namespace.
#![expect(clippy::expect_used, reason = "a test or benchmark: a panic is the failure report")]
mod common;

use common::{Need, Netns, fixture, prerequisites, run, stderr, stdout, veth};
use serde_json::Value;

fn allowlist(args: &[&str]) -> String {
    let table = fixture("regions/doc.json");
    let mut all = vec!["--regions-file", table.to_str().expect("utf-8"), "allowlist", "--region", "doc-east-1"];
    all.extend_from_slice(args);
    let o = run(&all);
    assert!(o.status.success(), "{}", stderr(&o));
    stdout(&o)
}

#[test]
fn cidr_format_lists_every_entry() {
    assert_eq!(allowlist(&["--format", "cidr"]), "192.0.2.10/32\n192.0.2.11/32\n198.51.100.0/26\n");
    assert_eq!(allowlist(&["--format", "cidr", "--pool", "private"]), "198.51.100.0/26\n");
    assert_eq!(allowlist(&[]), allowlist(&["--format", "cidr"]), "cidr is the default");
}

#[test]
fn json_format_names_region_port_and_pools() {
    let v: Value =
        serde_json::from_str(&allowlist(&["--format", "json", "--port", "8443", "--pool", "public"])).expect("json");
    assert_eq!(v["region"], "doc-east-1");
    assert_eq!(v["port"], 8443);
    assert_eq!(v["pool"], "public");
    assert_eq!(
        v["entries"],
        serde_json::json!([{"entry": "192.0.2.10/32", "pool": "public"}, {"entry": "192.0.2.11/32", "pool": "public"}])
    );
}

#[test]
fn iptables_format_is_a_restore_fragment() {
    let text = allowlist(&["--format", "iptables"]);
    assert!(text.contains("*filter\n") && text.ends_with("COMMIT\n"), "{text}");
    for entry in ["192.0.2.10/32", "192.0.2.11/32", "198.51.100.0/26"] {
        assert!(
            text.contains(&format!("-I INPUT -s {entry} -p tcp -m tcp --dport 6443 ")),
            "{entry} admitted on 6443: {text}"
        );
    }
}

#[test]
fn firewalld_and_ecs_formats() {
    let text = allowlist(&["--format", "firewalld", "--port", "8443"]);
    assert_eq!(text.matches("--add-rich-rule='rule family=\"ipv4\" source address=").count(), 3, "{text}");
    assert!(text.contains("port port=\"8443\" protocol=\"tcp\" accept'"));
    assert!(text.trim_end().ends_with("firewall-cmd --reload"));
    let text = allowlist(&["--format", "ecs-sg"]);
    assert!(text.contains("aliyun ecs AuthorizeSecurityGroup --RegionId doc-east-1"), "{text}");
    assert!(text.contains("--Permissions.3.SourceCidrIp 198.51.100.0/26"));
    assert!(text.contains("--Permissions.1.PortRange 6443/6443") && text.contains("--Permissions.1.Policy accept"));
}

#[test]
fn iptables_fragment_passes_iptables_restore_test() {
    if !prerequisites(
        "iptables_fragment_passes_iptables_restore_test",
        &[Need::Root, Need::Command("iptables-restore")],
    ) {
        return;
    }
    let dir = tempfile::tempdir().expect("tempdir");
    let file = dir.path().join("admit.rules");
    std::fs::write(&file, allowlist(&["--format", "iptables"])).expect("write");
    let ns = Netns::new("alt");
    ns.exec_ok(&format!("iptables-restore --test --noflush < {}", file.display()));
}

/// Builds cloud and API server namespaces, closes the server's input with `close`, applies the
/// allowlist with `apply`, and returns what real connections from two pool addresses and one
/// outsider did.
fn connections_after(close: &str, apply: impl Fn(&Netns)) -> String {
    let cloud = Netns::new("alc");
    let api = Netns::new("ala");
    veth(&cloud, "alc0", "192.0.2.10/24", &api, "ala0", "192.0.2.1/24");
    cloud.exec_ok("ip addr add 192.0.2.11/24 dev alc0 && ip addr add 192.0.2.99/24 dev alc0");
    api.exec_ok(close);
    apply(&api);
    let tcp = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/support/tcp.py");
    let mut listener = api
        .command("python3")
        .args([tcp, "listen", "192.0.2.1", "6443"])
        .stdout(std::process::Stdio::piped())
        .spawn()
        .expect("listener");
    let mut ready = String::new();
    let listener_out = listener.stdout.take().expect("stdout");
    std::io::BufRead::read_line(&mut std::io::BufReader::new(listener_out), &mut ready).expect("ready");
    let out = cloud.exec_ok(&format!("python3 {tcp} connect 0.3 192.0.2.1 6443 192.0.2.10 192.0.2.11 192.0.2.99"));
    let _ = listener.kill();
    let _ = listener.wait();
    out
}

const POOL_ONLY: &str = "192.0.2.10 connected\n192.0.2.11 connected\n192.0.2.99 timeout\n";

/// Applied in a namespace whose INPUT policy is DROP, the fragment admits exactly the pool.
#[test]
fn iptables_fragment_admits_the_pool_for_real() {
    let needs = [Need::Root, Need::Command("iptables-restore"), Need::Command("python3")];
    if !prerequisites("iptables_fragment_admits_the_pool_for_real", &needs) {
        return;
    }
    let dir = tempfile::tempdir().expect("tempdir");
    let file = dir.path().join("admit.rules");
    std::fs::write(&file, allowlist(&["--format", "iptables"])).expect("write");
    let close = "iptables -P INPUT DROP && iptables -A INPUT -m conntrack --ctstate ESTABLISHED,RELATED -j ACCEPT";
    let out = connections_after(close, |api| {
        api.exec_ok(&format!("iptables-restore --noflush < {}", file.display()));
    });
    assert_eq!(out, POOL_ONLY);
}

/// The nft commands, run as a shell would run them, admit exactly the pool in a chain whose policy is drop.
#[test]
fn nft_commands_admit_the_pool_for_real() {
    let needs = [Need::Root, Need::Command("nft"), Need::Command("python3")];
    if !prerequisites("nft_commands_admit_the_pool_for_real", &needs) {
        return;
    }
    let commands = allowlist(&["--format", "nft"]);
    let close = "nft add table inet filter && nft add chain inet filter input '{ type filter hook input priority 0; policy drop; }' && nft add rule inet filter input ct state established,related accept";
    let out = connections_after(close, |api| {
        for line in commands.lines().filter(|l| !l.starts_with('#')) {
            api.exec_ok(line);
        }
    });
    assert_eq!(out, POOL_ONLY);
}

#[test]
fn bad_allowlist_arguments_exit_2() {
    let o = run(&["allowlist", "--region", "cn-hangzhou", "--format", "pf"]);
    assert_eq!(o.status.code(), Some(2));
    let o = run(&["allowlist", "--region", "cn-hangzhou", "--port", "70000"]);
    assert_eq!(o.status.code(), Some(2));
    let o = run(&["allowlist", "--region", "cn-hangzhou", "--port", "0"]);
    assert_eq!(o.status.code(), Some(2));
    let o = run(&["allowlist"]);
    assert_eq!(o.status.code(), Some(2), "--region is required");
}
