//! The audit checks end to end: each fixture under `tests/fixtures/audit/` is a `--root` (a master
//! node's files), copied to a temp dir so the test can write a fresh audit log into it, then checked
//! by the real binary. Every test pins the status of every audit check.
#![expect(clippy::expect_used, reason = "helpers run inside tests: a failed setup is a failed test")]
mod common;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Output;
use std::time::{Duration, SystemTime};

use serde_json::Value;

use common::{bin, fixture, stderr, stdout};

const CLUSTER: &str = "c0ffee00c0ffee00c0ffee00c0ffee00";

/// Every audit check, in report order.
const AUDIT_IDS: [&str; 11] = [
    "audit.k8s-version",
    "audit.policy-file",
    "audit.policy-content",
    "audit.apiserver-flags",
    "audit.apiserver-mounts",
    "audit.collector-env",
    "audit.apiserver-running",
    "audit.log-written",
    "audit.apiserver-image",
    "audit.pool-seen",
    "audit.collector-installed",
];

const EVENT: &str = r#"{"kind":"Event","apiVersion":"audit.k8s.io/v1","level":"Metadata","auditID":"0f0e0d0c-0000-4000-8000-00000000000a","stage":"ResponseComplete","requestURI":"/apis/coordination.k8s.io/v1/namespaces/kube-system/leases/kube-scheduler","verb":"update","user":{"username":"system:kube-scheduler"},"responseStatus":{"code":200}}"#;

/// A writable copy of a fixture node.
struct Node {
    dir: tempfile::TempDir,
}

impl Node {
    fn from_fixture(name: &str) -> Node {
        let dir = tempfile::tempdir().expect("tempdir");
        common::copy_tree(&fixture(&format!("audit/{name}")), dir.path());
        Node { dir }
    }

    fn root(&self) -> &Path {
        self.dir.path()
    }

    fn path(&self, host_path: &str) -> PathBuf {
        self.root().join(host_path.trim_start_matches('/'))
    }

    /// Writes the audit log where the vendor's layout puts it, last modified `age` ago.
    fn write_log(&self, body: &str, age: Duration) {
        let path = self.path("/var/log/kubernetes/kubernetes.audit");
        std::fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
        std::fs::write(&path, body).expect("write log");
        let file = std::fs::File::options().write(true).open(&path).expect("open log");
        file.set_modified(SystemTime::now() - age).expect("set mtime");
    }

    fn fresh_log(&self) {
        self.write_log(&format!("{EVENT}\n").repeat(3), Duration::ZERO);
    }

    fn edit(&self, host_path: &str, from: &str, to: &str) {
        let path = self.path(host_path);
        let text = std::fs::read_to_string(&path).expect("read");
        assert!(text.contains(from), "{host_path} lacks {from:?}");
        std::fs::write(&path, text.replacen(from, to, 1)).expect("write");
    }

    fn run(&self, extra: &[&str]) -> (Output, Value) {
        let root = self.root().to_str().expect("utf-8 temp path");
        // `--only audit` unless the test narrows the selection itself.
        let only: &[&str] = if extra.contains(&"--only") { &[] } else { &["--only", "audit"] };
        // The fixtures' masters are in cn-shenzhen's VPC (their registry-vpc images say so); the
        // region table has documentation addresses only.
        let regions = fixture("audit/regions.json");
        let region: Vec<&str> = if extra.contains(&"--region") {
            vec![]
        } else {
            vec!["--regions-file", regions.to_str().expect("path"), "--region", "cn-shenzhen", "--network", "vpc"]
        };
        let out = bin()
            .args(["--root", root, "--audit", "--format", "json"])
            .args(only)
            .args(region)
            .args(extra)
            .output()
            .expect("the binary runs");
        let report = common::report_json(&out.stdout).unwrap_or(Value::Null);
        (out, report)
    }

