//! The real-world corpus (`../shared/reference/corpus/firewall/`, rulesets nobody on this project
//! wrote) as the measure of the evaluator.
//!
//! 1. Every iptables file parses: the tool never exits 2 (nor panics) on a valid dump.
//! 2. As root, every ruleset that loads in a kernel is judged by the kernel and by the tool. Each
//!    ruleset's addresses are rewritten into documentation blocks (so that probes fall on both
//!    sides of its rules), it is loaded into a network namespace of this test (`iptables-restore`,
//!    `ip6tables-restore`, `nft -f`), the tool judges the kernel's own dump of what was loaded
//!    (`iptables-save`, `nft -j list ruleset`), and real TCP connections (connect, then one byte
//!    from the server: later packets and answers count too) from documentation addresses over a
//!    veth pair say what the kernel does. The test prints agree / unknown / disagree totals, and the
//!    unknowns by reason, and fails on any disagreement.
//!
//! Traffic: documentation addresses only, inside namespaces named with this process's id and deleted
//! on drop (also on failure). The TCP endpoints are this test binary, re-executed as an agent.
#![allow(clippy::expect_used, clippy::unwrap_used)] // in tests a panic is the failure report
mod common;

use std::collections::{BTreeMap, HashMap};
use std::io::{BufRead, BufReader, Write as _};
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use common::{Need, Netns, in_ci, prerequisites};

const SERVER4: &str = "192.0.2.1";
const CLIENT4: &str = "192.0.2.2";
const SERVER6: &str = "2001:db8::1";
const CLIENT6: &str = "2001:db8::2";
const TIMEOUT_MS: u64 = 300;
const WORKERS: usize = 4;

/// The corpus, beside the repository as CI lays it out; `None` (with the reason printed) when absent
/// outside CI.
fn corpus() -> Option<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/reference/corpus/firewall");
    if dir.is_dir() {
        return Some(dir);
    }
    assert!(!in_ci(), "CI=true but the corpus is not at {}", dir.display());
    eprintln!("SKIP: the firewall corpus is not at {}", dir.display());
    None
}

/// Every ruleset file of the corpus, sorted.
fn files(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for sub in std::fs::read_dir(dir).expect("corpus dir").flatten() {
        if !sub.path().is_dir() {
            continue;
        }
        for f in std::fs::read_dir(sub.path()).expect("corpus sub dir").flatten() {
            let p = f.path();
            if matches!(p.extension().and_then(|e| e.to_str()), Some("rules" | "rules6" | "nft")) {
                out.push(p);
            }
        }
    }
    out.sort();
    out
}

fn name_of(path: &Path) -> String {
    let dir = path.parent().and_then(Path::file_name).and_then(|s| s.to_str()).unwrap_or_default();
    format!("{dir}_{}", path.file_stem().and_then(|s| s.to_str()).unwrap_or_default())
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Ipt4,
    Ipt6,
    Nft,
}

fn kind_of(path: &Path, text: &str) -> Kind {
    if path.extension().and_then(|e| e.to_str()) == Some("nft") {
        return Kind::Nft;
    }
    let v6 = text.lines().next().is_some_and(|l| l.contains("ip6tables"))
        || path.extension().and_then(|e| e.to_str()) == Some("rules6")
        || text.lines().filter(|l| l.starts_with("-A")).any(|l| {
            l.split_whitespace()
                .collect::<Vec<_>>()
                .windows(2)
                .any(|w| matches!(w[0], "-s" | "-d") && w[1].contains(':'))
        });
    if v6 { Kind::Ipt6 } else { Kind::Ipt4 }
}

// ---------------------------------------------------------------------------------------------
// The tool.

fn regions_file(dir: &Path, entries: &[String]) -> PathBuf {
    let path = dir.join("regions.json");
    let doc = serde_json::json!({
        "source": "corpus test (documentation addresses)",
        "updated": "2026-12-01",
        "regions": [{"id": "doc-corpus", "name_zh": "文档(语料)", "name_en": "Documentation (corpus)",
                     "public_ips": [], "private_cidrs": entries, "vpc_supported": true}]
    });
    std::fs::write(&path, doc.to_string()).expect("write regions");
    path
}

/// Runs the allowlist check; panics on exit 2 (a valid dump must never be an input error) or a
/// crash. Returns the check's JSON.
fn allowlist(dir: &Path, entries: &[String], spec: &str, api: &str, iface: Option<&str>) -> serde_json::Value {
    let regions = regions_file(dir, entries);
    let mut cmd = common::bin();
    cmd.args(["--regions-file", regions.to_str().expect("utf-8"), "--region", "doc-corpus", "--apiserver", api])
        .args(["--firewall", spec, "--only", "firewall.allowlist", "--format", "json"]);
    if let Some(i) = iface {
        cmd.args(["--interface", i]);
    }
    let o = cmd.output().expect("binary runs");
    let code = o.status.code();
    assert!(
        matches!(code, Some(0 | 1 | 4)),
        "{spec}: exit {code:?}: {}",
        String::from_utf8_lossy(&o.stderr).lines().next().unwrap_or_default()
    );
    let report: serde_json::Value = serde_json::from_slice(&o.stdout).expect("json report");
    common::check(&report, "firewall.allowlist").clone()
}

