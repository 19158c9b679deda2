//! The range evaluator: which source (or destination) addresses a ruleset accepts, denies, or
//! leaves undecidable, for one kind of packet of a TCP connection.
//!
//! Semantics follow the kernel: base chains attached to the packet's hooks run in hook order and,
//! within a hook, by priority; every one of them must accept (an accept ends only its own base
//! chain; a drop or reject anywhere is final). Within a chain the first matching rule with a verdict
//! decides; jump/goto/return move between chains; a base chain's end is its policy.
//!
//! Evaluation is over address intervals. A rule whose match cannot be decided for some addresses
//! (an unknown interface, an unknown destination, an unsupported match) splits the path: those
//! addresses are followed both as matched and as not matched, and an address is admitted or denied
//! only when every path it may take agrees. Where paths disagree the address is `unknown`, and the
//! rule that made it so is reported. The evaluator never guesses.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Arc;

use crate::firewall::model::{
    Action, ChainId, ChainList, Direction, Effect, Hook, MarkOp, MarkTarget, Match, PortSide, Ruleset, Side,
    Undecidable, Verdict, addrtype, ct, tcp,
};
use crate::firewall::ranges::{Family, Spans, number};

/// Chains nested deeper than this are not followed (nftables stops at 16 jumps; iptables has no
/// fixed limit, but no ruleset the kernel loads nests that deep).
const MAX_DEPTH: usize = 128;

/// The evaluator's budget: how many times one judgement may test a class of addresses against a
/// rule, [`BUDGET_BASE`] plus [`BUDGET_PER_RULE`] for every rule of the ruleset. Each rule an
/// undecidable match guards splits the path, and paths can multiply (twelve chains of four
/// undecidable jumps each are 4^12 paths); chain results are memoised, which collapses paths that
/// reach a chain with the same addresses and knowledge, and the budget bounds what memoising cannot
/// (paths that differ, e.g. by marks). Time and memory are thus at most proportional to the
/// ruleset's size; addresses the budget stops are `unknown` ([`Undecidable::Budget`]), never
/// admitted. Real rulesets stay far below it (the corpus of `tests/firewall_corpus.rs` needs less
/// than a tenth).
pub const BUDGET_BASE: usize = 20_000;
pub const BUDGET_PER_RULE: usize = 64;

/// At most this many chain results are memoised per base chain (each holds its classes), so the
/// memo's memory stays bounded too; past it chains are run again, within the budget.
const MEMO_LIMIT: usize = 4096;

/// The packets of a connection the verdict depends on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PacketKind {
    /// The SYN that opens the connection (conntrack state NEW).
    New,
    /// The client's later packets (ESTABLISHED).
    Established,
    /// The server's answers (ESTABLISHED, reply direction).
    Reply,
}

impl PacketKind {
    pub fn name(self) -> &'static str {
        match self {
            PacketKind::New => "new",
            PacketKind::Established => "established",
            PacketKind::Reply => "reply",
        }
    }
}

/// An interface as the evaluator knows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Iface {
    /// The packet has no such interface (no input interface on locally generated packets).
    Absent,
    /// Known by name (`--interface`).
    Named(String),
    /// A real interface whose name is unknown; never loopback, since the pool is remote.
    Remote,
}

/// Which base chains a judgement runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Chains {
    /// Every base chain on the packet's hooks (nat chains for the first packet only).
    All,
    /// Filtering chains only: the translations of a forwarded flow are judged apart.
    Filter,
    /// Nat chains only, where a translation ends the judgement: the addresses a DNAT/SNAT rule
    /// catches come out admitted and attributed to that rule, and later nat chains of the hook do
    /// not see them (the kernel keeps the first binding). Addresses no rule translates come out
    /// admitted by a policy or an ACCEPT.
    Nat,
}

/// Known and unknown bits of a 32-bit mark.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Bits {
    pub value: u32,
    pub known: u32,
}

impl Bits {
    pub const ZERO: Bits = Bits { value: 0, known: u32::MAX };
    pub const UNKNOWN: Bits = Bits { value: 0, known: 0 };
}

/// One kind of packet of the connection being judged, and what is known about it. The addresses
/// being judged are on `pool_side`; everything else is fixed.
#[derive(Debug, Clone)]
pub struct Packet {
    pub kind: PacketKind,
    pub family: Family,
    /// Hooks in the order the packet passes them.
    pub hooks: Vec<Hook>,
    /// Which address of the packet the judged ranges are.
    pub pool_side: Side,
    /// The other address (the API server's, or the forwarding target's), when known.
    pub peer: Option<IpAddr>,
    /// Whether `peer` is an address of this host (`-m addrtype --dst-type LOCAL`).
    pub peer_local: Option<bool>,
    /// Source and destination ports; `None` is an ephemeral port the evaluator cannot know.
    pub sport: Option<u16>,
    pub dport: Option<u16>,
    pub proto: u8,
    /// Every combination of TCP flags packets of this kind carry.
    pub flags: Vec<u8>,
    /// The conntrack state bit, plus the SNAT/DNAT virtual bits when the connection is translated.
    pub ct_state: u8,
    /// Connection status bits and which of them are known.
    pub ct_status: (u8, u8),
    /// Original direction (client to server) or reply.
    pub original: bool,
    /// The first packet of the connection: nat chains see only this one.
    pub first: bool,
    pub iif: Iface,
    pub oif: Iface,
    pub chains: Chains,
}

pub const PROTO_TCP: u8 = 6;

impl Packet {
    /// The three kinds of packet of a TCP connection from the pool to `port` on this host: the SYN
    /// and the client's later packets on the input path, and the server's answers on the output
    /// path. `dst` is the API server's address when known; `iface` the interface the pool's
    /// traffic arrives on (answers are assumed to leave by the same one).
    pub fn to_local_port(family: Family, port: u16, dst: Option<IpAddr>, iface: Option<&str>) -> Vec<Packet> {
        let iface = iface.map_or(Iface::Remote, |i| Iface::Named(i.to_string()));
        let input = vec![Hook::Ingress, Hook::Prerouting, Hook::Input];
        let new = Packet {
            kind: PacketKind::New,
            family,
            hooks: input.clone(),
            pool_side: Side::Src,
            peer: dst,
            peer_local: Some(true),
            sport: None,
            dport: Some(port),
            proto: PROTO_TCP,
            flags: vec![tcp::SYN],
            ct_state: ct::NEW,
            ct_status: (0, u8::MAX),
            original: true,
            first: true,
            iif: iface.clone(),
            oif: Iface::Absent,
            chains: Chains::All,
        };
        let established = Packet {
            kind: PacketKind::Established,
            hooks: input,
            flags: vec![tcp::ACK, tcp::ACK | tcp::PSH, tcp::ACK | tcp::FIN],
            ct_state: ct::ESTABLISHED,
            ct_status: (ct::status::SEEN_REPLY | ct::status::ASSURED | ct::status::CONFIRMED, u8::MAX),
            first: false,
            ..new.clone()
        };
        let reply = Packet {
            kind: PacketKind::Reply,
            hooks: vec![Hook::Output, Hook::Postrouting],
            pool_side: Side::Dst,
            sport: Some(port),
            dport: None,
            flags: vec![tcp::SYN | tcp::ACK, tcp::ACK, tcp::ACK | tcp::PSH, tcp::ACK | tcp::FIN],
            ct_state: ct::ESTABLISHED,
            // The SYN-ACK comes before the connection is assured; later answers after.
            ct_status: (ct::status::SEEN_REPLY | ct::status::CONFIRMED, !ct::status::ASSURED),
            original: false,
            first: false,
            iif: Iface::Absent,
            oif: iface,
            ..new.clone()
        };
        vec![new, established, reply]
    }

