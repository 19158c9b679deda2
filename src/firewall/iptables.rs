//! `iptables-save` / `ip6tables-save` text (legacy and nf_tables backends, every table, with or
//! without counters) and hand-written `iptables-restore` input, into the rule model.
//!
//! Every match and target the evaluator can decide is translated; everything else becomes an
//! explicit `unknown` (with the option as written), so that a rule the tool does not understand is
//! shown to the user instead of being guessed. Errors name the line and what was expected.

use std::borrow::Cow;
use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::{Arc, Mutex, OnceLock};

use crate::error::InputError;
use crate::firewall::ipset::IpsetDb;
use crate::firewall::model::{
    Action, Base, Chain, ChainId, ChainList, ChainSource, Direction, Effect, Families, Hook, IfName, MarkOp,
    MarkTarget, Match, NatAddr, NatTo, Origin, Policy, PortSide, Ports, Protos, Rule, RuleText, Ruleset, Side,
    Undecidable, Verdict, addrtype, ct, tcp,
};
use crate::firewall::ranges::{Family, Spans, max_of, number};
use crate::firewall::{Layer, LayerKind, protocols};
use crate::i18n::Text;
use crate::t;

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

/// Parses a dump into a layer named `name`, every chain at once, so that every error in the dump
/// is found; `-m set` matches are resolved with `ipsets`. The text is kept (shared) for the rules'
/// texts, so pass the `String` itself when there is one. [`read`] is the lazy twin.
pub fn parse(text: impl Into<String>, name: &str, ipsets: &IpsetDb) -> Result<Layer, InputError> {
    let (dump, parts) = Dump::scan(text.into(), name, ipsets)?;
    let mut chains = ChainList::new();
    let mut first: Option<InputError> = None;
    for id in 0..dump.chains.len() {
        match dump.build(id) {
            Ok(chain) => {
                chains.push(chain);
            }
            Err(e) if first.as_ref().is_none_or(|f| e.line < f.line) => first = Some(e),
            Err(_) => {}
        }
    }
    if let Some(e) = first {
        return Err(e);
    }
    Ok(parts.layer(name, chains))
}

/// Reads a dump into a layer named `name`, parsing a chain's rules only when a judgement first
/// reaches it: what `--firewall iptables:FILE` and the live reading use. A kube-proxy node has
/// 100,000 rules, most in `nat` chains no packet to the API server port enters.
///
/// What is checked at once: everything but rule bodies, as the kernel would — tables and their
/// `COMMIT`, chain declarations and policies, `-N`/`-P`, the `-A`/`-I` head (counters, command,
/// a chain declared in the table before the line), and quoting on every line. A rule body (its
/// matches and target) is parsed when its chain is read; an error there stops the run as it
/// would have at once (see [`Layer::read_error`]), but an error in the body of a rule whose chain
/// no judgement reads is not reported. When the dump is malformed elsewhere, every rule before that
/// point is parsed too, so that the first error in the file is the one reported, as by [`parse`].
pub fn read(text: impl Into<String>, name: &str, ipsets: &IpsetDb) -> Result<Layer, InputError> {
    let (dump, parts) = Dump::scan(text.into(), name, ipsets)?;
    let len = dump.chains.len();
    Ok(parts.layer(name, ChainList::from_source(Arc::new(dump), len)))
}

/// What a scan finds besides the chains.
struct Parts {
    family: Family,
    backend: Backend,
    tables: Vec<String>,
    bases: Vec<Base>,
    notes: Vec<String>,
}

impl Parts {
    fn layer(self, name: &str, chains: ChainList) -> Layer {
        Layer {
            name: name.to_string(),
            families: Families::only(self.family),
            ruleset: Ruleset { chains, bases: self.bases },
            notes: self.notes,
            kind: LayerKind::Iptables(Info { backend: self.backend, family: self.family, tables: self.tables }),
        }
    }
}

