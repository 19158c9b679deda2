//! The one check model every check produces, the runner schedules and every renderer reads: what a
//! check is ([`CheckDef`]), what it decided ([`Outcome`], [`Check`]), what checks hand each other
//! ([`Fact`]), and how a run's results are judged ([`FailOn`], [`Gate`]).

use std::collections::HashMap;
use std::fmt;
use std::future::Future;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::{Arc, Mutex, OnceLock};

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::context::{Context, FirewallFacts, Resolved};
use crate::i18n::{Lang, Text};

/// The result of one check. `manual` means a human must confirm it; it never trips the gate.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    Pass,
    Warn,
    Fail,
    Skip,
    Manual,
}

impl Status {
    pub const ALL: [Status; 5] = [Status::Pass, Status::Warn, Status::Fail, Status::Skip, Status::Manual];

    pub fn as_str(self) -> &'static str {
        match self {
            Status::Pass => "pass",
            Status::Warn => "warn",
            Status::Fail => "fail",
            Status::Skip => "skip",
            Status::Manual => "manual",
        }
    }
}

impl fmt::Display for Status {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Checks are grouped by what they look at; the category is the first segment of the id.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Category {
    Region,
    Apiserver,
    Forwarder,
    Firewall,
    Forward,
    Host,
    Audit,
    Edition,
    /// What only a fleet report (`merge`) checks: the masters against each other.
    Fleet,
}

impl Category {
    pub fn as_str(self) -> &'static str {
        match self {
            Category::Region => "region",
            Category::Apiserver => "apiserver",
            Category::Forwarder => "forwarder",
            Category::Firewall => "firewall",
            Category::Forward => "forward",
            Category::Host => "host",
            Category::Audit => "audit",
            Category::Edition => "edition",
            Category::Fleet => "fleet",
        }
    }
}

impl fmt::Display for Category {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What a check decided, not yet in a language: everything of a [`Check`] except who it is and
/// how long it took.
#[derive(Debug, Clone, PartialEq)]
pub struct Outcome {
    pub status: Status,
    pub message: Text,
    pub evidence: Value,
    pub remediation: Vec<Text>,
    /// For a skip: the input that would let the check run (`--apiserver URL or --kubeconfig PATH`).
    pub input: Option<Text>,
}

impl Outcome {
    pub fn new(status: Status, message: impl Into<Text>) -> Self {
        Outcome {
            status,
            message: message.into(),
            evidence: Value::Object(Default::default()),
            remediation: Vec::new(),
            input: None,
        }
    }
    pub fn pass(message: impl Into<Text>) -> Self {
        Self::new(Status::Pass, message)
    }
    pub fn warn(message: impl Into<Text>) -> Self {
        Self::new(Status::Warn, message)
    }
    pub fn fail(message: impl Into<Text>) -> Self {
        Self::new(Status::Fail, message)
    }
    pub fn skip(message: impl Into<Text>) -> Self {
        Self::new(Status::Skip, message)
    }
    pub fn manual(message: impl Into<Text>) -> Self {
        Self::new(Status::Manual, message)
    }
    pub fn evidence(mut self, evidence: Value) -> Self {
        self.evidence = evidence;
        self
    }
    pub fn fix(mut self, step: impl Into<Text>) -> Self {
        self.remediation.push(step.into());
        self
    }
    pub fn fixes<I: IntoIterator<Item = S>, S: Into<Text>>(mut self, steps: I) -> Self {
        self.remediation.extend(steps.into_iter().map(Into::into));
        self
    }
    /// For a skip: what to give the tool so that this check runs.
    pub fn needing(mut self, input: impl Into<Text>) -> Self {
        self.input = Some(input.into());
        self
    }
}

/// An outcome a check body decided before it had gathered everything (no input, a failed
/// prerequisite): the `Err` of [`Checked`], so that helpers can hand it up with `?`.
#[derive(Debug, Clone, PartialEq)]
pub struct Early(pub Box<Outcome>);

impl From<Outcome> for Early {
    fn from(o: Outcome) -> Self {
        Early(Box::new(o))
    }
}

/// What a check body returns. Both arms are the check's outcome; `Err` is the early one.
pub type Checked = Result<Outcome, Early>;

/// One check's line in the report.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Check {
    pub id: String,
    pub category: Category,
    pub title: String,
    pub status: Status,
    /// In the run's language (`--lang`).
    pub message: String,
    /// The English message, when the run's language is not English.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message_en: Option<String>,
    pub evidence: Value,
    pub remediation: Vec<String>,
    pub duration_ms: u64,
    /// For a skip: the input that would let the check run.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub input: Option<String>,
    /// An accepted risk: the check keeps its status but does not trip the gate.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub waived: Option<Waived>,
}

