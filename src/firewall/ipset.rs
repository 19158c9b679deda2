//! `ipset save` dumps: the contents of the sets that iptables `-m set --match-set` rules test.
//!
//! Without a set's contents such a rule is undecidable, so `--ipset FILE` (or live mode) supplies
//! them. Only what a TCP verdict needs is modelled: address sets (`hash:ip`, `hash:net`,
//! `bitmap:ip`, with `nomatch` exceptions), address-port pairs (`hash:ip,port`, `hash:net,port`) and
//! `list:set` unions of those; any other type makes the rule `unknown`.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Arc;

use crate::error::InputError;
use crate::firewall::model::{AddrPortMatch, Match, Side, Undecidable};
use crate::firewall::ranges::{Family, Spans, number};
use crate::i18n::Text;
use crate::t;

/// All sets of one or more dumps, by name. Clones share the sets (a lazily read iptables dump
/// keeps one, to resolve `-m set` matches when it reads their chains).
#[derive(Debug, Clone, Default)]
pub struct IpsetDb {
    sets: Arc<HashMap<String, IpSet>>,
    /// Where the sets came from, for messages (`sets.txt`, `ipset save`).
    pub origins: Vec<String>,
}

#[derive(Debug, Clone)]
struct IpSet {
    kind: String,
    family: Family,
    members: Vec<Member>,
}

#[derive(Debug, Clone)]
struct Member {
    /// One value per dimension of the set type.
    values: Vec<Dim>,
    nomatch: bool,
}

#[derive(Debug, Clone)]
enum Dim {
    /// Addresses (`ip` and `net` dimensions) with their prefix length, for `nomatch` precedence.
    Addr(Spans, u32),
    Port(u8, u16, u16),
    Set(String),
    Other,
}

impl IpsetDb {
    pub fn is_empty(&self) -> bool {
        self.sets.is_empty()
    }

    pub fn len(&self) -> usize {
        self.sets.len()
    }

    /// Adds the sets of one `ipset save` dump; `origin` names it in errors.
    pub fn parse_into(&mut self, text: &str, origin: &str) -> Result<(), InputError> {
        let err = |line: usize, what: Text| InputError::new(origin, Some(line), what);
        let sets = Arc::make_mut(&mut self.sets);
        for (i, raw) in text.lines().enumerate() {
            let line = i + 1;
            let words = shell_words(raw).map_err(|w| err(line, w))?;
            let Some(command) = words.first() else { continue };
            if command.starts_with('#') {
                continue;
            }
            match command.as_str() {
                "create" | "-N" | "-exist" if words.len() >= 3 => {
                    let name = words[1].clone();
                    let kind = words[2].to_ascii_lowercase();
                    let mut family = Family::V4;
                    let mut it = words[3..].iter();
                    while let Some(opt) = it.next() {
                        if opt == "family" {
                            family = match it.next().map(String::as_str) {
                                Some("inet") => Family::V4,
                                Some("inet6") => Family::V6,
                                other => {
                                    return Err(err(line, t!("rules-ipset-family", family = format!("{other:?}"))));
                                }
                            };
                        }
                    }
                    if dims(&kind).is_empty() {
                        return Err(err(line, t!("rules-ipset-type", kind = format!("{kind:?}"))));
                    }
                    sets.insert(name, IpSet { kind, family, members: Vec::new() });
                }
                "add" | "-A" if words.len() >= 3 => {
                    let name = &words[1];
                    let Some(set) = sets.get_mut(name) else {
                        return Err(err(line, t!("rules-ipset-add-before-create", set = format!("{name:?}"))));
                    };
                    let member = parse_member(&set.kind, set.family, &words[2]).map_err(|w| {
                        err(line, t!("rules-ipset-element", element = format!("{:?}", words[2]), set = name, why = w))
                    })?;
                    let nomatch = words[3..].iter().any(|w| w == "nomatch");
                    set.members.push(Member { values: member, nomatch });
                }
                "create" | "add" => {
                    return Err(err(line, t!("rules-ipset-short", command = command)));
                }
                other => {
                    return Err(err(line, t!("rules-ipset-command", command = format!("{other:?}"))));
                }
            }
        }
        self.origins.push(origin.to_string());
        Ok(())
    }

    /// Parses one dump.
    pub fn parse(text: &str, origin: &str) -> Result<IpsetDb, InputError> {
        let mut db = IpsetDb::default();
        db.parse_into(text, origin)?;
        Ok(db)
    }

    /// The model match for `-m set [!] --match-set NAME DIRS`.
    pub fn matcher(&self, name: &str, dirs: &[Side], negated: bool) -> Match {
        let Some(set) = self.sets.get(name) else {
            return Match::Unknown(Undecidable::IpsetContents {
                name: name.into(),
                looked_in: self.origins.join(", ").into(),
            });
        };
        match self.resolve(set, dirs, 0) {
            Ok(Resolved::Addrs(spans)) => Match::Addr { side: dirs[0], family: set.family, set: spans, negated },
            Ok(Resolved::Pairs(pairs)) => Match::AddrPort(Box::new(AddrPortMatch {
                addr_side: dirs[0],
                port_side: dirs[1],
                family: set.family,
                pairs,
                negated,
            })),
            Err(why) => Match::unknown(format!("-m set --match-set {name}: {why}")),
        }
    }

