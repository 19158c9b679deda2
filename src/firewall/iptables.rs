//! `iptables-save` / `ip6tables-save` text (legacy and nf_tables backends, every table, with or
//! without counters) and hand-written `iptables-restore` input, into the rule model.
//!
//! Every match and target the evaluator can decide is translated; everything else becomes an
//! explicit `unknown` (with the option as written), so that a rule the tool does not understand is
//! shown to the user instead of being guessed. Errors name the line and what was expected.

use std::borrow::Cow;
use std::collections::HashMap;
use std::fs::File;
use std::net::IpAddr;
use std::os::unix::fs::FileExt as _;
use std::path::Path;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::SystemTime;

use crate::error::InputError;
use crate::firewall::ipset::IpsetDb;
use crate::firewall::model::{
    Action, Base, Chain, ChainId, ChainList, ChainSource, Direction, Effect, Families, Hook, IfName, MarkOp,
    MarkTarget, Match, NatAddr, NatTo, Origin, Policy, PortSide, Ports, Protos, Rule, RuleText, Ruleset, Side,
    Undecidable, Verdict, addrtype, ct, tcp,
};
use crate::firewall::ranges::{Family, Spans, max_of, number};
use crate::firewall::{Layer, LayerKind, protocols};
use crate::hostfs::{self, Kind};
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
/// reaches it: what `--firewall iptables:-` and the live reading use ([`read_file`] for a file). A
/// kube-proxy node has 100,000 rules, most in `nat` chains no packet to the API server port enters.
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
    Ok(parts.lazy_layer(name, dump))
}

/// [`read`] for a file, without keeping its text: the scan reads it a piece at a time, and a
/// chain's rule lines are read again from the file when the chain is first read. A 100,000-rule
/// dump is 15 MB of text, of which a judgement of the API server port reads a few hundred KB.
/// The file must not change while the run reads it: a chain read from a file whose size or
/// modification time changed since the scan is an input error. `name` is how errors name it.
pub fn read_file(path: &Path, name: &str, ipsets: &IpsetDb) -> Result<Layer, InputError> {
    let (file, meta) = hostfs::open_file(path, Kind::FirewallDump)?;
    match Dump::scan_file(file, &meta, path, name, ipsets)? {
        Some((dump, parts)) => Ok(parts.lazy_layer(name, dump)),
        // Malformed (or not text): read it whole, and say what `read` says of it.
        None => {
            read(hostfs::utf8(hostfs::read_file(path, Kind::FirewallDump)?, path, Kind::FirewallDump)?, name, ipsets)
        }
    }
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

    fn lazy_layer(self, name: &str, dump: Dump) -> Layer {
        let len = dump.chains.len();
        self.layer(name, ChainList::from_source(Arc::new(dump), len))
    }
}

/// A dump, indexed by one cheap pass over its lines: its tables, its chains with their policies,
/// and where each chain's rule lines are. A chain's rules are parsed when it is first read.
#[derive(Debug)]
struct Dump {
    /// The file, as errors name it.
    file: String,
    lines: Lines,
    family: Family,
    ipsets: IpsetDb,
    tables: Vec<Arc<str>>,
    chains: Vec<ChainEntry>,
    /// Every chain's rule lines, chain after chain, each chain's in file order.
    rules: Vec<RuleLine>,
    index: NameIndex,
    /// The names of the chains that are not built in, one after another.
    names: String,
    /// Chains with a rule that may change the connection mark.
    connmark: Vec<ChainId>,
    read: Vec<OnceLock<Box<Chain>>>,
    errors: Mutex<Vec<InputError>>,
}

/// Where a dump's rule lines are when their chain is read.
#[derive(Debug)]
enum Lines {
    /// The whole text, in memory (standard input, a live reading, a string).
    Text(Arc<String>),
    /// The file, read again a chain at a time.
    File(Reread),
}

/// A scanned file, and what it was when scanned.
#[derive(Debug)]
struct Reread {
    file: File,
    len: u64,
    modified: Option<SystemTime>,
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

impl ChainEntry {
    /// A chain declared at `declared`, before its rules and policy are known.
    fn new(name: Name, table: u16, declared: usize) -> ChainEntry {
        ChainEntry { name, table, declared: to_u32(declared), rules: (0, 0), policy: None }
    }
}

#[derive(Debug, Clone, Copy)]
enum Name {
    Builtin(&'static str),
    /// Start and length in [`Dump::names`].
    Declared(u32, u32),
}

/// A rule line: where it starts in the file (trimmed), its length and its line number.
#[derive(Debug, Clone, Copy)]
struct RuleLine {
    start: u32,
    len: u32,
    line: u32,
}

/// Rules parsed from consecutive lines, in line order, and the `-I` lines among them: (index,
/// insert position).
type Parsed = (Vec<Rule>, Vec<(usize, usize)>);

/// Rule lines of one chain read back from the file in one read: `text` starts at `start`.
struct Piece {
    text: Arc<String>,
    start: usize,
}

/// Lines of a chain at most this far apart are read back in one read (a chain's lines are
/// together in what `iptables-save` writes; a hand-written file may interleave chains).
const READ_GAP: usize = 4096;

/// A chain of at least twice this many rules is parsed in parts, on as many cores (parsing a rule
/// takes about 1.2 µs; starting a thread, some 30 µs).
const PARSE_PART: usize = 1024;

/// The file is scanned this much at a time (more when a line is longer).
const SCAN_CHUNK: usize = 256 * 1024;

/// The table being scanned.
struct Open {
    index: u16,
    line: usize,
}

/// The state of a scan between lines.
struct Scan {
    parts: Parts,
    /// Rule lines in file order, with their chains; grouped by chain at the end.
    lines: Vec<(u32, RuleLine)>,
    /// Chains with a rule that may change the connection mark: one that names `CONNMARK` or
    /// `save-mark` (the only target and option that do, see [`connmark_words`]), or whose quoting
    /// could hide such a word (a quote inside a word, an escape).
    connmark: Vec<ChainId>,
    open: Option<Open>,
    last: Option<ChainId>,
    /// The number of the line last scanned.
    line: usize,
    detect: Detect,
}

impl Scan {
    fn new() -> Scan {
        let parts = Parts {
            family: Family::V4,
            backend: Backend::Unknown,
            tables: Vec::new(),
            bases: Vec::new(),
            notes: Vec::new(),
        };
        Scan {
            parts,
            lines: Vec::new(),
            connmark: Vec::new(),
            open: None,
            last: None,
            line: 0,
            detect: Detect::default(),
        }
    }

    /// After the last line: every table has its `COMMIT`. An error is (line, what).
    fn end(&self, dump: &Dump) -> Result<(), (usize, Text)> {
        match &self.open {
            Some(o) => {
                Err((o.line, t!("rules-iptables-no-commit", table = dump.tables[usize::from(o.index)].as_ref())))
            }
            None => Ok(()),
        }
    }
}

/// A dump is scanned in parts of at least this many bytes (a first pass costs some 100 ns a line;
/// starting a thread, some 30 µs).
const SCAN_PART: u64 = 1 << 20;

/// At most this many threads make first passes: each holds its part's lines until the second pass
/// takes them, and more would add memory sooner than speed (the second pass is on one thread).
const SCAN_THREADS: usize = 4;

/// How many parts a dump of `len` bytes is scanned in: two per thread, so that the second pass over
/// the first parts runs while the threads read the last.
fn scan_parts(len: u64) -> usize {
    let threads = std::thread::available_parallelism().map_or(1, usize::from).min(SCAN_THREADS);
    (2 * threads).min(usize::try_from(len / SCAN_PART).unwrap_or(usize::MAX)).max(1)
}

/// The first pass of a scan over one part of a dump, on its own core: each line is either a plain
/// `-A` line ([`plain_append`]), which needs nothing but its chain resolved, or one kept for the
/// second pass, [`Dump::apply`], to scan in file order. Nearly every line of a kube-proxy dump is
/// plain.
#[derive(Default)]
struct Prescan {
    items: Vec<Item>,
    /// The texts of the kept lines and the chain names of the runs, one after another.
    text: String,
    /// The runs' rule lines, in file order, numbered from the part's first line (1).
    rules: Vec<RuleLine>,
    /// Where the part names `CONNMARK` or `save-mark` ([`connmark_words`]).
    connmark: Vec<usize>,
    /// The number of lines in the part.
    lines: usize,
    detect: Detect,
}

#[derive(Debug, Clone, Copy)]
enum Item {
    /// A line for [`Dump::scan_line`]: its text (in [`Prescan::text`]), where it starts in the
    /// file, and its number in the part.
    Line { text: (u32, u32), at: u32, line: u32 },
    /// `count` plain `-A` lines in a row that name the chain `name` (in [`Prescan::text`]).
    Run { name: (u32, u32), count: u32 },
    /// A plain `:CHAIN POLICY` line ([`plain_declaration`]), as [`Item::Line`], with the length of
    /// its chain name (after the `:`) and where its policy is (in [`Prescan::text`]).
    Declaration { text: (u32, u32), at: u32, line: u32, name: u32, policy: (u32, u32) },
}

// A kube-proxy dump has one item for every two of its lines: each byte counts.
const _: () = assert!(std::mem::size_of::<Item>() <= 32);

/// What the second pass of a scan ([`Dump::apply`]) carries from part to part.
struct Second {
    scan: Scan,
    /// The lines of the parts taken.
    before: usize,
    /// Their [`Prescan::connmark`].
    connmark: Vec<usize>,
    detect: Detect,
}

impl Second {
    fn new() -> Second {
        Second { scan: Scan::new(), before: 0, connmark: Vec::new(), detect: Detect::default() }
    }
}

impl Prescan {
    /// The first passes over `text` in `parts` parts of whole lines, each handed to `take` in
    /// order ([`pipelined`]). Whether `take` took every part.
    fn of_text(text: &str, parts: usize, take: impl FnMut(Prescan) -> bool) -> bool {
        let line_end = |from: usize| Ok(memchr::memchr(b'\n', &text.as_bytes()[from..]).map(|i| from + i + 1));
        let Ok(ranges) = part_ranges(text.len(), parts, line_end) else { return false };
        let first = |&(start, end): &(usize, usize)| {
            let mut part = Prescan::default();
            // Bounds follow a `\n`: char boundaries.
            part.see(&text[start..end], start);
            Some(part)
        };
        pipelined(&ranges, first, take)
    }