    /// Runs with the fixture's cluster id and returns every check's status and message.
    fn statuses(&self, extra: &[&str]) -> BTreeMap<String, (String, String)> {
        let mut args = vec!["--cluster-id", CLUSTER];
        args.extend_from_slice(extra);
        let (out, report) = self.run(&args);
        // 4: some required audit check could not run on this fixture (an incomplete verdict).
        assert!(matches!(out.status.code(), Some(0 | 1 | 4)), "exit {:?}: {}", out.status.code(), stderr(&out));
        report["checks"]
            .as_array()
            .expect("checks")
            .iter()
            .map(|c| {
                let field = |k: &str| c[k].as_str().unwrap_or_default().to_string();
                (field("id"), (field("status"), field("message")))
            })
            .collect()
    }
}

/// The statuses of a correct node, with `changes` applied.
fn expected(changes: &[(&str, &str)]) -> BTreeMap<String, String> {
    let mut map: BTreeMap<String, String> = AUDIT_IDS.iter().map(|id| (id.to_string(), "pass".to_string())).collect();
    map.insert("audit.collector-installed".into(), "manual".into());
    // No request from the pool in the fixtures' logs: the state before the join.
    map.insert("audit.pool-seen".into(), "skip".into());
    for (id, status) in changes {
        assert!(map.insert(id.to_string(), status.to_string()).is_some(), "unknown id {id}");
    }
    map
}

/// Runs a fixture with a fresh log and asserts the status of every audit check; returns the messages.
fn assert_fixture(name: &str, changes: &[(&str, &str)]) -> BTreeMap<String, String> {
    let node = Node::from_fixture(name);
    node.fresh_log();
    let got = node.statuses(&[]);
    let statuses: BTreeMap<String, String> = got.iter().map(|(id, (s, _))| (id.clone(), s.clone())).collect();
    assert_eq!(statuses, expected(changes), "{name}: {got:#?}");
    got.into_iter().map(|(id, (_, message))| (id, message)).collect()
}

#[test]
fn the_seeds_fixed_policy_passes_everything() {
    assert_fixture("seed-policy-fixed", &[]);
}

#[test]
fn the_seeds_policy_on_1_20_is_deprecated() {
    let messages = assert_fixture("seed-policy-on-1.20", &[("audit.policy-file", "warn")]);
    let m = &messages["audit.policy-file"];
    assert!(m.contains("audit.k8s.io/v1beta1") && m.contains("deprecated"), "{m}");
    // The version comes from the control plane's images (the other components', then the API server's).
    let v = &messages["audit.k8s-version"];
    assert!(v.contains("v1.20.4") && v.contains("images"), "{v}");
}

#[test]
fn the_seeds_policy_on_1_28_stops_the_server() {
    let messages = assert_fixture("seed-policy-on-1.28", &[("audit.policy-file", "fail")]);
    let m = &messages["audit.policy-file"];
    assert!(m.contains("refuses to start") && m.contains("v1.28.3"), "{m}");
}

#[test]
fn a_missing_flag_fails_only_the_flags_check() {
    let messages = assert_fixture("missing-flag", &[("audit.apiserver-flags", "fail")]);
    assert!(messages["audit.apiserver-flags"].contains("--audit-log-maxage"));
}

#[test]
fn flag_values_are_judged() {
    const MANIFEST: &str = "/etc/kubernetes/manifests/kube-apiserver.yaml";
    for (from, to, status, says) in [
        ("--audit-log-maxsize=100", "--audit-log-maxsize=50", "warn", "below the vendor's 100"),
        ("--audit-log-maxbackup=10", "--audit-log-maxbackup=ten", "fail", "not a whole number"),
        ("--audit-log-maxage=30\n", "--audit-log-maxage=30\n    - --audit-log-format=legacy\n", "fail", "JSON"),
        ("--audit-log-path=/var/log/kubernetes/kubernetes.audit", "--audit-log-path=-", "fail", "standard output"),
        ("    - --audit-policy-file=/etc/kubernetes/audit-policy.yaml\n", "", "fail", "--audit-policy-file is missing"),
    ] {
        let node = Node::from_fixture("seed-policy-fixed");
        node.edit(MANIFEST, from, to);
        let (got, message) = &node.statuses(&["--only", "audit.apiserver-flags"])["audit.apiserver-flags"];
        assert_eq!(got, status, "{to:?}: {message}");
        assert!(message.contains(says), "{to:?}: {message}");
    }
}