    /// The packets of a connection from the pool that this host forwards after destination NAT
    /// (a hybrid-cloud forwarder), for the filtering chains: the translated SYN (conntrack NEW,
    /// status DNAT) and the client's later packets on the forward path to `target:port`, the
    /// target's answers coming back, and — ahead of the translation — the SYN and later packets as
    /// they arrive for `listen_port` on one of `arrival` (this host's addresses the pool connects
    /// to; `[None]` when unknown), which security groups, raw and mangle chains see. The
    /// translations themselves are judged by [`Packet::arriving`] and [`Packet::leaving`].
    pub fn forwarded(flow: &Flow<'_>, family: Family, target: Option<IpAddr>) -> Vec<Packet> {
        let named = |i: Option<&str>| i.map_or(Iface::Remote, |i| Iface::Named(i.to_string()));
        let mut packets = Packet::to_local_port(family, flow.port, target, flow.in_iface);
        for p in &mut packets {
            p.chains = Chains::Filter;
            p.peer_local = Some(false);
            p.ct_state |= ct::DNAT;
            p.ct_status.0 |= ct::status::DNAT;
            match p.kind {
                PacketKind::New | PacketKind::Established => {
                    p.hooks = vec![Hook::Forward, Hook::Postrouting];
                    p.oif = named(flow.out_iface);
                }
                PacketKind::Reply => {
                    p.hooks = vec![Hook::Forward, Hook::Postrouting];
                    p.iif = named(flow.out_iface);
                    p.oif = named(flow.in_iface);
                }
            }
        }
        let arrival: Vec<Option<IpAddr>> = if flow.arrival.iter().any(|a| Family::of(*a) == family) {
            flow.arrival.iter().filter(|a| Family::of(**a) == family).map(|a| Some(*a)).collect()
        } else {
            vec![None]
        };
        for dst in arrival {
            for mut p in Packet::to_local_port(family, flow.listen_port, dst, flow.in_iface) {
                if p.kind == PacketKind::Reply {
                    continue;
                }
                p.chains = Chains::Filter;
                p.hooks = vec![Hook::Ingress, Hook::Prerouting];
                if p.kind == PacketKind::Established {
                    // Later packets are translated at the nat hook without running the nat chains;
                    // before it they still carry this host's address, in a DNAT connection.
                    p.ct_state |= ct::DNAT;
                    p.ct_status.0 |= ct::status::DNAT;
                }
                packets.push(p);
            }
        }
        packets
    }

    /// The SYN of the connection as it arrives for `listen_port` on `arrival` (one of this host's
    /// addresses, `None` when unknown), for the nat chains of the prerouting hook: which rule
    /// translates its destination, and to what.
    pub fn arriving(family: Family, listen_port: u16, arrival: Option<IpAddr>, in_iface: Option<&str>) -> Packet {
        let mut p = Packet::to_local_port(family, listen_port, arrival, in_iface).remove(0);
        p.hooks = vec![Hook::Prerouting];
        p.chains = Chains::Nat;
        p
    }

    /// The translated SYN leaving towards `target:port`, for the nat chains of the postrouting
    /// hook: which rule translates its source (SNAT, MASQUERADE), if any.
    pub fn leaving(flow: &Flow<'_>, family: Family, target: Option<IpAddr>) -> Packet {
        let mut p = Packet::forwarded(flow, family, target).remove(0);
        p.hooks = vec![Hook::Postrouting];
        p.chains = Chains::Nat;
        p
    }

    fn port(&self, side: Side) -> Option<u16> {
        match side {
            Side::Src => self.sport,
            Side::Dst => self.dport,
        }
    }
}

/// A connection this host forwards: it arrives for `listen_port` on `in_iface` and, translated,
/// leaves by `out_iface` towards the target's `port`.
#[derive(Debug, Clone, Copy)]
pub struct Flow<'a> {
    pub listen_port: u16,
    pub port: u16,
    /// This host's addresses the pool may connect to; empty when unknown.
    pub arrival: &'a [IpAddr],
    pub in_iface: Option<&'a str>,
    pub out_iface: Option<&'a str>,
}

/// What finally happened to some addresses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Fate {
    Accept,
    Deny(Verdict),
    Unknown,
}

/// The rule (or policy) that decided about some addresses, or made them undecidable.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Decider {
    /// Index of the layer (set by [`crate::firewall::analysis`]); `None` when no layer covers the
    /// address family.
    pub layer: Option<usize>,
    /// `None` when no chain of the layer saw the packet.
    pub chain: Option<ChainId>,
    /// Index into the chain's rules; `None` is the chain's policy.
    pub rule: Option<usize>,
    pub outcome: Fate,
    pub packet: PacketKind,
    /// Why the addresses are undecidable (for `Fate::Unknown`).
    pub reason: Option<Undecidable>,
}

/// Where the decision was made identifies it well enough for hashing (equal deciders hash alike).
impl std::hash::Hash for Decider {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        (self.layer, self.chain, self.rule, self.packet).hash(state);
    }
}

/// A partition of the judged addresses into admitted, denied and unknown, each piece with the
/// rule that decided it.
#[derive(Debug, Clone, Default)]
pub struct Judged {
    pub admitted: Vec<(Spans, Decider)>,
    pub denied: Vec<(Spans, Decider)>,
    pub unknown: Vec<(Spans, Decider)>,
}

impl Judged {
    pub fn admitted_set(&self) -> Spans {
        union_of(&self.admitted)
    }
    pub fn denied_set(&self) -> Spans {
        union_of(&self.denied)
    }
    pub fn unknown_set(&self) -> Spans {
        union_of(&self.unknown)
    }

    /// Everything admitted, decided by `decider`.
    pub fn all(addrs: Spans, decider: Decider) -> Judged {
        let mut j = Judged::default();
        let list = match decider.outcome {
            Fate::Accept => &mut j.admitted,
            Fate::Deny(_) => &mut j.denied,
            Fate::Unknown => &mut j.unknown,
        };
        if !addrs.is_empty() {
            list.push((addrs, decider));
        }
        j
    }

    /// Stages in series (packets of a connection, layers, candidate destinations): an address is
    /// denied when any stage denies it (the first such stage decides), unknown when none denies
    /// and one is unknown, admitted when all admit (each stage's accepting rule is kept).
    pub fn series(stages: Vec<Judged>) -> Judged {
        let mut out = Judged::default();
        let mut denied = Spans::new();
        for stage in &stages {
            for (s, d) in &stage.denied {
                let fresh = s.difference(&denied);
                if !fresh.is_empty() {
                    denied = denied.union(&fresh);
                    out.denied.push((fresh, d.clone()));
                }
            }
        }
        let mut unknown = Spans::new();
        for stage in &stages {
            for (s, d) in &stage.unknown {
                let fresh = s.difference(&denied).difference(&unknown);
                if !fresh.is_empty() {
                    unknown = unknown.union(&fresh);
                    out.unknown.push((fresh, d.clone()));
                }
            }
        }
        let undecided = denied.union(&unknown);
        let all_admitted = stages.iter().map(Judged::admitted_set).reduce(|a, b| a.intersect(&b)).unwrap_or_default();
        for stage in stages {
            for (s, d) in stage.admitted {
                let keep = s.intersect(&all_admitted).difference(&undecided);
                if !keep.is_empty() {
                    out.admitted.push((keep, d));
                }
            }
        }
        out
    }
}

