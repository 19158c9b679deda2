//! The forwarding checks against the kernel: a cloud, a forwarder and an IDC in three network
//! namespaces (the recipe of reference/firewall/oracle-forward.sh). Each variant starts from a
//! working forwarder and changes one thing; the real binary runs live inside the forwarder
//! namespace, and real TCP connections from every pool address of the cloud through port A to a
//! listener in the IDC are the truth. The rule under test: every `forward.*` check passes (or
//! warns) exactly when every connection reaches the listener. All variants are run and reported
//! before the test fails.
//!
//! The TCP endpoints are this test binary itself, re-executed inside the namespaces as an agent
//! (see `forward_agent`).
#![expect(clippy::expect_used, reason = "a test or benchmark: a panic is the failure report")]
mod common;

use std::io::{BufRead, BufReader, Write as _};
use std::net::{IpAddr, SocketAddr};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use common::{Need, Netns, bin, fixture, prerequisites, sh};
use serde_json::Value;

const PORT_A: u16 = 16443;
const API_PORT: u16 = 6443;
const FORWARDER: &str = "203.0.113.1";
/// The cloud's addresses: the pool of tests/fixtures/forward/regions.json holds both.
const SOURCES: [&str; 2] = ["203.0.113.30", "198.51.100.7"];
/// Long enough for a handshake through two veth pairs many times over, and for TCP's resend of a
/// SYN (after 1 s) when the first one was lost: at 500 ms a loaded CI machine once reported a
/// working forwarder as not connecting.
const TIMEOUT_MS: u64 = 1500;

// ---------------------------------------------------------------------------------------------
// The agent: a listener in the IDC, a prober in the cloud.

/// Does nothing in a normal run. With `K8SJC_FWD_AGENT=listen` it serves tcp/6443 (each accepted
/// connection gets one byte, so a prober that reads it knows the listener accepted); with
/// `connect` it connects to `DST:PORT` from each source in `K8SJC_FWD_AGENT_ARGS` and prints one
/// line per source.
#[test]
fn forward_agent() {
    let Ok(role) = std::env::var("K8SJC_FWD_AGENT") else { return };
    let args = std::env::var("K8SJC_FWD_AGENT_ARGS").unwrap_or_default();
    match role.as_str() {
        "listen" => {
            let l = std::net::TcpListener::bind(("0.0.0.0", API_PORT)).expect("bind 6443");
            println!("AGENT ready");
            std::io::stdout().flush().expect("flush");
            for mut c in l.incoming().flatten() {
                std::thread::spawn(move || {
                    let _ = std::io::Write::write_all(&mut c, b"k");
                });
            }
        }
        "connect" => {
            let mut words = args.split_whitespace();
            let dst: SocketAddr = words.next().expect("dst").parse().expect("dst ip:port");
            let threads: Vec<_> = words
                .map(|w| {
                    let src: IpAddr = w.parse().expect("src ip");
                    std::thread::spawn(move || (src, probe(src, dst)))
                })
                .collect();
            for t in threads {
                let (src, r) = t.join().expect("probe");
                println!("AGENT {src} {r}");
            }
        }
        other => panic!("unknown agent role {other}"),
    }
}

fn probe(src: IpAddr, dst: SocketAddr) -> &'static str {
    use std::io::Read;
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("runtime");
    let stream = rt.block_on(async {
        let sock = tokio::net::TcpSocket::new_v4().expect("socket");
        sock.bind(SocketAddr::new(src, 0)).expect("bind source");
        tokio::time::timeout(Duration::from_millis(TIMEOUT_MS), sock.connect(dst)).await
    });
    match stream {
        Err(_) => "timeout",
        Ok(Err(_)) => "refused",
        Ok(Ok(s)) => {
            let mut s = s.into_std().expect("std stream");
            s.set_nonblocking(false).expect("blocking");
            s.set_read_timeout(Some(Duration::from_millis(TIMEOUT_MS))).expect("timeout");
            let mut b = [0u8; 1];
            match s.read(&mut b) {
                Ok(1) => "connected",
                _ => "no-answer",
            }
        }
    }
}