#[test]
fn every_iptables_file_of_the_corpus_parses() {
    let Some(dir) = corpus() else { return };
    let tmp = tempfile::tempdir().expect("tempdir");
    let mut n = 0;
    for path in files(&dir) {
        if path.extension().and_then(|e| e.to_str()) == Some("nft") {
            // nft text is read by the tool through `nft -j` (the kernel test below).
            continue;
        }
        let entries = vec!["198.51.100.0/24".to_string(), "2001:db8:1::/48".to_string()];
        allowlist(tmp.path(), &entries, &format!("iptables:{}", path.display()), "192.0.2.1:6443", Some("eth0"));
        n += 1;
    }
    assert!(n >= 35, "only {n} iptables files");
    eprintln!("{n} iptables files of the corpus parse");
}

// ---------------------------------------------------------------------------------------------
// Rewriting a ruleset into documentation addresses.

/// Probe slots: 23 IPv4 /27 blocks and 23 IPv6 /64 blocks of the documentation ranges (192.0.2.0/27
/// is the link between the namespaces).
fn slots4() -> Vec<Ipv4Addr> {
    let mut v = Vec::new();
    for i in 1..8u8 {
        v.push(Ipv4Addr::new(192, 0, 2, i * 32));
    }
    for i in 0..8u8 {
        v.push(Ipv4Addr::new(198, 51, 100, i * 32));
    }
    for i in 0..8u8 {
        v.push(Ipv4Addr::new(203, 0, 113, i * 32));
    }
    v
}

fn slots6() -> Vec<Ipv6Addr> {
    (1..24u16).map(|i| Ipv6Addr::new(0x2001, 0xdb8, 1, i, 0, 0, 0, 0)).collect()
}

/// Addresses probed in each slot.
fn probes4(slot: Ipv4Addr) -> Vec<Ipv4Addr> {
    let base = u32::from(slot);
    [1, 9, 17, 30].iter().map(|o| Ipv4Addr::from(base + o)).collect()
}

fn probes6(slot: Ipv6Addr) -> Vec<Ipv6Addr> {
    let base = u128::from(slot);
    // Not ::1: a rewritten container address (a /128 keeps its host part) is often that.
    [0x10u128, 0x9_0000].iter().map(|o| Ipv6Addr::from(base + o)).collect()
}

/// A literal address (or CIDR) at `text[start..end]`.
struct Literal {
    start: usize,
    end: usize,
    addr: IpAddr,
    len: u8,
}

fn literals(text: &str) -> Vec<Literal> {
    let bytes = text.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    let boundary =
        |b: u8| !(b.is_ascii_alphanumeric() || b == b'.' || b == b':' || b == b'/' || b == b'_' || b == b'-');
    while i < bytes.len() {
        if i > 0 && !boundary(bytes[i - 1]) {
            i += 1;
            continue;
        }
        let mut j = i;
        while j < bytes.len()
            && (bytes[j].is_ascii_hexdigit() || bytes[j] == b'.' || bytes[j] == b':' || bytes[j] == b'/')
        {
            j += 1;
        }
        if j < bytes.len() && !boundary(bytes[j]) || j == i {
            i = j.max(i + 1);
            continue;
        }
        let mut word = &text[i..j];
        // `ADDRESS:PORT` (a DNAT target): the address alone.
        if let Some((a, p)) = word.rsplit_once(':')
            && a.parse::<Ipv4Addr>().is_ok()
            && p.parse::<u16>().is_ok()
        {
            word = a;
        }
        let j = i + word.len();
        let (a, len) = word.split_once('/').unwrap_or((word, ""));
        if let Ok(addr) = a.parse::<IpAddr>() {
            let max = if addr.is_ipv4() { 32 } else { 128 };
            let len = if len.is_empty() { Some(max) } else { len.parse::<u8>().ok().filter(|l| *l <= max) };
            if let Some(len) = len {
                out.push(Literal { start: i, end: j, addr, len });
            }
        }
        i = j;
    }
    out
}

/// Addresses the rewrite keeps: this host's own ranges and special addresses rules mean literally.
fn special(addr: IpAddr) -> bool {
    match addr {
        IpAddr::V4(a) => {
            a.is_unspecified() || a.is_loopback() || a.is_multicast() || a.is_broadcast() || a.octets()[0] >= 224
        }
        IpAddr::V6(a) => {
            a.is_unspecified() || a.is_loopback() || a.is_multicast() || (a.segments()[0] & 0xffc0) == 0xfe80
        }
    }
}

