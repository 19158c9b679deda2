//! Rules that admit address blocks to tcp/PORT, written in each layer's own syntax: what a user
//! pastes (`allowlist`), and the fixes the firewall checks print.

use std::net::IpAddr;

use ipnet::IpNet;

use crate::firewall::analysis::{Request, judge_family, local_translations};
use crate::firewall::eval::{Decider, Fate, PacketKind};
use crate::firewall::model::{
    Action, ChainId, Hook, Match, Origin, PortSide, Ports, Protos, Rule, Ruleset, Side, Verdict,
};
use crate::firewall::nat::NatResult;
use crate::firewall::ranges::{AddrSet, Family, Spans};
use crate::firewall::{Layer, LayerKind, cidrs, ecs_sg, firewalld, iptables};
use crate::i18n::{Sep, Text};
use crate::region::PoolEntry;
use crate::t;

/// A set of pool entries to admit on one TCP port, and the label rules carry as a comment.
#[derive(Debug, Clone, Copy)]
pub struct Admit<'a> {
    pub entries: &'a [PoolEntry],
    pub port: u16,
    /// A short label (`k8sjoin-check cn-hangzhou`); letters, digits, `-`, `.` and spaces only.
    pub label: &'a str,
    /// The region id, for commands that need it (ECS `--RegionId`).
    pub region: &'a str,
}

impl Admit<'_> {
    fn v4(&self) -> impl Iterator<Item = &PoolEntry> {
        self.entries.iter().filter(|e| matches!(e.entry, IpNet::V4(_)))
    }
    fn v6(&self) -> impl Iterator<Item = &PoolEntry> {
        self.entries.iter().filter(|e| matches!(e.entry, IpNet::V6(_)))
    }
    fn comment(&self, e: &PoolEntry) -> String {
        format!("{} {}", self.label, e.pool.as_str())
    }
}

/// One CIDR per line: the format of `--firewall cidrs:FILE`, an SLB access control list, or any tool
/// that takes a list.
pub fn cidr_lines(admit: &Admit<'_>) -> String {
    admit.entries.iter().map(|e| format!("{}\n", e.entry)).collect()
}

/// An `iptables-restore --noflush` fragment (and an `ip6tables-restore` one for IPv6 entries) that
/// inserts an ACCEPT per entry at the top of INPUT, ahead of any rule that could drop the pool.
pub fn iptables_restore(admit: &Admit<'_>) -> String {
    let mut out = String::new();
    for (v6, entries) in [(false, admit.v4().collect::<Vec<_>>()), (true, admit.v6().collect())] {
        if entries.is_empty() {
            continue;
        }
        let tool = if v6 { "ip6tables-restore" } else { "iptables-restore" };
        out.push_str(&format!(
            "# {}: admit {} to tcp/{}. Apply with: {tool} --noflush < FILE\n# (-I puts each rule first in INPUT; make it persistent with your distribution's iptables-save service)\n*filter\n",
            admit.label,
            if v6 { "the IPv6 entries" } else { "the pool" },
            admit.port
        ));
        for e in entries {
            out.push_str(&format!(
                "-I INPUT -s {} -p tcp -m tcp --dport {} -m comment --comment \"{}\" -j ACCEPT\n",
                e.entry,
                admit.port,
                admit.comment(e)
            ));
        }
        out.push_str("COMMIT\n");
    }
    out
}

/// `nft insert rule` commands for the chain that filters input, quoted for a POSIX shell (the braces
/// and the comment's quotes must reach nft intact). Table and chain names differ between hosts, so the
/// first line says how to find them; `inet filter input` is the Debian/RHEL default.
pub fn nft_commands(admit: &Admit<'_>) -> String {
    let mut out = format!(
        "# {}: admit the pool to tcp/{}. Replace \"inet filter input\" with your input chain (nft list chains);\n# every base chain on the input hook must accept, so insert into each one that can drop.\n",
        admit.label, admit.port
    );
    for (family, entries) in [("ip", admit.v4().collect::<Vec<_>>()), ("ip6", admit.v6().collect())] {
        if entries.is_empty() {
            continue;
        }
        let set: Vec<String> = entries.iter().map(|e| e.entry.to_string()).collect();
        out.push_str(&format!(
            "nft 'insert rule inet filter input {family} saddr {{ {} }} tcp dport {} accept comment \"{}\"'\n",
            set.join(", "),
            admit.port,
            admit.label
        ));
    }
    out
}

/// firewalld rich rules in the zone the traffic lands in (`public` by default), made permanent and
/// then loaded.
pub fn firewalld_commands(admit: &Admit<'_>) -> String {
    let mut out = format!(
        "# {}: admit the pool to tcp/{}. Use the zone the API server's interface is in (firewall-cmd --get-active-zones).\n",
        admit.label, admit.port
    );
    for e in admit.entries {
        let family = if matches!(e.entry, IpNet::V6(_)) { "ipv6" } else { "ipv4" };
        out.push_str(&format!(
            "firewall-cmd --permanent --zone=public --add-rich-rule='rule family=\"{family}\" source address=\"{}\" port port=\"{}\" protocol=\"tcp\" accept'\n",
            e.entry, admit.port
        ));
    }
    out.push_str("firewall-cmd --reload\n");
    out
}