    /// The first passes over the `len` bytes of `file` in `parts` parts of whole lines, each read
    /// a piece at a time, each handed to `take` in order ([`pipelined`]). `Ok(false)`: the file
    /// is not UTF-8, or is shorter than `len`, or `take` refused a part.
    fn of_file(file: &File, len: usize, parts: usize, mut take: impl FnMut(Prescan) -> bool) -> std::io::Result<bool> {
        let mut window = vec![0; 64 * 1024];
        let line_end = |from: usize| -> std::io::Result<Option<usize>> {
            let n = file.read_at(&mut window, from as u64)?;
            Ok(memchr::memchr(b'\n', &window[..n]).map(|i| from + i + 1))
        };
        let ranges = part_ranges(len, parts, line_end)?;
        let mut failed = None;
        let first = |&(start, end): &(usize, usize)| Prescan::of_range(file, start as u64, end as u64).transpose();
        let taken = pipelined(&ranges, first, |part| match part {
            Ok(part) => take(part),
            Err(e) => {
                failed = Some(e);
                false
            }
        });
        failed.map_or(Ok(taken), Err)
    }

    /// The first pass over bytes `start..end` of `file` (whole lines).
    fn of_range(file: &File, start: u64, end: u64) -> std::io::Result<Option<Prescan>> {
        let mut part = Prescan::default();
        let mut buf = vec![0u8; SCAN_CHUNK];
        let mut filled = 0;
        // Where `buf` starts in the file, and where the next read starts.
        let (mut base, mut next) = (start, start);
        loop {
            let want = (buf.len() - filled).min(usize::try_from(end - next).unwrap_or(usize::MAX));
            match file.read_exact_at(&mut buf[filled..filled + want], next) {
                Ok(()) => {}
                // Shorter than it was: a file being written.
                Err(e) if e.kind() == std::io::ErrorKind::UnexpectedEof => return Ok(None),
                Err(e) => return Err(e),
            }
            (filled, next) = (filled + want, next + want as u64);
            let done = next == end;
            // Scan whole lines; a line is never cut (nor, since `\n` is ASCII, a character).
            let cut = match memchr::memrchr(b'\n', &buf[..filled]) {
                _ if done => filled,
                Some(i) => i + 1,
                None => {
                    if filled == buf.len() {
                        buf.resize(buf.len() * 2, 0);
                    }
                    continue;
                }
            };
            let Ok(text) = std::str::from_utf8(&buf[..cut]) else { return Ok(None) };
            part.see(text, usize::try_from(base).unwrap_or(usize::MAX));
            buf.copy_within(cut..filled, 0);
            filled -= cut;
            base += cut as u64;
            if done {
                return Ok(Some(part));
            }
        }
    }

    /// Whole lines of the part, `text`, which starts at `base` in the file. One pass finds the
    /// lines' ends with their quotes and escapes ([`Quotes`]).
    fn see(&mut self, text: &str, base: usize) {
        let bytes = text.as_bytes();
        // Tabs and carriage returns are rare: only a piece with one needs its chain names searched.
        let blanks = memchr::memchr2(b'\t', b'\r', bytes).is_some();
        let mut specials = memchr::memchr3_iter(b'\n', b'"', b'\\', bytes);
        let mut start = 0;
        while start < bytes.len() {
            let mut quotes = Quotes::new();
            let end = loop {
                match specials.next() {
                    Some(i) if bytes[i] == b'\n' => break i,
                    Some(i) => quotes.see(bytes, start, i),
                    None => break bytes.len(),
                }
            };
            // Split at ASCII bytes: char boundaries.
            self.line(&text[start..end], base + start, &quotes, blanks);
            start = end + 1;
        }
        self.connmark.extend(connmark_words(text, base));
    }

    /// One line (`raw`, at `at` in the file), with its quotes.
    fn line(&mut self, raw: &str, at: usize, quotes: &Quotes, blanks: bool) {
        self.lines += 1;
        self.detect.see(raw);
        let line = to_u32(self.lines);
        let Some(chain) = plain_append(raw, quotes, blanks) else {
            let start = self.text.len();
            self.text.push_str(raw);
            let (text, at) = ((to_u32(start), to_u32(raw.len())), to_u32(at));
            self.items.push(match plain_declaration(raw) {
                Some((name, policy)) => {
                    let policy_at = start + policy.as_ptr() as usize - raw.as_ptr() as usize;
                    let policy = (to_u32(policy_at), to_u32(policy.len()));
                    Item::Declaration { text, at, line, name: to_u32(name.len()), policy }
                }
                None => Item::Line { text, at, line },
            });
            return;
        };
        self.rules.push(RuleLine { start: to_u32(at), len: to_u32(raw.len()), line });
        if let Some(Item::Run { name, count }) = self.items.last_mut()
            && name_of(&self.text, Name::Declared(name.0, name.1)) == chain
        {
            *count += 1;
            return;
        }
        let start = to_u32(self.text.len());
        self.text.push_str(chain);
        self.items.push(Item::Run { name: (start, to_u32(chain.len())), count: 1 });
    }

    fn text_of(&self, (start, len): (u32, u32)) -> &str {
        name_of(&self.text, Name::Declared(start, len))
    }
}

/// The byte ranges of a dump of `len` bytes cut into (at most) `parts` parts of whole lines: each cut
/// follows the first `\n` from `k / parts` of the way, which `line_end(from)` finds (`None`: none
/// near enough, and one part fewer).
fn part_ranges(
    len: usize,
    parts: usize,
    mut line_end: impl FnMut(usize) -> std::io::Result<Option<usize>>,
) -> std::io::Result<Vec<(usize, usize)>> {
    let mut bounds = vec![0];
    for k in 1..parts {
        let from = (len / parts * k).max(bounds[bounds.len() - 1]);
        if let Some(cut) = line_end(from)? {
            bounds.push(cut);
        }
    }
    bounds.push(len);
    bounds.dedup();
    Ok(bounds.windows(2).map(|w| (w[0], w[1])).collect())
}

/// `work` on each of `inputs` on as many threads as there are cores (at most [`SCAN_THREADS`]), and
/// `take`, on this thread, of each result in input order as soon as it and those before it are
/// done: the second pass of a scan runs while the first passes go on. A `None` from `work` or a
/// `false` from `take` stops the rest. Whether `take` took every result.
fn pipelined<I: Sync, O: Send>(
    inputs: &[I],
    work: impl Fn(&I) -> Option<O> + Sync,
    mut take: impl FnMut(O) -> bool,
) -> bool {
    if let [only] = inputs {
        return work(only).is_some_and(take);
    }
    let cores = std::thread::available_parallelism().map_or(1, usize::from).min(SCAN_THREADS).min(inputs.len());
    let next = AtomicUsize::new(0);
    let stop = AtomicBool::new(false);
    std::thread::scope(|s| {
        let (tx, rx) = std::sync::mpsc::channel();
        for _ in 0..cores {
            let (tx, work, next, stop) = (tx.clone(), &work, &next, &stop);
            s.spawn(move || {
                while !stop.load(Ordering::Relaxed) {
                    let k = next.fetch_add(1, Ordering::Relaxed);
                    let Some(input) = inputs.get(k) else { break };
                    // The receiver is gone only once it stopped: so is this thread.
                    if tx.send((k, work(input))).is_err() {
                        break;
                    }
                }
            });
        }
        drop(tx);
        let mut ready: Vec<Option<O>> = inputs.iter().map(|_| None).collect();
        let mut taken = 0;
        // Ends when every worker is done (a panic among them is the scope's, once all are joined).
        for (k, out) in &rx {
            let Some(out) = out else { break };
            ready[k] = Some(out);
            while let Some(out) = ready.get_mut(taken).and_then(Option::take) {
                if !take(out) {
                    stop.store(true, Ordering::Relaxed);
                    return false;
                }
                taken += 1;
            }
        }
        stop.store(true, Ordering::Relaxed);
        taken == inputs.len()
    })
}

/// The chain and policy of a plain `:CHAIN POLICY …` line: one that [`Dump::scan_line`] would take
/// as it is, with nothing to trim, and whose first two words are ASCII, split at ASCII blanks as
/// `split_whitespace` splits them. Every other line is `None`, for the whole scan.
fn plain_declaration(raw: &str) -> Option<(&str, &str)> {
    let decl = raw.strip_prefix(':')?;
    let last = *raw.as_bytes().last()?;
    if !last.is_ascii() || char::from(last).is_whitespace() {
        return None;
    }
    let bytes = decl.as_bytes();
    // `char::is_whitespace` of an ASCII character.
    let blank = |b: &u8| matches!(b, b' ' | b'\t' | b'\n' | b'\x0b' | b'\x0c' | b'\r');
    let name_end = bytes.iter().position(blank)?;
    let policy = name_end + bytes[name_end..].iter().position(|b| !blank(b))?;
    let policy_end = bytes[policy..].iter().position(blank).map_or(bytes.len(), |i| policy + i);
    if name_end == 0 || !bytes[..policy_end].is_ascii() {
        return None;
    }
    // Split at ASCII bytes: char boundaries.
    Some((&decl[..name_end], &decl[policy..policy_end]))
}

/// A line's quotes and escapes as a first pass meets them: enough to tell simple quoting (every
/// quote opens at the start of a word and closes at its end, nothing is escaped), which
/// [`quoting`] would accept as it is.
struct Quotes {
    /// Where the first `"` or `\` is in the line.
    first: Option<usize>,
    simple: bool,
    open: bool,
}

impl Quotes {
    fn new() -> Quotes {
        Quotes { first: None, simple: true, open: false }
    }

