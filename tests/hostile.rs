//! The tool run as an attacker would have it run: as root, on a tree someone else made (a copied
//! node, a customer's tarball), against a server that answers anything (issue 10). Nothing may
//! escape `--root`, no input may hang the run or exhaust memory, no secret or raw control character
//! may reach the terminal or a report, and a report file is replaced, never followed.
#![expect(clippy::unwrap_used, reason = "a test: a panic is the failure report")]

mod common;
mod servers;

use std::os::unix::fs::{PermissionsExt, symlink};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use common::{Need, bin, check, fixture, prerequisites, stderr, stdout};
use servers::{Answers, ApiServer, Ca};

const CANARY: &str = "CANARY-5e1f0b";

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

/// A run measured from the outside: what it printed, its exit code, its peak memory and time.
struct Measured {
    code: Option<i32>,
    stdout: String,
    stderr: String,
    max_rss_kib: u64,
    elapsed: Duration,
}

/// Runs the binary under a small Python wrapper that reports the child's peak RSS (getrusage),
/// which a test in Rust cannot ask for without `unsafe`.
fn measured(args: &[&str]) -> Measured {
    const WRAPPER: &str = r#"
import json, resource, subprocess, sys, time
t = time.monotonic()
p = subprocess.run(sys.argv[1:], capture_output=True, stdin=subprocess.DEVNULL, timeout=30)
print(json.dumps({"code": p.returncode, "stdout": p.stdout.decode("utf-8", "replace"),
    "stderr": p.stderr.decode("utf-8", "replace"), "elapsed": time.monotonic() - t,
    "rss": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss}))
"#;
    let o = Command::new("python3")
        .args(["-c", WRAPPER, env!("CARGO_BIN_EXE_k8sjoin-check")])
        .args(args)
        .env_remove("KUBECONFIG")
        .env_remove("LC_ALL")
        .env_remove("LC_MESSAGES")
        .env_remove("LANG")
        .env("HOME", "/nonexistent-home-for-tests")
        .env("NO_COLOR", "1")
        .output()
        .unwrap();
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap_or_else(|e| panic!("{e}: {}", stderr(&o)));
    Measured {
        code: v["code"].as_i64().and_then(|c| i32::try_from(c).ok()),
        stdout: v["stdout"].as_str().unwrap().to_string(),
        stderr: v["stderr"].as_str().unwrap().to_string(),
        max_rss_kib: v["rss"].as_u64().unwrap(),
        elapsed: Duration::from_secs_f64(v["elapsed"].as_f64().unwrap()),
    }
}

/// A file outside every root the tests make, holding the canary: what an escape would print.
fn secret_outside(dir: &Path) -> PathBuf {
    let p = dir.join("admin.conf");
    std::fs::write(&p, format!("apiVersion: v1\nusers:\n- user:\n    token: {CANARY}\n")).unwrap();
    p
}

fn fifo(path: &Path) {
    assert!(Command::new("mkfifo").arg(path).status().unwrap().success());
}

fn sparse(path: &Path) {
    std::fs::File::create(path).unwrap().set_len(1 << 30).unwrap();
}

const FORWARD: &[&str] = &["--forward", "16443:192.0.2.50:6443", "--only", "forward"];

fn forward_args(root: &Path) -> Vec<String> {
    let mut v: Vec<String> = ["--root", s(root)].map(str::to_string).to_vec();
    v.extend(FORWARD.iter().map(|a| (*a).to_string()));
    v.extend(
        [
            "--regions-file",
            s(&fixture("forward/regions.json")),
            "--region",
            "doc-fwd-1",
            "--firewall",
            &format!("iptables:{}", fixture("forward/forwarder.rules").display()),
        ]
        .map(str::to_string),
    );
    v
}

fn refs(v: &[String]) -> Vec<&str> {
    v.iter().map(String::as_str).collect()
}

