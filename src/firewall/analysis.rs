//! Judging pool entries against layers in series: what the firewall checks report.
//!
//! The evaluator judges one packet kind against one ruleset; this module combines the packets of a
//! connection (SYN, the client's later packets, the server's answers), the candidate destination
//! addresses and the layers, and turns the result into per-entry verdicts with the deciding rules
//! in the user's terms.

use std::net::IpAddr;

use ipnet::IpNet;
use serde::Serialize;

use crate::firewall::Layer;
use crate::firewall::eval::{
    Chains, Decider, Fate, Flow, Judged, Options, Packet, PacketKind, judge, judge_with, rule_catches,
};
use crate::firewall::model::{Action, Hook, NatAddr, Side, Undecidable, Verdict, ct};
use crate::firewall::nat::{NatResult, judge_nat};
use crate::firewall::ranges::{AddrSet, Family, Spans};
use crate::region::{PoolEntry, PoolKind};

/// What connection is judged: a new TCP connection from the pool to `port` on this host, or with
/// `flow`, one this host forwards to `port` on the destinations (a hybrid-cloud forwarder).
#[derive(Debug, Clone, Copy)]
pub struct Request<'a> {
    pub port: u16,
    /// The API server's addresses; empty when unknown (then `-d` rules are undecidable).
    pub destinations: &'a [IpAddr],
    /// The interface the pool's traffic arrives on, when known.
    pub interface: Option<&'a str>,
    /// The forwarded connection, when this host forwards it (then `port` and `interface` are the
    /// flow's).
    pub flow: Option<Flow<'a>>,
    /// This host's routes, when known: the interface a connection translated on the local path
    /// (a DNAT to a container) leaves by.
    pub routes: Option<&'a dyn Routes>,
}

/// What the evaluator needs of a host's routing table (the forwarding module reads it): the
/// machinery stays free of where routes come from.
pub trait Routes: std::fmt::Debug {
    /// Whether the routes of `family` are known.
    fn knows(&self, family: Family) -> bool;
    /// The interface the route to `ip` leaves by; `None` when no route takes it.
    fn interface_to(&self, ip: IpAddr) -> Option<&str>;
}

impl Request<'_> {
    /// The destinations of one family; `[None]` (unknown) when there is none.
    fn destinations(&self, family: Family) -> Vec<Option<IpAddr>> {
        let v: Vec<Option<IpAddr>> =
            self.destinations.iter().filter(|ip| Family::of(**ip) == family).map(|ip| Some(*ip)).collect();
        if v.is_empty() { vec![None] } else { v }
    }

    /// The packets of the connection for one destination candidate; the first is the SYN the
    /// API server's host filters.
    pub fn packets(&self, family: Family, dst: Option<IpAddr>) -> Vec<Packet> {
        match &self.flow {
            Some(flow) => Packet::forwarded(flow, family, dst),
            None => Packet::to_local_port(family, self.port, dst, self.interface),
        }
    }
}

/// Judges `addrs` (one family) against every layer that filters that family, in series: every
/// packet kind of the connection, for every candidate destination. A connection to this host that
/// a nat rule translates on the way in (a DNAT of the API server port to a container) is followed:
/// the translated flow is judged where it goes (FORWARD for another address, INPUT for this host).
pub fn judge_family(layers: &[Layer], family: Family, addrs: &Spans, req: &Request<'_>) -> Judged {
    if let Some(j) = judge_translated(layers, family, addrs, req) {
        return j;
    }
    let packets: Vec<Packet> = req.destinations(family).into_iter().flat_map(|dst| req.packets(family, dst)).collect();
    judge_packets(layers, family, addrs, &packets)
}

/// Where the nat chains on the local path send the pool's connection to `req.port`, when some rule
/// translates it; `None` when nothing is translated (or the connection is a forwarder's, or the
/// API server's address is not one known address, which the translation may depend on).
pub fn local_translations(
    layers: &[Layer],
    family: Family,
    addrs: &Spans,
    req: &Request<'_>,
) -> Option<Vec<(Spans, NatResult)>> {
    if req.flow.is_some() {
        return None;
    }
    let dsts = req.destinations(family);
    let [dst] = dsts.as_slice() else { return None };
    let prerouting_nat =
        |l: &Layer| l.families.has(family) && l.ruleset.bases.iter().any(|b| b.nat && b.hook == Hook::Prerouting);
    if !layers.iter().any(prerouting_nat) {
        return None;
    }
    let arriving = Packet::arriving(family, req.port, *dst, req.interface);
    let pieces = judge_nat(layers, addrs, &arriving);
    pieces.iter().any(|(_, r)| matches!(r, NatResult::Translated { .. })).then_some(pieces)
}