#[test]
fn policy_content_warnings() {
    for (policy, says) in [
        ("apiVersion: audit.k8s.io/v1\nkind: Policy\nrules:\n- level: Metadata\n", "omitStages lacks RequestReceived"),
        (
            "apiVersion: audit.k8s.io/v1\nkind: Policy\nomitStages: [RequestReceived]\nrules:\n- level: Metadata\n  verbs: [create]\n",
            "no catch-all",
        ),
        (
            "apiVersion: audit.k8s.io/v1\nkind: Policy\nomitStages: [RequestReceived]\nrules:\n- level: None\n",
            "every request ends at level None",
        ),
        (
            "apiVersion: audit.k8s.io/v1\nkind: Policy\nomitStages: [RequestReceived]\nrules:\n- level: Metadata\n- level: None\n  users: [x]\n",
            "never apply",
        ),
    ] {
        let node = Node::from_fixture("seed-policy-fixed");
        std::fs::write(node.path("/etc/kubernetes/audit-policy.yaml"), policy).expect("write policy");
        let got = node.statuses(&["--only", "audit.policy-file", "--only", "audit.policy-content"]);
        assert_eq!(got["audit.policy-file"].0, "pass", "{policy}: {got:?}");
        let (status, message) = &got["audit.policy-content"];
        assert_eq!(status, "warn", "{policy}: {message}");
        assert!(message.contains(says), "{policy}: {message}");
    }
}

#[test]
fn what_kube_apiserver_refuses_fails_the_policy_file_check() {
    let node = Node::from_fixture("seed-policy-fixed");
    std::fs::write(
        node.path("/etc/kubernetes/audit-policy.yaml"),
        "apiVersion: audit.k8s.io/v1\nkind: Policy\nrules:\n- level: Full\n",
    )
    .expect("write policy");
    let (status, message) = &node.statuses(&["--only", "audit.policy-file"])["audit.policy-file"];
    assert_eq!(status, "fail");
    assert!(message.contains("audit-policy.yaml:4") && message.contains("\"Full\""), "{message}");
    std::fs::write(node.path("/etc/kubernetes/audit-policy.yaml"), "apiVersion: v1\nkind: ConfigMap\n").expect("write");
    let (status, message) = &node.statuses(&["--only", "audit.policy-file"])["audit.policy-file"];
    assert_eq!(status, "fail");
    assert!(message.contains("ConfigMap") && message.contains("\"v1\""), "{message}");
}

#[test]
fn a_missing_mount_fails_only_the_mounts_check() {
    let messages = assert_fixture("missing-mount", &[("audit.apiserver-mounts", "fail")]);
    assert!(messages["audit.apiserver-mounts"].contains("/etc/kubernetes/audit-policy.yaml"));
}

#[test]
fn a_wrong_mount_path_fails_the_mounts_check_and_the_log_cannot_be_found() {
    let messages =
        assert_fixture("wrong-mount-path", &[("audit.apiserver-mounts", "fail"), ("audit.log-written", "skip")]);
    assert!(messages["audit.apiserver-mounts"].contains("/var/log/kube-audit"), "{messages:?}");
    assert!(messages["audit.log-written"].contains("audit.apiserver-mounts"));
}

#[test]
fn other_mount_mistakes_fail_the_mounts_check() {
    const MANIFEST: &str = "/etc/kubernetes/manifests/kube-apiserver.yaml";
    for (from, to, says) in [
        ("DirectoryOrCreate\n    name: k8s-audit\n", "DirectoryOrCreate\n    name: audit-logs\n", "names no volume"),
        ("      name: k8s-audit\n", "      name: k8s-audit\n      readOnly: true\n", "readOnly"),
        ("      type: FileOrCreate\n", "      type: DirectoryOrCreate\n", "type DirectoryOrCreate"),
        (
            "  - hostPath:\n      path: /var/log/kubernetes\n      type: DirectoryOrCreate\n    name: k8s-audit\n",
            "  - emptyDir: {}\n    name: k8s-audit\n",
            "not a hostPath",
        ),
    ] {
        let node = Node::from_fixture("seed-policy-fixed");
        node.edit(MANIFEST, from, to);
        let (status, message) = &node.statuses(&["--only", "audit.apiserver-mounts"])["audit.apiserver-mounts"];
        assert_eq!(status, "fail", "{to:?}: {message}");
        assert!(message.contains(says), "{to:?}: {message}");
    }
}

