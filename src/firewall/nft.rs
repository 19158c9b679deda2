//! `nft -j list ruleset` (JSON) into the rule model: tables of every family, base chains with
//! their hook, priority and policy, named and anonymous sets (interval sets included), verdict
//! maps, jump/goto/return.
//!
//! Tables that iptables-nft manages appear here with opaque `xt` expressions; they are recognised
//! ([`Info::iptables_nft_tables`]) so that, when the iptables dump is loaded too, they are judged
//! once (see [`crate::firewall::drop_double_counted`]). Errors name the line of the offending
//! object (a pretty-printed dump has one object per line or more; `nft -j` writes one line).

use std::collections::HashMap;
use std::net::IpAddr;

use serde::Deserialize;
use serde_json::Value;
use serde_json::value::RawValue;

use crate::error::{InputError, line_of};
use crate::firewall::model::{
    Action, Base, Chain, ChainId, Direction, Effect, Families, Hook, IfName, MarkOp, MarkTarget, Match, NatAddr, NatTo,
    Origin, Policy, PortSide, Ports, Protos, Rule, RuleText, Ruleset, Side, Undecidable, Verdict, addrtype, ct, tcp,
};
use crate::firewall::ranges::{Family, Spans, number};
use crate::firewall::{Layer, LayerKind, protocols};
use crate::i18n::Text;
use crate::t;

/// What an nft layer is, beyond its rules.
#[derive(Debug, Clone, Default)]
pub struct Info {
    /// Tables that look like iptables-nft's (`ip filter` with INPUT/FORWARD/OUTPUT base chains).
    pub iptables_nft_tables: Vec<(Family, String)>,
}

#[derive(Deserialize)]
struct Top<'a> {
    #[serde(borrow)]
    nftables: Vec<&'a RawValue>,
}

/// A named set or map: its element type and elements.
#[derive(Debug, Clone)]
struct NamedSet {
    kind: SetType,
    elems: Vec<Value>,
    /// For verdict maps: (key, verdict) pairs.
    map: Option<Vec<(Value, Value)>>,
}

#[derive(Debug, Clone, PartialEq)]
enum SetType {
    Addr(Family),
    Service,
    Ifname,
    Proto,
    Mark,
    Other(String),
}

fn set_type(v: &Value) -> SetType {
    match v.as_str() {
        Some("ipv4_addr") => SetType::Addr(Family::V4),
        Some("ipv6_addr") => SetType::Addr(Family::V6),
        Some("inet_service") => SetType::Service,
        Some("ifname") => SetType::Ifname,
        Some("inet_proto") => SetType::Proto,
        Some("mark") => SetType::Mark,
        _ => SetType::Other(v.to_string()),
    }
}

/// Per-table state while reading.
#[derive(Debug, Default)]
struct TableState {
    chains: HashMap<String, ChainId>,
    sets: HashMap<String, NamedSet>,
}

/// Parses a dump into a layer named `name`.
pub fn parse(text: &str, name: &str) -> Result<Layer, InputError> {
    let top: Top<'_> = serde_json::from_str(text)
        .map_err(|e| InputError::new(name, Some(e.line()), t!("rules-nft-not-json", error = e.to_string())))?;
    let mut objects: Vec<(usize, Value)> = Vec::with_capacity(top.nftables.len());
    for raw in &top.nftables {
        let offset = (raw.get().as_ptr() as usize).saturating_sub(text.as_ptr() as usize);
        let line = line_of(text, offset);
        let v: Value = serde_json::from_str(raw.get())
            .map_err(|e| InputError::new(name, Some(line), Text::verbatim(e.to_string())))?;
        objects.push((line, v));
    }
    let err = |line: usize, what: Text| InputError::new(name, Some(line), what);

    let mut rs = Ruleset::default();
    let mut tables: HashMap<(String, String), TableState> = HashMap::new();
    let mut table_order: Vec<(String, String)> = Vec::new();
    let mut base_names: HashMap<(String, String), Vec<String>> = HashMap::new();
    // Pass 1: tables, chains, sets, maps.
    for (line, obj) in &objects {
        let line = *line;
        let Some((kind, body)) = single_key(obj) else {
            return Err(err(line, t!("rules-nft-object")));
        };
        match kind {
            "table" => {
                let key = (field_str(body, "family", line, name)?, field_str(body, "name", line, name)?);
                if !tables.contains_key(&key) {
                    table_order.push(key.clone());
                }
                tables.entry(key).or_default();
            }
            "chain" => {
                let family = field_str(body, "family", line, name)?;
                let table = field_str(body, "table", line, name)?;
                let chain = field_str(body, "name", line, name)?;
                let label = format!("{family} {table}");
                let state = tables
                    .get_mut(&(family.clone(), table.clone()))
                    .ok_or_else(|| err(line, t!("rules-nft-chain-undeclared-table", chain = &chain, table = &label)))?;
                let mut c = Chain::new(chain.clone(), label.as_str());
                let hook = body.get("hook").and_then(Value::as_str);
                if hook.is_some() {
                    let policy = match body.get("policy").and_then(Value::as_str) {
                        None | Some("accept") => Verdict::Accept,
                        Some("drop") => Verdict::Drop,
                        Some(other) => {
                            return Err(err(line, t!("rules-nft-policy", policy = format!("{other:?}"))));
                        }
                    };
                    let text = format!(
                        "type {} hook {} priority {}; policy {};",
                        body.get("type").and_then(Value::as_str).unwrap_or("filter"),
                        hook.unwrap_or_default(),
                        body.get("prio").map(Value::to_string).unwrap_or_default(),
                        if policy == Verdict::Accept { "accept" } else { "drop" }
                    );
                    c.policy = Some(Box::new(Policy {
                        verdict: policy,
                        origin: Origin { line: Some(line), text: text.into(), ..Origin::default() },
                    }));
                }
                let id = rs.add_chain(c);
                state.chains.insert(chain.clone(), id);
                if let Some(hook) = hook {
                    let families = match family.as_str() {
                        "ip" => Some(Families::only(Family::V4)),
                        "ip6" => Some(Families::only(Family::V6)),
                        "inet" | "netdev" => Some(Families::BOTH),
                        _ => None,
                    };
                    let hook = match hook {
                        "ingress" => Some(Hook::Ingress),
                        "prerouting" => Some(Hook::Prerouting),
                        "input" => Some(Hook::Input),
                        "forward" => Some(Hook::Forward),
                        "output" => Some(Hook::Output),
                        "postrouting" => Some(Hook::Postrouting),
                        _ => None,
                    };
                    if let (Some(families), Some(hook)) = (families, hook) {
                        let priority = priority(body.get("prio")).ok_or_else(|| err(line, t!("rules-nft-priority")))?;
                        let nat = body.get("type").and_then(Value::as_str) == Some("nat");
                        rs.bases.push(Base { chain: id, hook, priority, families, nat });
                        if let Some(dev) = body.get("dev").and_then(Value::as_str) {
                            // A netdev chain sees only its device's packets.
                            rs.chains[id].rules.push(Rule {
                                matches: vec![Match::Iface {
                                    dir: Direction::In,
                                    names: vec![IfName::parse(dev)],
                                    negated: true,
                                }],
                                effects: vec![],
                                action: Action::Verdict(Verdict::Accept),
                                origin: Origin {
                                    number: 0,
                                    line: Some(line),
                                    text: format!("(this chain runs only for packets arriving on {dev})").into(),
                                    ..Origin::default()
                                },
                            });
                        }
                        base_names.entry((family.clone(), table.clone())).or_default().push(chain);
                    }
                }
            }
            "set" | "map" => {
                let family = field_str(body, "family", line, name)?;
                let table = field_str(body, "table", line, name)?;
                let set = field_str(body, "name", line, name)?;
                let state = tables
                    .get_mut(&(family, table))
                    .ok_or_else(|| err(line, t!("rules-nft-set-undeclared-table", set = &set)))?;
                let kind = set_type(body.get("type").unwrap_or(&Value::Null));
                let elems: Vec<Value> = body.get("elem").and_then(Value::as_array).cloned().unwrap_or_default();
                // A map's data type: only verdict maps (`vmap`) decide anything.
                let map = if body.get("map").and_then(Value::as_str) == Some("verdict") {
                    let mut pairs = Vec::new();
                    for e in &elems {
                        match e.as_array().map(Vec::as_slice) {
                            Some([k, v]) => pairs.push((k.clone(), v.clone())),
                            _ => {
                                return Err(err(
                                    line,
                                    t!("rules-nft-map-element", map = &set, element = e.to_string()),
                                ));
                            }
                        }
                    }
                    Some(pairs)
                } else {
                    None
                };
                state.sets.insert(set, NamedSet { kind, elems, map });
            }
            _ => {}
        }
    }

    // Pass 2: rules, in the order nft lists them (which is chain order).
    let mut expanded_id = 0usize;
    let mut numbers: HashMap<ChainId, usize> = HashMap::new();
    for (line, obj) in &objects {
        let line = *line;
        let Some(("rule", body)) = single_key(obj) else { continue };
        let family = field_str(body, "family", line, name)?;
        let table = field_str(body, "table", line, name)?;
        let chain = field_str(body, "chain", line, name)?;
        let state = tables
            .get(&(family.clone(), table.clone()))
            .ok_or_else(|| err(line, t!("rules-nft-rule-undeclared-table", table = format!("{family} {table}"))))?;
        let chain_id = *state.chains.get(&chain).ok_or_else(|| {
            err(line, t!("rules-nft-rule-undeclared-chain", chain = &chain, table = format!("{family} {table}")))
        })?;
        let exprs =
            body.get("expr").and_then(Value::as_array).ok_or_else(|| err(line, t!("rules-nft-rule-no-expr")))?;
        let ctx = Ctx { family: &family, state };
        let variants = convert(exprs, &ctx).map_err(|w| err(line, Text::Untranslated(w)))?;
        let count = numbers.entry(chain_id).or_insert(0);
        *count += 1;
        let number = *count;
        let comment = body.get("comment").and_then(Value::as_str);
        let text = RuleText::from(render_rule(exprs, comment));
        let handle = body.get("handle").and_then(Value::as_u64);
        let shared = (variants.len() > 1).then(|| {
            expanded_id += 1;
            expanded_id
        });
        for (matches, effects, action) in variants {
            rs.chains[chain_id].rules.push(Rule {
                matches,
                effects,
                action,
                origin: Origin { number, line: Some(line), text: text.clone(), handle, expanded_from: shared },
            });
        }
    }

    let mut info = Info::default();
    for (family, table) in &table_order {
        let fam = match family.as_str() {
            "ip" => Family::V4,
            "ip6" => Family::V6,
            _ => continue,
        };
        let iptables_table = matches!(table.as_str(), "filter" | "nat" | "mangle" | "raw" | "security");
        let bases = base_names.get(&(family.clone(), table.clone()));
        let iptables_chains = bases.is_some_and(|b| {
            b.iter().all(|c| matches!(c.as_str(), "PREROUTING" | "INPUT" | "FORWARD" | "OUTPUT" | "POSTROUTING"))
        });
        if iptables_table && iptables_chains {
            info.iptables_nft_tables.push((fam, table.clone()));
        }
    }
    Ok(Layer {
        name: name.to_string(),
        kind: LayerKind::Nft(info),
        families: Families::BOTH,
        ruleset: rs,
        notes: Vec::new(),
    })
}