#[test]
fn a_symlink_out_of_the_root_prints_nothing_of_its_target() {
    let outside = tempfile::tempdir().unwrap();
    let secret = secret_outside(outside.path());
    let root = tempfile::tempdir().unwrap();
    let ipv4 = root.path().join("proc/sys/net/ipv4");
    std::fs::create_dir_all(&ipv4).unwrap();
    symlink(&secret, ipv4.join("ip_forward")).unwrap();
    let m = measured(&refs(&forward_args(root.path())));
    assert_eq!(m.code, Some(2), "{}", m.stderr);
    assert!(!m.stderr.contains(CANARY) && !m.stdout.contains(CANARY), "{}", m.stderr);
    assert!(m.stderr.contains(&ipv4.join("ip_forward").display().to_string()), "names the escaping path: {}", m.stderr);
    assert!(m.stderr.contains("refused"), "{}", m.stderr);

    // The same through the manifests the audit checks read.
    let root = tempfile::tempdir().unwrap();
    let manifests = root.path().join("etc/kubernetes/manifests");
    std::fs::create_dir_all(&manifests).unwrap();
    symlink(&secret, manifests.join("kube-apiserver.yaml")).unwrap();
    let m = measured(&["--root", s(root.path()), "--audit", "--only", "audit", "--region", "cn-hangzhou"]);
    assert_eq!(m.code, Some(2), "{}", m.stderr);
    assert!(!m.stderr.contains(CANARY), "{}", m.stderr);
}

#[test]
fn a_tree_of_links_to_shadow_zero_and_a_fifo_is_refused_file_by_file() {
    for target in ["/etc/shadow", "/dev/zero", "FIFO", "../../../../../../../../etc/shadow"] {
        let root = tempfile::tempdir().unwrap();
        let ipv4 = root.path().join("proc/sys/net/ipv4");
        std::fs::create_dir_all(&ipv4).unwrap();
        if target == "FIFO" {
            fifo(&ipv4.join("ip_forward"));
        } else {
            symlink(target, ipv4.join("ip_forward")).unwrap();
        }
        let m = measured(&refs(&forward_args(root.path())));
        assert_eq!(m.code, Some(2), "{target}: {}", m.stderr);
        assert!(m.elapsed < Duration::from_secs(1), "{target}: {:?}", m.elapsed);
        assert!(m.stderr.contains("ip_forward"), "{target}: {}", m.stderr);
        assert_eq!(m.stderr.trim_end().lines().count(), 1, "one line: {}", m.stderr);
    }
}

/// Each way to give the tool a file, with the file standing at `path`.
fn every_input(path: &Path, root: &Path) -> Vec<(String, Vec<String>)> {
    let p = s(path).to_string();
    let doc = [
        "--regions-file".to_string(),
        s(&fixture("firewall/regions.json")).to_string(),
        "--region".into(),
        "doc-fw-1".into(),
    ];
    let fw = |spec: &str| {
        let mut v = doc.to_vec();
        v.extend(["--only".into(), "firewall".into(), "--firewall".into(), format!("{spec}:{p}")]);
        v
    };
    let mut list = vec![
        ("--regions-file".to_string(), vec!["--regions-file".into(), p.clone(), "regions".into()]),
        ("--kubeconfig".into(), vec!["--region".into(), "cn-hangzhou".into(), "--kubeconfig".into(), p.clone()]),
        ("iptables".into(), fw("iptables")),
        ("nft".into(), fw("nft")),
        ("ecs-sg".into(), fw("ecs-sg")),
        ("cidrs".into(), fw("cidrs")),
        ("--ipset".into(), [fw("iptables")[..6].to_vec(), vec!["--ipset".into(), p.clone()]].concat()),
        (
            "--waivers".into(),
            vec![
                "--region".into(),
                "cn-hangzhou".into(),
                "--only".into(),
                "region".into(),
                "--waivers".into(),
                p.clone(),
            ],
        ),
    ];
    let mut netsh = forward_args(root);
    netsh.truncate(netsh.len() - 2);
    netsh.extend(["--firewall".into(), format!("netsh:{p}")]);
    list.push(("netsh".into(), netsh));
    list
}

