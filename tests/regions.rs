//! The region table as users see it: `regions`, name resolution, VPC eligibility for every region,
//! and strict loading of `--regions-file`.
#![expect(clippy::expect_used, reason = "a test or benchmark: a panic is the failure report")]
mod common;

use common::{fixture, run, stderr, stdout};
use serde_json::Value;

/// The vendor's table (需要加白的IP地址池 and the VPC region list), typed from the seed page by hand
/// and deliberately not read from data/regions.json: this is what the shipped table must equal.
const SEED: &[(&str, &str, &[&str], &str, bool)] = &[
    ("cn-hangzhou", "华东1(杭州)", &["47.96.166.214"], "100.104.12.64/26", true),
    (
        "cn-shanghai",
        "华东2(上海)",
        &[
            "139.224.15.48",
            "101.132.180.26",
            "47.100.18.171",
            "47.100.0.176",
            "139.224.8.64",
            "101.132.70.106",
            "101.132.156.228",
            "106.15.36.12",
            "139.196.168.125",
            "47.101.178.223",
            "47.101.220.176",
        ],
        "100.104.43.0/26",
        true,
    ),
    ("cn-qingdao", "华北1(青岛)", &["47.104.111.68"], "100.104.87.192/26", false),
    ("cn-beijing", "华北2(北京)", &["47.95.202.245"], "100.104.114.192/26", true),
    ("cn-zhangjiakou", "华北3(张家口)", &["39.99.229.195"], "100.104.187.64/26", false),
    ("cn-huhehaote", "华北5(呼和浩特)", &["39.104.147.68"], "100.104.36.0/26", false),
    ("cn-shenzhen", "华南1(深圳)", &["120.78.64.225"], "100.104.250.64/26", true),
    ("cn-guangzhou", "华南3(广州)", &["8.134.118.184"], "100.104.111.0/26", false),
    ("cn-hongkong", "中国香港", &["8.218.59.176"], "100.104.130.128/26", true),
    ("ap-northeast-1", "日本(东京)", &["47.74.24.20"], "100.104.69.0/26", false),
    ("ap-southeast-1", "新加坡", &["8.219.240.137"], "100.104.67.64/26", false),
    ("us-west-1", "美国(硅谷)", &["47.254.39.224"], "100.104.145.64/26", false),
    ("us-east-1", "美国(弗吉尼亚)", &["47.252.4.238"], "100.104.36.0/26", false),
    ("eu-central-1", "德国(法兰克福)", &["47.254.158.71"], "172.16.0.0/20", false),
    ("eu-west-1", "英国(伦敦)", &["8.208.14.12"], "172.16.0.0/20", false),
    ("ap-southeast-5", "印度尼西亚(雅加达)", &["149.129.238.99"], "100.104.193.128/26", false),
];

const VPC_REGIONS: [&str; 5] = ["cn-hangzhou", "cn-shanghai", "cn-beijing", "cn-shenzhen", "cn-hongkong"];

