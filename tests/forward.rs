//! The forwarding checks through the real binary, without privileges: copied forwarder roots
//! (`--root` trees with the sysctls and routes of a real namespace) with the rules given as
//! files, firewalld zone configurations, Windows port proxies (English and UTF-16), the report
//! against the published schema, and bad input (exit 2 naming file and line).
//!
//! `tests/forward_netns.rs` checks the same verdicts against the kernel.
#![expect(clippy::expect_used, clippy::unwrap_used, reason = "a test or benchmark: a panic is the failure report")]
mod common;

use common::check;

use common::{fixture, run, stderr, stdout};
use serde_json::Value;

const FORWARD: &str = "16443:192.0.2.50:6443";

fn path(rel: &str) -> String {
    fixture(rel).display().to_string()
}

/// Runs the forward checks for doc-fwd-1 on a fixture root with the forwarder's rules; returns
/// (exit code, report).
fn report(root: &str, extra: &[&str]) -> (i32, Value) {
    let root = path(&format!("forward/{root}"));
    let regions = path("forward/regions.json");
    let rules = format!("iptables:{}", path("forward/forwarder.rules"));
    let mut args = vec!["--root", root.as_str(), "--forward", FORWARD, "--only", "forward", "--format", "json"];
    if !extra.contains(&"--regions-file") {
        args.extend(["--regions-file", regions.as_str(), "--region", "doc-fwd-1"]);
    }
    if !extra.contains(&"--firewall") {
        args.extend(["--firewall", rules.as_str()]);
    }
    args.extend_from_slice(extra);
    let o = run(&args);
    let v: Value = common::report_json(&o.stdout).unwrap_or_else(|e| panic!("{e}: {}{}", stdout(&o), stderr(&o)));
    common::assert_valid_report(&v);
    (o.status.code().expect("exit code"), v)
}

fn statuses(report: &Value) -> Vec<(String, String)> {
    report["checks"]
        .as_array()
        .expect("checks")
        .iter()
        .map(|c| (c["id"].as_str().unwrap().to_string(), c["status"].as_str().unwrap().to_string()))
        .collect()
}

fn remediation(check: &Value) -> Vec<String> {
    check["remediation"].as_array().expect("remediation").iter().map(|r| r.as_str().unwrap().to_string()).collect()
}

#[test]
fn fixture_roots_give_the_verdicts_of_their_kernel_state() {
    // (root, extra args, ip-forward, dnat, filter, return-path, a phrase of the failing message)
    let cases: &[(&str, &[&str], [&str; 4], &str)] = &[
        ("working", &[], ["pass", "pass", "pass", "pass"], ""),
        ("ip-forward-off", &[], ["fail", "pass", "pass", "pass"], "eth0 (inbound) has forwarding = 0"),
        ("outbound-forwarding-off", &[], ["fail", "pass", "pass", "pass"], "eth1 (outbound) has forwarding = 0"),
        ("no-route-to-target", &[], ["fail", "pass", "pass", "warn"], "no route to 192.0.2.50"),
        (
            "strict-rp-filter-asymmetric",
            &["--interface", "eth0"],
            ["pass", "pass", "pass", "fail"],
            "strict reverse-path filtering (rp_filter = 1 on eth0)",
        ),
        // Without --interface the pool may arrive on either interface: the strict filter may drop it.
        ("strict-rp-filter-asymmetric", &[], ["pass", "pass", "pass", "warn"], "whether strict rp_filter"),
        ("loose-rp-filter-asymmetric", &["--interface", "eth0"], ["pass", "pass", "pass", "pass"], ""),
        ("loose-rp-filter-asymmetric", &[], ["pass", "pass", "pass", "pass"], ""),
        ("missing-sysctls", &[], ["warn", "pass", "pass", "pass"], "does not exist"),
    ];
    let ids = ["forward.ip-forward", "forward.dnat", "forward.filter", "forward.return-path"];
    for (root, extra, want, phrase) in cases {
        let (code, r) = report(root, extra);
        let got: Vec<(String, String)> = statuses(&r);
        let expected: Vec<(String, String)> =
            ids.iter().zip(want).map(|(id, s)| ((*id).to_string(), (*s).to_string())).collect();
        assert_eq!(got, expected, "{root} {extra:?}: {r:#}");
        assert_eq!(code, if want.contains(&"fail") { 1 } else { 0 }, "{root}");
        if !phrase.is_empty() {
            assert!(
                r["checks"].as_array().unwrap().iter().any(|c| c["message"].as_str().unwrap().contains(phrase)),
                "{root}: {phrase:?} in {r:#}"
            );
        }
    }
}