/// A dump, indexed by one cheap pass over its lines: its tables, its chains with their policies,
/// and where each chain's rule lines are. A chain's rules are parsed when it is first read.
#[derive(Debug)]
struct Dump {
    /// The file, as errors name it.
    file: String,
    text: Arc<String>,
    family: Family,
    ipsets: IpsetDb,
    tables: Vec<Arc<str>>,
    chains: Vec<ChainEntry>,
    /// Every chain's rule lines, chain after chain, each chain's in file order.
    rules: Vec<RuleLine>,
    names: NameIndex,
    /// Chain names that are not a piece of the text (quoted in a `-N` line).
    owned_names: Vec<Box<str>>,
    /// Chains with a rule that may change the connection mark.
    connmark: Vec<ChainId>,
    read: Vec<OnceLock<Box<Chain>>>,
    errors: Mutex<Vec<InputError>>,
}

#[derive(Debug)]
struct ChainEntry {
    name: Name,
    table: u16,
    /// Where the line that declared it starts (a built-in chain: its table's line). Rules jump to
    /// the chains declared before them, as `iptables-restore` reads them.
    declared: u32,
    /// Its rule lines in [`Dump::rules`].
    rules: (u32, u32),
    policy: Option<Box<Policy>>,
}

#[derive(Debug, Clone, Copy)]
enum Name {
    Builtin(&'static str),
    /// Start and length in the text.
    Text(u32, u32),
    /// Index in [`Dump::owned_names`].
    Owned(u32),
}

/// A rule line: where it starts in the text (trimmed), its length and its line number.
#[derive(Debug, Clone, Copy)]
struct RuleLine {
    start: u32,
    len: u32,
    line: u32,
}

/// The table being scanned.
struct Open {
    index: u16,
    line: usize,
}

/// How a line quotes, as [`tokenize`] reads it.
struct Quoting {
    /// The first `"` or `\`.
    first: Option<usize>,
    /// Every quote opens at the start of a word and closes at its end, and nothing is escaped:
    /// each word is then its text, without the quotes.
    simple: bool,
}

/// What [`tokenize`] would say about a line's quoting, without splitting it.
fn quoting(line: &str) -> Result<Quoting, Text> {
    let bytes = line.as_bytes();
    let space = |i: Option<&u8>| i.is_none_or(|b| matches!(b, b' ' | b'\t' | b'\r'));
    let mut q = Quoting { first: None, simple: true };
    let mut in_quote = false;
    let mut at = 0;
    while let Some(i) = memchr::memchr2(b'"', b'\\', &bytes[at..]).map(|i| at + i) {
        q.first.get_or_insert(i);
        if bytes[i] == b'\\' {
            if i + 1 == bytes.len() {
                return Err(t!("rules-backslash-ends-line"));
            }
            q.simple = false;
            // The escaped character is taken whatever it is; a continuation byte is never `"` or `\`.
            at = i + 2;
            continue;
        }
        let edge = if in_quote { space(bytes.get(i + 1)) } else { i == 0 || space(bytes.get(i - 1)) };
        q.simple &= edge;
        in_quote = !in_quote;
        at = i + 1;
    }
    if in_quote {
        return Err(t!("rules-unterminated-quote"));
    }
    Ok(q)
}

/// The first words of a line (counters, command, chain, policy), as [`tokenize`] splits them.
fn head<'a>(line: &'a str, quoting: &Quoting) -> Result<[Cow<'a, str>; 4], String> {
    let mut words: [Cow<'a, str>; 4] = Default::default();
    let bytes = line.as_bytes();
    let space = |b: u8| matches!(b, b' ' | b'\t' | b'\r');
    let mut at = 0;
    for slot in &mut words {
        while at < bytes.len() && space(bytes[at]) {
            at += 1;
        }
        if at == bytes.len() {
            break;
        }
        let start = at;
        while at < bytes.len() && !space(bytes[at]) {
            at += 1;
        }
        // Splitting at ASCII bytes keeps char boundaries.
        *slot = Cow::Borrowed(&line[start..at]);
    }
    if quoting.first.is_some_and(|q| q < at) {
        words = Default::default();
        for (slot, w) in words.iter_mut().zip(tokenize(line)?) {
            *slot = w.text;
        }
    }
    Ok(words)
}

impl Dump {
    /// The cheap pass. Errors are the ones [`parse`] reports, at the same line.
    fn scan(text: String, name: &str, ipsets: &IpsetDb) -> Result<(Dump, Parts), InputError> {
        let err = |line: usize, what: Text| InputError::new(name, Some(line), what);
        if u32::try_from(text.len()).is_err() {
            return Err(InputError::new(name, None, t!("rules-iptables-too-large")));
        }
        let (family, backend) = detect(&text);
        let mut dump = Dump {
            file: name.to_string(),
            text: Arc::new(text),
            family,
            ipsets: ipsets.clone(),
            tables: Vec::new(),
            chains: Vec::new(),
            rules: Vec::new(),
            names: NameIndex::default(),
            owned_names: Vec::new(),
            connmark: Vec::new(),
            read: Vec::new(),
            errors: Mutex::new(Vec::new()),
        };
        let mut parts = Parts { family, backend, tables: Vec::new(), bases: Vec::new(), notes: Vec::new() };
        // Rule lines in file order, with their chains; grouped by chain at the end.
        let mut lines: Vec<(u32, RuleLine)> = Vec::new();
        let mut complex: Vec<ChainId> = Vec::new();
        let failure = dump.scan_lines(&mut parts, &mut lines, &mut complex);
        if let Err((line, what)) = failure {
            // The first error in the file may be in a rule body before this line.
            let mut words = Vec::new();
            for (chain, rule) in &lines {
                let table = dump.chains[*chain as usize].table;
                dump.rule(rule, table, &mut Reasons::default(), &mut words)?;
            }
            return Err(err(line, what));
        }
        if parts.tables.is_empty()
            && dump.text.lines().any(|l| !l.trim().is_empty() && !l.trim_start().starts_with('#'))
        {
            return Err(InputError::new(name, Some(1), t!("rules-iptables-no-table")));
        }
        dump.connmark = connmark_candidates(&dump.text, &lines, complex);
        dump.group(lines);
        dump.read = (0..dump.chains.len()).map(|_| OnceLock::new()).collect();
        Ok((dump, parts))
    }

    /// The line-by-line part of [`Dump::scan`]; an error is (line, what).
    fn scan_lines(
        &mut self,
        parts: &mut Parts,
        lines: &mut Vec<(u32, RuleLine)>,
        complex: &mut Vec<ChainId>,
    ) -> Result<(), (usize, Text)> {
        let text = Arc::clone(&self.text);
        let bytes = text.as_bytes();
        let mut open: Option<Open> = None;
        let mut last: Option<ChainId> = None;
        let mut at = 0;
        let mut line = 0;
        while at < bytes.len() {
            let end = memchr::memchr(b'\n', &bytes[at..]).map_or(bytes.len(), |i| at + i);
            line += 1;
            // Split at ASCII bytes: char boundaries.
            let raw = &text[at..end];
            at = end + 1;
            let l = raw.trim();
            if l.is_empty() {
                continue;
            }
            let offset = l.as_ptr() as usize - text.as_ptr() as usize;
            if let Some(comment) = l.strip_prefix('#') {
                if let Some(w) = comment.trim().strip_prefix("Warning:") {
                    parts.notes.push(w.trim().to_string());
                }
                continue;
            }
            if let Some(t) = l.strip_prefix('*') {
                if let Some(o) = &open {
                    let name = &self.tables[usize::from(o.index)];
                    return Err((
                        line,
                        t!(
                            "rules-iptables-table-before-commit",
                            table = t,
                            open = name.as_ref(),
                            line = o.line.to_string()
                        ),
                    ));
                }
                let Some(chains) = builtins(t) else {
                    return Err((line, t!("rules-iptables-unknown-table", table = format!("{t:?}"))));
                };
                if parts.tables.iter().any(|x| x == t) {
                    return Err((line, t!("rules-iptables-table-twice", table = t)));
                }
                let index = u16::try_from(self.tables.len()).unwrap_or(u16::MAX);
                self.tables.push(Arc::from(t));
                for (chain, hook, priority) in chains {
                    let id = self.add(index, Name::Builtin(chain), offset);
                    parts.bases.push(Base {
                        chain: id,
                        hook: *hook,
                        priority: *priority,
                        families: Families::only(self.family),
                        nat: t == "nat",
                    });
                }
                parts.tables.push(t.to_string());
                open = Some(Open { index, line });
                continue;
            }
            if l == "COMMIT" {
                if open.take().is_none() {
                    return Err((line, t!("rules-iptables-commit-without-table")));
                }
                continue;
            }
            let Some(table) = open.as_ref().map(|o| o.index) else {
                // Quote only what looks like a rule: a file given by mistake must not be printed.
                let what = if l.starts_with('-') || l.starts_with(':') {
                    t!("rules-iptables-rule-outside-table", rule = format!("{:?}", clip(l)))
                } else {
                    t!("rules-iptables-line-outside-table")
                };
                return Err((line, what));
            };
            if let Some(decl) = l.strip_prefix(':') {
                let mut words = decl.split_whitespace();
                let (Some(name), Some(policy)) = (words.next(), words.next()) else {
                    return Err((line, t!("rules-iptables-declaration")));
                };
                self.declare(table, Cow::Borrowed(name), policy, line, l, offset).map_err(|w| (line, w))?;
                continue;
            }
            let q = quoting(l).map_err(|w| (line, w))?;
            let words = head(l, &q).map_err(|w| (line, Text::Untranslated(w)))?;
            let count = words.iter().position(|w| w.is_empty()).unwrap_or(words.len());
            let words = &words[..count];
            let words = match words.first() {
                Some(w) if w.starts_with('[') => {
                    let inner = w.trim_start_matches('[').trim_end_matches(']');
                    let ok = w.ends_with(']')
                        && inner
                            .split_once(':')
                            .is_some_and(|(p, b)| p.parse::<u64>().is_ok() && b.parse::<u64>().is_ok());
                    if !ok {
                        return Err((line, t!("rules-iptables-counters", counters = format!("{w:?}"))));
                    }
                    &words[1..]
                }
                _ => words,
            };
            match words.first().map(AsRef::as_ref) {
                Some("-N" | "--new-chain") => {
                    let chain = words.get(1).ok_or_else(|| (line, t!("rules-iptables-new-needs-chain")))?;
                    self.declare(table, chain.clone(), "-", line, l, offset).map_err(|w| (line, w))?;
                }
                Some("-P" | "--policy") => {
                    let (Some(chain), Some(policy)) = (words.get(1), words.get(2)) else {
                        return Err((line, t!("rules-iptables-policy-needs-chain")));
                    };
                    self.declare(table, chain.clone(), policy, line, l, offset).map_err(|w| (line, w))?;
                }
                Some("-A" | "--append" | "-I" | "--insert") => {
                    let chain_name = words.get(1).ok_or_else(|| (line, t!("rules-iptables-append-needs-chain")))?;
                    // iptables-save writes a chain's rules together: most lines name the last one's chain.
                    let chain = last
                        .filter(|c| self.chains[*c].table == table && self.name(*c) == chain_name.as_ref())
                        .or_else(|| self.find(table, chain_name));
                    let chain = chain.ok_or_else(|| {
                        let t = &self.tables[usize::from(table)];
                        (line, t!("rules-iptables-chain-undeclared", chain = chain_name.as_ref(), table = t.as_ref()))
                    })?;
                    last = Some(chain);
                    if !q.simple {
                        complex.push(chain);
                    }
                    let rule = RuleLine { start: to_u32(offset), len: to_u32(l.len()), line: to_u32(line) };
                    lines.push((to_u32(chain), rule));
                }
                Some(other) => {
                    return Err((line, t!("rules-iptables-command", command = format!("{other:?}"))));
                }
                None => {}
            }
        }
        if let Some(o) = open {
            let name = &self.tables[usize::from(o.index)];
            return Err((o.line, t!("rules-iptables-no-commit", table = name.as_ref())));
        }
        Ok(())
    }

    fn add(&mut self, table: u16, name: Name, declared: usize) -> ChainId {
        let id = self.chains.len();
        self.chains.push(ChainEntry { name, table, declared: to_u32(declared), rules: (0, 0), policy: None });
        let Dump { names, chains, text, owned_names, .. } = self;
        names.insert(id, key(chains, text, owned_names, id));
        id
    }

    /// The chain `name` of `table`.
    fn find(&self, table: u16, name: &str) -> Option<ChainId> {
        self.names.find((table, name), |c| key(&self.chains, &self.text, &self.owned_names, c))
    }

    /// `:CHAIN POLICY [p:b]`, `-N CHAIN`, `-P CHAIN POLICY`.
    fn declare(
        &mut self,
        table: u16,
        chain: Cow<'_, str>,
        policy: &str,
        line: usize,
        text: &str,
        offset: usize,
    ) -> Result<(), Text> {
        let name = chain.as_ref();
        let t = Arc::clone(&self.tables[usize::from(table)]);
        let builtin = builtins(&t).is_some_and(|b| b.iter().any(|(n, _, _)| *n == name));
        let verdict = match policy {
            "-" if !builtin => None,
            "-" => return Err(t!("rules-iptables-builtin-needs-policy", chain = name)),
            "ACCEPT" if builtin => Some(Verdict::Accept),
            "DROP" if builtin => Some(Verdict::Drop),
            "ACCEPT" | "DROP" => {
                return Err(t!("rules-iptables-user-chain-policy", chain = name, table = t.as_ref()));
            }
            other => return Err(t!("rules-iptables-policy", policy = format!("{other:?}"), chain = name)),
        };
        if name.len() > 28 || name.starts_with('-') || name.starts_with('!') {
            return Err(t!("rules-iptables-chain-name", chain = format!("{name:?}")));
        }
        let id = match self.find(table, name) {
            Some(id) => id,
            None => {
                let base = self.text.as_ptr() as usize;
                let start = name.as_ptr() as usize;
                let entry = match chain {
                    // A piece of the text (not a quoted word rebuilt by the tokenizer).
                    Cow::Borrowed(n) if start >= base && start + n.len() <= base + self.text.len() => {
                        Name::Text(to_u32(start - base), to_u32(n.len()))
                    }
                    _ => {
                        self.owned_names.push(name.into());
                        Name::Owned(to_u32(self.owned_names.len() - 1))
                    }
                };
                self.add(table, entry, offset)
            }
        };
        if let Some(verdict) = verdict {
            let text = text.rsplit_once(" [").map_or(text, |(head, _)| head).to_string();
            self.chains[id].policy = Some(Box::new(Policy {
                verdict,
                origin: Origin { line: Some(line), text: text.into(), ..Origin::default() },
            }));
        }
        Ok(())
    }

    /// Puts the rule lines in chain order (each chain's in file order).
    fn group(&mut self, lines: Vec<(u32, RuleLine)>) {
        let mut ends = vec![0u32; self.chains.len() + 1];
        for (chain, _) in &lines {
            ends[*chain as usize + 1] += 1;
        }
        for i in 1..ends.len() {
            ends[i] += ends[i - 1];
        }
        for (id, c) in self.chains.iter_mut().enumerate() {
            c.rules = (ends[id], ends[id + 1]);
        }
        let mut next = ends;
        let mut rules = vec![RuleLine { start: 0, len: 0, line: 0 }; lines.len()];
        for (chain, rule) in lines {
            let slot = &mut next[chain as usize];
            rules[*slot as usize] = rule;
            *slot += 1;
        }
        self.rules = rules;
    }

    fn name(&self, id: ChainId) -> &str {
        name_of(&self.text, &self.owned_names, self.chains[id].name)
    }

    /// Parses a chain's rules.
    fn build(&self, id: ChainId) -> Result<Chain, InputError> {
        let entry = &self.chains[id];
        let lines = &self.rules[entry.rules.0 as usize..entry.rules.1 as usize];
        let mut rules: Vec<Rule> = Vec::with_capacity(lines.len());
        let mut reasons = Reasons::default();
        let mut words = Vec::new();
        for line in lines {
            let (position, rule) = self.rule(line, entry.table, &mut reasons, &mut words)?;
            match position {
                Some(p) if p <= rules.len() => rules.insert(p, rule),
                _ => rules.push(rule),
            }
        }
        for (i, r) in rules.iter_mut().enumerate() {
            r.origin.number = i + 1;
            r.matches.shrink_to_fit();
        }
        Ok(Chain {
            name: self.name(id).to_string(),
            table: Arc::clone(&self.tables[usize::from(entry.table)]),
            scope: None,
            rules,
            policy: entry.policy.clone(),
        })
    }

    /// Parses one rule line of `table`: its insert position (`-I`) and the rule.
    fn rule<'s>(
        &'s self,
        at: &RuleLine,
        table: u16,
        reasons: &mut Reasons,
        words: &mut Vec<Word<'s>>,
    ) -> Result<(Option<usize>, Rule), InputError> {
        let line = at.line as usize;
        let err = |what: String| InputError::new(&self.file, Some(line), Text::Untranslated(what));
        let start = at.start as usize;
        let l = &self.text[start..start + at.len as usize];
        tokenize_into(l, words).map_err(err)?;
        let (words, rule_text) = strip_counters(words, l).map_err(err)?;
        let table_name = &self.tables[usize::from(table)];
        let resolve = |name: &str| self.find(table, name).filter(|c| (self.chains[*c].declared as usize) < start);
        let scope = Scope { table: table_name, chains: &resolve };
        let (position, rule) = parse_rule(words, &scope, self.family, &self.ipsets, reasons).map_err(err)?;
        let from = rule_text.as_ptr() as usize - self.text.as_ptr() as usize;
        let text = RuleText::span(&self.text, from..from + rule_text.len());
        Ok((position, Rule { origin: Origin { line: Some(line), text, ..Origin::default() }, ..rule }))
    }

    /// What a chain that cannot be read stands for: one rule that decides nothing, with why.
    fn unreadable(&self, id: ChainId, e: InputError) -> Chain {
        let entry = &self.chains[id];
        let why = format!("{e} (so chain {} was not read)", self.name(id));
        let rule = Rule {
            matches: Vec::new(),
            effects: Vec::new(),
            action: Action::unknown(why),
            origin: Origin { number: 1, line: e.line, ..Origin::default() },
        };
        if let Ok(mut errors) = self.errors.lock() {
            errors.push(e);
        }
        Chain {
            name: self.name(id).to_string(),
            table: Arc::clone(&self.tables[usize::from(entry.table)]),
            scope: None,
            rules: vec![rule],
            policy: entry.policy.clone(),
        }
    }
}