fn judge_translated(layers: &[Layer], family: Family, addrs: &Spans, req: &Request<'_>) -> Option<Judged> {
    let pieces = local_translations(layers, family, addrs, req)?;
    let dst = req.destinations(family).first().copied().flatten();
    let arrival: Vec<IpAddr> = dst.into_iter().collect();
    let mut out = Judged::default();
    for (spans, result) in pieces {
        let judged = match result {
            NatResult::Translated { to, rule } => match (to.single(req.port), &to.addr) {
                (Some((ip, _)), _)
                    if Some(ip) != dst
                        && req.routes.is_some_and(|r| r.knows(family) && r.interface_to(ip).is_none()) =>
                {
                    Judged::all(
                        spans.clone(),
                        Decider {
                            layer: None,
                            chain: None,
                            rule: None,
                            outcome: Fate::Unknown,
                            packet: PacketKind::New,
                            reason: Some(Undecidable::Limitation(
                                "the connection is translated to an address this host has no route to",
                            )),
                        },
                    )
                }
                (Some((ip, port)), _) if Some(ip) != dst => {
                    let out_iface = req.routes.and_then(|r| r.interface_to(ip));
                    let flow =
                        Flow { listen_port: req.port, port, arrival: &arrival, in_iface: req.interface, out_iface };
                    judge_packets(layers, family, &spans, &Packet::forwarded(&flow, family, Some(ip)))
                }
                (Some((_, port)), _) => local_after_translation(layers, family, &spans, req, dst, port),
                (None, NatAddr::Local) => {
                    let port = to.ports.filter(|(a, b)| a == b).map_or(req.port, |(a, _)| a);
                    local_after_translation(layers, family, &spans, req, dst, port)
                }
                _ => Judged::all(
                    spans.clone(),
                    Decider {
                        layer: None,
                        chain: None,
                        rule: None,
                        outcome: Fate::Unknown,
                        packet: PacketKind::New,
                        reason: Some(Undecidable::Translation(Box::new(Undecidable::Unsupported(
                            format!("{} translates to {to}: more than one place", rule.text.unwrap_or_default()).into(),
                        )))),
                    },
                ),
            },
            _ => judge_packets(layers, family, &spans, &req.packets(family, dst)),
        };
        out.admitted.extend(judged.admitted);
        out.denied.extend(judged.denied);
        out.unknown.extend(judged.unknown);
    }
    Some(out)
}

/// A connection redirected to another port of this host: the input path, its nat already done.
fn local_after_translation(
    layers: &[Layer],
    family: Family,
    addrs: &Spans,
    req: &Request<'_>,
    dst: Option<IpAddr>,
    port: u16,
) -> Judged {
    let mut packets = Packet::to_local_port(family, port, dst, req.interface);
    for p in &mut packets {
        p.chains = Chains::Filter;
        p.ct_state |= ct::DNAT;
        p.ct_status.0 |= ct::status::DNAT;
    }
    judge_packets(layers, family, addrs, &packets)
}

/// Judges `addrs` against every layer that filters `family`, for each of `packets` (all must pass
/// every layer): the building block for connections other than to a local port, e.g. the
/// forwarded flow of [`Packet::forwarded`].
pub fn judge_packets(layers: &[Layer], family: Family, addrs: &Spans, packets: &[Packet]) -> Judged {
    let mut stages = Vec::new();
    for (li, layer) in layers.iter().enumerate() {
        if !layer.families.has(family) {
            continue;
        }
        for packet in packets.iter().filter(|p| p.family == family) {
            stages.push(tag(judge(&layer.ruleset, packet, addrs), li));
        }
    }
    if stages.is_empty() {
        return Judged::all(
            addrs.clone(),
            Decider {
                layer: None,
                chain: None,
                rule: None,
                outcome: Fate::Unknown,
                packet: PacketKind::New,
                reason: Some(Undecidable::NoLayer(family)),
            },
        );
    }
    Judged::series(stages)
}

fn tag(mut j: Judged, layer: usize) -> Judged {
    for (_, d) in j.admitted.iter_mut().chain(j.denied.iter_mut()).chain(j.unknown.iter_mut()) {
        d.layer = Some(layer);
    }
    j
}

/// Per-family judgements of a set of addresses.
#[derive(Debug, Clone, Default)]
pub struct Judgement {
    pub v4: Judged,
    pub v6: Judged,
}

