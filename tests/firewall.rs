//! The firewall checks through the real binary: every layer format on real dumps, the statuses,
//! the evidence contract (against the published schema), fixes in each layer's syntax, bad input
//! (exit 2 naming file and line), standard input, and the live reading inside a namespace.
#![expect(clippy::expect_used, reason = "a test or benchmark: a panic is the failure report")]
mod common;

use common::check;

use common::{Need, Netns, bin, fixture, prerequisites, run, stderr, stdout};
use serde_json::{Value, json};

const REGIONS: &str = "firewall/regions.json";

fn path(rel: &str) -> String {
    fixture(rel).display().to_string()
}

/// Runs the firewall checks for region doc-fw-1 (or the one given) and returns (exit code, report).
fn report(extra: &[&str]) -> (i32, Value) {
    let regions = path(REGIONS);
    let mut args = vec!["--only", "firewall", "--format", "json"];
    if !extra.contains(&"--regions-file") {
        args.extend(["--regions-file", regions.as_str()]);
    }
    if !extra.contains(&"--region") {
        args.extend(["--region", "doc-fw-1"]);
    }
    args.extend_from_slice(extra);
    let o = run(&args);
    let v: Value = common::report_json(&o.stdout).unwrap_or_else(|e| panic!("{e}: {}{}", stdout(&o), stderr(&o)));
    common::assert_valid_report(&v);
    (o.status.code().expect("exit code"), v)
}

fn entry<'a>(check: &'a Value, cidr: &str) -> &'a Value {
    check["evidence"]["entries"]
        .as_array()
        .expect("entries")
        .iter()
        .find(|e| e["entry"] == cidr)
        .unwrap_or_else(|| panic!("{cidr} in {check}"))
}

fn remediation(check: &Value) -> Vec<String> {
    check["remediation"]
        .as_array()
        .expect("remediation")
        .iter()
        .map(|r| r.as_str().expect("text").to_string())
        .collect()
}

#[test]
fn iptables_dump_entries_deciding_rules_and_fixes() {
    let dump = format!("iptables:{}", path("firewall/iptables-save.legacy.txt"));
    let sets = path("firewall/cloud-public.ipset");
    let (code, r) = report(&["--firewall", &dump, "--ipset", &sets, "--apiserver", "192.0.2.1:6443"]);
    assert_eq!(code, 1, "a denied entry fails the gate");
    let sources = check(&r, "firewall.sources");
    assert_eq!(sources["status"], "pass");
    assert_eq!(sources["evidence"]["layers"][0]["rules"], 12);
    let c = check(&r, "firewall.allowlist");
    assert_eq!(c["status"], "fail");
    let ev = &c["evidence"];
    assert_eq!((ev["port"].as_u64(), ev["protocol"].as_str()), (Some(6443), Some("tcp")));
    assert_eq!(ev["layers"][0], serde_json::json!({"name": dump, "kind": "iptables", "rules": 12}));
    // 203.0.113.30 via the ipset, 192.0.2.10 via the office LAN rule.
    assert_eq!(entry(c, "203.0.113.30/32")["verdict"], "admitted");
    assert_eq!(entry(c, "192.0.2.10/32")["verdict"], "admitted");
    let rejected = entry(c, "203.0.113.99/32");
    assert_eq!(rejected["verdict"], "denied");
    assert_eq!(rejected["deciding"][0]["action"], "REJECT");
    assert_eq!(rejected["deciding"][0]["rule"], 7);
    let private = entry(c, "198.51.100.0/25");
    assert_eq!(private["verdict"], "partial");
    assert_eq!(private["denied"], serde_json::json!(["198.51.100.64/26"]));
    assert_eq!(private["pool"], "private");
    let drop = private["deciding"].as_array().unwrap().iter().find(|d| d["action"] == "DROP").expect("the DROP");
    assert_eq!(
        (drop["chain"].as_str(), drop["rule"].as_u64(), drop["line"].as_u64(), drop["range"].as_str()),
        (Some("K8S-API"), Some(2), Some(13), Some("198.51.100.64/26"))
    );
    assert_eq!(drop["text"], "-A K8S-API -s 198.51.100.64/26 -m comment --comment \"deny block\" -j DROP");
    // The upper /26 returns to INPUT and meets its policy.
    let policy = private["deciding"].as_array().unwrap().iter().find(|d| d["range"] == "198.51.100.64/26").unwrap();
    assert_eq!(policy["action"], "DROP");
    let fixes = remediation(c);
    assert!(
        fixes.iter().any(|f| f == "iptables-legacy -I K8S-API 2 -s 198.51.100.64/26 -p tcp -m tcp --dport 6443 -m comment --comment \"k8sjoin-check doc-fw-1\" -j ACCEPT"),
        "{fixes:#?}"
    );
    assert!(fixes.iter().any(|f| f.starts_with("iptables-legacy -I K8S-API 8 -s 203.0.113.99/32")), "{fixes:#?}");
    let shadowed = check(&r, "firewall.shadowed");
    assert_eq!(shadowed["status"], "warn");
    assert!(shadowed["message"].as_str().unwrap().contains("K8S-API rule 4"), "{shadowed}");
    let exposure = check(&r, "firewall.exposure");
    assert_eq!(exposure["status"], "pass", "{exposure}");
}