impl ChainSource for Dump {
    fn chain(&self, id: ChainId) -> &Chain {
        self.read[id].get_or_init(|| Box::new(self.build(id).unwrap_or_else(|e| self.unreadable(id, e))))
    }

    fn name(&self, id: ChainId) -> &str {
        Dump::name(self, id)
    }

    fn table(&self, id: ChainId) -> &str {
        &self.tables[usize::from(self.chains[id].table)]
    }

    fn rule_count(&self, id: ChainId) -> usize {
        let (start, end) = self.chains[id].rules;
        (end - start) as usize
    }

    fn rule_total(&self) -> usize {
        self.rules.len()
    }

    fn connmark_candidates(&self) -> &[ChainId] {
        &self.connmark
    }

    fn error(&self) -> Option<InputError> {
        let errors = self.errors.lock().ok()?;
        errors.iter().min_by_key(|e| e.line).cloned()
    }
}

/// Offsets and line numbers in a dump [`Dump::scan`] accepted (under 4 GiB).
fn to_u32(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

fn name_of<'a>(text: &'a str, owned: &'a [Box<str>], name: Name) -> &'a str {
    match name {
        Name::Builtin(n) => n,
        Name::Text(start, len) => text.get(start as usize..(start + len) as usize).unwrap_or_default(),
        Name::Owned(i) => owned.get(i as usize).map_or("", |n| n),
    }
}

fn key<'a>(chains: &[ChainEntry], text: &'a str, owned: &'a [Box<str>], id: ChainId) -> (u16, &'a str) {
    (chains[id].table, name_of(text, owned, chains[id].name))
}

