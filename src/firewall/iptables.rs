//! `iptables-save` / `ip6tables-save` text (legacy and nf_tables backends, every table, with or
//! without counters) and hand-written `iptables-restore` input, into the rule model.
//!
//! Every match and target the evaluator can decide is translated; everything else becomes an
//! explicit `unknown` (with the option as written), so that a rule the tool does not understand is
//! shown to the user instead of being guessed. Errors name the line and what was expected.

use std::borrow::Cow;
use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Arc;

use crate::error::InputError;
use crate::firewall::ipset::IpsetDb;
use crate::firewall::model::{
    Action, Base, Chain, ChainId, Direction, Effect, Families, Hook, IfName, MarkOp, MarkTarget, Match, NatAddr, NatTo,
    Origin, Policy, PortSide, Ports, Protos, Rule, RuleText, Ruleset, Side, Undecidable, Verdict, addrtype, ct, tcp,
};
use crate::firewall::ranges::{Family, Spans, max_of, number};
use crate::firewall::{Layer, LayerKind, protocols};

/// Which iptables backend wrote the dump (it decides the command that fixes it).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Legacy,
    Nft,
    Unknown,
}

impl Backend {
    /// The command for this backend and family: `iptables-nft`, `ip6tables-legacy`, `iptables`.
    pub fn command(self, family: Family) -> &'static str {
        match (self, family) {
            (Backend::Legacy, Family::V4) => "iptables-legacy",
            (Backend::Legacy, Family::V6) => "ip6tables-legacy",
            (Backend::Nft, Family::V4) => "iptables-nft",
            (Backend::Nft, Family::V6) => "ip6tables-nft",
            (Backend::Unknown, Family::V4) => "iptables",
            (Backend::Unknown, Family::V6) => "ip6tables",
        }
    }
}

/// What an iptables layer is, beyond its rules.
#[derive(Debug, Clone)]
pub struct Info {
    pub backend: Backend,
    pub family: Family,
    /// The tables the dump contains (`filter`, `nat`, …).
    pub tables: Vec<String>,
}

/// Built-in chains per table: (name, hook, priority). Priorities are the kernel's.
fn builtins(table: &str) -> Option<&'static [(&'static str, Hook, i32)]> {
    Some(match table {
        "filter" => &[("INPUT", Hook::Input, 0), ("FORWARD", Hook::Forward, 0), ("OUTPUT", Hook::Output, 0)],
        "nat" => &[
            ("PREROUTING", Hook::Prerouting, -100),
            ("INPUT", Hook::Input, 100),
            ("OUTPUT", Hook::Output, -100),
            ("POSTROUTING", Hook::Postrouting, 100),
        ],
        "mangle" => &[
            ("PREROUTING", Hook::Prerouting, -150),
            ("INPUT", Hook::Input, -150),
            ("FORWARD", Hook::Forward, -150),
            ("OUTPUT", Hook::Output, -150),
            ("POSTROUTING", Hook::Postrouting, -150),
        ],
        "raw" => &[("PREROUTING", Hook::Prerouting, -300), ("OUTPUT", Hook::Output, -300)],
        "security" => &[("INPUT", Hook::Input, 50), ("FORWARD", Hook::Forward, 50), ("OUTPUT", Hook::Output, 50)],
        _ => return None,
    })
}

/// The table being read.
struct Table<'a> {
    name: Arc<str>,
    line: usize,
    /// Chain names as written in the dump (borrowed: a kube-proxy dump has tens of thousands).
    chains: HashMap<Cow<'a, str>, ChainId>,
}

/// Parses a dump into a layer named `name`; `-m set` matches are resolved with `ipsets`. The text
/// is kept (shared) for the rules' texts, so pass the `String` itself when there is one.
pub fn parse(text: impl Into<String>, name: &str, ipsets: &IpsetDb) -> Result<Layer, InputError> {
    let source = Arc::new(text.into());
    let text = source.as_str();
    let err = |line: usize, what: String| InputError::new(name, Some(line), what);
    let (family, backend) = detect(text);
    let mut rs = Ruleset::default();
    // kube-proxy dumps declare tens of thousands of chains: size the list once.
    rs.chains.reserve_exact(text.lines().filter(|l| l.starts_with(':')).count() + 16);
    let mut table: Option<Table> = None;
    let mut tables: Vec<String> = Vec::new();
    let mut notes: Vec<String> = Vec::new();
    let mut reasons = Reasons::default();
    for (i, raw) in text.lines().enumerate() {
        let line = i + 1;
        let l = raw.trim();
        if l.is_empty() {
            continue;
        }
        if let Some(comment) = l.strip_prefix('#') {
            if let Some(w) = comment.trim().strip_prefix("Warning:") {
                notes.push(w.trim().to_string());
            }
            continue;
        }
        if let Some(t) = l.strip_prefix('*') {
            if let Some(open) = &table {
                return Err(err(
                    line,
                    format!("table {t} starts before table {} (line {}) has its COMMIT", open.name, open.line),
                ));
            }
            let Some(chains) = builtins(t) else {
                return Err(err(line, format!("unknown table {t:?}; expected filter, nat, mangle, raw or security")));
            };
            if tables.iter().any(|x| x == t) {
                return Err(err(line, format!("table {t} appears twice")));
            }
            let mut map = HashMap::new();
            let label: Arc<str> = Arc::from(t);
            for (chain, hook, priority) in chains {
                let id = rs.add_chain(Chain::new(*chain, label.clone()));
                map.insert(Cow::Borrowed(*chain), id);
                rs.bases.push(Base {
                    chain: id,
                    hook: *hook,
                    priority: *priority,
                    families: Families::only(family),
                    nat: t == "nat",
                });
            }
            tables.push(t.to_string());
            table = Some(Table { name: label, line, chains: map });
            continue;
        }
        if l == "COMMIT" {
            if table.take().is_none() {
                return Err(err(line, "COMMIT without a table (expected a `*filter`-style line before)".into()));
            }
            continue;
        }
        let Some(t) = table.as_mut() else {
            // Quote only what looks like a rule: a file given by mistake must not be printed.
            let shown =
                if l.starts_with('-') || l.starts_with(':') { format!("{:?}", clip(l)) } else { "a line".into() };
            return Err(err(line, format!("{shown} outside a table; expected `*filter`, `*nat`, … first")));
        };
        if let Some(decl) = l.strip_prefix(':') {
            let mut parts = decl.split_whitespace();
            let (Some(name), Some(policy)) = (parts.next(), parts.next()) else {
                return Err(err(
                    line,
                    "chain declaration needs a name and a policy, e.g. `:INPUT ACCEPT [0:0]`".into(),
                ));
            };
            declare(&mut rs, t, Cow::Borrowed(name), policy, line, l).map_err(|w| err(line, w))?;
            continue;
        }
        let words = tokenize(l).map_err(|w| err(line, w))?;
        let (words, rule_text) = strip_counters(&words, l).map_err(|w| err(line, w))?;
        match words.first().map(|w| w.text.as_ref()) {
            Some("-N" | "--new-chain") => {
                let chain = words.get(1).ok_or_else(|| err(line, "-N needs a chain name".into()))?;
                declare(&mut rs, t, chain.text.clone(), "-", line, l).map_err(|w| err(line, w))?;
            }
            Some("-P" | "--policy") => {
                let (Some(chain), Some(policy)) = (words.get(1), words.get(2)) else {
                    return Err(err(line, "-P needs a chain and a policy".into()));
                };
                declare(&mut rs, t, chain.text.clone(), &policy.text, line, l).map_err(|w| err(line, w))?;
            }
            Some("-A" | "--append" | "-I" | "--insert") => {
                let (chain, position, rule) =
                    parse_rule(words, t, family, ipsets, &mut reasons).map_err(|w| err(line, w))?;
                let start = rule_text.as_ptr() as usize - text.as_ptr() as usize;
                let text = RuleText::span(&source, start..start + rule_text.len());
                let rule = Rule { origin: Origin { line: Some(line), text, ..Origin::default() }, ..rule };
                let rules = &mut rs.chains[chain].rules;
                match position {
                    Some(p) if p <= rules.len() => rules.insert(p, rule),
                    _ => rules.push(rule),
                }
            }
            Some(other) => {
                return Err(err(
                    line,
                    format!("unsupported command {other:?}; expected -A, -I, -N, -P, :CHAIN or COMMIT"),
                ));
            }
            None => {}
        }
    }
    if let Some(open) = table {
        return Err(err(open.line, format!("table {} has no COMMIT line (truncated input?)", open.name)));
    }
    if tables.is_empty() && text.lines().any(|l| !l.trim().is_empty() && !l.trim_start().starts_with('#')) {
        return Err(InputError::new(name, Some(1), "no `*table` line; expected iptables-save output"));
    }
    for chain in &mut rs.chains {
        // Large dumps: no growth slack in the (long) chains or rules.
        chain.rules.shrink_to_fit();
        for (i, r) in chain.rules.iter_mut().enumerate() {
            r.origin.number = i + 1;
            r.matches.shrink_to_fit();
        }
    }
    rs.chains.shrink_to_fit();
    Ok(Layer {
        name: name.to_string(),
        families: Families::only(family),
        ruleset: rs,
        notes,
        kind: LayerKind::Iptables(Info { backend, family, tables }),
    })
}