/// The ruleset with its addresses moved into the probe slots (the most used destination host
/// becomes the server), and where the server listens.
fn rewrite(text: &str) -> String {
    let lits = literals(text);
    // The destination most rules name, as a host: the API server's address.
    let mut dst_count: HashMap<IpAddr, usize> = HashMap::new();
    for l in &lits {
        let before = text[..l.start].trim_end();
        if (before.ends_with("-d") || before.ends_with("daddr")) && (l.len == 32 || l.len == 128) {
            *dst_count.entry(l.addr).or_default() += 1;
        }
    }
    let server4 = dst_count.iter().filter(|(a, _)| a.is_ipv4()).max_by_key(|(a, n)| (**n, **a)).map(|(a, _)| *a);
    let server6 = dst_count.iter().filter(|(a, _)| a.is_ipv6()).max_by_key(|(a, n)| (**n, **a)).map(|(a, _)| *a);
    let (s4, s6) = (slots4(), slots6());
    let mut groups: HashMap<(IpAddr, u8), usize> = HashMap::new();
    let mut used = (0usize, 0usize);
    let mut out = String::with_capacity(text.len());
    let mut at = 0;
    for l in &lits {
        if special(l.addr) {
            continue;
        }
        let replacement = match l.addr {
            a if Some(a) == server4 => SERVER4.to_string(),
            a if Some(a) == server6 => SERVER6.to_string(),
            IpAddr::V4(a) => {
                let coarse = l.len.min(27);
                let key = (IpAddr::V4(Ipv4Addr::from(u32::from(a) & (u32::MAX << (32 - u32::from(coarse))))), coarse);
                let slot = *groups.entry(key).or_insert_with(|| {
                    used.0 += 1;
                    used.0 - 1
                });
                let Some(base) = s4.get(slot) else { continue };
                let host = if l.len >= 27 { u32::from(a) & 31 } else { 0 };
                let len = l.len.max(27);
                let new = Ipv4Addr::from(u32::from(*base) | host);
                if l.len == 32 && !text[l.start..l.end].contains('/') {
                    new.to_string()
                } else {
                    format!("{new}/{len}")
                }
            }
            IpAddr::V6(a) => {
                let coarse = l.len.min(64);
                let mask = if coarse == 0 { 0 } else { u128::MAX << (128 - u32::from(coarse)) };
                let key = (IpAddr::V6(Ipv6Addr::from(u128::from(a) & mask)), coarse);
                let slot = *groups.entry(key).or_insert_with(|| {
                    used.1 += 1;
                    used.1 - 1
                });
                let Some(base) = s6.get(slot) else { continue };
                let host = if l.len >= 64 { u128::from(a) & u128::from(u64::MAX) } else { 0 };
                let len = l.len.max(64);
                let new = Ipv6Addr::from(u128::from(*base) | host);
                if l.len == 128 && !text[l.start..l.end].contains('/') {
                    new.to_string()
                } else {
                    format!("{new}/{len}")
                }
            }
        };
        out.push_str(&text[at..l.start]);
        out.push_str(&replacement);
        at = l.end;
    }
    out.push_str(&text[at..]);
    out
}

/// The interface the rules expect the pool's traffic on: the input interface they name most (not
/// loopback or a container bridge), else `eth0`.
fn interface(text: &str) -> String {
    let mut count: BTreeMap<String, usize> = BTreeMap::new();
    let words: Vec<&str> = text.split_whitespace().collect();
    for w in words.windows(2) {
        if matches!(w[0], "-i" | "iifname" | "iif") {
            let name = w[1].trim_matches('"').replace(['+', '*'], "0");
            let skip = ["lo", "docker", "br-", "veth", "cali", "flannel", "cni", "!", "{", "vmap", "@"];
            let plain = name.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_'));
            if plain && !name.is_empty() && name.len() <= 15 && !skip.iter().any(|s| name.starts_with(s)) {
                *count.entry(name).or_default() += 1;
            }
        }
    }
    count.into_iter().max_by_key(|(n, c)| (*c, std::cmp::Reverse(n.clone()))).map_or("eth0".into(), |(n, _)| n)
}

/// The destination port the rules name most, other than 6443: judged too.
fn other_port(text: &str) -> Option<u16> {
    let mut count: HashMap<u16, usize> = HashMap::new();
    let words: Vec<&str> = text.split_whitespace().collect();
    for w in words.windows(2) {
        if matches!(w[0], "--dport" | "dport")
            && let Ok(p) = w[1].parse::<u16>()
        {
            *count.entry(p).or_default() += 1;
        }
    }
    count.into_iter().filter(|(p, _)| *p != 6443 && *p > 0).max_by_key(|(p, n)| (*n, *p)).map(|(p, _)| p)
}

// ---------------------------------------------------------------------------------------------
// The agent.

/// Does nothing in a normal run. With `K8SJC_CORPUS_AGENT=listen` it serves the ports in
/// `K8SJC_CORPUS_ARGS` (one byte per connection); with `connect` it connects from every `SRC` of
/// `PORT DST SRC…` in parallel and prints one line per source.
#[test]
fn corpus_agent() {
    let Ok(role) = std::env::var("K8SJC_CORPUS_AGENT") else { return };
    let args = std::env::var("K8SJC_CORPUS_ARGS").unwrap_or_default();
    match role.as_str() {
        "listen" => {
            let mut threads = Vec::new();
            for p in args.split_whitespace() {
                let port: u16 = p.parse().expect("port");
                let l = std::net::TcpListener::bind(("::", port)).expect("bind");
                threads.push(std::thread::spawn(move || {
                    for mut c in l.incoming().flatten() {
                        let _ = c.write_all(b"k");
                    }
                }));
            }
            println!("AGENT ready");
            std::io::stdout().flush().expect("flush");
            for t in threads {
                let _ = t.join();
            }
        }
        "connect" => {
            let mut words = args.split_whitespace();
            let port: u16 = words.next().expect("port").parse().expect("port");
            let dst: IpAddr = words.next().expect("dst").parse().expect("dst");
            let sources: Vec<IpAddr> = words.map(|w| w.parse().expect("src")).collect();
            let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("runtime");
            let results = rt.block_on(async {
                let tasks: Vec<_> =
                    sources.iter().map(|s| tokio::spawn(probe(*s, SocketAddr::new(dst, port)))).collect();
                let mut out = Vec::new();
                for t in tasks {
                    out.push(t.await.expect("task"));
                }
                out
            });
            for (s, r) in sources.iter().zip(results) {
                println!("AGENT {s} {r}");
            }
        }
        other => panic!("unknown agent role {other}"),
    }
}