/// One `aliyun ecs AuthorizeSecurityGroup` call with a permission per entry, priority 1 (the
/// highest) so no Drop rule of lower priority can shadow it.
pub fn ecs_sg_command(admit: &Admit<'_>) -> String {
    let mut out = format!(
        "# {}: admit the pool to tcp/{} in the security group of the API server's ECS instances (replace sg-REPLACE-ME).\naliyun ecs AuthorizeSecurityGroup --RegionId {} --SecurityGroupId sg-REPLACE-ME",
        admit.label, admit.port, admit.region
    );
    for (i, e) in admit.entries.iter().enumerate() {
        let n = i + 1;
        let source = if matches!(e.entry, IpNet::V6(_)) { "Ipv6SourceCidrIp" } else { "SourceCidrIp" };
        out.push_str(&format!(
            " \\\n  --Permissions.{n}.IpProtocol TCP --Permissions.{n}.PortRange {p}/{p} --Permissions.{n}.{source} {} --Permissions.{n}.Policy accept --Permissions.{n}.Priority 1 --Permissions.{n}.Description \"{}\"",
            e.entry,
            admit.comment(e),
            p = admit.port
        ));
    }
    out.push('\n');
    out
}

/// The commands that make one layer admit what it denies, in order, each placed before the rule
/// that denies (or appended before the policy), the step that makes them survive a reboot or a
/// reload, and the problems no command can solve.
#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct LayerFix {
    pub layer: String,
    pub commands: Vec<String>,
    /// How the commands are kept; `None` when the tool keeps them by itself (ufw, security groups).
    pub persistence: Option<Persistence>,
    /// What no command fixes; the report's evidence keeps them in English.
    #[serde(serialize_with = "in_english")]
    pub notes: Vec<Text>,
}

fn in_english<S: serde::Serializer>(notes: &[Text], s: S) -> Result<S::Ok, S::Error> {
    s.collect_seq(notes.iter().map(Text::en))
}

impl LayerFix {
    /// The persistence step's commands, to run after [`LayerFix::commands`].
    pub fn persist(&self) -> Vec<String> {
        if self.commands.is_empty() {
            Vec::new()
        } else {
            self.persistence.as_ref().map(Persistence::steps).unwrap_or_default()
        }
    }
}

/// What makes a fix survive a reboot or a reload, in the tool that made it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(tag = "tool", rename_all = "kebab-case")]
pub enum Persistence {
    /// iptables rules live in the kernel only: save them where the distribution restores them at
    /// boot (RHEL's iptables-services, Debian's netfilter-persistent).
    Iptables {
        /// `iptables-save`, `ip6tables-nft-save`, …
        save: &'static str,
        v6: bool,
    },
    /// nftables rules: the file the nftables service loads at boot.
    Nft,
    /// `firewall-cmd --permanent` changes the configuration; the reload applies it.
    Firewalld,
}

impl Persistence {
    /// The step for rules added with this iptables backend's command.
    pub fn iptables(backend: iptables::Backend, family: Family) -> Persistence {
        Persistence::Iptables { save: save_command(backend, family), v6: family == Family::V6 }
    }

    pub fn steps(&self) -> Vec<String> {
        match self {
            Persistence::Iptables { save, v6 } => {
                let file = if *v6 { "/etc/sysconfig/ip6tables" } else { "/etc/sysconfig/iptables" };
                vec![
                    format!("{save} > {file}  # RHEL, CentOS, Alibaba Cloud Linux (iptables-services)"),
                    "netfilter-persistent save  # Debian, Ubuntu (iptables-persistent)".to_string(),
                ]
            }
            Persistence::Nft => vec!["nft list ruleset > /etc/nftables.conf".to_string()],
            Persistence::Firewalld => vec!["firewall-cmd --reload".to_string()],
        }
    }
}

/// A program that owns chains it rewrites (kube-proxy, Calico, Cilium, Docker, fail2ban, firewalld,
/// ufw): a rule inserted into them is lost at its next sync.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Owner {
    Rewrites(&'static str),
    Firewalld,
    Ufw,
}

fn owner(chain: &str, table: &str) -> Option<Owner> {
    let prefixed = [
        ("KUBE-", "kube-proxy"),
        ("cali-", "Calico"),
        ("CILIUM_", "Cilium"),
        ("DOCKER", "Docker"),
        ("f2b-", "fail2ban"),
        ("fail2ban-", "fail2ban"),
    ];
    if let Some((_, who)) = prefixed.iter().find(|(p, _)| chain.starts_with(p)) {
        return Some(Owner::Rewrites(who));
    }
    if chain.starts_with("ufw-") || chain.starts_with("ufw6-") {
        return Some(Owner::Ufw);
    }
    // firewalld's nftables table, and the chains of its iptables backend.
    let firewalld_chain = ["INPUT_direct", "INPUT_ZONES", "FORWARD_direct", "OUTPUT_direct"].contains(&chain)
        || ["IN_", "FWDI_", "FWDO_", "FWD_", "PRE_", "POST_"].iter().any(|p| chain.starts_with(p));
    if table.ends_with(" firewalld") || firewalld_chain {
        return Some(Owner::Firewalld);
    }
    if table.contains("docker") {
        return Some(Owner::Rewrites("Docker"));
    }
    None
}

/// The firewalld zone a chain of firewalld's own implements (`IN_public`, `filter_IN_public_allow`).
fn firewalld_zone(chain: &str) -> Option<&str> {
    let rest = chain.strip_prefix("filter_IN_").or_else(|| chain.strip_prefix("IN_"))?;
    let zone = ["_pre", "_log", "_deny", "_allow", "_post"].iter().fold(rest, |z, s| z.strip_suffix(s).unwrap_or(z));
    (!zone.is_empty() && zone != "ZONES").then_some(zone)
}

