//! `k8sjoin-check merge`: the reports of every master made one fleet report. The node reports
//! come from the real binary run on copies of a fixture node (`--root`, `--node`), as the
//! DaemonSet's pods make them; the input is what `kubectl logs --prefix` prints.
#![expect(clippy::unwrap_used)] // in tests a panic is the failure report

mod common;

use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Output, Stdio};

use common::{Need, bin, check, copy_tree, fixture, prerequisites, stderr, stdout};
use serde_json::Value;

/// The audit checks that hold on the fixture node without a running API server or log.
const ONLY: &str =
    "audit.k8s-version,audit.policy-file,audit.policy-content,audit.apiserver-flags,audit.apiserver-mounts";

/// A copy of the `seed-policy-fixed` node; `edit` may change its audit policy.
fn node(edit_policy: Option<&str>) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    copy_tree(&fixture("audit/seed-policy-fixed"), dir.path());
    if let Some(extra) = edit_policy {
        let policy = dir.path().join("etc/kubernetes/audit-policy.yaml");
        let text = std::fs::read_to_string(&policy).unwrap();
        std::fs::write(&policy, format!("{text}{extra}")).unwrap();
    }
    dir
}

/// The JSON line a fleet pod prints for `name`.
fn node_report(root: &Path, name: &str, region: &str) -> String {
    let o = bin()
        .args(["--root", root.to_str().unwrap(), "--audit", "--only", ONLY, "--region", region])
        .args(["--node", name, "--format", "json-line"])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(0), "{name}: {}{}", stdout(&o), stderr(&o));
    let line = stdout(&o);
    assert_eq!(line.trim_end().lines().count(), 1, "one line: {line}");
    line.trim_end().to_string()
}

/// `kubectl logs --prefix` of the fleet's pods.
fn pod_logs(reports: &[(&str, String)]) -> String {
    reports.iter().map(|(name, line)| format!("[pod/k8sjoin-check-{name}/k8sjoin-check] {line}\n")).collect()
}

fn merge(stdin: &str, args: &[&str]) -> Output {
    let mut child = bin()
        .arg("merge")
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(stdin.as_bytes()).unwrap();
    child.wait_with_output().unwrap()
}

fn three_masters(differing_policy: Option<&str>) -> String {
    let same = node(None);
    let third = node(differing_policy);
    pod_logs(&[
        ("m1", node_report(same.path(), "m1", "cn-hangzhou")),
        ("m2", node_report(same.path(), "m2", "cn-hangzhou")),
        ("m3", node_report(third.path(), "m3", "cn-hangzhou")),
    ])
}

#[test]
fn three_identical_ready_masters_are_ready() {
    let logs = three_masters(None);
    let o = merge(&logs, &["-", "--format", "json"]);
    assert_eq!(o.status.code(), Some(0), "{}{}", stdout(&o), stderr(&o));
    let r = common::report_json(&o.stdout).unwrap();
    assert_eq!(r["summary"]["verdict"], "ready", "{r:#}");
    let nodes: Vec<&str> =
        r["fleet"]["nodes"].as_array().unwrap().iter().map(|n| n["node"].as_str().unwrap()).collect();
    assert_eq!(nodes, ["m1", "m2", "m3"]);
    assert_eq!(check(&r, "fleet.drift")["status"], "pass", "{:#}", check(&r, "fleet.drift"));
    // Each node's source is where its line was read.
    assert_eq!(r["fleet"]["nodes"][2]["source"], "<stdin>:3");

    let table = merge(&logs, &["-"]);
    assert_eq!(table.status.code(), Some(0));
    assert!(stdout(&table).trim_end().ends_with("exit 0"), "{}", stdout(&table));
    assert!(stdout(&table).trim_end().lines().last().unwrap().starts_with("READY"), "{}", stdout(&table));
}

#[test]
fn one_master_with_another_audit_policy_is_not_ready_naming_it() {
    // The same rules, edited by hand on one master: the file differs, and so does its SHA-256.
    let logs = three_masters(Some("  # m3: edited by hand\n"));
    let o = merge(&logs, &["-", "--format", "json"]);
    assert_eq!(o.status.code(), Some(1), "{}{}", stdout(&o), stderr(&o));
    let r = common::report_json(&o.stdout).unwrap();
    assert_eq!(r["summary"]["verdict"], "not-ready");
    let drift = check(&r, "fleet.drift");
    assert_eq!(drift["status"], "fail", "{drift:#}");
    let message = drift["message"].as_str().unwrap();
    assert!(message.contains("m3") && message.contains("audit policy"), "{message}");
    assert!(!message.contains("m1:") && !message.contains("m2:"), "only the odd one out is named: {message}");

    let table = stdout(&merge(&logs, &["-"]));
    assert!(table.trim_end().lines().last().unwrap().starts_with("NOT READY"), "{table}");
    assert!(table.contains("fleet.drift"), "{table}");
}