#[test]
fn every_layer_format_is_judged() {
    // nft: the native ruleset of oracle-nft.sh; the second table drops 192.0.2.10.
    let (_, r) = report(&["--firewall", &format!("nft:{}", path("firewall/nft-j-list-ruleset.native.json"))]);
    let c = check(&r, "firewall.allowlist");
    assert_eq!(entry(c, "192.0.2.10/32")["verdict"], "denied");
    assert_eq!(entry(c, "192.0.2.10/32")["deciding"][0]["table"], "ip extra");
    assert_eq!(entry(c, "192.0.2.10/32")["deciding"][0]["handle"], 2);
    assert_eq!(entry(c, "203.0.113.30/32")["verdict"], "admitted");
    assert!(remediation(c).iter().any(|f| f == "nft 'insert rule ip extra input position 2 ip saddr 192.0.2.10/32 tcp dport 6443 accept comment \"k8sjoin-check doc-fw-1\"'"), "{:#?}", remediation(c));

    // firewalld: the configuration of oracle-firewalld.sh, read as a directory.
    let (_, r) = report(&["--firewall", &format!("firewalld:{}", path("firewall/firewalld/etc/firewalld"))]);
    let c = check(&r, "firewall.allowlist");
    assert_eq!(entry(c, "203.0.113.30/32")["verdict"], "admitted", "source zone cloudsec");
    assert_eq!(entry(c, "192.0.2.10/32")["verdict"], "denied", "public zone rejects");
    let private = entry(c, "198.51.100.0/25");
    assert_eq!(private["denied"], serde_json::json!(["198.51.100.64/26"]), "deny rich rules come first");
    let fixes = remediation(c);
    assert!(fixes.iter().any(|f| f == "firewall-cmd --permanent --zone=public --add-rich-rule='rule family=\"ipv4\" priority=\"-1\" source address=\"198.51.100.64/26\" port port=\"6443\" protocol=\"tcp\" accept'"), "{fixes:#?}");
    assert_eq!(fixes.last().map(String::as_str), Some("firewall-cmd --reload"));
    let sources = check(&r, "firewall.sources");
    assert!(sources["evidence"]["layers"][0]["notes"].to_string().contains("shipped definition"), "{sources}");

    // ECS security group: priority, Drop over Accept, and a Drop nothing can outrank.
    let (_, r) = report(&["--firewall", &format!("ecs-sg:{}", path("firewall/sg.json"))]);
    let c = check(&r, "firewall.allowlist");
    assert_eq!(entry(c, "198.51.100.0/25")["denied"], serde_json::json!(["198.51.100.64/26"]));
    assert_eq!(entry(c, "203.0.113.30/32")["verdict"], "admitted");
    let pinned = entry(c, "192.0.2.10/32");
    assert_eq!((pinned["verdict"].as_str(), pinned["deciding"][0]["rule"].as_u64()), (Some("denied"), Some(4)));
    let fixes = remediation(c);
    assert!(
        fixes
            .iter()
            .any(|f| f.contains("AuthorizeSecurityGroup --RegionId doc-fw-1 --SecurityGroupId sg-doc0000000000001")
                && f.contains("--Permissions.1.Priority 4")
                && f.contains("SourceCidrIp 198.51.100.64/26")),
        "{fixes:#?}"
    );
    assert!(fixes.iter().any(|f| f.contains("highest priority") && f.contains("192.0.2.10/32")), "{fixes:#?}");

    // A CIDR list (an SLB ACL).
    let (_, r) = report(&["--firewall", &format!("cidrs:{}", path("firewall/acl.txt"))]);
    let c = check(&r, "firewall.allowlist");
    assert_eq!(entry(c, "198.51.100.0/25")["denied"], serde_json::json!(["198.51.100.64/26"]));
    assert!(remediation(c).iter().any(|f| f.starts_with("echo 198.51.100.64/26 >> ")), "{:#?}", remediation(c));

    // IPv6: ip6tables-save judges the IPv6 pool.
    let (_, r) = report(&[
        "--regions-file",
        &path("firewall/regions-v6.json"),
        "--region",
        "doc-v6",
        "--firewall",
        &format!("iptables:{}", path("firewall/ip6tables-save.txt")),
    ]);
    let c = check(&r, "firewall.allowlist");
    assert_eq!(entry(c, "2001:db8:1::10/128")["verdict"], "admitted");
    assert_eq!(entry(c, "2001:db8:2::/64")["verdict"], "denied");
    assert!(
        remediation(c).iter().any(|f| f.starts_with("ip6tables-nft -I INPUT 3 -s 2001:db8:2::/64")),
        "{:#?}",
        remediation(c)
    );
}