async fn probe(src: IpAddr, dst: SocketAddr) -> bool {
    use tokio::io::AsyncReadExt;
    let t = Duration::from_millis(TIMEOUT_MS);
    let sock = if src.is_ipv4() { tokio::net::TcpSocket::new_v4() } else { tokio::net::TcpSocket::new_v6() };
    let Ok(sock) = sock else { return false };
    if sock.bind(SocketAddr::new(src, 0)).is_err() {
        return false;
    }
    match tokio::time::timeout(t, sock.connect(dst)).await {
        Ok(Ok(mut s)) => {
            let mut b = [0u8; 1];
            matches!(tokio::time::timeout(t, s.read(&mut b)).await, Ok(Ok(1)))
        }
        _ => false,
    }
}

fn agent(ns: &Netns, role: &str, args: &str) -> Command {
    let exe = std::env::current_exe().expect("test binary");
    let mut cmd = ns.command(exe.to_str().expect("utf-8 path"));
    cmd.args(["--exact", "corpus_agent", "--nocapture", "--test-threads=1"])
        .env("K8SJC_CORPUS_AGENT", role)
        .env("K8SJC_CORPUS_ARGS", args);
    cmd
}

// ---------------------------------------------------------------------------------------------
// One ruleset in the kernel.

struct Bench {
    srv: Netns,
    cli: Netns,
    listener: Child,
    /// Containers that a DNAT of the rules sends connections to: a namespace behind a veth named
    /// as the rules name the bridge, with the translated address and a listener on its port.
    containers: Vec<(Netns, Child)>,
}

/// `--to-destination A[:P]` and nft `dnat [ip|ip6] to A[:P]` of the (rewritten) rules.
fn dnat_targets(rules: &str) -> Vec<(IpAddr, u16)> {
    let mut out = Vec::new();
    let words: Vec<&str> = rules.split_whitespace().collect();
    for (i, w) in words.iter().enumerate() {
        let target = match *w {
            "--to-destination" => words.get(i + 1),
            "to" if i > 0 && (words[i - 1] == "dnat" || (i > 1 && words[i - 2] == "dnat")) => words.get(i + 1),
            _ => None,
        };
        let Some(t) = target else { continue };
        let t = t.trim_matches('"');
        let parsed = if let Some(rest) = t.strip_prefix('[') {
            rest.split_once("]:").and_then(|(a, p)| Some((a.parse().ok()?, p.parse().ok()?)))
        } else {
            t.rsplit_once(':').and_then(|(a, p)| Some((a.parse::<Ipv4Addr>().ok()?.into(), p.parse().ok()?)))
        };
        if let Some(x) = parsed
            && !out.contains(&x)
        {
            out.push(x);
        }
    }
    out
}

/// The bridge the rules send translated connections out of (`-o NAME`, `oifname "NAME"`).
fn bridge(rules: &str, pool_iface: &str) -> String {
    let mut count: BTreeMap<String, usize> = BTreeMap::new();
    let words: Vec<&str> = rules.split_whitespace().collect();
    for w in words.windows(2) {
        if matches!(w[0], "-o" | "oifname") {
            let name = w[1].trim_matches('"').to_string();
            let plain = name.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_'));
            if plain && name != pool_iface && name != "lo" && !name.is_empty() && name.len() <= 15 {
                *count.entry(name).or_default() += 1;
            }
        }
    }
    count.into_iter().max_by_key(|(n, c)| (*c, std::cmp::Reverse(n.clone()))).map_or("docker0".into(), |(n, _)| n)
}

