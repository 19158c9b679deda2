//! The one rule model every layer is translated into, and the evaluator runs.
//!
//! iptables, nftables, firewalld, security groups and CIDR lists differ in syntax but not in kind:
//! packets walk base chains attached to hooks, rules test fields and either decide (accept, drop,
//! reject), move to another chain (jump, goto, return) or change the packet (marks) and go on.
//! Each parser builds a [`Ruleset`] of that shape, keeping for every rule where it came from
//! ([`Origin`]) so that verdicts can name the rule in the user's own terms.

use std::fmt;
use std::sync::Arc;

use crate::error::InputError;
use crate::firewall::ranges::{Family, Spans};

/// Where in the kernel's path a base chain runs. `Ingress` stands for filters in front of the host
/// (a security group, a load balancer's ACL): they see packets arriving from the network.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Hook {
    Ingress,
    Prerouting,
    Input,
    Forward,
    Output,
    Postrouting,
}

impl Hook {
    pub fn name(self) -> &'static str {
        match self {
            Hook::Ingress => "ingress",
            Hook::Prerouting => "prerouting",
            Hook::Input => "input",
            Hook::Forward => "forward",
            Hook::Output => "output",
            Hook::Postrouting => "postrouting",
        }
    }
}

/// Which address families a base chain (or a layer) sees.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Families {
    pub v4: bool,
    pub v6: bool,
}

impl Families {
    pub const BOTH: Families = Families { v4: true, v6: true };

    pub fn only(family: Family) -> Families {
        Families { v4: family == Family::V4, v6: family == Family::V6 }
    }

    pub fn has(self, family: Family) -> bool {
        match family {
            Family::V4 => self.v4,
            Family::V6 => self.v6,
        }
    }
}

pub type ChainId = usize;

/// A layer's rules: chains, and which of them the kernel calls on which hook.
#[derive(Debug, Clone, Default)]
pub struct Ruleset {
    pub chains: ChainList,
    pub bases: Vec<Base>,
}

impl Ruleset {
    pub fn add_chain(&mut self, chain: Chain) -> ChainId {
        self.chains.push(chain)
    }

    /// Rules as the user counts them (an nft verdict map expanded into several model rules counts once).
    pub fn rule_count(&self) -> usize {
        let mut n = 0;
        for (range, source) in self.chains.spans() {
            let own = &self.chains.own[range];
            match source {
                None => n += own.iter().flatten().map(|c| c.source_rules()).sum::<usize>(),
                Some(s) => {
                    n += s.rule_total();
                    for (id, c) in own.iter().enumerate() {
                        if let Some(c) = c {
                            n = n + c.source_rules() - s.rule_count(id);
                        }
                    }
                }
            }
        }
        n
    }

    /// Whether any rule may change the connection mark (then established packets' marks are unknown).
    pub fn sets_connmark(&self) -> bool {
        let sets = |c: &Chain| c.rules.iter().flat_map(|r| &r.effects).any(|e| e.target == MarkTarget::Conn);
        self.chains.own.iter().flatten().any(|c| sets(c))
            || self.chains.spans().any(|(range, source)| {
                source.is_some_and(|s| {
                    s.connmark_candidates()
                        .iter()
                        .any(|id| self.chains.own[range.start + id].is_none() && sets(s.chain(*id)))
                })
            })
    }

    /// The first error (by line) met reading a chain on demand; see [`ChainSource::error`].
    pub fn read_error(&self) -> Option<InputError> {
        self.chains.groups.iter().filter_map(|g| g.source.as_ref()?.error()).min_by_key(|e| e.line)
    }
}