fn agent(ns: &Netns, role: &str, args: &str) -> Command {
    let exe = std::env::current_exe().expect("test binary");
    let mut cmd = ns.command(exe.to_str().expect("utf-8 path"));
    cmd.args(["--exact", "forward_agent", "--nocapture", "--test-threads=1"])
        .env("K8SJC_FWD_AGENT", role)
        .env("K8SJC_FWD_AGENT_ARGS", args);
    cmd
}

// ---------------------------------------------------------------------------------------------
// The lab.

/// cloud (203.0.113.30 and 198.51.100.7 on kf-cl, a parallel link kf-cl2) ── forwarder (kf-fo
/// 203.0.113.1, kf-fo2 without address; kf-fi 192.0.2.1) ── idc (kf-api 192.0.2.50, a listener
/// on 6443, no route back unless a variant adds one).
struct Lab {
    cloud: Netns,
    fwd: Netns,
    idc: Netns,
    listener: Child,
}

impl Lab {
    fn new(tag: &str) -> Lab {
        let cloud = Netns::new(&format!("{tag}c"));
        let fwd = Netns::new(&format!("{tag}f"));
        let idc = Netns::new(&format!("{tag}i"));
        for (a, a_if, b, b_if) in
            [(&cloud, "kf-cl", &fwd, "kf-fo"), (&cloud, "kf-cl2", &fwd, "kf-fo2"), (&fwd, "kf-fi", &idc, "kf-api")]
        {
            sh(&format!("ip link add {a_if} netns {} type veth peer name {b_if} netns {}", a.name, b.name));
            a.exec_ok(&format!("ip link set {a_if} up"));
            b.exec_ok(&format!("ip link set {b_if} up"));
        }
        cloud.exec_ok(
            "ip addr add 203.0.113.30/24 dev kf-cl && ip addr add 198.51.100.7/32 dev kf-cl && ip route add default via 203.0.113.1",
        );
        // The forwarder reaches the cloud's second address through the cloud (a default route).
        fwd.exec_ok(
            "ip addr add 203.0.113.1/24 dev kf-fo && ip addr add 192.0.2.1/24 dev kf-fi && ip route add default via 203.0.113.30",
        );
        idc.exec_ok("ip addr add 192.0.2.50/24 dev kf-api");
        let mut listener =
            agent(&idc, "listen", "").stdout(Stdio::piped()).stderr(Stdio::null()).spawn().expect("listener");
        let out = listener.stdout.take().expect("stdout");
        let mut lines = BufReader::new(out).lines();
        assert!(lines.any(|l| l.is_ok_and(|l| l.contains("AGENT ready"))), "listener did not start");
        Lab { cloud, fwd, idc, listener }
    }

    /// Whether a connection from every pool address reaches the listener, and what each got.
    fn connects(&self) -> (bool, String) {
        let args = format!("{FORWARDER}:{PORT_A} {}", SOURCES.join(" "));
        let o = agent(&self.cloud, "connect", &args).output().expect("prober");
        let text = String::from_utf8_lossy(&o.stdout);
        let results: Vec<&str> = text.lines().filter_map(|l| l.find("AGENT ").map(|i| &l[i + 6..])).collect();
        assert_eq!(results.len(), SOURCES.len(), "prober output: {text}");
        (results.iter().all(|r| r.ends_with(" connected")), results.join(", "))
    }

