//! `region.cidr-conflict` on copied control-plane nodes (`--root` fixtures), against a documentation
//! pool whose private CIDR is 198.51.100.0/26.
#![expect(clippy::expect_used, reason = "a test or benchmark: a panic is the failure report")]
mod common;

use common::{fixture, run, stderr};
use serde_json::Value;

fn cidr_check(node: &str) -> std::process::Output {
    let root = fixture(&format!("cidr/{node}"));
    let table = fixture("regions/doc.json");
    run(&[
        "--regions-file",
        table.to_str().expect("utf-8"),
        "--region",
        "doc-east-1",
        "--root",
        root.to_str().expect("utf-8"),
        "--only",
        "region.cidr-conflict",
        "--format",
        "json",
    ])
}

fn check(node: &str) -> Value {
    let o = cidr_check(node);
    let report: Value = common::report_json(&o.stdout).unwrap_or_else(|e| panic!("{node}: {e}: {}", stderr(&o)));
    assert_eq!(o.status.code(), Some(0), "a conflict warns, it does not fail the default gate");
    report["checks"][0].clone()
}

#[test]
fn clear_plan_passes_listing_what_was_compared() {
    let c = check("no-conflict");
    assert_eq!(c["status"], "pass", "{c}");
    let msg = c["message"].as_str().expect("message");
    for part in ["service CIDR 10.96.0.0/12", "pod CIDR 10.244.0.0/16", "node address 10.0.0.5/32", "198.51.100.0/26"] {
        assert!(msg.contains(part), "{part}: {msg}");
    }
}

#[test]
fn each_overlap_warns_naming_both_ranges_and_the_source() {
    for (node, range, source) in [
        ("pod-overlap", "pod CIDR 198.51.100.0/24", "kube-controller-manager.yaml:14 --cluster-cidr"),
        ("service-overlap", "service CIDR 198.51.100.0/25", "kube-apiserver.yaml:14 --service-cluster-ip-range"),
        ("node-overlap", "node address 198.51.100.9/32", "kube-apiserver.yaml:13 --advertise-address"),
    ] {
        let c = check(node);
        assert_eq!(c["status"], "warn", "{node}: {c}");
        let msg = c["message"].as_str().expect("message");
        assert!(msg.contains(range) && msg.contains(source) && msg.contains("198.51.100.0/26"), "{node}: {msg}");
        assert_eq!(c["evidence"]["conflicts"].as_array().map(Vec::len), Some(1), "{node}");
    }
}

#[test]
fn without_manifests_the_check_is_skipped() {
    let c = check("../host/no-runtime");
    assert_eq!(c["status"], "skip", "{c}");
}

#[test]
fn malformed_manifests_exit_2_naming_file_and_line() {
    let o = cidr_check("malformed-cidr");
    assert_eq!(o.status.code(), Some(2));
    let err = stderr(&o);
    assert!(err.contains("kube-controller-manager.yaml:13: --cluster-cidr=198.51.100.0/33"), "{err}");
    let o = cidr_check("not-a-pod");
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("kube-controller-manager.yaml:2: kind is \"Deployment\", not Pod"), "{}", stderr(&o));
}