/// Where the chains of a large dump come from: read one at a time, the first time something looks
/// at it. A kube-proxy node has 100,000 rules in `nat`, and the judgement of its API server port
/// needs the few chains its packets reach; the others are counted, never parsed.
pub trait ChainSource: fmt::Debug + Send + Sync {
    /// The chain, read on first use. A chain that cannot be read stands for one undecidable rule
    /// (so nothing it decides is admitted), and [`ChainSource::error`] says why.
    fn chain(&self, id: ChainId) -> &Chain;
    fn name(&self, id: ChainId) -> &str;
    fn table(&self, id: ChainId) -> &str;
    /// Its rules as the user counts them, without reading them.
    fn rule_count(&self, id: ChainId) -> usize;
    /// The rules of every chain, counted so.
    fn rule_total(&self) -> usize;
    /// The chains with a rule that may change the connection mark: no other chain can.
    fn connmark_candidates(&self) -> &[ChainId];
    /// The first error (by line) met reading a chain, for the run to stop on as it would have had
    /// the whole dump been read at once.
    fn error(&self) -> Option<InputError>;
}

/// The chains of a ruleset, by [`ChainId`]: built by the reader (small formats), or read on demand
/// from a [`ChainSource`] (an `iptables-save` dump). A chain changed here (a fix being tried) is
/// kept here, and clones share everything else: cloning a layer costs a pointer per chain.
///
/// It indexes like the `Vec<Chain>` it stands for. The list is made of groups of consecutive
/// chains, one per layer when [`ChainList::append`] joins layers (the nat judgement does); a jump
/// target is a chain of the jumping chain's group, counted from the group's start
/// ([`ChainList::target`]).
#[derive(Debug, Clone, Default)]
pub struct ChainList {
    /// A chain built or changed here; `None` where the group's source gives it.
    own: Vec<Option<Arc<Chain>>>,
    /// By start; none stands for one group of built chains.
    groups: Vec<Group>,
}

#[derive(Debug, Clone)]
struct Group {
    start: ChainId,
    source: Option<Arc<dyn ChainSource>>,
}

impl ChainList {
    pub const fn new() -> ChainList {
        ChainList { own: Vec::new(), groups: Vec::new() }
    }

    /// `len` chains, each read from `source` when first used.
    pub fn from_source(source: Arc<dyn ChainSource>, len: usize) -> ChainList {
        ChainList { own: vec![None; len], groups: vec![Group { start: 0, source: Some(source) }] }
    }

    pub fn len(&self) -> usize {
        self.own.len()
    }

    pub fn is_empty(&self) -> bool {
        self.own.is_empty()
    }

    /// Adds a chain at the end; its jump targets count within the last group.
    pub fn push(&mut self, chain: Chain) -> ChainId {
        self.own.push(Some(Arc::new(chain)));
        self.own.len() - 1
    }

    /// Adds `other`'s chains at the end, as a group of their own (their jumps stay among them).
    pub fn append(&mut self, other: &ChainList) {
        if self.groups.is_empty() && !self.own.is_empty() {
            self.groups.push(Group { start: 0, source: None });
        }
        let offset = self.own.len();
        if other.groups.is_empty() {
            self.groups.push(Group { start: offset, source: None });
        }
        self.groups.extend(other.groups.iter().map(|g| Group { start: offset + g.start, source: g.source.clone() }));
        self.own.extend(other.own.iter().cloned());
    }

    /// The group of chain `id`: its start and source.
    fn group(&self, id: ChainId) -> (ChainId, Option<&Arc<dyn ChainSource>>) {
        match self.groups.partition_point(|g| g.start <= id).checked_sub(1) {
            Some(i) => (self.groups[i].start, self.groups[i].source.as_ref()),
            None => (0, None),
        }
    }

    /// The chain that a jump to `target` in chain `from` goes to.
    pub fn target(&self, from: ChainId, target: ChainId) -> ChainId {
        self.group(from).0 + target
    }

    /// The chain, read if it was not yet.
    pub fn get(&self, id: ChainId) -> Option<&Chain> {
        match self.own.get(id)? {
            Some(chain) => Some(chain),
            None => {
                let (start, source) = self.group(id);
                source.map(|s| s.chain(id - start))
            }
        }
    }

    /// Every chain, in order (which reads them all).
    pub fn iter(&self) -> impl Iterator<Item = &Chain> {
        (0..self.len()).filter_map(|id| self.get(id))
    }

    /// Every chain, to change (which reads them all and keeps them here).
    pub fn iter_mut(&mut self) -> impl Iterator<Item = &mut Chain> {
        for id in 0..self.len() {
            self.make_own(id);
        }
        self.own.iter_mut().flatten().map(Arc::make_mut)
    }