#[test]
fn failures_carry_immediate_and_persistent_fixes() {
    let (_, r) = report("ip-forward-off", &[]);
    let fix = remediation(check(&r, "forward.ip-forward"));
    assert_eq!(fix[0], "sysctl -w net.ipv4.ip_forward=1");
    assert!(fix[1].starts_with("echo 'net.ipv4.ip_forward = 1' >> /etc/sysctl.d/"), "{fix:?}");

    let (_, r) = report("outbound-forwarding-off", &[]);
    let fix = remediation(check(&r, "forward.ip-forward"));
    assert_eq!(fix[0], "sysctl -w net.ipv4.conf.eth1.forwarding=1", "{fix:?}");

    let (_, r) = report("strict-rp-filter-asymmetric", &["--interface", "eth0"]);
    let c = check(&r, "forward.return-path");
    let fix = remediation(c);
    assert_eq!(fix[0], "sysctl -w net.ipv4.conf.eth0.rp_filter=2", "{fix:?}");
    assert!(fix[1].contains("net.ipv4.conf.eth0.rp_filter = 2") && fix[1].contains("/etc/sysctl.d/"), "{fix:?}");
    assert_eq!(c["evidence"]["rp_filter"]["effective"], 1);

    // No MASQUERADE: the iptables and firewall-cmd forms, immediate and permanent.
    let rules = std::fs::read_to_string(fixture("forward/forwarder.rules")).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let without = dir.path().join("no-masquerade.rules");
    std::fs::write(&without, rules.lines().filter(|l| !l.contains("MASQUERADE")).collect::<Vec<_>>().join("\n") + "\n")
        .unwrap();
    let layer = format!("iptables:{}", without.display());
    let (code, r) = report("working", &["--firewall", &layer]);
    assert_eq!(code, 1);
    let c = check(&r, "forward.return-path");
    assert_eq!(c["status"], "fail");
    let fix = remediation(c);
    for want in [
        "iptables -t nat -A POSTROUTING -o eth1 -d 192.0.2.50/32 -p tcp --dport 6443 -j MASQUERADE",
        "iptables-save > /etc/sysconfig/iptables",
        "netfilter-persistent save",
        "firewall-cmd --zone=public --add-masquerade",
        "firewall-cmd --permanent --zone=public --add-masquerade",
    ] {
        assert!(fix.iter().any(|f| f.starts_with(want)), "{want:?} in {fix:?}");
    }
    // --assume-return-route: the IDC's route back replaces the SNAT.
    let (code, r) = report("working", &["--firewall", &layer, "--assume-return-route"]);
    assert_eq!((code, check(&r, "forward.return-path")["status"].as_str()), (0, Some("pass")), "{r:#}");

    // DNAT to the wrong port: the rule is named and replaced in place.
    let wrong = dir.path().join("wrong-port.rules");
    std::fs::write(&wrong, rules.replace("192.0.2.50:6443", "192.0.2.50:8443")).unwrap();
    let (_, r) = report("working", &["--firewall", &format!("iptables:{}", wrong.display())]);
    let c = check(&r, "forward.dnat");
    assert_eq!(c["status"], "fail");
    assert!(c["message"].as_str().unwrap().contains("sends it to 192.0.2.50:8443, not 192.0.2.50:6443"), "{c:#}");
    assert_eq!(
        remediation(c)[0],
        "iptables -t nat -R PREROUTING 1 -d 203.0.113.1/32 -p tcp -m tcp --dport 16443 -j DNAT --to-destination 192.0.2.50:6443"
    );
    assert_eq!(c["evidence"]["translations"][0]["rule"]["line"], 8);

    // No FORWARD admit: an ACCEPT for the translated flow, and how to keep it.
    let closed = dir.path().join("closed.rules");
    std::fs::write(
        &closed,
        rules.lines().filter(|l| !l.contains("--ctstate DNAT")).collect::<Vec<_>>().join("\n") + "\n",
    )
    .unwrap();
    let (_, r) = report("working", &["--firewall", &format!("iptables:{}", closed.display())]);
    let c = check(&r, "forward.filter");
    assert_eq!(c["status"], "fail");
    let fix = remediation(c);
    assert!(
        fix.iter().any(
            |f| f.starts_with("iptables -A FORWARD -s 203.0.113.30/32 -d 192.0.2.50/32 -p tcp -m tcp --dport 6443")
        ),
        "{fix:?}"
    );
    assert!(fix.iter().any(|f| f.starts_with("iptables-save > /etc/sysconfig/iptables")), "{fix:?}");
    assert_eq!(c["evidence"]["entries"][0]["verdict"], "denied");
}