fn union_of(list: &[(Spans, Decider)]) -> Spans {
    let mut v = Vec::new();
    for (s, _) in list {
        v.extend_from_slice(s.intervals());
    }
    Spans::from_intervals(v)
}

/// The rule whose match could not be decided, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Uncertainty {
    chain: ChainId,
    rule: usize,
    reason: Undecidable,
}

/// The rule names its reason: hashing the rule alone is enough, and cheap (classes are hashed for
/// every rule that splits them).
impl std::hash::Hash for Uncertainty {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        (self.chain, self.rule).hash(state);
    }
}

/// Marks as far as the evaluator can follow them along one path.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
struct State {
    mark: Bits,
    ctmark: Bits,
}

/// Addresses that take the same path with the same knowledge.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
struct Class {
    addrs: Spans,
    state: State,
    /// The first undecidable rule on this path: every verdict below is only possible.
    assumed: Option<Arc<Uncertainty>>,
    /// The rule of an earlier base chain that accepted these addresses (for attribution).
    accepted_by: Option<Decider>,
}

#[derive(Debug, Clone)]
struct Emission {
    addrs: Spans,
    outcome: Fate,
    decider: Decider,
    assumed: Option<Arc<Uncertainty>>,
    state: State,
    accepted_by: Option<Decider>,
    /// Weak accepts (a policy of an empty chain, a nat chain) do not replace an earlier accepting rule
    /// as the one reported.
    weak: bool,
    /// A nat rule translated the addresses (in a [`Chains::Nat`] judgement).
    translated: bool,
    seq: u64,
}

/// Which addresses reached what, for the shadowing analysis.
#[derive(Debug, Clone, Default)]
pub struct Trace {
    /// Addresses that reached each accepting rule.
    pub rules: HashMap<(ChainId, usize), Spans>,
    /// Addresses that entered each chain.
    pub chains: HashMap<ChainId, Spans>,
}

/// Options of one evaluation.
#[derive(Debug, Clone, Copy, Default)]
pub struct Options {
    /// Record a [`Trace`].
    pub trace: bool,
}

/// Judges `addrs` (addresses of `packet.family` on `packet.pool_side`) against a ruleset.
pub fn judge(rs: &Ruleset, packet: &Packet, addrs: &Spans) -> Judged {
    judge_with(rs, packet, addrs, Options::default()).0
}

/// [`judge`], also returning what `options` asked to record.
pub fn judge_with(rs: &Ruleset, packet: &Packet, addrs: &Spans, options: Options) -> (Judged, Trace) {
    let initial = State {
        mark: Bits::ZERO,
        // A new connection's mark is 0; later packets carry what rules set on earlier ones.
        ctmark: if packet.first || !rs.sets_connmark() { Bits::ZERO } else { Bits::UNKNOWN },
    };
    let mut ev = Evaluator {
        trace: if options.trace { Some(Trace::default()) } else { None },
        budget: BUDGET_BASE.saturating_add(BUDGET_PER_RULE.saturating_mul(rs.rule_count())),
        ..Evaluator::new(rs, packet)
    };
    let mut bases: Vec<(usize, i32, usize)> = rs
        .bases
        .iter()
        .enumerate()
        .filter(|(_, b)| {
            let wanted = match packet.chains {
                Chains::All => packet.first || !b.nat,
                Chains::Filter => !b.nat,
                Chains::Nat => b.nat,
            };
            wanted && b.families.has(packet.family)
        })
        .filter_map(|(i, b)| packet.hooks.iter().position(|h| *h == b.hook).map(|pos| (pos, b.priority, i)))
        .collect();
    bases.sort_unstable();

    let mut live = vec![Class { addrs: addrs.clone(), state: initial, assumed: None, accepted_by: None }];
    let mut finals: Vec<Emission> = Vec::new();
    // Addresses a nat rule translated: done, whatever later nat chains would say.
    let mut translated: Vec<Class> = Vec::new();
    for (_, _, bi) in bases {
        if live.iter().all(|c| c.addrs.is_empty()) {
            break;
        }
        let base = &rs.bases[bi];
        ev.nat_base = base.nat;
        // What a chain returns depends on the base chain's kind; emissions are collected per base.
        ev.memo.clear();
        // Connection tracking runs at priority -200 of prerouting and output: chains before it
        // (and netdev ingress chains) see no connection yet.
        ev.no_conntrack =
            base.hook == Hook::Ingress || matches!(base.hook, Hook::Prerouting | Hook::Output) && base.priority < -200;
        let returned = ev.chain(base.chain, live, 0);
        let chain = &rs.chains[base.chain];
        if let Some(policy) = &chain.policy {
            let weak = chain.rules.is_empty() || base.nat;
            for c in returned {
                ev.emit(c, policy_outcome(policy.verdict), base.chain, None, None, weak);
            }
        } else {
            for c in returned {
                ev.emit(c, Fate::Accept, base.chain, None, None, true);
            }
        }
        let mut next: Vec<Class> = Vec::new();
        for e in std::mem::take(&mut ev.emissions) {
            if e.translated {
                translated.push(Class {
                    addrs: e.addrs,
                    state: e.state,
                    assumed: e.assumed,
                    accepted_by: Some(e.decider),
                });
            } else if e.outcome == Fate::Accept {
                let accepted_by = match (&e.accepted_by, e.weak) {
                    (Some(prev), true) => Some(prev.clone()),
                    _ => Some(e.decider.clone()),
                };
                next.push(Class { addrs: e.addrs, state: e.state, assumed: e.assumed, accepted_by });
            } else {
                finals.push(e);
            }
        }
        live = merge(next);
    }
    if packet.chains == Chains::Nat {
        live = split_translations(live, translated, &mut finals, packet.kind);
    }
    let judged = conclude(addrs, live, finals, packet.kind);
    (judged, ev.trace.unwrap_or_default())
}