/// Removes the base chains of tables that an iptables dump of the same host already covers.
pub fn exclude_iptables_tables(layer: &mut Layer, owned: &[(Family, String)]) {
    let LayerKind::Nft(info) = &layer.kind else { return };
    let drop: Vec<String> = info
        .iptables_nft_tables
        .iter()
        .filter(|t| owned.contains(t))
        .map(|(f, t)| format!("{} {t}", if *f == Family::V4 { "ip" } else { "ip6" }))
        .collect();
    if drop.is_empty() {
        return;
    }
    let rs = &mut layer.ruleset;
    let chains = &rs.chains;
    rs.bases.retain(|b| !drop.iter().any(|d| **d == *chains[b.chain].table));
    for c in rs.chains.iter_mut() {
        if drop.iter().any(|d| **d == *c.table) {
            c.rules.clear();
        }
    }
    for t in drop {
        layer.notes.push(format!("table {t} is managed by iptables-nft: judged from the iptables dump, not twice"));
    }
}

fn single_key(v: &Value) -> Option<(&str, &Value)> {
    let obj = v.as_object()?;
    if obj.len() != 1 {
        return None;
    }
    obj.iter().next().map(|(k, v)| (k.as_str(), v))
}

fn field_str(v: &Value, key: &str, line: usize, file: &str) -> Result<String, InputError> {
    v.get(key)
        .and_then(Value::as_str)
        .map(str::to_string)
        .ok_or_else(|| InputError::new(file, Some(line), t!("rules-nft-missing-string", key = key)))
}

fn priority(v: Option<&Value>) -> Option<i32> {
    match v? {
        Value::Number(n) => n.as_i64().and_then(|n| i32::try_from(n).ok()),
        Value::String(s) => Some(match s.as_str() {
            "raw" => -300,
            "mangle" => -150,
            "dstnat" => -100,
            "filter" => 0,
            "security" => 50,
            "srcnat" => 100,
            other => other.parse().ok()?,
        }),
        _ => None,
    }
}

struct Ctx<'a> {
    family: &'a str,
    state: &'a TableState,
}

impl Ctx<'_> {
    /// Whether the table sees both families, so that `ip saddr` carries an implicit family test.
    fn multi_family(&self) -> bool {
        !matches!(self.family, "ip" | "ip6")
    }
}

type Variant = (Vec<Match>, Vec<Effect>, Action);