#[test]
fn firewalld_forward_port_needs_masquerade() {
    for (config, return_path) in [("firewalld-masquerade", "pass"), ("firewalld-no-masquerade", "fail")] {
        let layer = format!("firewalld:{}", path(&format!("forward/{config}/etc/firewalld")));
        let (_, r) = report("working", &["--firewall", &layer]);
        let dnat = check(&r, "forward.dnat");
        assert_eq!(dnat["status"], "pass", "{config}: {dnat:#}");
        assert_eq!(
            dnat["evidence"]["translations"][0]["rule"]["text"],
            "<forward-port port=\"16443\" protocol=\"tcp\" to-port=\"6443\" to-addr=\"192.0.2.50\"/>"
        );
        // firewalld admits every forward-port connection itself (ct status dnat accept).
        assert_eq!(check(&r, "forward.filter")["status"], "pass", "{config}");
        let c = check(&r, "forward.return-path");
        assert_eq!(c["status"], return_path, "{config}: {c:#}");
        if return_path == "fail" {
            let fix = remediation(c);
            assert!(fix.contains(&"firewall-cmd --permanent --zone=public --add-masquerade".to_string()), "{fix:?}");
        }
    }
    // A forward-port to the wrong port is replaced, in the zone it is in.
    let dir = tempfile::tempdir().unwrap();
    let zones = dir.path().join("zones");
    std::fs::create_dir_all(&zones).unwrap();
    std::fs::write(dir.path().join("firewalld.conf"), "DefaultZone=public\n").unwrap();
    let xml = std::fs::read_to_string(fixture("forward/firewalld-masquerade/etc/firewalld/zones/public.xml")).unwrap();
    std::fs::write(zones.join("public.xml"), xml.replace("to-port=\"6443\"", "to-port=\"8443\"")).unwrap();
    let (_, r) = report("working", &["--firewall", &format!("firewalld:{}", dir.path().display())]);
    let c = check(&r, "forward.dnat");
    assert_eq!(c["status"], "fail");
    let fix = remediation(c);
    assert!(
        fix.contains(&"firewall-cmd --permanent --zone=public --remove-forward-port=port=16443:proto=tcp:toport=8443:toaddr=192.0.2.50".to_string()),
        "{fix:?}"
    );
    assert!(
        fix.contains(&"firewall-cmd --permanent --zone=public --add-forward-port=port=16443:proto=tcp:toport=6443:toaddr=192.0.2.50".to_string()),
        "{fix:?}"
    );
}

#[test]
fn windows_port_proxies_need_no_kernel_settings() {
    let cases = [
        ("show-v4tov4.txt", "pass", "relays port 16443 to 192.0.2.50:6443"),
        ("show-v4tov4.zh-utf16.txt", "pass", "0.0.0.0:16443 → 192.0.2.50:6443"),
        ("wrong-port.txt", "fail", "relayed elsewhere"),
        ("other-port-only.txt", "fail", "no port proxy listens on port 16443"),
        ("hostname.txt", "warn", "apiserver.idc.example"),
    ];
    for (file, status, phrase) in cases {
        let layer = format!("netsh:{}", path(&format!("forward/netsh/{file}")));
        let (_, r) = report("working", &["--firewall", &layer]);
        let dnat = check(&r, "forward.dnat");
        assert_eq!(dnat["status"], status, "{file}: {dnat:#}");
        assert!(dnat["message"].as_str().unwrap().contains(phrase), "{file}: {dnat:#}");
        for id in ["forward.ip-forward", "forward.filter", "forward.return-path"] {
            let c = check(&r, id);
            assert_eq!(c["status"], "skip", "{file} {id}");
            assert!(c["message"].as_str().unwrap().starts_with("not needed for a portproxy"), "{c:#}");
        }
        if status == "fail" {
            assert!(remediation(dnat).iter().any(|f| f.starts_with("netsh interface portproxy ")), "{dnat:#}");
        }
    }
}

#[test]
fn ipv6_forwarders_use_ipv6_forwarding() {
    let root = path("forward/ipv6-working");
    let regions = path("forward/regions-v6.json");
    let rules = format!("ip6tables:{}", path("forward/forwarder6.rules"));
    let args = [
        "--root",
        root.as_str(),
        "--forward",
        "16443:[2001:db8:2::50]:6443",
        "--regions-file",
        regions.as_str(),
        "--region",
        "doc-fwd-6",
        "--firewall",
        rules.as_str(),
        "--only",
        "forward",
        "--format",
        "json",
    ];
    let o = run(&args);
    let r: Value = common::report_json(&o.stdout).unwrap_or_else(|e| panic!("{e}: {}", stderr(&o)));
    assert_eq!(
        statuses(&r).iter().map(|(_, s)| s.as_str()).collect::<Vec<_>>(),
        ["pass", "pass", "pass", "pass"],
        "{r:#}"
    );
    assert!(check(&r, "forward.dnat")["message"].as_str().unwrap().contains("[2001:db8:2::50]:6443"));
    // IPv6 forwarding off.
    let dir = tempfile::tempdir().unwrap();
    let copy = dir.path();
    for rel in ["proc/net/ipv6_route", "proc/net/if_inet6", "proc/net/route"] {
        std::fs::create_dir_all(copy.join(rel).parent().unwrap()).unwrap();
        std::fs::copy(fixture(&format!("forward/ipv6-working/{rel}")), copy.join(rel)).unwrap();
    }
    std::fs::create_dir_all(copy.join("proc/sys/net/ipv6/conf/all")).unwrap();
    std::fs::write(copy.join("proc/sys/net/ipv6/conf/all/forwarding"), "0\n").unwrap();
    let mut args = args.to_vec();
    let copy_text = copy.display().to_string();
    args[1] = &copy_text;
    let r: Value = common::report_json(&run(&args).stdout).unwrap();
    let c = check(&r, "forward.ip-forward");
    assert_eq!(c["status"], "fail");
    assert_eq!(remediation(c)[0], "sysctl -w net.ipv6.conf.all.forwarding=1");
}