/// In a nat judgement every path accepts, but not alike: addresses that one path translates and
/// another does not (or translates by another rule) depend on an undecidable match. They leave the
/// accepted classes and become unknown, attributed to that match.
fn split_translations(
    untranslated: Vec<Class>,
    translated: Vec<Class>,
    finals: &mut Vec<Emission>,
    kind: PacketKind,
) -> Vec<Class> {
    let key = |c: &Class, t: bool| if t { c.accepted_by.as_ref().and_then(|d| d.chain.zip(d.rule)) } else { None };
    let classes: Vec<(Option<(ChainId, usize)>, Class)> = untranslated
        .into_iter()
        .map(|c| (key(&c, false), c))
        .chain(translated.into_iter().map(|c| (key(&c, true), c)))
        .collect();
    let mut conflict = Spans::new();
    for (i, (ka, a)) in classes.iter().enumerate() {
        for (kb, b) in &classes[i + 1..] {
            if ka != kb {
                conflict = conflict.union(&a.addrs.intersect(&b.addrs));
            }
        }
    }
    if conflict.is_empty() {
        return classes.into_iter().map(|(_, c)| c).collect();
    }
    let mut out = Vec::new();
    for (_, mut c) in classes {
        let lost = c.addrs.intersect(&conflict);
        if !lost.is_empty() {
            let reason = c.assumed.as_ref().map_or(Undecidable::PathsDisagree { nat: true }, |u| {
                Undecidable::Translation(Box::new(u.reason.clone()))
            });
            finals.push(Emission {
                addrs: lost,
                outcome: Fate::Unknown,
                decider: Decider {
                    layer: None,
                    chain: c.assumed.as_ref().map(|u| u.chain),
                    rule: c.assumed.as_ref().map(|u| u.rule),
                    outcome: Fate::Unknown,
                    packet: kind,
                    reason: Some(reason),
                },
                assumed: None,
                state: c.state,
                accepted_by: None,
                weak: false,
                translated: false,
                seq: u64::MAX,
            });
            c.addrs = c.addrs.difference(&conflict);
        }
        out.push(c);
    }
    out
}

/// The addresses among `addrs` for which every match of `rule` certainly holds (marks as on a
/// fresh packet). For the shadowing analysis: what a rule was written to catch.
pub fn rule_catches(rule: &crate::firewall::model::Rule, packet: &Packet, addrs: &Spans) -> Spans {
    let ev = Evaluator::new(&EMPTY, packet);
    let class = Class {
        addrs: addrs.clone(),
        state: State { mark: Bits::ZERO, ctmark: Bits::ZERO },
        assumed: None,
        accepted_by: None,
    };
    ev.test(&rule.matches, &class).0
}

static EMPTY: Ruleset = Ruleset { chains: ChainList::new(), bases: Vec::new() };

fn policy_outcome(v: Verdict) -> Fate {
    match v {
        Verdict::Accept => Fate::Accept,
        v => Fate::Deny(v),
    }
}

/// Turns the possible outcomes of every path into a partition of `addrs`.
fn conclude(addrs: &Spans, accepted: Vec<Class>, finals: Vec<Emission>, kind: PacketKind) -> Judged {
    let mut acc = Vec::new();
    for c in &accepted {
        acc.extend_from_slice(c.addrs.intervals());
    }
    let acc = Spans::from_intervals(acc);
    let mut den = Vec::new();
    let mut unk = Vec::new();
    for e in &finals {
        match e.outcome {
            Fate::Deny(_) => den.extend_from_slice(e.addrs.intervals()),
            _ => unk.extend_from_slice(e.addrs.intervals()),
        }
    }
    let den = Spans::from_intervals(den);
    let unk = Spans::from_intervals(unk);
    let admitted = acc.difference(&den).difference(&unk);
    let denied = den.difference(&acc).difference(&unk);
    let unknown = addrs.difference(&admitted).difference(&denied);

    let accepted_assumed: Vec<(Spans, Arc<Uncertainty>)> =
        accepted.iter().filter_map(|c| c.assumed.clone().map(|u| (c.addrs.clone(), u))).collect();
    let mut out = Judged::default();
    let mut taken = Spans::new();
    for c in accepted {
        let part = c.addrs.intersect(&admitted).difference(&taken);
        if !part.is_empty() {
            taken = taken.union(&part);
            let decider = c.accepted_by.unwrap_or(Decider {
                layer: None,
                chain: None,
                rule: None,
                outcome: Fate::Accept,
                packet: kind,
                reason: None,
            });
            out.admitted.push((part, decider));
        }
    }
    let mut finals = finals;
    finals.sort_by_key(|e| e.seq);
    let mut taken = Spans::new();
    for e in finals.iter().filter(|e| matches!(e.outcome, Fate::Deny(_))) {
        let part = e.addrs.intersect(&denied).difference(&taken);
        if !part.is_empty() {
            taken = taken.union(&part);
            out.denied.push((part, e.decider.clone()));
        }
    }
    // Unknown addresses are attributed to the first rule on their path that could not be decided:
    // the rule that split the path, or an undecidable target met on an undivided path.
    let mut taken = Spans::new();
    let mut pieces: Vec<(Spans, Decider)> = Vec::new();
    let mut attribute = |addrs: &Spans, decider: Decider, taken: &mut Spans| {
        let part = addrs.intersect(&unknown).difference(taken);
        if !part.is_empty() {
            *taken = taken.union(&part);
            pieces.push((part, decider));
        }
    };
    // Addresses the evaluator stopped following (its budget, a loop) are attributed to that first:
    // an earlier undecidable rule on their path is not why they have no answer.
    let stopped =
        |e: &Emission| matches!(e.decider.reason, Some(Undecidable::Budget { .. } | Undecidable::Loop { .. }));
    for e in finals.iter().filter(|e| stopped(e)) {
        attribute(&e.addrs, e.decider.clone(), &mut taken);
    }
    for e in &finals {
        match (&e.assumed, e.outcome) {
            (Some(u), _) => attribute(&e.addrs, uncertain_decider(u, kind), &mut taken),
            (None, Fate::Unknown) => attribute(&e.addrs, e.decider.clone(), &mut taken),
            _ => {}
        }
    }
    for (addrs, u) in &accepted_assumed {
        attribute(addrs, uncertain_decider(u, kind), &mut taken);
    }
    out.unknown.extend(pieces);
    let rest = unknown.difference(&taken);
    if !rest.is_empty() {
        out.unknown.push((
            rest,
            Decider {
                layer: None,
                chain: None,
                rule: None,
                outcome: Fate::Unknown,
                packet: kind,
                reason: Some(Undecidable::PathsDisagree { nat: false }),
            },
        ));
    }
    out
}

fn uncertain_decider(u: &Uncertainty, kind: PacketKind) -> Decider {
    Decider {
        layer: None,
        chain: Some(u.chain),
        rule: Some(u.rule),
        outcome: Fate::Unknown,
        packet: kind,
        reason: Some(u.reason.clone()),
    }
}

/// What classes that [`merge`] joins share.
type Shared = (State, Option<Arc<Uncertainty>>, Option<Decider>);

/// Joins classes that share everything but their addresses, keeping the list short. The rule that
/// accepted a class in an earlier base chain is part of what it shares: joining classes accepted by
/// different rules would report one rule for both ranges.
fn merge(classes: Vec<Class>) -> Vec<Class> {
    if classes.len() < 2 {
        return classes.into_iter().filter(|c| !c.addrs.is_empty()).collect();
    }
    // Hashed, so that the many classes of a ruleset whose paths multiply join in linear time.
    let mut out: Vec<Class> = Vec::with_capacity(classes.len());
    let mut index: HashMap<Shared, usize> = HashMap::new();
    for c in classes {
        if c.addrs.is_empty() {
            continue;
        }
        match index.entry((c.state, c.assumed.clone(), c.accepted_by.clone())) {
            std::collections::hash_map::Entry::Occupied(at) => {
                let o = &mut out[*at.get()];
                o.addrs = o.addrs.union(&c.addrs);
            }
            std::collections::hash_map::Entry::Vacant(slot) => {
                slot.insert(out.len());
                out.push(c);
            }
        }
    }
    out
}