#[test]
fn every_format_renders_the_fleet_report() {
    let logs = three_masters(Some("  # m3: edited by hand\n"));
    for format in ["table", "json", "json-line", "markdown", "junit"] {
        let o = merge(&logs, &["-", "--format", format]);
        assert_eq!(o.status.code(), Some(1), "{format}: {}", stderr(&o));
        let out = stdout(&o);
        assert!(out.contains("fleet.drift") && out.contains("m3"), "{format}: {out}");
        match format {
            "json" | "json-line" => {
                common::report_json(&o.stdout).unwrap();
            }
            "junit" => {
                roxmltree::Document::parse(&out).unwrap_or_else(|e| panic!("{e}\n{out}"));
            }
            _ => {}
        }
    }
    if prerequisites("every_format_renders_the_fleet_report (junit schema)", &[Need::Command("xmllint")]) {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("fleet.xml");
        std::fs::write(&file, stdout(&merge(&logs, &["-", "--format", "junit"]))).unwrap();
        let schema: PathBuf = fixture("junit/junit.xsd");
        let o = std::process::Command::new("xmllint")
            .args(["--noout", "--schema", schema.to_str().unwrap(), file.to_str().unwrap()])
            .output()
            .unwrap();
        assert!(o.status.success(), "{}", stderr(&o));
    }
}

#[test]
fn report_files_merge_as_well_as_pod_logs() {
    let same = node(None);
    let dir = tempfile::tempdir().unwrap();
    let mut files = Vec::new();
    for name in ["m1", "m2"] {
        let file = dir.path().join(format!("{name}.json"));
        let o = bin()
            .args(["--root", same.path().to_str().unwrap(), "--audit", "--only", ONLY, "--region", "cn-hangzhou"])
            .args(["--node", name, "--report", file.to_str().unwrap()])
            .output()
            .unwrap();
        assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
        files.push(file.to_str().unwrap().to_string());
    }
    let report = dir.path().join("fleet.json");
    let o = bin().arg("merge").args(&files).args(["--report", report.to_str().unwrap()]).output().unwrap();
    assert_eq!(o.status.code(), Some(0), "{}{}", stdout(&o), stderr(&o));
    let r: Value = common::report_json(&std::fs::read(&report).unwrap()).unwrap();
    assert_eq!(r["fleet"]["nodes"].as_array().unwrap().len(), 2);
}

#[test]
fn anything_but_reports_is_refused_with_file_and_line() {
    let same = node(None);
    let good = node_report(same.path(), "m1", "cn-hangzhou");
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("logs.txt");
    std::fs::write(
        &file,
        format!("[pod/a/k8sjoin-check] {good}\nError from server (NotFound): pods \"b\" not found\n"),
    )
    .unwrap();
    let o = bin().arg("merge").arg(&file).output().unwrap();
    assert_eq!(o.status.code(), Some(2), "{}", stdout(&o));
    let message = stderr(&o);
    assert!(message.contains(&format!("{}:2", file.display())), "{message}");
    assert_eq!(message.trim_end().lines().count(), 1, "{message}");

    // A line that is JSON but not a report.
    let o = merge("{\"kind\": \"Status\"}\n", &["-"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("<stdin>:1"), "{}", stderr(&o));

    // Another schema version.
    let mut other: Value = serde_json::from_str(&good).unwrap();
    other["schema_version"] = Value::from(99);
    let o = merge(&format!("{other}\n"), &["-"]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(stderr(&o).contains("schema_version"), "{}", stderr(&o));

    // Nothing at all.
    let o = merge("", &["-"]);
    assert_eq!(o.status.code(), Some(2));
}

#[test]
fn reports_of_different_regions_or_the_same_node_twice_are_refused() {
    let same = node(None);
    let logs = pod_logs(&[
        ("m1", node_report(same.path(), "m1", "cn-hangzhou")),
        ("m2", node_report(same.path(), "m2", "cn-beijing")),
    ]);
    let o = merge(&logs, &["-"]);
    assert_eq!(o.status.code(), Some(2), "{}", stdout(&o));
    assert!(stderr(&o).contains("<stdin>:2") && stderr(&o).contains("region"), "{}", stderr(&o));

    let line = node_report(same.path(), "m1", "cn-hangzhou");
    let o = merge(&pod_logs(&[("m1", line.clone()), ("m1-again", line)]), &["-"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("m1"), "{}", stderr(&o));
}