/// The chains whose rules may change the connection mark: those with a rule line that names
/// `CONNMARK` or `save-mark` (the only targets and options that do), or whose quoting could hide
/// such a word (a quote inside a word, an escape).
fn connmark_candidates(text: &str, lines: &[(u32, RuleLine)], mut chains: Vec<ChainId>) -> Vec<ChainId> {
    for needle in ["CONNMARK", "save-mark"] {
        for hit in memchr::memmem::find_iter(text.as_bytes(), needle) {
            let i = lines.partition_point(|(_, r)| r.start as usize <= hit);
            if let Some((chain, r)) = i.checked_sub(1).map(|i| lines[i])
                && hit < (r.start + r.len) as usize
            {
                chains.push(chain as usize);
            }
        }
    }
    chains.sort_unstable();
    chains.dedup();
    chains
}

/// Chains by (table, name): an open-addressing table of chain ids with their names' hashes, so
/// that the names stay pieces of the text and a lookup compares one name.
#[derive(Debug, Default)]
struct NameIndex {
    /// (hash, chain id + 1); an id of 0 is a free slot.
    slots: Vec<(u32, u32)>,
    len: usize,
}

impl NameIndex {
    fn hash((table, name): (u16, &str)) -> u32 {
        // FxHash: names are short and not chosen against us (a collision costs a comparison).
        let mix = |h: u64, w: u64| (h.rotate_left(5) ^ w).wrapping_mul(0x51_7c_c1_b7_27_22_0a_95);
        let mut h = u64::from(table);
        let mut chunks = name.as_bytes().chunks_exact(8);
        for c in &mut chunks {
            let mut w = [0u8; 8];
            w.copy_from_slice(c);
            h = mix(h, u64::from_le_bytes(w));
        }
        let mut w = [0u8; 8];
        w[..chunks.remainder().len()].copy_from_slice(chunks.remainder());
        h = mix(mix(h, u64::from_le_bytes(w)), name.len() as u64);
        // Multiplying mixes upwards only: names that differ in their last bytes (KUBE-SEP-…0001,
        // …0002) need a finish that mixes downwards too (MurmurHash3's).
        h ^= h >> 33;
        h = h.wrapping_mul(0xff51_afd7_ed55_8ccd);
        h ^= h >> 33;
        h = h.wrapping_mul(0xc4ce_b9fe_1a85_ec53);
        h ^= h >> 33;
        h as u32
    }

