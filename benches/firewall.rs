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
#![allow(clippy::expect_used, clippy::unwrap_used)] // a benchmark: a failure is a panic with its message

use std::fmt::Write as _;
use std::net::IpAddr;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

use k8sjoin_check::firewall::analysis::{Request, judge_entries};
use k8sjoin_check::firewall::ipset::IpsetDb;
use k8sjoin_check::firewall::iptables;
use k8sjoin_check::region::{PoolPart, RegionTable};

/// A kube-proxy (iptables mode) dump with about `rules` rules: per service a cluster-IP rule, a
/// masquerade mark, three endpoints with their DNAT chains, a node port; plus a host firewall in
/// front of the API server.
fn synthetic_dump(rules: usize) -> String {
    let mut filter = String::new();
    let mut filter_chains = String::new();
    let mut nat = String::new();
    let mut nat_chains = String::new();
    let mut count = 0;
    // Host firewall: established traffic, the office network, one pool, a deny block, policy DROP.
    filter.push_str("-A INPUT -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT\n");
    filter.push_str("-A INPUT -i lo -j ACCEPT\n");
    filter.push_str("-A INPUT -m conntrack --ctstate NEW -m comment --comment \"kubernetes load balancer firewall\" -j KUBE-PROXY-FIREWALL\n");
    filter.push_str("-A INPUT -m comment --comment \"kubernetes health check service ports\" -j KUBE-NODEPORTS\n");
    filter.push_str("-A INPUT -m conntrack --ctstate NEW -m comment --comment \"kubernetes externally-visible service portals\" -j KUBE-EXTERNAL-SERVICES\n");
    filter.push_str("-A INPUT -j KUBE-FIREWALL\n");
    filter.push_str("-A INPUT -s 100.104.0.0/16 -p tcp -m tcp --dport 6443 -j ACCEPT\n");
    filter.push_str("-A INPUT -s 47.96.0.0/16 -p tcp -m tcp --dport 6443 -j ACCEPT\n");
    filter.push_str("-A INPUT -s 192.0.2.0/24 -p tcp -m multiport --dports 22,6443 -j ACCEPT\n");
    filter.push_str("-A KUBE-FIREWALL ! -s 127.0.0.0/8 -d 127.0.0.0/8 -m comment --comment \"block incoming localnet connections\" -m conntrack ! --ctstate RELATED,ESTABLISHED,DNAT -j DROP\n");
    filter.push_str("-A FORWARD -m comment --comment \"kubernetes forwarding rules\" -j KUBE-FORWARD\n");
    filter.push_str("-A KUBE-FORWARD -m conntrack --ctstate INVALID -j DROP\n");
    filter.push_str(
        "-A KUBE-FORWARD -m comment --comment \"kubernetes forwarding rules\" -m mark --mark 0x4000/0x4000 -j ACCEPT\n",
    );
    count += 13;
    nat.push_str("-A PREROUTING -m comment --comment \"kubernetes service portals\" -j KUBE-SERVICES\n");
    nat.push_str("-A OUTPUT -m comment --comment \"kubernetes service portals\" -j KUBE-SERVICES\n");
    nat.push_str("-A POSTROUTING -m comment --comment \"kubernetes postrouting rules\" -j KUBE-POSTROUTING\n");
    nat_chains.push_str("-A KUBE-MARK-MASQ -j MARK --set-xmark 0x4000/0x4000\n");
    nat_chains.push_str("-A KUBE-POSTROUTING -m mark ! --mark 0x4000/0x4000 -j RETURN\n");
    nat_chains.push_str("-A KUBE-POSTROUTING -j MARK --set-xmark 0x4000/0x0\n");
    nat_chains.push_str("-A KUBE-POSTROUTING -m comment --comment \"kubernetes service traffic requiring SNAT\" -j MASQUERADE --random-fully\n");
    count += 7;
    let mut declared = String::new();
    let mut services = String::new();
    let mut s = 0usize;
    while count < rules.saturating_sub(1) {
        let (a, b) = ((s / 250) % 250, s % 250 + 1);
        let ip = format!("10.96.{a}.{b}");
        let port = 80 + (s % 20) as u16;
        let node_port = 30000 + (s % 2768) as u16;
        let svc = format!("KUBE-SVC-{s:016X}");
        let ext = format!("KUBE-EXT-{s:016X}");
        let _ = writeln!(declared, ":{svc} - [0:0]\n:{ext} - [0:0]");
        let _ = writeln!(
            services,
            "-A KUBE-SERVICES -d {ip}/32 -p tcp -m comment --comment \"ns{s}/svc{s}:http cluster IP\" -m tcp --dport {port} -j {svc}"
        );
        let _ = writeln!(
            nat_chains,
            "-A {svc} ! -s 10.244.0.0/16 -d {ip}/32 -p tcp -m comment --comment \"ns{s}/svc{s}:http cluster IP\" -m tcp --dport {port} -j KUBE-MARK-MASQ"
        );
        let _ = writeln!(
            nat_chains,
            "-A KUBE-NODEPORTS -p tcp -m comment --comment \"ns{s}/svc{s}:http\" -m tcp --dport {node_port} -j {ext}"
        );
        let _ = writeln!(
            nat_chains,
            "-A {ext} -m comment --comment \"masquerade traffic for ns{s}/svc{s}:http external destinations\" -j KUBE-MARK-MASQ"
        );
        let _ = writeln!(nat_chains, "-A {ext} -j {svc}");
        count += 5;
        for e in 0..3usize {
            let sep = format!("KUBE-SEP-{s:012X}{e:04X}");
            let pod = format!("10.244.{}.{}", (s * 3 + e) / 250 % 250, (s * 3 + e) % 250 + 1);
            let _ = writeln!(declared, ":{sep} - [0:0]");
            let probability = match e {
                0 => " -m statistic --mode random --probability 0.33333333349",
                1 => " -m statistic --mode random --probability 0.50000000000",
                _ => "",
            };
            let _ = writeln!(
                nat_chains,
                "-A {svc} -m comment --comment \"ns{s}/svc{s}:http -> {pod}:8080\"{probability} -j {sep}"
            );
            let _ = writeln!(
                nat_chains,
                "-A {sep} -s {pod}/32 -m comment --comment \"ns{s}/svc{s}:http\" -j KUBE-MARK-MASQ"
            );
            let _ = writeln!(
                nat_chains,
                "-A {sep} -p tcp -m comment --comment \"ns{s}/svc{s}:http\" -m tcp -j DNAT --to-destination {pod}:8080"
            );
            count += 3;
        }
        let _ = writeln!(
            filter_chains,
            "-A KUBE-EXTERNAL-SERVICES -d 203.0.113.{}/32 -p tcp -m comment --comment \"ns{s}/svc{s}:http has no endpoints\" -m tcp --dport {port} -j REJECT --reject-with icmp-port-unreachable",
            s % 250 + 1
        );
        count += 1;
        s += 1;
    }
    let _ = writeln!(
        services,
        "-A KUBE-SERVICES -m comment --comment \"kubernetes service nodeports; NOTE: this must be the last rule in this chain\" -m addrtype --dst-type LOCAL -j KUBE-NODEPORTS"
    );
    let mut out = String::from(
        "# Generated by iptables-save v1.8.9 (nf_tables) on Sat Nov 28 14:46:46 2026\n*filter\n:INPUT DROP [0:0]\n:FORWARD DROP [0:0]\n:OUTPUT ACCEPT [0:0]\n:KUBE-EXTERNAL-SERVICES - [0:0]\n:KUBE-FIREWALL - [0:0]\n:KUBE-FORWARD - [0:0]\n:KUBE-NODEPORTS - [0:0]\n:KUBE-PROXY-FIREWALL - [0:0]\n",
    );
    out.push_str(&filter);
    out.push_str(&filter_chains);
    out.push_str("COMMIT\n*nat\n:PREROUTING ACCEPT [0:0]\n:INPUT ACCEPT [0:0]\n:OUTPUT ACCEPT [0:0]\n:POSTROUTING ACCEPT [0:0]\n:KUBE-MARK-MASQ - [0:0]\n:KUBE-NODEPORTS - [0:0]\n:KUBE-POSTROUTING - [0:0]\n:KUBE-SERVICES - [0:0]\n");
    out.push_str(&declared);
    out.push_str(&nat);
    out.push_str(&services);
    out.push_str(&nat_chains);
    out.push_str("COMMIT\n");
    out
}

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
    let req = Request { port: 6443, destinations: &destinations, interface: None, flow: None };
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
