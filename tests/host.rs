//! `host.container-runtime` on copied nodes (`--root` fixtures).
#![expect(clippy::expect_used, reason = "a test or benchmark: a panic is the failure report")]
mod common;

use common::{fixture, run};
use serde_json::Value;

fn runtime_check(node: &str) -> (i32, Value) {
    let root = fixture(&format!("host/{node}"));
    let o = run(&["--root", root.to_str().expect("utf-8"), "--only", "host", "--format", "json"]);
    let report: Value = common::report_json(&o.stdout).expect("json report");
    (o.status.code().expect("exit code"), report["checks"][0].clone())
}

#[test]
fn docker_socket_or_binary_passes() {
    for node in ["docker-socket", "docker-binary"] {
        let (code, check) = runtime_check(node);
        assert_eq!(check["id"], "host.container-runtime");
        assert_eq!(check["status"], "pass", "{node}: {check}");
        assert!(check["message"].as_str().is_some_and(|m| m.contains("Docker found")), "{check}");
        assert_eq!(code, 0);
    }
}

#[test]
fn containerd_only_warns_with_the_seed_requirement() {
    let (code, check) = runtime_check("containerd-only");
    assert_eq!(check["status"], "warn", "{check}");
    assert!(
        check["message"].as_str().is_some_and(|m| m.contains("已安装Docker") && m.contains("containerd")),
        "{check}"
    );
    assert_eq!(code, 0);
}

#[test]
fn no_runtime_fails() {
    let (code, check) = runtime_check("no-runtime");
    assert_eq!(check["status"], "fail", "{check}");
    assert_eq!(code, 1);
}
