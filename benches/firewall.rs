//! Parse + evaluate cost of the firewall evaluator on kube-proxy-like `iptables-save` dumps.
//!
//! For 1k, 10k and 100k rules: read and parse the dump, then judge the pools of all 16 regions of
//! the embedded table (every entry, every packet of the connection). Each size runs in a child
//! process so that its peak memory (VmHWM) is its own. Next to it, `iptables-restore --test` on
//! the same file (inside a throwaway network namespace; needs root) shows what the kernel's own
//! tool takes to read it.
//!
//! Run: `cargo bench --bench firewall` (sizes: `-- 1000 10000`; `-- --dump 100000 FILE` writes a
//! dump). Nothing is sent on any network.
#![expect(clippy::expect_used, reason = "a test or benchmark: a panic is the failure report")]

use std::net::IpAddr;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

#[path = "common/kube_proxy.rs"]
mod kube_proxy;

use kube_proxy::synthetic_dump;

use k8sjoin_check::firewall::analysis::{Request, judge_entries};
use k8sjoin_check::firewall::ipset::IpsetDb;
use k8sjoin_check::firewall::iptables;
use k8sjoin_check::region::{PoolPart, RegionTable};

/// Peak resident memory of this process (kB).
fn vm_hwm_kb() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .unwrap_or_default()
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or(0)
}

/// The measured work, in a child process: read, parse, judge every region's pool.
fn child(path: &Path) {
    let table = RegionTable::embedded().expect("embedded table");
    let started = Instant::now();
    let text = std::fs::read_to_string(path).expect("dump");
    let layer = iptables::parse(text, "bench", &IpsetDb::default()).expect("parses");
    let parsed = started.elapsed();
    let layers = [layer];
    let destinations: [IpAddr; 1] = ["192.0.2.1".parse().expect("ip")];
    let req = Request { port: 6443, destinations: &destinations, interface: None, flow: None, routes: None };
    // One pass over the rules judges every entry of every region: the evaluator works on ranges.
    let pool: Vec<_> = table.regions.iter().flat_map(|r| r.pool(PoolPart::Both)).collect();
    let (results, _) = judge_entries(&layers, &pool, &req);
    let entries = results.len();
    let undecided = results.iter().filter(|r| !r.unknown.is_empty()).count();
    let total = started.elapsed();
    println!(
        "{} {} {} {} {} {}",
        layers[0].rules(),
        parsed.as_secs_f64() * 1e3,
        (total - parsed).as_secs_f64() * 1e3,
        vm_hwm_kb(),
        entries,
        undecided
    );
}

/// `iptables-restore --test` on the file inside a throwaway namespace, in ms; `None` without root
/// or the tool.
fn restore_test_ms(path: &Path) -> Option<f64> {
    let ns = format!("k8sjc-bench-{}", std::process::id());
    Command::new("ip").args(["netns", "add", &ns]).output().ok().filter(|o| o.status.success())?;
    let file = std::fs::File::open(path).ok()?;
    let started = Instant::now();
    let ok = Command::new("ip")
        .args(["netns", "exec", &ns, "iptables-restore", "--test"])
        .stdin(file)
        .output()
        .ok()
        .is_some_and(|o| o.status.success());
    let ms = started.elapsed().as_secs_f64() * 1e3;
    let _ = Command::new("ip").args(["netns", "del", &ns]).output();
    ok.then_some(ms)
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).filter(|a| a != "--bench").collect();
    if let [flag, path] = args.as_slice()
        && flag == "--child"
    {
        child(Path::new(path));
        return;
    }
    // `-- --dump N PATH`: write the synthetic dump, e.g. to load it by hand or to profile.
    if let [flag, size, path] = args.as_slice()
        && flag == "--dump"
    {
        std::fs::write(path, synthetic_dump(size.parse().expect("a rule count"))).expect("write dump");
        return;
    }
    let sizes: Vec<usize> = {
        let v: Vec<usize> = args.iter().filter_map(|a| a.parse().ok()).collect();
        if v.is_empty() { vec![1_000, 10_000, 100_000] } else { v }
    };
    let dir = std::env::temp_dir().join(format!("k8sjc-bench-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let exe = std::env::current_exe().expect("bench binary");
    println!("firewall evaluator: read + parse the dump, judge every entry of all 16 regions' pools (3 packets each)");
    println!(
        "{:>8} {:>9} {:>10} {:>11} {:>10} {:>10} {:>14} {:>8}",
        "rules", "dump", "parse ms", "judge ms", "total ms", "peak MB", "restore --test", "unknown"
    );
    let mut per_rule = Vec::new();
    for &size in &sizes {
        let path: PathBuf = dir.join(format!("dump-{size}.txt"));
        let dump = synthetic_dump(size);
        std::fs::write(&path, &dump).expect("write dump");
        // Best of three runs for time; memory of the last.
        let mut best: Option<(usize, f64, f64, u64, usize, usize)> = None;
        for _ in 0..3 {
            let o = Command::new(&exe).args(["--child", path.to_str().expect("utf-8")]).output().expect("child runs");
            assert!(o.status.success(), "child failed: {}", String::from_utf8_lossy(&o.stderr));
            let line = String::from_utf8_lossy(&o.stdout);
            let f: Vec<&str> = line.split_whitespace().collect();
            let run = (
                f[0].parse().expect("rules"),
                f[1].parse().expect("parse"),
                f[2].parse().expect("judge"),
                f[3].parse().expect("hwm"),
                f[4].parse().expect("entries"),
                f[5].parse().expect("undecided"),
            );
            if best.as_ref().is_none_or(|b| run.1 + run.2 < b.1 + b.2) {
                best = Some(run);
            }
        }
        let (rules, parse, judge, hwm, _entries, undecided) = best.expect("ran");
        let restore = restore_test_ms(&path).map_or("n/a".to_string(), |ms| format!("{ms:.0} ms"));
        println!(
            "{rules:>8} {:>7}KB {parse:>10.1} {judge:>11.1} {:>10.1} {:>10.1} {restore:>14} {undecided:>8}",
            dump.len() / 1024,
            parse + judge,
            hwm as f64 / 1024.0
        );
        per_rule.push((rules, (parse + judge) / rules as f64 * 1e3));
    }
    let growth: Vec<String> = per_rule.iter().map(|(r, us)| format!("{r}: {us:.2} µs/rule")).collect();
    println!("cost per rule (linear growth keeps it flat): {}", growth.join(", "));
    let _ = std::fs::remove_dir_all(&dir);
}