    /// Runs the tool live inside the forwarder namespace: (id, status, message, remediation) of
    /// each forward.* check.
    fn tool(&self, extra: &[&str]) -> Vec<Check> {
        let regions = fixture("forward/regions.json");
        let b = bin();
        let mut cmd = self.fwd.command(b.get_program().to_str().expect("utf-8"));
        for (k, v) in b.get_envs() {
            match v {
                Some(v) => cmd.env(k, v),
                None => cmd.env_remove(k),
            };
        }
        cmd.args([
            "--forward",
            "16443:192.0.2.50:6443",
            "--regions-file",
            regions.to_str().expect("utf-8"),
            "--region",
            "doc-fwd-1",
            "--only",
            "forward",
            "--format",
            "json",
        ])
        .args(extra);
        let o = cmd.output().expect("the binary runs");
        let report: Value = common::report_json(&o.stdout).unwrap_or_else(|e| {
            panic!("{e}: {}{}", String::from_utf8_lossy(&o.stdout), String::from_utf8_lossy(&o.stderr))
        });
        report["checks"]
            .as_array()
            .expect("checks")
            .iter()
            .map(|c| Check {
                id: c["id"].as_str().unwrap_or_default().to_string(),
                status: c["status"].as_str().unwrap_or_default().to_string(),
                message: c["message"].as_str().unwrap_or_default().to_string(),
                fixes: c["remediation"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .filter_map(|f| f.as_str().map(str::to_string))
                    .collect(),
            })
            .collect()
    }
}

struct Check {
    id: String,
    status: String,
    message: String,
    fixes: Vec<String>,
}

/// The fix commands that change only the namespace they run in (sysctls under net., iptables,
/// nft): never the lines that write files (`… > /etc/…`, `>> /etc/sysctl.d/…`), which would change
/// the machine running the test, nor firewall-cmd (no firewalld here) or placeholders.
fn namespaced(fix: &str) -> Option<&str> {
    let command = fix.split("   #").next().unwrap_or(fix).trim();
    let first = command.split_whitespace().next().unwrap_or_default();
    let allowed = matches!(first, "iptables" | "iptables-nft" | "iptables-legacy" | "nft")
        || (first == "sysctl" && command.starts_with("sysctl -w net."));
    (allowed && !command.contains('>') && !command.contains("-save")).then_some(command)
}

impl Drop for Lab {
    fn drop(&mut self) {
        let _ = self.listener.kill();
        let _ = self.listener.wait();
    }
}

// ---------------------------------------------------------------------------------------------
// The variants.

/// The working forwarder of oracle-forward.sh (step 4): DNAT, FORWARD policy DROP with the
/// translated flow admitted, MASQUERADE towards the IDC; INPUT drops everything (DNATed traffic
/// never crosses it).
const WORKING: &str = "*nat
:PREROUTING ACCEPT [0:0]
:INPUT ACCEPT [0:0]
:OUTPUT ACCEPT [0:0]
:POSTROUTING ACCEPT [0:0]
-A PREROUTING -d 203.0.113.1/32 -p tcp -m tcp --dport 16443 -j DNAT --to-destination 192.0.2.50:6443
-A POSTROUTING -d 192.0.2.50/32 -o kf-fi -p tcp -m tcp --dport 6443 -j MASQUERADE
COMMIT
*filter
:INPUT DROP [0:0]
:FORWARD DROP [0:0]
:OUTPUT ACCEPT [0:0]
-A FORWARD -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT
-A FORWARD -d 192.0.2.50/32 -p tcp -m tcp --dport 6443 -m conntrack --ctstate DNAT -j ACCEPT
COMMIT
";

const DNAT_LINE: &str =
    "-A PREROUTING -d 203.0.113.1/32 -p tcp -m tcp --dport 16443 -j DNAT --to-destination 192.0.2.50:6443\n";
const MASQ_LINE: &str = "-A POSTROUTING -d 192.0.2.50/32 -o kf-fi -p tcp -m tcp --dport 6443 -j MASQUERADE\n";
const ADMIT_LINE: &str =
    "-A FORWARD -d 192.0.2.50/32 -p tcp -m tcp --dport 6443 -m conntrack --ctstate DNAT -j ACCEPT\n";

/// The same forwarder in native nftables.
const WORKING_NFT: &str = "table ip kjc {
  chain pre { type nat hook prerouting priority dstnat; policy accept;
    ip daddr 203.0.113.1 tcp dport 16443 dnat to 192.0.2.50:6443
  }
  chain post { type nat hook postrouting priority srcnat; policy accept;
    oifname \"kf-fi\" ip daddr 192.0.2.50 tcp dport 6443 masquerade
  }
  chain filter_forward { type filter hook forward priority filter; policy drop;
    ct state established,related accept
    ip daddr 192.0.2.50 tcp dport 6443 ct status dnat accept
  }
}
";