    fn find<'a>(&self, key: (u16, &str), key_of: impl Fn(ChainId) -> (u16, &'a str)) -> Option<ChainId> {
        if self.slots.is_empty() {
            return None;
        }
        let hash = Self::hash(key);
        let mask = self.slots.len() - 1;
        let mut i = hash as usize & mask;
        loop {
            match self.slots[i] {
                (_, 0) => return None,
                (h, id) if h == hash && key_of(id as usize - 1) == key => return Some(id as usize - 1),
                _ => i = (i + 1) & mask,
            }
        }
    }

    fn insert(&mut self, id: ChainId, key: (u16, &str)) {
        if (self.len + 1) * 3 > self.slots.len() * 2 {
            let old = std::mem::take(&mut self.slots);
            self.slots = vec![(0, 0); (old.len() * 2).max(1024)];
            self.len = 0;
            for slot in old.into_iter().filter(|s| s.1 != 0) {
                self.place(slot);
            }
        }
        self.place((Self::hash(key), to_u32(id + 1)));
    }

    fn place(&mut self, slot: (u32, u32)) {
        let mask = self.slots.len() - 1;
        let mut i = slot.0 as usize & mask;
        while self.slots[i].1 != 0 {
            i = (i + 1) & mask;
        }
        self.slots[i] = slot;
        self.len += 1;
    }
}

