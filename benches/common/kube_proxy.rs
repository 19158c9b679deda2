//! A kube-proxy-like `iptables-save` dump of a chosen size, shared by the firewall benchmarks.

use std::fmt::Write as _;

/// A kube-proxy (iptables mode) dump with about `rules` rules: per service a cluster-IP rule, a
/// masquerade mark, three endpoints with their DNAT chains, a node port; plus a host firewall in
/// front of the API server.
pub fn synthetic_dump(rules: usize) -> String {
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
