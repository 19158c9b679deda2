//! Rulesets built to exhaust the evaluator (issue 10, point 2): small, valid inputs whose paths
//! multiply. The whole process must finish in under 2 s with under 64 MiB peak RSS, the pool
//! `unknown` with the budget's (or the loop's) reason, never a crash and never a pass.
#![allow(clippy::expect_used, clippy::unwrap_used)] // in tests a panic is the failure report
mod common;

use std::time::{Duration, Instant};

use common::{bin, check, fixture, stdout};

/// Runs `cmd` to its end and returns its output with its own peak RSS (KiB) and wall time.
fn run_measured(cmd: &mut std::process::Command) -> (std::process::Output, i64, Duration) {
    use std::io::Read;
    let started = Instant::now();
    // Reaped by `wait_with_usage` (wait4) below.
    #[expect(clippy::zombie_processes, reason = "the child is reaped with wait4")]
    let mut child =
        cmd.stdout(std::process::Stdio::piped()).stderr(std::process::Stdio::piped()).spawn().expect("spawns");
    let mut out = child.stdout.take().expect("stdout");
    let mut err = child.stderr.take().expect("stderr");
    let reader = std::thread::spawn(move || {
        let mut v = Vec::new();
        out.read_to_end(&mut v).expect("read stdout");
        v
    });
    let mut stderr = Vec::new();
    err.read_to_end(&mut stderr).expect("read stderr");
    let (status, usage) = common::wait_with_usage(&child);
    let took = started.elapsed();
    let stdout = reader.join().expect("reader");
    let output = std::process::Output { status, stdout, stderr };
    (output, usage.ru_maxrss, took)
}

/// Twelve chains, each with four jumps to the next behind `-m statistic` (which the evaluator
/// cannot decide): 4^12 paths. `iptables-restore` accepts it (50 rules).
fn statistic_ladder() -> String {
    let mut text = String::from("*filter\n:INPUT DROP [0:0]\n:FORWARD ACCEPT [0:0]\n:OUTPUT ACCEPT [0:0]\n");
    for c in 1..=12 {
        text.push_str(&format!(":C{c} - [0:0]\n"));
    }
    text.push_str("-A INPUT -p tcp -m tcp --dport 6443 -j C1\n");
    for c in 1..12 {
        for _ in 0..4 {
            text.push_str(&format!("-A C{c} -m statistic --mode random --probability 0.5 -j C{}\n", c + 1));
        }
    }
    text.push_str("-A C12 -m statistic --mode random --probability 0.5 -j ACCEPT\n-A C12 -j DROP\nCOMMIT\n");
    text
}

