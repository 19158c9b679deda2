//! Kubeconfig discovery as kubectl does it, malformed kubeconfigs, and the promise that no
//! credential from a kubeconfig ever shows up in output, a report, or on the wire.
#![expect(clippy::unwrap_used, reason = "a test or benchmark: a panic is the failure report")]

mod common;
mod servers;

use std::path::{Path, PathBuf};
use std::process::Output;

use base64::Engine as _;
use serde_json::Value;
use servers::{Answers, ApiServer, Ca};

const CANARY: &str = "CANARY-b7e1d2c9-secret";

fn b64(text: &str) -> String {
    base64::engine::general_purpose::STANDARD.encode(text)
}

fn write(path: &Path, text: &str) -> PathBuf {
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent).unwrap();
    }
    std::fs::write(path, text).unwrap();
    path.to_path_buf()
}

fn one_context(server: &str) -> String {
    format!(
        "current-context: a\ncontexts:\n- name: a\n  context: {{cluster: c}}\nclusters:\n- name: c\n  cluster:\n    server: {server}\n"
    )
}

/// Runs the endpoint check only (it sends no packet) with extra environment.
fn endpoint(args: &[&str], env: &[(&str, &str)]) -> (Option<Value>, Output) {
    let mut cmd = common::bin();
    cmd.args(["--format", "json", "--only", "apiserver.endpoint"]).args(args);
    for (k, v) in env {
        cmd.env(k, v);
    }
    let out = cmd.output().unwrap();
    let report: Option<Value> = common::report_json(&out.stdout).ok();
    let check = report.and_then(|r| r["checks"].as_array().and_then(|c| c.first().cloned()));
    (check, out)
}

fn url_of(check: &Option<Value>) -> String {
    check.as_ref().unwrap()["evidence"]["url"].as_str().unwrap().to_string()
}

#[test]
fn kubeconfig_list_merges_with_the_first_file_winning() {
    let dir = tempfile::tempdir().unwrap();
    let a = write(&dir.path().join("a"), "clusters:\n- name: c\n  cluster: {server: 'https://192.0.2.1:6443'}\n");
    let b = write(
        &dir.path().join("b"),
        "current-context: x\ncontexts:\n- name: x\n  context: {cluster: c}\nclusters:\n- name: c\n  cluster: {server: 'https://192.0.2.2:6443'}\n",
    );
    let missing = dir.path().join("missing");
    let list = std::env::join_paths([missing.as_path(), a.as_path(), b.as_path()]).unwrap();
    let (check, out) = endpoint(&[], &[("KUBECONFIG", list.to_str().unwrap())]);
    assert_eq!(url_of(&check), "https://192.0.2.1:6443", "{}", common::stderr(&out));
    let source = &check.as_ref().unwrap()["evidence"]["source"];
    assert_eq!(source["via"], "$KUBECONFIG");
    assert_eq!(source["context"], "x");
    assert_eq!(source["file"], b.display().to_string(), "the context came from the second file");

    let reversed = std::env::join_paths([b.as_path(), a.as_path()]).unwrap();
    let (check, _) = endpoint(&[], &[("KUBECONFIG", reversed.to_str().unwrap())]);
    assert_eq!(url_of(&check), "https://192.0.2.2:6443");
}

#[test]
fn context_flag_chooses_the_context() {
    let dir = tempfile::tempdir().unwrap();
    let kc = write(
        &dir.path().join("kc"),
        "current-context: one\ncontexts:\n- name: one\n  context: {cluster: c1}\n- name: two\n  context: {cluster: c2}\n\
         clusters:\n- name: c1\n  cluster: {server: 'https://192.0.2.1:6443'}\n- name: c2\n  cluster: {server: 'https://198.51.100.2:8443'}\n",
    );
    let kc = kc.to_str().unwrap();
    let (check, _) = endpoint(&["--kubeconfig", kc], &[]);
    assert_eq!(url_of(&check), "https://192.0.2.1:6443");
    let (check, _) = endpoint(&["--kubeconfig", kc, "--context", "two"], &[]);
    assert_eq!(url_of(&check), "https://198.51.100.2:8443");
    assert_eq!(check.unwrap()["evidence"]["source"]["cluster"], "c2");
    // kubectl refuses an unknown --context; that is the endpoint check's failure, not exit 2.
    let (check, out) = endpoint(&["--kubeconfig", kc, "--context", "three"], &[]);
    assert_eq!(out.status.code(), Some(1), "{}", common::stderr(&out));
    let check = check.unwrap();
    assert_eq!(check["status"], "fail", "{check}");
    assert!(check["message"].as_str().unwrap().contains("context \"three\" does not exist"), "{check}");
    assert_eq!(check["evidence"]["refused_by_kubectl"], true);
}