impl Judgement {
    pub fn get(&self, family: Family) -> &Judged {
        match family {
            Family::V4 => &self.v4,
            Family::V6 => &self.v6,
        }
    }
}

/// Judges an address set of both families.
pub fn judge_set(layers: &[Layer], addrs: &AddrSet, req: &Request<'_>) -> Judgement {
    let mut out = Judgement::default();
    for family in Family::BOTH {
        let set = addrs.get(family);
        if !set.is_empty() {
            let j = judge_family(layers, family, set, req);
            match family {
                Family::V4 => out.v4 = j,
                Family::V6 => out.v6 = j,
            }
        }
    }
    out
}

/// An entry's verdict, as DESIGN §4 names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum EntryVerdict {
    Admitted,
    Partial,
    Denied,
    Unknown,
}

/// A deciding rule as the report shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Deciding {
    pub layer: String,
    pub table: Option<String>,
    pub chain: Option<String>,
    /// The rule's number in its chain (iptables `--line-numbers`, the permission index of a
    /// security group, the line of a CIDR list); `null` for a policy.
    pub rule: Option<usize>,
    /// nftables rule handle.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub handle: Option<u64>,
    pub line: Option<usize>,
    pub text: Option<String>,
    pub action: DecidingAction,
    pub range: String,
    /// Which packet of the connection: `new` (the SYN), `established`, or `reply`.
    pub packet: &'static str,
    /// Why the range is undecidable.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<Undecidable>,
}

/// What the deciding rule did with the range.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum DecidingAction {
    Accept,
    Drop,
    Reject,
    /// The chain's policy decided.
    Policy,
    /// The range cannot be decided (`reason` says why).
    Unknown,
    /// A nat rule translated the connection's destination (forwarding checks).
    Dnat,
    /// A nat rule translated the connection's source.
    Snat,
}

impl std::fmt::Display for DecidingAction {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl DecidingAction {
    /// Whether the range is denied by this decision.
    pub fn denies(self) -> bool {
        matches!(self, DecidingAction::Drop | DecidingAction::Reject | DecidingAction::Policy)
    }

    pub fn as_str(self) -> &'static str {
        match self {
            DecidingAction::Accept => "ACCEPT",
            DecidingAction::Drop => "DROP",
            DecidingAction::Reject => "REJECT",
            DecidingAction::Policy => "POLICY",
            DecidingAction::Unknown => "UNKNOWN",
            DecidingAction::Dnat => "DNAT",
            DecidingAction::Snat => "SNAT",
        }
    }
}

/// One pool entry, judged.
#[derive(Debug, Clone, Serialize)]
pub struct EntryResult {
    pub entry: IpNet,
    pub pool: PoolKind,
    pub verdict: EntryVerdict,
    pub denied: Vec<IpNet>,
    pub unknown: Vec<IpNet>,
    pub deciding: Vec<Deciding>,
    /// Where a nat rule on the local path sends (part of) the entry's connection: the verdict is
    /// then about reaching that place (a container behind a DNAT of the API server port).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub lands: Vec<Landing>,
}

/// A range of an entry whose connection a nat rule translates, where to, and by which rule.
#[derive(Debug, Clone, Serialize)]
pub struct Landing {
    pub range: String,
    pub to: String,
    pub rule: Deciding,
}

/// Judges every pool entry against the layers in series.
pub fn judge_entries(layers: &[Layer], entries: &[PoolEntry], req: &Request<'_>) -> (Vec<EntryResult>, Judgement) {
    let pool = AddrSet::of_nets(entries.iter().map(|e| &e.entry));
    let judgement = judge_set(layers, &pool, req);
    let translations: Vec<(Family, Vec<(Spans, NatResult)>)> = Family::BOTH
        .into_iter()
        .filter(|f| !pool.get(*f).is_empty())
        .filter_map(|f| Some((f, local_translations(layers, f, pool.get(f), req)?)))
        .collect();
    let results = entries
        .iter()
        .map(|e| {
            let family = Family::of_net(&e.entry);
            let mine = Spans::net(&e.entry);
            let j = judgement.get(family);
            let denied = j.denied_set().intersect(&mine);
            let unknown = j.unknown_set().intersect(&mine);
            let verdict = if denied == mine {
                EntryVerdict::Denied
            } else if !denied.is_empty() {
                EntryVerdict::Partial
            } else if !unknown.is_empty() {
                EntryVerdict::Unknown
            } else {
                EntryVerdict::Admitted
            };
            let mut deciding = Vec::new();
            for (list, all_packets) in [(&j.denied, true), (&j.unknown, true), (&j.admitted, false)] {
                for (s, d) in list.iter() {
                    if !all_packets && d.packet != PacketKind::New {
                        continue;
                    }
                    let part = s.intersect(&mine);
                    for net in part.cidrs(family) {
                        deciding.push(describe(layers, d, net.to_string()));
                    }
                }
            }
            let mut lands = Vec::new();
            for (f, pieces) in &translations {
                for (s, r) in pieces.iter().filter(|_| *f == family) {
                    if let NatResult::Translated { to, rule } = r {
                        for net in s.intersect(&mine).cidrs(family) {
                            lands.push(Landing { range: net.to_string(), to: to.to_string(), rule: rule.clone() });
                        }
                    }
                }
            }
            EntryResult {
                entry: e.entry,
                pool: e.pool,
                verdict,
                denied: denied.cidrs(family),
                unknown: unknown.cidrs(family),
                deciding,
                lands,
            }
        })
        .collect();
    (results, judgement)
}