impl Bench {
    fn new(iface: &str, ports: &[u16]) -> Bench {
        let srv = Netns::new("cps");
        let cli = Netns::new("cpc");
        common::sh(&format!("ip link add {iface} netns {} type veth peer name kc-c netns {}", srv.name, cli.name));
        srv.exec_ok(&format!(
            "ip addr add {SERVER4}/27 dev {iface} && ip addr add {SERVER6}/64 dev {iface} nodad && ip link set {iface} up"
        ));
        let mut script = format!("ip addr add {CLIENT4}/27 dev kc-c && ip addr add {CLIENT6}/64 dev kc-c nodad && ");
        for s in slots4() {
            for p in probes4(s) {
                script.push_str(&format!("ip addr add {p}/32 dev kc-c && "));
            }
        }
        for s in slots6() {
            for p in probes6(s) {
                script.push_str(&format!("ip addr add {p}/128 dev kc-c nodad && "));
            }
        }
        script.push_str("ip link set kc-c up");
        cli.exec_ok(&script);
        // IPv6 neighbour discovery is ICMPv6, which rulesets filter; the tool judges TCP. Static
        // neighbours (the client as the server's gateway to the slots) keep ND out of the verdicts.
        let mac = |ns: &Netns, dev: &str| ns.exec_ok(&format!("cat /sys/class/net/{dev}/address")).trim().to_string();
        let (srv_mac, cli_mac) = (mac(&srv, iface), mac(&cli, "kc-c"));
        let mut routes = format!(
            "ip -6 neigh replace {CLIENT6} lladdr {cli_mac} dev {iface} nud permanent && ip neigh replace {CLIENT4} lladdr {cli_mac} dev {iface} nud permanent && "
        );
        for s in slots4() {
            routes.push_str(&format!("ip route add {s}/27 via {CLIENT4} dev {iface} && "));
        }
        for s in slots6() {
            routes.push_str(&format!("ip -6 route add {s}/64 via {CLIENT6} dev {iface} && "));
        }
        routes.push_str("true");
        srv.exec_ok(&routes);
        cli.exec_ok(&format!(
            "ip -6 neigh replace {SERVER6} lladdr {srv_mac} dev kc-c nud permanent && ip neigh replace {SERVER4} lladdr {srv_mac} dev kc-c nud permanent"
        ));
        let ports: Vec<String> = ports.iter().map(ToString::to_string).collect();
        let mut listener = agent(&srv, "listen", &ports.join(" "))
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("listener");
        let out = listener.stdout.take().expect("stdout");
        let mut lines = BufReader::new(out).lines();
        assert!(lines.any(|l| l.is_ok_and(|l| l.contains("AGENT ready"))), "listener did not start");
        Bench { srv, cli, listener, containers: Vec::new() }
    }

    /// A container at `addr` listening on `port`, behind the server's interface `bridge`; the
    /// server forwards (as a Docker host does).
    fn container(&mut self, n: usize, bridge: &str, addr: IpAddr, ports: &[u16]) {
        let ctr = Netns::new("cpk");
        let peer = format!("kc-k{n}");
        let exists = self.srv.exec(&format!("ip link show {bridge}")).status.success();
        if !exists {
            common::sh(&format!(
                "ip link add {bridge} netns {} type veth peer name {peer} netns {}",
                self.srv.name, ctr.name
            ));
            self.srv.exec_ok(&format!(
                "ip link set {bridge} up && sysctl -qw net.ipv4.ip_forward=1 net.ipv6.conf.all.forwarding=1"
            ));
        } else {
            common::sh(&format!(
                "ip link add {peer}s netns {} type veth peer name {peer} netns {}",
                self.srv.name, ctr.name
            ));
            self.srv.exec_ok(&format!("ip link set {peer}s up"));
        }
        let dev = if exists { format!("{peer}s") } else { bridge.to_string() };
        let (fam, len, gw) = if addr.is_ipv4() { ("", 32, "192.0.2.1") } else { ("-6", 128, "2001:db8::1") };
        ctr.exec_ok(&format!(
            "ip link set {peer} up && ip {fam} addr add {addr}/{len} dev {peer} nodad 2>/dev/null || ip {fam} addr add {addr}/{len} dev {peer}; \
ip {fam} route add {gw} dev {peer} && ip {fam} route add default via {gw} dev {peer}"
        ));
        // The server's own address is the container's gateway: reachable on the bridge too. Static
        // neighbours, as between server and client (rulesets filter ICMPv6).
        self.srv.exec_ok(&format!("ip {fam} route add {addr}/{len} dev {dev}"));
        let mac = |ns: &Netns, d: &str| ns.exec_ok(&format!("cat /sys/class/net/{d}/address")).trim().to_string();
        let (srv_mac, ctr_mac) = (mac(&self.srv, &dev), mac(&ctr, &peer));
        self.srv.exec_ok(&format!("ip neigh replace {addr} lladdr {ctr_mac} dev {dev} nud permanent"));
        ctr.exec_ok(&format!("ip neigh replace {gw} lladdr {srv_mac} dev {peer} nud permanent"));
        let mut listener = agent(&ctr, "listen", &ports.iter().map(ToString::to_string).collect::<Vec<_>>().join(" "))
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("listener");
        let out = listener.stdout.take().expect("stdout");
        let mut lines = BufReader::new(out).lines();
        assert!(lines.any(|l| l.is_ok_and(|l| l.contains("AGENT ready"))), "container listener did not start");
        self.containers.push((ctr, listener));
    }

    /// Whether each source connects to `dst:port`.
    fn probe(&self, port: u16, dst: &str, sources: &[IpAddr]) -> HashMap<IpAddr, bool> {
        let list: Vec<String> = sources.iter().map(ToString::to_string).collect();
        let o = agent(&self.cli, "connect", &format!("{port} {dst} {}", list.join(" "))).output().expect("prober");
        let text = String::from_utf8_lossy(&o.stdout);
        let map: HashMap<IpAddr, bool> = text
            .lines()
            .filter_map(|l| l.find("AGENT ").map(|i| &l[i + 6..]))
            .filter_map(|l| l.split_once(' '))
            .filter_map(|(a, b)| Some((a.parse().ok()?, b == "true")))
            .collect();
        assert_eq!(map.len(), sources.len(), "prober output: {text}");
        map
    }
}

impl Drop for Bench {
    fn drop(&mut self) {
        let _ = self.listener.kill();
        let _ = self.listener.wait();
        for (_, l) in &mut self.containers {
            let _ = l.kill();
            let _ = l.wait();
        }
    }
}