/// Family and backend from the header, else from the addresses in rules.
fn detect(text: &str) -> (Family, Backend) {
    let mut family = None;
    let mut backend = Backend::Unknown;
    if let Some(l) = text.lines().find(|l| l.starts_with("# Generated by")) {
        family = if l.contains("ip6tables") { Some(Family::V6) } else { Some(Family::V4) };
        backend = if l.contains("(nf_tables)") {
            Backend::Nft
        } else if l.contains("(legacy)") || l.contains("legacy-save") || l.contains(" v1.8") {
            // Since 1.8 the nft backend says "(nf_tables)" and the legacy one says nothing.
            Backend::Legacy
        } else {
            Backend::Unknown
        };
    }
    // Without a header, the first address in a rule tells (a dump is of one family).
    let family = family.unwrap_or_else(|| {
        let first = text.lines().filter(|l| l.contains("-A ") || l.contains("-I ")).find_map(|l| {
            let words: Vec<&str> = l.split_whitespace().collect();
            words
                .windows(2)
                .find(|w| matches!(w[0], "-s" | "-d" | "--source" | "--destination" | "--src" | "--dst"))
                .map(|w| w[1].contains(':'))
        });
        if first == Some(true) { Family::V6 } else { Family::V4 }
    });
    (family, backend)
}

fn clip(s: &str) -> String {
    if s.chars().count() > 60 { format!("{}…", s.chars().take(60).collect::<String>()) } else { s.to_string() }
}

/// `:CHAIN POLICY [p:b]`, `-N CHAIN`, `-P CHAIN POLICY`.
fn declare<'a>(
    rs: &mut Ruleset,
    t: &mut Table<'a>,
    chain: Cow<'a, str>,
    policy: &str,
    line: usize,
    text: &str,
) -> Result<(), String> {
    let name = chain.as_ref();
    let builtin = builtins(&t.name).is_some_and(|b| b.iter().any(|(n, _, _)| *n == name));
    let verdict = match policy {
        "-" if !builtin => None,
        "-" => return Err(format!("built-in chain {name} needs a policy (ACCEPT or DROP)")),
        "ACCEPT" if builtin => Some(Verdict::Accept),
        "DROP" if builtin => Some(Verdict::Drop),
        "ACCEPT" | "DROP" => {
            return Err(format!("{name} is not a built-in chain of table {}: its policy must be `-`", t.name));
        }
        other => return Err(format!("policy {other:?} of {name}; expected ACCEPT, DROP or - (user chain)")),
    };
    if name.len() > 28 || name.starts_with('-') || name.starts_with('!') {
        return Err(format!("invalid chain name {name:?}"));
    }
    let id = match t.chains.get(name) {
        Some(id) => *id,
        None => {
            let id = rs.add_chain(Chain::new(name, t.name.clone()));
            t.chains.insert(chain, id);
            id
        }
    };
    if let Some(verdict) = verdict {
        let text = text.rsplit_once(" [").map_or(text, |(head, _)| head).to_string();
        rs.chains[id].policy = Some(Box::new(Policy {
            verdict,
            origin: Origin { line: Some(line), text: text.into(), ..Origin::default() },
        }));
    }
    Ok(())
}

/// A word of a rule line; quoted words are always values.
#[derive(Debug, Clone)]
struct Word<'a> {
    text: Cow<'a, str>,
    quoted: bool,
}

/// Splits a rule line as iptables-restore does: whitespace, double quotes, backslash escapes.
/// Plain words (nearly all) are borrowed from the line.
fn tokenize(line: &str) -> Result<Vec<Word<'_>>, String> {
    let space = |b: &u8| matches!(b, b' ' | b'\t' | b'\r');
    let mut words = Vec::with_capacity(24);
    let bytes = line.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        if space(&bytes[i]) {
            i += 1;
            continue;
        }
        let start = i;
        while i < bytes.len() && !space(&bytes[i]) && bytes[i] != b'"' && bytes[i] != b'\\' {
            i += 1;
        }
        if i == bytes.len() || space(&bytes[i]) {
            // Splitting at ASCII bytes keeps char boundaries.
            words.push(Word { text: Cow::Borrowed(&line[start..i]), quoted: false });
            continue;
        }
        let mut cur = String::from(&line[start..i]);
        let mut in_quote = false;
        let mut chars = line[i..].char_indices();
        let mut end = line.len();
        while let Some((at, c)) = chars.next() {
            match c {
                '"' => in_quote = !in_quote,
                '\\' => match chars.next() {
                    Some((_, n)) => cur.push(n),
                    None => return Err("a backslash ends the line".into()),
                },
                ' ' | '\t' | '\r' if !in_quote => {
                    end = i + at;
                    break;
                }
                c => cur.push(c),
            }
        }
        if in_quote {
            return Err("unterminated quote (truncated line?)".into());
        }
        words.push(Word { text: Cow::Owned(cur), quoted: true });
        i = end;
    }
    Ok(words)
}