/// What a rule's jump targets are resolved against: the chains of its table declared before it.
struct Scope<'a> {
    table: &'a str,
    chains: &'a dyn Fn(&str) -> Option<ChainId>,
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

/// A word of a rule line; quoted words are always values.
#[derive(Debug, Clone)]
struct Word<'a> {
    text: Cow<'a, str>,
    quoted: bool,
}

/// Splits a rule line as iptables-restore does: whitespace, double quotes, backslash escapes.
/// Plain words (nearly all) are borrowed from the line.
fn tokenize(line: &str) -> Result<Vec<Word<'_>>, String> {
    let mut words = Vec::with_capacity(24);
    tokenize_into(line, &mut words)?;
    Ok(words)
}

/// [`tokenize`] into `words` (cleared first), so that one list serves many lines. Words that are
/// plain, or wholly in quotes without escapes (`"a comment"`), are borrowed from the line.
fn tokenize_into<'a>(line: &'a str, words: &mut Vec<Word<'a>>) -> Result<(), String> {
    words.clear();
    let space = |b: &u8| matches!(b, b' ' | b'\t' | b'\r');
    let bytes = line.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        if space(&bytes[i]) {
            i += 1;
            continue;
        }
        let start = i;
        if bytes[i] == b'"'
            && let Some(close) = memchr::memchr2(b'"', b'\\', &bytes[i + 1..]).map(|j| i + 1 + j)
            && bytes[close] == b'"'
            && bytes.get(close + 1).is_none_or(space)
        {
            // Splitting at ASCII bytes keeps char boundaries.
            words.push(Word { text: Cow::Borrowed(&line[i + 1..close]), quoted: true });
            i = close + 1;
            continue;
        }
        while i < bytes.len() && !space(&bytes[i]) && bytes[i] != b'"' && bytes[i] != b'\\' {
            i += 1;
        }
        if i == bytes.len() || space(&bytes[i]) {
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
    Ok(())
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
    values: Values<'w>,
}

