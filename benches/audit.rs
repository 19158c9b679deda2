//! Audit readers and the audit checks end to end, timed with std::time.
//!
//! Run: `cargo bench --bench audit` (prints a table; numbers are medians of several rounds).
#![expect(clippy::expect_used, reason = "a benchmark stops at the first broken fixture")]

use std::hint::black_box;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use k8sjoin_check::audit::{AuditFiles, log, policy, process};
use k8sjoin_check::hostfs::{Found, HostRoot};
use k8sjoin_check::manifest;

fn fixture() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/audit/seed-policy-fixed")
}

/// Median time per iteration over `rounds` rounds of `iters` iterations.
fn time(rounds: usize, iters: u32, mut f: impl FnMut()) -> Duration {
    let mut samples: Vec<Duration> = (0..rounds)
        .map(|_| {
            let start = Instant::now();
            for _ in 0..iters {
                f();
            }
            start.elapsed() / iters
        })
        .collect();
    samples.sort();
    samples[samples.len() / 2]
}

fn row(what: &str, d: Duration, note: &str) {
    println!("| {what:<52} | {:>12.1} µs | {note}", d.as_secs_f64() * 1e6);
}

fn main() {
    let root = fixture();
    let manifest_path = root.join("etc/kubernetes/manifests/kube-apiserver.yaml");
    let policy_path = root.join("etc/kubernetes/audit-policy.yaml");
    let manifest_bytes = std::fs::read(&manifest_path).expect("fixture manifest");
    let policy_bytes = std::fs::read(&policy_path).expect("fixture policy");

    println!("| what | median | note");
    println!("|---|---:|---");
    let d = time(9, 200, || {
        black_box(manifest::parse(black_box(&manifest_bytes), &manifest_path, "kube-apiserver").expect("parses"));
    });
    row("parse the kube-apiserver manifest", d, &format!("{} bytes", manifest_bytes.len()));
    let d = time(9, 200, || {
        let p = policy::parse(black_box(&policy_bytes), &policy_path).expect("parses").expect("policy");
        black_box((p.invalid(), p.leaks(), p.summary().logs_nothing));
    });
    row("parse + evaluate the audit policy", d, &format!("{} bytes, 12 rules", policy_bytes.len()));
    let d = time(9, 100, || {
        black_box(AuditFiles::load(black_box(&HostRoot::new(&root))).expect("loads"));
    });
    row("AuditFiles::load (read both files, parse)", d, "fixture seed-policy-fixed");

    let procs = std::fs::read_dir("/proc").map(|d| d.count()).unwrap_or(0);
    let d = time(5, 10, || {
        black_box(process::find_kube_apiservers(&HostRoot::new("/")).expect("proc"));
    });
    row("scan /proc/*/cmdline for kube-apiserver", d, &format!("{procs} entries in this host's /proc"));

    let dir = tempfile::tempdir().expect("tempdir");
    let log_path = dir.path().join("kubernetes.audit");
    let event = r#"{"kind":"Event","apiVersion":"audit.k8s.io/v1","level":"Request","auditID":"0f0e0d0c-0000-4000-8000-00000000000a","stage":"ResponseComplete","requestURI":"/api/v1/namespaces/default/pods?limit=500","verb":"list","user":{"username":"admin","groups":["system:masters","system:authenticated"]},"sourceIPs":["192.0.2.1"],"userAgent":"kubectl/v1.28.3","objectRef":{"resource":"pods","namespace":"default","apiVersion":"v1"},"responseStatus":{"metadata":{},"code":200},"requestReceivedTimestamp":"2026-01-01T00:00:00.000000Z","stageTimestamp":"2026-01-01T00:00:00.002000Z"}"#;
    let body = format!("{event}\n").repeat((100 << 20) / (event.len() + 1));
    std::fs::write(&log_path, &body).expect("write log");
    let d = time(9, 50, || {
        let Ok(Found::File(tail)) = log::read_tail(black_box(&HostRoot::new(dir.path())), "/kubernetes.audit", 10)
        else {
            panic!("tail")
        };
        for line in &tail.lines {
            black_box(log::parse_event(line).expect("event"));
        }
    });
    row("tail + parse the last 10 events of a 100 MiB log", d, "reads 256 KiB from the end");

    let bin = env!("CARGO_BIN_EXE_k8sjoin-check");
    let run_dir = tempfile::tempdir().expect("tempdir");
    copy_tree(&root, run_dir.path());
    let log_dir = run_dir.path().join("var/log/kubernetes");
    std::fs::create_dir_all(&log_dir).expect("mkdir");
    std::fs::write(log_dir.join("kubernetes.audit"), format!("{event}\n").repeat(10)).expect("log");
    let root_arg = run_dir.path().to_str().expect("utf-8 path").to_string();
    let d = time(5, 5, || {
        let out = std::process::Command::new(bin)
            .args([
                "--root",
                &root_arg,
                "--audit",
                "--only",
                "audit",
                "--cluster-id",
                "c0ffee00c0ffee00c0ffee00c0ffee00",
                "--format",
                "json",
            ])
            .output()
            .expect("runs");
        assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    });
    row("k8sjoin-check --audit --only audit (process, end to end)", d, "the 11 audit checks on a correct master");
}

fn copy_tree(from: &Path, to: &Path) {
    for entry in std::fs::read_dir(from).expect("read_dir") {
        let entry = entry.expect("entry");
        let target = to.join(entry.file_name());
        if entry.file_type().expect("type").is_dir() {
            std::fs::create_dir_all(&target).expect("mkdir");
            copy_tree(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target).expect("copy");
        }
    }
}
