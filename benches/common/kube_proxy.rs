//! A kube-proxy-like `iptables-save` dump of a chosen size, shared by the firewall benchmarks.

use std::collections::HashMap;
use std::fmt::Write as _;

/// A table's chains and their rules, written as `iptables-save` writes them: the declarations,
/// then every chain's rules together, chain after chain.
#[derive(Default)]
struct Table {
    declared: Vec<(String, &'static str)>,
    rules: HashMap<String, String>,
}

impl Table {
    fn declare(&mut self, chain: &str, policy: &'static str) {
        self.declared.push((chain.to_string(), policy));
    }

    fn rule(&mut self, chain: &str, rest: &str) {
        let _ = writeln!(self.rules.entry(chain.to_string()).or_default(), "-A {chain} {rest}");
    }

    fn write(&self, name: &str, out: &mut String) {
        let _ = writeln!(out, "*{name}");
        for (chain, policy) in &self.declared {
            let _ = writeln!(out, ":{chain} {policy} [0:0]");
        }
        for (chain, _) in &self.declared {
            out.push_str(self.rules.get(chain).map_or("", String::as_str));
        }
        out.push_str("COMMIT\n");
    }
}

/// A kube-proxy (iptables mode) dump with about `rules` rules: per service a cluster-IP rule, a
/// masquerade mark, three endpoints with their DNAT chains, a node port; plus a host firewall in
/// front of the API server.
pub fn synthetic_dump(rules: usize) -> String {
    let mut filter = Table::default();
    let mut nat = Table::default();
    for (chain, policy) in [("INPUT", "DROP"), ("FORWARD", "DROP"), ("OUTPUT", "ACCEPT")] {
        filter.declare(chain, policy);
    }
    for chain in ["KUBE-EXTERNAL-SERVICES", "KUBE-FIREWALL", "KUBE-FORWARD", "KUBE-NODEPORTS", "KUBE-PROXY-FIREWALL"] {
        filter.declare(chain, "-");
    }
    for chain in ["PREROUTING", "INPUT", "OUTPUT", "POSTROUTING"] {
        nat.declare(chain, "ACCEPT");
    }
    for chain in ["KUBE-MARK-MASQ", "KUBE-NODEPORTS", "KUBE-POSTROUTING", "KUBE-SERVICES"] {
        nat.declare(chain, "-");
    }
    let mut count = 0;
    // Host firewall: established traffic, the office network, one pool, a deny block, policy DROP.
    filter.rule("INPUT", "-m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT");
    filter.rule("INPUT", "-i lo -j ACCEPT");
    filter.rule(
        "INPUT",
        "-m conntrack --ctstate NEW -m comment --comment \"kubernetes load balancer firewall\" -j KUBE-PROXY-FIREWALL",
    );
    filter.rule("INPUT", "-m comment --comment \"kubernetes health check service ports\" -j KUBE-NODEPORTS");
    filter.rule("INPUT", "-m conntrack --ctstate NEW -m comment --comment \"kubernetes externally-visible service portals\" -j KUBE-EXTERNAL-SERVICES");
    filter.rule("INPUT", "-j KUBE-FIREWALL");
    filter.rule("INPUT", "-s 100.104.0.0/16 -p tcp -m tcp --dport 6443 -j ACCEPT");
    filter.rule("INPUT", "-s 47.96.0.0/16 -p tcp -m tcp --dport 6443 -j ACCEPT");
    filter.rule("INPUT", "-s 192.0.2.0/24 -p tcp -m multiport --dports 22,6443 -j ACCEPT");
    filter.rule("KUBE-FIREWALL", "! -s 127.0.0.0/8 -d 127.0.0.0/8 -m comment --comment \"block incoming localnet connections\" -m conntrack ! --ctstate RELATED,ESTABLISHED,DNAT -j DROP");
    filter.rule("FORWARD", "-m comment --comment \"kubernetes forwarding rules\" -j KUBE-FORWARD");
    filter.rule("KUBE-FORWARD", "-m conntrack --ctstate INVALID -j DROP");
    filter.rule(
        "KUBE-FORWARD",
        "-m comment --comment \"kubernetes forwarding rules\" -m mark --mark 0x4000/0x4000 -j ACCEPT",
    );
    count += 13;
    nat.rule("PREROUTING", "-m comment --comment \"kubernetes service portals\" -j KUBE-SERVICES");
    nat.rule("OUTPUT", "-m comment --comment \"kubernetes service portals\" -j KUBE-SERVICES");
    nat.rule("POSTROUTING", "-m comment --comment \"kubernetes postrouting rules\" -j KUBE-POSTROUTING");
    nat.rule("KUBE-MARK-MASQ", "-j MARK --set-xmark 0x4000/0x4000");
    nat.rule("KUBE-POSTROUTING", "-m mark ! --mark 0x4000/0x4000 -j RETURN");
    nat.rule("KUBE-POSTROUTING", "-j MARK --set-xmark 0x4000/0x0");
    nat.rule(
        "KUBE-POSTROUTING",
        "-m comment --comment \"kubernetes service traffic requiring SNAT\" -j MASQUERADE --random-fully",
    );
    count += 7;
    let mut s = 0usize;
    while count < rules.saturating_sub(1) {
        let (a, b) = ((s / 250) % 250, s % 250 + 1);
        let ip = format!("10.96.{a}.{b}");
        let port = 80 + (s % 20) as u16;
        let node_port = 30000 + (s % 2768) as u16;
        let svc = format!("KUBE-SVC-{s:016X}");
        let ext = format!("KUBE-EXT-{s:016X}");
        nat.declare(&svc, "-");
        nat.declare(&ext, "-");
        nat.rule(
            "KUBE-SERVICES",
            &format!(
                "-d {ip}/32 -p tcp -m comment --comment \"ns{s}/svc{s}:http cluster IP\" -m tcp --dport {port} -j {svc}"
            ),
        );
        nat.rule(
            &svc,
            &format!("! -s 10.244.0.0/16 -d {ip}/32 -p tcp -m comment --comment \"ns{s}/svc{s}:http cluster IP\" -m tcp --dport {port} -j KUBE-MARK-MASQ"),
        );
        nat.rule(
            "KUBE-NODEPORTS",
            &format!("-p tcp -m comment --comment \"ns{s}/svc{s}:http\" -m tcp --dport {node_port} -j {ext}"),
        );
        nat.rule(
            &ext,
            &format!("-m comment --comment \"masquerade traffic for ns{s}/svc{s}:http external destinations\" -j KUBE-MARK-MASQ"),
        );
        nat.rule(&ext, &format!("-j {svc}"));
        count += 5;
        for e in 0..3usize {
            let sep = format!("KUBE-SEP-{s:012X}{e:04X}");
            let pod = format!("10.244.{}.{}", (s * 3 + e) / 250 % 250, (s * 3 + e) % 250 + 1);
            nat.declare(&sep, "-");
            let probability = match e {
                0 => " -m statistic --mode random --probability 0.33333333349",
                1 => " -m statistic --mode random --probability 0.50000000000",
                _ => "",
            };
            nat.rule(&svc, &format!("-m comment --comment \"ns{s}/svc{s}:http -> {pod}:8080\"{probability} -j {sep}"));
            nat.rule(&sep, &format!("-s {pod}/32 -m comment --comment \"ns{s}/svc{s}:http\" -j KUBE-MARK-MASQ"));
            nat.rule(
                &sep,
                &format!(
                    "-p tcp -m comment --comment \"ns{s}/svc{s}:http\" -m tcp -j DNAT --to-destination {pod}:8080"
                ),
            );
            count += 3;
        }
        filter.rule(
            "KUBE-EXTERNAL-SERVICES",
            &format!("-d 203.0.113.{}/32 -p tcp -m comment --comment \"ns{s}/svc{s}:http has no endpoints\" -m tcp --dport {port} -j REJECT --reject-with icmp-port-unreachable", s % 250 + 1),
        );
        count += 1;
        s += 1;
    }
    nat.rule(
        "KUBE-SERVICES",
        "-m comment --comment \"kubernetes service nodeports; NOTE: this must be the last rule in this chain\" -m addrtype --dst-type LOCAL -j KUBE-NODEPORTS",
    );
    let mut out = String::from("# Generated by iptables-save v1.8.9 (nf_tables) on Sat Nov 28 14:46:46 2026\n");
    filter.write("filter", &mut out);
    nat.write("nat", &mut out);
    out
}
