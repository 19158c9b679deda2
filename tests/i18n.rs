//! Chinese output (`--lang zh`, `LANG=zh_CN.UTF-8`): on the fixtures of every category, every
//! check speaks Chinese, keeps its English in `message_en`, and the table stays within the
//! terminal's width measured in display columns.
//!
//! How a message built outside the catalogue is caught: the code cannot build one (the check
//! model takes only catalogue text, `i18n::Text`), and here, a Chinese run whose message equals
//! its English one, or has no Chinese in it, fails; so does a remediation step that is neither
//! Chinese nor a command.
#![expect(clippy::unwrap_used)] // in tests a panic is the failure report

mod common;

use common::{bin, fixture, stderr, stdout};
use serde_json::Value;

fn path(rel: &str) -> String {
    fixture(rel).display().to_string()
}

fn has_chinese(s: &str) -> bool {
    s.chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c))
}

/// What a remediation step may be without Chinese: a command line (never translated), or a
/// comment naming the layer the commands that follow are for.
fn is_command(step: &str) -> bool {
    const PROGRAMS: &[&str] = &[
        "iptables",
        "ip6tables",
        "iptables-legacy",
        "ip6tables-legacy",
        "iptables-nft",
        "ip6tables-nft",
        "iptables-save",
        "ip6tables-save",
        "iptables-legacy-save",
        "ip6tables-legacy-save",
        "iptables-nft-save",
        "ip6tables-nft-save",
        "nft",
        "firewall-cmd",
        "ufw",
        "aliyun",
        "sysctl",
        "echo",
        "ip",
        "kubeadm",
        "kubectl",
        "crictl",
        "netsh",
        "k8sjoin-check",
        "netfilter-persistent",
        "systemctl",
    ];
    let first = step.split_whitespace().next().unwrap_or_default();
    let layer_header = step.starts_with("# ") && step.ends_with(':') && step.split_whitespace().count() == 2;
    PROGRAMS.contains(&first) || layer_header
}

/// The report of a Chinese run.
fn zh(args: &[&str]) -> Value {
    let o = bin().args(args).args(["--lang", "zh", "--format", "json"]).output().unwrap();
    assert!(matches!(o.status.code(), Some(0 | 1 | 4)), "{args:?}: {}{}", stdout(&o), stderr(&o));
    common::report_json(&o.stdout).unwrap_or_else(|e| panic!("{e}: {}", stdout(&o)))
}

/// Every check of `reports` whose id starts with `prefix` is in Chinese, with its English kept.
fn assert_chinese(prefix: &str, reports: &[Value]) {
    let mut seen = 0;
    for r in reports {
        for c in r["checks"].as_array().unwrap().iter().filter(|c| c["id"].as_str().unwrap().starts_with(prefix)) {
            seen += 1;
            let id = c["id"].as_str().unwrap();
            let message = c["message"].as_str().unwrap();
            let english = c["message_en"].as_str().unwrap_or_else(|| panic!("{id}: no message_en: {c:#}"));
            assert!(has_chinese(message) && message != english, "{id}: not in Chinese: {message}");
            assert!(has_chinese(c["title"].as_str().unwrap()), "{id}: title {}", c["title"]);
            for step in c["remediation"].as_array().unwrap() {
                let step = step.as_str().unwrap();
                assert!(has_chinese(step) || is_command(step), "{id}: remediation not in Chinese: {step}");
            }
            if let Some(input) = c["input"].as_str() {
                assert!(has_chinese(input) || input.starts_with("--"), "{id}: input not in Chinese: {input}");
            }
        }
    }
    assert!(seen > 0, "no {prefix} check ran");
}

#[test]
fn region_checks_speak_chinese() {
    assert_chinese(
        "region.",
        &[
            zh(&["--only", "region"]),
            zh(&["--region", "cn-hangzhou", "--only", "region", "--network", "vpc"]),
            zh(&["--region", "ap-southeast-1", "--only", "region", "--network", "vpc"]),
            zh(&["--region", "cn-hangzhou", "--only", "region", "--apiserver", "https://127.0.0.1:6443"]),
            zh(&["--region", "cn-hangzhou", "--only", "region", "--root", &path("audit/seed-policy-fixed")]),
        ],
    );
}

#[test]
fn apiserver_and_forwarder_checks_speak_chinese() {
    assert_chinese(
        "apiserver.",
        &[
            zh(&["--region", "cn-hangzhou", "--only", "apiserver", "--no-icmp"]),
            zh(&["--region", "cn-hangzhou", "--only", "apiserver", "--apiserver", "https://127.0.0.1:1"]),
        ],
    );
    assert_chinese(
        "forwarder.",
        &[zh(&["--region", "cn-hangzhou", "--only", "forwarder", "--forwarder", "127.0.0.1:1", "--no-icmp"])],
    );
}