#[test]
fn a_writable_policy_mount_fails_only_the_mounts_check() {
    let messages = assert_fixture("writable-policy-mount", &[("audit.apiserver-mounts", "fail")]);
    assert!(messages["audit.apiserver-mounts"].contains("writable"));
}

#[test]
fn a_placeholder_left_fails_only_the_env_check() {
    let messages = assert_fixture("placeholder-left", &[("audit.collector-env", "fail")]);
    assert!(messages["audit.collector-env"].contains("${cluster_id}"));
}

#[test]
fn an_empty_policy_fails_the_policy_file_check() {
    let messages = assert_fixture("empty-policy", &[("audit.policy-file", "fail"), ("audit.policy-content", "skip")]);
    assert!(messages["audit.policy-file"].contains("empty") && messages["audit.policy-file"].contains("FileOrCreate"));
}

#[test]
fn secrets_at_request_response_fail_the_content_check_naming_the_rule() {
    let messages = assert_fixture("secrets-at-requestresponse", &[("audit.policy-content", "fail")]);
    let m = &messages["audit.policy-content"];
    assert!(m.contains("rule 9") && m.contains("secrets") && m.contains("RequestResponse"), "{m}");
}

#[test]
fn a_running_process_that_differs_warns() {
    // DESIGN.md §3: differing flags mean the manifest was edited but not yet picked up: warn; and
    // before the restart the log is not judged (it cannot be written yet).
    let messages = assert_fixture(
        "running-process-differs",
        &[("audit.apiserver-running", "warn"), ("audit.log-written", "skip")],
    );
    assert!(messages["audit.apiserver-running"].contains("--audit-log-path"));
    assert!(messages["audit.log-written"].contains("not been restarted"), "{messages:?}");
}

#[test]
fn a_master_edited_right_has_no_failing_check_before_and_after_its_restart() {
    // Before: the manifest and policy are right, kube-apiserver still runs without the audit
    // flags, and there is no audit log yet.
    let node = Node::from_fixture("running-process-differs");
    let before = node.statuses(&[]);
    let failing: Vec<&String> = before.iter().filter(|(_, (s, _))| s == "fail").map(|(id, _)| id).collect();
    assert!(failing.is_empty(), "before the restart: {before:#?}");
    assert_eq!(before["audit.log-written"].0, "skip");
    assert_eq!(before["audit.pool-seen"].0, "skip");
    // After: the restarted process has the flags, the log is written, and the security center's
    // requests (from a cn-shenzhen pool address, a documentation address here) are in it.
    let after = Node::from_fixture("seed-policy-fixed");
    let from_pool = EVENT.replace(
        r#""verb":"update""#,
        r#""verb":"get","sourceIPs":["198.51.100.70"],"stageTimestamp":"2026-12-01T08:30:00.123456Z""#,
    );
    after.write_log(&format!("{EVENT}\n{from_pool}\n{EVENT}\n"), Duration::ZERO);
    let got = after.statuses(&[]);
    let mut want = expected(&[]);
    want.insert("audit.pool-seen".into(), "pass".into());
    let statuses: BTreeMap<String, String> = got.iter().map(|(id, (s, _))| (id.clone(), s.clone())).collect();
    assert_eq!(statuses, want, "{got:#?}");
    let seen = &got["audit.pool-seen"].1;
    assert!(
        seen.contains("198.51.100.70") && seen.contains("2026-12-01T08:30:00.123456Z") && seen.contains("1 request"),
        "{seen}"
    );
}