/// What today's `iptables-restore` and `nft` need to load a dump written by older versions (or
/// anonymised): the same rules in the syntax they accept.
fn loadable(rules: &str) -> String {
    let mut out = String::with_capacity(rules.len());
    for line in rules.lines() {
        // `-s ! X` (iptables 1.4) is `! -s X`.
        let mut words: Vec<&str> = line.split(' ').collect();
        let mut i = 0;
        while i + 1 < words.len() {
            if matches!(words[i], "-s" | "-d" | "-i" | "-o" | "-p") && words[i + 1] == "!" {
                words.swap(i, i + 1);
                i += 1;
            }
            i += 1;
        }
        let line = words.join(" ");
        // Anonymised MAC addresses, and nft 1.0's spelling of the output hook's nat priority.
        let line = line
            .replace("XX:XX:XX:XX:XX:XX", "02:00:5e:00:53:01")
            .replace("hook output priority dstnat", "hook output priority -100");
        out.push_str(&line);
        out.push('\n');
    }
    out
}

/// Loads `rules` into the server namespace; returns the kernel's dump as the tool reads it
/// (`--firewall` spec body), or why it does not load. Lines `iptables-restore` refuses (matches
/// this kernel or iptables lacks) are dropped one by one and named in `dropped`; interfaces an nft
/// ruleset names are created as dummies.
fn load(b: &Bench, kind: Kind, rules: &str, dir: &Path, dropped: &mut Vec<String>) -> Result<(String, String), String> {
    let file = dir.join("rules.in");
    let mut rules = loadable(rules);
    std::fs::write(&file, &rules).expect("write");
    // Sets the rules name must exist (empty: the tool then says the set's contents are unknown,
    // unless it is given the `ipset save` dump, as here).
    let mut sets = String::new();
    let words: Vec<&str> = rules.split_whitespace().collect();
    for w in words.windows(2) {
        if w[0] == "--match-set" && !sets.contains(&format!(" {} ", w[1])) {
            let family = if kind == Kind::Ipt6 { "inet6" } else { "inet" };
            sets.push_str(&format!("ipset -exist create {} hash:net family {family}; ", w[1]));
        }
    }
    if !sets.is_empty() {
        b.srv.exec_ok(&sets);
    }
    let (load, save, spec) = match kind {
        Kind::Ipt4 => ("iptables-restore", "iptables-save", "iptables"),
        Kind::Ipt6 => ("ip6tables-restore", "ip6tables-save", "iptables"),
        Kind::Nft => ("nft -f", "nft -j list ruleset", "nft"),
    };
    let mut tries = 0;
    loop {
        let o = b.srv.exec(&format!("{load} {}", file.display()));
        if o.status.success() {
            break;
        }
        let err = String::from_utf8_lossy(&o.stderr).to_string();
        let first = err.lines().next().unwrap_or("load failed").to_string();
        tries += 1;
        if tries > 30 {
            return Err(first);
        }
        if let Some(n) = err
            .split("Error occurred at line: ")
            .nth(1)
            .and_then(|r| r.split_whitespace().next()?.parse::<usize>().ok())
        {
            let mut lines: Vec<&str> = rules.lines().collect();
            if n == 0 || n > lines.len() || lines[n - 1].starts_with('*') || lines[n - 1] == "COMMIT" {
                return Err(first);
            }
            dropped.push(format!("line {n}: {} ({first})", lines[n - 1]));
            lines.remove(n - 1);
            rules = lines.join("\n") + "\n";
        } else if err.contains("Interface does not exist") {
            // `rules.in:9:19-22: Error: …`: the device name is at that column.
            let at = err.split("rules.in:").nth(1).and_then(|r| {
                let mut p = r.split([':', '-']);
                Some((
                    p.next()?.parse::<usize>().ok()?,
                    p.next()?.parse::<usize>().ok()?,
                    p.next()?.parse::<usize>().ok()?,
                ))
            });
            let Some((line, from, to)) = at else { return Err(first) };
            let dev = rules
                .lines()
                .nth(line - 1)
                .and_then(|l| l.get(from - 1..to))
                .unwrap_or("")
                .trim_matches('"')
                .to_string();
            if dev.is_empty()
                || dev.len() > 15
                || b.srv.exec(&format!("ip link add {dev} type dummy")).status.code() != Some(0)
            {
                return Err(first);
            }
        } else {
            return Err(first);
        }
        std::fs::write(&file, &rules).expect("write");
    }
    let dump = b.srv.exec_ok(save);
    let dump_path = dir.join("dump");
    std::fs::write(&dump_path, dump).expect("write");
    let sets_path = dir.join("sets");
    std::fs::write(&sets_path, b.srv.exec_ok("ipset save")).expect("write");
    Ok((format!("{spec}:{}", dump_path.display()), sets_path.display().to_string()))
}

// ---------------------------------------------------------------------------------------------
// The measurement.

#[derive(Debug, Default)]
struct Tally {
    rulesets: usize,
    not_loaded: Vec<String>,
    /// Lines dropped so that a ruleset loads.
    dropped: Vec<String>,
    entries: usize,
    entries_unknown: usize,
    /// Entries unknown only because of rate and state matches (DESIGN §4 keeps those unknown).
    entries_unknown_rate: usize,
    agree: usize,
    unknown: usize,
    disagree: Vec<String>,
    reasons: BTreeMap<String, usize>,
    lines: Vec<String>,
}