#[test]
fn layers_are_in_series() {
    let (code, r) = report(&[
        "--firewall",
        &format!("cidrs:{}", path("firewall/acl.txt")),
        "--firewall",
        &format!("ecs-sg:{}", path("firewall/sg.json")),
    ]);
    assert_eq!(code, 1);
    let c = check(&r, "firewall.allowlist");
    assert_eq!(c["evidence"]["layers"].as_array().map(Vec::len), Some(2));
    // The ACL admits 192.0.2.10, the security group drops it: denied, by the group.
    let pinned = entry(c, "192.0.2.10/32");
    assert_eq!(pinned["verdict"], "denied");
    assert!(pinned["deciding"][0]["layer"].as_str().unwrap().starts_with("ecs-sg:"), "{pinned}");
}

#[test]
fn statuses_pass_warn_fail() {
    let acl = fixture("firewall/acl.txt");
    let dir = tempfile::tempdir().expect("tempdir");
    let all = dir.path().join("all.txt");
    std::fs::write(&all, "203.0.113.0/24\n198.51.100.0/24\n192.0.2.0/24\n").expect("write");
    let (code, r) = report(&["--firewall", &format!("cidrs:{}", all.display())]);
    assert_eq!((code, check(&r, "firewall.allowlist")["status"].as_str()), (0, Some("pass")));
    assert!(check(&r, "firewall.allowlist")["message"].as_str().unwrap().starts_with("all 4 pool entries"));
    // Without --ipset the set rule is undecidable: warn (never pass), naming the rule and the fix.
    let (code, r) = report(&[
        "--region",
        "doc-fw-2",
        "--firewall",
        &format!("iptables:{}", path("firewall/iptables-save.legacy.txt")),
    ]);
    let c = check(&r, "firewall.allowlist");
    assert_eq!((code, c["status"].as_str()), (0, Some("warn")));
    let unknown = entry(c, "203.0.113.30/32");
    assert_eq!((unknown["verdict"].as_str(), unknown["deciding"][0]["rule"].as_u64()), (Some("unknown"), Some(5)));
    assert!(remediation(c).iter().any(|f| f.contains("--ipset")), "{c}");
    let (code, r) = report(&["--firewall", &format!("cidrs:{}", acl.display())]);
    assert_eq!((code, check(&r, "firewall.allowlist")["status"].as_str()), (1, Some("fail")));
}