    fn make_own(&mut self, id: ChainId) {
        if matches!(self.own.get(id), Some(None))
            && let Some(chain) = self.get(id).cloned()
        {
            self.own[id] = Some(Arc::new(chain));
        }
    }

    /// A chain's name, without reading it.
    pub fn name(&self, id: ChainId) -> &str {
        match self.own.get(id) {
            Some(Some(chain)) => &chain.name,
            Some(None) => {
                let (start, source) = self.group(id);
                source.map_or("", |s| s.name(id - start))
            }
            None => "",
        }
    }

    /// Every chain's name, in order, without reading them.
    pub fn names(&self) -> impl Iterator<Item = &str> {
        (0..self.len()).map(|id| self.name(id))
    }

    /// A chain's table, without reading it.
    pub fn table(&self, id: ChainId) -> &str {
        match self.own.get(id) {
            Some(Some(chain)) => &chain.table,
            Some(None) => {
                let (start, source) = self.group(id);
                source.map_or("", |s| s.table(id - start))
            }
            None => "",
        }
    }

    /// A chain's rules as the user counts them, without reading it.
    pub fn rule_count(&self, id: ChainId) -> usize {
        match self.own.get(id) {
            Some(Some(chain)) => chain.source_rules(),
            Some(None) => {
                let (start, source) = self.group(id);
                source.map_or(0, |s| s.rule_count(id - start))
            }
            None => 0,
        }
    }

    /// Each group's chains and their source.
    fn spans(&self) -> impl Iterator<Item = (std::ops::Range<ChainId>, Option<&Arc<dyn ChainSource>>)> {
        let whole = self.groups.is_empty().then(|| (0..self.len(), None));
        let groups = self.groups.iter().enumerate().map(|(i, g)| {
            let end = self.groups.get(i + 1).map_or(self.len(), |n| n.start);
            (g.start..end, g.source.as_ref())
        });
        whole.into_iter().chain(groups)
    }
}

impl std::ops::Index<ChainId> for ChainList {
    type Output = Chain;

    fn index(&self, id: ChainId) -> &Chain {
        self.get(id).unwrap_or_else(|| panic!("chain {id} of a list of {}", self.len()))
    }
}

impl std::ops::IndexMut<ChainId> for ChainList {
    fn index_mut(&mut self, id: ChainId) -> &mut Chain {
        self.make_own(id);
        let len = self.len();
        match self.own.get_mut(id) {
            Some(Some(chain)) => Arc::make_mut(chain),
            _ => panic!("chain {id} of a list of {len}"),
        }
    }
}

/// A chain attached to a hook.
#[derive(Debug, Clone)]
pub struct Base {
    pub chain: ChainId,
    pub hook: Hook,
    /// Lower runs first, as in the kernel (iptables tables have fixed priorities: raw -300,
    /// mangle -150, nat -100/100, filter 0, security 50).
    pub priority: i32,
    pub families: Families,
    /// A nat chain: it sees only the first packet of a connection.
    pub nat: bool,
}

/// A named list of rules; base chains end in their policy, others return to the caller.
#[derive(Debug, Clone)]
pub struct Chain {
    pub name: String,
    /// The table it belongs to as the user names it (`filter`, `inet kjc`), empty when the layer
    /// has no tables. Shared by the table's chains.
    pub table: Arc<str>,
    /// Layer-specific scope, e.g. the firewalld zone a chain implements.
    pub scope: Option<String>,
    pub rules: Vec<Rule>,
    pub policy: Option<Box<Policy>>,
}

impl Chain {
    pub fn new(name: impl Into<String>, table: impl Into<Arc<str>>) -> Chain {
        Chain { name: name.into(), table: table.into(), scope: None, rules: Vec::new(), policy: None }
    }

    /// Rules as the user counts them.
    pub fn source_rules(&self) -> usize {
        let mut n = 0;
        let mut last = None;
        for r in &self.rules {
            if r.origin.expanded_from != last || r.origin.expanded_from.is_none() {
                n += 1;
            }
            last = r.origin.expanded_from;
        }
        n
    }
}