/// The base chain that reaches `target` and the position of its rule that jumps towards it: a fix
/// for a chain another program owns goes there, before that jump.
fn entry_into(rs: &Ruleset, target: ChainId) -> Option<(ChainId, usize)> {
    for base in rs.bases.iter().filter(|b| !b.nat) {
        let chain = &rs.chains[base.chain];
        for (i, r) in chain.rules.iter().enumerate() {
            if let Action::Jump(t) | Action::Goto(t) = r.action
                && reaches(rs, t, target)
            {
                return Some((base.chain, i));
            }
        }
    }
    None
}

fn reaches(rs: &Ruleset, from: ChainId, target: ChainId) -> bool {
    let mut seen = vec![false; rs.chains.len()];
    let mut stack = vec![from];
    while let Some(c) = stack.pop() {
        if c == target {
            return true;
        }
        if std::mem::replace(&mut seen[c], true) {
            continue;
        }
        for r in &rs.chains[c].rules {
            if let Action::Jump(t) | Action::Goto(t) = r.action {
                stack.push(t);
            }
        }
    }
    false
}

/// How many rules a fix may add before the tool gives up (each step fixes one deciding rule).
const MAX_STEPS: usize = 64;

/// Computes the fix for `layer` so that it admits every address of `pool` it now denies on
/// tcp/`req.port`. Every step is applied to a copy of the rules and the copy judged again, so the
/// commands are known to work on the rules as read: a later DROP that an earlier fix uncovers gets
/// its own command, and a position that does not help (a policy reached through `-g`, which skips
/// the rest of the base chain) is replaced by the top of the chain.
pub fn fix_layer(layer: &Layer, pool: &AddrSet, req: &Request<'_>, label: &str, region: &str) -> LayerFix {
    let mut sim = layer.clone();
    let mut out = LayerFix { layer: layer.name.clone(), ..LayerFix::default() };
    let firewalld = matches!(layer.kind, LayerKind::Firewalld(_));
    out.persistence = match &layer.kind {
        LayerKind::Iptables(info) => Some(Persistence::iptables(info.backend, info.family)),
        LayerKind::Nft(_) => Some(Persistence::Nft),
        _ => None,
    };
    // Ranges no command can admit are reported and left out, so the others still get their fix.
    let mut pool = pool.clone();
    let (mut denied, mut next) = denials(&sim, &pool, req);
    for _ in 0..MAX_STEPS {
        let Some((family, spans, decider)) = next.take() else { break };
        let (port, peer) = step_target(&sim, &decider, &spans, req, family);
        let step = Step { family, cidrs: spans.cidrs(family), decider: &decider, port, peer, label, region };
        let mut progressed = None;
        let mut problem = None;
        for top in [false, true] {
            if top && decider.rule.is_some() {
                break;
            }
            let mut trial = sim.clone();
            match step.apply(&mut trial, top) {
                Ok(commands) => {
                    let (after, first) = denials(&trial, &pool, req);
                    // Progress: fewer addresses denied, or the same ones denied by a later rule
                    // (another base chain that must accept too).
                    let moved = first.as_ref().is_none_or(|(f, s, d)| (*f, s, d) != (family, &spans, &decider));
                    if after.v4.is_subset(&denied.v4) && after.v6.is_subset(&denied.v6) && (after != denied || moved) {
                        progressed = Some((trial, commands, after, first));
                        break;
                    }
                }
                Err(note) => {
                    problem = Some(note);
                    break;
                }
            }
        }
        match progressed {
            Some((trial, (commands, persistence), after, first)) => {
                sim = trial;
                out.commands.extend(commands);
                if let Some(p) = persistence {
                    // The owner's tool keeps what it was told (ufw), or needs its own step.
                    out.persistence = p;
                }
                denied = after;
                next = first;
            }
            None => {
                out.notes.push(problem.unwrap_or_else(|| {
                    let ranges =
                        Text::join(spans.cidrs(family).iter().map(|c| Text::verbatim(c.to_string())), Sep::Comma);
                    match sim.ruleset.chains.get(decider.chain.unwrap_or(usize::MAX)) {
                        Some(c) => t!("firewall-fix-no-position-in-chain", chain = c.name.as_str(), ranges = ranges),
                        None => t!("firewall-fix-no-position", ranges = ranges),
                    }
                }));
                *pool.get_mut(family) = pool.get(family).difference(&spans);
                (denied, next) = denials(&sim, &pool, req);
            }
        }
    }
    if next.is_some() {
        out.notes.push(t!("firewall-fix-incomplete", max = MAX_STEPS));
    }
    if firewalld {
        out.persistence = Some(Persistence::Firewalld);
    }
    out
}