/// Translates a rule's expressions; a verdict map yields one variant per element.
fn convert(exprs: &[Value], ctx: &Ctx<'_>) -> Result<Vec<Variant>, String> {
    let mut matches: Vec<Match> = Vec::new();
    let mut effects: Vec<Effect> = Vec::new();
    for e in exprs {
        let Some((kind, body)) = single_key(e) else {
            return Err(format!("expression {e} is not an object with one key"));
        };
        let action = match kind {
            "match" => {
                let marked = !effects.is_empty();
                let mut ms = match_expr(body, ctx)?;
                if marked && ms.iter().any(|m| matches!(m, Match::Mark { .. })) {
                    ms = vec![Match::unknown("a mark set earlier in the same rule")];
                }
                matches.extend(ms);
                continue;
            }
            "counter" | "log" | "flow" | "dup" | "secmark" | "ct helper" | "ct timeout" | "ct expectation" => {
                continue;
            }
            "limit" | "quota" | "meter" | "set" | "connlimit" => {
                matches.push(Match::Unknown(Undecidable::RateOrState { what: render_stmt(e).into() }));
                continue;
            }
            "mangle" => {
                if let Some(effect) = mangle(body) {
                    effects.push(effect);
                }
                continue;
            }
            "xt" => {
                let xname = body.get("name").and_then(Value::as_str).unwrap_or("?");
                match body.get("type").and_then(Value::as_str) {
                    Some("target") => Action::Unknown(Undecidable::OpaqueXt { name: xname.into(), target: true }),
                    _ => {
                        matches.push(Match::Unknown(Undecidable::OpaqueXt { name: xname.into(), target: false }));
                        continue;
                    }
                }
            }
            "accept" => Action::Verdict(Verdict::Accept),
            "drop" => Action::Verdict(Verdict::Drop),
            "reject" => Action::Verdict(Verdict::Reject),
            "return" => Action::Return,
            "continue" => continue,
            "jump" | "goto" => {
                let target = body.get("target").and_then(Value::as_str).ok_or("jump/goto without a target")?;
                let id = *ctx
                    .state
                    .chains
                    .get(target)
                    .ok_or_else(|| format!("{kind} to chain {target}, which is not declared"))?;
                if kind == "jump" { Action::Jump(id) } else { Action::Goto(id) }
            }
            "dnat" | "redirect" | "tproxy" | "snat" | "masquerade" => {
                let (to, family) = nat_statement(kind, body);
                if let Some(f) = family {
                    // `dnat ip to …` in an inet table leaves IPv6 packets alone.
                    matches.push(Match::Family(f));
                }
                if matches!(kind, "snat" | "masquerade") {
                    Action::Snat(Box::new(to))
                } else {
                    Action::Dnat(Box::new(to))
                }
            }
            "queue" => Action::unknown("queue: a userspace program decides"),
            "notrack" => Action::unknown("notrack: the connection is not tracked"),
            "vmap" => return verdict_map(body, ctx, &matches, &effects),
            other => {
                matches.push(Match::unknown(format!("statement {other} not evaluated")));
                continue;
            }
        };
        return Ok(vec![(matches, effects, action)]);
    }
    Ok(vec![(matches, effects, Action::Continue)])
}

/// Where a `dnat`/`snat`/`redirect`/`masquerade`/`tproxy` statement translates to, and the family
/// it is restricted to (`dnat ip to …` in an inet table).
fn nat_statement(kind: &str, body: &Value) -> (NatTo, Option<Family>) {
    let family = match body.get("family").and_then(Value::as_str) {
        Some("ip") => Some(Family::V4),
        Some("ip6") => Some(Family::V6),
        _ => None,
    };
    let port = |v: &Value| -> Result<(u16, u16), ()> {
        let one = |v: &Value| v.as_u64().and_then(|n| u16::try_from(n).ok()).ok_or(());
        match v.get("range").and_then(Value::as_array).map(Vec::as_slice) {
            Some([lo, hi]) => Ok((one(lo)?, one(hi)?)),
            _ => one(v).map(|p| (p, p)),
        }
    };
    let addr = |v: &Value| -> Option<(IpAddr, IpAddr)> {
        let ip = |v: &Value| v.as_str()?.parse::<IpAddr>().ok();
        match v.get("range").and_then(Value::as_array).map(Vec::as_slice) {
            Some([lo, hi]) => Some((ip(lo)?, ip(hi)?)),
            _ => ip(v).map(|a| (a, a)),
        }
    };
    let ports = match body.get("port") {
        None | Some(Value::Null) => Ok(None),
        Some(p) => port(p).map(Some),
    };
    let unknown = |why: String| (NatTo::to(NatAddr::Unknown(why.into()), None), family);
    let Ok(ports) = ports else {
        return unknown(format!("{kind} to a port expression the tool does not follow"));
    };
    let addr = match (kind, body.get("addr")) {
        ("tproxy", _) => return unknown("tproxy hands the connection to a local socket".into()),
        ("redirect" | "masquerade", _) => NatAddr::Local,
        (_, None | Some(Value::Null)) => NatAddr::Keep,
        (_, Some(v)) => match addr(v) {
            Some((lo, hi)) if lo.is_ipv4() == hi.is_ipv4() && number(lo) <= number(hi) => NatAddr::Range(lo, hi),
            _ => {
                return unknown(format!(
                    "{kind} to an address expression (a map or a prefix) the tool does not follow"
                ));
            }
        },
    };
    (NatTo::to(addr, ports), family)
}

fn mangle(body: &Value) -> Option<Effect> {
    let key = body.get("key")?;
    let target = if key.pointer("/meta/key").and_then(Value::as_str) == Some("mark") {
        MarkTarget::Packet
    } else if key.pointer("/ct/key").and_then(Value::as_str) == Some("mark") {
        MarkTarget::Conn
    } else {
        return None;
    };
    let value = body.get("value")?;
    let op = match value.as_u64().and_then(|n| u32::try_from(n).ok()) {
        Some(n) => MarkOp::Xmark { value: n, mask: u32::MAX },
        None if value.pointer("/meta/key").and_then(Value::as_str) == Some("mark") && target == MarkTarget::Conn => {
            MarkOp::CopyFromOther { mask: u32::MAX }
        }
        None if value.pointer("/ct/key").and_then(Value::as_str) == Some("mark") && target == MarkTarget::Packet => {
            MarkOp::CopyFromOther { mask: u32::MAX }
        }
        None => MarkOp::Unknown { mask: u32::MAX },
    };
    Some(Effect { target, op })
}

fn verdict_of(v: &Value, ctx: &Ctx<'_>) -> Result<Action, String> {
    let Some((kind, body)) = single_key(v) else { return Err(format!("verdict {v} is not an object")) };
    Ok(match kind {
        "accept" => Action::Verdict(Verdict::Accept),
        "drop" => Action::Verdict(Verdict::Drop),
        "reject" => Action::Verdict(Verdict::Reject),
        "return" => Action::Return,
        "continue" => Action::Continue,
        "jump" | "goto" => {
            let target = body.get("target").and_then(Value::as_str).ok_or("jump without a target")?;
            let id = *ctx
                .state
                .chains
                .get(target)
                .ok_or_else(|| format!("{kind} to chain {target}, which is not declared"))?;
            if kind == "jump" { Action::Jump(id) } else { Action::Goto(id) }
        }
        other => Action::unknown(format!("verdict {other} not evaluated")),
    })
}