/// What a base chain does with packets that reach its end.
#[derive(Debug, Clone)]
pub struct Policy {
    pub verdict: Verdict,
    pub origin: Origin,
}

/// A final decision about a packet in one base chain.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Verdict {
    Accept,
    Drop,
    Reject,
}

impl Verdict {
    pub fn name(self) -> &'static str {
        match self {
            Verdict::Accept => "ACCEPT",
            Verdict::Drop => "DROP",
            Verdict::Reject => "REJECT",
        }
    }
}

/// One rule: all matches must hold; then the effects apply and the action is taken.
#[derive(Debug, Clone)]
pub struct Rule {
    pub matches: Vec<Match>,
    pub effects: Vec<Effect>,
    pub action: Action,
    pub origin: Origin,
}

/// Where a rule (or policy) came from, in the terms of its source format.
#[derive(Debug, Clone, Default)]
pub struct Origin {
    /// Position in its chain as the user counts it (iptables `--line-numbers`), from 1.
    pub number: usize,
    /// Line in the input file, from 1, when the format has lines.
    pub line: Option<usize>,
    /// The rule as the user wrote or the tool printed it.
    pub text: RuleText,
    /// nftables rule handle (`nft -a`), for `insert rule … position`.
    pub handle: Option<u64>,
    /// Model rules that come from one source rule (an nft verdict map) share this id.
    pub expanded_from: Option<usize>,
}

/// A rule's text: a piece of the dump it was read from (a large dump is kept once instead of
/// copied rule by rule), or its own string.
#[derive(Debug, Clone, Default)]
pub enum RuleText {
    #[default]
    Empty,
    Owned(Box<str>),
    Span {
        source: Arc<String>,
        start: u32,
        end: u32,
    },
}

impl RuleText {
    pub fn as_str(&self) -> &str {
        match self {
            RuleText::Empty => "",
            RuleText::Owned(s) => s,
            RuleText::Span { source, start, end } => source.get(*start as usize..*end as usize).unwrap_or_default(),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.as_str().is_empty()
    }

    /// The piece `range` of `source`, or an owned copy when the dump is too large to index with u32.
    pub fn span(source: &Arc<String>, range: std::ops::Range<usize>) -> RuleText {
        match (u32::try_from(range.start), u32::try_from(range.end)) {
            (Ok(start), Ok(end)) => RuleText::Span { source: source.clone(), start, end },
            _ => RuleText::from(source.get(range).unwrap_or_default()),
        }
    }
}

impl From<String> for RuleText {
    fn from(s: String) -> Self {
        RuleText::Owned(s.into_boxed_str())
    }
}

impl From<&str> for RuleText {
    fn from(s: &str) -> Self {
        RuleText::Owned(s.into())
    }
}

impl fmt::Display for RuleText {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl PartialEq<&str> for RuleText {
    fn eq(&self, other: &&str) -> bool {
        self.as_str() == *other
    }
}

/// Layer-4 protocol numbers. Nearly every rule names one or two, kept inline; longer lists
/// (an nft anonymous set) on the heap.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Protos {
    Few { len: u8, list: [u8; 6] },
    Many(Box<[u8]>),
}

impl Default for Protos {
    fn default() -> Self {
        Protos::Few { len: 0, list: [0; 6] }
    }
}

impl Protos {
    pub fn of(list: &[u8]) -> Protos {
        if list.len() <= 6 {
            let mut few = [0u8; 6];
            few[..list.len()].copy_from_slice(list);
            // At most 6: the length fits.
            let len = list.len() as u8;
            Protos::Few { len, list: few }
        } else {
            Protos::Many(list.into())
        }
    }

    pub fn contains(&self, n: u8) -> bool {
        match self {
            Protos::Few { len, list } => list[..usize::from(*len)].contains(&n),
            Protos::Many(list) => list.contains(&n),
        }
    }
}

/// Port ranges (inclusive); one range (by far the most common) is kept inline.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Ports {
    One([(u16, u16); 1]),
    Many(Box<[(u16, u16)]>),
}