#[test]
fn home_then_admin_conf_then_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let home = dir.path().join("home");
    let root = dir.path().join("root");
    std::fs::create_dir_all(&home).unwrap();
    let root_arg = root.to_str().unwrap();
    let home_env = ("HOME", home.to_str().unwrap());

    let (check, _) = endpoint(&["--root", root_arg], &[home_env]);
    let check = check.unwrap();
    assert_eq!(check["status"], "skip");
    let message = check["message"].as_str().unwrap();
    assert!(
        message.contains(".kube/config missing") && message.contains("etc/kubernetes/admin.conf missing"),
        "{message}"
    );

    write(&root.join("etc/kubernetes/admin.conf"), &one_context("https://192.0.2.7:6443"));
    let (check, _) = endpoint(&["--root", root_arg], &[home_env]);
    assert_eq!(url_of(&check), "https://192.0.2.7:6443");
    assert_eq!(check.unwrap()["evidence"]["source"]["via"], "admin.conf");

    write(&home.join(".kube/config"), &one_context("https://192.0.2.8:6443"));
    let (check, _) = endpoint(&["--root", root_arg], &[home_env]);
    assert_eq!(url_of(&check), "https://192.0.2.8:6443");
    assert_eq!(check.unwrap()["evidence"]["source"]["via"], "~/.kube/config");
}

#[test]
fn apiserver_flag_wins_over_the_kubeconfig() {
    let dir = tempfile::tempdir().unwrap();
    let kc = write(&dir.path().join("kc"), &one_context("https://192.0.2.1:6443"));
    let (check, _) = endpoint(&["--apiserver", "https://203.0.113.5:6443"], &[("KUBECONFIG", kc.to_str().unwrap())]);
    assert_eq!(url_of(&check), "https://203.0.113.5:6443");
    assert_eq!(check.unwrap()["evidence"]["source"]["kind"], "flag");
}

#[test]
fn relative_ca_path_is_relative_to_the_kubeconfig_file() {
    let ca = Ca::new("relative");
    let server = ApiServer::start(&ca.leaf(&["127.0.0.1"], -1, 365), Answers::default());
    let dir = tempfile::tempdir().unwrap();
    write(&dir.path().join("pki/ca.crt"), &ca.pem);
    let text = format!("{}    certificate-authority: ../pki/ca.crt\n", one_context(&server.url()));
    let kc = write(&dir.path().join("conf/kubeconfig"), &text);
    let out = common::bin()
        .current_dir("/")
        .args(["--format", "json", "--only", "apiserver.tls", "--kubeconfig", kc.to_str().unwrap()])
        .output()
        .unwrap();
    let report: Value = common::report_json(&out.stdout).unwrap();
    let tls = report["checks"].as_array().unwrap().iter().find(|c| c["id"] == "apiserver.tls").unwrap();
    assert_eq!(tls["status"], "pass", "{tls}");
    let trust = tls["evidence"]["trust"].as_str().unwrap();
    // client-go joins the path lexically (filepath.Join cleans `conf/..`), and so does the tool.
    assert!(trust.contains(&dir.path().join("pki/ca.crt").display().to_string()), "{trust}");
}

/// The endpoint check of a kubeconfig that kubectl refuses or that gives no server to probe: a
/// failure (exit 1) naming the file, never exit 2.
fn endpoint_failure(args: &[&str]) -> (String, Value) {
    let (check, out) = endpoint(args, &[]);
    assert_eq!(out.status.code(), Some(1), "{}{}", common::stdout(&out), common::stderr(&out));
    let check = check.unwrap();
    assert_eq!(check["status"], "fail", "{check}");
    assert!(!common::stderr(&out).contains("panicked"));
    (check["message"].as_str().unwrap().to_string(), check)
}

#[test]
fn ca_together_with_insecure_skip_tls_verify_fails_the_endpoint_check() {
    let dir = tempfile::tempdir().unwrap();
    let ca = Ca::new("both");
    let text = format!(
        "{}    certificate-authority-data: {}\n    insecure-skip-tls-verify: true\n",
        one_context("https://192.0.2.1:6443"),
        b64(&ca.pem)
    );
    let kc = write(&dir.path().join("kc"), &text);
    let (message, _) = endpoint_failure(&["--kubeconfig", kc.to_str().unwrap()]);
    assert!(message.starts_with(&format!("{}:6: ", kc.display())), "{message}");
    assert!(message.contains("specifying a root certificates file with the insecure flag is not allowed"), "{message}");
}