/// `KEY vmap { k1 : verdict1, … }`: one variant per element, each with `KEY == k`. Keys of a map
/// are disjoint, so trying them in order is the same as looking the key up.
fn verdict_map(body: &Value, ctx: &Ctx<'_>, prefix: &[Match], effects: &[Effect]) -> Result<Vec<Variant>, String> {
    let key = body.get("key").ok_or("vmap without a key")?;
    let data = body.get("data").ok_or("vmap without data")?;
    let pairs: Vec<(Value, Value)> = match data {
        Value::String(s) if s.starts_with('@') => {
            let set = ctx.state.sets.get(&s[1..]).ok_or_else(|| format!("vmap @{}: no such map", &s[1..]))?;
            set.map.clone().ok_or_else(|| format!("vmap {s}: not a verdict map"))?
        }
        other => {
            let elems = other.get("set").and_then(Value::as_array).ok_or("vmap data: expected {\"set\": [...]}")?;
            elems
                .iter()
                .map(|e| match e.as_array().map(Vec::as_slice) {
                    Some([k, v]) => Ok((k.clone(), v.clone())),
                    _ => Err(format!("vmap element {e} is not a [key, verdict] pair")),
                })
                .collect::<Result<_, String>>()?
        }
    };
    let mut out = Vec::new();
    for (k, v) in pairs {
        let probe = serde_json::json!({"op": "==", "left": key, "right": k});
        let mut matches = prefix.to_vec();
        matches.extend(match_expr(&probe, ctx)?);
        out.push((matches, effects.to_vec(), verdict_of(&v, ctx)?));
    }
    Ok(out)
}

/// What the left side of a match tests.
#[derive(Debug, Clone)]
enum Left {
    Addr(Side, Family),
    Port(PortSide, Option<u8>),
    L4Proto,
    IpProto(Family),
    NfProto,
    Iface(Direction),
    Mark(MarkTarget, u32),
    CtState,
    CtStatus,
    CtDirection,
    TcpFlags(u8),
    /// `fib saddr type` / `fib daddr type`: the routing type of that address.
    FibType(Side),
    /// `fib saddr [. mark] [. iif] oif`: the interface the route back leaves by (loose without iif).
    FibReverse {
        loose: bool,
    },
    /// Not evaluated, but implying these matches (`icmpv6 type` implies protocol 58).
    Other(String, Vec<Match>),
}

/// The protocol a payload expression implies: a layer-4 protocol or an address family.
fn payload_dependency(proto: &str) -> Vec<Match> {
    let l4 = match proto {
        "tcp" => 6,
        "udp" => 17,
        "icmp" => 1,
        "icmpv6" => 58,
        "sctp" => 132,
        "dccp" => 33,
        "udplite" => 136,
        "esp" => 50,
        "ah" => 51,
        "ip" => return vec![Match::Family(Family::V4)],
        "ip6" => return vec![Match::Family(Family::V6)],
        _ => return Vec::new(),
    };
    vec![Match::Proto { protos: Protos::of(&[l4]), negated: false }]
}

fn left_of(v: &Value) -> Left {
    if let Some(p) = v.get("payload") {
        let proto = p.get("protocol").and_then(Value::as_str).unwrap_or("");
        let field = p.get("field").and_then(Value::as_str).unwrap_or("");
        return match (proto, field) {
            ("ip", "saddr") => Left::Addr(Side::Src, Family::V4),
            ("ip", "daddr") => Left::Addr(Side::Dst, Family::V4),
            ("ip6", "saddr") => Left::Addr(Side::Src, Family::V6),
            ("ip6", "daddr") => Left::Addr(Side::Dst, Family::V6),
            ("ip", "protocol") => Left::IpProto(Family::V4),
            ("ip6", "nexthdr") => Left::IpProto(Family::V6),
            ("tcp" | "udp" | "sctp" | "dccp" | "udplite" | "th", "dport" | "sport") => {
                let side = if field == "dport" { PortSide::Dst } else { PortSide::Src };
                let dep = match proto {
                    "tcp" => Some(6),
                    "udp" => Some(17),
                    "sctp" => Some(132),
                    "dccp" => Some(33),
                    "udplite" => Some(136),
                    _ => None,
                };
                Left::Port(side, dep)
            }
            ("tcp", "flags") => Left::TcpFlags(0xff),
            _ => Left::Other(format!("{proto} {field}").trim().to_string(), payload_dependency(proto)),
        };
    }
    if let Some(fib) = v.get("fib") {
        let flags: Vec<&str> = match fib.get("flags") {
            Some(Value::Array(list)) => list.iter().filter_map(Value::as_str).collect(),
            Some(Value::String(one)) => vec![one.as_str()],
            _ => vec![],
        };
        return match (fib.get("result").and_then(Value::as_str), flags.as_slice()) {
            (Some("type"), ["saddr"]) => Left::FibType(Side::Src),
            (Some("type"), ["daddr"]) => Left::FibType(Side::Dst),
            (Some("oif"), f) if f.contains(&"saddr") && f.iter().all(|x| matches!(*x, "saddr" | "iif" | "mark")) => {
                Left::FibReverse { loose: !f.contains(&"iif") }
            }
            _ => Left::Other(format!("fib {}", compact(fib)), vec![]),
        };
    }
    if let Some(key) = v.pointer("/meta/key").and_then(Value::as_str) {
        return match key {
            "l4proto" => Left::L4Proto,
            "nfproto" | "protocol" => Left::NfProto,
            "iif" | "iifname" => Left::Iface(Direction::In),
            "oif" | "oifname" => Left::Iface(Direction::Out),
            "mark" => Left::Mark(MarkTarget::Packet, u32::MAX),
            other => Left::Other(format!("meta {other}"), vec![]),
        };
    }
    if let Some(key) = v.pointer("/ct/key").and_then(Value::as_str) {
        if v.pointer("/ct/dir").is_some() {
            return Left::Other(format!("ct {key} (direction-specific)"), vec![]);
        }
        return match key {
            "state" => Left::CtState,
            "status" => Left::CtStatus,
            "direction" => Left::CtDirection,
            "mark" => Left::Mark(MarkTarget::Conn, u32::MAX),
            "l3proto" => Left::NfProto,
            "protocol" => Left::L4Proto,
            other => Left::Other(format!("ct {other}"), vec![]),
        };
    }
    if let Some([inner, mask]) = v.get("&").and_then(Value::as_array).map(Vec::as_slice) {
        return match (left_of(inner), mask) {
            (Left::Mark(t, _), m) if m.as_u64().is_some() => {
                Left::Mark(t, u32::try_from(m.as_u64().unwrap_or_default()).unwrap_or(u32::MAX))
            }
            (Left::TcpFlags(_), m) => match flag_bits(m, TCP_NAMES) {
                Some(bits) => Left::TcpFlags(bits),
                None => Left::Other("tcp flags & ?".into(), payload_dependency("tcp")),
            },
            (Left::CtState, _) => Left::CtState,
            _ => Left::Other(compact(v), vec![]),
        };
    }
    Left::Other(compact(v), vec![])
}

const TCP_NAMES: &[(&str, u8)] = &[
    ("fin", tcp::FIN),
    ("syn", tcp::SYN),
    ("rst", tcp::RST),
    ("psh", tcp::PSH),
    ("ack", tcp::ACK),
    ("urg", tcp::URG),
    ("ecn", tcp::ECE),
    ("cwr", tcp::CWR),
];

const CT_STATE_NAMES: &[(&str, u8)] = &[
    ("invalid", ct::INVALID),
    ("new", ct::NEW),
    ("established", ct::ESTABLISHED),
    ("related", ct::RELATED),
    ("untracked", ct::UNTRACKED),
];