/// A check of this run that finished: its definition, its outcome, how long it took.
#[derive(Debug, Clone)]
pub struct Finished {
    pub def: &'static CheckDef,
    pub outcome: Outcome,
    pub duration_ms: u64,
}

impl Finished {
    pub fn id(&self) -> &'static str {
        self.def.id
    }

    pub fn status(&self) -> Status {
        self.outcome.status
    }
}

impl Check {
    /// The report's line for a finished check, in `lang` (with the English message too when
    /// `lang` is not English, so that tooling can match on it).
    pub fn localized(finished: &Finished, lang: Lang) -> Self {
        let Finished { def, outcome, duration_ms } = finished;
        Check {
            id: def.id.to_string(),
            category: def.category,
            title: def.title(lang),
            status: outcome.status,
            message: outcome.message.render(lang),
            message_en: (lang != Lang::En).then(|| outcome.message.en()),
            evidence: outcome.evidence.clone(),
            remediation: outcome.remediation.iter().map(|r| r.render(lang)).collect(),
            duration_ms: *duration_ms,
            input: outcome.input.as_ref().map(|i| i.render(lang)),
            waived: None,
        }
    }

    /// Whether this check fails the gate: its status trips it and no waiver accepts it.
    pub fn trips(&self, fail_on: FailOn) -> bool {
        self.waived.is_none() && fail_on.trips(self.status)
    }
}

/// The waiver that accepts a check's risk.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Waived {
    pub reason: String,
    /// `YYYY-MM-DD`; the waiver holds until 23:59:59 UTC of that day.
    pub expires: String,
    /// `--waive`, or `FILE:LINE`.
    pub source: String,
}

/// The statuses that fail the gate: `fail`, or `warn` and `fail` (`--fail-on`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum FailOn {
    #[default]
    Fail,
    Warn,
}

impl FailOn {
    pub fn trips(self, status: Status) -> bool {
        match self {
            FailOn::Fail => status == Status::Fail,
            FailOn::Warn => matches!(status, Status::Fail | Status::Warn),
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            FailOn::Fail => "fail",
            FailOn::Warn => "warn",
        }
    }
}

/// Whether a run's checks trip the gate.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Gate {
    Pass,
    Fail,
}

impl Gate {
    pub fn of(checks: &[Check], fail_on: FailOn) -> Gate {
        if checks.iter().any(|c| c.trips(fail_on)) { Gate::Fail } else { Gate::Pass }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Gate::Pass => "pass",
            Gate::Fail => "fail",
        }
    }
}

/// The one-word answer of a run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Verdict {
    /// No check trips the gate and every required check ran.
    Ready,
    /// A check trips the gate.
    NotReady,
    /// Nothing trips the gate, but a required check did not run, or the run was stopped.
    Incomplete,
}

impl Verdict {
    pub fn as_str(self) -> &'static str {
        match self {
            Verdict::Ready => "ready",
            Verdict::NotReady => "not-ready",
            Verdict::Incomplete => "incomplete",
        }
    }
}

/// The kinds of facts checks hand each other. Each has exactly one producer in the catalogue;
/// every check that reads one declares it, and the runner orders it after the producer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum FactKind {
    /// The API server's addresses (`apiserver.dns`).
    Addresses,
    /// The addresses that accepted a TCP connection (`apiserver.tcp`).
    Reachable,
    /// The SHA-256 of the leaf certificate on the direct path (`apiserver.tls`).
    DirectLeaf,
    /// The API server's gitVersion (`apiserver.version`).
    ServerVersion,
    /// The loaded firewall layers (`firewall.sources`).
    Firewall,
}

impl FactKind {
    pub const ALL: [FactKind; 5] =
        [FactKind::Addresses, FactKind::Reachable, FactKind::DirectLeaf, FactKind::ServerVersion, FactKind::Firewall];
}

/// A fact one check found and others read.
#[derive(Debug, Clone)]
pub enum Fact {
    Addresses(Resolved),
    Reachable(Vec<SocketAddr>),
    DirectLeaf(String),
    ServerVersion(String),
    Firewall(Arc<FirewallFacts>),
}

impl Fact {
    pub fn kind(&self) -> FactKind {
        match self {
            Fact::Addresses(_) => FactKind::Addresses,
            Fact::Reachable(_) => FactKind::Reachable,
            Fact::DirectLeaf(_) => FactKind::DirectLeaf,
            Fact::ServerVersion(_) => FactKind::ServerVersion,
            Fact::Firewall(_) => FactKind::Firewall,
        }
    }
}