fn verdict_of(entries: &serde_json::Value, addr: IpAddr) -> Option<&'static str> {
    for e in entries.as_array()? {
        let net: ipnet::IpNet = e["entry"].as_str()?.parse().ok()?;
        if !net.contains(&addr) {
            continue;
        }
        let within = |key: &str| {
            e[key]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(|n| n.as_str()?.parse::<ipnet::IpNet>().ok())
                .any(|n| n.contains(&addr))
        };
        return Some(if within("denied") {
            "deny"
        } else if within("unknown") {
            "unknown"
        } else {
            "admit"
        });
    }
    None
}

fn judge_ruleset(path: &Path, tally: &Mutex<Tally>) {
    let text = std::fs::read_to_string(path).expect("read");
    let kind = kind_of(path, &text);
    let rules = rewrite(&text);
    let iface = interface(&rules);
    let mut ports = vec![6443];
    ports.extend(other_port(&rules));
    let name = name_of(path);
    let dir = tempfile::tempdir().expect("tempdir");
    // The server listens where the rules send connections to itself too (a DNAT to its own
    // address, a REDIRECT): the firewall is what is judged, not whether a service listens there.
    let mut listen = ports.clone();
    for (addr, port) in dnat_targets(&rules) {
        if (addr.to_string() == SERVER4 || addr.to_string() == SERVER6) && !listen.contains(&port) {
            listen.push(port);
        }
    }
    let mut b = Bench::new(&iface, &listen);
    let probes: Vec<IpAddr> = slots4()
        .into_iter()
        .flat_map(probes4)
        .map(IpAddr::V4)
        .chain(slots6().into_iter().flat_map(probes6).map(IpAddr::V6))
        .collect();
    let bridge_name = bridge(&rules, &iface);
    // Containers only at documentation addresses (a target the rewrite left alone has no route in
    // the server namespace: nothing is sent there).
    let documentation = |a: &IpAddr| match a {
        IpAddr::V4(v4) => {
            let o = v4.octets();
            [[192, 0, 2], [198, 51, 100], [203, 0, 113]].contains(&[o[0], o[1], o[2]])
        }
        IpAddr::V6(v6) => v6.segments()[0] == 0x2001 && v6.segments()[1] == 0xdb8,
    };
    let mut by_addr: BTreeMap<IpAddr, Vec<u16>> = BTreeMap::new();
    for (addr, port) in dnat_targets(&rules) {
        let server = addr.to_string() == SERVER4 || addr.to_string() == SERVER6;
        if documentation(&addr) && !probes.contains(&addr) && !server {
            by_addr.entry(addr).or_default().push(port);
        }
    }
    for (n, (addr, ports)) in by_addr.into_iter().enumerate() {
        b.container(n, &bridge_name, addr, &ports);
    }
    // The tool reads the server's routes (where a translated connection leaves) under --root.
    let root = dir.path().join("root");
    std::fs::create_dir_all(root.join("proc/net")).expect("mkdir");
    std::fs::write(root.join("proc/net/route"), b.srv.exec_ok("cat /proc/net/route")).expect("write");
    std::fs::write(root.join("proc/net/ipv6_route"), b.srv.exec_ok("cat /proc/net/ipv6_route")).expect("write");
    let mut dropped = Vec::new();
    let loaded = load(&b, kind, &rules, dir.path(), &mut dropped);
    if !dropped.is_empty() {
        tally.lock().expect("lock").dropped.push(format!("{name}: {}", dropped.join("; ")));
    }
    let (spec, sets) = match loaded {
        Ok(x) => x,
        Err(why) => {
            tally.lock().expect("lock").not_loaded.push(format!("{name}: {why}"));
            return;
        }
    };
    let v6 = kind == Kind::Ipt6
        || (kind == Kind::Nft && (rules.contains("ip6 ") || rules.contains("inet ")) && !rules.contains("table ip "));
    let mut families = Vec::new();
    if kind != Kind::Ipt6 {
        families.push(false);
    }
    if v6 {
        families.push(true);
    }
    let mut line = format!("{name} ({kind:?}, {iface}):");
    for port in &ports {
        for six in &families {
            let (entries, probes, api, dst): (Vec<String>, Vec<IpAddr>, String, &str) = if *six {
                (
                    slots6().iter().map(|s| format!("{s}/64")).collect(),
                    slots6().into_iter().flat_map(probes6).map(IpAddr::V6).collect(),
                    format!("[{SERVER6}]:{port}"),
                    SERVER6,
                )
            } else {
                (
                    slots4().iter().map(|s| format!("{s}/27")).collect(),
                    slots4().into_iter().flat_map(probes4).map(IpAddr::V4).collect(),
                    format!("{SERVER4}:{port}"),
                    SERVER4,
                )
            };
            let check = allowlist_with_sets(dir.path(), &entries, &spec, &api, &iface, &sets, &root);
            let kernel = b.probe(*port, dst, &probes);
            if let Ok(keep) = std::env::var("K8SJC_CORPUS_KEEP") {
                // For a look at one ruleset: what was loaded, what the tool said.
                let base = Path::new(&keep).join(format!("{name}-{port}-{}", if *six { "v6" } else { "v4" }));
                std::fs::write(base.with_extension("rules"), &rules).expect("write");
                std::fs::write(base.with_extension("json"), check.to_string()).expect("write");
            }
            let ev = &check["evidence"]["entries"];
            let mut t = tally.lock().expect("lock");
            let (mut agree, mut unknown, mut disagree) = (0, 0, 0);
            for a in &probes {
                let tool = verdict_of(ev, *a).unwrap_or("missing");
                let k = if kernel[a] { "admit" } else { "deny" };
                if tool == "unknown" {
                    unknown += 1;
                } else if tool == k {
                    agree += 1;
                } else {
                    disagree += 1;
                    t.disagree.push(format!("{name} port {port}: {a}: tool {tool}, kernel {k}"));
                }
            }
            t.agree += agree;
            t.unknown += unknown;
            for e in ev.as_array().into_iter().flatten() {
                t.entries += 1;
                if e["verdict"] == "unknown" || !e["unknown"].as_array().is_none_or(Vec::is_empty) {
                    t.entries_unknown += 1;
                    let reasons: Vec<String> = e["deciding"]
                        .as_array()
                        .into_iter()
                        .flatten()
                        .filter(|d| d["action"] == "UNKNOWN")
                        .map(|d| d["reason"].as_str().unwrap_or("?").to_string())
                        .collect();
                    if reasons.iter().all(|r| r.contains("depends on the traffic's rate or history")) {
                        t.entries_unknown_rate += 1;
                    }
                    for r in reasons {
                        *t.reasons.entry(r.chars().take(100).collect()).or_default() += 1;
                    }
                }
            }
            line.push_str(&format!(
                " {port}/{}: {} agree, {unknown} unknown, {disagree} disagree;",
                if *six { "v6" } else { "v4" },
                agree
            ));
        }
    }
    let mut t = tally.lock().expect("lock");
    t.rulesets += 1;
    t.lines.push(line);
}