const CT_STATUS_NAMES: &[(&str, u8)] = &[
    ("expected", ct::status::EXPECTED),
    ("seen-reply", ct::status::SEEN_REPLY),
    ("assured", ct::status::ASSURED),
    ("confirmed", ct::status::CONFIRMED),
    ("snat", ct::status::SNAT),
    ("dnat", ct::status::DNAT),
];

/// A flag name, a number, a list or an anonymous set of those, as bits.
fn flag_bits(v: &Value, names: &[(&str, u8)]) -> Option<u8> {
    match v {
        Value::String(s) => names.iter().find(|(n, _)| n == s).map(|(_, b)| *b),
        Value::Number(n) => n.as_u64().and_then(|n| u8::try_from(n).ok()),
        Value::Array(list) => list.iter().try_fold(0u8, |acc, x| flag_bits(x, names).map(|b| acc | b)),
        Value::Object(_) => v.get("set").and_then(|s| flag_bits(s, names)),
        _ => None,
    }
}

fn match_expr(body: &Value, ctx: &Ctx<'_>) -> Result<Vec<Match>, String> {
    let op = body.get("op").and_then(Value::as_str).unwrap_or("==");
    let left = body.get("left").ok_or("match without \"left\"")?;
    let right = body.get("right").ok_or("match without \"right\"")?;
    let negated = op == "!=";
    let unknown = |what: String| Ok(vec![Match::unknown(what)]);
    let mut out = Vec::new();
    match left_of(left) {
        Left::Addr(side, family) => {
            if ctx.multi_family() {
                out.push(Match::Family(family));
            }
            match addr_value(right, family, ctx)? {
                Some(set) if matches!(op, "==" | "!=" | "in") => out.push(Match::Addr { side, family, set, negated }),
                _ => return unknown(format!("address match {}", compact(body))),
            }
        }
        Left::Port(side, dep) => {
            if let Some(p) = dep {
                out.push(Match::Proto { protos: Protos::of(&[p]), negated: false });
            }
            let ranges = match op {
                "==" | "!=" | "in" => port_value(right, ctx),
                "<" | "<=" | ">" | ">=" => right.as_u64().and_then(|n| u16::try_from(n).ok()).map(|n| {
                    vec![match op {
                        "<" => (0, n.saturating_sub(1)),
                        "<=" => (0, n),
                        ">" => (n.saturating_add(1), u16::MAX),
                        _ => (n, u16::MAX),
                    }]
                }),
                _ => None,
            };
            match ranges {
                Some(ranges) => out.push(Match::Port { side, ranges: Ports::of(ranges), negated }),
                None => return unknown(format!("port match {}", compact(body))),
            }
        }
        Left::L4Proto | Left::IpProto(_) => {
            if let Left::IpProto(f) = left_of(left)
                && ctx.multi_family()
            {
                out.push(Match::Family(f));
            }
            match proto_value(right, ctx) {
                Some(protos) => out.push(Match::Proto { protos: Protos::of(&protos), negated }),
                None => return unknown(format!("protocol match {}", compact(body))),
            }
        }
        Left::NfProto => match right.as_str() {
            Some("ipv4" | "ip") => {
                out.push(if negated { Match::Family(Family::V6) } else { Match::Family(Family::V4) })
            }
            Some("ipv6" | "ip6") => {
                out.push(if negated { Match::Family(Family::V4) } else { Match::Family(Family::V6) })
            }
            _ => return unknown(format!("family match {}", compact(body))),
        },
        Left::Iface(dir) => match iface_value(right, ctx) {
            Some(names) => out.push(Match::Iface { dir, names, negated }),
            None => return unknown(format!("interface match {}", compact(body))),
        },
        Left::Mark(target, mask) => match right.as_u64().and_then(|n| u32::try_from(n).ok()) {
            Some(value) if matches!(op, "==" | "!=") => {
                out.push(Match::Mark { target, value: value & mask, mask, negated })
            }
            _ => return unknown(format!("mark match {}", compact(body))),
        },
        Left::CtState => match flag_bits(right, CT_STATE_NAMES) {
            Some(mask) => out.push(Match::CtState { mask, negated }),
            None => return unknown(format!("ct state match {}", compact(body))),
        },
        Left::CtStatus => match flag_bits(right, CT_STATUS_NAMES) {
            Some(mask) if mask != 0 => out.push(Match::CtStatus { mask, negated }),
            _ => return unknown(format!("ct status match {}", compact(body))),
        },
        Left::CtDirection => match right.as_str() {
            Some("original") => out.push(Match::CtOriginal { original: !negated }),
            Some("reply") => out.push(Match::CtOriginal { original: negated }),
            _ => return unknown(format!("ct direction match {}", compact(body))),
        },
        Left::TcpFlags(mask) => {
            out.push(Match::Proto { protos: Protos::of(&[6]), negated: false });
            let Some(bits) = flag_bits(right, TCP_NAMES) else {
                return unknown(format!("tcp flags match {}", compact(body)));
            };
            if right.get("set").is_some() {
                return unknown(format!("tcp flags in a set {}", compact(body)));
            }
            let m = match (op, mask) {
                ("in", _) => Match::TcpFlags { mask: bits, comp: 0, any: true, negated: false },
                ("==" | "!=", 0xff) => Match::TcpFlags { mask: 0xff, comp: bits, any: false, negated },
                ("==" | "!=", mask) => Match::TcpFlags { mask, comp: bits, any: false, negated },
                _ => return unknown(format!("tcp flags match {}", compact(body))),
            };
            out.push(m);
        }
        Left::FibReverse { loose } => {
            // `… oif missing` (false, or 0) holds when the check fails; `!= 0` / `exists` when it passes.
            let missing = matches!(right, Value::Bool(false)) || right.as_u64() == Some(0) || right == "missing";
            let exists = matches!(right, Value::Bool(true)) || right == "exists";
            match (missing, exists, op) {
                (true, _, "==") | (_, true, "!=") => out.push(Match::ReversePath { loose, negated: true }),
                (true, _, "!=") | (_, true, "==") => out.push(Match::ReversePath { loose, negated: false }),
                _ => return unknown(format!("fib match {}", compact(body))),
            }
        }
        Left::FibType(side) => {
            let names: Vec<&str> = match right {
                Value::String(one) => vec![one.as_str()],
                v => match v.get("set").and_then(Value::as_array) {
                    Some(list) => list.iter().filter_map(Value::as_str).collect(),
                    None => vec![],
                },
            };
            let types = names.iter().map(|n| addrtype::named(n)).collect::<Option<Vec<u16>>>();
            match types {
                Some(t) if !t.is_empty() && matches!(op, "==" | "!=" | "in") => {
                    out.push(Match::AddrType { side, types: t.iter().fold(0, |a, b| a | b), negated });
                }
                _ => return unknown(format!("fib type match {}", compact(body))),
            }
        }
        Left::Other(what, mut deps) => {
            deps.push(Match::unknown(format!("{what}: not evaluated")));
            return Ok(deps);
        }
    }
    Ok(out)
}