#[test]
fn insecure_skip_tls_verify_turns_a_certificate_failure_into_a_warning() {
    let unknown = Ca::new("insecure");
    let server = ApiServer::start(&unknown.leaf(&["127.0.0.1"], -1, 365), Answers::default());
    let dir = tempfile::tempdir().unwrap();
    let kc =
        write(&dir.path().join("kc"), &format!("{}    insecure-skip-tls-verify: yes\n", one_context(&server.url())));
    let out = common::run(&[
        "--format",
        "json",
        "--only",
        "apiserver.health",
        "--only",
        "apiserver.tls",
        "--kubeconfig",
        kc.to_str().unwrap(),
    ]);
    let report: Value = common::report_json(&out.stdout).unwrap();
    let find = |id: &str| report["checks"].as_array().unwrap().iter().find(|c| c["id"] == id).cloned().unwrap();
    let health = find("apiserver.health");
    assert_eq!(health["status"], "pass", "{health}");
    let tls = find("apiserver.tls");
    assert_eq!(tls["status"], "warn", "{tls}");
    assert!(tls["message"].as_str().unwrap().contains("NOT verified"), "{tls}");
}

#[test]
fn missing_server_fails_saying_where_kubectl_would_go() {
    let dir = tempfile::tempdir().unwrap();
    let kc = write(
        &dir.path().join("kc"),
        "current-context: a\ncontexts:\n- name: a\n  context: {cluster: c}\nclusters:\n- name: c\n  cluster: {certificate-authority: ca.crt}\n",
    );
    std::fs::write(dir.path().join("ca.crt"), Ca::new("no-server").pem).unwrap();
    let (message, check) = endpoint_failure(&["--kubeconfig", kc.to_str().unwrap()]);
    assert!(message.contains(kc.to_str().unwrap()) && message.contains("cluster \"c\" has no server"), "{message}");
    assert_eq!(check["evidence"]["kubectl_dials"], "http://localhost:8080");
}

#[test]
fn malformed_kubeconfigs_fail_the_endpoint_check_naming_file_line_and_field() {
    let dir = tempfile::tempdir().unwrap();
    let cases = [
        (
            "bad-yaml",
            "clusters:\n- name: c\n  cluster: {server: 'https://h:1'\ncontexts: [\n",
            vec!["not a valid kubeconfig"],
        ),
        (
            "wrong-type",
            "current-context: a\nclusters:\n- name: c\n  cluster:\n    insecure-skip-tls-verify: maybe\n",
            vec![":5: ", "insecure-skip-tls-verify"],
        ),
        ("clusters-not-a-list", "clusters: {name: c}\n", vec![":1: ", "clusters"]),
        (
            "missing-context",
            "current-context: ghost\ncontexts: []\n",
            vec!["context was not found for specified context: ghost"],
        ),
        (
            "no-current-context",
            "contexts:\n- name: a\n  context: {cluster: c}\n",
            vec!["no current-context", "http://localhost:8080"],
        ),
        ("truncated", "current-context: a\ncontexts:\n- name: a\n  context: {cluster", vec!["not a valid kubeconfig"]),
        ("missing-file", "", vec!["no such file"]),
    ];
    for (name, text, expected) in cases {
        let path = dir.path().join(name);
        if name != "missing-file" {
            write(&path, text);
        }
        let (message, _) = endpoint_failure(&["--kubeconfig", path.to_str().unwrap()]);
        assert!(message.contains(path.to_str().unwrap()), "{name}: {message}");
        for e in expected {
            assert!(message.contains(e), "{name}: expected {e:?} in {message}");
        }
    }
}