/// The port and the address on the other side of the packet a fix admits: for a forwarded flow,
/// this host's port A and address where the pool's traffic arrives (chains on the ingress and
/// prerouting hooks, which see it before translation), else the target's; for a local port, that
/// port and any address.
fn step_target(
    layer: &Layer,
    decider: &Decider,
    spans: &Spans,
    req: &Request<'_>,
    family: Family,
) -> (u16, Option<IpAddr>) {
    let Some(flow) = &req.flow else {
        // A connection to this host that a DNAT sends elsewhere: the forward path sees it
        // translated, so the fix names where it lands.
        let forwarded = decider.chain.is_some_and(|c| {
            hooks_reaching(&layer.ruleset, c).iter().all(|h| matches!(h, Hook::Forward | Hook::Postrouting))
        });
        let landing = forwarded
            .then(|| local_translations(std::slice::from_ref(layer), family, spans, req))
            .flatten()
            .and_then(|pieces| {
                pieces.into_iter().find_map(|(_, r)| match r {
                    NatResult::Translated { to, .. } => to.single(req.port),
                    _ => None,
                })
            });
        return match landing {
            Some((ip, port)) => (port, Some(ip)),
            None => (req.port, None),
        };
    };
    let single = |list: Vec<IpAddr>| if list.len() == 1 { list.first().copied() } else { None };
    let before_translation = decider.chain.is_some_and(|c| {
        hooks_reaching(&layer.ruleset, c).iter().all(|h| matches!(h, Hook::Ingress | Hook::Prerouting))
    });
    if before_translation {
        (flow.listen_port, single(flow.arrival.iter().copied().filter(|a| Family::of(*a) == family).collect()))
    } else {
        (req.port, single(req.destinations.iter().copied().filter(|a| Family::of(*a) == family).collect()))
    }
}

/// The hooks whose base chains reach `chain` (directly or through jumps).
fn hooks_reaching(rs: &Ruleset, chain: ChainId) -> Vec<Hook> {
    let mut hooks = Vec::new();
    for base in &rs.bases {
        let mut seen = vec![false; rs.chains.len()];
        let mut stack = vec![base.chain];
        while let Some(c) = stack.pop() {
            if std::mem::replace(&mut seen[c], true) {
                continue;
            }
            if c == chain {
                hooks.push(base.hook);
                break;
            }
            for r in &rs.chains[c].rules {
                if let Action::Jump(t) | Action::Goto(t) = r.action {
                    stack.push(t);
                }
            }
        }
    }
    hooks
}

/// What `layer` denies of `pool`, and the first denial to fix.
fn denials(layer: &Layer, pool: &AddrSet, req: &Request<'_>) -> (AddrSet, Option<(Family, Spans, Decider)>) {
    let mut denied = AddrSet::default();
    let mut first = None;
    for family in Family::BOTH {
        let set = pool.get(family);
        if set.is_empty() || !layer.families.has(family) {
            continue;
        }
        let j = judge_family(std::slice::from_ref(layer), family, set, req);
        *denied.get_mut(family) = j.denied_set();
        if first.is_none() {
            first = j.denied.into_iter().next().map(|(s, d)| (family, s, d));
        }
    }
    (denied, first)
}

/// One fix step: admit `cidrs` where `decider` denies them.
struct Step<'a> {
    family: Family,
    cidrs: Vec<IpNet>,
    decider: &'a Decider,
    port: u16,
    /// The address on the other side of the packet, when the fix names it (a forwarded flow's).
    peer: Option<IpAddr>,
    label: &'a str,
    region: &'a str,
}