#[test]
fn firewall_checks_speak_chinese() {
    let regions = path("firewall/regions.json");
    let base = ["--regions-file", regions.as_str(), "--region", "doc-fw-1", "--only", "firewall"];
    let with = |layer: String| zh(&[&base[..], &["--firewall", &layer]].concat());
    assert_chinese(
        "firewall.",
        &[
            zh(&base),
            with(format!("iptables:{}", path("firewall/iptables-save.legacy.txt"))),
            with(format!("nft:{}", path("firewall/nft-j-list-ruleset.native.json"))),
            with(format!("ecs-sg:{}", path("firewall/sg.json"))),
            with(format!("cidrs:{}", path("firewall/acl.txt"))),
            with(format!("firewalld:{}", path("firewall/firewalld/etc/firewalld"))),
        ],
    );
}

#[test]
fn forward_checks_speak_chinese() {
    let regions = path("forward/regions.json");
    let run = |root: &str| {
        zh(&[
            "--root",
            &path(&format!("forward/{root}")),
            "--forward",
            "16443:192.0.2.50:6443",
            "--only",
            "forward",
            "--regions-file",
            &regions,
            "--region",
            "doc-fwd-1",
            "--firewall",
            &format!("iptables:{}", path("forward/forwarder.rules")),
        ])
    };
    assert_chinese(
        "forward.",
        &["working", "ip-forward-off", "no-route-to-target", "strict-rp-filter-asymmetric"].map(run),
    );
}

#[test]
fn audit_host_and_edition_checks_speak_chinese() {
    let node = |name: &str| {
        zh(&["--region", "cn-hangzhou", "--audit", "--only", "audit", "--root", &path(&format!("audit/{name}"))])
    };
    assert_chinese(
        "audit.",
        &[
            "seed-policy-fixed",
            "placeholder-left",
            "secrets-at-requestresponse",
            "missing-mount",
            "vendor-image-on-1.28",
        ]
        .map(node),
    );
    let root = tempfile::tempdir().unwrap();
    let run = zh(&["--region", "cn-hangzhou", "--only", "host,edition", "--root", root.path().to_str().unwrap()]);
    assert_chinese("host.", std::slice::from_ref(&run));
    assert_chinese("edition.", &[run]);
}

#[test]
fn the_locale_switches_and_the_flag_wins() {
    let run = |lang: Option<&str>, env: &str| {
        let mut cmd = bin();
        cmd.args(["--region", "cn-hangzhou", "--only", "region.known", "--format", "json"]).env("LANG", env);
        if let Some(l) = lang {
            cmd.args(["--lang", l]);
        }
        let r: Value = serde_json::from_slice(&cmd.output().unwrap().stdout).unwrap();
        r["checks"][0].clone()
    };
    // The region's own name is Chinese in both languages: the sentence around it tells them apart.
    let by_locale = run(None, "zh_CN.UTF-8");
    let zh_message = by_locale["message"].as_str().unwrap();
    assert!(zh_message.contains("公网地址") && by_locale["message_en"].is_string(), "{by_locale}");
    let flag = run(Some("en"), "zh_CN.UTF-8");
    let en_message = flag["message"].as_str().unwrap();
    assert!(en_message.contains("1 public address") && flag.get("message_en").is_none(), "{flag}");
    assert_eq!(by_locale["message_en"].as_str(), Some(en_message));
    // Ids, statuses and keys never change.
    assert_eq!((by_locale["id"].clone(), by_locale["status"].clone()), (flag["id"].clone(), flag["status"].clone()));
}

#[test]
fn the_chinese_table_stays_within_the_terminal_width() {
    let regions = path("firewall/regions.json");
    for width in [60, 80, 100] {
        let o = bin()
            .args(["--regions-file", &regions, "--region", "doc-fw-1", "--only", "firewall,region", "--lang", "zh"])
            .args(["--firewall", &format!("iptables:{}", path("firewall/iptables-save.legacy.txt"))])
            .env("COLUMNS", width.to_string())
            .output()
            .unwrap();
        let table = stdout(&o);
        assert!(has_chinese(&table), "{table}");
        for line in table.lines() {
            let w = unicode_width::UnicodeWidthStr::width(line);
            assert!(w <= width, "{w} columns > {width}: {line}");
        }
    }
}

#[test]
fn help_and_usage_errors_are_in_the_run_language() {
    // Help texts are translated only when help or an error shows them: each language keeps its own.
    let run = |args: &[&str]| bin().args(args).output().unwrap();
    let zh_help = stdout(&run(&["--lang", "zh", "--help"]));
    assert!(zh_help.contains("用法：k8sjoin-check [OPTIONS] [COMMAND]"), "{zh_help}");
    assert!(zh_help.contains("列出各地域、其地址池"), "{zh_help}");
    let en_help = stdout(&run(&["--lang", "en", "--help"]));
    assert!(en_help.contains("Usage: k8sjoin-check [OPTIONS] [COMMAND]"), "{en_help}");
    assert!(en_help.contains("List the regions, their address pools"), "{en_help}");
    let zh_error = run(&["--lang", "zh", "--bogus"]);
    assert_eq!(zh_error.status.code(), Some(2));
    assert!(stderr(&zh_error).contains("错误：未知参数 '--bogus'"), "{}", stderr(&zh_error));
    let en_error = run(&["--lang", "en", "--deadline", "x"]);
    assert_eq!(en_error.status.code(), Some(2));
    assert!(stderr(&en_error).contains("invalid value 'x' for '--deadline <DUR>'"), "{}", stderr(&en_error));
}