#[test]
fn unknown_interface_and_destination_make_ranges_unknown() {
    let dir = tempfile::tempdir().expect("tempdir");
    let rules = dir.path().join("rules.txt");
    std::fs::write(
        &rules,
        "*filter\n:INPUT DROP [0:0]\n-A INPUT -m conntrack --ctstate ESTABLISHED -j ACCEPT\n-A INPUT -i eth0 -p tcp --dport 6443 -j ACCEPT\n-A INPUT -d 192.0.2.1/32 -s 198.51.100.0/24 -j ACCEPT\nCOMMIT\n",
    )
    .expect("write");
    let fw = format!("iptables:{}", rules.display());
    let (_, r) = report(&["--firewall", &fw]);
    let c = check(&r, "firewall.allowlist");
    assert_eq!(c["status"], "warn");
    let reasons = c["evidence"].to_string();
    assert!(reasons.contains("--interface"), "{reasons}");
    // With the interface known, the eth0 rule decides.
    let (_, r) = report(&["--firewall", &fw, "--interface", "eth0"]);
    assert_eq!(check(&r, "firewall.allowlist")["status"], "pass");
    // On another interface, the -d rule decides only when the API server's address is known.
    let (_, r) = report(&["--firewall", &fw, "--interface", "eth1", "--region", "doc-fw-2"]);
    let c = check(&r, "firewall.allowlist");
    assert_eq!(entry(c, "198.51.100.0/26")["verdict"], "unknown");
    assert!(c["evidence"].to_string().contains("API server's address"));
    let (_, r) =
        report(&["--firewall", &fw, "--interface", "eth1", "--region", "doc-fw-2", "--apiserver", "192.0.2.1:6443"]);
    let c = check(&r, "firewall.allowlist");
    assert_eq!(entry(c, "198.51.100.0/26")["verdict"], "admitted");
    assert_eq!(entry(c, "203.0.113.30/32")["verdict"], "denied");
}

#[test]
fn exposure_warns_when_the_port_is_open_to_everyone() {
    let dir = tempfile::tempdir().expect("tempdir");
    let open = dir.path().join("open.txt");
    std::fs::write(&open, "*filter\n:INPUT DROP [0:0]\n-A INPUT -m conntrack --ctstate ESTABLISHED -j ACCEPT\n-A INPUT -s 10.0.0.0/8 -j DROP\n-A INPUT -p tcp --dport 6443 -j ACCEPT\nCOMMIT\n").expect("write");
    let (_, r) = report(&["--firewall", &format!("iptables:{}", open.display())]);
    let e = check(&r, "firewall.exposure");
    assert_eq!(e["status"], "warn");
    assert!(e["message"].as_str().unwrap().contains("0.0.0.0/0 except 10.0.0.0/8"), "{e}");
    assert!(remediation(e).iter().any(|f| f.contains("k8sjoin-check allowlist --region doc-fw-1")));
}

#[test]
fn standard_input_is_a_dump() {
    let regions = path(REGIONS);
    let mut child = bin()
        .args(["--regions-file", &regions, "--region", "doc-fw-2", "--only", "firewall.allowlist", "--format", "json"])
        .args(["--firewall", "iptables:-", "--ipset", &path("firewall/cloud-public.ipset")])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .expect("spawn");
    std::io::Write::write_all(
        &mut child.stdin.take().unwrap(),
        &std::fs::read(fixture("firewall/iptables-save.nft.txt")).unwrap(),
    )
    .unwrap();
    let o = child.wait_with_output().unwrap();
    let r: Value = common::report_json(&o.stdout).expect("json");
    let c = check(&r, "firewall.allowlist");
    assert_eq!(c["status"], "pass", "{c}");
    assert_eq!(c["evidence"]["layers"][0]["name"], "iptables:-");
}