impl Step<'_> {
    /// The ranges this step admits, as values: `198.51.100.64/26, 198.51.100.128/25`.
    fn cidr_list(&self) -> Text {
        Text::join(self.cidrs.iter().map(|c| Text::verbatim(c.to_string())), Sep::Comma)
    }

    fn reply(&self) -> bool {
        self.decider.packet == PacketKind::Reply
    }

    /// The model rule the fix adds: the pool address and the API server port, any state.
    fn rule(&self, cidr: &IpNet, text: String, with_family: bool) -> Rule {
        let (side, port_side) = if self.reply() { (Side::Dst, PortSide::Src) } else { (Side::Src, PortSide::Dst) };
        let mut matches = Vec::new();
        if with_family {
            matches.push(Match::Family(self.family));
        }
        matches.push(Match::Addr { side, family: self.family, set: Spans::net(cidr), negated: false });
        if let Some(peer) = self.peer {
            let other = if side == Side::Src { Side::Dst } else { Side::Src };
            matches.push(Match::Addr {
                side: other,
                family: self.family,
                set: Spans::net(&IpNet::from(peer)),
                negated: false,
            });
        }
        matches.push(Match::Proto { protos: Protos::of(&[6]), negated: false });
        matches.push(Match::Port { side: port_side, ranges: Ports::one(self.port, self.port), negated: false });
        Rule {
            matches,
            effects: vec![],
            action: Action::Verdict(Verdict::Accept),
            origin: Origin { text: text.into(), ..Origin::default() },
        }
    }

    /// Applies the step to `sim` and returns its commands. A policy decision is fixed by appending
    /// to the chain, or with `top` by inserting at its top.
    fn apply(&self, sim: &mut Layer, top: bool) -> Result<(Vec<String>, Option<Option<Persistence>>), Text> {
        debug_assert!(matches!(self.decider.outcome, Fate::Deny(_)));
        let Some(mut chain_id) = self.decider.chain else {
            return Err(t!("firewall-fix-not-a-rule"));
        };
        let mut rule_at = self.decider.rule;
        if matches!(sim.kind, LayerKind::Iptables(_) | LayerKind::Nft(_)) {
            let chain = &sim.ruleset.chains[chain_id];
            // ufw manages the host's filter table, its built-in chains' policies included.
            let ufw_host = sim.ruleset.chains.iter().any(|c| c.name == "ufw-user-input" || c.name == "ufw6-user-input");
            let owned =
                if ufw_host && &*chain.table == "filter" { Some(Owner::Ufw) } else { owner(&chain.name, &chain.table) };
            match owned {
                None => {}
                Some(Owner::Ufw) => return self.ufw(sim).map(|c| (c, Some(None))),
                Some(Owner::Firewalld) => {
                    let zone = firewalld_zone(&chain.name).unwrap_or("public").to_string();
                    return self
                        .firewalld_in_dump(sim, chain_id, &zone)
                        .map(|c| (c, Some(Some(Persistence::Firewalld))));
                }
                Some(Owner::Rewrites(who)) => {
                    // Before the jump that leads there, in the base chain.
                    let (base, jump) = entry_into(&sim.ruleset, chain_id).ok_or_else(|| {
                        t!(
                            "firewall-fix-owned-chain-unreached",
                            owner = who,
                            chain = chain.name.as_str(),
                            cidrs = self.cidr_list()
                        )
                    })?;
                    if owner(&sim.ruleset.chains[base].name, &sim.ruleset.chains[base].table).is_some() {
                        return Err(t!(
                            "firewall-fix-owned-base-chain",
                            owner = who,
                            chain = sim.ruleset.chains[base].name.as_str()
                        ));
                    }
                    chain_id = base;
                    rule_at = Some(jump);
                }
            }
        }
        match &mut sim.kind {
            LayerKind::Iptables(info) => {
                let command = info.backend.command(self.family);
                let chain = &mut sim.ruleset.chains[chain_id];
                let table = if &*chain.table == "filter" { String::new() } else { format!("-t {} ", chain.table) };
                let (position, at) = match rule_at {
                    Some(i) => (format!("-I {} {}", chain.name, i + 1), i),
                    None if top => (format!("-I {} 1", chain.name), 0),
                    None => (format!("-A {}", chain.name), chain.rules.len()),
                };
                let (addr, other, port) = if self.reply() { ("-d", "-s", "--sport") } else { ("-s", "-d", "--dport") };
                let peer = self.peer.map(|p| format!(" {other} {}", IpNet::from(p))).unwrap_or_default();
                let mut commands = Vec::new();
                for cidr in &self.cidrs {
                    let cmd = format!(
                        "{command} {table}{position} {addr} {cidr}{peer} -p tcp -m tcp {port} {} -m comment --comment \"{}\" -j ACCEPT",
                        self.port, self.label
                    );
                    chain.rules.insert(at, self.rule(cidr, cmd.clone(), false));
                    commands.push(cmd);
                }
                for (i, r) in chain.rules.iter_mut().enumerate() {
                    r.origin.number = i + 1;
                }
                Ok((commands, None))
            }
            LayerKind::Nft(_) => {
                let chain = &mut sim.ruleset.chains[chain_id];
                let inet = !chain.table.starts_with("ip ") && !chain.table.starts_with("ip6 ");
                let (verb, at) = match rule_at {
                    Some(i) => {
                        let handle = chain.rules[i].origin.handle.ok_or_else(|| {
                            t!(
                                "firewall-fix-no-handle",
                                rule = chain.rules[i].origin.number.to_string(),
                                chain = chain.name.as_str()
                            )
                        })?;
                        let first = chain.rules.iter().position(|r| r.origin.handle == Some(handle)).unwrap_or(i);
                        (format!("insert rule {} {} position {handle}", chain.table, chain.name), first)
                    }
                    None if top => (format!("insert rule {} {}", chain.table, chain.name), 0),
                    None => (format!("add rule {} {}", chain.table, chain.name), chain.rules.len()),
                };
                let proto = if self.family == Family::V4 { "ip" } else { "ip6" };
                let (addr, other, port) =
                    if self.reply() { ("daddr", "saddr", "sport") } else { ("saddr", "daddr", "dport") };
                let peer = self.peer.map(|p| format!(" {proto} {other} {p}")).unwrap_or_default();
                let set = if self.cidrs.len() == 1 {
                    self.cidrs[0].to_string()
                } else {
                    format!("{{ {} }}", self.cidrs.iter().map(ToString::to_string).collect::<Vec<_>>().join(", "))
                };
                let cmd = format!(
                    "nft '{verb} {proto} {addr} {set}{peer} tcp {port} {} accept comment \"{}\"'",
                    self.port, self.label
                );
                for cidr in &self.cidrs {
                    chain.rules.insert(at, self.rule(cidr, cmd.clone(), inet));
                }
                Ok((vec![cmd], None))
            }
            LayerKind::Firewalld(config) => {
                let chain = &sim.ruleset.chains[chain_id];
                let zone = chain.scope.clone().unwrap_or_else(|| config.default_zone.clone());
                let early = chain.name.ends_with("_pre") || chain.name.ends_with("_deny");
                let zone_cfg = config
                    .zones
                    .iter_mut()
                    .find(|z| z.name == zone)
                    .ok_or_else(|| t!("firewall-fix-no-zone", zone = zone.as_str()))?;
                let priority = if early {
                    zone_cfg.rich_rules.iter().map(|r| r.priority).filter(|p| *p < 0).min().unwrap_or(0) - 1
                } else {
                    0
                };
                let mut commands = Vec::new();
                for cidr in &self.cidrs {
                    let mut rule = firewalld::RichRule {
                        line: None,
                        text: String::new(),
                        family: Some(self.family),
                        priority,
                        source: Some((firewalld::ZoneSource::Net(*cidr), false)),
                        destination: self.peer.map(|p| (IpNet::from(p), false)),
                        element: Some(firewalld::RichElement::Port(firewalld::PortItem {
                            protocol: "tcp".into(),
                            lo: self.port,
                            hi: self.port,
                        })),
                        action: Some(firewalld::RichAction::Accept),
                        limited: false,
                    };
                    rule.text = firewalld::rich_text(&rule);
                    commands.push(format!("firewall-cmd --permanent --zone={zone} --add-rich-rule='{}'", rule.text));
                    zone_cfg.rich_rules.push(rule);
                }
                sim.ruleset = firewalld::compile(config);
                Ok((commands, None))
            }
            LayerKind::EcsSg(group) => {
                let priority = match self.decider.rule {
                    None => 1,
                    Some(i) => {
                        let number = sim.ruleset.chains[chain_id].rules[i].origin.number;
                        let p = group
                            .permissions
                            .iter()
                            .find(|p| p.index == number)
                            .ok_or_else(|| t!("firewall-fix-no-permission"))?;
                        if p.priority <= 1 {
                            return Err(t!(
                                "firewall-fix-highest-priority",
                                rule = p.index.to_string(),
                                permission = p.describe(),
                                cidrs = self.cidr_list()
                            ));
                        }
                        p.priority - 1
                    }
                };
                let mut cmd = format!(
                    "aliyun ecs AuthorizeSecurityGroup --RegionId {} --SecurityGroupId {}",
                    group.region.clone().unwrap_or_else(|| self.region.to_string()),
                    // Any one group of the instance admits (they are a union): the one whose
                    // permission denies, else the first.
                    self.decider
                        .rule
                        .and_then(|i| {
                            let number = sim.ruleset.chains[chain_id].rules[i].origin.number;
                            group.permissions.iter().find(|p| p.index == number).and_then(|p| p.group.clone())
                        })
                        .or_else(|| group.id.clone())
                        .unwrap_or_else(|| "sg-REPLACE-ME".into())
                );
                for (n, cidr) in self.cidrs.iter().enumerate() {
                    let n = n + 1;
                    let source = if self.family == Family::V6 { "Ipv6SourceCidrIp" } else { "SourceCidrIp" };
                    cmd.push_str(&format!(
                        " --Permissions.{n}.IpProtocol TCP --Permissions.{n}.PortRange {p}/{p} --Permissions.{n}.{source} {cidr} --Permissions.{n}.Policy accept --Permissions.{n}.Priority {priority} --Permissions.{n}.Description \"{}\"",
                        self.label,
                        p = self.port
                    ));
                    let index = group.permissions.len() + 1;
                    group.permissions.push(ecs_sg::Permission {
                        index,
                        group: group.id.clone(),
                        file: String::new(),
                        line: None,
                        ingress: true,
                        protocol: "TCP".into(),
                        ports: Some((self.port, self.port)),
                        source: ecs_sg::Source::Cidr(*cidr),
                        dest: None,
                        policy: Verdict::Accept,
                        priority,
                        description: self.label.to_string(),
                    });
                }
                sim.ruleset = ecs_sg::compile(group);
                Ok((vec![cmd], None))
            }
            LayerKind::Cidrs(list) => {
                let mut commands = Vec::new();
                for cidr in &self.cidrs {
                    commands.push(format!("echo {cidr} >> {}", list.file));
                    list.entries.push((*cidr, 0));
                }
                sim.ruleset = cidrs::compile(list);
                Ok((commands, None))
            }
        }
    }

    /// ufw manages the host: `ufw insert 1 allow …` puts the rule first among ufw's user rules
    /// (`ufw-user-input`), and ufw keeps it across reboots by itself.
    fn ufw(&self, sim: &mut Layer) -> Result<Vec<String>, Text> {
        let name = if self.family == Family::V6 { "ufw6-user-input" } else { "ufw-user-input" };
        let id = sim
            .ruleset
            .chains
            .iter()
            .position(|c| c.name == name || c.name == "ufw-user-input")
            .ok_or_else(|| t!("firewall-fix-no-ufw-chain", chain = name))?;
        let mut commands = Vec::new();
        for cidr in &self.cidrs {
            let to = self.peer.map_or("any".to_string(), |p| p.to_string());
            let cmd =
                format!("ufw insert 1 allow from {cidr} to {to} port {} proto tcp comment '{}'", self.port, self.label);
            sim.ruleset.chains[id].rules.insert(0, self.rule(cidr, cmd.clone(), false));
            commands.push(cmd);
        }
        Ok(commands)
    }

    /// firewalld manages these chains (its iptables backend, or its nft table): a rich rule in the
    /// zone, made permanent. The simulation accepts at the chain that denied.
    fn firewalld_in_dump(&self, sim: &mut Layer, chain_id: ChainId, zone: &str) -> Result<Vec<String>, Text> {
        let family = if self.family == Family::V6 { "ipv6" } else { "ipv4" };
        let at = self.decider.rule.unwrap_or(0);
        let mut commands = Vec::new();
        for cidr in &self.cidrs {
            let cmd = format!(
                "firewall-cmd --permanent --zone={zone} --add-rich-rule='rule family=\"{family}\" source address=\"{cidr}\" port port=\"{}\" protocol=\"tcp\" accept'",
                self.port
            );
            let inet = matches!(sim.kind, LayerKind::Nft(_));
            sim.ruleset.chains[chain_id].rules.insert(at, self.rule(cidr, cmd.clone(), inet));
            commands.push(cmd);
        }
        Ok(commands)
    }
}