/// The results of one run as they come in: finished checks, the facts they produced, and the bugs
/// found on the way (a check that reads a fact it did not declare, writes one twice, …). Written
/// by the runner, read by running checks through their [`Env`].
#[derive(Debug)]
pub struct Results {
    checks: HashMap<&'static str, Slot>,
    facts: HashMap<FactKind, OnceLock<Fact>>,
    bugs: Mutex<Vec<String>>,
}

#[derive(Debug, Default)]
struct Slot {
    check: OnceLock<Finished>,
    cause: OnceLock<Cause>,
}

/// Why a finished check has the outcome it has: it ran, or it was skipped for a check it needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cause {
    Ran,
    /// A check it needs failed or was skipped.
    Blocked,
    /// A check it needs was left out of the run on request (`--skip`), perhaps through others.
    OnRequest,
}

impl Results {
    /// Empty results for a run of these checks.
    pub fn new(ids: impl IntoIterator<Item = &'static str>) -> Results {
        Results {
            checks: ids.into_iter().map(|id| (id, Slot::default())).collect(),
            facts: FactKind::ALL.iter().map(|k| (*k, OnceLock::new())).collect(),
            bugs: Mutex::new(Vec::new()),
        }
    }

    /// Whether the check is part of this run.
    pub fn in_run(&self, id: &str) -> bool {
        self.checks.contains_key(id)
    }

    /// The result of a check of this run that has finished.
    pub fn get(&self, id: &str) -> Option<&Finished> {
        self.checks.get(id).and_then(|s| s.check.get())
    }

    /// Why a finished check has its outcome (`Ran` for one that has not finished).
    pub fn cause(&self, id: &str) -> Cause {
        self.checks.get(id).and_then(|s| s.cause.get()).copied().unwrap_or(Cause::Ran)
    }

    /// Records a finished check and why it has its outcome.
    pub fn finish(&self, check: Finished, cause: Cause) {
        let id = check.id();
        let Some(slot) = self.checks.get(id) else {
            self.bug(format!("{id} finished but is not part of the run"));
            return;
        };
        if slot.check.set(check).is_err() {
            self.bug(format!("{id} finished twice"));
        }
        let _ = slot.cause.set(cause);
    }

    /// A fact, when its producer has produced it.
    pub fn fact(&self, kind: FactKind) -> Option<&Fact> {
        self.facts.get(&kind).and_then(OnceLock::get)
    }

    fn store(&self, by: &str, fact: Fact) {
        let kind = fact.kind();
        match self.facts.get(&kind) {
            Some(slot) if slot.set(fact).is_ok() => {}
            _ => self.bug(format!("{by} produced {kind:?} a second time")),
        }
    }

    /// Records a bug in a check's use of the model; the run exits with the internal-error code.
    pub fn bug(&self, what: String) {
        if let Ok(mut bugs) = self.bugs.lock() {
            bugs.push(what);
        }
    }

    /// The bugs recorded so far.
    pub fn bugs(&self) -> Vec<String> {
        self.bugs.lock().map(|b| b.clone()).unwrap_or_default()
    }
}

/// What a running check may see: the context built from the command line, and through its own
/// declarations, the facts and results of the checks before it.
#[derive(Debug, Clone)]
pub struct Env {
    pub ctx: Arc<Context>,
    results: Arc<Results>,
    def: &'static CheckDef,
}

impl Env {
    pub fn new(ctx: Arc<Context>, results: Arc<Results>, def: &'static CheckDef) -> Env {
        Env { ctx, results, def }
    }

    /// The finished result of a check this one lists in `after` (to quote it in an explanation).
    pub fn result(&self, id: &str) -> Option<&Finished> {
        if !self.def.after.contains(&id) {
            self.results.bug(format!("{} read the result of {id} without listing it in `after`", self.def.id));
            return None;
        }
        self.results.get(id)
    }

    /// Hands a fact to the checks that read it.
    pub fn produce(&self, fact: Fact) {
        if !self.def.produces.contains(&fact.kind()) {
            self.results.bug(format!("{} produced {:?} without declaring it", self.def.id, fact.kind()));
            return;
        }
        self.results.store(self.def.id, fact);
    }

    fn fact(&self, kind: FactKind) -> Option<&Fact> {
        if !self.def.reads.contains(&kind) {
            self.results.bug(format!("{} read {kind:?} without declaring it", self.def.id));
            return None;
        }
        self.results.fact(kind)
    }