    fn resolve(&self, set: &IpSet, dirs: &[Side], depth: usize) -> Result<Resolved, String> {
        let d = dims(&set.kind);
        if depth > 8 {
            return Err("list:set nesting too deep".into());
        }
        match d.as_slice() {
            ["set"] => {
                let mut addrs = Vec::new();
                for m in &set.members {
                    let Some(Dim::Set(inner)) = m.values.first() else { continue };
                    let inner_set =
                        self.sets.get(inner).ok_or_else(|| format!("member set {inner} is not in the dump"))?;
                    match self.resolve(inner_set, dirs, depth + 1)? {
                        Resolved::Addrs(s) if inner_set.family == set.family || set.members.len() == 1 => {
                            addrs.extend_from_slice(s.intervals());
                        }
                        _ => return Err(format!("list:set member {inner} is not an address set of one family")),
                    }
                }
                Ok(Resolved::Addrs(Spans::from_intervals(addrs)))
            }
            ["ip" | "net"] if !dirs.is_empty() => Ok(Resolved::Addrs(addresses(&set.members))),
            ["ip" | "net", "port"] if dirs.len() >= 2 => {
                if set.members.iter().any(|m| m.nomatch) {
                    return Err("nomatch entries in a two-dimensional set are not evaluated".into());
                }
                let mut pairs = Vec::new();
                for m in &set.members {
                    if let [Dim::Addr(s, _), Dim::Port(proto, lo, hi)] = m.values.as_slice() {
                        pairs.push((s.clone(), *proto, *lo, *hi));
                    }
                }
                Ok(Resolved::Pairs(pairs))
            }
            _ => Err(format!("sets of type {} are not evaluated", set.kind)),
        }
    }
}

enum Resolved {
    Addrs(Spans),
    Pairs(Vec<(Spans, u8, u16, u16)>),
}

/// Longest prefix wins: a `nomatch` entry removes what a shorter entry added.
fn addresses(members: &[Member]) -> Spans {
    let mut entries: Vec<(u32, bool, &Spans)> = members
        .iter()
        .filter_map(|m| match m.values.first() {
            Some(Dim::Addr(s, len)) => Some((*len, m.nomatch, s)),
            _ => None,
        })
        .collect();
    if entries.iter().all(|(_, nomatch, _)| !nomatch) {
        let mut v = Vec::new();
        for (_, _, s) in &entries {
            v.extend_from_slice(s.intervals());
        }
        return Spans::from_intervals(v);
    }
    entries.sort_by_key(|(len, nomatch, _)| (*len, *nomatch));
    let mut out = Spans::new();
    for (_, nomatch, s) in entries {
        out = if nomatch { out.difference(s) } else { out.union(s) };
    }
    out
}

/// The dimensions of a set type: `hash:net,port` → `["net", "port"]`.
fn dims(kind: &str) -> Vec<&str> {
    let Some((method, rest)) = kind.split_once(':') else { return Vec::new() };
    if !matches!(method, "hash" | "bitmap" | "list") {
        return Vec::new();
    }
    rest.split(',').filter(|d| matches!(*d, "ip" | "net" | "port" | "iface" | "mark" | "mac" | "set")).collect()
}

fn parse_member(kind: &str, family: Family, text: &str) -> Result<Vec<Dim>, String> {
    let d = dims(kind);
    // Addresses may contain ':' (IPv6) but never ','; ports are `proto:port`.
    let parts: Vec<&str> = text.split(',').collect();
    if parts.len() != d.len() {
        return Err(format!("expected {} comma-separated values for {kind}", d.len()));
    }
    d.iter()
        .zip(parts)
        .map(|(dim, part)| match *dim {
            "ip" | "net" => parse_addr(part, family),
            "port" => parse_port(part),
            "set" => Ok(Dim::Set(part.to_string())),
            _ => Ok(Dim::Other),
        })
        .collect()
}

fn parse_addr(text: &str, family: Family) -> Result<Dim, String> {
    let bits = family.bits();
    let ip = |s: &str| -> Result<u128, String> {
        let ip: IpAddr = s.parse().map_err(|_| format!("{s:?} is not an IP address"))?;
        if Family::of(ip) != family {
            return Err(format!("{s} is not an {} address, but the set is {}", family.name(), family.name()));
        }
        Ok(number(ip))
    };
    if let Some((lo, hi)) = text.split_once('-') {
        return Ok(Dim::Addr(Spans::span(ip(lo)?, ip(hi)?), bits));
    }
    match text.split_once('/') {
        Some((a, len)) => {
            let len: u32 = len.parse().ok().filter(|l| *l <= bits).ok_or_else(|| format!("prefix length {len:?}"))?;
            Ok(Dim::Addr(Spans::prefix(ip(a)?, len, bits), len))
        }
        None => Ok(Dim::Addr(Spans::span(ip(text)?, ip(text)?), bits)),
    }
}