/// Drops a leading `[packets:bytes]` (iptables-save -c) and returns the rule text without it.
fn strip_counters<'w, 'a>(words: &'w [Word<'a>], line: &'a str) -> Result<(&'w [Word<'a>], &'a str), String> {
    match words.first() {
        Some(w) if w.text.starts_with('[') => {
            let inner = w.text.trim_start_matches('[').trim_end_matches(']');
            let ok = w.text.ends_with(']')
                && inner.split_once(':').is_some_and(|(p, b)| p.parse::<u64>().is_ok() && b.parse::<u64>().is_ok());
            if !ok {
                return Err(format!("counters {:?}; expected [packets:bytes]", w.text));
            }
            let rest = line.split_once(']').map_or("", |(_, r)| r.trim_start());
            Ok((&words[1..], rest))
        }
        _ => Ok((words, line)),
    }
}

/// An option of a match module or target: `[!] --name [values]`.
#[derive(Debug, Clone)]
struct Opt<'w> {
    name: &'w str,
    negated: bool,
    values: Vec<&'w str>,
}

/// Reasons for undecidable matches, shared: a kube-proxy dump repeats the same few thousands of times.
#[derive(Debug, Default)]
struct Reasons(HashMap<String, Arc<str>>);

impl Reasons {
    fn unknown(&mut self, why: String) -> Match {
        let r = self.0.entry(why).or_insert_with_key(|k| Arc::from(k.as_str())).clone();
        Match::Unknown(Undecidable::Unsupported(r))
    }
}

/// Parses `-A CHAIN …` / `-I CHAIN [N] …` into (chain, insert position, rule).
fn parse_rule<'w>(
    words: &'w [Word<'w>],
    t: &Table<'_>,
    family: Family,
    ipsets: &IpsetDb,
    reasons: &mut Reasons,
) -> Result<(ChainId, Option<usize>, Rule), String> {
    let insert = matches!(words[0].text.as_ref(), "-I" | "--insert");
    let chain_name = words.get(1).ok_or("-A needs a chain name")?.text.as_ref();
    let chain = *t.chains.get(chain_name).ok_or_else(|| {
        format!("chain {chain_name} is not declared in table {} (expected a `:{chain_name}` line)", t.name)
    })?;
    let mut i = 2;
    let mut position = None;
    if insert {
        position = Some(0);
        if let Some(n) = words.get(2).and_then(|w| w.text.parse::<usize>().ok()) {
            position = Some(n.saturating_sub(1));
            i = 3;
        }
    }
    let mut matches: Vec<Match> = Vec::new();
    let mut proto: Option<u8> = None;
    let mut modules: Vec<(&str, Vec<Opt<'w>>)> = Vec::new();
    let mut target: Option<(&str, Vec<Opt<'w>>, bool)> = None;
    let mut negate = false;
    while i < words.len() {
        let w = &words[i];
        let word: &'w str = w.text.as_ref();
        i += 1;
        if w.quoted {
            return Err(format!("unexpected value {word:?}"));
        }
        let value = |i: &mut usize| -> Result<&'w str, String> {
            let v = words.get(*i).ok_or_else(|| format!("{word} needs a value"))?;
            *i += 1;
            Ok(v.text.as_ref())
        };
        match word {
            "!" => {
                if negate {
                    return Err("`! !` is not valid".into());
                }
                negate = true;
                continue;
            }
            "-s" | "--source" | "--src" | "-d" | "--destination" | "--dst" => {
                let side =
                    if word.starts_with("-s") || word == "--source" || word == "--src" { Side::Src } else { Side::Dst };
                let mut v = value(&mut i)?;
                if v == "!" {
                    negate = true;
                    v = value(&mut i)?;
                }
                let set = addresses(v, family)?;
                matches.push(Match::Addr { side, family, set, negated: negate });
            }
            "-p" | "--protocol" => {
                let mut v = value(&mut i)?;
                if v == "!" {
                    negate = true;
                    v = value(&mut i)?;
                }
                match protocol(v)? {
                    None if negate => matches.push(Match::never()),
                    None => {}
                    Some(n) => {
                        if !negate {
                            proto = Some(n);
                        }
                        matches.push(Match::Proto { protos: Protos::of(&[n]), negated: negate });
                    }
                }
            }
            "-i" | "--in-interface" | "-o" | "--out-interface" => {
                let dir =
                    if word.starts_with("-i") || word == "--in-interface" { Direction::In } else { Direction::Out };
                let mut v = value(&mut i)?;
                if v == "!" {
                    negate = true;
                    v = value(&mut i)?;
                }
                matches.push(Match::Iface { dir, names: vec![IfName::parse(v)], negated: negate });
            }
            "-f" | "--fragment" => matches.push(Match::Fragment { negated: negate }),
            "-m" | "--match" => {
                let m = value(&mut i)?;
                modules.push((m, Vec::new()));
            }
            "-j" | "--jump" | "-g" | "--goto" => {
                if target.is_some() {
                    return Err("more than one -j/-g".into());
                }
                let goto = word.starts_with("-g") || word == "--goto";
                target = Some((value(&mut i)?, Vec::new(), goto));
            }
            "-c" | "--set-counters" => {
                value(&mut i)?;
                value(&mut i)?;
            }
            w if w.starts_with("--") => {
                let name = w.trim_start_matches("--");
                let mut opt = Opt { name, negated: negate, values: Vec::new() };
                while let Some(next) = words.get(i) {
                    if next.text == "!"
                        && !next.quoted
                        && words.get(i + 1).is_some_and(|n| !n.text.starts_with('-'))
                        && opt.values.is_empty()
                    {
                        // Old syntax: `--opt ! value`.
                        opt.negated = true;
                        i += 1;
                        continue;
                    }
                    if !next.quoted && (next.text.starts_with('-') || next.text == "!") {
                        break;
                    }
                    opt.values.push(next.text.as_ref());
                    i += 1;
                }
                if let Some((_, opts, _)) = target.as_mut() {
                    opts.push(opt);
                } else if let Some((_, opts)) = modules.last_mut() {
                    opts.push(opt);
                } else {
                    // `-p tcp --dport 22`: the protocol's module is implied.
                    let implied = match proto {
                        Some(6) => "tcp",
                        Some(17) => "udp",
                        Some(132) => "sctp",
                        Some(1) => "icmp",
                        Some(58) => "icmp6",
                        _ => return Err(format!("option {w} needs a match (-m) or a target (-j) before it")),
                    };
                    modules.push((implied, vec![opt]));
                }
            }
            other => return Err(format!("unknown option {other:?}")),
        }
        negate = false;
    }
    if negate {
        return Err("`!` at the end of the rule negates nothing".into());
    }
    for (module, opts) in &modules {
        module_matches(module, opts, family, ipsets, reasons, proto, &mut matches)?;
    }
    let (action, effects) = match &target {
        None => (Action::Continue, Vec::new()),
        Some((name, opts, goto)) => target_action(name, opts, *goto, t)?,
    };
    let rule = Rule { matches, effects, action, origin: Origin::default() };
    Ok((chain, position, rule))
}

/// `192.0.2.0/24`, `192.0.2.1`, `192.0.2.0/255.255.255.0`, or a comma list of those.
fn addresses(text: &str, family: Family) -> Result<Spans, String> {
    let mut v = Vec::new();
    for part in text.split(',') {
        let (addr, len) = match part.split_once('/') {
            Some((a, l)) => (a, Some(l)),
            None => (part, None),
        };
        let ip: IpAddr = addr.parse().map_err(|_| format!("{part:?} is not an address or CIDR"))?;
        if Family::of(ip) != family {
            return Err(format!("{part} is an {} address in an {} dump", Family::of(ip).name(), family.name()));
        }
        let bits = family.bits();
        let len = match len {
            None => bits,
            Some(l) => match l.parse::<u32>() {
                Ok(n) if n <= bits => n,
                Ok(_) => return Err(format!("prefix length /{l} is longer than {bits}")),
                Err(_) => netmask_len(l, family).ok_or_else(|| format!("{l:?} is not a prefix length or netmask"))?,
            },
        };
        v.extend_from_slice(Spans::prefix(number(ip), len, bits).intervals());
    }
    Ok(Spans::from_intervals(v))
}

fn netmask_len(text: &str, family: Family) -> Option<u32> {
    let ip: IpAddr = text.parse().ok()?;
    if Family::of(ip) != family {
        return None;
    }
    let n = number(ip);
    let bits = family.bits();
    let ones = (n << (128 - bits)).leading_ones().min(bits);
    (n == max_of(bits) & !max_of(bits - ones)).then_some(ones)
}

/// Protocol name (the names `iptables-save` prints, from the built-in IANA table) or number;
/// `None` for `all` (protocol 0).
fn protocol(text: &str) -> Result<Option<u8>, String> {
    match protocols::number(text) {
        Some(0) => Ok(None),
        Some(n) => Ok(Some(n)),
        None => Err(format!("protocol {text:?}; expected a name like tcp or a number")),
    }
}

/// A port number, `a:b` range, or a well-known name.
fn port_range(text: &str) -> Result<(u16, u16), String> {
    let one = |s: &str, default: u16| -> Result<u16, String> {
        if s.is_empty() {
            return Ok(default);
        }
        s.parse::<u16>().or_else(|_| {
            Ok(match s {
                "ssh" => 22,
                "http" => 80,
                "https" => 443,
                "domain" => 53,
                _ => return Err(format!("port {s:?}; expected a number")),
            })
        })
    };
    match text.split_once(':').or_else(|| text.split_once('-')) {
        Some((lo, hi)) => {
            let (lo, hi) = (one(lo, 0)?, one(hi, u16::MAX)?);
            if lo > hi {
                return Err(format!("port range {text} is empty"));
            }
            Ok((lo, hi))
        }
        None => {
            let p = one(text, 0)?;
            Ok((p, p))
        }
    }
}

fn port_list(text: &str) -> Result<Vec<(u16, u16)>, String> {
    text.split(',').map(port_range).collect()
}

fn one_value<'w>(opt: &Opt<'w>, module: &str) -> Result<&'w str, String> {
    match opt.values.as_slice() {
        [v] => Ok(*v),
        [] => Err(format!("-m {module} --{} needs a value", opt.name)),
        _ => Err(format!("-m {module} --{} takes one value, got {}", opt.name, opt.values.join(" "))),
    }
}