impl Ports {
    pub fn one(lo: u16, hi: u16) -> Ports {
        Ports::One([(lo, hi)])
    }

    pub fn of(list: Vec<(u16, u16)>) -> Ports {
        match list.as_slice() {
            [one] => Ports::One([*one]),
            _ => Ports::Many(list.into_boxed_slice()),
        }
    }

    pub fn ranges(&self) -> &[(u16, u16)] {
        match self {
            Ports::One(r) => r,
            Ports::Many(r) => r,
        }
    }
}

/// Which address or port of the packet a match tests.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Side {
    Src,
    Dst,
}

/// Port matches may test either port (`-m multiport --ports`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PortSide {
    Src,
    Dst,
    Either,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Direction {
    In,
    Out,
}

/// An interface name pattern: exact, or a prefix when it ends in `+` (iptables) or `*` (nft).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IfName {
    pub name: String,
    pub prefix: bool,
}

impl IfName {
    pub fn parse(text: &str) -> IfName {
        match text.strip_suffix('+').or_else(|| text.strip_suffix('*')) {
            Some(p) => IfName { name: p.to_string(), prefix: true },
            None => IfName { name: text.to_string(), prefix: false },
        }
    }

    pub fn matches(&self, iface: &str) -> bool {
        if self.prefix { iface.starts_with(&self.name) } else { iface == self.name }
    }
}

/// Connection-tracking states as the conntrack match numbers them; SNAT and DNAT are the
/// "virtual" states that test the connection's NAT status.
pub mod ct {
    pub const INVALID: u8 = 1;
    pub const NEW: u8 = 2;
    pub const ESTABLISHED: u8 = 4;
    pub const RELATED: u8 = 8;
    pub const UNTRACKED: u8 = 16;
    pub const SNAT: u8 = 32;
    pub const DNAT: u8 = 64;

    /// Connection status bits (`--ctstatus`, nft `ct status`).
    pub mod status {
        pub const EXPECTED: u8 = 1;
        pub const SEEN_REPLY: u8 = 2;
        pub const ASSURED: u8 = 4;
        pub const CONFIRMED: u8 = 8;
        pub const SNAT: u8 = 16;
        pub const DNAT: u8 = 32;
    }
}

/// Address (routing) types as `-m addrtype` and nft `fib … type` name them. The pool's addresses
/// are remote unicast addresses; the API server's is local on its own host.
pub mod addrtype {
    pub const UNSPEC: u16 = 1 << 0;
    pub const UNICAST: u16 = 1 << 1;
    pub const LOCAL: u16 = 1 << 2;
    pub const BROADCAST: u16 = 1 << 3;
    pub const ANYCAST: u16 = 1 << 4;
    pub const MULTICAST: u16 = 1 << 5;
    pub const BLACKHOLE: u16 = 1 << 6;
    pub const UNREACHABLE: u16 = 1 << 7;
    pub const PROHIBIT: u16 = 1 << 8;
    pub const THROW: u16 = 1 << 9;
    pub const NAT: u16 = 1 << 10;
    pub const XRESOLVE: u16 = 1 << 11;

    /// The bit of a type name (any case), as iptables and nft spell them.
    pub fn named(name: &str) -> Option<u16> {
        Some(match name.to_ascii_uppercase().as_str() {
            "UNSPEC" => UNSPEC,
            "UNICAST" => UNICAST,
            "LOCAL" => LOCAL,
            "BROADCAST" => BROADCAST,
            "ANYCAST" => ANYCAST,
            "MULTICAST" => MULTICAST,
            "BLACKHOLE" => BLACKHOLE,
            "UNREACHABLE" => UNREACHABLE,
            "PROHIBIT" => PROHIBIT,
            "THROW" => THROW,
            "NAT" => NAT,
            "XRESOLVE" => XRESOLVE,
            _ => return None,
        })
    }
}

/// TCP flag bits as in the header.
pub mod tcp {
    pub const FIN: u8 = 0x01;
    pub const SYN: u8 = 0x02;
    pub const RST: u8 = 0x04;
    pub const PSH: u8 = 0x08;
    pub const ACK: u8 = 0x10;
    pub const URG: u8 = 0x20;
    pub const ECE: u8 = 0x40;
    pub const CWR: u8 = 0x80;
}

