//! The whole binary on kube-proxy-like `iptables-save` dumps, as a user runs it (issue 15).
//!
//! For 1k, 10k, 100k and 1M rules: write the dump, then run `k8sjoin-check --firewall
//! iptables:FILE --region cn-hangzhou --only firewall --format json` (and the same with
//! `--forward 6443:192.0.2.10:6443`, which needs the `nat` table) several times, and report the
//! median wall time and the peak RSS of the process. Next to it, `iptables-restore --test` on the
//! same file, inside a throwaway network namespace (needs root and the tool), in the same run: the
//! ratios compare the two on the same machine under the same load.
//!
//! Run: `cargo bench --bench firewall` (sizes: `-- 1000 10000`; `-- --dump 100000 FILE` writes a
//! dump). Nothing is sent on any network: only the firewall checks run, and the forward target is
//! a documentation address.
#![expect(clippy::expect_used, reason = "a test or benchmark: a panic is the failure report")]

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

#[path = "../tests/common/mod.rs"]
mod common;
#[path = "common/kube_proxy.rs"]
mod kube_proxy;

use kube_proxy::synthetic_dump;

const BIN: &str = env!("CARGO_BIN_EXE_k8sjoin-check");

/// One run of `cmd` to its end (output discarded, stdin from `stdin` if given): whether it exited
/// with `ok`, its wall time, and its own peak RSS in KiB.
fn measured(cmd: &mut Command, stdin: Option<&Path>, ok: &[i32]) -> (Duration, i64) {
    cmd.stdout(Stdio::null()).stderr(Stdio::null());
    if let Some(path) = stdin {
        cmd.stdin(std::fs::File::open(path).expect("dump opens"));
    }
    let started = Instant::now();
    // Reaped by `wait_with_usage` (wait4) below.
    #[expect(clippy::zombie_processes, reason = "the child is reaped with wait4")]
    let child = cmd.spawn().expect("spawns");
    let (status, usage) = common::wait_with_usage(&child);
    let took = started.elapsed();
    let code = status.code();
    assert!(code.is_some_and(|c| ok.contains(&c)), "{cmd:?} exited with {code:?}");
    (took, usage.ru_maxrss)
}

/// Median wall time (ms) and the largest peak RSS (MB) of `runs` runs.
fn median_of(runs: usize, mut run: impl FnMut() -> (Duration, i64)) -> (f64, f64) {
    let mut times = Vec::new();
    let mut rss = 0;
    for _ in 0..runs {
        let (t, r) = run();
        times.push(t.as_secs_f64() * 1e3);
        rss = rss.max(r);
    }
    times.sort_by(f64::total_cmp);
    (times[times.len() / 2], rss as f64 / 1024.0)
}

/// The tool on the dump: `extra` adds options (`--forward`). Exit 0 or 1 is a verdict; 2 and
/// above would be bad input or a bug.
fn tool(path: &Path, extra: &[&str], runs: usize) -> (f64, f64) {
    let firewall = format!("iptables:{}", path.display());
    median_of(runs, || {
        let mut cmd = Command::new(BIN);
        cmd.args(["--firewall", &firewall, "--region", "cn-hangzhou", "--only", "firewall", "--format", "json"]);
        cmd.args(extra).args(["--lang", "en"]);
        measured(&mut cmd, None, &[0, 1])
    })
}

/// A throwaway network namespace for `iptables-restore --test`, deleted on drop.
struct Netns(String);

impl Netns {
    fn new() -> Option<Netns> {
        let name = format!("k8sjc-bench-{}", std::process::id());
        let added = Command::new("ip").args(["netns", "add", &name]).output().ok()?.status.success();
        added.then_some(Netns(name))
    }
}

impl Drop for Netns {
    fn drop(&mut self) {
        let _ = Command::new("ip").args(["netns", "del", &self.0]).output();
    }
}

fn restore_test(ns: &Netns, path: &Path, runs: usize) -> (f64, f64) {
    median_of(runs, || {
        let mut cmd = Command::new("ip");
        cmd.args(["netns", "exec", &ns.0, "iptables-restore", "--test"]);
        measured(&mut cmd, Some(path), &[0])
    })
}