#[test]
fn the_vendors_image_line_on_a_1_28_master_fails_the_image_check() {
    let messages = assert_fixture("vendor-image-on-1.28", &[("audit.apiserver-image", "fail")]);
    let m = &messages["audit.apiserver-image"];
    assert!(m.contains("v1.20.4") && m.contains("8 minor versions") && m.contains("kube-"), "{m}");
    // The version is the control plane's, not the pasted tag's.
    let v = &messages["audit.k8s-version"];
    assert!(v.contains("v1.28.3") && v.contains("v1.20.4"), "{v}");
    // In another region, the VPC-only registry fails it too.
    let node = Node::from_fixture("vendor-image-on-1.28");
    let regions = fixture("audit/regions.json");
    let args = ["--regions-file", regions.to_str().expect("path"), "--region", "cn-hangzhou", "--network", "vpc"];
    let (status, message) =
        node.statuses(&[&args[..], &["--only", "audit.apiserver-image"]].concat())["audit.apiserver-image"].clone();
    assert_eq!(status, "fail");
    assert!(message.contains("registry-vpc.cn-shenzhen.aliyuncs.com") && message.contains("cn-hangzhou"), "{message}");
}

#[test]
fn the_vendors_whole_snippet_on_1_28_fails_exactly_the_policy_and_the_image() {
    let messages =
        assert_fixture("vendor-snippet-on-1.28", &[("audit.policy-file", "fail"), ("audit.apiserver-image", "fail")]);
    assert!(messages["audit.policy-file"].contains("audit.k8s.io/v1beta1"), "{messages:?}");
}

#[test]
fn without_audit_the_audit_checks_are_not_listed() {
    let root = fixture("audit/seed-policy-fixed");
    let out = bin().args(["--root", root.to_str().expect("path"), "--format", "json"]).output().expect("runs");
    let report: Value = common::report_json(&out.stdout).expect("json report");
    let ids: Vec<&str> = report["checks"].as_array().expect("checks").iter().filter_map(|c| c["id"].as_str()).collect();
    assert!(!ids.is_empty() && ids.iter().all(|id| !id.starts_with("audit.")), "{ids:?}");
    let out = bin().args(["--root", root.to_str().expect("path"), "--only", "audit"]).output().expect("runs");
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("--audit"), "{}", stderr(&out));
}

#[test]
fn with_audit_the_catalogue_order_holds() {
    let node = Node::from_fixture("seed-policy-fixed");
    let root = node.root().to_str().expect("path").to_string();
    let out = bin()
        .args(["--root", &root, "--audit", "--only", "audit", "--only", "edition", "--format", "json"])
        .output()
        .expect("runs");
    let report: Value = common::report_json(&out.stdout).expect("json report");
    let ids: Vec<&str> = report["checks"].as_array().expect("checks").iter().filter_map(|c| c["id"].as_str()).collect();
    let mut want: Vec<&str> = AUDIT_IDS[..10].to_vec();
    want.extend(["edition.requirement", "audit.collector-installed"]);
    assert_eq!(ids, want);
}

#[test]
fn malformed_inputs_stop_the_run_naming_the_file() {
    for (name, file, line) in [
        ("malformed-manifest", "etc/kubernetes/manifests/kube-apiserver.yaml", Some(49)),
        ("manifest-not-a-pod", "etc/kubernetes/manifests/kube-apiserver.yaml", Some(2)),
        ("binary-manifest", "etc/kubernetes/manifests/kube-apiserver.yaml", None),
        ("malformed-policy", "etc/kubernetes/audit-policy.yaml", Some(10)),
    ] {
        let node = Node::from_fixture(name);
        let (out, _) = node.run(&[]);
        let err = stderr(&out);
        assert_eq!(out.status.code(), Some(2), "{name}: {err}");
        assert!(stdout(&out).is_empty(), "{name}: no report on an input error");
        let named = node.root().join(file).display().to_string();
        match line {
            Some(line) => assert!(err.contains(&format!("{named}:{line}: ")), "{name}: {err}"),
            None => assert!(err.contains(&named), "{name}: {err}"),
        }
        assert!(!err.contains("panicked"), "{name}: {err}");
    }
}