/// A kubeconfig full of secrets: a bearer token for the user in use; a client key, a client
/// certificate, a password, an exec plugin's env and a proxy password elsewhere. None of it may
/// appear anywhere. (One method per user: kubectl refuses a user with a token and a password.)
fn secret_kubeconfig(dir: &Path, server: &str, ca: &Ca) -> PathBuf {
    let key_pem = format!("-----BEGIN PRIVATE KEY-----\n{}\n-----END PRIVATE KEY-----\n", b64(CANARY));
    let text = format!(
        "apiVersion: v1\nkind: Config\ncurrent-context: prod\npreferences: {{}}\n\
         contexts:\n- name: prod\n  context: {{cluster: c, user: admin, namespace: default}}\n\
         clusters:\n- name: c\n  cluster:\n    server: {server}\n    certificate-authority-data: {ca}\n    proxy-url: http://proxyuser:{CANARY}@proxy.example:3128\n\
         users:\n- name: admin\n  user:\n    token: {CANARY}\n\
         - name: cert\n  user:\n    client-key-data: {key}\n    client-certificate-data: {cert}\n\
         - name: basic\n  user:\n    username: admin-{CANARY}\n    password: {CANARY}\n\
         - name: plugin\n  user:\n    exec:\n      command: get-token\n      env:\n      - name: SECRET\n        value: {CANARY}\n",
        ca = b64(&ca.pem),
        key = b64(&key_pem),
        cert = b64(CANARY),
    );
    write(&dir.join("secret-kubeconfig"), &text)
}

fn assert_clean(what: &str, text: &str) {
    let encoded = b64(CANARY);
    assert!(!text.contains(CANARY), "{what} leaks the canary:\n{text}");
    assert!(!text.contains(&encoded), "{what} leaks the base64 canary:\n{text}");
    assert!(!text.contains("proxyuser"), "{what} leaks the proxy user:\n{text}");
}

#[test]
fn credentials_never_appear_in_output_reports_or_on_the_wire() {
    let ca = Ca::new("canary");
    let server = ApiServer::start(&ca.leaf(&["127.0.0.1"], -1, 365), Answers::default());
    let dir = tempfile::tempdir().unwrap();
    let kc = secret_kubeconfig(dir.path(), &server.url(), &ca);
    let kc = kc.to_str().unwrap();
    let proxy_env = format!("http://envuser:{CANARY}@proxy.example:3128");
    for format in ["table", "json", "junit", "markdown"] {
        let report = dir.path().join(format!("report-{format}.json"));
        let out = common::bin()
            .env("HTTPS_PROXY", &proxy_env)
            .args(["--region", "cn-hangzhou", "--kubeconfig", kc, "--format", format])
            .args(["--report", report.to_str().unwrap()])
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(0), "{format}: {}{}", common::stdout(&out), common::stderr(&out));
        assert_clean(&format!("{format} stdout"), &common::stdout(&out));
        assert_clean(&format!("{format} stderr"), &common::stderr(&out));
        let written = std::fs::read_to_string(&report).unwrap();
        assert_clean(&format!("{format} report"), &written);
        let json: Value = common::report_json(written.as_bytes()).unwrap();
        let health = json["checks"].as_array().unwrap().iter().find(|c| c["id"] == "apiserver.health").unwrap();
        assert_eq!(health["status"], "pass", "the probes really ran: {health}");
        assert!(written.contains("http://***@proxy.example:3128"), "the proxy is reported, redacted");
    }
    let headers = server.headers();
    assert!(headers.iter().any(|h| h.starts_with("GET /readyz")), "{headers:?}");
    assert!(headers.iter().any(|h| h.starts_with("GET /version")), "{headers:?}");
    for h in &headers {
        assert!(!h.to_ascii_lowercase().starts_with("authorization"), "credential sent: {h}");
        assert!(!h.to_ascii_lowercase().starts_with("proxy-authorization"), "credential sent: {h}");
        assert_clean("request headers", h);
    }
}

#[test]
fn a_broken_kubeconfig_full_of_secrets_does_not_echo_them() {
    let dir = tempfile::tempdir().unwrap();
    for (name, text) in [
        ("unclosed-quote", format!("users:\n- name: u\n  user:\n    token: \"{CANARY}\n")),
        ("bad-flow", format!("users:\n- name: u\n  user: {{token: {CANARY}, password: [{CANARY}}}\n")),
        ("secret-as-clusters", format!("clusters: {CANARY}\n")),
        ("secret-as-server-type", format!("clusters:\n- name: c\n  cluster:\n    server: [{CANARY}]\n")),
        ("secret-in-server", one_context(&format!("https://admin:{CANARY}@192.0.2.1:6443"))),
    ] {
        let kc = write(&dir.path().join(name), &text);
        let (_, out) = endpoint(&["--kubeconfig", kc.to_str().unwrap()], &[]);
        assert!(matches!(out.status.code(), Some(0 | 1)), "{name}: {}", common::stderr(&out));
        assert_clean(name, &common::stderr(&out));
        assert_clean(name, &common::stdout(&out));
    }
}