/// A match's value for the addresses of a class.
enum Value<'a> {
    True,
    False,
    Unknown(Undecidable),
    /// True exactly for the addresses in the set (or, with `true`, outside it).
    In(&'a Spans, bool),
    Owned(Spans, bool),
}

struct Evaluator<'a> {
    rs: &'a Ruleset,
    pkt: &'a Packet,
    emissions: Vec<Emission>,
    seq: u64,
    trace: Option<Trace>,
    nat_base: bool,
    no_conntrack: bool,
    /// Class tests left before the budget runs out ([`BUDGET_BASE`]).
    budget: usize,
    /// Chains being run, innermost last: entering one of them again is a loop.
    stack: Vec<ChainId>,
    /// Per chain, the classes it was entered with and those it returned, in this base chain. A
    /// chain entered again with the same classes returns the same classes and emits what it
    /// emitted the first time (already recorded), so it is not run again.
    memo: HashMap<(ChainId, Vec<Class>), Vec<Class>>,
}

impl<'a> Evaluator<'a> {
    fn new(rs: &'a Ruleset, pkt: &'a Packet) -> Evaluator<'a> {
        Evaluator {
            rs,
            pkt,
            emissions: Vec::new(),
            seq: 0,
            trace: None,
            nat_base: false,
            no_conntrack: false,
            budget: usize::MAX,
            stack: Vec::new(),
            memo: HashMap::new(),
        }
    }

    /// Emits every class as undecidable at `chain`/`rule`, for `reason`.
    fn give_up(&mut self, classes: Vec<Class>, chain: ChainId, rule: Option<usize>, reason: &Undecidable) {
        for c in classes {
            self.emit(c, Fate::Unknown, chain, rule, Some(reason.clone()), false);
        }
    }

    fn emit(
        &mut self,
        c: Class,
        outcome: Fate,
        chain: ChainId,
        rule: Option<usize>,
        reason: Option<Undecidable>,
        weak: bool,
    ) {
        if c.addrs.is_empty() {
            return;
        }
        self.seq += 1;
        self.emissions.push(Emission {
            addrs: c.addrs,
            outcome,
            decider: Decider { layer: None, chain: Some(chain), rule, outcome, packet: self.pkt.kind, reason },
            assumed: c.assumed,
            state: c.state,
            accepted_by: c.accepted_by,
            weak,
            translated: false,
            seq: self.seq,
        });
    }

    /// Runs `input` through a chain; returns the classes that come back to the caller (RETURN or
    /// the chain's end).
    fn chain(&mut self, id: ChainId, input: Vec<Class>, depth: usize) -> Vec<Class> {
        let input = merge(input);
        if input.is_empty() {
            return Vec::new();
        }
        if self.stack.contains(&id) {
            let reason = Undecidable::Loop { chain: self.rs.chains[id].name.as_str().into() };
            self.give_up(input, id, None, &reason);
            return Vec::new();
        }
        if depth > MAX_DEPTH {
            self.give_up(input, id, None, &Undecidable::Limitation("chains nest deeper than 128"));
            return Vec::new();
        }
        let key = (id, input);
        if let Some(returned) = self.memo.get(&key) {
            return returned.clone();
        }
        self.stack.push(id);
        let returned = self.run_chain(id, key.1.clone(), depth);
        self.stack.pop();
        if self.memo.len() < MEMO_LIMIT {
            self.memo.insert(key, returned.clone());
        }
        returned
    }

    /// [`Evaluator::chain`] without the memo and loop checks.
    fn run_chain(&mut self, id: ChainId, input: Vec<Class>, depth: usize) -> Vec<Class> {
        let rs = self.rs;
        let chain = &rs.chains[id];
        let mut live = input;
        if let Some(trace) = &mut self.trace {
            let entry = trace.chains.entry(id).or_default();
            for c in &live {
                *entry = entry.union(&c.addrs);
            }
        }
        let mut returned: Vec<Class> = Vec::new();
        for (ri, rule) in chain.rules.iter().enumerate() {
            if live.is_empty() {
                break;
            }
            if rule.action == Action::Continue && rule.effects.is_empty() {
                // LOG, counters: matched or not, the packet goes on unchanged.
                continue;
            }
            if self.budget < live.len() {
                let reason = Undecidable::Budget { steps: BUDGET_BASE + BUDGET_PER_RULE * rs.rule_count() };
                self.give_up(live, id, Some(ri), &reason);
                return returned;
            }
            self.budget -= live.len();
            self.seq += 1;
            if let (Some(trace), Action::Verdict(Verdict::Accept)) = (&mut self.trace, &rule.action) {
                let entry = trace.rules.entry((id, ri)).or_default();
                for c in &live {
                    *entry = entry.union(&c.addrs);
                }
            }
            // Most rules match none of the live addresses: find that out without allocating.
            let mut hits: Vec<(usize, Spans, Spans, Option<Undecidable>)> = Vec::new();
            for (ci, class) in live.iter().enumerate() {
                let (t, u, why) = self.test(&rule.matches, class);
                if !(t.is_empty() && u.is_empty()) {
                    hits.push((ci, t, u, why));
                }
            }
            if hits.is_empty() {
                continue;
            }
            let mut next: Vec<Class> = Vec::with_capacity(live.len() + 2);
            let mut hits = hits.into_iter().peekable();
            for (ci, class) in live.into_iter().enumerate() {
                let Some((t, u, why)) = hits.next_if(|h| h.0 == ci).map(|h| (h.1, h.2, h.3)) else {
                    next.push(class);
                    continue;
                };
                let rest = class.addrs.difference(&t).difference(&u);
                let mut matched = Vec::with_capacity(2);
                if !t.is_empty() {
                    matched.push(Class { addrs: t, ..class.clone() });
                }
                if !u.is_empty() {
                    let assumed = class.assumed.clone().or_else(|| {
                        Some(Arc::new(Uncertainty {
                            chain: id,
                            rule: ri,
                            reason: why.clone().unwrap_or(Undecidable::Limitation("undecidable match")),
                        }))
                    });
                    let uc = Class { addrs: u, assumed, ..class.clone() };
                    if rule.action != Action::Continue || !rule.effects.is_empty() {
                        next.push(uc.clone());
                    }
                    matched.push(uc);
                }
                if !rest.is_empty() {
                    next.push(Class { addrs: rest, ..class });
                }
                for m in &mut matched {
                    for e in &rule.effects {
                        apply(&mut m.state, e);
                    }
                }
                match &rule.action {
                    Action::Continue => next.extend(matched),
                    Action::Verdict(v) => {
                        for m in matched {
                            self.emit(m, policy_outcome(*v), id, Some(ri), None, self.nat_base);
                        }
                    }
                    Action::Return => returned.extend(matched),
                    Action::Jump(target) => {
                        let back = self.chain(rs.chains.target(id, *target), matched, depth + 1);
                        next.extend(back);
                    }
                    Action::Goto(target) => {
                        let back = self.chain(rs.chains.target(id, *target), matched, depth + 1);
                        returned.extend(back);
                    }
                    Action::Dnat(_) | Action::Snat(_) if self.pkt.chains == Chains::Nat => {
                        for m in matched.into_iter().filter(|m| !m.addrs.is_empty()) {
                            self.emit(m, Fate::Accept, id, Some(ri), None, false);
                            if let Some(e) = self.emissions.last_mut() {
                                e.translated = true;
                            }
                        }
                    }
                    Action::Dnat(_) => {
                        let why = Undecidable::Limitation(
                            "destination NAT on this path: the evaluator does not follow the translated address",
                        );
                        for m in matched {
                            self.emit(m, Fate::Unknown, id, Some(ri), Some(why.clone()), false);
                        }
                    }
                    Action::Snat(_) => {
                        for m in matched {
                            self.emit(m, Fate::Accept, id, Some(ri), None, true);
                        }
                    }
                    Action::Unknown(why) => {
                        for m in matched {
                            self.emit(m, Fate::Unknown, id, Some(ri), Some(why.clone()), false);
                        }
                    }
                }
            }
            live = merge(next);
        }
        returned.extend(live);
        returned
    }

    /// Splits a class by a rule's matches: (matched, undecidable, why undecidable).
    fn test(&self, matches: &[Match], class: &Class) -> (Spans, Spans, Option<Undecidable>) {
        // Conditions on fixed fields first: most rules fail there, before any set operation.
        let mut unknown: Option<Undecidable> = None;
        let mut has_sets = false;
        for m in matches {
            match self.value(m, &class.state) {
                Value::True => {}
                Value::False => return (Spans::new(), Spans::new(), None),
                Value::Unknown(why) => {
                    unknown.get_or_insert(why);
                }
                Value::In(..) | Value::Owned(..) => has_sets = true,
            }
        }
        let mut t = class.addrs.clone();
        if has_sets {
            for m in matches {
                t = match self.value(m, &class.state) {
                    Value::In(set, false) => t.intersect(set),
                    Value::In(set, true) => t.difference(set),
                    Value::Owned(set, false) => t.intersect(&set),
                    Value::Owned(set, true) => t.difference(&set),
                    _ => continue,
                };
                if t.is_empty() {
                    return (Spans::new(), Spans::new(), None);
                }
            }
        }
        match unknown {
            None => (t, Spans::new(), None),
            Some(why) => (Spans::new(), t, Some(why)),
        }
    }

    fn value<'m>(&self, m: &'m Match, state: &State) -> Value<'m> {
        let p = self.pkt;
        let bool_value = |b: bool| if b { Value::True } else { Value::False };
        match m {
            Match::Addr { side, family, set, negated } => {
                if *family != p.family {
                    return Value::False;
                }
                if *side == p.pool_side {
                    return Value::In(set, *negated);
                }
                match p.peer {
                    Some(ip) => bool_value(set.contains(number(ip)) != *negated),
                    None => Value::Unknown(Undecidable::ApiAddress(*side)),
                }
            }
            Match::AddrPort(ap) => {
                if ap.family != p.family {
                    return Value::False;
                }
                let Some(port) = p.port(ap.port_side) else {
                    return Value::Unknown(Undecidable::Limitation(
                        "the set pairs addresses with ports, and this port is not known",
                    ));
                };
                let mut v = Vec::new();
                for (s, proto, lo, hi) in &ap.pairs {
                    if *proto == p.proto && (*lo..=*hi).contains(&port) {
                        v.extend_from_slice(s.intervals());
                    }
                }
                let set = Spans::from_intervals(v);
                if ap.addr_side == p.pool_side {
                    Value::Owned(set, ap.negated)
                } else {
                    match p.peer {
                        Some(ip) => bool_value(set.contains(number(ip)) != ap.negated),
                        None => Value::Unknown(Undecidable::ApiAddress(ap.addr_side)),
                    }
                }
            }
            Match::Family(f) => bool_value(*f == p.family),
            Match::Proto { protos, negated } => bool_value(protos.contains(p.proto) != *negated),
            Match::Port { side, ranges, negated } => {
                let ranges = ranges.ranges();
                let has = |port: u16| ranges.iter().any(|(lo, hi)| (*lo..=*hi).contains(&port));
                let one = |port: Option<u16>| match port {
                    Some(port) => Some(has(port)),
                    None => ephemeral_match(ranges),
                };
                let value = match side {
                    PortSide::Src => one(p.sport),
                    PortSide::Dst => one(p.dport),
                    PortSide::Either => match (one(p.sport), one(p.dport)) {
                        (Some(true), _) | (_, Some(true)) => Some(true),
                        (Some(false), Some(false)) => Some(false),
                        _ => None,
                    },
                };
                match value {
                    Some(b) => bool_value(b != *negated),
                    None => Value::Unknown(Undecidable::Limitation(
                        "the client's port is ephemeral (1024-65535) and the rule covers only part of that range",
                    )),
                }
            }
            Match::Iface { dir, names, negated } => {
                let iface = match dir {
                    Direction::In => &p.iif,
                    Direction::Out => &p.oif,
                };
                match iface {
                    Iface::Absent => bool_value(*negated),
                    Iface::Named(n) => bool_value(names.iter().any(|pat| pat.matches(n)) != *negated),
                    Iface::Remote => {
                        if names.iter().all(|pat| !pat.prefix && pat.name == "lo") {
                            bool_value(*negated)
                        } else if names.iter().any(|pat| pat.prefix && pat.name.is_empty()) {
                            bool_value(!*negated)
                        } else {
                            Value::Unknown(Undecidable::Interface(*dir))
                        }
                    }
                }
            }
            Match::CtState { mask, negated } if self.no_conntrack => bool_value((ct::INVALID & mask != 0) != *negated),
            Match::CtStatus { .. } | Match::CtOriginal { .. } if self.no_conntrack => {
                Value::Unknown(Undecidable::Limitation("a conntrack match before connection tracking runs (raw table)"))
            }
            Match::Mark { target: MarkTarget::Conn, .. } if self.no_conntrack => {
                Value::Unknown(Undecidable::Limitation("a connection mark before connection tracking runs (raw table)"))
            }
            Match::CtState { mask, negated } => bool_value((p.ct_state & mask != 0) != *negated),
            Match::CtStatus { mask, negated } => {
                let (value, known) = p.ct_status;
                let status_bits = ct::status::EXPECTED
                    | ct::status::SEEN_REPLY
                    | ct::status::ASSURED
                    | ct::status::CONFIRMED
                    | ct::status::SNAT
                    | ct::status::DNAT;
                let decided = if *mask == 0 {
                    if value & known & status_bits != 0 {
                        Some(false)
                    } else if known & status_bits == status_bits {
                        Some(true)
                    } else {
                        None
                    }
                } else if value & known & mask != 0 {
                    Some(true)
                } else if known & mask == *mask {
                    Some(false)
                } else {
                    None
                };
                match decided {
                    Some(b) => bool_value(b != *negated),
                    None => {
                        Value::Unknown(Undecidable::Limitation("conntrack status bits that vary along the connection"))
                    }
                }
            }
            Match::CtOriginal { original } => bool_value(*original == p.original),
            Match::TcpFlags { mask, comp, any, negated } => {
                if p.proto != PROTO_TCP {
                    return Value::False;
                }
                let test = |f: u8| (if *any { f & mask != 0 } else { f & mask == *comp }) != *negated;
                let hits = p.flags.iter().filter(|f| test(**f)).count();
                if hits == p.flags.len() {
                    Value::True
                } else if hits == 0 {
                    Value::False
                } else {
                    Value::Unknown(Undecidable::Unsupported(
                        format!("TCP flags differ between the {} packets of the connection", p.kind.name()).into(),
                    ))
                }
            }
            Match::Mark { target, value, mask, negated } => {
                let bits = match target {
                    MarkTarget::Packet => state.mark,
                    MarkTarget::Conn => state.ctmark,
                };
                if mask & !bits.known != 0 {
                    Value::Unknown(Undecidable::Limitation("a mark an earlier rule may have set"))
                } else {
                    bool_value(((bits.value & mask) == *value) != *negated)
                }
            }
            Match::AddrType { side, types, negated } => {
                let kind = if *side == p.pool_side {
                    // The pool is remote unicast: never this host's address, never a broadcast.
                    Some(addrtype::UNICAST)
                } else {
                    p.peer_local.map(|local| if local { addrtype::LOCAL } else { addrtype::UNICAST })
                };
                match kind {
                    Some(k) => bool_value((types & k != 0) != *negated),
                    None => Value::Unknown(Undecidable::Limitation("whether the address is local to this host")),
                }
            }
            Match::ReversePath { negated, .. } => match (&p.iif, p.pool_side) {
                // The interface the pool's traffic arrives on is the one its route back leaves by:
                // that is what naming it (`--interface`) says about the path.
                (Iface::Named(_), Side::Src) => bool_value(!*negated),
                // Locally generated packets (answers) are not checked.
                (Iface::Absent, _) => bool_value(!*negated),
                _ => Value::Unknown(Undecidable::ReversePath),
            },
            Match::Fragment { negated } => bool_value(*negated),
            Match::Unknown(why) => Value::Unknown(why.clone()),
        }
    }
}