#[test]
fn forward_checks_run_only_with_forward() {
    let regions = path("forward/regions.json");
    let o =
        run(&["--regions-file", &regions, "--region", "doc-fwd-1", "--only", "firewall.sources", "--format", "json"]);
    let r: Value = common::report_json(&o.stdout).unwrap();
    assert!(r["checks"].as_array().unwrap().iter().all(|c| !c["id"].as_str().unwrap().starts_with("forward.")));
    let o = run(&["--regions-file", &regions, "--region", "doc-fwd-1", "--only", "forward"]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    let o = run(&["explain", "forward.return-path"]);
    assert!(stdout(&o).contains("rp_filter"), "{}", stdout(&o));
}

#[test]
fn bad_input_is_exit_2_naming_file_and_line() {
    let regions = path("forward/regions.json");
    let base = ["--regions-file", regions.as_str(), "--region", "doc-fwd-1", "--only", "forward"];
    let with = |extra: &[&str]| {
        let mut a = base.to_vec();
        a.extend_from_slice(extra);
        run(&a)
    };
    for (extra, want) in [
        (vec!["--forward", "16443:192.0.2.50"], "expected A:HOST:PORT"),
        (vec!["--forward", "16443:api.example:6443"], "not an IP address"),
        (vec!["--forward", "0:192.0.2.50:6443"], "is not a port"),
        (vec!["--forward", FORWARD, "--port", "16443"], "--port 16443 contradicts --forward"),
        (vec!["--firewall", "netsh:/nonexistent"], "give --forward A:HOST:PORT too"),
        (vec!["--forward", FORWARD, "--firewall", "netsh:"], "the path is empty"),
        (vec!["--forward", FORWARD, "--firewall", "netsh:-"], "only iptables:- reads standard input"),
    ] {
        let o = with(&extra);
        assert_eq!(o.status.code(), Some(2), "{extra:?}: {}", stderr(&o));
        assert!(stderr(&o).contains(want), "{extra:?}: {}", stderr(&o));
    }
    let root = |case: &str| path(&format!("forward/{case}"));
    for (case, file_line) in [
        ("malformed-sysctl", "proc/sys/net/ipv4/conf/eth1/forwarding:1: is not an integer"),
        ("malformed-route", "proc/net/route:3: 6 fields"),
    ] {
        let r = root(case);
        let o = with(&["--root", &r, "--forward", FORWARD]);
        assert_eq!(o.status.code(), Some(2), "{case}: {}", stderr(&o));
        assert!(stderr(&o).contains(file_line), "{case}: {}", stderr(&o));
    }
    let netsh = format!("netsh:{}", path("forward/netsh/malformed.txt"));
    let o = with(&["--forward", FORWARD, "--firewall", &netsh]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("malformed.txt:7: "), "{}", stderr(&o));
    assert!(stderr(&o).contains("expected four columns"), "{}", stderr(&o));
    // Binary content, and a UTF-16 file cut in the middle of a character.
    let dir = tempfile::tempdir().unwrap();
    let bin = dir.path().join("pp.bin");
    std::fs::write(&bin, [0x7f, b'E', b'L', b'F', 0, 0xff, 0xfe]).unwrap();
    let o = with(&["--forward", FORWARD, "--firewall", &format!("netsh:{}", bin.display())]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("pp.bin"), "{}", stderr(&o));
    let cut = dir.path().join("cut.txt");
    let mut bytes = std::fs::read(fixture("forward/netsh/show-v4tov4.zh-utf16.txt")).unwrap();
    bytes.truncate(bytes.len() - 1);
    std::fs::write(&cut, bytes).unwrap();
    let o = with(&["--forward", FORWARD, "--firewall", &format!("netsh:{}", cut.display())]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("cut.txt: UTF-16 text that ends in half a character"), "{}", stderr(&o));
}