/// The `-A` lines and the bytes of a dump, read a line at a time.
fn counted(path: &Path) -> (usize, u64) {
    use std::io::BufRead as _;
    let file = std::io::BufReader::new(std::fs::File::open(path).expect("dump opens"));
    let rules = file.lines().map(|l| l.expect("dump reads")).filter(|l| l.starts_with("-A ")).count();
    (rules, std::fs::metadata(path).expect("dump metadata").len())
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).filter(|a| a != "--bench").collect();
    // `-- --dump N PATH`: write the synthetic dump, e.g. to load it by hand or to profile.
    if let [flag, size, path] = args.as_slice()
        && flag == "--dump"
    {
        std::fs::write(path, synthetic_dump(size.parse().expect("a rule count"))).expect("write dump");
        return;
    }
    let sizes: Vec<usize> = {
        let v: Vec<usize> = args.iter().filter_map(|a| a.parse().ok()).collect();
        if v.is_empty() { vec![1_000, 10_000, 100_000, 1_000_000] } else { v }
    };
    let dir = std::env::temp_dir().join(format!("k8sjc-bench-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let ns = Netns::new();
    if ns.is_none() {
        println!("(no network namespace: not root, or no `ip`; iptables-restore --test is not run)");
    }
    println!(
        "whole process: k8sjoin-check --firewall iptables:FILE --region cn-hangzhou --only firewall --format json"
    );
    println!("median wall time of several runs, peak RSS of the process; restore = iptables-restore --test (netns)");
    println!(
        "{:>8} {:>8} | {:>9} {:>8} | {:>9} {:>8} | {:>10} {:>8} | {:>6} {:>6}",
        "rules", "dump MB", "tool ms", "tool MB", "fwd ms", "fwd MB", "restore ms", "rest. MB", "ratio", "fwd"
    );
    let mut first: Option<(usize, f64)> = None;
    for &size in &sizes {
        let path = dir.join(format!("dump-{size}.txt"));
        // Written by a child, and counted a line at a time: a process's peak RSS includes its
        // parent's at the exec (Linux keeps the larger of the old and new images' peaks), so this
        // process must stay small for the children's figures to be their own.
        let wrote = Command::new(std::env::current_exe().expect("bench binary"))
            .args(["--dump", &size.to_string()])
            .arg(&path)
            .status()
            .expect("dump writer");
        assert!(wrote.success(), "writing the dump: {wrote}");
        let (rules, bytes) = counted(&path);
        let runs = if size >= 1_000_000 { 5 } else { 11 };
        // One run first, unmeasured: the file in the page cache, the binary loaded.
        let _ = tool(&path, &[], 1);
        let (ms, mb) = tool(&path, &[], runs);
        let (fwd_ms, fwd_mb) = tool(&path, &["--forward", "6443:192.0.2.10:6443"], runs);
        // iptables-restore takes a minute on 1M rules: one run there.
        let restore = ns.as_ref().map(|ns| restore_test(ns, &path, if size >= 1_000_000 { 1 } else { 5 }));
        let (restore_ms, restore_mb, ratio, fwd_ratio) = match restore {
            Some((r, m)) => {
                (format!("{r:.1}"), format!("{m:.1}"), format!("{:.3}", ms / r), format!("{:.3}", fwd_ms / r))
            }
            None => ("n/a".into(), "n/a".into(), "n/a".into(), "n/a".into()),
        };
        println!(
            "{rules:>8} {:>8.1} | {ms:>9.1} {mb:>8.1} | {fwd_ms:>9.1} {fwd_mb:>8.1} | {restore_ms:>10} {restore_mb:>8} | {ratio:>6} {fwd_ratio:>6}",
            bytes as f64 / 1e6,
        );
        if let Some((r0, ms0)) = first {
            println!("{:>8} {rules} rules take {:.1}× the time of {r0}", "", ms / ms0);
        } else if size >= 100_000 {
            first = Some((rules, ms));
        }
        let _ = std::fs::remove_file(&path);
    }
    drop(ns);
    let _ = std::fs::remove_dir_all(&dir);
}