fn bits_of(text: &str, names: &[(&str, u8)], what: &str) -> Result<u8, String> {
    let mut mask = 0;
    for part in text.split(',') {
        let upper = part.to_ascii_uppercase();
        let (_, bit) = names.iter().find(|(n, _)| *n == upper).ok_or_else(|| {
            format!("{what} {part:?}; expected one of {}", names.iter().map(|(n, _)| *n).collect::<Vec<_>>().join(", "))
        })?;
        mask |= bit;
    }
    Ok(mask)
}

const CT_STATES: &[(&str, u8)] = &[
    ("INVALID", ct::INVALID),
    ("NEW", ct::NEW),
    ("ESTABLISHED", ct::ESTABLISHED),
    ("RELATED", ct::RELATED),
    ("UNTRACKED", ct::UNTRACKED),
    ("SNAT", ct::SNAT),
    ("DNAT", ct::DNAT),
];

const TCP_FLAGS: &[(&str, u8)] = &[
    ("FIN", tcp::FIN),
    ("SYN", tcp::SYN),
    ("RST", tcp::RST),
    ("PSH", tcp::PSH),
    ("ACK", tcp::ACK),
    ("URG", tcp::URG),
    ("ECE", tcp::ECE),
    ("CWR", tcp::CWR),
    ("ALL", 0xff),
    ("NONE", 0),
];

/// `0x4000/0x4000` or `0x4000` (mask all ones).
fn mark_value(text: &str) -> Result<(u32, u32), String> {
    let num = |s: &str| -> Result<u32, String> {
        let r = match s.strip_prefix("0x").or_else(|| s.strip_prefix("0X")) {
            Some(hex) => u32::from_str_radix(hex, 16),
            None => s.parse::<u32>(),
        };
        r.map_err(|_| format!("mark {s:?}; expected a number like 0x4000"))
    };
    match text.split_once('/') {
        Some((v, m)) => Ok((num(v)?, num(m)?)),
        None => Ok((num(text)?, u32::MAX)),
    }
}