#[test]
fn every_input_refuses_fifos_devices_directories_and_sparse_giants_at_once() {
    let dir = tempfile::tempdir().unwrap();
    let root = tempfile::tempdir().unwrap();
    let fifo_path = dir.path().join("input.fifo");
    fifo(&fifo_path);
    let zero = dir.path().join("input.zero");
    symlink("/dev/zero", &zero).unwrap();
    let directory = dir.path().join("input.dir");
    std::fs::create_dir(&directory).unwrap();
    let big = dir.path().join("input.big");
    sparse(&big);
    for path in [&fifo_path, &zero, &directory, &big] {
        for (kind, args) in every_input(path, root.path()) {
            let m = measured(&refs(&args));
            let what = format!("{kind} given {}", path.display());
            if kind == "--kubeconfig" && path == &directory {
                // DESIGN §3: a directory in the kubeconfig path list is kubectl's own refusal,
                // reported as an apiserver.endpoint failure with kubectl's reason, not exit 2.
                assert_eq!(m.code, Some(1), "{what}: {}{}", m.stdout, m.stderr);
                assert!(m.elapsed < Duration::from_secs(1), "{what}: {:?}", m.elapsed);
                let flat = m.stdout.split_whitespace().collect::<Vec<_>>().join(" ");
                assert!(flat.contains("is a directory") && flat.contains(s(path)), "{what}: {}", m.stdout);
                continue;
            }
            assert_eq!(m.code, Some(2), "{what}: {}{}", m.stdout, m.stderr);
            assert!(m.elapsed < Duration::from_secs(1), "{what}: {:?}", m.elapsed);
            assert!(m.max_rss_kib < 64 * 1024, "{what}: {} KiB", m.max_rss_kib);
            let message = m.stderr.trim_end();
            assert_eq!(message.lines().count(), 1, "{what}: one line: {message}");
            assert!(message.contains(s(path)), "{what}: names the file: {message}");
            assert!(message.contains(" MiB") || message.contains(" KiB"), "{what}: says the limit: {message}");
        }
    }
    // Under --root, the files the checks read from the node.
    for (host_path, extra) in [
        (
            "etc/kubernetes/manifests/kube-apiserver.yaml",
            &["--audit", "--only", "audit", "--region", "cn-hangzhou"][..],
        ),
        ("etc/kubernetes/audit-policy.yaml", &["--audit", "--only", "audit", "--region", "cn-hangzhou"][..]),
        ("proc/sys/net/ipv4/ip_forward", FORWARD),
        ("proc/net/route", FORWARD),
    ] {
        for hostile in ["fifo", "big", "zero"] {
            let root = tempfile::tempdir().unwrap();
            let at = root.path().join(host_path);
            std::fs::create_dir_all(at.parent().unwrap()).unwrap();
            match hostile {
                "fifo" => fifo(&at),
                "big" => sparse(&at),
                _ => symlink("/dev/zero", &at).unwrap(),
            }
            let mut args: Vec<String> = if extra == FORWARD {
                forward_args(root.path())
            } else {
                ["--root", s(root.path())].iter().chain(extra).map(|a| (*a).to_string()).collect()
            };
            args.dedup();
            let m = measured(&refs(&args));
            let what = format!("{host_path} as {hostile}");
            assert_eq!(m.code, Some(2), "{what}: {}{}", m.stdout, m.stderr);
            assert!(m.elapsed < Duration::from_secs(1), "{what}: {:?}", m.elapsed);
            assert!(m.max_rss_kib < 64 * 1024, "{what}: {} KiB", m.max_rss_kib);
            assert_eq!(m.stderr.trim_end().lines().count(), 1, "{what}: {}", m.stderr);
            assert!(m.stderr.contains(host_path.rsplit('/').next().unwrap()), "{what}: {}", m.stderr);
        }
    }
}