/// One condition of a rule.
#[derive(Debug, Clone)]
pub enum Match {
    /// The packet's source or destination address is in the set (of that family; packets of the
    /// other family never match).
    Addr {
        side: Side,
        family: Family,
        set: Spans,
        negated: bool,
    },
    /// (address, port) pairs of a two-dimensional set (`ipset hash:ip,port`): the address on
    /// `addr_side` is in a pair whose protocol and port match the packet's port on `port_side`.
    AddrPort(Box<AddrPortMatch>),
    /// The packet is of this family (nft `meta nfproto`, or the implicit dependency of `ip saddr`).
    Family(Family),
    /// Layer-4 protocol numbers (`-p`, `meta l4proto`).
    Proto {
        protos: Protos,
        negated: bool,
    },
    /// Port ranges (inclusive).
    Port {
        side: PortSide,
        ranges: Ports,
        negated: bool,
    },
    Iface {
        dir: Direction,
        names: Vec<IfName>,
        negated: bool,
    },
    /// Any of these conntrack states (bits of [`ct`]).
    CtState {
        mask: u8,
        negated: bool,
    },
    /// Any of these status bits; `mask == 0` means "no status bit set" (`--ctstatus NONE`).
    CtStatus {
        mask: u8,
        negated: bool,
    },
    /// The packet goes in the connection's original (`true`) or reply direction.
    CtOriginal {
        original: bool,
    },
    /// `flags & mask == comp` (`--tcp-flags`), or with `any`: `flags & mask != 0`.
    TcpFlags {
        mask: u8,
        comp: u8,
        any: bool,
        negated: bool,
    },
    /// `mark & mask == value` on the packet mark or the connection mark.
    Mark {
        target: MarkTarget,
        value: u32,
        mask: u32,
        negated: bool,
    },
    /// The routing type of the address on `side` is one of `types` (bits of [`addrtype`]):
    /// `-m addrtype --src-type/--dst-type`, nft `fib saddr/daddr type`.
    AddrType {
        side: Side,
        types: u16,
        negated: bool,
    },
    /// The reverse-path check (`-m rpfilter`, nft `fib saddr . iif oif`): the route back to the
    /// source leaves by the interface the packet arrived on (with `loose`, any route back). Holds
    /// when the check passes, or with `negated` when it fails (`--invert`, `… oif missing`).
    ReversePath {
        loose: bool,
        negated: bool,
    },
    /// A non-first fragment (`-f`).
    Fragment {
        negated: bool,
    },
    /// A condition the evaluator cannot decide (and why); the affected addresses become `unknown`.
    Unknown(Undecidable),
}

/// Why some addresses cannot be decided. The words say what is unknown, never which option of the
/// tool would tell it: the checks turn each kind into their own advice.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Undecidable {
    /// An interface match (`-i`, `iifname`), and the interface the pool's traffic uses is unknown.
    Interface(Direction),
    /// An address match on the API server's side of the connection, and its address is unknown.
    ApiAddress(Side),
    /// A set match whose contents were not given; `looked_in` names where the set was looked for.
    IpsetContents { name: Arc<str>, looked_in: Arc<str> },
    /// An iptables-nft match or target that `nft -j` shows only as an opaque `xt` expression.
    OpaqueXt { name: Arc<str>, target: bool },
    /// No loaded layer filters the address family.
    NoLayer(Family),
    /// Whether the connection is translated at all depends on an undecidable nat rule.
    Translation(Box<Undecidable>),
    /// Paths through the ruleset (or its nat chains) reach different verdicts for the same addresses.
    PathsDisagree { nat: bool },
    /// A match, target or statement the evaluator does not model, in the input's own words.
    Unsupported(Arc<str>),
    /// What the evaluator cannot know about this kind of packet or path, in its own words.
    Limitation(&'static str),
    /// A match on the traffic's rate or history, or on the time or the payload (`-m limit`,
    /// `hashlimit`, `recent`, `connlimit`, `time`, `string`, nft `limit`, `meter`, `quota`): no
    /// address range decides it. `what` is the match as written.
    RateOrState { what: Arc<str> },
    /// A chain jumps back into itself, directly or through others (a loop the kernel refuses to
    /// load, so the dump did not come from a running kernel).
    Loop { chain: Arc<str> },
    /// A reverse-path check, and which interface the route back to the pool leaves by is unknown.
    ReversePath,
    /// The evaluator's budget ran out before these addresses reached a verdict (paths through
    /// undecidable rules multiplied); `steps` is the budget of this ruleset.
    Budget { steps: usize },
}