/// Elements of a right-hand side: an anonymous set's list, a named set's elements, or one value.
fn elements<'a>(
    v: &'a Value,
    ctx: &'a Ctx<'_>,
    want: impl Fn(&SetType) -> bool,
) -> Result<Option<Vec<&'a Value>>, String> {
    if let Some(name) = v.as_str().and_then(|s| s.strip_prefix('@')) {
        let set = ctx.state.sets.get(name).ok_or_else(|| format!("set @{name} is not in the dump"))?;
        if !want(&set.kind) {
            return Ok(None);
        }
        return Ok(Some(set.elems.iter().collect()));
    }
    if let Some(list) = v.get("set").and_then(Value::as_array) {
        return Ok(Some(list.iter().collect()));
    }
    Ok(Some(vec![v]))
}

/// Unwraps `{"elem": {"val": …}}` (elements with timeouts, counters or comments).
fn element_value(v: &Value) -> &Value {
    v.pointer("/elem/val").unwrap_or(v)
}

fn addr_value(v: &Value, family: Family, ctx: &Ctx<'_>) -> Result<Option<Spans>, String> {
    let Some(elems) = elements(v, ctx, |k| *k == SetType::Addr(family))? else { return Ok(None) };
    let bits = family.bits();
    let ip = |s: &str| -> Option<u128> {
        let ip: IpAddr = s.parse().ok()?;
        (Family::of(ip) == family).then(|| number(ip))
    };
    let mut out = Vec::new();
    for e in elems {
        let e = element_value(e);
        if let Some(s) = e.as_str() {
            let Some(n) = ip(s) else { return Ok(None) };
            out.push((n, n));
        } else if let Some(p) = e.get("prefix") {
            let (Some(a), Some(len)) =
                (p.get("addr").and_then(Value::as_str).and_then(ip), p.get("len").and_then(Value::as_u64))
            else {
                return Ok(None);
            };
            let len = u32::try_from(len).ok().filter(|l| *l <= bits).ok_or("prefix length out of range")?;
            out.extend_from_slice(Spans::prefix(a, len, bits).intervals());
        } else if let Some([lo, hi]) = e.get("range").and_then(Value::as_array).map(Vec::as_slice) {
            let (Some(lo), Some(hi)) = (lo.as_str().and_then(ip), hi.as_str().and_then(ip)) else { return Ok(None) };
            out.push((lo, hi));
        } else {
            return Ok(None);
        }
    }
    Ok(Some(Spans::from_intervals(out)))
}

fn port_value(v: &Value, ctx: &Ctx<'_>) -> Option<Vec<(u16, u16)>> {
    let elems = elements(v, ctx, |k| *k == SetType::Service).ok()??;
    let one = |v: &Value| -> Option<u16> {
        match v {
            Value::Number(n) => n.as_u64().and_then(|n| u16::try_from(n).ok()),
            Value::String(s) => match s.as_str() {
                "ssh" => Some(22),
                "http" => Some(80),
                "https" => Some(443),
                "domain" => Some(53),
                other => other.parse().ok(),
            },
            _ => None,
        }
    };
    let mut out = Vec::new();
    for e in elems {
        let e = element_value(e);
        if let Some([lo, hi]) = e.get("range").and_then(Value::as_array).map(Vec::as_slice) {
            out.push((one(lo)?, one(hi)?));
        } else {
            let p = one(e)?;
            out.push((p, p));
        }
    }
    Some(out)
}

fn proto_value(v: &Value, ctx: &Ctx<'_>) -> Option<Vec<u8>> {
    let elems = elements(v, ctx, |k| *k == SetType::Proto).ok()??;
    elems
        .into_iter()
        .map(|e| match element_value(e) {
            Value::Number(n) => n.as_u64().and_then(|n| u8::try_from(n).ok()),
            Value::String(s) => protocols::number(s),
            _ => None,
        })
        .collect()
}

fn iface_value(v: &Value, ctx: &Ctx<'_>) -> Option<Vec<IfName>> {
    let elems = elements(v, ctx, |k| *k == SetType::Ifname).ok()??;
    elems.into_iter().map(|e| element_value(e).as_str().map(IfName::parse)).collect()
}

fn compact(v: &Value) -> String {
    let s = v.to_string();
    if s.chars().count() > 160 { format!("{}…", s.chars().take(160).collect::<String>()) } else { s }
}

/// The rule in nft's own syntax, as far as the common expressions go (others as JSON).
pub fn render_rule(exprs: &[Value], comment: Option<&str>) -> String {
    let mut parts: Vec<String> = exprs.iter().map(render_stmt).collect();
    if let Some(c) = comment {
        parts.push(format!("comment \"{c}\""));
    }
    parts.join(" ")
}

fn render_stmt(e: &Value) -> String {
    let Some((kind, body)) = single_key(e) else { return compact(e) };
    match kind {
        "match" => {
            let op = body.get("op").and_then(Value::as_str).unwrap_or("==");
            let left = body.get("left").map(render_value).unwrap_or_default();
            let right = body.get("right").map(render_value).unwrap_or_default();
            match op {
                "==" | "in" => format!("{left} {right}"),
                other => format!("{left} {other} {right}"),
            }
        }
        "counter" => "counter".into(),
        "log" => match body.get("prefix").and_then(Value::as_str) {
            Some(p) => format!("log prefix \"{p}\""),
            None => "log".into(),
        },
        "accept" | "drop" | "return" | "continue" => kind.to_string(),
        "reject" => match body.get("type").and_then(Value::as_str) {
            Some(t) => format!("reject with {t}"),
            None => "reject".into(),
        },
        "jump" | "goto" => format!("{kind} {}", body.get("target").and_then(Value::as_str).unwrap_or("?")),
        "vmap" => format!(
            "{} vmap {}",
            body.get("key").map(render_value).unwrap_or_default(),
            body.get("data").map(render_value).unwrap_or_default()
        ),
        "xt" => format!(
            "xt {} {}",
            body.get("type").and_then(Value::as_str).unwrap_or(""),
            body.get("name").and_then(Value::as_str).unwrap_or("")
        ),
        "notrack" => kind.to_string(),
        "dnat" | "snat" | "redirect" | "masquerade" => {
            let mut out = kind.to_string();
            if let Some(f) = body.get("family").and_then(Value::as_str) {
                out.push_str(&format!(" {f}"));
            }
            let addr = body.get("addr").map(render_value).unwrap_or_default();
            let port = body.get("port").map(render_value).unwrap_or_default();
            let addr = if addr.contains(':') && !port.is_empty() { format!("[{addr}]") } else { addr };
            match (addr.is_empty(), port.is_empty()) {
                (true, true) => {}
                (false, true) => out.push_str(&format!(" to {addr}")),
                (_, false) => out.push_str(&format!(" to {addr}:{port}")),
            }
            out
        }
        _ => format!("{kind} {}", compact(body)),
    }
}