fn allowlist_with_sets(
    dir: &Path,
    entries: &[String],
    spec: &str,
    api: &str,
    iface: &str,
    sets: &str,
    root: &Path,
) -> serde_json::Value {
    let regions = regions_file(dir, entries);
    let o = common::bin()
        .args(["--regions-file", regions.to_str().expect("utf-8"), "--region", "doc-corpus", "--apiserver", api])
        .args(["--root", root.to_str().expect("utf-8")])
        .args(["--firewall", spec, "--ipset", sets, "--interface", iface])
        .args(["--only", "firewall.allowlist", "--format", "json"])
        .output()
        .expect("binary runs");
    let code = o.status.code();
    assert!(
        matches!(code, Some(0 | 1 | 4)),
        "{spec}: exit {code:?}: {}",
        String::from_utf8_lossy(&o.stderr).lines().next().unwrap_or_default()
    );
    let report: serde_json::Value = serde_json::from_slice(&o.stdout).expect("json report");
    common::check(&report, "firewall.allowlist").clone()
}

#[test]
fn the_evaluator_agrees_with_the_kernel_on_the_corpus() {
    let Some(dir) = corpus() else { return };
    let needs = [
        Need::Root,
        Need::Command("ip"),
        Need::Command("iptables-restore"),
        Need::Command("ip6tables-restore"),
        Need::Command("nft"),
        Need::Command("ipset"),
    ];
    if !prerequisites("the_evaluator_agrees_with_the_kernel_on_the_corpus", &needs) {
        return;
    }
    let started = Instant::now();
    let all = files(&dir);
    let only = std::env::var("K8SJC_CORPUS_ONLY").unwrap_or_default();
    let paths: Vec<&PathBuf> = all.iter().filter(|p| only.is_empty() || name_of(p).contains(&only)).collect();
    let tally = Mutex::new(Tally::default());
    std::thread::scope(|s| {
        for w in 0..WORKERS {
            let (paths, tally) = (&paths, &tally);
            s.spawn(move || {
                for p in paths.iter().skip(w).step_by(WORKERS) {
                    judge_ruleset(p, tally);
                }
            });
        }
    });
    let t = tally.into_inner().expect("lock");
    let mut lines = t.lines.clone();
    lines.sort();
    for l in &lines {
        eprintln!("{l}");
    }
    for n in &t.not_loaded {
        eprintln!("not loaded: {n}");
    }
    for d in &t.dropped {
        eprintln!("dropped to load: {d}");
    }
    for (r, n) in &t.reasons {
        eprintln!("unknown x{n}: {r}");
    }
    let pct = |n: usize| if t.entries == 0 { 0.0 } else { 100.0 * n as f64 / t.entries as f64 };
    eprintln!(
        "corpus: {} rulesets judged ({} did not load), {} pool entries: {} unknown ({:.1}%), {} unknown not counting rate/state matches ({:.1}%); probed addresses: {} agree, {} unknown, {} disagree ({:.0?})",
        t.rulesets,
        t.not_loaded.len(),
        t.entries,
        t.entries_unknown,
        pct(t.entries_unknown),
        t.entries_unknown - t.entries_unknown_rate,
        pct(t.entries_unknown - t.entries_unknown_rate),
        t.agree,
        t.unknown,
        t.disagree.len(),
        started.elapsed()
    );
    assert!(
        t.disagree.is_empty(),
        "{} disagreements; first: {:#?}",
        t.disagree.len(),
        &t.disagree[..t.disagree.len().min(10)]
    );
}