impl Undecidable {
    /// The undecidable condition at the root of this one.
    pub fn root(&self) -> &Undecidable {
        match self {
            Undecidable::Translation(inner) => inner.root(),
            other => other,
        }
    }
}

impl fmt::Display for Undecidable {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Undecidable::Interface(Direction::In) => {
                f.write_str("-i/iifname: the interface the pool's traffic uses is unknown")
            }
            Undecidable::Interface(Direction::Out) => {
                f.write_str("-o/oifname: the interface the pool's traffic uses is unknown")
            }
            Undecidable::ApiAddress(Side::Dst) => f.write_str("-d/daddr: the API server's address is unknown"),
            Undecidable::ApiAddress(Side::Src) => f.write_str("-s/saddr: the API server's address is unknown"),
            Undecidable::IpsetContents { name, looked_in } if looked_in.is_empty() => {
                write!(f, "ipset {name}: the set's contents are unknown")
            }
            Undecidable::IpsetContents { name, looked_in } => {
                write!(f, "ipset {name}: the set's contents are unknown (not in {looked_in})")
            }
            Undecidable::OpaqueXt { name, target: true } => {
                write!(f, "xt target {name}: an iptables-nft target nft cannot show")
            }
            Undecidable::OpaqueXt { name, target: false } => {
                write!(f, "xt match {name}: an iptables-nft match nft cannot show")
            }
            Undecidable::NoLayer(family) => write!(f, "no loaded layer filters {} traffic", family.name()),
            Undecidable::Translation(inner) => write!(f, "whether the connection is translated depends on: {inner}"),
            Undecidable::PathsDisagree { nat: true } => f.write_str("paths through the nat chains disagree"),
            Undecidable::PathsDisagree { nat: false } => f.write_str("paths through the ruleset disagree"),
            Undecidable::Unsupported(text) => f.write_str(text),
            Undecidable::Limitation(text) => f.write_str(text),
            Undecidable::RateOrState { what } => write!(
                f,
                "{what}: whether it matches depends on the traffic's rate or history, the time or the payload, not on addresses"
            ),
            Undecidable::ReversePath => f.write_str(
                "reverse-path check (rpfilter, fib saddr . iif oif): the interface the pool's traffic arrives on, and the route back to it, are unknown",
            ),
            Undecidable::Loop { chain } => {
                write!(f, "chain {chain} jumps back into itself (a loop no kernel loads): not followed")
            }
            Undecidable::Budget { steps } => write!(
                f,
                "the evaluator stopped after {steps} steps (paths through undecidable rules multiply): these addresses were not followed to a verdict"
            ),
        }
    }
}

impl serde::Serialize for Undecidable {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl Match {
    /// A condition that never holds (a security-group rule for another group's instances).
    pub fn never() -> Match {
        Match::Proto { protos: Protos::default(), negated: false }
    }

    /// A condition the evaluator does not model, in the input's words.
    pub fn unknown(why: impl AsRef<str>) -> Match {
        Match::Unknown(Undecidable::Unsupported(why.as_ref().into()))
    }
}

impl Action {
    /// A target the evaluator does not model, in the input's words.
    pub fn unknown(why: impl AsRef<str>) -> Action {
        Action::Unknown(Undecidable::Unsupported(why.as_ref().into()))
    }
}

#[derive(Debug, Clone)]
pub struct AddrPortMatch {
    pub addr_side: Side,
    pub port_side: Side,
    pub family: Family,
    /// (addresses, protocol, first port, last port)
    pub pairs: Vec<(Spans, u8, u16, u16)>,
    pub negated: bool,
}

/// Which mark an effect or match is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MarkTarget {
    Packet,
    Conn,
}