fn render_value(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Number(n) => n.to_string(),
        Value::Array(list) => list.iter().map(render_value).collect::<Vec<_>>().join(","),
        Value::Object(_) => {
            if let Some(p) = v.get("payload") {
                return format!(
                    "{} {}",
                    p.get("protocol").and_then(Value::as_str).unwrap_or("payload"),
                    p.get("field").and_then(Value::as_str).unwrap_or("")
                );
            }
            if let Some(k) = v.pointer("/meta/key").and_then(Value::as_str) {
                return format!("meta {k}");
            }
            if let Some(k) = v.pointer("/ct/key").and_then(Value::as_str) {
                return format!("ct {k}");
            }
            if let Some(p) = v.get("prefix") {
                return format!(
                    "{}/{}",
                    p.get("addr").and_then(Value::as_str).unwrap_or(""),
                    p.get("len").map(Value::to_string).unwrap_or_default()
                );
            }
            if let Some([lo, hi]) = v.get("range").and_then(Value::as_array).map(Vec::as_slice) {
                return format!("{}-{}", render_value(lo), render_value(hi));
            }
            if let Some(list) = v.get("set").and_then(Value::as_array) {
                let items: Vec<String> = list
                    .iter()
                    .map(|e| match e.as_array().map(Vec::as_slice) {
                        Some([k, val]) => format!("{} : {}", render_value(k), render_verdict(val)),
                        _ => render_value(element_value(e)),
                    })
                    .collect();
                return format!("{{ {} }}", items.join(", "));
            }
            if let Some([a, b]) = v.get("&").and_then(Value::as_array).map(Vec::as_slice) {
                return format!("{} & {}", render_value(a), render_value(b));
            }
            compact(v)
        }
        other => other.to_string(),
    }
}

