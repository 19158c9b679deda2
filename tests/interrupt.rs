//! A run that cannot finish still reports: at the deadline and on Ctrl-C, unfinished checks are
//! `skip` with the reason, the report is complete, and the exit code is the gate's.
#![expect(clippy::expect_used, reason = "a test or benchmark: a panic is the failure report")]

mod common;

use common::check;
mod servers;

use std::io::Read;
use std::process::Stdio;
use std::time::Duration;

use serde_json::Value;

/// The API server address is a listener that accepts TCP and never says a word: the TLS handshake
/// waits for its whole --timeout (here far longer than the test runs).
fn stalled_run(extra: &[&str]) -> std::process::Child {
    let addr = servers::silent_listener();
    let mut cmd = common::bin();
    cmd.args(["--apiserver", &format!("https://{addr}"), "--only", "apiserver", "--no-icmp", "--timeout", "60s"])
        .args(["--format", "json"])
        .args(extra)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    cmd.spawn().expect("spawns")
}

fn finish(mut child: std::process::Child) -> (i32, Value) {
    let status = child.wait().expect("waits");
    let mut out = String::new();
    child.stdout.take().expect("stdout").read_to_string(&mut out).expect("reads");
    let report: Value = common::report_json(out.as_bytes()).unwrap_or_else(|e| panic!("{e}: {out}"));
    (status.code().expect("exited normally"), report)
}

#[test]
fn the_deadline_ends_the_run_with_a_complete_report() {
    let (code, report) = finish(stalled_run(&["--deadline", "1s"]));
    assert_eq!(check(&report, "apiserver.tcp")["status"], "pass", "{report:#}");
    let tls = check(&report, "apiserver.tls");
    assert_eq!(tls["status"], "skip");
    assert!(tls["message"].as_str().is_some_and(|m| m.contains("--deadline of 1s")), "{tls}");
    let health = check(&report, "apiserver.health");
    assert_eq!(health["status"], "skip", "{health}");
    assert_eq!(report["summary"]["stopped"], "--deadline 1s reached");
    assert_eq!(code, 4, "nothing failed, but the question was not answered: incomplete");
    assert_eq!(report["summary"]["verdict"], "incomplete");
}

#[test]
fn ctrl_c_ends_the_run_with_a_complete_report() {
    let child = stalled_run(&["--deadline", "60s"]);
    // Give the run time to connect and start the handshake that never ends.
    std::thread::sleep(Duration::from_millis(700));
    let kill = std::process::Command::new("kill").args(["-INT", &child.id().to_string()]).status().expect("kill");
    assert!(kill.success());
    let (code, report) = finish(child);
    let tls = check(&report, "apiserver.tls");
    assert_eq!(tls["status"], "skip", "{report:#}");
    assert!(tls["message"].as_str().is_some_and(|m| m.contains("interrupted (Ctrl-C)")), "{tls}");
    assert_eq!(report["summary"]["stopped"], "interrupted (Ctrl-C)");
    assert_eq!(code, 130, "interrupted: 128 + SIGINT");
    assert_eq!(report["summary"]["exit_code"], 130);
}