/// A change to the packet that later matches may see.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Effect {
    pub target: MarkTarget,
    pub op: MarkOp,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MarkOp {
    /// `new = (old & !mask) ^ value`: every MARK/CONNMARK set form reduces to this.
    Xmark { value: u32, mask: u32 },
    /// Copy the bits under `mask` from the other mark (`--save-mark`, `--restore-mark`).
    CopyFromOther { mask: u32 },
    /// Changes the evaluator does not follow (e.g. a mark from a hash): those bits become unknown.
    Unknown { mask: u32 },
}

/// What a rule does when it matches.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Action {
    /// Nothing that decides (LOG, counters, marks): the next rule runs.
    Continue,
    Verdict(Verdict),
    Return,
    Jump(ChainId),
    Goto(ChainId),
    /// Destination translation (DNAT, REDIRECT): ends the nat chain. Filtering judgements do not
    /// follow the new address; the forwarding checks read where it goes.
    Dnat(Box<NatTo>),
    /// Source translation (SNAT, MASQUERADE): ends the nat chain; filtering goes on.
    Snat(Box<NatTo>),
    /// A target the evaluator does not understand (and why); the matched addresses become `unknown`.
    Unknown(Undecidable),
}

/// Where a NAT rule sends a connection: the new address (or addresses) and port (or ports).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NatTo {
    pub addr: NatAddr,
    /// The new port range; `None` keeps the packet's port.
    pub ports: Option<(u16, u16)>,
}

impl NatTo {
    /// `DNAT --to-destination 192.0.2.50:6443` and the like: one address, perhaps one port.
    pub fn to(addr: NatAddr, ports: Option<(u16, u16)>) -> NatTo {
        NatTo { addr, ports }
    }

    /// The address and port the connection ends up at, when the rule names exactly one of each
    /// (`None` for the port keeps `port`).
    pub fn single(&self, port: u16) -> Option<(std::net::IpAddr, u16)> {
        let NatAddr::Range(lo, hi) = self.addr else { return None };
        let p = match self.ports {
            None => port,
            Some((a, b)) if a == b => a,
            Some(_) => return None,
        };
        (lo == hi).then_some((lo, p))
    }
}

impl fmt::Display for NatTo {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.addr {
            NatAddr::Range(lo, hi) if lo == hi && lo.is_ipv6() && self.ports.is_some() => write!(f, "[{lo}]")?,
            NatAddr::Range(lo, hi) if lo == hi => write!(f, "{lo}")?,
            NatAddr::Range(lo, hi) => write!(f, "{lo}-{hi}")?,
            NatAddr::Local => f.write_str("this host")?,
            NatAddr::Keep => {}
            NatAddr::Unknown(why) => write!(f, "({why})")?,
        }
        match self.ports {
            Some((lo, hi)) if lo == hi => write!(f, ":{lo}"),
            Some((lo, hi)) => write!(f, ":{lo}-{hi}"),
            None => Ok(()),
        }
    }
}

/// The address a NAT rule translates to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NatAddr {
    /// An address range (first, last); one address when both are equal.
    Range(std::net::IpAddr, std::net::IpAddr),
    /// An address of this host: REDIRECT (the arriving interface's), MASQUERADE (the leaving one's).
    Local,
    /// Only the port changes.
    Keep,
    /// An expression the tool does not follow (an nft map), and why.
    Unknown(Arc<str>),
}

impl fmt::Display for Action {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Action::Continue => f.write_str("CONTINUE"),
            Action::Verdict(v) => f.write_str(v.name()),
            Action::Return => f.write_str("RETURN"),
            Action::Jump(_) => f.write_str("JUMP"),
            Action::Goto(_) => f.write_str("GOTO"),
            Action::Dnat(_) => f.write_str("DNAT"),
            Action::Snat(_) => f.write_str("SNAT"),
            Action::Unknown(_) => f.write_str("UNKNOWN"),
        }
    }
}