#[test]
fn standard_input_that_never_ends_stops_at_the_deadline() {
    let mut child = bin()
        .args(["--region", "cn-hangzhou", "--only", "firewall", "--firewall", "iptables:-", "--deadline", "500ms"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    // Keep stdin open and silent: the writer never finishes.
    let _stdin = child.stdin.take();
    let started = std::time::Instant::now();
    let o = child.wait_with_output().unwrap();
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(started.elapsed() < Duration::from_secs(3), "{:?}", started.elapsed());
    assert!(stderr(&o).contains("<stdin>") && stderr(&o).contains("--deadline"), "{}", stderr(&o));
}

/// Every output of a run: stdout in each format, stderr, and the `--report` file.
fn all_outputs(args: &[&str], env: &[(&str, &str)]) -> String {
    let dir = tempfile::tempdir().unwrap();
    let report = dir.path().join("r.json");
    let mut all = String::new();
    for format in ["table", "json", "junit", "markdown"] {
        let mut cmd = bin();
        cmd.args(args).args(["--format", format, "--report", s(&report)]);
        for (k, v) in env {
            cmd.env(k, v);
        }
        let o = cmd.output().unwrap();
        all.push_str(&stdout(&o));
        all.push_str(&stderr(&o));
        all.push_str(&std::fs::read_to_string(&report).unwrap_or_default());
    }
    all
}

fn assert_clean(what: &str, text: &str) {
    assert!(!text.contains(CANARY), "{what}: the canary leaked:\n{text}");
    assert!(!text.contains('\x1b') && !text.contains('\x07'), "{what}: a raw control character:\n{text:?}");
}

#[test]
fn no_secret_reaches_any_output() {
    let dir = tempfile::tempdir().unwrap();
    let root = tempfile::tempdir().unwrap();
    // Passwords with / # ? @ in proxy URLs and servers, a token in a query string.
    let kc = dir.path().join("kubeconfig");
    std::fs::write(
        &kc,
        format!(
            "apiVersion: v1\nkind: Config\ncurrent-context: t\ncontexts:\n- name: t\n  context: {{cluster: c, user: u}}\n\
             clusters:\n- name: c\n  cluster:\n    server: https://127.0.0.1:1\n    proxy-url: http://u:pa#{CANARY}@127.0.0.1:3128/?token={CANARY}\n\
             users:\n- name: u\n  user:\n    token: {CANARY}\n    password: x/{CANARY}?#@\n"
        ),
    )
    .unwrap();
    let base = ["--region", "cn-hangzhou", "--root", s(root.path()), "--no-icmp", "--timeout", "300ms"];
    let proxy = format!("http://user:p/{CANARY}@127.0.0.1:3128?token={CANARY}");
    assert_clean(
        "kubeconfig and HTTPS_PROXY",
        &all_outputs(&[&base[..], &["--kubeconfig", s(&kc)]].concat(), &[("HTTPS_PROXY", &proxy)]),
    );
    let server = format!("https://user:p/{CANARY}@127.0.0.1:1");
    assert_clean("--apiserver userinfo", &all_outputs(&[&base[..], &["--apiserver", &server]].concat(), &[]));

    // A file given as the wrong kind: nothing of it is quoted.
    let shadow = dir.path().join("shadow");
    std::fs::write(&shadow, format!("root:$6${CANARY}$x:19000:0:99999:7:::\n")).unwrap();
    for spec in ["cidrs", "iptables", "nft", "ecs-sg"] {
        let o = bin()
            .args(["--region", "cn-hangzhou", "--firewall", &format!("{spec}:{}", shadow.display())])
            .output()
            .unwrap();
        assert_eq!(o.status.code(), Some(2), "{spec}");
        assert_clean(spec, &stderr(&o));
    }
    let o = bin().args(["--regions-file", s(&shadow), "regions"]).output().unwrap();
    assert_clean("--regions-file", &stderr(&o));

    // A 100 MB line is not a 100 MB message.
    let long = dir.path().join("long.txt");
    std::fs::write(&long, format!("{}{CANARY}\n", "9".repeat(100 << 20))).unwrap();
    let o =
        bin().args(["--region", "cn-hangzhou", "--firewall", &format!("cidrs:{}", long.display())]).output().unwrap();
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).len() < 1024, "{} bytes of message", stderr(&o).len());
    assert_clean("a long line", &stderr(&o));

    // Duplicate keys in YAML quote no key.
    let waivers = dir.path().join("waivers.yaml");
    std::fs::write(&waivers, format!("- id: region.known\n  {CANARY}: a\n  {CANARY}: b\n")).unwrap();
    let o = bin().args(["--region", "cn-hangzhou", "--only", "region", "--waivers", s(&waivers)]).output().unwrap();
    assert_eq!(o.status.code(), Some(2));
    assert_clean("duplicate keys", &stderr(&o));
    let node = tempfile::tempdir().unwrap();
    common::copy_tree(&fixture("audit/seed-policy-fixed"), node.path());
    let manifest = node.path().join("etc/kubernetes/manifests/kube-apiserver.yaml");
    let text = std::fs::read_to_string(&manifest).unwrap();
    std::fs::write(&manifest, text.replacen("spec:\n", &format!("spec:\n  {CANARY}: 1\n  {CANARY}: 2\n"), 1)).unwrap();
    let o = bin()
        .args(["--root", s(node.path()), "--audit", "--only", "audit", "--region", "cn-hangzhou"])
        .output()
        .unwrap();
    // go-yaml v2, which the kubelet decodes static pods with, keeps a repeated key's last value:
    // the manifest is valid, and neither output names the key.
    assert_clean("duplicate keys in a manifest", &stderr(&o));
    assert_clean("duplicate keys in a manifest", &String::from_utf8_lossy(&o.stdout));
}

