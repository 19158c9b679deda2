//! A full run against a loopback API server (kubeconfig with the CA, DNS skipped for the IP
//! literal, TCP, TLS, /readyz, /version, with and without ping): the wall time an SRE waits,
//! process start included.
//!
//! `cargo bench --bench full_run`
#![expect(clippy::unwrap_used, reason = "a test or benchmark: a panic is the failure report")]

#[path = "../tests/common/mod.rs"]
mod common;
#[path = "../tests/servers/mod.rs"]
mod servers;

use std::time::{Duration, Instant};

use base64::Engine as _;

const RUNS: usize = 30;

fn main() {
    let ca = servers::Ca::new("bench");
    let server = servers::ApiServer::start(&ca.leaf(&["127.0.0.1"], -1, 365), servers::Answers::default());
    let dir = tempfile::tempdir().unwrap();
    let kc = dir.path().join("kubeconfig");
    let ca_data = base64::engine::general_purpose::STANDARD.encode(&ca.pem);
    std::fs::write(
        &kc,
        format!(
            "current-context: b\ncontexts:\n- name: b\n  context: {{cluster: c}}\nclusters:\n- name: c\n  cluster:\n    server: {}\n    certificate-authority-data: {ca_data}\n",
            server.url()
        ),
    )
    .unwrap();
    println!("full run against a loopback API server (TLS + /readyz + /version), {RUNS} runs each");
    println!("{:<32} {:>9} {:>9} {:>9} {:>9}", "case", "median", "min", "p90", "max");
    for (case, extra) in [("all checks (ping: 3 echoes, 100 ms apart)", None), ("--no-icmp", Some("--no-icmp"))] {
        let mut times: Vec<Duration> = Vec::with_capacity(RUNS);
        for _ in 0..RUNS {
            let mut args = vec!["--region", "cn-hangzhou", "--kubeconfig", kc.to_str().unwrap(), "--format", "json"];
            args.extend(extra);
            let started = Instant::now();
            let out = common::run(&args);
            times.push(started.elapsed());
            let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
            for id in ["apiserver.tls", "apiserver.health", "apiserver.version"] {
                let c = report["checks"].as_array().unwrap().iter().find(|c| c["id"] == id).unwrap();
                assert_eq!(c["status"], "pass", "{c}");
            }
        }
        times.sort();
        let ms = |d: Duration| d.as_secs_f64() * 1e3;
        println!(
            "{case:<32} {:>7.1}ms {:>7.1}ms {:>7.1}ms {:>7.1}ms",
            ms(times[RUNS / 2]),
            ms(times[0]),
            ms(times[RUNS * 9 / 10]),
            ms(times[RUNS - 1])
        );
    }
}