#[test]
fn a_stale_log_fails() {
    let node = Node::from_fixture("seed-policy-fixed");
    node.write_log(&format!("{EVENT}\n"), Duration::from_secs(20 * 60));
    let got = node.statuses(&["--only", "audit.log-written"]);
    let (status, message) = &got["audit.log-written"];
    assert_eq!(status, "fail", "{message}");
    assert!(message.contains("20 minutes ago"), "{message}");
}

#[test]
fn a_log_that_is_not_v1_events_fails() {
    let node = Node::from_fixture("seed-policy-fixed");
    let legacy = "2026-01-01T00:00:00Z AUDIT: id=\"x\" stage=\"ResponseComplete\" ip=\"192.0.2.1\" method=\"get\"\n";
    node.write_log(&format!("{EVENT}\n{legacy}"), Duration::ZERO);
    let (status, message) = &node.statuses(&["--only", "audit.log-written"])["audit.log-written"];
    assert_eq!(status, "fail", "{message}");
    assert!(message.contains("line 2 of the last 2"), "{message}");
    node.write_log(&format!("{}\n", EVENT.replace("audit.k8s.io/v1", "audit.k8s.io/v1beta1")), Duration::ZERO);
    let (status, message) = &node.statuses(&["--only", "audit.log-written"])["audit.log-written"];
    assert_eq!(status, "fail", "{message}");
    assert!(message.contains("v1beta1"), "{message}");
}

#[test]
fn a_missing_log_fails() {
    let node = Node::from_fixture("seed-policy-fixed");
    let (status, message) = &node.statuses(&["--only", "audit.log-written"])["audit.log-written"];
    assert_eq!(status, "fail", "{message}");
    assert!(message.contains("no audit log"), "{message}");
}

#[test]
fn the_cluster_id_is_compared_when_given() {
    let node = Node::from_fixture("seed-policy-fixed");
    let out = node.run(&["--cluster-id", "c1111111111111111111111111111111", "--only", "audit.collector-env"]).1;
    assert_eq!(out["checks"][0]["status"], "fail", "{out:#}");
    let out = node.run(&["--only", "audit.collector-env"]).1;
    assert_eq!(out["checks"][0]["status"], "warn", "without --cluster-id the id cannot be confirmed: {out:#}");
}

#[test]
fn an_unquoted_jsonfile_value_is_caught() {
    let node = Node::from_fixture("seed-policy-fixed");
    node.edit("/etc/kubernetes/manifests/kube-apiserver.yaml", "      value: \"true\"\n", "      value: true\n");
    let (status, message) = &node.statuses(&["--only", "audit.collector-env"])["audit.collector-env"];
    assert_eq!(status, "fail");
    assert!(message.contains("unquoted"), "{message}");
}