/// The same ladder with nft `numgen random mod 2 == 0 jump`.
fn numgen_ladder() -> String {
    let mut items = vec![
        r#"{"table": {"family": "inet", "name": "t", "handle": 1}}"#.to_string(),
        r#"{"chain": {"family": "inet", "table": "t", "name": "input", "handle": 1, "type": "filter", "hook": "input", "prio": 0, "policy": "drop"}}"#.to_string(),
    ];
    for c in 1..=12 {
        items.push(format!(r#"{{"chain": {{"family": "inet", "table": "t", "name": "c{c}", "handle": {}}}}}"#, c + 1));
    }
    let numgen =
        r#"{"match": {"op": "==", "left": {"numgen": {"mode": "random", "mod": 2, "offset": 0}}, "right": 0}}"#;
    items.push(r#"{"rule": {"family": "inet", "table": "t", "chain": "input", "handle": 20, "expr": [{"jump": {"target": "c1"}}]}}"#.to_string());
    let mut handle = 21;
    for c in 1..12 {
        for _ in 0..4 {
            items.push(format!(
                r#"{{"rule": {{"family": "inet", "table": "t", "chain": "c{c}", "handle": {handle}, "expr": [{numgen}, {{"jump": {{"target": "c{}"}}}}]}}}}"#,
                c + 1
            ));
            handle += 1;
        }
    }
    items.push(format!(
        r#"{{"rule": {{"family": "inet", "table": "t", "chain": "c12", "handle": {handle}, "expr": [{numgen}, {{"accept": null}}]}}}}"#
    ));
    format!("{{\"nftables\": [\n{}\n]}}\n", items.join(",\n"))
}

/// A 5-line chain that jumps to itself behind an undecidable match: the kernel refuses the loop,
/// a file can still hold it.
fn self_jump() -> String {
    let mut text =
        String::from("*filter\n:INPUT DROP [0:0]\n:FORWARD ACCEPT [0:0]\n:OUTPUT ACCEPT [0:0]\n:LOOP - [0:0]\n");
    text.push_str("-A INPUT -j LOOP\n");
    for _ in 0..5 {
        text.push_str("-A LOOP -m statistic --mode random --probability 0.5 -j LOOP\n");
    }
    text.push_str("COMMIT\n");
    text
}

/// Runs the firewall checks on `--firewall SPEC` and returns the allowlist check's JSON, asserting
/// the whole process's time and peak memory.
fn judge(spec_kind: &str, text: &str) -> serde_json::Value {
    judge_within(spec_kind, text, Duration::from_secs(2))
}

fn judge_within(spec_kind: &str, text: &str, limit: Duration) -> serde_json::Value {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("rules");
    std::fs::write(&path, text).expect("write");
    let (o, rss, took) = run_measured(
        bin()
            .args(["--regions-file", fixture("firewall/regions.json").to_str().expect("utf-8")])
            .args(["--region", "doc-fw-1", "--apiserver", "192.0.2.1:6443", "--only", "firewall", "--format", "json"])
            .arg("--firewall")
            .arg(format!("{spec_kind}:{}", path.display())),
    );
    assert!(o.status.code().is_some(), "killed by a signal: {o:?}");
    assert!(took < limit, "{spec_kind}: took {took:?}");
    assert!(rss < 64 * 1024, "{spec_kind}: peak RSS {rss} KiB");
    eprintln!("{spec_kind}: {took:?}, peak RSS {rss} KiB");
    let report: serde_json::Value = serde_json::from_str(&stdout(&o)).expect("json report");
    check(&report, "firewall.allowlist").clone()
}

fn assert_unknown_because(allowlist: &serde_json::Value, why: &str) {
    assert_eq!(allowlist["status"], "warn", "{allowlist}");
    for e in allowlist["evidence"]["entries"].as_array().expect("entries") {
        assert_eq!(e["verdict"], "unknown", "{e}");
        let reasons: Vec<&str> =
            e["deciding"].as_array().expect("deciding").iter().filter_map(|d| d["reason"].as_str()).collect();
        assert!(reasons.iter().any(|r| r.contains(why)), "{why} not in {reasons:?}");
    }
}

#[test]
fn twelve_deep_statistic_jumps_stay_within_the_budget() {
    let allowlist = judge("iptables", &statistic_ladder());
    // Memoised chains collapse the paths: the unknown comes from the undecidable match itself.
    assert_unknown_because(&allowlist, "statistic");
}

#[test]
fn twelve_deep_numgen_jumps_stay_within_the_budget() {
    let allowlist = judge("nft", &numgen_ladder());
    assert_unknown_because(&allowlist, "numgen");
}

#[test]
fn a_chain_that_jumps_to_itself_is_a_loop_not_a_crash() {
    let allowlist = judge("iptables", &self_jump());
    assert_unknown_because(&allowlist, "jumps back into itself");
}

/// Paths that memoising cannot join (each jump xors another mark bit, so every path reaches the
/// next chain with different knowledge) are cut by the budget. The budget is per judgement and the
/// four firewall checks make a dozen, each spending all of it: this takes longer than the ladders
/// (a few seconds in a debug build), still bounded by the ruleset's size.
#[test]
fn paths_that_differ_by_marks_are_cut_by_the_budget() {
    let mut text = String::from("*filter\n:INPUT DROP [0:0]\n:FORWARD ACCEPT [0:0]\n:OUTPUT ACCEPT [0:0]\n");
    for c in 1..=16 {
        text.push_str(&format!(":C{c} - [0:0]\n"));
    }
    text.push_str("-A INPUT -j C1\n");
    for c in 1..16 {
        for k in 0..2 {
            let bit = 1u32 << ((2 * c + k) % 32);
            text.push_str(&format!(
                "-A C{c} -m statistic --mode random --probability 0.5 -j MARK --set-xmark {bit:#x}/0x0\n"
            ));
            text.push_str(&format!("-A C{c} -m statistic --mode random --probability 0.5 -j C{}\n", c + 1));
        }
    }
    text.push_str("-A C16 -m mark --mark 0x0/0xffffffff -j ACCEPT\nCOMMIT\n");
    let allowlist = judge_within("iptables", &text, Duration::from_secs(20));
    assert_eq!(allowlist["status"], "warn", "{allowlist}");
    let reasons = allowlist["evidence"]["undecidable"].to_string();
    assert!(reasons.contains("the evaluator stopped after"), "{reasons}");
}