fn render_verdict(v: &Value) -> String {
    match single_key(v) {
        Some((k, body)) => match body.get("target").and_then(Value::as_str) {
            Some(t) => format!("{k} {t}"),
            None => k.to_string(),
        },
        None => render_value(v),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::firewall::eval::{Judged, Packet, judge};

    const NATIVE: &str = include_str!("../../tests/fixtures/firewall/nft-j-list-ruleset.native.json");
    const VARIETY: &str = include_str!("../../tests/fixtures/firewall/nft-j-list-ruleset.variety.json");
    const FROM_IPT: &str = include_str!("../../tests/fixtures/firewall/nft-j-list-ruleset.from-iptables-nft.json");
    const FIREWALLD: &str = include_str!("../../tests/fixtures/firewall/nft-j-list-ruleset.firewalld.json");

    fn ip(s: &str) -> u128 {
        number(s.parse().expect("ip"))
    }

    fn verdicts(layer: &Layer, iface: Option<&str>, sources: &[&str]) -> Vec<&'static str> {
        let packets = Packet::to_local_port(Family::V4, 6443, Some("192.0.2.1".parse().expect("ip")), iface);
        sources
            .iter()
            .map(|s| {
                let addrs = Spans::span(ip(s), ip(s));
                let j = Judged::series(packets.iter().map(|p| judge(&layer.ruleset, p, &addrs)).collect());
                if !j.denied.is_empty() {
                    "DENY"
                } else if !j.unknown.is_empty() {
                    "UNKNOWN"
                } else {
                    "ACCEPT"
                }
            })
            .collect()
    }

    #[test]
    fn native_ruleset_agrees_with_the_recorded_kernel_run() {
        // oracle-run.native-nft.txt: .10 DROP (second table), .11 ACCEPT, .20 ACCEPT, .70 DROP,
        // .130 DROP (return → policy), 203.0.113.30 ACCEPT (set), 203.0.113.99 REJECT.
        let layer = parse(NATIVE, "native.json").expect("parses");
        assert_eq!(layer.ruleset.rule_count(), 10);
        let got = verdicts(
            &layer,
            None,
            &[
                "192.0.2.10",
                "192.0.2.11",
                "198.51.100.20",
                "198.51.100.70",
                "198.51.100.130",
                "203.0.113.30",
                "203.0.113.99",
            ],
        );
        assert_eq!(got, ["DENY", "ACCEPT", "ACCEPT", "DENY", "DENY", "ACCEPT", "DENY"]);
        let vmap = layer.ruleset.chains.iter().find(|c| c.name == "input").expect("chain");
        assert!(
            vmap.rules.iter().any(|r| r.origin.text == "tcp dport vmap { 22 : jump ssh, 6443 : jump k8s_api }"),
            "{:?}",
            vmap.rules
        );
    }

    #[test]
    fn variety_interval_set_anonymous_set_goto_and_interface() {
        let layer = parse(VARIETY, "variety.json").expect("parses");
        // Unknown interface: the eth0 rule may drop non-members, so those are unknown; members admitted.
        assert_eq!(verdicts(&layer, None, &["203.0.113.15", "192.0.2.5"]), ["ACCEPT", "UNKNOWN"]);
        // On eth0 non-members are dropped; on another interface they reach the goto (daddr known).
        assert_eq!(verdicts(&layer, Some("eth0"), &["203.0.113.15", "192.0.2.5"]), ["ACCEPT", "DENY"]);
        assert_eq!(verdicts(&layer, Some("eth1"), &["192.0.2.5", "198.51.100.200"]), ["ACCEPT", "DENY"]);
    }

    #[test]
    fn iptables_nft_tables_are_recognised_and_xt_is_unknown() {
        let layer = parse(FROM_IPT, "from-ipt.json").expect("parses");
        let LayerKind::Nft(info) = &layer.kind else { panic!("kind") };
        assert_eq!(info.iptables_nft_tables, vec![(Family::V4, "filter".to_string())]);
        // The conntrack match is opaque: nothing can be decided about the SYN path.
        assert_eq!(verdicts(&layer, None, &["198.51.100.20"]), ["UNKNOWN"]);
        let mut layer = layer;
        exclude_iptables_tables(&mut layer, &[(Family::V4, "filter".into())]);
        assert!(layer.ruleset.bases.is_empty());
        assert!(layer.notes[0].contains("managed by iptables-nft"));
    }

    #[test]
    fn firewalld_generated_ruleset() {
        // firewalld/oracle-run.firewalld.txt: .10 REJECT, 198.51.100.20 ACCEPT, .70 DROP, .130 ACCEPT,
        // 203.0.113.30 ACCEPT (cloudsec zone), 203.0.113.99 REJECT.
        let layer = parse(FIREWALLD, "firewalld.json").expect("parses");
        let got = verdicts(
            &layer,
            None,
            &["192.0.2.10", "198.51.100.20", "198.51.100.70", "198.51.100.130", "203.0.113.30", "203.0.113.99"],
        );
        assert_eq!(got, ["DENY", "ACCEPT", "DENY", "ACCEPT", "ACCEPT", "DENY"]);
    }

    #[test]
    fn named_verdict_maps_and_port_ranges() {
        let text = r#"{"nftables": [
{"table": {"family": "inet", "name": "t", "handle": 1}},
{"map": {"family": "inet", "name": "ports", "table": "t", "type": "inet_service", "handle": 2, "map": "verdict",
         "flags": ["interval"], "elem": [[{"range": [6000, 6999]}, {"drop": null}], [22, {"accept": null}]]}},
{"chain": {"family": "inet", "table": "t", "name": "input", "handle": 1, "type": "filter", "hook": "input", "prio": 0, "policy": "accept"}},
{"rule": {"family": "inet", "table": "t", "chain": "input", "handle": 3, "expr": [{"vmap": {"key": {"payload": {"protocol": "tcp", "field": "dport"}}, "data": "@ports"}}]}}
]}"#;
        let layer = parse(text, "map.json").expect("parses");
        assert_eq!(layer.ruleset.rule_count(), 1, "a verdict map is one rule");
        assert_eq!(verdicts(&layer, None, &["192.0.2.7"]), ["DENY"], "6443 is in 6000-6999");
        let p = Packet::to_local_port(Family::V4, 8443, None, None).remove(0);
        let j = judge(&layer.ruleset, &p, &Spans::span(ip("192.0.2.7"), ip("192.0.2.7")));
        assert!(j.denied.is_empty() && j.unknown.is_empty(), "8443 misses the map: {j:?}");
    }

    #[test]
    fn nat_statements_keep_where_they_translate_to() {
        // The statements as nft 1.0.6 prints them (`nft -j list ruleset`).
        let statements = [
            (r#"{"dnat": {"addr": "192.0.2.50", "port": 6443}}"#, "DNAT 192.0.2.50:6443", "dnat to 192.0.2.50:6443"),
            (r#"{"dnat": {"addr": "192.0.2.50"}}"#, "DNAT 192.0.2.50", "dnat to 192.0.2.50"),
            (
                r#"{"dnat": {"addr": {"range": ["192.0.2.50", "192.0.2.60"]}, "port": {"range": [6443, 6450]}}}"#,
                "DNAT 192.0.2.50-192.0.2.60:6443-6450",
                "dnat to 192.0.2.50-192.0.2.60:6443-6450",
            ),
            (r#"{"redirect": {"port": 6443}}"#, "DNAT this host:6443", "redirect to :6443"),
            (r#"{"redirect": null}"#, "DNAT this host", "redirect"),
            (
                r#"{"dnat": {"addr": {"map": {"key": {"payload": {"protocol": "tcp", "field": "dport"}}, "data": {"set": [[16447, "192.0.2.50"]]}}}}}"#,
                "DNAT (dnat to an address expression (a map or a prefix) the tool does not follow)",
                "",
            ),
            (r#"{"masquerade": null}"#, "SNAT this host", "masquerade"),
            (r#"{"snat": {"addr": "192.0.2.1"}}"#, "SNAT 192.0.2.1", "snat to 192.0.2.1"),
            (r#"{"masquerade": {"port": {"range": [1024, 2000]}, "flags": "random"}}"#, "SNAT this host:1024-2000", ""),
            (
                r#"{"dnat": {"family": "ip6", "addr": "2001:db8::5", "port": 6443}}"#,
                "DNAT [2001:db8::5]:6443",
                "dnat ip6 to [2001:db8::5]:6443",
            ),
        ];
        for (stmt, want, text) in statements {
            let json = format!(
                r#"{{"nftables": [{{"table": {{"family": "inet", "name": "t"}}}},
{{"chain": {{"family": "inet", "table": "t", "name": "c", "type": "nat", "hook": "prerouting", "prio": -100, "policy": "accept"}}}},
{{"rule": {{"family": "inet", "table": "t", "chain": "c", "handle": 3, "expr": [{stmt}]}}}}]}}"#
            );
            let layer = parse(&json, "nat.json").unwrap_or_else(|e| panic!("{stmt}: {e}"));
            let rule = &layer.ruleset.chains[0].rules[0];
            let got = match &rule.action {
                a @ (Action::Dnat(to) | Action::Snat(to)) => format!("{a} {to}"),
                other => format!("{other}"),
            };
            assert_eq!(got, want, "{stmt}");
            if !text.is_empty() {
                assert_eq!(rule.origin.text, text, "{stmt}");
            }
        }
        // `dnat ip6 to …` in an inet table leaves IPv4 connections alone.
        let json = r#"{"nftables": [{"table": {"family": "inet", "name": "t"}},
{"chain": {"family": "inet", "table": "t", "name": "c", "type": "nat", "hook": "prerouting", "prio": -100, "policy": "accept"}},
{"rule": {"family": "inet", "table": "t", "chain": "c", "handle": 3, "expr": [{"dnat": {"family": "ip6", "addr": "2001:db8::5", "port": 6443}}]}}]}"#;
        let layer = parse(json, "nat.json").expect("parses");
        let p = Packet::arriving(Family::V4, 16443, None, None);
        let pieces = crate::firewall::nat::judge_nat(&[layer], &Spans::span(ip("192.0.2.7"), ip("192.0.2.7")), &p);
        assert!(matches!(pieces[0].1, crate::firewall::nat::NatResult::Untranslated { .. }), "{pieces:?}");
    }

    #[test]
    fn fib_address_types_are_decided() {
        // Docker's nft backend: `fib daddr type local` (the API server's address is local).
        let rule = |expr: &str| {
            format!(
                r#"{{"nftables": [{{"table": {{"family": "ip", "name": "t"}}}},
{{"chain": {{"family": "ip", "table": "t", "name": "c", "type": "filter", "hook": "input", "prio": 0, "policy": "drop"}}}},
{{"rule": {{"family": "ip", "table": "t", "chain": "c", "handle": 3, "expr": [{expr}, {{"accept": null}}]}}}}]}}"#
            )
        };
        for (expr, want) in [
            (
                r#"{"match": {"op": "==", "left": {"fib": {"result": "type", "flags": ["daddr"]}}, "right": "local"}}"#,
                "ACCEPT",
            ),
            (
                r#"{"match": {"op": "!=", "left": {"fib": {"result": "type", "flags": ["daddr"]}}, "right": "local"}}"#,
                "DENY",
            ),
            (
                r#"{"match": {"op": "==", "left": {"fib": {"result": "type", "flags": ["saddr"]}}, "right": {"set": ["broadcast", "multicast"]}}}"#,
                "DENY",
            ),
            (r#"{"limit": {"rate": 5, "per": "minute"}}"#, "UNKNOWN"),
        ] {
            let layer = parse(&rule(expr), "fib.json").unwrap_or_else(|e| panic!("{expr}: {e}"));
            assert_eq!(verdicts(&layer, None, &["192.0.2.7"]), [want], "{expr}");
        }
    }

    #[test]
    fn malformed_json_names_the_line() {
        for (text, line, what) in [
            (
                "{\"nftables\": [\n{\"table\": {\"family\": \"inet\", \"name\": \"t\"}},\n{\"chain\": {\"family\": \"inet\", \"table\": \"x\", \"name\": \"c\"}}\n]}",
                3,
                "does not declare",
            ),
            (
                "{\"nftables\": [\n{\"rule\": {\"family\": \"inet\", \"table\": \"t\", \"chain\": \"c\", \"expr\": []}}\n]}",
                2,
                "does not declare",
            ),
            ("{\"nftables\": [\n{\"table\": {\"family\": \"inet\"}}\n]}", 2, "missing \"name\""),
            ("{\"nftables\": [\n{\"table\": {\"family\": \"inet\", \"name\": \"t\"}},\n", 3, "EOF"),
            ("[1, 2]", 1, "expected the JSON"),
            (
                "{\"nftables\": [\n{\"table\": {\"family\": \"inet\", \"name\": \"t\"}},\n{\"chain\": {\"family\": \"inet\", \"table\": \"t\", \"name\": \"c\"}},\n{\"rule\": {\"family\": \"inet\", \"table\": \"t\", \"chain\": \"c\", \"expr\": [{\"jump\": {\"target\": \"nowhere\"}}]}}\n]}",
                4,
                "not declared",
            ),
        ] {
            let e = parse(text, "rules.json").expect_err(text);
            assert_eq!(e.line, Some(line), "{text}: {e}");
            assert!(e.what.contains(what), "{text}: {e}");
        }
    }
}