#[test]
fn the_version_falls_back_to_the_flag_and_else_is_unknown() {
    let node = Node::from_fixture("seed-policy-fixed");
    node.edit("/etc/kubernetes/manifests/kube-apiserver.yaml", ":v1.28.3-aliyun.1", "@sha256:0123");
    // Without the other components' images either (a copy of kube-apiserver.yaml alone).
    for other in ["kube-controller-manager", "kube-scheduler"] {
        std::fs::remove_file(node.path(&format!("/etc/kubernetes/manifests/{other}.yaml"))).expect("rm");
    }
    let (status, message) = &node.statuses(&["--only", "audit.k8s-version"])["audit.k8s-version"];
    assert_eq!(status, "skip", "{message}");
    let (status, message) =
        &node.statuses(&["--only", "audit.k8s-version", "--k8s-version", "1.15"])["audit.k8s-version"];
    assert_eq!(status, "fail", "{message}");
    assert!(message.contains("--k8s-version") && message.contains("v1.16"), "{message}");
    // The seed's v1beta1 policy with only --k8s-version 1.24 known: refused.
    node.edit("/etc/kubernetes/audit-policy.yaml", "audit.k8s.io/v1 ", "audit.k8s.io/v1beta1 ");
    let got = node.statuses(&["--only", "audit.policy-file", "--k8s-version", "1.24"]);
    assert_eq!(got["audit.policy-file"].0, "fail", "{got:?}");
    let out = node.run(&["--k8s-version", "one.two"]).0;
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn an_upgrade_written_into_the_manifest_counts() {
    // The flag says the cluster runs 1.23 today; the manifest's image is 1.28: the policy must load on both.
    let node = Node::from_fixture("seed-policy-on-1.28");
    let got = node.statuses(&["--only", "audit.policy-file", "--k8s-version", "1.23"]);
    assert_eq!(got["audit.policy-file"].0, "fail", "{got:?}");
}

#[test]
fn without_a_manifest_the_manifest_checks_skip() {
    let node = Node { dir: tempfile::tempdir().expect("tempdir") };
    let got = node.statuses(&[]);
    for id in [
        "audit.apiserver-flags",
        "audit.apiserver-mounts",
        "audit.collector-env",
        "audit.apiserver-running",
        "audit.log-written",
    ] {
        assert_eq!(got[id].0, "skip", "{id}: {}", got[id].1);
        assert!(got[id].1.contains("kube-apiserver.yaml"), "{id}: {}", got[id].1);
    }
    assert_eq!(got["audit.policy-file"].0, "fail", "no policy at the default path");
    assert_eq!(got["audit.k8s-version"].0, "skip");
}

#[test]
fn without_a_process_table_the_running_check_skips() {
    let node = Node::from_fixture("seed-policy-fixed");
    std::fs::remove_dir_all(node.path("/proc")).expect("rm proc");
    let (status, message) = &node.statuses(&["--only", "audit.apiserver-running"])["audit.apiserver-running"];
    assert_eq!(status, "skip", "{message}");
}

#[test]
fn a_directory_in_place_of_the_policy_fails() {
    let node = Node::from_fixture("seed-policy-fixed");
    std::fs::remove_file(node.path("/etc/kubernetes/audit-policy.yaml")).expect("rm");
    std::fs::create_dir(node.path("/etc/kubernetes/audit-policy.yaml")).expect("mkdir");
    let got = node.statuses(&["--only", "audit.policy-file", "--only", "audit.policy-content"]);
    assert_eq!(got["audit.policy-file"].0, "fail");
    assert!(got["audit.policy-file"].1.contains("directory"));
    assert_eq!(got["audit.policy-content"].0, "skip");
}

#[test]
fn audit_policy_output_passes_the_policy_checks() {
    for version in ["1.28", "1.20", "1.16"] {
        let out = bin().args(["audit-policy", "--k8s-version", version]).output().expect("runs");
        assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
        assert!(stdout(&out).contains("\napiVersion: audit.k8s.io/v1\n"), "{version}");
        let node = Node::from_fixture("seed-policy-on-1.28");
        std::fs::write(node.path("/etc/kubernetes/audit-policy.yaml"), &out.stdout).expect("write policy");
        let got =
            node.statuses(&["--only", "audit.policy-file", "--only", "audit.policy-content", "--k8s-version", version]);
        assert_eq!(got["audit.policy-file"].0, "pass", "{version}: {got:?}");
        assert_eq!(got["audit.policy-content"].0, "pass", "{version}: {got:?}");
    }
}

#[test]
fn audit_policy_for_old_versions_and_bad_input() {
    let out = bin().args(["audit-policy", "--k8s-version", "v1.11.2"]).output().expect("runs");
    assert!(stdout(&out).contains("\napiVersion: audit.k8s.io/v1beta1\n"), "{}", stdout(&out));
    let out = bin().args(["audit-policy"]).output().expect("runs");
    assert!(stdout(&out).contains("\napiVersion: audit.k8s.io/v1\n"));
    let out = bin().args(["audit-policy", "--k8s-version", "latest"]).output().expect("runs");
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("--k8s-version"), "{}", stderr(&out));
}