/// A decider in the user's terms.
pub fn describe(layers: &[Layer], d: &Decider, range: String) -> Deciding {
    let layer = d.layer.and_then(|i| layers.get(i));
    let chain = layer.zip(d.chain).map(|(l, c)| &l.ruleset.chains[c]);
    let (rule, origin) = match (chain, d.rule) {
        (Some(c), Some(r)) => (c.rules.get(r), c.rules.get(r).map(|r| &r.origin)),
        (Some(c), None) => (None, c.policy.as_ref().map(|p| &p.origin)),
        _ => (None, None),
    };
    let action = match (d.outcome, d.rule, d.chain) {
        (Fate::Unknown, _, _) => DecidingAction::Unknown,
        (_, None, Some(_)) => DecidingAction::Policy,
        (Fate::Accept | Fate::Deny(Verdict::Accept), _, _) => DecidingAction::Accept,
        (Fate::Deny(Verdict::Drop), _, _) => DecidingAction::Drop,
        (Fate::Deny(Verdict::Reject), _, _) => DecidingAction::Reject,
    };
    let text = match (origin, d.chain) {
        (Some(o), _) if !o.text.is_empty() => Some(o.text.to_string()),
        (_, None) if d.outcome == Fate::Accept => Some("(no rule of this layer filters this packet)".into()),
        _ => None,
    };
    Deciding {
        layer: layer.map_or_else(|| "(none)".to_string(), |l| l.name.clone()),
        table: chain.map(|c| c.table.to_string()).filter(|t| !t.is_empty()),
        chain: chain.map(|c| c.name.clone()),
        rule: origin.map(|o| o.number).filter(|n| *n > 0 && rule.is_some()),
        handle: origin.and_then(|o| o.handle),
        line: origin.and_then(|o| o.line),
        text,
        action,
        range,
        packet: d.packet.name(),
        reason: d.reason.clone(),
    }
}

/// An accepting rule written for (part of) the pool that never sees those addresses, because an
/// earlier rule denies them first.
#[derive(Debug, Clone, Serialize)]
pub struct Shadowed {
    pub layer: String,
    pub table: Option<String>,
    pub chain: String,
    pub rule: usize,
    pub line: Option<usize>,
    pub text: String,
    /// Pool addresses the rule would admit but never sees.
    pub shadowed: Vec<IpNet>,
    /// The rules that deny them first.
    pub by: Vec<Deciding>,
}

