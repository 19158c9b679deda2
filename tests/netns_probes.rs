//! Probes that need the kernel as a partner: SYN-dropping firewalls and ICMP privileges, inside
//! network namespaces this test creates (documentation addresses only; nothing leaves them).

mod common;

mod servers;

use common::{Need, Netns, check, prerequisites, veth};
use serde_json::Value;
use servers::blackhole_pair;

fn report_of(out: &std::process::Output) -> Value {
    common::report_json(&out.stdout)
        .unwrap_or_else(|e| panic!("{e}: stdout={} stderr={}", common::stdout(out), common::stderr(out)))
}

#[test]
fn sixteen_blackholed_addresses_cost_one_timeout_not_sixteen() {
    if !prerequisites("sixteen_blackholed_addresses", &[Need::Root, Need::Command("ip"), Need::Command("iptables")]) {
        return;
    }
    let (client, _server) = blackhole_pair();
    let out = client
        .command(env!("CARGO_BIN_EXE_k8sjoin-check"))
        .args(["--region", "cn-hangzhou", "--format", "json", "--timeout", "1s"])
        .args([
            "--apiserver",
            "https://blackhole.k8sjoin.test:6443",
            "--only",
            "apiserver.tcp",
            "--only",
            "apiserver.dns",
        ])
        .output()
        .unwrap();
    let report = report_of(&out);
    let dns = check(&report, "apiserver.dns");
    assert_eq!(dns["evidence"]["a"]["addresses"].as_array().map(Vec::len), Some(16), "{dns}");
    let tcp = check(&report, "apiserver.tcp");
    assert_eq!(tcp["status"], "fail", "{tcp}");
    let attempts = tcp["evidence"]["attempts"].as_array().unwrap();
    assert_eq!(attempts.len(), 16);
    assert!(attempts.iter().all(|a| a["error"]["kind"] == "timed-out"), "{tcp}");
    let took = tcp["duration_ms"].as_u64().unwrap();
    assert!((1000..2500).contains(&took), "16 blackholed connects took {took} ms: they must run concurrently");
    assert!(tcp["remediation"][0].as_str().unwrap().contains("drops the SYN"), "{tcp}");
}

#[test]
fn icmp_without_privilege_is_skipped_naming_what_is_missing() {
    if !prerequisites("icmp_without_privilege", &[Need::Root, Need::Command("ip"), Need::Command("setpriv")]) {
        return;
    }
    let ns = Netns::new("icmp");
    // A new namespace starts with ping_group_range "1 0": no group may open ping sockets.
    let run_as_nobody = || {
        let out = ns
            .command("setpriv")
            .args(["--reuid=65534", "--regid=65534", "--clear-groups", "--inh-caps=-all", "--"])
            .arg(env!("CARGO_BIN_EXE_k8sjoin-check"))
            .args(["--region", "cn-hangzhou", "--format", "json", "--timeout", "1s"])
            .args(["--apiserver", "127.0.0.1:6443", "--only", "apiserver.icmp"])
            .output()
            .unwrap();
        check(&report_of(&out), "apiserver.icmp").clone()
    };
    let icmp = run_as_nobody();
    assert_eq!(icmp["status"], "skip", "{icmp}");
    let message = icmp["message"].as_str().unwrap();
    assert!(message.contains("CAP_NET_RAW (missing)"), "{message}");
    assert!(message.contains("net.ipv4.ping_group_range (now \"1 0\"; this process's groups: 65534)"), "{message}");

    ns.exec_ok("sysctl -qw net.ipv4.ping_group_range='0 2147483647'");
    let icmp = run_as_nobody();
    assert_eq!(icmp["status"], "pass", "the unprivileged socket works once the range admits the group: {icmp}");
}

#[test]
fn icmp_reports_rtt_and_warns_when_echo_is_filtered() {
    if !prerequisites("icmp_rtt", &[Need::Root, Need::Command("ip"), Need::Command("iptables")]) {
        return;
    }
    let a = Netns::new("pa");
    let b = Netns::new("pb");
    veth(&a, "pa0", "198.51.100.1/24", &b, "pb0", "198.51.100.2/24");
    let ping = || {
        let out = a
            .command(env!("CARGO_BIN_EXE_k8sjoin-check"))
            .args(["--region", "cn-hangzhou", "--format", "json", "--timeout", "1s"])
            .args(["--apiserver", "198.51.100.2:6443", "--only", "apiserver.icmp"])
            .output()
            .unwrap();
        check(&report_of(&out), "apiserver.icmp").clone()
    };
    let icmp = ping();
    assert_eq!(icmp["status"], "pass", "{icmp}");
    assert_eq!(icmp["evidence"]["pings"][0]["received"], 3, "{icmp}");
    b.exec_ok("iptables -A INPUT -p icmp --icmp-type echo-request -j DROP");
    let icmp = ping();
    assert_eq!(icmp["status"], "warn", "{icmp}");
    assert!(icmp["message"].as_str().unwrap().contains("no echo reply from 198.51.100.2"), "{icmp}");
}