#[test]
fn audit_events_leave_their_uris_and_bad_lines_out_of_the_report() {
    let node = tempfile::tempdir().unwrap();
    common::copy_tree(&fixture("audit/seed-policy-fixed"), node.path());
    let log = node.path().join("var/log/kubernetes/kubernetes.audit");
    std::fs::create_dir_all(log.parent().unwrap()).unwrap();
    let event = format!(
        r#"{{"kind":"Event","apiVersion":"audit.k8s.io/v1","level":"Metadata","auditID":"a-1","stage":"ResponseComplete","requestURI":"/api/v1/secrets?token={CANARY}","verb":"get"}}"#
    );
    std::fs::write(&log, format!("{event}\n{event}\n")).unwrap();
    let args = ["--root", s(node.path()), "--audit", "--only", "audit.log-written", "--region", "cn-hangzhou"];
    assert_clean("a good log", &all_outputs(&args, &[]));
    std::fs::write(&log, format!("{event}\nnot json {CANARY} \x1b]0;title\x07\n")).unwrap();
    assert_clean("a bad line", &all_outputs(&args, &[]));
}

#[test]
fn a_hostile_readyz_body_is_neither_echoed_nor_obeyed() {
    let ca = Ca::new("hostile");
    let leaf = ca.leaf(&["127.0.0.1"], -1, 365);
    let body = format!("\x1b]0;{CANARY}\x07\x1b[2J<h1>{CANARY}</h1>\n[-]etcd failed: {CANARY}");
    let server = ApiServer::start(&leaf, Answers { readyz: (503, body), ..Answers::default() });
    let dir = tempfile::tempdir().unwrap();
    let ca_path = dir.path().join("ca.crt");
    std::fs::write(&ca_path, &ca.pem).unwrap();
    let kc = dir.path().join("kubeconfig");
    std::fs::write(
        &kc,
        format!(
            "apiVersion: v1\nkind: Config\ncurrent-context: t\ncontexts:\n- name: t\n  context: {{cluster: c, user: u}}\n\
             clusters:\n- name: c\n  cluster:\n    server: {}\n    certificate-authority: {}\nusers:\n- name: u\n  user: {{}}\n",
            server.url(),
            ca_path.display()
        ),
    )
    .unwrap();
    let args = ["--region", "cn-hangzhou", "--kubeconfig", s(&kc), "--only", "apiserver", "--no-icmp"];
    let all = all_outputs(&args, &[]);
    assert_clean("/readyz", &all);
    assert!(all.contains("[-]etcd failed"), "the failing check is named:\n{all}");
}

#[test]
fn the_report_replaces_a_symlink_and_is_private() {
    let dir = tempfile::tempdir().unwrap();
    let target = dir.path().join("precious");
    std::fs::write(&target, "KEEP").unwrap();
    let report = dir.path().join("report.json");
    symlink(&target, &report).unwrap();
    let o = bin().args(["--region", "cn-hangzhou", "--only", "region", "--report", s(&report)]).output().unwrap();
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert_eq!(std::fs::read_to_string(&target).unwrap(), "KEEP", "the symlink was not followed");
    let meta = std::fs::symlink_metadata(&report).unwrap();
    assert!(meta.file_type().is_file(), "the report replaced the link");
    assert_eq!(meta.permissions().mode() & 0o777, 0o600);
    common::report_json(&std::fs::read(&report).unwrap()).unwrap();
}

#[test]
fn live_reading_runs_the_system_tools_not_those_first_on_path() {
    if !prerequisites("live_reading_runs_the_system_tools_not_those_first_on_path", &[Need::Root]) {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let marker = dir.path().join("ran");
    for tool in ["iptables-save", "iptables-legacy-save", "iptables-nft-save", "nft", "ipset"] {
        let fake = dir.path().join(tool);
        std::fs::write(&fake, format!("#!/bin/sh\ntouch {}\n", marker.display())).unwrap();
        std::fs::set_permissions(&fake, std::fs::Permissions::from_mode(0o755)).unwrap();
    }
    let path = format!("{}:{}", dir.path().display(), std::env::var("PATH").unwrap_or_default());
    let ns = common::Netns::new("path");
    let o = ns
        .command(env!("CARGO_BIN_EXE_k8sjoin-check"))
        .args(["--region", "cn-hangzhou", "--only", "firewall.sources", "--firewall", "live", "--format", "json"])
        .env("PATH", path)
        .env("HOME", "/nonexistent")
        .output()
        .unwrap();
    assert!(!marker.exists(), "a program from $PATH ran: {}", stderr(&o));
    let r = common::report_json(&o.stdout).unwrap();
    assert_ne!(check(&r, "firewall.sources")["status"], "fail");
}