/// The security center's client ports: the ephemeral range (Linux uses 32768-60999, other systems
/// 49152-65535 or 1024-65535; every one of them lies in this).
pub const EPHEMERAL: (u16, u16) = (1024, u16::MAX);

/// Whether port ranges hold for an ephemeral port: always (they cover all of [`EPHEMERAL`]), never
/// (they cover none of it), or it depends (`None`).
fn ephemeral_match(ranges: &[(u16, u16)]) -> Option<bool> {
    let (lo, hi) = EPHEMERAL;
    let mut covered: Vec<(u16, u16)> =
        ranges.iter().filter(|(a, b)| *b >= lo && *a <= hi).map(|(a, b)| ((*a).max(lo), (*b).min(hi))).collect();
    if covered.is_empty() {
        return Some(false);
    }
    covered.sort_unstable();
    let mut next = u32::from(lo);
    for (a, b) in covered {
        if u32::from(a) > next {
            return None;
        }
        next = next.max(u32::from(b) + 1);
    }
    if next > u32::from(hi) { Some(true) } else { None }
}

fn apply(state: &mut State, effect: &Effect) {
    let (this, other) = match effect.target {
        MarkTarget::Packet => (state.mark, state.ctmark),
        MarkTarget::Conn => (state.ctmark, state.mark),
    };
    let new = match effect.op {
        MarkOp::Xmark { value, mask } => Bits {
            value: (this.value & !mask) ^ value,
            // Cleared bits become known; xor keeps known bits known.
            known: this.known | mask,
        },
        MarkOp::CopyFromOther { mask } => Bits {
            value: (this.value & !mask) | (other.value & mask),
            known: (this.known & !mask) | (other.known & mask),
        },
        MarkOp::Unknown { mask } => Bits { value: this.value & !mask, known: this.known & !mask },
    };
    match effect.target {
        MarkTarget::Packet => state.mark = new,
        MarkTarget::Conn => state.ctmark = new,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::firewall::model::{Base, Chain, Families, IfName, Origin, Policy, Rule};

    fn net(s: &str) -> Spans {
        Spans::net(&s.parse().expect("cidr"))
    }

    fn src(s: &str) -> Match {
        Match::Addr { side: Side::Src, family: Family::V4, set: net(s), negated: false }
    }

    fn rule(matches: Vec<Match>, action: Action) -> Rule {
        Rule { matches, effects: vec![], action, origin: Origin::default() }
    }

    fn ruleset(input: Vec<Rule>, policy: Verdict, others: Vec<Vec<Rule>>) -> Ruleset {
        let mut rs = Ruleset::default();
        let mut c = Chain::new("INPUT", "filter");
        c.rules = input;
        c.policy = Some(Box::new(Policy { verdict: policy, origin: Origin::default() }));
        let id = rs.add_chain(c);
        for (i, rules) in others.into_iter().enumerate() {
            let mut c = Chain::new(format!("C{}", i + 1), "filter");
            c.rules = rules;
            rs.add_chain(c);
        }
        rs.bases.push(Base { chain: id, hook: Hook::Input, priority: 0, families: Families::BOTH, nat: false });
        rs
    }

    fn syn() -> Packet {
        Packet::to_local_port(Family::V4, 6443, None, None).remove(0)
    }

    #[test]
    fn first_match_with_user_chain_return_and_policy() {
        // INPUT: jump C1; policy DROP. C1: drop .64/26, accept /24 except via RETURN for others.
        let rs = ruleset(
            vec![rule(vec![], Action::Jump(1))],
            Verdict::Drop,
            vec![vec![
                rule(vec![src("198.51.100.64/26")], Action::Verdict(Verdict::Drop)),
                rule(vec![src("198.51.100.0/24")], Action::Verdict(Verdict::Accept)),
                rule(vec![], Action::Return),
            ]],
        );
        let j = judge(&rs, &syn(), &net("198.51.100.0/23"));
        assert_eq!(j.admitted_set().describe(Family::V4), "198.51.100.0/26, 198.51.100.128/25");
        assert_eq!(j.denied_set().describe(Family::V4), "198.51.100.64/26, 198.51.101.0/24");
        let policy = j.denied.iter().find(|(_, d)| d.rule.is_none()).expect("policy decides the /24 after RETURN");
        assert_eq!(policy.0.describe(Family::V4), "198.51.101.0/24");
    }

    #[test]
    fn unknown_interface_splits_paths_and_agreeing_paths_decide() {
        let iface = |name: &str| Match::Iface { dir: Direction::In, names: vec![IfName::parse(name)], negated: false };
        // Accepted on eth0, and accepted anyway afterwards: admitted whatever the interface.
        let rs = ruleset(
            vec![
                rule(vec![iface("eth0")], Action::Verdict(Verdict::Accept)),
                rule(vec![], Action::Verdict(Verdict::Accept)),
            ],
            Verdict::Drop,
            vec![],
        );
        let j = judge(&rs, &syn(), &net("192.0.2.0/24"));
        assert!(j.unknown_set().is_empty() && j.denied_set().is_empty(), "{j:?}");
        // Accepted on eth0 only: unknown, attributed to the -i rule.
        let rs = ruleset(vec![rule(vec![iface("eth0")], Action::Verdict(Verdict::Accept))], Verdict::Drop, vec![]);
        let j = judge(&rs, &syn(), &net("192.0.2.0/24"));
        assert_eq!(j.unknown.len(), 1);
        assert_eq!(j.unknown[0].1.rule, Some(0));
        assert_eq!(j.unknown[0].1.reason, Some(Undecidable::Interface(Direction::In)));
        // Loopback never carries the pool.
        let rs = ruleset(vec![rule(vec![iface("lo")], Action::Verdict(Verdict::Accept))], Verdict::Drop, vec![]);
        assert!(judge(&rs, &syn(), &net("192.0.2.0/24")).unknown_set().is_empty());
        // A known interface decides.
        let p = Packet::to_local_port(Family::V4, 6443, None, Some("eth0")).remove(0);
        let rs = ruleset(vec![rule(vec![iface("eth+")], Action::Verdict(Verdict::Accept))], Verdict::Drop, vec![]);
        assert_eq!(judge(&rs, &p, &net("192.0.2.0/24")).admitted_set(), net("192.0.2.0/24"));
    }

    #[test]
    fn goto_returns_to_the_caller_of_the_calling_chain() {
        // INPUT: jump C1; accept. C1: goto C2; drop. C2: return.
        // The return of C2 resumes INPUT after the jump (not C1 after the goto): accepted.
        let rs = ruleset(
            vec![rule(vec![], Action::Jump(1)), rule(vec![], Action::Verdict(Verdict::Accept))],
            Verdict::Drop,
            vec![
                vec![rule(vec![], Action::Goto(2)), rule(vec![], Action::Verdict(Verdict::Drop))],
                vec![rule(vec![], Action::Return)],
            ],
        );
        let j = judge(&rs, &syn(), &net("203.0.113.0/24"));
        assert_eq!(j.admitted_set(), net("203.0.113.0/24"));
        assert_eq!(j.admitted[0].1.rule, Some(1));
    }

    #[test]
    fn marks_are_followed_along_the_path() {
        let set_mark = Rule {
            matches: vec![src("192.0.2.0/25")],
            effects: vec![Effect { target: MarkTarget::Packet, op: MarkOp::Xmark { value: 0x8000, mask: 0x8000 } }],
            action: Action::Continue,
            origin: Origin::default(),
        };
        let drop_marked = rule(
            vec![Match::Mark { target: MarkTarget::Packet, value: 0x8000, mask: 0x8000, negated: false }],
            Action::Verdict(Verdict::Drop),
        );
        let rs = ruleset(vec![set_mark, drop_marked], Verdict::Accept, vec![]);
        let j = judge(&rs, &syn(), &net("192.0.2.0/24"));
        assert_eq!(j.denied_set(), net("192.0.2.0/25"));
        assert_eq!(j.admitted_set(), net("192.0.2.128/25"));
    }

    #[test]
    fn every_base_chain_must_accept() {
        let mut rs = ruleset(vec![rule(vec![], Action::Verdict(Verdict::Accept))], Verdict::Drop, vec![]);
        let mut second = Chain::new("input", "ip extra");
        second.rules = vec![rule(vec![src("192.0.2.10/32")], Action::Verdict(Verdict::Drop))];
        second.policy = Some(Box::new(Policy { verdict: Verdict::Accept, origin: Origin::default() }));
        let id = rs.add_chain(second);
        rs.bases.push(Base { chain: id, hook: Hook::Input, priority: 10, families: Families::BOTH, nat: false });
        let j = judge(&rs, &syn(), &net("192.0.2.0/28"));
        assert_eq!(j.denied_set(), net("192.0.2.10/32"));
        assert_eq!(j.denied[0].1.chain, Some(id));
        // The accepting rule of the first table is the one reported for the rest (the second
        // table's policy of a non-empty chain is reported, being the later base chain).
        assert_eq!(j.admitted_set().count(), 15);
    }

    #[test]
    fn forwarded_flows_are_judged_on_the_forward_hook_with_dnat_state() {
        // The forwarder of oracle-forward.sh: FORWARD policy DROP, related/established accepted,
        // the translated flow to 192.0.2.50:6443 accepted when its conntrack status is DNAT.
        let text = "*filter\n:INPUT DROP [0:0]\n:FORWARD DROP [0:0]\n:OUTPUT ACCEPT [0:0]\n\
-A FORWARD -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT\n\
-A FORWARD -d 192.0.2.50/32 -p tcp -m tcp --dport 6443 -m conntrack --ctstate DNAT -j ACCEPT\nCOMMIT\n";
        let layer =
            crate::firewall::iptables::parse(text, "fwd", &crate::firewall::ipset::IpsetDb::default()).expect("parses");
        let target = "192.0.2.50".parse().ok();
        let pool = net("203.0.113.0/24");
        let judged =
            |packets: Vec<Packet>| Judged::series(packets.iter().map(|p| judge(&layer.ruleset, p, &pool)).collect());
        let flow = |port| Flow { listen_port: 16443, port, arrival: &[], in_iface: None, out_iface: None };
        assert_eq!(judged(Packet::forwarded(&flow(6443), Family::V4, target)).admitted_set(), pool);
        // INPUT (policy DROP) does not see forwarded traffic; a wrong port does not pass FORWARD.
        assert_eq!(judged(Packet::forwarded(&flow(8443), Family::V4, target)).denied_set(), pool);
        assert_eq!(judged(Packet::to_local_port(Family::V4, 6443, target, None)).denied_set(), pool);
    }

    #[test]
    fn each_range_is_attributed_to_the_rule_that_accepted_it() {
        // Issue 12: rule 3 accepts one /32, rule 4 a /26; the /26 was reported as admitted by rule 3
        // because classes that different rules had accepted were merged, keeping the first rule.
        let text = "*filter\n:INPUT DROP [0:0]\n:FORWARD ACCEPT [0:0]\n:OUTPUT ACCEPT [0:0]\n\
-A INPUT -i lo -j ACCEPT\n-A INPUT -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT\n\
-A INPUT -s 198.51.100.214/32 -p tcp -m tcp --dport 6443 -j ACCEPT\n\
-A INPUT -s 203.0.113.64/26 -p tcp -m tcp --dport 6443 -j ACCEPT\nCOMMIT\n";
        let layer =
            crate::firewall::iptables::parse(text, "r", &crate::firewall::ipset::IpsetDb::default()).expect("parses");
        let pool = net("198.51.100.214/32").union(&net("203.0.113.64/26"));
        let j = judge(&layer.ruleset, &syn(), &pool);
        let mut by: Vec<(String, Option<usize>)> =
            j.admitted.iter().map(|(s, d)| (s.describe(Family::V4), d.rule.map(|r| r + 1))).collect();
        by.sort();
        assert_eq!(by, [("198.51.100.214/32".to_string(), Some(3)), ("203.0.113.64/26".to_string(), Some(4))]);
    }

    #[test]
    fn established_packets_must_pass_too() {
        let new_only = Match::CtState { mask: ct::NEW, negated: false };
        let rs = ruleset(vec![rule(vec![new_only], Action::Verdict(Verdict::Accept))], Verdict::Drop, vec![]);
        let packets = Packet::to_local_port(Family::V4, 6443, None, None);
        let stages: Vec<Judged> = packets.iter().map(|p| judge(&rs, p, &net("192.0.2.0/24"))).collect();
        assert_eq!(stages[0].admitted_set(), net("192.0.2.0/24"));
        let all = Judged::series(stages);
        assert_eq!(all.denied_set(), net("192.0.2.0/24"));
        assert_eq!(all.denied[0].1.packet, PacketKind::Established);
    }
}