fn parse_port(text: &str) -> Result<Dim, String> {
    let (proto, ports) = match text.split_once(':') {
        Some((p, ports)) => (p, ports),
        None => ("tcp", text),
    };
    let proto = match proto {
        "tcp" => 6,
        "udp" => 17,
        "sctp" => 132,
        "udplite" => 136,
        _ => return Ok(Dim::Other),
    };
    let num = |s: &str| s.parse::<u16>().map_err(|_| format!("{s:?} is not a port"));
    match ports.split_once('-') {
        Some((lo, hi)) => Ok(Dim::Port(proto, num(lo)?, num(hi)?)),
        None => Ok(Dim::Port(proto, num(ports)?, num(ports)?)),
    }
}

/// Splits a line like a shell does (ipset writes comments as `comment "…"`).
pub fn shell_words(line: &str) -> Result<Vec<String>, Text> {
    let mut words = Vec::new();
    let mut cur = String::new();
    let mut in_word = false;
    let mut quote = false;
    let mut chars = line.chars();
    while let Some(c) = chars.next() {
        match c {
            '"' => {
                quote = !quote;
                in_word = true;
            }
            '\\' if quote => match chars.next() {
                Some(n) => cur.push(n),
                None => return Err(t!("rules-backslash-ends-line")),
            },
            c if c.is_whitespace() && !quote => {
                if in_word {
                    words.push(std::mem::take(&mut cur));
                    in_word = false;
                }
            }
            c => {
                cur.push(c);
                in_word = true;
            }
        }
    }
    if quote {
        return Err(t!("rules-unterminated-quote"));
    }
    if in_word {
        words.push(cur);
    }
    Ok(words)
}

#[cfg(test)]
mod tests {
    use super::*;

    const COEXIST: &str =
        "create cloud-public hash:net family inet hashsize 1024 maxelem 65536 bucketsize 12 initval 0x8c78a76f
add cloud-public 198.51.100.7
add cloud-public 203.0.113.0/28
";

    fn spans(m: &Match) -> &Spans {
        match m {
            Match::Addr { set, .. } => set,
            other => panic!("not an address match: {other:?}"),
        }
    }

    #[test]
    fn real_dump_resolves_to_addresses() {
        let db = IpsetDb::parse(COEXIST, "sets.txt").expect("parses");
        let m = db.matcher("cloud-public", &[Side::Src], false);
        assert_eq!(spans(&m).describe(Family::V4), "198.51.100.7/32, 203.0.113.0/28");
        assert!(
            matches!(db.matcher("missing", &[Side::Src], false), Match::Unknown(w) if w.to_string().contains("not in sets.txt"))
        );
    }

    #[test]
    fn nomatch_carves_out_and_pairs_keep_ports() {
        let text = "create n hash:net family inet\nadd n 192.0.2.0/24\nadd n 192.0.2.16/28 nomatch\nadd n 192.0.2.20/30\n\
create p hash:ip,port family inet\nadd p 192.0.2.1,tcp:6443\nadd p 192.0.2.2,udp:6443\n\
create l list:set size 8\nadd l n\n";
        let db = IpsetDb::parse(text, "x").expect("parses");
        let n = db.matcher("n", &[Side::Src], false);
        assert_eq!(
            spans(&n).describe(Family::V4),
            "192.0.2.0/28, 192.0.2.20/30, 192.0.2.32/27, 192.0.2.64/26, 192.0.2.128/25"
        );
        assert!(matches!(db.matcher("p", &[Side::Src, Side::Dst], false), Match::AddrPort(ap) if ap.pairs.len() == 2));
        assert_eq!(spans(&db.matcher("l", &[Side::Src], false)), spans(&n));
    }

    #[test]
    fn malformed_dumps_name_the_line() {
        for (text, line, what) in [
            ("add x 1.2.3.4\n", 1, "before its `create`"),
            ("create x hash:ip\nadd x 1.2.3\n", 2, "not an IP address"),
            ("create x hash:ip family inet6\nadd x 192.0.2.1\n", 2, "not an IPv6 address"),
            ("create x hash:ip\nadd x 192.0.2.1/40\n", 2, "prefix length"),
            ("create x bogus:thing\n", 1, "set type"),
            ("flush x\n", 1, "unknown command"),
            ("create x hash:ip comment \"unterminated\n", 1, "unterminated quote"),
            ("create\n", 1, "truncated"),
        ] {
            let e = IpsetDb::parse(text, "sets.txt").expect_err(text);
            assert_eq!(e.line, Some(line), "{text}: {e}");
            assert!(e.what.contains(what), "{text}: {e}");
        }
    }
}
