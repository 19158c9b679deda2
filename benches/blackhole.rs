//! One name, 16 addresses, every SYN dropped: the TCP probe connects to all of them at once, so the
//! run costs one --timeout. Compared with a sequential loop (one run per address), inside network
//! namespaces this benchmark creates. Needs root; prints why it skipped otherwise.
//!
//! `cargo bench --bench blackhole`
#![expect(clippy::unwrap_used, reason = "a test or benchmark: a panic is the failure report")]

#[path = "../tests/common/mod.rs"]
mod common;
#[path = "../tests/servers/mod.rs"]
mod servers;

use std::time::{Duration, Instant};

const TIMEOUT: &str = "1s";

/// Runs the TCP check; returns the process's wall time and the TCP check's own duration (the
/// name's DNS phase, where the namespace's dead resolver costs one timeout for AAAA, is excluded).
fn run(client: &common::Netns, apiserver: &str) -> (Duration, Duration) {
    let started = Instant::now();
    let out = client
        .command(env!("CARGO_BIN_EXE_k8sjoin-check"))
        .args(["--region", "cn-hangzhou", "--format", "json", "--timeout", TIMEOUT])
        .args(["--apiserver", apiserver, "--only", "apiserver.tcp"])
        .output()
        .unwrap();
    let took = started.elapsed();
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let tcp = &report["checks"][0];
    assert_eq!(tcp["status"], "fail", "{tcp}");
    assert!(tcp["evidence"]["attempts"].as_array().unwrap().iter().all(|a| a["error"]["kind"] == "timed-out"));
    (took, Duration::from_millis(tcp["duration_ms"].as_u64().unwrap()))
}

fn main() {
    if !common::is_root() || !common::has_command("iptables") {
        println!("blackhole: skipped (needs root and iptables for the network namespaces)");
        return;
    }
    let (client, _server) = servers::blackhole_pair();
    let mut concurrent: Vec<(Duration, Duration)> =
        (0..5).map(|_| run(&client, "https://blackhole.k8sjoin.test:6443")).collect();
    concurrent.sort_by_key(|(_, tcp)| *tcp);
    let (mut seq_wall, mut seq_tcp) = (Duration::ZERO, Duration::ZERO);
    for i in 1..=16 {
        let (wall, tcp) = run(&client, &format!("https://198.51.100.{i}:6443"));
        seq_wall += wall;
        seq_tcp += tcp;
    }
    let (wall, tcp) = concurrent[concurrent.len() / 2];
    let ms = |d: Duration| d.as_secs_f64() * 1e3;
    println!("blackhole: 16 addresses, every SYN dropped, --timeout {TIMEOUT}");
    println!("{:<46} {:>10} {:>12}", "case", "TCP phase", "process wall");
    println!("{:<46} {:>8.0}ms {:>10.0}ms", "one run, one name -> 16 addresses (median of 5)", ms(tcp), ms(wall));
    println!("{:<46} {:>8.0}ms {:>10.0}ms", "sequential loop: 16 runs of one address", ms(seq_tcp), ms(seq_wall));
    println!("ratio sequential / concurrent (TCP phase): {:.1}x", seq_tcp.as_secs_f64() / tcp.as_secs_f64());
    println!(
        "(the concurrent run's wall time includes one --timeout of DNS: the namespace's resolver is dead and the name has no AAAA in /etc/hosts)"
    );
}