    /// The `"` or `\` at `i` of `bytes`, in the line that starts at `start`.
    fn see(&mut self, bytes: &[u8], start: usize, i: usize) {
        self.first.get_or_insert(i - start);
        if bytes[i] == b'\\' {
            // An escape is never simple; what it escapes is the whole scan's to read.
            self.simple = false;
            return;
        }
        let blank = |b: u8| matches!(b, b' ' | b'\t' | b'\r');
        let edge = if self.open {
            bytes.get(i + 1).is_none_or(|&b| blank(b) || b == b'\n')
        } else {
            i == start || blank(bytes[i - 1])
        };
        self.simple &= edge;
        self.open = !self.open;
    }

    /// Simple, and every quote closed.
    fn plain(&self) -> bool {
        self.simple && !self.open
    }
}

/// The chain of a plain `-A CHAIN …` line: one that [`Dump::scan_line`] would take as it is, with
/// nothing to trim, simple quoting (`quotes`), and a name that [`head`] splits at its first space.
/// `blanks`: whether the line may hold a tab or a carriage return. Every other line is `None`, for
/// the whole scan.
fn plain_append<'a>(raw: &'a str, quotes: &Quotes, blanks: bool) -> Option<&'a str> {
    let rest = raw.strip_prefix("-A ")?;
    let last = *raw.as_bytes().last()?;
    // `str::trim` would leave the line as it is.
    if !last.is_ascii() || char::from(last).is_whitespace() || !quotes.plain() {
        return None;
    }
    let end = memchr::memchr(b' ', rest.as_bytes()).unwrap_or(rest.len());
    let chain = &rest[..end];
    if end == 0
        || quotes.first.is_some_and(|q| q < 3 + end)
        || (blanks && chain.bytes().any(|b| matches!(b, b'\t' | b'\r')))
    {
        return None;
    }
    Some(chain)
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

/// The first words of a line that the scan needs (counters, command, chain, and for `-P` the
/// policy), as [`tokenize`] splits them; the others are empty.
fn head<'a>(line: &'a str, quoting: &Quoting) -> Result<[Cow<'a, str>; 4], String> {
    let mut words: [Cow<'a, str>; 4] = Default::default();
    let bytes = line.as_bytes();
    let space = |b: u8| matches!(b, b' ' | b'\t' | b'\r');
    let mut at = 0;
    // The command is the first word, or the second after counters.
    let mut command = 0;
    let mut needed = 3;
    for (n, slot) in words.iter_mut().enumerate() {
        if n == needed {
            break;
        }
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
        let word = &line[start..at];
        if n == 0 && word.starts_with('[') {
            (command, needed) = (1, 4);
        }
        if n == command && matches!(word, "-A" | "--append" | "-I" | "--insert" | "-N" | "--new-chain") {
            needed = command + 2;
        }
        *slot = Cow::Borrowed(word);
    }
    if quoting.first.is_some_and(|q| q < at) {
        words = Default::default();
        for (slot, w) in words.iter_mut().zip(tokenize(line)?) {
            *slot = w.text;
        }
    }
    Ok(words)
}

/// Each line of `text` (without its `\n`) with where it starts.
fn lines_of(text: &str) -> impl Iterator<Item = (usize, &str)> {
    let mut at = 0;
    std::iter::from_fn(move || {
        if at >= text.len() {
            return None;
        }
        let start = at;
        let end = memchr::memchr(b'\n', &text.as_bytes()[start..]).map_or(text.len(), |i| start + i);
        at = end + 1;
        // Split at ASCII bytes: char boundaries.
        Some((start, &text[start..end]))
    })
}

impl Dump {
    fn new(file: &str, ipsets: &IpsetDb, lines: Lines) -> Dump {
        Dump {
            file: file.to_string(),
            lines,
            family: Family::V4,
            ipsets: ipsets.clone(),
            tables: Vec::new(),
            chains: Vec::new(),
            rules: Vec::new(),
            index: NameIndex::default(),
            names: String::new(),
            connmark: Vec::new(),
            read: Vec::new(),
            errors: Mutex::new(Vec::new()),
        }
    }

    /// The cheap pass over a text. Errors are the ones [`parse`] reports, at the same line.
    fn scan(text: String, name: &str, ipsets: &IpsetDb) -> Result<(Dump, Parts), InputError> {
        if u32::try_from(text.len()).is_err() {
            return Err(InputError::new(name, None, t!("rules-iptables-too-large")));
        }
        let text = Arc::new(text);
        let mut dump = Dump::new(name, ipsets, Lines::Text(Arc::clone(&text)));
        match dump.scan_text_in(&text, scan_parts(text.len() as u64)) {
            Some(scan) => Ok(dump.finish(scan)),
            // Malformed: the line-by-line scan finds the first error and its line.
            None => Dump::scan_by_line(text, name, ipsets),
        }
    }

    /// [`Dump::scan`] a line at a time, on one thread: what the parallel passes must agree with,
    /// and what finds the first error in a malformed dump.
    fn scan_by_line(text: Arc<String>, name: &str, ipsets: &IpsetDb) -> Result<(Dump, Parts), InputError> {
        let err = |line: usize, what: Text| InputError::new(name, Some(line), what);
        let mut dump = Dump::new(name, ipsets, Lines::Text(Arc::clone(&text)));
        let mut scan = Scan::new();
        let failure = lines_of(&text)
            .try_for_each(|(at, raw)| {
                scan.detect.see(raw);
                dump.scan_line(&mut scan, raw, at)
            })
            .map_err(|what| (scan.line, what))
            .and_then(|()| scan.end(&dump));
        if let Err((line, what)) = failure {
            // The first error in the file may be in a rule body before this line, read as the
            // whole file says (its family may come from a line after this one).
            let mut all = Detect::default();
            lines_of(&text).for_each(|(_, l)| all.see(l));
            dump.family = all.result().0;
            let whole = [Piece { text: Arc::clone(&text), start: 0 }];
            let mut words = Vec::new();
            for (chain, rule) in &scan.lines {
                let table = dump.chains[*chain as usize].table;
                dump.rule(&whole, rule, table, &mut Reasons::default(), &mut words)?;
            }
            return Err(err(line, what));
        }
        chains_at(&scan.lines, connmark_words(&text, 0).collect(), &mut scan.connmark);
        Ok(dump.finish(scan))
    }

    /// [`Dump::scan`] of a file, read a piece at a time on every core. `None`: the file is not a
    /// dump this scan accepts (malformed, not UTF-8, larger than allowed, changing), for
    /// [`Dump::scan`] of its whole text to say why.
    fn scan_file(
        file: File,
        meta: &std::fs::Metadata,
        path: &Path,
        name: &str,
        ipsets: &IpsetDb,
    ) -> Result<Option<(Dump, Parts)>, InputError> {
        let len = meta.len();
        // A file that says it is empty may not be (procfs): read it to its end instead.
        if len == 0 || len > u64::from(u32::MAX) {
            return Ok(None);
        }
        // Its lines are the file's, once the scan is done.
        let mut dump = Dump::new(name, ipsets, Lines::Text(Arc::default()));
        let size = usize::try_from(len).unwrap_or(usize::MAX);
        let scanned = dump.scan_file_in(&file, size, scan_parts(len)).map_err(|e| InputError::unreadable(path, &e))?;
        let Some(scan) = scanned else { return Ok(None) };
        let modified = meta.modified().ok();
        dump.lines = Lines::File(Reread { file, len, modified });
        Ok(Some(dump.finish(scan)))
    }

    /// The second pass of a scan over one more part's first pass (parts in file order): the lines
    /// that need the whole scan get it, and runs of plain `-A` lines their chain. `None` on any
    /// error, for the line-by-line scan to report it.
    fn apply(&mut self, second: &mut Second, part: &Prescan) -> Option<()> {
        let Second { scan: s, before, connmark, detect } = second;
        let before = *before;
        // Room for the part at once: growing by doubling would copy, and touch twice the memory.
        let kept = part.items.iter().filter(|i| !matches!(i, Item::Run { .. })).count();
        s.lines.reserve(part.rules.len() + kept);
        // Every kept line may declare a chain; a table has at most five built-in ones.
        self.chains.reserve(kept + 5);
        self.index.reserve(kept + 5);
        self.names.reserve(part.text.len());
        let mut rules = part.rules.iter();
        for item in &part.items {
            match *item {
                Item::Line { text, at, line } => {
                    s.line = before + line as usize - 1;
                    self.scan_line(s, part.text_of(text), at as usize).ok()?;
                }
                Item::Declaration { text, at, line, name, policy } => {
                    let table = s.open.as_ref()?.index;
                    // The name follows the `:`.
                    let (name, policy) = (part.text_of((text.0 + 1, name)), part.text_of(policy));
                    self.declare(table, name, policy, before + line as usize, part.text_of(text), at as usize).ok()?;
                }
                Item::Run { name, count } => {
                    let table = s.open.as_ref()?.index;
                    let chain = self.appended(s, table, part.text_of(name))?;
                    s.last = Some(chain);
                    let chain = to_u32(chain);
                    for r in rules.by_ref().take(count as usize) {
                        s.lines.push((chain, RuleLine { line: r.line + to_u32(before), ..*r }));
                    }
                }
            }
        }
        second.before += part.lines;
        s.line = second.before;
        connmark.extend_from_slice(&part.connmark);
        detect.follow(&part.detect);
        Some(())
    }

    /// The scan, once [`Dump::apply`] took every part.
    fn applied(&self, second: Second) -> Option<Scan> {
        let Second { mut scan, connmark, detect, .. } = second;
        scan.end(self).ok()?;
        chains_at(&scan.lines, connmark, &mut scan.connmark);
        scan.detect = detect;
        Some(scan)
    }

    /// [`Dump::apply`] of the first passes over `text` in `parts` parts.
    fn scan_text_in(&mut self, text: &str, parts: usize) -> Option<Scan> {
        let mut second = Second::new();
        Prescan::of_text(text, parts, |part| self.apply(&mut second, &part).is_some()).then_some(())?;
        self.applied(second)
    }

    /// [`Dump::apply`] of the first passes over the `len` bytes of `file` in `parts` parts.
    fn scan_file_in(&mut self, file: &File, len: usize, parts: usize) -> std::io::Result<Option<Scan>> {
        let mut second = Second::new();
        let taken = Prescan::of_file(file, len, parts, |part| self.apply(&mut second, &part).is_some())?;
        Ok(taken.then(|| self.applied(second)).flatten())
    }

    /// The dump and its parts, once every line was scanned without error.
    fn finish(mut self, scan: Scan) -> (Dump, Parts) {
        let Scan { mut parts, lines, mut connmark, detect, .. } = scan;
        let (family, backend) = detect.result();
        (self.family, parts.family, parts.backend) = (family, family, backend);
        for base in &mut parts.bases {
            base.families = Families::only(family);
        }
        connmark.sort_unstable();
        connmark.dedup();
        self.connmark = connmark;
        self.group(lines);
        self.read = (0..self.chains.len()).map(|_| OnceLock::new()).collect();
        (self, parts)
    }

    /// One line of the scan (`raw`, without its `\n`, starting at `at` in the file).
    fn scan_line(&mut self, s: &mut Scan, raw: &str, at: usize) -> Result<(), Text> {
        s.line += 1;
        let line = s.line;
        let l = raw.trim();
        if l.is_empty() {
            return Ok(());
        }
        let offset = at + (l.as_ptr() as usize - raw.as_ptr() as usize);
        if let Some(comment) = l.strip_prefix('#') {
            if let Some(w) = comment.trim().strip_prefix("Warning:") {
                s.parts.notes.push(w.trim().to_string());
            }
            return Ok(());
        }
        if let Some(t) = l.strip_prefix('*') {
            if let Some(o) = &s.open {
                let name = &self.tables[usize::from(o.index)];
                return Err(t!(
                    "rules-iptables-table-before-commit",
                    table = t,
                    open = name.as_ref(),
                    line = o.line.to_string()
                ));
            }
            let Some(chains) = builtins(t) else {
                return Err(t!("rules-iptables-unknown-table", table = format!("{t:?}")));
            };
            if s.parts.tables.iter().any(|x| x == t) {
                return Err(t!("rules-iptables-table-twice", table = t));
            }
            let index = u16::try_from(self.tables.len()).unwrap_or(u16::MAX);
            self.tables.push(Arc::from(t));
            for (chain, hook, priority) in chains {
                let id = self.add(index, Name::Builtin(chain), offset);
                // The family is the whole dump's, known at its end (see `Dump::finish`).
                let families = Families::BOTH;
                s.parts.bases.push(Base { chain: id, hook: *hook, priority: *priority, families, nat: t == "nat" });
            }
            s.parts.tables.push(t.to_string());
            s.open = Some(Open { index, line });
            return Ok(());
        }
        if l == "COMMIT" {
            return match s.open.take() {
                Some(_) => Ok(()),
                None => Err(t!("rules-iptables-commit-without-table")),
            };
        }
        let Some(table) = s.open.as_ref().map(|o| o.index) else {
            // Quote only what looks like a rule: a file given by mistake must not be printed.
            return Err(if l.starts_with('-') || l.starts_with(':') {
                t!("rules-iptables-rule-outside-table", rule = format!("{:?}", clip(l)))
            } else {
                t!("rules-iptables-line-outside-table")
            });
        };
        if let Some(decl) = l.strip_prefix(':') {
            let mut words = decl.split_whitespace();
            let (Some(name), Some(policy)) = (words.next(), words.next()) else {
                return Err(t!("rules-iptables-declaration"));
            };
            return self.declare(table, name, policy, line, l, offset);
        }
        let q = quoting(l)?;
        let words = head(l, &q).map_err(Text::Untranslated)?;
        let count = words.iter().position(|w| w.is_empty()).unwrap_or(words.len());
        let words = &words[..count];
        let words = match words.first() {
            Some(w) if w.starts_with('[') => {
                let inner = w.trim_start_matches('[').trim_end_matches(']');
                let ok = w.ends_with(']')
                    && inner.split_once(':').is_some_and(|(p, b)| p.parse::<u64>().is_ok() && b.parse::<u64>().is_ok());
                if !ok {
                    return Err(t!("rules-iptables-counters", counters = format!("{w:?}")));
                }
                &words[1..]
            }
            _ => words,
        };
        match words.first().map(AsRef::as_ref) {
            Some("-N" | "--new-chain") => {
                let chain = words.get(1).ok_or_else(|| t!("rules-iptables-new-needs-chain"))?;
                self.declare(table, chain, "-", line, l, offset)
            }
            Some("-P" | "--policy") => {
                let (Some(chain), Some(policy)) = (words.get(1), words.get(2)) else {
                    return Err(t!("rules-iptables-policy-needs-chain"));
                };
                self.declare(table, chain, policy, line, l, offset)
            }
            Some("-A" | "--append" | "-I" | "--insert") => {
                let name = words.get(1).ok_or_else(|| t!("rules-iptables-append-needs-chain"))?;
                let name = name.as_ref();
                let chain = self.appended(s, table, name).ok_or_else(|| {
                    let t = &self.tables[usize::from(table)];
                    t!("rules-iptables-chain-undeclared", chain = name, table = t.as_ref())
                })?;
                s.last = Some(chain);
                if !q.simple {
                    s.connmark.push(chain);
                }
                let rule = RuleLine { start: to_u32(offset), len: to_u32(l.len()), line: to_u32(line) };
                s.lines.push((to_u32(chain), rule));
                Ok(())
            }
            Some(other) => Err(t!("rules-iptables-command", command = format!("{other:?}"))),
            None => Ok(()),
        }
    }

    /// The chain of `table` named `name` that an `-A`/`-I` line appends to, if declared.
    fn appended(&self, s: &Scan, table: u16, name: &str) -> Option<ChainId> {
        // iptables-save writes a chain's rules together, chain after chain in the order it
        // declared them: most lines name the last line's chain, the others the next.
        let is = |c: &ChainId| self.chains.get(*c).is_some_and(|e| e.table == table) && self.name(*c) == name;
        s.last.filter(is).or_else(|| s.last.map(|c| c + 1).filter(is)).or_else(|| self.find(table, name))
    }

    fn add(&mut self, table: u16, name: Name, declared: usize) -> ChainId {
        let id = self.chains.len();
        self.chains.push(ChainEntry::new(name, table, declared));
        let Dump { index, chains, names, .. } = self;
        index.insert(id, key(chains, names, id));
        id
    }

    /// The chain `name` of `table`.
    fn find(&self, table: u16, name: &str) -> Option<ChainId> {
        self.index.find((table, name), |c| key(&self.chains, &self.names, c))
    }

    /// `:CHAIN POLICY [p:b]`, `-N CHAIN`, `-P CHAIN POLICY`.
    fn declare(
        &mut self,
        table: u16,
        name: &str,
        policy: &str,
        line: usize,
        text: &str,
        offset: usize,
    ) -> Result<(), Text> {
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
        let Dump { index, chains, names, .. } = self;
        let new = chains.len();
        let id = match index.find_or_insert((table, name), new, |c| key(chains, names, c)) {
            Some(id) => id,
            None => {
                let start = to_u32(names.len());
                names.push_str(name);
                let name = Name::Declared(start, to_u32(name.len()));
                chains.push(ChainEntry::new(name, table, offset));
                new
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
        name_of(&self.names, self.chains[id].name)
    }

    /// The text of `lines` (in file order), in as few pieces as reads allow.
    fn pieces(&self, lines: &[RuleLine]) -> Result<Vec<Piece>, InputError> {
        let reread = match &self.lines {
            Lines::Text(text) => return Ok(vec![Piece { text: Arc::clone(text), start: 0 }]),
            Lines::File(reread) => reread,
        };
        let changed = || InputError::new(&self.file, None, t!("rules-iptables-file-changed"));
        let meta = reread.file.metadata().map_err(|_| changed())?;
        if meta.len() != reread.len || meta.modified().ok() != reread.modified {
            return Err(changed());
        }
        let end = |l: &RuleLine| (l.start + l.len) as usize;
        let mut pieces = Vec::new();
        let mut rest = lines;
        while let Some(first) = rest.first() {
            let start = first.start as usize;
            let mut last = end(first);
            let mut n = 1;
            while let Some(next) = rest.get(n).filter(|l| (l.start as usize) <= last + READ_GAP) {
                last = last.max(end(next));
                n += 1;
            }
            rest = &rest[n..];
            let mut bytes = vec![0; last - start];
            reread.file.read_exact_at(&mut bytes, start as u64).map_err(|_| changed())?;
            let text = String::from_utf8(bytes).map_err(|_| changed())?;
            pieces.push(Piece { text: Arc::new(text), start });
        }
        Ok(pieces)
    }

    /// Parses a chain's rules: a long chain (kube-proxy's KUBE-SERVICES has one rule per service
    /// port) on every core, in consecutive parts.
    fn build(&self, id: ChainId) -> Result<Chain, InputError> {
        let (start, end) = self.chains[id].rules;
        let cores = std::thread::available_parallelism().map_or(1, usize::from);
        self.build_in_parts(id, cores.min((end - start) as usize / PARSE_PART))
    }

    /// [`Dump::build`] in `parts` parts (at least one), each on its own thread.
    fn build_in_parts(&self, id: ChainId, parts: usize) -> Result<Chain, InputError> {
        let entry = &self.chains[id];
        let lines = &self.rules[entry.rules.0 as usize..entry.rules.1 as usize];
        let pieces = self.pieces(lines)?;
        let parts = parts.clamp(1, lines.len().max(1));
        let size = lines.len().div_ceil(parts);
        let mut parsed = if parts == 1 {
            vec![self.parse_lines(&pieces, lines, entry.table, lines.len())]
        } else {
            std::thread::scope(|s| {
                let (pieces, table) = (&pieces, entry.table);
                let handles: Vec<_> = lines
                    .chunks(size)
                    .enumerate()
                    // The first part holds them all in the end.
                    .map(|(i, part)| {
                        let room = if i == 0 { lines.len() } else { part.len() };
                        s.spawn(move || self.parse_lines(pieces, part, table, room))
                    })
                    .collect();
                // A panic stays a panic, as it would have been on this thread.
                handles.into_iter().map(|h| h.join().unwrap_or_else(|p| std::panic::resume_unwind(p))).collect()
            })
        }
        .into_iter();
        // Parts in file order, each stopped at its first error: the first error met is the file's.
        let (mut rules, mut inserts) = parsed.next().unwrap_or_else(|| Ok(Default::default()))?;
        for (i, part) in parsed.enumerate() {
            let (mut more, at) = part?;
            let offset = (i + 1) * size;
            inserts.extend(at.into_iter().map(|(n, p)| (n + offset, p)));
            rules.append(&mut more);
        }
        if !inserts.is_empty() {
            rules = with_inserts(rules, &inserts);
        }
        for (i, r) in rules.iter_mut().enumerate() {
            r.origin.number = i + 1;
        }
        Ok(Chain {
            name: self.name(id).to_string(),
            table: Arc::clone(&self.tables[usize::from(entry.table)]),
            scope: None,
            rules,
            policy: entry.policy.clone(),
        })
    }

    /// Parses rule lines of `table` (into a vector with room for `room` rules): the rules in line
    /// order, and the `-I` lines among them, by index, with their insert positions.
    fn parse_lines(&self, pieces: &[Piece], lines: &[RuleLine], table: u16, room: usize) -> Result<Parsed, InputError> {
        let mut reasons = Reasons::default();
        let mut words = Vec::new();
        let mut rules = Vec::with_capacity(room);
        let mut inserts = Vec::new();
        for (n, line) in lines.iter().enumerate() {
            let (position, rule) = self.rule(pieces, line, table, &mut reasons, &mut words)?;
            if let Some(p) = position {
                inserts.push((n, p));
            }
            rules.push(rule);
        }
        Ok((rules, inserts))
    }

    /// Parses one rule line of `table`, whose text is in one of `pieces` (in file order): its
    /// insert position (`-I`) and the rule.
    fn rule<'s>(
        &self,
        pieces: &'s [Piece],
        at: &RuleLine,
        table: u16,
        reasons: &mut Reasons,
        words: &mut Vec<Word<'s>>,
    ) -> Result<(Option<usize>, Rule), InputError> {
        let line = at.line as usize;
        let err = |what: String| InputError::new(&self.file, Some(line), Text::Untranslated(what));
        let start = at.start as usize;
        let i = pieces.partition_point(|p| p.start <= start).saturating_sub(1);
        let l = pieces
            .get(i)
            .and_then(|p| p.text.get(start - p.start..start - p.start + at.len as usize))
            .map(|l| (l, &pieces[i].text));
        // Pieces cover their lines: a miss is a file that changed under the reading.
        let (l, text) = l.ok_or_else(|| InputError::new(&self.file, None, t!("rules-iptables-file-changed")))?;
        let table_name = &self.tables[usize::from(table)];
        let resolve = |name: &str| self.find(table, name).filter(|c| (self.chains[*c].declared as usize) < start);
        let scope = Scope { table: table_name, chains: &resolve };
        let ((position, rule), rule_text) = match plain_rule(l, &scope, self.family) {
            Some(rule) => ((None, rule), l),
            None => {
                tokenize_into(l, words).map_err(err)?;
                let (words, rule_text) = strip_counters(words, l).map_err(err)?;
                (parse_rule(words, &scope, self.family, &self.ipsets, reasons).map_err(err)?, rule_text)
            }
        };
        let from = rule_text.as_ptr() as usize - text.as_ptr() as usize;
        let text = RuleText::span(text, from..from + rule_text.len());
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

/// A chain's rules in line order, built as `iptables-restore` builds them: a rule of `inserts`
/// (by index, with its position) goes in at its position when the chain has that many rules by
/// then, at the end otherwise.
fn with_inserts(lines: Vec<Rule>, inserts: &[(usize, usize)]) -> Vec<Rule> {
    let mut rules = Vec::with_capacity(lines.len());
    let mut next = inserts.iter().peekable();
    for (n, rule) in lines.into_iter().enumerate() {
        match next.next_if(|(i, _)| *i == n) {
            Some(&(_, p)) if p <= rules.len() => rules.insert(p, rule),
            _ => rules.push(rule),
        }
    }
    rules
}

/// Offsets and line numbers in a dump [`Dump::scan`] accepted (under 4 GiB).
fn to_u32(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

fn name_of(names: &str, name: Name) -> &str {
    match name {
        Name::Builtin(n) => n,
        Name::Declared(start, len) => names.get(start as usize..(start + len) as usize).unwrap_or_default(),
    }
}

fn key<'a>(chains: &[ChainEntry], names: &'a str, id: ChainId) -> (u16, &'a str) {
    (chains[id].table, name_of(names, chains[id].name))
}

/// Where `text` (at `base` in the file) names `CONNMARK` or `save-mark`: the only target and
/// option that change the connection mark.
fn connmark_words(text: &str, base: usize) -> impl Iterator<Item = usize> {
    ["CONNMARK", "save-mark"]
        .into_iter()
        .flat_map(move |needle| memchr::memmem::find_iter(text.as_bytes(), needle).map(move |i| base + i))
}

/// The chains of the rule lines of `lines` (in file order) that hold one of `hits` (offsets in
/// the file, from [`connmark_words`]).
fn chains_at(lines: &[(u32, RuleLine)], hits: Vec<usize>, chains: &mut Vec<ChainId>) {
    for hit in hits {
        let i = lines.partition_point(|(_, r)| r.start as usize <= hit);
        if let Some((chain, r)) = i.checked_sub(1).map(|i| lines[i])
            && hit < (r.start + r.len) as usize
        {
            chains.push(chain as usize);
        }
    }
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
        self.reserve_one();
        self.place((Self::hash(key), to_u32(id + 1)));
    }

    /// The chain `key` names; else `None`, and `new` names it from now on (one hash and one probe
    /// for a declaration, not two).
    fn find_or_insert<'a>(
        &mut self,
        key: (u16, &str),
        new: ChainId,
        key_of: impl Fn(ChainId) -> (u16, &'a str),
    ) -> Option<ChainId> {
        self.reserve_one();
        let hash = Self::hash(key);
        let mask = self.slots.len() - 1;
        let mut i = hash as usize & mask;
        loop {
            match self.slots[i] {
                (_, 0) => break,
                (h, id) if h == hash && key_of(id as usize - 1) == key => return Some(id as usize - 1),
                _ => i = (i + 1) & mask,
            }
        }
        self.slots[i] = (hash, to_u32(new + 1));
        self.len += 1;
        None
    }

    /// Room for one more name (the table is kept at most two thirds full).
    fn reserve_one(&mut self) {
        self.reserve(1);
    }

    /// Room for `more` names.
    fn reserve(&mut self, more: usize) {
        if (self.len + more) * 3 > self.slots.len() * 2 {
            let old = std::mem::take(&mut self.slots);
            let size = ((self.len + more) * 3 / 2 + 1).next_power_of_two().max(old.len() * 2).max(1024);
            self.slots = vec![(0, 0); size];
            self.len = 0;
            for slot in old.into_iter().filter(|s| s.1 != 0) {
                self.place(slot);
            }
        }
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

/// Family and backend from the header (`# Generated by iptables-save v1.8.7 (nf_tables)`), else
/// from the first address in a rule (a dump is of one family): fed every line, in order.
#[derive(Default)]
struct Detect {
    header: Option<(Family, Backend)>,
    /// Whether the first address in a rule is an IPv6 one.
    first_address: Option<bool>,
}

impl Detect {
    fn see(&mut self, line: &str) {
        if self.header.is_some() {
            return;
        }
        let line = line.strip_suffix('\r').unwrap_or(line);
        if line.starts_with("# Generated by") {
            let family = if line.contains("ip6tables") { Family::V6 } else { Family::V4 };
            let backend = if line.contains("(nf_tables)") {
                Backend::Nft
            } else if line.contains("(legacy)") || line.contains("legacy-save") || line.contains(" v1.8") {
                // Since 1.8 the nft backend says "(nf_tables)" and the legacy one says nothing.
                Backend::Legacy
            } else {
                Backend::Unknown
            };
            self.header = Some((family, backend));
        } else if self.first_address.is_none() && (line.contains("-A ") || line.contains("-I ")) {
            let words: Vec<&str> = line.split_whitespace().collect();
            self.first_address = words
                .windows(2)
                .find(|w| matches!(w[0], "-s" | "-d" | "--source" | "--destination" | "--src" | "--dst"))
                .map(|w| w[1].contains(':'));
        }
    }

    /// Continues with the detection of the lines that follow, made on its own: what one detection
    /// over all the lines in order finds.
    fn follow(&mut self, next: &Detect) {
        // The next part's first address is its first before its header, if any; once there is a
        // header, nothing after it counts.
        if self.header.is_none() {
            self.first_address = self.first_address.or(next.first_address);
            self.header = next.header;
        }
    }

    fn result(&self) -> (Family, Backend) {
        self.header.unwrap_or_else(|| {
            let family = if self.first_address == Some(true) { Family::V6 } else { Family::V4 };
            (family, Backend::Unknown)
        })
    }
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
/// The bytes that end a plain word: blanks, and the quote and escape that make it not plain.
const WORD_END: [bool; 256] = {
    let mut table = [false; 256];
    let mut i = 0;
    while i < 5 {
        table[[b' ', b'\t', b'\r', b'"', b'\\'][i] as usize] = true;
        i += 1;
    }
    table
};

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
        while i < bytes.len() && !WORD_END[usize::from(bytes[i])] {
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

/// The rule of an `-A` line in the shape `iptables-save` gives most rules (kube-proxy's all but a
/// few): `[!] -s|-d ADDRESS` and `-p tcp|udp` first, then `-m comment --comment TEXT` and
/// `-m tcp|udp --dport|--sport PORT` for that protocol, then `-j TARGET` (options only for
/// `REJECT`, which reads none), one space between words, no escapes. Read without splitting the
/// line into words first, and with the same helpers as [`parse_rule`], which reads every other
/// line, and errors, and must read these the same (see the tests). `None` for any other line.
fn plain_rule(line: &str, t: &Scope<'_>, family: Family) -> Option<Rule> {
    if memchr::memchr3(b'\t', b'\r', b'\\', line.as_bytes()).is_some() {
        return None;
    }
    let mut rest = line.strip_prefix("-A ")?;
    let rest = &mut rest;
    let word = next_word;
    word(rest)?;
    // On the stack until their number is known: one allocation of the right size.
    let (mut matches, mut ports) = (Few::default(), Few::default());
    let mut proto = None;
    // Basic matches come before modules, as `parse_rule` orders them.
    let mut in_modules = false;
    let action = loop {
        let (w, negated) = match word(rest)? {
            "!" => (word(rest)?, true),
            w => (w, false),
        };
        match w {
            "-s" | "-d" if !in_modules => {
                let side = if w == "-s" { Side::Src } else { Side::Dst };
                let set = addresses(word(rest)?, family).ok()?;
                matches.push(Match::Addr { side, family, set, negated })?;
            }
            _ if negated => return None,
            "-p" if !in_modules && proto.is_none() => {
                let n = protocol(word(rest)?).ok()??;
                proto = Some(n);
                matches.push(Match::Proto { protos: Protos::of(&[n]), negated: false })?;
            }
            "-m" => {
                in_modules = true;
                match word(rest)? {
                    "comment" => {
                        if word(rest)? != "--comment" {
                            return None;
                        }
                        comment(rest)?;
                    }
                    module @ ("tcp" | "udp") => {
                        if proto != Some(if module == "tcp" { 6 } else { 17 }) {
                            return None;
                        }
                        while let Some(mut after) = rest.strip_prefix("--") {
                            let side = match next_word(&mut after)? {
                                "dport" => PortSide::Dst,
                                "sport" => PortSide::Src,
                                _ => return None,
                            };
                            *rest = after;
                            let (lo, hi) = port_range(word(rest)?).ok()?;
                            ports.push(Match::Port { side, ranges: Ports::one(lo, hi), negated: false })?;
                        }
                    }
                    _ => return None,
                }
            }
            "-j" => {
                let name = word(rest)?;
                // `REJECT` reads no option: any `--name value` pairs after it are as good as none.
                while !rest.is_empty() {
                    let option = word(rest)?;
                    let value = word(rest)?;
                    if name != "REJECT" || option.len() < 3 || !option.starts_with("--") || option[2..].starts_with('-')
                    {
                        return None;
                    }
                    if value.starts_with('-') || value == "!" {
                        return None;
                    }
                }
                break target_action(name, &[], false, t).ok()?;
            }
            _ => return None,
        }
    };
    let mut all = Vec::with_capacity(matches.len + ports.len);
    all.extend(matches.list.into_iter().chain(ports.list).flatten());
    Some(Rule { matches: all, effects: action.1, action: action.0, origin: Origin::default() })
}

/// Up to [`Few::ROOM`] matches of a plain rule, kept on the stack.
#[derive(Default)]
struct Few {
    list: [Option<Match>; Few::ROOM],
    len: usize,
}

impl Few {
    const ROOM: usize = 6;

    /// `None` when full: a rule with more is not plain.
    fn push(&mut self, m: Match) -> Option<()> {
        *self.list.get_mut(self.len)? = Some(m);
        self.len += 1;
        Some(())
    }
}

/// The next word of `rest`, up to a space; `None` at the end, and for an empty word (two spaces)
/// or one with a quote, which are not plain.
fn next_word<'a>(rest: &mut &'a str) -> Option<&'a str> {
    // A byte loop: words are a few bytes long, shorter than a searcher's setup.
    let bytes = rest.as_bytes();
    let mut end = 0;
    while end < bytes.len() && bytes[end] != b' ' {
        if bytes[end] == b'"' {
            return None;
        }
        end += 1;
    }
    if end == 0 {
        return None;
    }
    // Split at ASCII bytes: char boundaries.
    let word = &rest[..end];
    *rest = rest.get(end + 1..).unwrap_or_default();
    Some(word)
}

/// Skips the text of `--comment` at the start of `rest` (and the space after it): one quoted word
/// (no quote inside, as [`tokenize`] reads it) or one plain word, followed by an option.
fn comment(rest: &mut &str) -> Option<()> {
    let after = match rest.strip_prefix('"') {
        Some(quoted) => {
            let close = memchr::memchr(b'"', quoted.as_bytes())?;
            quoted[close + 1..].strip_prefix(' ')?
        }
        None => {
            let mut after = *rest;
            let w = next_word(&mut after)?;
            if w.starts_with('-') || w == "!" {
                return None;
            }
            after
        }
    };
    // The next word begins an option, as `parse_rule` ends the values of one.
    after.starts_with('-').then(|| *rest = after)
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
                // As `trim_start_matches("--")`, without building a string searcher for each option.
                let mut name = w;
                while let Some(rest) = name.strip_prefix("--") {
                    name = rest;
                }
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
    // Parts of a chain are parsed on their own cores: here, not after.
    matches.shrink_to_fit();
    let rule = Rule { matches, effects, action, origin: Origin::default() };
    Ok((position, rule))
}

/// `192.0.2.0/24`, `192.0.2.1`, `192.0.2.0/255.255.255.0`, or a comma list of those.
fn addresses(text: &str, family: Family) -> Result<Spans, String> {
    if !text.as_bytes().contains(&b',') {
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
    // Split at an ASCII byte: char boundaries.
    let (addr, len) = match part.bytes().position(|b| b == b'/') {
        Some(i) => (&part[..i], Some(&part[i + 1..])),
        None => (part, None),
    };
    let ip = match dotted_quad(addr) {
        Some(v4) => IpAddr::V4(v4),
        None => addr.parse().map_err(|_| format!("{part:?} is not an address or CIDR"))?,
    };
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

/// An IPv4 address as `iptables-save` writes it (`10.96.0.1`): four decimal octets without
/// leading zeros, read without the standard parser's generality. `None` for anything else, which
/// the standard parser then reads (and so decides, as before).
fn dotted_quad(text: &str) -> Option<std::net::Ipv4Addr> {
    let bytes = text.as_bytes();
    let mut octets = [0u8; 4];
    let mut i = 0;
    for (n, octet) in octets.iter_mut().enumerate() {
        if n > 0 {
            if bytes.get(i) != Some(&b'.') {
                return None;
            }
            i += 1;
        }
        let start = i;
        let mut value = 0u32;
        while i - start < 3 && bytes.get(i).is_some_and(u8::is_ascii_digit) {
            value = value * 10 + u32::from(bytes[i] - b'0');
            i += 1;
        }
        if i == start || (i - start > 1 && bytes[start] == b'0') {
            return None;
        }
        *octet = u8::try_from(value).ok()?;
    }
    (i == bytes.len()).then(|| std::net::Ipv4Addr::from(octets))
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
    // Nearly every port in a dump is one number.
    if !text.is_empty() && text.len() <= 5 && text.bytes().all(|b| b.is_ascii_digit()) {
        let p = text.parse::<u16>().map_err(|_| format!("port {text:?}; expected a number"))?;
        return Ok((p, p));
    }
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

    /// A chain as a comparison sees it: everything but where its rules' texts are kept.
    fn shape(chain: &Chain) -> String {
        let rules: Vec<String> = chain
            .rules
            .iter()
            .map(|r| {
                let o = &r.origin;
                format!("{} {:?} {} | {:?} | {:?} | {:?}", o.number, o.line, o.text, r.matches, r.action, r.effects)
            })
            .collect();
        format!("{} {} {:?} {rules:#?}", chain.table, chain.name, chain.policy)
    }

    /// Larger than a scan's piece of the file, with two chains' rules interleaved, counters,
    /// quotes, a CRLF line and the connection-mark words.
    fn large_dump() -> String {
        use std::fmt::Write as _;
        let mut s = String::from("# Generated by iptables-save v1.8.7 (nf_tables) on a test\r\n*filter\n");
        s.push_str(":INPUT DROP [0:0]\n:FORWARD ACCEPT [0:0]\n:OUTPUT ACCEPT [0:0]\n");
        const N: usize = 2400;
        for i in 0..2 * N {
            writeln!(s, ":C{i} - [0:0]").expect("write");
        }
        for i in 0..N {
            writeln!(s, "-A INPUT -s 198.51.100.{}/32 -j C{i}", i % 256).expect("write");
            writeln!(
                s,
                "[3:180] -A C{i} -p tcp -m tcp --dport {} -m comment --comment \"rule {i}, long enough to fill pieces\" -j ACCEPT",
                6000 + i
            )
            .expect("write");
            writeln!(s, "-A C{} -m comment --comment \"a \\\"CONNMARK\\\" {i}\" -j RETURN", i + N).expect("write");
            if i == N * 3 / 4 {
                // Inserted in the middle, at the top, and past the end (appended).
                s.push_str("-I INPUT 5 -s 192.0.2.9/32 -j ACCEPT\n-I INPUT -s 192.0.2.10/32 -j DROP\n");
                s.push_str("-I INPUT 99999 -s 192.0.2.11/32 -j DROP\n");
            }
        }
        s.push_str("-A INPUT -j CONNMARK --save-mark\nCOMMIT\n");
        assert!(s.len() > 2 * SCAN_CHUNK, "{}", s.len());
        s
    }

    fn written(text: &str) -> tempfile::NamedTempFile {
        let mut file = tempfile::NamedTempFile::new().expect("temp file");
        std::io::Write::write_all(&mut file, text.as_bytes()).expect("write");
        file
    }

    #[test]
    fn a_file_read_in_pieces_is_the_dump_its_text_is() {
        let sets = IpsetDb::default();
        for text in [LEGACY.to_string(), NFT_C.to_string(), large_dump()] {
            let file = written(&text);
            let whole = parse(text.as_str(), "dump", &sets).expect("parses");
            let lazy = read_file(file.path(), "dump", &sets).expect("reads");
            assert_eq!(format!("{:?}", lazy.kind), format!("{:?}", whole.kind));
            assert_eq!(format!("{:?}", lazy.ruleset.bases), format!("{:?}", whole.ruleset.bases));
            assert_eq!((lazy.families, &lazy.notes), (whole.families, &whole.notes));
            assert_eq!(lazy.ruleset.rule_count(), whole.ruleset.rule_count());
            assert_eq!(lazy.ruleset.sets_connmark(), whole.ruleset.sets_connmark());
            assert_eq!(lazy.ruleset.chains.len(), whole.ruleset.chains.len());
            for (a, b) in lazy.ruleset.chains.iter().zip(whole.ruleset.chains.iter()) {
                assert_eq!(shape(a), shape(b));
            }
            assert!(lazy.read_error().is_none());
        }
    }

    /// Everything a scan finds, as a comparison sees it.
    fn scanned(dump: &Dump, parts: &Parts) -> String {
        let chains: Vec<String> = (0..dump.chains.len())
            .map(|id| {
                let c = &dump.chains[id];
                let lines = &dump.rules[c.rules.0 as usize..c.rules.1 as usize];
                format!("{} {} {} {:?} {lines:?}", c.table, dump.name(id), c.declared, c.policy)
            })
            .collect();
        let Parts { family, backend, tables, bases, notes } = parts;
        format!(
            "{:?} {:?} {chains:#?} {:?} {:?} {family:?} {backend:?} {tables:?} {bases:?} {notes:?}",
            dump.family,
            dump.tables,
            dump.connmark,
            dump.rules.len()
        )
    }

    /// Lines that a first pass must keep for the whole scan, around plain ones, and CONNMARK words
    /// in both kinds.
    fn awkward_dump() -> String {
        let mut s = String::from("# a comment before the header with -A X -s ::1\n*filter\n:INPUT ACCEPT [0:0]\n");
        s.push_str(":FORWARD DROP [0:0]\n:OUTPUT ACCEPT [0:0]\n:A - [0:0]\n-N B\n");
        s.push_str(":C\t-  [0:0]\n: D - [0:0]\n:E -\n:F\u{a0}- [0:0]\n:G - [0:0] \n:H\u{b}-\u{c}x\n:é - [0:0]\n");
        for i in 0..40 {
            s.push_str("-A INPUT -s 192.0.2.1/32 -j A\n-A A -j B\n  -A A -s 192.0.2.2 -j RETURN\n");
            s.push_str("-A B -j ACCEPT \n-A B -j ACCEPT\t\n-A B -m comment --comment \"x y\" -j ACCEPT\r\n");
            s.push_str("-A B -m comment --comment a\"b\" -j ACCEPT\n-A A -m comment --comment \"\\\"CONNMARK\" -j B\n");
            s.push_str(
                "[1:2] -A B -j ACCEPT\n-A  B -j DROP\n-I A 1 -j B\n--append B -j DROP\n-A B -j CONNMARK --save-mark\n",
            );
            s.push_str(&format!("-A A -m comment --comment \"é{i}\" -j B\n-A A -m comment --comment é\u{a0}\n\n"));
            s.push_str(
                "-A \"B\" -j ACCEPT\n-A B -m comment --comment \"q\"r -j ACCEPT\n-A B -m comment --comment \"\"\n",
            );
            s.push_str("-A B -m comment --comment \"a b\"\n-A B\t-j ACCEPT\n-A B -m comment --comment x\"\"\n-A B\n");
        }
        s.push_str("COMMIT\n# Generated by iptables-save v1.8.7 (legacy) late\n*nat\n:PREROUTING ACCEPT [0:0]\n");
        s.push_str(
            ":INPUT ACCEPT [0:0]\n:OUTPUT ACCEPT [0:0]\n:POSTROUTING ACCEPT [0:0]\n:A - [0:0]\n-A A -j RETURN\nCOMMIT",
        );
        s
    }

    #[test]
    fn a_dump_scanned_in_parts_is_the_dump_scanned_line_by_line() {
        let sets = IpsetDb::default();
        for text in [LEGACY.to_string(), NFT_C.to_string(), large_dump(), awkward_dump()] {
            let (dump, parts) = Dump::scan_by_line(Arc::new(text.clone()), "dump", &sets).expect("scans");
            let by_line = scanned(&dump, &parts);
            for n in [1, 2, 3, 7, 50] {
                let mut d = Dump::new("dump", &sets, Lines::Text(Arc::new(text.clone())));
                let scan = d.scan_text_in(&text, n).expect("scans in parts");
                let (d, p) = d.finish(scan);
                assert_eq!(scanned(&d, &p), by_line, "{n} parts");
                let file = written(&text);
                let opened = File::open(file.path()).expect("opens");
                let mut d = Dump::new("dump", &sets, Lines::Text(Arc::default()));
                let scan = d.scan_file_in(&opened, text.len(), n).expect("reads").expect("scans in parts");
                let (d, p) = d.finish(scan);
                assert_eq!(scanned(&d, &p), by_line, "{n} parts of a file");
            }
        }
        // Kept lines come back in file order: a rule outside a table, or of a chain declared later,
        // is an error in parts too.
        for bad in
            ["-A INPUT -j DROP\n*filter\n:INPUT ACCEPT [0:0]\nCOMMIT\n", "*filter\n-A C -j DROP\n:C - [0:0]\nCOMMIT\n"]
        {
            let mut d = Dump::new("dump", &sets, Lines::Text(Arc::new(bad.to_string())));
            assert!(d.scan_text_in(bad, 3).is_none(), "{bad}");
            assert!(Dump::scan_by_line(Arc::new(bad.to_string()), "dump", &sets).is_err(), "{bad}");
        }
    }

    proptest::proptest! {
        #[test]
        fn dotted_quads_read_as_the_standard_parser_reads_them(text in "[0-9.]{0,17}", ip: [u8; 4]) {
            // What it reads, the standard parser reads the same; canonical addresses it reads.
            let fast = dotted_quad(&text);
            proptest::prop_assert!(fast.is_none_or(|v4| text.parse::<std::net::Ipv4Addr>() == Ok(v4)), "{text:?}");
            let canonical = std::net::Ipv4Addr::from(ip);
            proptest::prop_assert_eq!(dotted_quad(&canonical.to_string()), Some(canonical));
        }

    }

    /// Every rule line of `text` that [`plain_rule`] reads, [`parse_rule`] reads the same: how
    /// many it read. `None` when the dump does not scan.
    fn plain_rules_agree(text: &str) -> Option<usize> {
        let sets = IpsetDb::default();
        let (dump, _) = Dump::scan_by_line(Arc::new(text.to_string()), "dump", &sets).ok()?;
        let mut plain = 0;
        for entry in &dump.chains {
            for at in &dump.rules[entry.rules.0 as usize..entry.rules.1 as usize] {
                let l = &text[at.start as usize..(at.start + at.len) as usize];
                let start = at.start as usize;
                let resolve =
                    |name: &str| dump.find(entry.table, name).filter(|c| (dump.chains[*c].declared as usize) < start);
                let scope = Scope { table: &dump.tables[usize::from(entry.table)], chains: &resolve };
                let Some(fast) = plain_rule(l, &scope, dump.family) else { continue };
                plain += 1;
                let words = tokenize(l).unwrap_or_else(|e| panic!("{l}: {e}"));
                let (words, _) = strip_counters(&words, l).expect("no counters");
                let parsed = parse_rule(words, &scope, dump.family, &sets, &mut Reasons::default());
                let (position, slow) = parsed.unwrap_or_else(|e| panic!("{l}: {e}"));
                assert_eq!(position, None, "{l}");
                let shape = |r: &Rule| format!("{:?} {:?} {:?}", r.matches, r.action, r.effects);
                assert_eq!(shape(&fast), shape(&slow), "{l}");
            }
        }
        Some(plain)
    }

    #[test]
    fn rules_read_plainly_are_the_rules_parse_rule_reads() {
        let mut plain = 0;
        for text in [LEGACY.to_string(), NFT_C.to_string(), large_dump(), awkward_dump()] {
            plain += plain_rules_agree(&text).expect("scans");
        }
        // The real rulesets of the corpus, where it is (CI lays it out beside the repository).
        let corpus = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/reference/corpus/firewall");
        for sub in std::fs::read_dir(&corpus).into_iter().flatten().flatten() {
            for file in std::fs::read_dir(sub.path()).into_iter().flatten().flatten() {
                if let Some(n) = std::fs::read_to_string(file.path()).ok().and_then(|t| plain_rules_agree(&t)) {
                    plain += n;
                }
            }
        }
        assert!(plain > 2400, "{plain}");
    }

    proptest::proptest! {
        #[test]
        fn generated_rules_read_plainly_are_the_rules_parse_rule_reads(
            parts in proptest::collection::vec(0..PLAIN_PARTS.len(), 0..7),
            target in 0..PLAIN_TARGETS.len(),
        ) {
            let mut line = String::from("-A INPUT");
            for p in parts {
                line.push(' ');
                line.push_str(PLAIN_PARTS[p]);
            }
            line.push(' ');
            line.push_str(PLAIN_TARGETS[target]);
            let text = format!("*filter\n:INPUT ACCEPT [0:0]\n:FORWARD ACCEPT [0:0]\n:OUTPUT ACCEPT [0:0]\n:C - [0:0]\n{line}\nCOMMIT\n");
            plain_rules_agree(&text);
        }

        #[test]
        fn rules_in_the_usual_order_read_plainly_as_parse_rule_reads_them(
            addrs in proptest::collection::vec(0..6usize, 0..3),
            proto in 0..5usize,
            comment in 0..5usize,
            ports in proptest::collection::vec(0..7usize, 0..3),
            target in 0..PLAIN_TARGETS.len(),
        ) {
            const ADDRS: [&str; 6] =
                ["-s 192.0.2.1/32", "! -s 192.0.2.0/24", "-d 198.51.100.7", "! -d 198.51.100.0/25", "-s 192.0.2.9", "-d 203.0.113.0/24"];
            const PROTOS: [&str; 5] = ["", "-p tcp", "-p udp", "-p icmp", "-p 6"];
            const COMMENTS: [&str; 5] = ["", "-m comment --comment \"ns/svc:http cluster IP\"", "-m comment --comment x", "-m comment --comment \"\"", "-m comment --comment \"a\"b"];
            const PORTS: [&str; 7] = ["-m tcp --dport 80", "-m tcp --dport 30000", "-m tcp --sport 1:1023", "-m udp --dport 53", "-m tcp --dport 6443 --sport 1024:65535", "-m tcp", "-m udp"];
            let mut words: Vec<&str> = vec!["-A INPUT"];
            words.extend(addrs.iter().map(|a| ADDRS[*a]));
            words.push(PROTOS[proto]);
            words.push(COMMENTS[comment]);
            words.extend(ports.iter().map(|p| PORTS[*p]));
            words.push(PLAIN_TARGETS[target]);
            let line = words.into_iter().filter(|w| !w.is_empty()).collect::<Vec<_>>().join(" ");
            let text = format!("*filter\n:INPUT ACCEPT [0:0]\n:FORWARD ACCEPT [0:0]\n:OUTPUT ACCEPT [0:0]\n:C - [0:0]\n{line}\nCOMMIT\n");
            plain_rules_agree(&text);
        }
    }

    /// Pieces of rule lines, plain and not, for [`plain_rule`] and [`parse_rule`] to agree on.
    const PLAIN_PARTS: &[&str] = &[
        "-s 192.0.2.1/32",
        "! -s 192.0.2.0/24",
        "-d 198.51.100.7",
        "! -d 198.51.100.0/255.255.255.0",
        "-s 192.0.2.1,192.0.2.9",
        "-d 2001:db8::1",
        "-s 192.0.2.300",
        "-p tcp",
        "-p udp",
        "-p icmp",
        "-p all",
        "-p TCP",
        "! -p tcp",
        "-m comment --comment \"a b\"",
        "-m comment --comment plain",
        "-m comment --comment \"-x\"",
        "-m comment --comment \"\"",
        "-m tcp --dport 80",
        "-m tcp --sport 1000:2000",
        "-m tcp --dport 80 --sport 99",
        "-m tcp ! --dport 80",
        "-m tcp --dport http",
        "-m tcp --dport 99999",
        "-m udp --dport 53",
        "-m tcp",
        "--dport 22",
        "-m addrtype --dst-type LOCAL",
        "-i eth0",
        "-m conntrack --ctstate NEW",
        "!",
        "x",
    ];

    const PLAIN_TARGETS: &[&str] = &[
        "-j ACCEPT",
        "-j DROP",
        "-j REJECT",
        "-j REJECT --reject-with icmp-port-unreachable",
        "-j REJECT --reject-with tcp-reset --x y",
        "-j RETURN",
        "-j C",
        "-j INPUT",
        "-j NOPE",
        "-j MARK --set-xmark 0x4000/0x4000",
        "-j LOG",
        "-g C",
        "-j ACCEPT -j DROP",
        "",
    ];

    #[test]
    fn a_chain_parsed_in_parts_is_the_chain_parsed_at_once() {
        let (dump, _) = Dump::scan(large_dump(), "dump", &IpsetDb::default()).expect("scans");
        let input = dump.find(0, "INPUT").expect("INPUT");
        let whole = dump.build_in_parts(input, 1).expect("parses");
        assert_eq!(whole.rules.len(), 2400 + 4);
        assert_eq!(whole.rules[1].origin.text, "-A INPUT -s 198.51.100.0/32 -j C0");
        for parts in [2, 3, 7] {
            assert_eq!(shape(&dump.build_in_parts(input, parts).expect("parses")), shape(&whole), "{parts} parts");
        }
        // Errors in the first part and in the last: the first is the one reported.
        let mut bad = large_dump();
        bad.insert_str(bad.len() - "COMMIT\n".len(), "-A INPUT -s 192.0.2.300 -j DROP\n");
        let early = bad.find("-A INPUT ").expect("a rule");
        bad.insert_str(early, "-A INPUT -p tcp --dport x -j DROP\n");
        let line = bad[..early].lines().count() + 1;
        let (dump, _) = Dump::scan(bad, "dump", &IpsetDb::default()).expect("scans");
        for parts in [1, 3] {
            assert_eq!(dump.build_in_parts(input, parts).expect_err("malformed").line, Some(line));
        }
    }

    #[test]
    fn a_malformed_or_binary_file_is_reported_as_its_whole_text_is() {
        let sets = IpsetDb::default();
        let dump = large_dump();
        let (head, tail) = dump.split_at(dump.len() - "COMMIT\n".len());
        let undeclared = format!("{head}-A NOPE -j ACCEPT\n{tail}");
        // The scan stops at the undeclared chain; the first error in the file is the line before.
        let body_first = format!("{head}-A INPUT -s 192.0.2.300 -j DROP\n-A NOPE -j ACCEPT\n{tail}");
        let no_commit = dump[..dump.len() - "COMMIT\n".len()].to_string();
        for text in [undeclared, body_first, no_commit] {
            let Err(from_text) = read(text.as_str(), "dump", &sets) else { panic!("accepted") };
            let Err(from_file) = read_file(written(&text).path(), "dump", &sets) else { panic!("accepted") };
            assert_eq!((from_file.line, &from_file.what), (from_text.line, &from_text.what), "{from_file}");
        }
        let mut bytes = dump.into_bytes();
        let at = bytes.len() - 100;
        bytes[at] = 0xff;
        let file = tempfile::NamedTempFile::new().expect("temp file");
        std::fs::write(file.path(), &bytes).expect("write");
        let Err(e) = read_file(file.path(), "dump", &sets) else { panic!("accepted") };
        let line = bytes[..at].iter().filter(|&&b| b == b'\n').count() + 1;
        assert_eq!(e.line, Some(line), "{e}");
        assert!(e.what.contains("UTF-8"), "{e}");
    }

    #[test]
    fn a_file_that_changes_after_the_scan_is_an_error_not_other_rules() {
        let file = written(LEGACY);
        let layer = read_file(file.path(), "dump", &IpsetDb::default()).expect("reads");
        let mut changed = LEGACY.to_string();
        changed.insert_str(0, "# a line more\n");
        std::fs::write(file.path(), changed).expect("rewrite");
        let k8s = layer.ruleset.chains.iter().find(|c| c.name == "K8S-API").expect("chain");
        assert!(matches!(k8s.rules[..], [ref r] if matches!(r.action, Action::Unknown(_))), "{k8s:?}");
        let e = layer.read_error().expect("an error");
        assert!(e.what.contains("changed since it was scanned"), "{e}");
        assert_eq!(e.file, "dump");
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