/// Finds shadowed accept rules, judging the SYN over the whole address space so that a chain
/// entered only for other ports is not mistaken for one the pool should reach.
pub fn shadowed(layers: &[Layer], entries: &[PoolEntry], req: &Request<'_>) -> Vec<Shadowed> {
    let pool = AddrSet::of_nets(entries.iter().map(|e| &e.entry));
    let mut out = Vec::new();
    for family in Family::BOTH {
        let pool = pool.get(family);
        if pool.is_empty() {
            continue;
        }
        let final_judged = judge_family(layers, family, pool, req);
        let denied = final_judged.denied_set();
        for layer in layers {
            if !layer.families.has(family) {
                continue;
            }
            let dst = req.destinations(family)[0];
            let syn = req.packets(family, dst).remove(0);
            let (_, trace) = judge_with(&layer.ruleset, &syn, &family.all(), Options { trace: true });
            // Only the chains the SYN entered, so that no other chain is read.
            for ci in 0..layer.ruleset.chains.len() {
                if trace.chains.get(&ci).is_none_or(Spans::is_empty) {
                    continue;
                }
                let chain = &layer.ruleset.chains[ci];
                for (ri, rule) in chain.rules.iter().enumerate() {
                    if rule.action != Action::Verdict(Verdict::Accept)
                        || !rule.matches.iter().any(|m| {
                            matches!(m, crate::firewall::model::Match::Addr { side: Side::Src, negated: false, .. })
                        })
                    {
                        continue;
                    }
                    let intended = rule_catches(rule, &syn, pool);
                    let reached = trace.rules.get(&(ci, ri)).cloned().unwrap_or_default();
                    let harmful = intended.difference(&reached).intersect(&denied);
                    if harmful.is_empty() {
                        continue;
                    }
                    let mut by = Vec::new();
                    for (s, d) in &final_judged.denied {
                        for net in s.intersect(&harmful).cidrs(family) {
                            by.push(describe(layers, d, net.to_string()));
                        }
                    }
                    out.push(Shadowed {
                        layer: layer.name.clone(),
                        table: Some(chain.table.to_string()).filter(|t| !t.is_empty()),
                        chain: chain.name.clone(),
                        rule: rule.origin.number,
                        line: rule.origin.line,
                        text: rule.origin.text.to_string(),
                        shadowed: harmful.cidrs(family),
                        by,
                    });
                }
            }
        }
    }
    out.dedup_by(|a, b| a.layer == b.layer && a.chain == b.chain && a.rule == b.rule);
    out
}