#[derive(Clone, Copy)]
enum Rules {
    /// iptables-restore input, with the loader (`iptables-restore`, `iptables-legacy-restore`).
    Iptables(&'static str),
    /// `nft -f` input.
    Nft,
}

struct Variant {
    name: &'static str,
    rules: Rules,
    /// The rules loaded (the working forwarder with one change).
    text: String,
    /// Shell commands in the forwarder after the rules (sysctls, routes).
    fwd: &'static str,
    /// Shell commands in the IDC.
    idc: &'static str,
    /// Extra arguments for the tool.
    args: Vec<String>,
    /// What the variant is built to show: whether it connects, and the check that fails.
    connects: bool,
    fails: Option<&'static str>,
    /// Whether the printed fix is applied and checked (not when the tool reads a configuration
    /// file instead of the kernel).
    fix_applies: bool,
}

fn v(name: &'static str, text: String, connects: bool, fails: Option<&'static str>) -> Variant {
    Variant {
        name,
        rules: Rules::Iptables("iptables-restore"),
        text,
        fwd: "",
        idc: "",
        args: vec![],
        connects,
        fails,
        fix_applies: true,
    }
}

fn variants() -> Vec<Variant> {
    let firewalld_masq =
        std::fs::read_to_string(fixture("forward/firewalld-forward-port+masquerade.nft")).expect("nft");
    let firewalld_plain = firewalld_masq.replace("\t\tmeta nfproto ipv4 oifname != \"lo\" masquerade\n", "");
    assert_ne!(firewalld_masq, firewalld_plain, "the recorded ruleset has the masquerade rule");
    let firewalld_dir = |v: &str| format!("firewalld:{}", fixture(&format!("forward/{v}/etc/firewalld")).display());
    vec![
        v("working forwarder", WORKING.into(), true, None),
        Variant {
            fwd: "sysctl -qw net.ipv4.ip_forward=0",
            ..v("ip_forward=0", WORKING.into(), false, Some("forward.ip-forward"))
        },
        Variant {
            fwd: "sysctl -qw net.ipv4.conf.kf-fo.forwarding=0",
            ..v("inbound interface forwarding=0", WORKING.into(), false, Some("forward.ip-forward"))
        },
        Variant {
            fwd: "sysctl -qw net.ipv4.conf.kf-fi.forwarding=0",
            ..v("outbound interface forwarding=0", WORKING.into(), false, Some("forward.ip-forward"))
        },
        Variant {
            fwd: "sysctl -qw net.ipv4.ip_forward=0 && sysctl -qw net.ipv4.conf.kf-fo.forwarding=1 net.ipv4.conf.kf-fi.forwarding=1",
            ..v("ip_forward=0 but both interfaces forward (warn)", WORKING.into(), true, None)
        },
        v("no FORWARD admit", WORKING.replace(ADMIT_LINE, ""), false, Some("forward.filter")),
        v(
            "REJECT before the admit",
            WORKING.replace(
                ADMIT_LINE,
                &format!("-A FORWARD -p tcp -m tcp --dport 6443 -j REJECT --reject-with tcp-reset\n{ADMIT_LINE}"),
            ),
            false,
            Some("forward.filter"),
        ),
        v("no MASQUERADE", WORKING.replace(MASQ_LINE, ""), false, Some("forward.return-path")),
        v("no DNAT", WORKING.replace(DNAT_LINE, ""), false, Some("forward.dnat")),
        v("DNAT to the wrong port", WORKING.replace("192.0.2.50:6443", "192.0.2.50:8443"), false, Some("forward.dnat")),
        v("SNAT instead of MASQUERADE", WORKING.replace("-j MASQUERADE", "-j SNAT --to-source 192.0.2.1"), true, None),
        v(
            "SNAT to an address that is not the forwarder's",
            WORKING.replace("-j MASQUERADE", "-j SNAT --to-source 192.0.2.99"),
            false,
            Some("forward.return-path"),
        ),
        Variant {
            idc: "ip route add default via 192.0.2.1",
            args: vec!["--assume-return-route".into()],
            ..v(
                "--assume-return-route, the IDC routes back via the forwarder",
                WORKING.replace(MASQ_LINE, ""),
                true,
                None,
            )
        },
        Variant {
            fwd: "ip route add 198.51.100.0/24 dev kf-fo2 && sysctl -qw net.ipv4.conf.all.rp_filter=1",
            args: vec!["--interface".into(), "kf-fo".into()],
            ..v("strict rp_filter, asymmetric route", WORKING.into(), false, Some("forward.return-path"))
        },
        Variant {
            fwd: "ip route add 198.51.100.0/24 dev kf-fo2 && sysctl -qw net.ipv4.conf.all.rp_filter=2",
            args: vec!["--interface".into(), "kf-fo".into()],
            ..v("loose rp_filter, asymmetric route", WORKING.into(), true, None)
        },
        Variant {
            rules: Rules::Iptables("iptables-legacy-restore"),
            ..v("legacy iptables backend", WORKING.into(), true, None)
        },
        Variant {
            rules: Rules::Iptables("iptables-legacy-restore"),
            ..v(
                "legacy iptables backend, no MASQUERADE",
                WORKING.replace(MASQ_LINE, ""),
                false,
                Some("forward.return-path"),
            )
        },
        Variant { rules: Rules::Nft, ..v("native nftables", WORKING_NFT.into(), true, None) },
        Variant {
            rules: Rules::Nft,
            ..v(
                "native nftables, no masquerade",
                WORKING_NFT.replace("    oifname \"kf-fi\" ip daddr 192.0.2.50 tcp dport 6443 masquerade\n", ""),
                false,
                Some("forward.return-path"),
            )
        },
        Variant {
            rules: Rules::Nft,
            ..v(
                "native nftables, no forward admit",
                WORKING_NFT.replace("    ip daddr 192.0.2.50 tcp dport 6443 ct status dnat accept\n", ""),
                false,
                Some("forward.filter"),
            )
        },
        v(
            "raw PREROUTING drops port A before the translation",
            WORKING.replace(
                "*filter\n",
                "*raw\n:PREROUTING ACCEPT [0:0]\n:OUTPUT ACCEPT [0:0]\n-A PREROUTING -s 198.51.100.0/24 -p tcp -m tcp --dport 16443 -j DROP\nCOMMIT\n*filter\n",
            ),
            false,
            Some("forward.filter"),
        ),
        Variant {
            fwd: "ip addr flush dev kf-fi && ip route del default && ip route add 198.51.100.0/24 via 203.0.113.30",
            fix_applies: false,
            ..v("no route to the IDC", WORKING.into(), false, Some("forward.ip-forward"))
        },
        Variant {
            fwd: "ip route del default",
            fix_applies: false,
            ..v("no route back to part of the pool", WORKING.into(), false, Some("forward.return-path"))
        },
        Variant {
            rules: Rules::Nft,
            args: vec!["--firewall".into(), firewalld_dir("firewalld-masquerade")],
            ..v(
                "firewalld forward-port + masquerade (zone XML; kernel: its recorded ruleset)",
                firewalld_masq,
                true,
                None,
            )
        },
        Variant {
            rules: Rules::Nft,
            args: vec!["--firewall".into(), firewalld_dir("firewalld-no-masquerade")],
            fix_applies: false,
            ..v(
                "firewalld forward-port without masquerade (zone XML; kernel: its recorded ruleset)",
                firewalld_plain,
                false,
                Some("forward.return-path"),
            )
        },
    ]
}

/// Builds the variant's lab, asks the kernel and the tool; a line for the report, and whether the
/// two (and the variant's own expectation) agree.
fn run_variant(i: usize, variant: &Variant) -> (bool, String) {
    let lab = Lab::new(&format!("fw{i}"));
    let load = match variant.rules {
        Rules::Iptables(restore) => format!("{restore} <<'RULES'\n{}RULES", variant.text),
        Rules::Nft => format!("nft -f - <<'RULES'\n{}RULES", variant.text),
    };
    lab.fwd.exec_ok(&format!("sysctl -qw net.ipv4.ip_forward=1 && {load}"));
    if !variant.fwd.is_empty() {
        lab.fwd.exec_ok(variant.fwd);
    }
    if !variant.idc.is_empty() {
        lab.idc.exec_ok(variant.idc);
    }
    let args: Vec<&str> = variant.args.iter().map(String::as_str).collect();
    let checks = lab.tool(&args);
    let (connects, detail) = lab.connects();
    let ids = ["forward.ip-forward", "forward.dnat", "forward.filter", "forward.return-path"];
    let listed: Vec<&str> = checks.iter().map(|c| c.id.as_str()).collect();
    let all_pass = checks.iter().all(|c| c.status == "pass" || c.status == "warn");
    let failing: Vec<&str> = checks.iter().filter(|c| c.status == "fail").map(|c| c.id.as_str()).collect();
    let agree = all_pass == connects;
    let as_built = connects == variant.connects && variant.fails.is_none_or(|f| failing == [f]) && listed == ids;
    let summary = |checks: &[Check]| {
        checks
            .iter()
            .map(|c| format!("{}={}", c.id.trim_start_matches("forward."), c.status))
            .collect::<Vec<_>>()
            .join(" ")
    };
    // The printed fix, applied in the forwarder, must make the connection work and the checks pass.
    let mut fixed = true;
    let mut fix_note = String::new();
    if variant.fix_applies && !connects {
        let commands: Vec<&str> =
            checks.iter().filter(|c| c.status == "fail").flat_map(|c| &c.fixes).filter_map(|f| namespaced(f)).collect();
        if commands.is_empty() {
            fixed = false;
            fix_note = "no fix command to apply".into();
        } else {
            let o = lab.fwd.exec(&commands.join(" && "));
            let (after, after_detail) = lab.connects();
            let rechecked = lab.tool(&args);
            fixed = o.status.success() && after && rechecked.iter().all(|c| c.status == "pass" || c.status == "warn");
            fix_note = format!(
                "fix `{}`: {}{} → kernel {} ({after_detail}); tool {}",
                commands.join(" && "),
                String::from_utf8_lossy(&o.stdout),
                String::from_utf8_lossy(&o.stderr),
                if after { "connects" } else { "does not connect" },
                summary(&rechecked)
            );
        }
    }
    let ok = agree && as_built && fixed;
    let mut line = format!(
        "{} {}: kernel {} ({detail}); tool {}",
        if ok { "ok  " } else { "FAIL" },
        variant.name,
        if connects { "connects" } else { "does not connect" },
        summary(&checks)
    );
    if !agree {
        line.push_str("\n     the tool and the kernel disagree");
    }
    if !as_built {
        line.push_str(&format!(
            "\n     the variant was built to {} with {:?} failing",
            if variant.connects { "connect" } else { "not connect" },
            variant.fails
        ));
    }
    if !fix_note.is_empty() {
        line.push_str(&format!("\n     {fix_note}"));
    }
    if !ok || std::env::var_os("K8SJC_VERBOSE").is_some() {
        for c in &checks {
            line.push_str(&format!("\n       {} {}: {}", c.id, c.status, c.message));
            for f in &c.fixes {
                line.push_str(&format!("\n         - {f}"));
            }
        }
    }
    (ok, line)
}

#[test]
fn forward_checks_agree_with_real_connections() {
    if !prerequisites(
        "forward_checks_agree_with_real_connections",
        &[
            Need::Root,
            Need::Command("iptables-restore"),
            Need::Command("iptables-legacy-restore"),
            Need::Command("nft"),
            Need::Command("sysctl"),
        ],
    ) {
        return;
    }
    let variants = variants();
    // Each variant has its own namespaces: run a few at a time.
    let mut lines: Vec<(usize, bool, String)> = Vec::new();
    for chunk in variants.iter().enumerate().collect::<Vec<_>>().chunks(4) {
        let done: Vec<(usize, bool, String)> = std::thread::scope(|s| {
            let handles: Vec<_> = chunk.iter().map(|(i, v)| (*i, s.spawn(move || run_variant(*i, v)))).collect();
            handles
                .into_iter()
                .map(|(i, h)| match h.join() {
                    Ok((ok, line)) => (i, ok, line),
                    Err(e) => {
                        let why = e
                            .downcast_ref::<String>()
                            .cloned()
                            .or_else(|| e.downcast_ref::<&str>().map(|s| (*s).to_string()))
                            .unwrap_or_default();
                        (i, false, format!("FAIL {}: panicked: {why}", variants[i].name))
                    }
                })
                .collect()
        });
        lines.extend(done);
    }
    lines.sort_by_key(|(i, _, _)| *i);
    let report: Vec<&str> = lines.iter().map(|(_, _, l)| l.as_str()).collect();
    eprintln!("{}", report.join("\n"));
    assert!(lines.iter().all(|(_, ok, _)| *ok), "some variants disagree:\n{}", report.join("\n"));
}