/// `iptables-save` for the backend and family that made the dump.
fn save_command(backend: iptables::Backend, family: Family) -> &'static str {
    match (backend, family) {
        (iptables::Backend::Legacy, Family::V4) => "iptables-legacy-save",
        (iptables::Backend::Legacy, Family::V6) => "ip6tables-legacy-save",
        (iptables::Backend::Nft, Family::V4) => "iptables-nft-save",
        (iptables::Backend::Nft, Family::V6) => "ip6tables-nft-save",
        (iptables::Backend::Unknown, Family::V4) => "iptables-save",
        (iptables::Backend::Unknown, Family::V6) => "ip6tables-save",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::region::PoolKind;

    fn entries() -> Vec<PoolEntry> {
        vec![
            PoolEntry { entry: "192.0.2.10/32".parse().expect("net"), pool: PoolKind::Public },
            PoolEntry { entry: "198.51.100.0/26".parse().expect("net"), pool: PoolKind::Private },
            PoolEntry { entry: "2001:db8::/64".parse().expect("net"), pool: PoolKind::Private },
        ]
    }

    fn commands_for(rules: &str, pool: &str) -> Vec<String> {
        let layer =
            crate::firewall::iptables::parse(rules, "r", &crate::firewall::ipset::IpsetDb::default()).expect("parses");
        let net: IpNet = pool.parse().expect("cidr");
        let set = AddrSet::of_nets([&net]);
        let req = Request { port: 6443, destinations: &[], interface: None, flow: None, routes: None };
        let fix = fix_layer(&layer, &set, &req, "k8sjoin-check doc", "doc-1");
        assert!(fix.notes.is_empty(), "{fix:?}");
        fix.commands
    }

    #[test]
    fn a_policy_reached_through_goto_is_fixed_at_the_top() {
        // Addresses sent to U1 with -g come back to INPUT's policy, past every later INPUT rule:
        // appending would not help, the simulation notices and inserts at the top.
        let rules = "*filter\n:INPUT DROP [0:0]\n:U1 - [0:0]\n-A INPUT -m conntrack --ctstate ESTABLISHED -j ACCEPT\n-A INPUT -s 198.51.100.0/24 -g U1\nCOMMIT\n";
        assert_eq!(
            commands_for(rules, "198.51.100.0/26"),
            [
                "iptables -I INPUT 1 -s 198.51.100.0/26 -p tcp -m tcp --dport 6443 -m comment --comment \"k8sjoin-check doc\" -j ACCEPT"
            ]
        );
        // Without the goto, appending before the policy is enough.
        let rules = "*filter\n:INPUT DROP [0:0]\n-A INPUT -m conntrack --ctstate ESTABLISHED -j ACCEPT\nCOMMIT\n";
        assert!(commands_for(rules, "198.51.100.0/26")[0].starts_with("iptables -A INPUT -s 198.51.100.0/26"));
    }

    #[test]
    fn fixes_stay_out_of_chains_other_programs_own() {
        // kube-proxy's KUBE-FIREWALL drops: the fix goes into INPUT, before the jump to it.
        let rules = "*filter\n:INPUT ACCEPT [0:0]\n:KUBE-FIREWALL - [0:0]\n:f2b-sshd - [0:0]\n\
-A INPUT -p tcp -m multiport --dports 22 -j f2b-sshd\n-A INPUT -j KUBE-FIREWALL\n\
-A KUBE-FIREWALL -s 198.51.100.0/24 -j DROP\n-A f2b-sshd -j RETURN\nCOMMIT\n";
        assert_eq!(
            commands_for(rules, "198.51.100.0/26"),
            [
                "iptables -I INPUT 2 -s 198.51.100.0/26 -p tcp -m tcp --dport 6443 -m comment --comment \"k8sjoin-check doc\" -j ACCEPT"
            ]
        );
        for owned in ["cali-INPUT", "CILIUM_INPUT", "DOCKER-USER", "f2b-sshd"] {
            let rules = format!(
                "*filter\n:INPUT ACCEPT [0:0]\n:{owned} - [0:0]\n-A INPUT -s 192.0.2.0/24 -j ACCEPT\n-A INPUT -j {owned}\n-A {owned} -j DROP\nCOMMIT\n"
            );
            let commands = commands_for(&rules, "198.51.100.0/26");
            assert!(commands[0].starts_with("iptables -I INPUT 2 "), "{owned}: {commands:?}");
        }
    }

    #[test]
    fn on_a_ufw_host_the_fix_is_a_ufw_rule_and_needs_no_saving() {
        let rules = "*filter\n:INPUT DROP [0:0]\n:ufw-before-input - [0:0]\n:ufw-user-input - [0:0]\n\
-A INPUT -j ufw-before-input\n-A ufw-before-input -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT\n\
-A ufw-before-input -j ufw-user-input\n-A ufw-user-input -s 198.51.100.0/28 -j DROP\nCOMMIT\n";
        let layer =
            crate::firewall::iptables::parse(rules, "r", &crate::firewall::ipset::IpsetDb::default()).expect("parses");
        let net: IpNet = "198.51.100.0/26".parse().expect("cidr");
        let req = Request { port: 6443, destinations: &[], interface: None, flow: None, routes: None };
        let fix = fix_layer(&layer, &AddrSet::of_nets([&net]), &req, "k8sjoin-check doc", "doc-1");
        assert!(fix.notes.is_empty(), "{fix:?}");
        // One step per deciding rule: ufw's own deny, then INPUT's policy (ufw's too).
        assert_eq!(
            fix.commands,
            [
                "ufw insert 1 allow from 198.51.100.0/28 to any port 6443 proto tcp comment 'k8sjoin-check doc'",
                "ufw insert 1 allow from 198.51.100.16/28 to any port 6443 proto tcp comment 'k8sjoin-check doc'",
                "ufw insert 1 allow from 198.51.100.32/27 to any port 6443 proto tcp comment 'k8sjoin-check doc'"
            ]
        );
        assert!(fix.persist().is_empty(), "ufw keeps its rules: {fix:?}");
    }

    #[test]
    fn every_fix_ends_with_its_persistence_step() {
        let rules = "*filter\n:INPUT DROP [0:0]\nCOMMIT\n";
        let layer =
            crate::firewall::iptables::parse(rules, "r", &crate::firewall::ipset::IpsetDb::default()).expect("parses");
        let net: IpNet = "198.51.100.0/26".parse().expect("cidr");
        let req = Request { port: 6443, destinations: &[], interface: None, flow: None, routes: None };
        let fix = fix_layer(&layer, &AddrSet::of_nets([&net]), &req, "k8sjoin-check doc", "doc-1");
        let persist = fix.persist();
        assert!(persist[0].starts_with("iptables-save > /etc/sysconfig/iptables"), "{persist:?}");
        assert!(persist[1].starts_with("netfilter-persistent save"), "{persist:?}");
        let zone = "<zone><service name=\"ssh\"/></zone>";
        let layer = crate::firewall::firewalld::parse_zone_file(
            zone,
            "public.xml",
            &crate::firewall::ipset::IpsetDb::default(),
        )
        .expect("parses");
        let fix = fix_layer(&layer, &AddrSet::of_nets([&net]), &req, "k8sjoin-check doc", "doc-1");
        assert!(fix.commands.iter().all(|c| c.starts_with("firewall-cmd --permanent ")), "{fix:?}");
        assert_eq!(fix.persist(), ["firewall-cmd --reload"]);
    }

    #[test]
    fn a_forwarder_is_fixed_on_the_port_each_chain_sees() {
        use crate::firewall::eval::Flow;
        // The security group sees port A before the translation; FORWARD sees the API server's port.
        let sg = r#"{"SecurityGroupId": "sg-doc1", "RegionId": "doc-1", "Permissions": {"Permission": [
{"Direction": "ingress", "IpProtocol": "TCP", "PortRange": "22/22", "SourceCidrIp": "0.0.0.0/0", "Policy": "Accept", "Priority": 1}]}}"#;
        let layer = crate::firewall::ecs_sg::parse(sg, "sg.json").expect("parses");
        let arrival: [IpAddr; 1] = ["203.0.113.1".parse().expect("ip")];
        let target: [IpAddr; 1] = ["192.0.2.50".parse().expect("ip")];
        let flow = Flow { listen_port: 16443, port: 6443, arrival: &arrival, in_iface: None, out_iface: None };
        let req = Request { port: 6443, destinations: &target, interface: None, flow: Some(flow), routes: None };
        let net: IpNet = "198.51.100.0/26".parse().expect("cidr");
        let fix = fix_layer(&layer, &AddrSet::of_nets([&net]), &req, "k8sjoin-check doc", "doc-1");
        assert!(fix.notes.is_empty(), "{fix:?}");
        assert!(fix.commands[0].contains("--Permissions.1.PortRange 16443/16443"), "{fix:?}");

        let rules = "*filter\n:FORWARD DROP [0:0]\n-A FORWARD -m conntrack --ctstate ESTABLISHED -j ACCEPT\nCOMMIT\n";
        let layer =
            crate::firewall::iptables::parse(rules, "r", &crate::firewall::ipset::IpsetDb::default()).expect("parses");
        let fix = fix_layer(&layer, &AddrSet::of_nets([&net]), &req, "k8sjoin-check doc", "doc-1");
        assert_eq!(
            fix.commands,
            [
                "iptables -A FORWARD -s 198.51.100.0/26 -d 192.0.2.50/32 -p tcp -m tcp --dport 6443 -m comment --comment \"k8sjoin-check doc\" -j ACCEPT"
            ]
        );
    }

    #[test]
    fn answers_dropped_on_output_are_fixed_on_output() {
        let rules = "*filter\n:INPUT DROP [0:0]\n:OUTPUT DROP [0:0]\n-A INPUT -p tcp --dport 6443 -j ACCEPT\nCOMMIT\n";
        assert_eq!(
            commands_for(rules, "203.0.113.0/24"),
            [
                "iptables -A OUTPUT -d 203.0.113.0/24 -p tcp -m tcp --sport 6443 -m comment --comment \"k8sjoin-check doc\" -j ACCEPT"
            ]
        );
    }

    #[test]
    fn iptables_fragment_splits_families() {
        let e = entries();
        let text = iptables_restore(&Admit { entries: &e, port: 6443, label: "k8sjoin-check doc-1", region: "doc-1" });
        assert_eq!(text.matches("*filter").count(), 2);
        assert!(text.contains("-I INPUT -s 192.0.2.10/32 -p tcp -m tcp --dport 6443 -m comment --comment \"k8sjoin-check doc-1 public\" -j ACCEPT"));
        assert!(text.contains("ip6tables-restore"));
    }

    #[test]
    fn ecs_numbers_permissions() {
        let e = entries();
        let text = ecs_sg_command(&Admit { entries: &e, port: 8443, label: "k", region: "doc-1" });
        assert!(text.contains("--Permissions.3.Ipv6SourceCidrIp 2001:db8::/64"));
        assert!(text.contains("--Permissions.1.PortRange 8443/8443"));
    }
}