#[test]
fn malformed_input_exits_2_naming_file_and_line() {
    let regions = path(REGIONS);
    for (spec, wanted) in [
        (
            format!("iptables:{}", path("firewall/malformed/iptables-truncated.txt")),
            "iptables-truncated.txt:15: unterminated quote",
        ),
        (format!("nft:{}", path("firewall/malformed/nft-truncated.json")), "nft-truncated.json:1: EOF"),
        (format!("firewalld:{}", path("firewall/malformed/zone-bad-port.xml")), "zone-bad-port.xml:3: port"),
        (
            format!("ecs-sg:{}", path("firewall/malformed/sg-bad-range.json")),
            "sg-bad-range.json:4: permission 1: PortRange",
        ),
        (format!("cidrs:{}", path("firewall/malformed/acl-bad.txt")), "acl-bad.txt:3: \"198.51.100.999\""),
        (format!("iptables:{}", path("firewall/malformed/binary.bin")), "binary.bin:1: not UTF-8"),
        (format!("cidrs:{}", path("firewall/does-not-exist.txt")), "does-not-exist.txt: cannot read"),
        (format!("firewalld:{}", path("firewall")), "not a firewalld configuration directory"),
    ] {
        let o = run(&["--regions-file", &regions, "--region", "doc-fw-1", "--firewall", &spec]);
        assert_eq!(o.status.code(), Some(2), "{spec}: {}", stderr(&o));
        assert!(stderr(&o).contains(wanted), "{spec}: wanted {wanted:?} in {}", stderr(&o));
        assert!(stdout(&o).is_empty(), "no check ran: {}", stdout(&o));
    }
    let o = run(&[
        "--regions-file",
        &regions,
        "--ipset",
        &path("firewall/malformed/ipset-bad.txt"),
        "--firewall",
        "cidrs:/dev/null",
    ]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("ipset-bad.txt:2: element \"203.0.113.300\""), "{}", stderr(&o));
    let o = run(&["--firewall", "pf:/etc/pf.conf"]);
    assert_eq!(o.status.code(), Some(2));
    for kind in ["iptables:FILE", "nft:FILE", "firewalld:PATH", "ecs-sg:FILE", "cidrs:FILE", "live"] {
        assert!(stderr(&o).contains(kind), "the error lists {kind}: {}", stderr(&o));
    }
    let o = run(&["--firewall", "iptables:-", "--firewall", "iptables:-"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("standard input"), "{}", stderr(&o));
}

/// Runs the binary without any privilege (uid 65534, no capabilities).
fn unprivileged(args: &[&str]) -> std::process::Output {
    let exe = env!("CARGO_BIN_EXE_k8sjoin-check");
    std::process::Command::new("setpriv")
        .args(["--reuid=65534", "--regid=65534", "--clear-groups", "--inh-caps=-all", "--bounding-set=-all", exe])
        .args(args)
        .env("HOME", "/nonexistent-home-for-tests")
        .env("NO_COLOR", "1")
        .output()
        .expect("setpriv runs")
}

#[test]
fn without_privilege_the_live_reading_is_skipped_naming_the_capability() {
    if !prerequisites(
        "without_privilege_the_live_reading_is_skipped_naming_the_capability",
        &[Need::Root, Need::Command("setpriv")],
    ) {
        return;
    }
    let regions = path(REGIONS);
    let args = ["--regions-file", regions.as_str(), "--region", "doc-fw-1", "--only", "firewall", "--format", "json"];
    // Not root and no --firewall: live is not the default, and the checks say why they skip.
    let o = unprivileged(&args);
    let r: Value = common::report_json(&o.stdout).unwrap_or_else(|e| panic!("{e}: {}", stderr(&o)));
    for id in ["firewall.sources", "firewall.allowlist", "firewall.shadowed", "firewall.exposure"] {
        assert_eq!(check(&r, id)["status"], "skip", "{id}");
    }
    assert!(check(&r, "firewall.sources")["message"].as_str().unwrap().contains("only as root"), "{r}");
    // --firewall live asked for explicitly: skipped, naming CAP_NET_ADMIN.
    let mut live = args.to_vec();
    live.extend(["--firewall", "live"]);
    let o = unprivileged(&live);
    let r: Value = common::report_json(&o.stdout).expect("json");
    let s = check(&r, "firewall.sources");
    assert_eq!(s["status"], "skip");
    assert!(s["message"].as_str().unwrap().contains("CAP_NET_ADMIN"), "{s}");
    assert!(check(&r, "firewall.allowlist")["message"].as_str().unwrap().contains("CAP_NET_ADMIN"));
}

#[test]
fn live_reads_both_iptables_backends_and_native_nft_without_double_counting() {
    if !prerequisites(
        "live_reads_both_iptables_backends_and_native_nft_without_double_counting",
        &[
            Need::Root,
            Need::Command("iptables-legacy"),
            Need::Command("iptables-nft"),
            Need::Command("nft"),
            Need::Command("ipset"),
        ],
    ) {
        return;
    }
    let ns = Netns::new("live");
    // The coexistence case of oracle-coexist.sh: iptables-nft accepts 6443, iptables-legacy drops
    // one source; plus a native nft table and an ipset.
    ns.exec_ok("iptables-nft -A INPUT -p tcp --dport 6443 -j ACCEPT");
    ns.exec_ok("iptables-legacy -A INPUT -s 192.0.2.10/32 -p tcp -m tcp --dport 6443 -j DROP");
    ns.exec_ok("ipset create cloud-public hash:net && ipset add cloud-public 203.0.113.0/28");
    ns.exec_ok("iptables-nft -I INPUT -m set --match-set cloud-public src -j ACCEPT");
    ns.exec_ok("nft add table inet native && nft 'add chain inet native input { type filter hook input priority 10; policy accept; }' && nft add rule inet native input ip saddr 198.51.100.64/26 drop");
    let regions = path(REGIONS);
    let exe = env!("CARGO_BIN_EXE_k8sjoin-check");
    let o = ns
        .command(exe)
        .args(["--regions-file", &regions, "--region", "doc-fw-1", "--only", "firewall", "--format", "json"])
        .env("NO_COLOR", "1")
        .output()
        .expect("runs");
    let r: Value = common::report_json(&o.stdout).unwrap_or_else(|e| panic!("{e}: {}", stderr(&o)));
    common::assert_valid_report(&r);
    let sources = check(&r, "firewall.sources");
    assert_eq!(sources["status"], "pass", "{sources}");
    let names: Vec<&str> =
        sources["evidence"]["layers"].as_array().unwrap().iter().map(|l| l["name"].as_str().unwrap()).collect();
    assert_eq!(names, ["live:iptables-legacy-save", "live:iptables-nft-save", "live:nft"], "{sources}");
    assert!(sources["evidence"]["live"]["mode"].as_str().unwrap().starts_with("default"));
    let nft_layer = &sources["evidence"]["layers"][2];
    assert!(nft_layer["notes"].to_string().contains("table ip filter is managed by iptables-nft"), "{nft_layer}");
    assert_eq!(nft_layer["rules"], 1, "only the native rule counts: {nft_layer}");
    let c = check(&r, "firewall.allowlist");
    assert_eq!(c["status"], "fail", "{c}");
    let office = entry(c, "192.0.2.10/32");
    assert_eq!(office["verdict"], "denied");
    assert_eq!(office["deciding"][0]["layer"], "live:iptables-legacy-save");
    assert_eq!(entry(c, "198.51.100.0/25")["denied"], serde_json::json!(["198.51.100.64/26"]));
    assert_eq!(entry(c, "198.51.100.0/25")["unknown"], serde_json::json!([]), "no opaque xt expression is judged");
    assert_eq!(entry(c, "203.0.113.30/32")["verdict"], "admitted");
    let fixes = remediation(c);
    assert!(fixes.iter().any(|f| f.starts_with("iptables-legacy -I INPUT 1 -s 192.0.2.10/32")), "{fixes:#?}");
    assert!(fixes.iter().any(|f| f.starts_with("nft 'insert rule inet native input position")), "{fixes:#?}");
}

/// A live reading that worked and found no rules is a result: the host admits everything, so the
/// pool is admitted and the port is open to the whole Internet (DESIGN §3).
#[test]
fn an_empty_live_firewall_admits_everything() {
    if !prerequisites("an_empty_live_firewall_admits_everything", &[Need::Root]) {
        return;
    }
    let ns = Netns::new("empty");
    let regions = path(REGIONS);
    let o = ns
        .command(env!("CARGO_BIN_EXE_k8sjoin-check"))
        .args([
            "--regions-file",
            &regions,
            "--region",
            "doc-fw-1",
            "--only",
            "firewall",
            "--format",
            "json",
            "--firewall",
            "live",
        ])
        .output()
        .expect("runs");
    let r: Value = common::report_json(&o.stdout).unwrap_or_else(|e| panic!("{e}: {}", stderr(&o)));
    let s = check(&r, "firewall.sources");
    assert_eq!(s["status"], "pass", "{s}");
    assert!(s["message"].as_str().unwrap().contains("found no iptables, nftables or ipset rules"), "{s}");
    let allowlist = check(&r, "firewall.allowlist");
    assert_eq!(allowlist["status"], "pass", "{allowlist}");
    assert_eq!(check(&r, "firewall.exposure")["status"], "warn");
    assert_eq!((r["summary"]["verdict"].as_str(), o.status.code()), (Some("ready"), Some(0)));
}

/// The live rules are this host's: when the API server's address is not one of this host's, the
/// sources check says so (warn) instead of passing as if those rules guarded the API server.
#[test]
fn live_rules_of_a_host_that_is_not_the_api_server_warn() {
    if !prerequisites(
        "live_rules_of_a_host_that_is_not_the_api_server_warn",
        &[Need::Root, Need::Command("iptables-nft")],
    ) {
        return;
    }
    let ns = Netns::new("lvh");
    ns.exec_ok("ip addr add 203.0.113.7/32 dev lo");
    ns.exec_ok("iptables-nft -A INPUT -p tcp --dport 6443 -j ACCEPT");
    let regions = path(REGIONS);
    let sources_for = |apiserver: &str| {
        let o = ns
            .command(env!("CARGO_BIN_EXE_k8sjoin-check"))
            .args(["--regions-file", &regions, "--region", "doc-fw-1", "--only", "firewall.sources"])
            .args(["--apiserver", apiserver, "--format", "json"])
            .output()
            .expect("runs");
        let r: Value = common::report_json(&o.stdout).unwrap_or_else(|e| panic!("{e}: {}", stderr(&o)));
        check(&r, "firewall.sources").clone()
    };
    let elsewhere = sources_for("https://203.0.113.99:6443");
    assert_eq!(elsewhere["status"], "warn", "{elsewhere}");
    assert!(elsewhere["message"].as_str().unwrap().contains("203.0.113.99 is not an address of this host"));
    let here = sources_for("https://203.0.113.7:6443");
    assert_eq!(here["status"], "pass", "{here}");
}

#[test]
fn a_partial_security_group_page_warns_naming_the_group_and_how_to_fetch_all() {
    let dir = tempfile::tempdir().unwrap();
    let mut page: Value = serde_json::from_str(&std::fs::read_to_string(path("firewall/sg.json")).unwrap()).unwrap();
    page["NextToken"] = json!("doc-next-page");
    let file = dir.path().join("page1.json");
    std::fs::write(&file, page.to_string()).unwrap();
    let (_, r) = report(&["--firewall", &format!("ecs-sg:{}", file.display())]);
    let c = check(&r, "firewall.sources");
    assert_eq!(c["status"], "warn", "{c}");
    assert!(c["message"].as_str().unwrap().contains("sg-doc0000000000001"), "{c}");
    assert!(
        remediation(c).iter().any(|f| f.contains("--SecurityGroupId sg-doc0000000000001 --pager")),
        "{:?}",
        remediation(c)
    );
}