#[test]
fn regions_json_reproduces_the_seed_table_exactly() {
    let o = run(&["regions", "--format", "json"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let got: Vec<Value> = serde_json::from_str(&stdout(&o)).expect("regions --format json is a JSON array");
    assert_eq!(got.len(), 16);
    for (region, (id, name_zh, public, private, vpc)) in got.iter().zip(SEED) {
        let obj = region.as_object().expect("object");
        let keys: Vec<&str> = obj.keys().map(String::as_str).collect();
        assert_eq!(keys, ["id", "name_zh", "name_en", "public_ips", "private_cidrs", "vpc_supported"]);
        assert_eq!(region["id"], *id);
        assert_eq!(region["name_zh"], *name_zh);
        assert!(region["name_en"].as_str().is_some_and(|s| !s.is_empty()));
        let ips: Vec<&str> = region["public_ips"].as_array().expect("array").iter().filter_map(Value::as_str).collect();
        assert_eq!(ips, *public, "{id}: public IPs in the seed's order");
        assert_eq!(region["private_cidrs"], serde_json::json!([private]), "{id}");
        assert_eq!(region["vpc_supported"], *vpc, "{id}");
    }
}

#[test]
fn regions_table_marks_the_shared_private_cidrs() {
    let o = run(&["regions"]);
    assert!(o.status.success());
    let text = stdout(&o);
    assert!(text.contains("100.104.36.0/26 *"), "{text}");
    assert!(text.contains("172.16.0.0/20 *"), "{text}");
    assert!(text.contains("cn-huhehaote") && text.contains("overlap"), "{text}");
    // The unshared ones are not marked.
    assert!(!text.contains("100.104.12.64/26 *"), "{text}");
}

fn vpc_eligible(args: &[&str]) -> (i32, Value) {
    let mut all = vec!["--only", "region", "--format", "json"];
    all.extend_from_slice(args);
    let o = run(&all);
    let report: Value = common::report_json(&o.stdout).unwrap_or_else(|e| panic!("{e}: {}", stderr(&o)));
    let check = report["checks"]
        .as_array()
        .expect("checks")
        .iter()
        .find(|c| c["id"] == "region.vpc-eligible")
        .expect("region.vpc-eligible is reported")
        .clone();
    (o.status.code().expect("exit code"), check)
}

#[test]
fn vpc_eligibility_for_every_region_and_network_type() {
    for (id, ..) in SEED {
        let vpc_region = VPC_REGIONS.contains(id);
        for network in ["vpc", "public"] {
            let (code, check) = vpc_eligible(&["--region", id, "--network", network]);
            let should_fail = network == "vpc" && !vpc_region;
            let status = check["status"].as_str().expect("status");
            assert_eq!(status, if should_fail { "fail" } else { "pass" }, "{id} --network {network}: {check}");
            assert_eq!(code, if should_fail { 1 } else { 0 }, "{id} --network {network}");
            if should_fail {
                let msg = check["message"].as_str().expect("message");
                for v in VPC_REGIONS {
                    assert!(msg.contains(v), "{id}: message names {v}: {msg}");
                }
                let text = format!("{msg} {}", check["remediation"]);
                assert!(text.contains("public network") && text.contains("--network public"), "{text}");
            }
        }
    }
}

#[test]
fn auto_network_without_address_warns_outside_vpc_regions() {
    let (code, check) = vpc_eligible(&["--region", "cn-qingdao"]);
    assert_eq!(check["status"], "warn", "{check}");
    assert!(check["message"].as_str().is_some_and(|m| m.contains("a public-network one can")), "{check}");
    assert_eq!(code, 0, "a warn does not trip the default gate");
    let (_, check) = vpc_eligible(&["--region", "cn-beijing"]);
    assert_eq!(check["status"], "pass");
}

#[test]
fn auto_network_is_inferred_from_the_apiserver_address() {
    let (code, check) = vpc_eligible(&["--region", "cn-qingdao", "--apiserver", "https://10.1.2.3:6443"]);
    assert_eq!(check["status"], "fail", "private address → vpc, not allowed in cn-qingdao: {check}");
    assert_eq!(check["evidence"]["network_source"], "inferred");
    assert_eq!(code, 1);
    let (code, check) = vpc_eligible(&["--region", "cn-qingdao", "--apiserver", "https://203.0.113.10:6443"]);
    assert_eq!(check["status"], "pass", "{check}");
    assert_eq!(code, 0);
}

#[test]
fn region_names_resolve_in_every_spelling() {
    for spelling in ["华东1(杭州)", "华东1（杭州）", "China (Hangzhou)", "CN-HANGZHOU", "cn-hangzhou"] {
        let o = run(&["--region", spelling, "--only", "region.known", "--format", "json"]);
        assert_eq!(o.status.code(), Some(0), "{spelling}: {}", stderr(&o));
        let report: Value = common::report_json(&o.stdout).expect("json");
        assert_eq!(report["target"]["region"], "cn-hangzhou", "{spelling}");
        assert_eq!(report["target"]["region_name"], "华东1(杭州)");
    }
}

#[test]
fn unknown_region_exits_2_with_did_you_mean() {
    let o = run(&["--region", "cn-hangzou"]);
    assert_eq!(o.status.code(), Some(2));
    let err = stderr(&o);
    assert!(err.contains("did you mean cn-hangzhou?"), "{err}");
    assert!(stdout(&o).is_empty());
    let o = run(&["allowlist", "--region", "cn-hangzou"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("did you mean cn-hangzhou?"));
}

#[test]
fn missing_region_fails_region_known() {
    let o = run(&["--only", "region.known", "--format", "json"]);
    assert_eq!(o.status.code(), Some(1));
    let report: Value = common::report_json(&o.stdout).expect("json");
    assert_eq!(report["checks"][0]["status"], "fail");
    assert!(report["checks"][0]["message"].as_str().is_some_and(|m| m.contains("--region")));
}

#[test]
fn malformed_regions_files_exit_2_naming_file_and_problem() {
    let cases = [
        ("bad-json.json", "bad-json.json:4:", "expected"),
        ("bad-cidr.json", "bad-cidr.json:4:", "invalid IP address syntax"),
        ("host-bits.json", "host-bits.json:4:", "host bits set"),
        ("duplicate-id.json", "duplicate-id.json:5:", "duplicate id \"doc-1\""),
        ("missing-field.json", "missing-field.json:3:", "missing field `vpc_supported`"),
        ("empty-pool.json", "empty-pool.json:4:", "pool is empty"),
        ("truncated.json", "truncated.json:", "EOF"),
        ("binary.json", "binary.json", "not UTF-8"),
    ];
    for (file, location, problem) in cases {
        let path = fixture(&format!("regions/{file}"));
        let o = run(&["--regions-file", path.to_str().expect("utf-8 path"), "regions"]);
        assert_eq!(o.status.code(), Some(2), "{file}: {}", stderr(&o));
        let err = stderr(&o);
        assert!(err.contains(location), "{file}: {err}");
        assert!(err.contains(problem), "{file}: {err}");
        assert!(!err.contains("panicked"), "{file}: {err}");
    }
    let o = run(&["--regions-file", "/nonexistent/regions.json", "regions"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("/nonexistent/regions.json: cannot read"), "{}", stderr(&o));
}

#[test]
fn a_regions_file_replaces_the_embedded_table() {
    let path = fixture("regions/doc.json");
    let o = run(&["--regions-file", path.to_str().expect("path"), "regions", "--format", "json"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let regions: Vec<Value> = serde_json::from_str(&stdout(&o)).expect("json");
    let ids: Vec<&str> = regions.iter().filter_map(|r| r["id"].as_str()).collect();
    assert_eq!(ids, ["doc-east-1", "doc-west-1"]);
}