/// What the layers admit of the whole address space, for each family they filter in which the API
/// server can be reached: the families of its known addresses, or both when none is known.
pub fn exposure(layers: &[Layer], req: &Request<'_>) -> Vec<(Family, Judged)> {
    Family::BOTH
        .into_iter()
        .filter(|f| layers.iter().any(|l| l.families.has(*f)))
        .filter(|f| req.destinations.is_empty() || req.destinations.iter().any(|ip| Family::of(*ip) == *f))
        .map(|f| (f, judge_family(layers, f, &f.all(), req)))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::firewall::ipset::IpsetDb;
    use crate::firewall::iptables;

    const RULES: &str = include_str!("../../tests/fixtures/firewall/iptables-save.legacy.txt");

    fn entry(net: &str, pool: PoolKind) -> PoolEntry {
        PoolEntry { entry: net.parse().expect("cidr"), pool }
    }

    #[test]
    fn a_dnat_of_the_api_port_is_followed_to_where_it_lands() {
        // A kind/k3d-style container publishing 6443: the connection lands in the container, and
        // FORWARD (Docker's chains) decides, not INPUT.
        let rules = "*nat\n:PREROUTING ACCEPT [0:0]\n:INPUT ACCEPT [0:0]\n:OUTPUT ACCEPT [0:0]\n:POSTROUTING ACCEPT [0:0]\n:DOCKER - [0:0]\n\
-A PREROUTING -m addrtype --dst-type LOCAL -j DOCKER\n\
-A DOCKER ! -i docker0 -p tcp -m tcp --dport 6443 -j DNAT --to-destination 192.0.2.50:6443\nCOMMIT\n\
*filter\n:INPUT DROP [0:0]\n:FORWARD DROP [0:0]\n:OUTPUT ACCEPT [0:0]\n:DOCKER - [0:0]\n\
-A FORWARD -o docker0 -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT\n-A FORWARD -o docker0 -j DOCKER\n\
-A FORWARD -i docker0 ! -o docker0 -j ACCEPT\n\
-A DOCKER -d 192.0.2.50/32 ! -i docker0 -o docker0 -p tcp -m tcp --dport 6443 -s 198.51.100.0/26 -j ACCEPT\nCOMMIT\n";
        let layers = vec![iptables::parse(rules, "iptables:docker", &IpsetDb::default()).expect("parses")];
        // This host's routes: 192.0.2.48/28 on docker0.
        #[derive(Debug)]
        struct Docker0;
        impl Routes for Docker0 {
            fn knows(&self, _: Family) -> bool {
                true
            }
            fn interface_to(&self, ip: IpAddr) -> Option<&str> {
                let net: IpNet = "192.0.2.48/28".parse().expect("cidr");
                net.contains(&ip).then_some("docker0")
            }
        }
        let routes = Docker0;
        let api: [IpAddr; 1] = ["203.0.113.1".parse().expect("ip")];
        let req =
            Request { port: 6443, destinations: &api, interface: Some("eth0"), flow: None, routes: Some(&routes) };
        let (results, _) = judge_entries(&layers, &[entry("198.51.100.0/25", PoolKind::Private)], &req);
        let r = &results[0];
        assert_eq!(r.verdict, EntryVerdict::Partial, "{r:?}");
        assert_eq!(r.denied, vec!["198.51.100.64/26".parse::<IpNet>().expect("cidr")]);
        assert_eq!(r.lands.len(), 1, "{r:?}");
        assert_eq!(r.lands[0].to, "192.0.2.50:6443");
        assert_eq!(r.lands[0].rule.chain.as_deref(), Some("DOCKER"));
        let accepted = r.deciding.iter().find(|d| d.action == DecidingAction::Accept).expect("accepting rule");
        assert_eq!((accepted.table.as_deref(), accepted.chain.as_deref()), (Some("filter"), Some("DOCKER")));
        // The fix admits the translated flow on the forward path, where it lands.
        let pool = AddrSet::of_nets([&"198.51.100.0/25".parse::<IpNet>().expect("cidr")]);
        let fix = crate::firewall::fix::fix_layer(&layers[0], &pool, &req, "k8sjoin-check doc", "doc-1");
        assert!(fix.notes.is_empty(), "{fix:?}");
        assert_eq!(
            fix.commands,
            [
                "iptables -A FORWARD -s 198.51.100.64/26 -d 192.0.2.50/32 -p tcp -m tcp --dport 6443 -m comment --comment \"k8sjoin-check doc\" -j ACCEPT"
            ]
        );
        // Without the routes the leaving interface (-o docker0) is unknown: so is the admitted part
        // (the rest is dropped by FORWARD's policy on every path).
        let req = Request { routes: None, ..req };
        let (results, _) = judge_entries(&layers, &[entry("198.51.100.0/25", PoolKind::Private)], &req);
        assert_eq!(results[0].unknown, vec!["198.51.100.0/26".parse::<IpNet>().expect("cidr")]);
    }

    #[test]
    fn entries_get_verdicts_and_deciding_rules() {
        let sets = IpsetDb::parse("create cloud-public hash:ip family inet\nadd cloud-public 203.0.113.30\n", "s")
            .expect("sets");
        let layers = vec![iptables::parse(RULES, "iptables:rules.txt", &sets).expect("parses")];
        let entries = [
            entry("203.0.113.30/32", PoolKind::Public),
            entry("198.51.100.0/25", PoolKind::Private),
            entry("198.51.100.130/32", PoolKind::Public),
        ];
        let req = Request { port: 6443, destinations: &[], interface: None, flow: None, routes: None };
        let (results, _) = judge_entries(&layers, &entries, &req);
        assert_eq!(results[0].verdict, EntryVerdict::Admitted);
        assert_eq!(results[1].verdict, EntryVerdict::Partial);
        assert_eq!(results[1].denied, vec!["198.51.100.64/26".parse::<IpNet>().expect("cidr")]);
        let drop = results[1].deciding.iter().find(|d| d.action == DecidingAction::Drop).expect("the DROP decides");
        assert_eq!((drop.chain.as_deref(), drop.rule, drop.line), (Some("K8S-API"), Some(2), Some(13)));
        assert_eq!(drop.range, "198.51.100.64/26");
        assert_eq!(results[2].verdict, EntryVerdict::Denied);
        let policy = &results[2].deciding[0];
        assert_eq!(
            (policy.action, policy.chain.as_deref(), policy.rule),
            (DecidingAction::Policy, Some("INPUT"), None)
        );
        assert_eq!(policy.text.as_deref(), Some(":INPUT DROP"));

        let shadow = shadowed(&layers, &entries, &req);
        assert_eq!(shadow.len(), 1, "{shadow:?}");
        assert_eq!((shadow[0].chain.as_str(), shadow[0].rule), ("K8S-API", 4));
        assert_eq!(shadow[0].by[0].rule, Some(2));
    }

    #[test]
    fn uncovered_family_is_unknown() {
        let layers = vec![iptables::parse(RULES, "iptables:rules.txt", &IpsetDb::default()).expect("parses")];
        let req = Request { port: 6443, destinations: &[], interface: None, flow: None, routes: None };
        let (results, _) = judge_entries(&layers, &[entry("2001:db8::/64", PoolKind::Private)], &req);
        assert_eq!(results[0].verdict, EntryVerdict::Unknown);
        assert_eq!(results[0].deciding[0].reason, Some(Undecidable::NoLayer(Family::V6)));
    }
}