fn module_matches(
    module: &str,
    opts: &[Opt<'_>],
    family: Family,
    ipsets: &IpsetDb,
    reasons: &mut Reasons,
    proto: Option<u8>,
    out: &mut Vec<Match>,
) -> Result<(), String> {
    let mut unknown = |out: &mut Vec<Match>, what: String| out.push(reasons.unknown(what));
    let render = |opts: &[Opt<'_>]| {
        opts.iter()
            .map(|o| {
                format!(
                    "{}--{}{}",
                    if o.negated { "! " } else { "" },
                    o.name,
                    o.values.iter().map(|v| format!(" {v}")).collect::<String>()
                )
            })
            .collect::<Vec<_>>()
            .join(" ")
    };
    match module {
        "tcp" | "udp" | "sctp" | "udplite" | "dccp" => {
            let module_proto = match module {
                "tcp" => 6,
                "udp" => 17,
                "sctp" => 132,
                "udplite" => 136,
                _ => 33,
            };
            // `-p tcp -m tcp`: the protocol is already tested once.
            if Some(module_proto) != proto {
                out.push(Match::Proto { protos: Protos::of(&[module_proto]), negated: false });
            }
            for o in opts {
                match o.name {
                    "dport" | "destination-port" | "sport" | "source-port" => {
                        let side = if o.name.starts_with('d') { PortSide::Dst } else { PortSide::Src };
                        let r = port_range(one_value(o, module)?)?;
                        out.push(Match::Port { side, ranges: Ports::one(r.0, r.1), negated: o.negated });
                    }
                    "syn" if module == "tcp" => out.push(Match::TcpFlags {
                        mask: tcp::SYN | tcp::RST | tcp::ACK | tcp::FIN,
                        comp: tcp::SYN,
                        any: false,
                        negated: o.negated,
                    }),
                    "tcp-flags" if module == "tcp" => {
                        let [mask, comp] = o.values.as_slice() else {
                            return Err("--tcp-flags needs a mask and the flags that must be set".into());
                        };
                        out.push(Match::TcpFlags {
                            mask: bits_of(mask, TCP_FLAGS, "TCP flag")?,
                            comp: bits_of(comp, TCP_FLAGS, "TCP flag")?,
                            any: false,
                            negated: o.negated,
                        });
                    }
                    _ => unknown(out, format!("-m {module} {}", render(std::slice::from_ref(o)))),
                }
            }
        }
        "multiport" => {
            for o in opts {
                let side = match o.name {
                    "dports" | "destination-ports" => PortSide::Dst,
                    "sports" | "source-ports" => PortSide::Src,
                    "ports" => PortSide::Either,
                    _ => {
                        unknown(out, format!("-m multiport {}", render(std::slice::from_ref(o))));
                        continue;
                    }
                };
                out.push(Match::Port {
                    side,
                    ranges: Ports::of(port_list(one_value(o, module)?)?),
                    negated: o.negated,
                });
            }
        }
        "conntrack" | "state" => {
            for o in opts {
                match o.name {
                    "ctstate" | "state" => {
                        let mask = bits_of(one_value(o, module)?, CT_STATES, "conntrack state")?;
                        out.push(Match::CtState { mask, negated: o.negated });
                    }
                    "ctstatus" => {
                        let names: &[(&str, u8)] = &[
                            ("NONE", 0),
                            ("EXPECTED", ct::status::EXPECTED),
                            ("SEEN_REPLY", ct::status::SEEN_REPLY),
                            ("ASSURED", ct::status::ASSURED),
                            ("CONFIRMED", ct::status::CONFIRMED),
                        ];
                        let mask = bits_of(one_value(o, module)?, names, "conntrack status")?;
                        out.push(Match::CtStatus { mask, negated: o.negated });
                    }
                    "ctdir" => {
                        let original = match one_value(o, module)?.to_ascii_uppercase().as_str() {
                            "ORIGINAL" => true,
                            "REPLY" => false,
                            other => return Err(format!("--ctdir {other:?}; expected ORIGINAL or REPLY")),
                        };
                        out.push(Match::CtOriginal { original: original != o.negated });
                    }
                    "ctproto" => {
                        if let Some(p) = protocol(one_value(o, module)?)? {
                            out.push(Match::Proto { protos: Protos::of(&[p]), negated: o.negated });
                        }
                    }
                    _ => unknown(out, format!("-m conntrack {}", render(std::slice::from_ref(o)))),
                }
            }
        }
        "comment" => {}
        "set" => {
            for o in opts {
                match o.name {
                    "match-set" => {
                        let [name, dirs] = o.values.as_slice() else {
                            return Err("--match-set needs a set name and src/dst flags".into());
                        };
                        let dirs = dirs
                            .split(',')
                            .map(|d| match d {
                                "src" => Ok(Side::Src),
                                "dst" => Ok(Side::Dst),
                                other => Err(format!("--match-set flag {other:?}; expected src or dst")),
                            })
                            .collect::<Result<Vec<Side>, String>>()?;
                        out.push(ipsets.matcher(name, &dirs, o.negated));
                    }
                    "update-counters" | "update-subcounters" => {}
                    _ => unknown(out, format!("-m set {}", render(std::slice::from_ref(o)))),
                }
            }
        }
        "iprange" => {
            for o in opts {
                let side = match o.name {
                    "src-range" => Side::Src,
                    "dst-range" => Side::Dst,
                    _ => {
                        unknown(out, format!("-m iprange {}", render(std::slice::from_ref(o))));
                        continue;
                    }
                };
                let v = one_value(o, module)?;
                let (lo, hi) = v.split_once('-').ok_or_else(|| format!("--{} {v:?}; expected FIRST-LAST", o.name))?;
                let (lo, hi) = (addresses(lo, family)?, addresses(hi, family)?);
                let set = match (lo.intervals().first(), hi.intervals().first()) {
                    (Some((a, _)), Some((b, _))) => Spans::span(*a, *b),
                    _ => Spans::new(),
                };
                out.push(Match::Addr { side, family, set, negated: o.negated });
            }
        }
        "addrtype" => {
            for o in opts {
                let side = match o.name {
                    "src-type" => Side::Src,
                    "dst-type" => Side::Dst,
                    _ => {
                        unknown(out, format!("-m addrtype {}", render(std::slice::from_ref(o))));
                        continue;
                    }
                };
                let mut types = 0;
                for name in one_value(o, module)?.split(',') {
                    types |= addrtype::named(name).ok_or_else(|| {
                        format!("-m addrtype --{} {name:?}; expected a type such as LOCAL or UNICAST", o.name)
                    })?;
                }
                out.push(Match::AddrType { side, types, negated: o.negated });
            }
        }
        "mark" | "connmark" => {
            let target = if module == "mark" { MarkTarget::Packet } else { MarkTarget::Conn };
            for o in opts {
                if o.name != "mark" {
                    unknown(out, format!("-m {module} {}", render(std::slice::from_ref(o))));
                    continue;
                }
                let (value, mask) = mark_value(one_value(o, module)?)?;
                out.push(Match::Mark { target, value: value & mask, mask, negated: o.negated });
            }
        }
        "pkttype" => {
            for o in opts {
                let unicast = one_value(o, module)?.eq_ignore_ascii_case("unicast");
                if unicast == o.negated {
                    out.push(Match::never());
                }
            }
        }
        "icmp" | "icmp6" | "icmpv6" => {
            out.push(Match::Proto { protos: Protos::of(&[if module == "icmp" { 1 } else { 58 }]), negated: false });
        }
        "esp" | "ah" => {
            out.push(Match::Proto { protos: Protos::of(&[if module == "esp" { 50 } else { 51 }]), negated: false })
        }
        "rpfilter" => {
            let mut loose = false;
            let mut invert = false;
            for o in opts {
                match o.name {
                    "loose" => loose = true,
                    "invert" => invert = true,
                    "validmark" | "accept-local" => {}
                    _ => unknown(out, format!("-m rpfilter {}", render(std::slice::from_ref(o)))),
                }
            }
            out.push(Match::ReversePath { loose, negated: invert });
        }
        // A SYN carries no IPv6 extension header: these never match it, inverted options included
        // (the kernel's match fails when the header is absent).
        "rt" | "frag" | "hbh" | "dst" if family == Family::V6 => out.push(Match::never()),
        "limit" | "hashlimit" | "recent" | "connlimit" | "time" | "string" | "quota" | "connbytes" | "connrate" => {
            out.push(Match::Unknown(Undecidable::RateOrState {
                what: format!("-m {module} {}", render(opts)).trim_end().into(),
            }));
        }
        other => unknown(
            out,
            format!("-m {other}: not evaluated (it tests more than addresses, ports and connection state)"),
        ),
    }
    Ok(())
}

fn target_action(name: &str, opts: &[Opt<'_>], goto: bool, t: &Table<'_>) -> Result<(Action, Vec<Effect>), String> {
    if let Some(id) = t.chains.get(name) {
        if builtins(&t.name).is_some_and(|b| b.iter().any(|(n, _, _)| *n == name)) {
            return Err(format!("cannot jump to built-in chain {name}"));
        }
        return Ok((if goto { Action::Goto(*id) } else { Action::Jump(*id) }, Vec::new()));
    }
    if goto {
        return Err(format!("-g {name}: no such chain in table {}", t.name));
    }
    let opt = |n: &str| opts.iter().find(|o| o.name == n);
    Ok(match name {
        "ACCEPT" => (Action::Verdict(Verdict::Accept), vec![]),
        "DROP" => (Action::Verdict(Verdict::Drop), vec![]),
        "REJECT" => (Action::Verdict(Verdict::Reject), vec![]),
        "RETURN" => (Action::Return, vec![]),
        "LOG" | "NFLOG" | "ULOG" | "TRACE" | "AUDIT" | "CLASSIFY" | "TCPMSS" | "CHECKSUM" | "DSCP" | "TOS" | "TTL"
        | "HL" | "ECN" | "SECMARK" | "CONNSECMARK" | "IDLETIMER" | "LED" | "RATEEST" | "TEE" => {
            (Action::Continue, vec![])
        }
        "MARK" | "CONNMARK" => {
            let target = if name == "MARK" { MarkTarget::Packet } else { MarkTarget::Conn };
            let mut effects = Vec::new();
            for o in opts {
                let v = o.values.first().copied().unwrap_or_default();
                let op = match o.name {
                    "set-xmark" => {
                        let (value, mask) = mark_value(v)?;
                        MarkOp::Xmark { value, mask }
                    }
                    "set-mark" => {
                        let (value, mask) = mark_value(v)?;
                        MarkOp::Xmark { value, mask: mask | value }
                    }
                    "and-mark" => MarkOp::Xmark { value: 0, mask: !mark_value(v)?.0 },
                    "or-mark" => {
                        let x = mark_value(v)?.0;
                        MarkOp::Xmark { value: x, mask: x }
                    }
                    "xor-mark" => MarkOp::Xmark { value: mark_value(v)?.0, mask: 0 },
                    "save-mark" | "restore-mark" => {
                        let mask = match opt("mask").or_else(|| opt("nfmask")).or_else(|| opt("ctmask")) {
                            Some(m) => mark_value(m.values.first().copied().unwrap_or_default())?.0,
                            None => u32::MAX,
                        };
                        let dest = if o.name == "save-mark" { MarkTarget::Conn } else { MarkTarget::Packet };
                        effects.push(Effect { target: dest, op: MarkOp::CopyFromOther { mask } });
                        continue;
                    }
                    "mask" | "nfmask" | "ctmask" => continue,
                    _ => MarkOp::Unknown { mask: u32::MAX },
                };
                effects.push(Effect { target, op });
            }
            (Action::Continue, effects)
        }
        "DNAT" | "SNAT" => {
            let key = if name == "DNAT" { "to-destination" } else { "to-source" };
            let to = match opts.iter().filter(|o| o.name == key).collect::<Vec<_>>().as_slice() {
                [one] => match one.values.as_slice() {
                    [v] => nat_to(v)?,
                    _ => return Err(format!("-j {name} --{key} takes one value")),
                },
                [] => return Err(format!("-j {name} needs --{key}")),
                _ => NatTo::to(NatAddr::Unknown(format!("-j {name} with several --{key}").into()), None),
            };
            let to = Box::new(to);
            (if name == "DNAT" { Action::Dnat(to) } else { Action::Snat(to) }, vec![])
        }
        "REDIRECT" | "MASQUERADE" => {
            let ports = match opt("to-ports").map(|o| o.values.as_slice()) {
                None => None,
                Some([v]) => Some(port_range(v)?),
                Some(_) => return Err(format!("-j {name} --to-ports takes one value")),
            };
            let to = Box::new(NatTo::to(NatAddr::Local, ports));
            (if name == "REDIRECT" { Action::Dnat(to) } else { Action::Snat(to) }, vec![])
        }
        "QUEUE" | "NFQUEUE" => (Action::unknown(format!("-j {name}: a userspace program decides")), vec![]),
        "CT" if opt("notrack").is_none() => (Action::Continue, vec![]),
        "CT" | "NOTRACK" => {
            (Action::unknown(format!("-j {name} --notrack: the connection is not tracked (ctstate UNTRACKED)")), vec![])
        }
        other => (Action::unknown(format!("-j {other}: target not evaluated")), vec![]),
    })
}

/// `--to-destination`/`--to-source`: `ADDR[-ADDR][:PORT[-PORT]]`, IPv6 in brackets when a port
/// follows, or `:PORT` alone.
fn nat_to(text: &str) -> Result<NatTo, String> {
    let bad = || format!("{text:?}: expected ADDRESS[-ADDRESS][:PORT[-PORT]] (IPv6 as [ADDRESS]:PORT)");
    let (addrs, ports) = if let Some(rest) = text.strip_prefix('[') {
        let (a, p) = rest.split_once(']').ok_or_else(bad)?;
        (a, p.strip_prefix(':'))
    } else if text.matches(':').count() > 1 {
        (text, None)
    } else {
        match text.split_once(':') {
            Some((a, p)) => (a, Some(p)),
            None => (text, None),
        }
    };
    // A base port for shifted ranges (`:1000-2000/3000`) does not change which ports are used.
    let ports = ports.map(|p| port_range(p.split('/').next().unwrap_or(p))).transpose()?;
    let addr = if addrs.is_empty() {
        NatAddr::Keep
    } else {
        let (lo, hi) = addrs.split_once('-').unwrap_or((addrs, addrs));
        let lo: IpAddr = lo.trim_matches(['[', ']']).parse().map_err(|_| bad())?;
        let hi: IpAddr = hi.trim_matches(['[', ']']).parse().map_err(|_| bad())?;
        if lo.is_ipv4() != hi.is_ipv4() || number(lo) > number(hi) {
            return Err(bad());
        }
        NatAddr::Range(lo, hi)
    };
    Ok(NatTo::to(addr, ports))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::firewall::eval::{Packet, judge};

    const LEGACY: &str = include_str!("../../tests/fixtures/firewall/iptables-save.legacy.txt");
    const NFT_C: &str = include_str!("../../tests/fixtures/firewall/iptables-save-c.nft.txt");

    fn judge_v4(layer: &Layer, cidr: &str) -> crate::firewall::eval::Judged {
        let p = Packet::to_local_port(Family::V4, 6443, None, None).remove(0);
        judge(&layer.ruleset, &p, &Spans::net(&cidr.parse().expect("cidr")))
    }

    #[test]
    fn reference_dumps_parse_and_number_rules() {
        let sets = IpsetDb::parse("create cloud-public hash:ip family inet\nadd cloud-public 203.0.113.30\n", "sets")
            .expect("sets");
        for (text, backend) in [(LEGACY, Backend::Legacy), (NFT_C, Backend::Nft)] {
            let layer = parse(text, "dump", &sets).expect("parses");
            let LayerKind::Iptables(info) = &layer.kind else { panic!("kind") };
            assert_eq!((info.backend, info.family), (backend, Family::V4));
            assert_eq!(layer.ruleset.rule_count(), 12);
            let k8s = layer.ruleset.chains.iter().find(|c| c.name == "K8S-API").expect("chain");
            assert_eq!(k8s.rules[1].origin.number, 2);
            assert_eq!(
                k8s.rules[1].origin.text,
                "-A K8S-API -s 198.51.100.64/26 -m comment --comment \"deny block\" -j DROP"
            );
            let j = judge_v4(&layer, "198.51.100.64/26");
            assert_eq!(j.denied_set().count(), 64);
            assert_eq!(j.denied[0].1.rule, Some(1));
            let j = judge_v4(&layer, "203.0.113.30/32");
            assert_eq!(j.admitted_set().count(), 1, "ipset member admitted: {j:?}");
        }
    }

    #[test]
    fn family_comes_from_header_or_addresses() {
        let v6 = "*filter\n:INPUT ACCEPT [0:0]\n-A INPUT -s 2001:db8::/32 -j DROP\nCOMMIT\n";
        let layer = parse(v6, "v6", &IpsetDb::default()).expect("parses");
        assert_eq!(layer.families, Families::only(Family::V6));
        let e = parse(
            "*filter\n:INPUT ACCEPT [0:0]\n-A INPUT -s 192.0.2.1 -j DROP\n-A INPUT -s 2001:db8::1 -j DROP\nCOMMIT\n",
            "mixed",
            &IpsetDb::default(),
        )
        .expect_err("mixed families");
        assert_eq!(e.line, Some(4), "{e}");
    }

    #[test]
    fn malformed_input_names_line_and_expectation() {
        for (text, line, what) in [
            ("-A INPUT -j ACCEPT\n", 1, "outside a table"),
            ("*filter\n:INPUT ACCEPT [0:0]\n-A INPUT -j ACCEPT\n", 1, "no COMMIT"),
            ("*filter\n:INPUT ACCEPT [0:0]\n-A NOPE -j ACCEPT\nCOMMIT\n", 3, "not declared"),
            ("*filter\n:INPUT MAYBE [0:0]\nCOMMIT\n", 2, "policy"),
            ("*filter\n:INPUT ACCEPT [0:0]\n-A INPUT -s 192.0.2.300 -j DROP\nCOMMIT\n", 3, "not an address"),
            ("*filter\n:INPUT ACCEPT [0:0]\n-A INPUT -p tcp --dport http2 -j DROP\nCOMMIT\n", 3, "expected a number"),
            (
                "*filter\n:INPUT ACCEPT [0:0]\n-A INPUT -m comment --comment \"open -j ACCEPT\nCOMMIT\n",
                3,
                "unterminated quote",
            ),
            ("*filter\n:INPUT ACCEPT [0:0]\n[1:x] -A INPUT -j ACCEPT\nCOMMIT\n", 3, "counters"),
            ("*bogus\nCOMMIT\n", 1, "unknown table"),
            ("*filter\n:INPUT ACCEPT [0:0]\n-A INPUT -j NOWHERE -g X\nCOMMIT\n", 3, "more than one"),
            ("*filter\n:INPUT ACCEPT [0:0]\n-A INPUT --dport 22 -j ACCEPT\nCOMMIT\n", 3, "needs a match"),
            (
                "*filter\n:INPUT ACCEPT [0:0]\n-A INPUT -m conntrack --ctstate NEWISH -j ACCEPT\nCOMMIT\n",
                3,
                "conntrack state",
            ),
            ("*filter\n:INPUT ACCEPT [0:0]\n-A INPUT -j INPUT\nCOMMIT\n", 3, "built-in"),
            ("*filter\n:INPUT ACCEPT [0:0]\n*nat\nCOMMIT\n", 3, "before table filter"),
            ("hello world\n", 1, "outside a table"),
        ] {
            let e = parse(text, "rules.txt", &IpsetDb::default()).expect_err(text);
            assert_eq!(e.line, Some(line), "{text}: {e}");
            assert!(e.what.contains(what), "{text}: {e}");
            assert_eq!(e.file, "rules.txt");
        }
    }

    #[test]
    fn unknown_matches_and_targets_are_kept_as_unknown() {
        let text = "*filter\n:INPUT DROP [0:0]\n-A INPUT -m limit --limit 5/min -j ACCEPT\n-A INPUT -j NFQUEUE --queue-num 1\nCOMMIT\n";
        let layer = parse(text, "r", &IpsetDb::default()).expect("parses");
        let j = judge_v4(&layer, "192.0.2.0/24");
        assert_eq!(j.unknown_set().count(), 256);
        assert!(
            j.unknown.iter().any(|(_, d)| d.reason.as_ref().is_some_and(|r| r.to_string().contains("-m limit"))),
            "{j:?}"
        );
    }

    #[test]
    fn decidable_matches_are_decided() {
        // Issue 12: source ports (the client's is ephemeral), IPv6 routing headers (a SYN has none),
        // address types (the pool is remote unicast, the API server local), INVALID (a SYN is not).
        let judge_rules = |rules: &str, v6: bool| {
            let text =
                format!("*filter\n:INPUT DROP [0:0]\n:FORWARD ACCEPT [0:0]\n:OUTPUT ACCEPT [0:0]\n{rules}COMMIT\n");
            let layer = parse(text, "r", &IpsetDb::default()).expect("parses");
            let (family, cidr) = if v6 { (Family::V6, "2001:db8::/64") } else { (Family::V4, "192.0.2.0/24") };
            let p = Packet::to_local_port(family, 6443, None, None).remove(0);
            let j = judge(&layer.ruleset, &p, &Spans::net(&cidr.parse().expect("cidr")));
            if !j.unknown.is_empty() {
                "UNKNOWN"
            } else if j.denied.is_empty() {
                "ACCEPT"
            } else {
                "DENY"
            }
        };
        for (rules, v6, want) in [
            ("-A INPUT -p udp -m udp --sport 53 -j ACCEPT\n-A INPUT -p tcp --sport 53 -j ACCEPT\n", false, "DENY"),
            ("-A INPUT -p tcp -m tcp --sport 1024:65535 -j ACCEPT\n", false, "ACCEPT"),
            ("-A INPUT -p tcp -m tcp --sport 0:1023 -j DROP\n-A INPUT -j ACCEPT\n", false, "ACCEPT"),
            ("-A INPUT -p tcp -m multiport --sports 1024:30000,30001:65535 -j ACCEPT\n", false, "ACCEPT"),
            ("-A INPUT -p tcp -m tcp --sport 32768:60999 -j ACCEPT\n", false, "UNKNOWN"),
            ("-A INPUT -m rt --rt-type 0 -j DROP\n-A INPUT -j ACCEPT\n", true, "ACCEPT"),
            ("-A INPUT -m rt ! --rt-type 0 -j DROP\n-A INPUT -j ACCEPT\n", true, "ACCEPT"),
            ("-A INPUT -m addrtype --dst-type LOCAL -j ACCEPT\n", false, "ACCEPT"),
            ("-A INPUT -m addrtype --dst-type UNICAST -j ACCEPT\n", false, "DENY"),
            ("-A INPUT -m addrtype --src-type BROADCAST,MULTICAST -j DROP\n-A INPUT -j ACCEPT\n", false, "ACCEPT"),
            ("-A INPUT -m addrtype ! --src-type LOCAL -j ACCEPT\n", false, "ACCEPT"),
            ("-A INPUT -m conntrack --ctstate INVALID -j DROP\n-A INPUT -j ACCEPT\n", false, "ACCEPT"),
            ("-A INPUT -p ipencap -j ACCEPT\n-A INPUT -p vrrp -j ACCEPT\n-A INPUT -p tcp -j ACCEPT\n", false, "ACCEPT"),
            ("-A INPUT -m limit --limit 5/min -j ACCEPT\n", false, "UNKNOWN"),
        ] {
            assert_eq!(judge_rules(rules, v6), want, "{rules}");
        }
    }

    #[test]
    fn reverse_path_checks_pass_on_the_named_interface() {
        let text = "*raw\n:PREROUTING ACCEPT [0:0]\n:OUTPUT ACCEPT [0:0]\n-A PREROUTING -m rpfilter --invert -j DROP\nCOMMIT\n";
        let layer = parse(text, "r", &IpsetDb::default()).expect("parses");
        let pool = Spans::net(&"192.0.2.0/24".parse().expect("cidr"));
        for (iface, admitted) in [(Some("eth0"), true), (None, false)] {
            let p = Packet::to_local_port(Family::V4, 6443, None, iface).remove(0);
            let j = judge(&layer.ruleset, &p, &pool);
            assert_eq!(j.admitted_set() == pool, admitted, "{iface:?}: {j:?}");
            if !admitted {
                assert_eq!(j.unknown[0].1.reason, Some(Undecidable::ReversePath));
            }
        }
    }

    #[test]
    fn nat_targets_keep_where_they_translate_to() {
        let to = |target: &str| {
            let text =
                format!("*nat\n:PREROUTING ACCEPT [0:0]\n-A PREROUTING -p tcp --dport 16443 -j {target}\nCOMMIT\n");
            let layer = parse(text, "r", &IpsetDb::default()).expect("parses");
            match &layer.ruleset.chains[0].rules[0].action {
                Action::Dnat(t) | Action::Snat(t) => t.to_string(),
                other => panic!("{other:?}"),
            }
        };
        assert_eq!(to("DNAT --to-destination 192.0.2.50:6443"), "192.0.2.50:6443");
        assert_eq!(to("DNAT --to-destination 192.0.2.50"), "192.0.2.50");
        assert_eq!(to("DNAT --to-destination 192.0.2.50-192.0.2.52:6443-6450"), "192.0.2.50-192.0.2.52:6443-6450");
        assert_eq!(to("DNAT --to-destination [2001:db8::5]:6443"), "[2001:db8::5]:6443");
        assert_eq!(to("DNAT --to-destination 2001:db8::5"), "2001:db8::5");
        assert_eq!(to("DNAT --to-destination :6443"), ":6443");
        assert_eq!(to("DNAT --to-destination 192.0.2.50:1000-2000/1500"), "192.0.2.50:1000-2000");
        assert_eq!(to("REDIRECT --to-ports 6443"), "this host:6443");
        assert_eq!(to("MASQUERADE --random"), "this host");
        assert_eq!(to("SNAT --to-source 192.0.2.1"), "192.0.2.1");
        let single = |target: &str| {
            let text = format!("*nat\n:PREROUTING ACCEPT [0:0]\n-A PREROUTING -j {target}\nCOMMIT\n");
            let layer = parse(text, "r", &IpsetDb::default()).expect("parses");
            match &layer.ruleset.chains[0].rules[0].action {
                Action::Dnat(t) => t.single(16443),
                other => panic!("{other:?}"),
            }
        };
        let api: IpAddr = "192.0.2.50".parse().expect("ip");
        assert_eq!(single("DNAT --to-destination 192.0.2.50"), Some((api, 16443)), "the port is kept");
        assert_eq!(single("DNAT --to-destination 192.0.2.50-192.0.2.51:6443"), None, "a range is not one target");
        for (target, what) in [
            ("DNAT", "needs --to-destination"),
            ("DNAT --to-destination 192.0.2.500:6443", "expected ADDRESS"),
            ("DNAT --to-destination 192.0.2.9-192.0.2.1", "expected ADDRESS"),
            ("DNAT --to-destination 192.0.2.1:65536", "port"),
            ("DNAT --to-destination [2001:db8::5:6443", "expected ADDRESS"),
            ("SNAT --to-source", "takes one value"),
            ("REDIRECT --to-ports x", "port"),
        ] {
            let text = format!("*nat\n:PREROUTING ACCEPT [0:0]\n-A PREROUTING -j {target}\nCOMMIT\n");
            let e = parse(text, "r", &IpsetDb::default()).expect_err(target);
            assert_eq!(e.line, Some(3), "{target}: {e}");
            assert!(e.what.contains(what), "{target}: {e}");
        }
    }

    #[test]
    fn restore_input_forms() {
        // Implicit tcp module, old-style negation, -N/-I/-P commands, netmask notation.
        let text = "*filter\n-P INPUT DROP\n-N ALLOW\n-A INPUT -p tcp --dport 6443 -j ALLOW\n-I ALLOW -s 192.0.2.0/255.255.255.128 -j ACCEPT\n-I ALLOW 1 -s 192.0.2.5 -j DROP\n-A ALLOW -m conntrack --ctstate ! INVALID -s 192.0.2.200 -j ACCEPT\nCOMMIT\n";
        let layer = parse(text, "r", &IpsetDb::default()).expect("parses");
        let j = judge_v4(&layer, "192.0.2.0/24");
        assert_eq!(j.denied_set().count(), 128, "{j:?}");
        assert!(j.denied_set().contains(number("192.0.2.5".parse().expect("ip"))));
        assert!(j.admitted_set().contains(number("192.0.2.200".parse().expect("ip"))));
    }
}