/// An option's values: nearly always one or two, kept inline.
#[derive(Debug, Clone, Default)]
struct Values<'w> {
    inline: [&'w str; 3],
    len: usize,
    more: Vec<&'w str>,
}

impl<'w> Values<'w> {
    fn push(&mut self, v: &'w str) {
        if self.more.is_empty() && self.len < self.inline.len() {
            self.inline[self.len] = v;
            self.len += 1;
        } else {
            if self.more.is_empty() {
                self.more.extend_from_slice(&self.inline[..self.len]);
            }
            self.more.push(v);
        }
    }

    fn as_slice(&self) -> &[&'w str] {
        if self.more.is_empty() { &self.inline[..self.len] } else { &self.more }
    }
}

impl<'w> std::ops::Deref for Values<'w> {
    type Target = [&'w str];

    fn deref(&self) -> &[&'w str] {
        self.as_slice()
    }
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

/// Parses `-A CHAIN …` / `-I CHAIN [N] …` (whose chain the scan found) into (insert position, rule).
fn parse_rule<'w>(
    words: &'w [Word<'w>],
    t: &Scope<'_>,
    family: Family,
    ipsets: &IpsetDb,
    reasons: &mut Reasons,
) -> Result<(Option<usize>, Rule), String> {
    let insert = words.first().is_some_and(|w| matches!(w.text.as_ref(), "-I" | "--insert"));
    words.get(1).ok_or("-A needs a chain name")?;
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
                let mut opt = Opt { name, negated: negate, values: Values::default() };
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
                } else if let Some((module, opts)) = modules.last_mut() {
                    // A comment decides nothing: its text is not kept.
                    if *module != "comment" {
                        opts.push(opt);
                    }
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
    Ok((position, rule))
}

/// `192.0.2.0/24`, `192.0.2.1`, `192.0.2.0/255.255.255.0`, or a comma list of those.
fn addresses(text: &str, family: Family) -> Result<Spans, String> {
    if !text.contains(',') {
        return address(text, family);
    }
    let mut v = Vec::new();
    for part in text.split(',') {
        v.extend_from_slice(address(part, family)?.intervals());
    }
    Ok(Spans::from_intervals(v))
}

/// `192.0.2.0/24`, `192.0.2.1`, `192.0.2.0/255.255.255.0`.
fn address(part: &str, family: Family) -> Result<Spans, String> {
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
    Ok(Spans::prefix(number(ip), len, bits))
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

fn target_action(name: &str, opts: &[Opt<'_>], goto: bool, t: &Scope<'_>) -> Result<(Action, Vec<Effect>), String> {
    if let Some(id) = (t.chains)(name) {
        if builtins(t.table).is_some_and(|b| b.iter().any(|(n, _, _)| *n == name)) {
            return Err(format!("cannot jump to built-in chain {name}"));
        }
        return Ok((if goto { Action::Goto(id) } else { Action::Jump(id) }, Vec::new()));
    }
    if goto {
        return Err(format!("-g {name}: no such chain in table {}", t.table));
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