    /// The API server's addresses: what `apiserver.dns` found, or the IP literal of the endpoint
    /// when the endpoint is one (then nothing needs resolving, even with `apiserver.dns` skipped).
    pub fn addresses(&self) -> Option<Resolved> {
        match self.fact(FactKind::Addresses) {
            Some(Fact::Addresses(r)) => Some(r.clone()),
            _ => self.ctx.literal_addresses(),
        }
    }

    /// The API server's addresses that accepted a TCP connection.
    pub fn reachable(&self) -> Option<&[SocketAddr]> {
        match self.fact(FactKind::Reachable)? {
            Fact::Reachable(r) => Some(r),
            _ => None,
        }
    }

    /// The SHA-256 fingerprint of the API server's leaf certificate on the direct path.
    pub fn direct_leaf(&self) -> Option<&str> {
        match self.fact(FactKind::DirectLeaf)? {
            Fact::DirectLeaf(s) => Some(s),
            _ => None,
        }
    }

    /// The API server's gitVersion as `/version` said it.
    pub fn server_version(&self) -> Option<&str> {
        match self.fact(FactKind::ServerVersion)? {
            Fact::ServerVersion(s) => Some(s),
            _ => None,
        }
    }

    /// The firewall layers `firewall.sources` loaded.
    pub fn firewall(&self) -> Option<&FirewallFacts> {
        match self.fact(FactKind::Firewall)? {
            Fact::Firewall(f) => Some(f),
            _ => None,
        }
    }
}

pub type BoxFuture<'a> = Pin<Box<dyn Future<Output = Checked> + Send + 'a>>;

/// How a check runs: plain functions run on the blocking pool (parsing, file reads, evaluation);
/// network probes are futures.
#[derive(Clone, Copy)]
pub enum Run {
    Sync(fn(&Env) -> Checked),
    Async(for<'a> fn(&'a Env) -> BoxFuture<'a>),
}

impl fmt::Debug for Run {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Run::Sync(_) => "Run::Sync",
            Run::Async(_) => "Run::Async",
        })
    }
}

/// A check in the catalogue: identity, documentation, what it exchanges with other checks, and
/// the function that runs it.
#[derive(Debug, Clone, Copy)]
pub struct CheckDef {
    /// Stable dotted id; never renamed (reports and `--skip` lists depend on it).
    pub id: &'static str,
    pub category: Category,
    /// Checks whose result this one requires: if one of them fails, this one is skipped naming it.
    pub needs: &'static [&'static str],
    /// Checks whose results this one quotes when it explains itself (it runs after them).
    pub after: &'static [&'static str],
    /// The facts this check hands to others.
    pub produces: &'static [FactKind],
    /// The facts this check reads; it runs after their producers.
    pub reads: &'static [FactKind],
    /// Whether the run's verdict needs this check: `ready` only when every required check ran.
    pub required: fn(&Context) -> bool,
    /// Whether the check is part of this run at all (audit checks only with `--audit`, …).
    pub applies: fn(&Context) -> bool,
    pub run: Run,
}

impl CheckDef {
    /// Short title for tables.
    pub fn title(&self, lang: Lang) -> String {
        crate::i18n::check_text(lang, self.id, None)
    }

    /// What the check verifies, in one line (`list` and the README's check table).
    pub fn summary(&self, lang: Lang) -> String {
        crate::i18n::check_text(lang, self.id, Some("summary"))
    }

    /// What the check verifies, why it matters, and how to fix a failure (`explain` prints it).
    pub fn explain(&self, lang: Lang) -> String {
        crate::i18n::check_text(lang, self.id, Some("explain"))
    }
}

/// Does a dotted pattern (`--only`, `--skip`, a waiver's id) select this check id? Patterns match
/// whole dotted segments: `apiserver` and `apiserver.tls` match `apiserver.tls`; `apiserver.t`
/// matches nothing.
pub fn selects(pattern: &str, id: &str) -> bool {
    let pattern = pattern.trim_end_matches('.');
    id == pattern || id.strip_prefix(pattern).is_some_and(|rest| rest.starts_with('.'))
}

/// For checks that are part of every run (or required in every run they are part of).
pub fn always(_: &Context) -> bool {
    true
}

/// For checks the verdict can do without.
pub fn never(_: &Context) -> bool {
    false
}

/// Required when there is a forwarder to check (`--forwarder`).
pub fn with_forwarder(ctx: &Context) -> bool {
    ctx.forwarder.is_some()
}
