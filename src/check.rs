//! The one check model every check produces and every renderer reads.

use std::fmt;
use std::future::Future;
use std::pin::Pin;

use serde::Serialize;
use serde_json::Value;

use crate::context::Context;
use crate::runner::Done;

/// The result of one check. `manual` means a human must confirm it; it never trips the gate.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, serde::Deserialize, clap::ValueEnum)]
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
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
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
        }
    }
}

impl fmt::Display for Category {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What a check decided: everything of a [`Check`] except who it is and how long it took.
#[derive(Debug, Clone, PartialEq)]
pub struct Outcome {
    pub status: Status,
    pub message: String,
    pub evidence: Value,
    pub remediation: Vec<String>,
}

impl Outcome {
    pub fn new(status: Status, message: impl Into<String>) -> Self {
        Outcome {
            status,
            message: message.into(),
            evidence: Value::Object(Default::default()),
            remediation: Vec::new(),
        }
    }
    pub fn pass(message: impl Into<String>) -> Self {
        Self::new(Status::Pass, message)
    }
    pub fn warn(message: impl Into<String>) -> Self {
        Self::new(Status::Warn, message)
    }
    pub fn fail(message: impl Into<String>) -> Self {
        Self::new(Status::Fail, message)
    }
    pub fn skip(message: impl Into<String>) -> Self {
        Self::new(Status::Skip, message)
    }
    pub fn manual(message: impl Into<String>) -> Self {
        Self::new(Status::Manual, message)
    }
    pub fn evidence(mut self, evidence: Value) -> Self {
        self.evidence = evidence;
        self
    }
    pub fn fix(mut self, step: impl Into<String>) -> Self {
        self.remediation.push(step.into());
        self
    }
    pub fn fixes<I: IntoIterator<Item = S>, S: Into<String>>(mut self, steps: I) -> Self {
        self.remediation.extend(steps.into_iter().map(Into::into));
        self
    }
}

/// One check's line in the report.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Check {
    pub id: &'static str,
    pub category: Category,
    pub title: &'static str,
    pub status: Status,
    pub message: String,
    pub evidence: Value,
    pub remediation: Vec<String>,
    pub duration_ms: u64,
}

impl Check {
    pub fn from_outcome(def: &CheckDef, outcome: Outcome, duration_ms: u64) -> Self {
        Check {
            id: def.id,
            category: def.category,
            title: def.title,
            status: outcome.status,
            message: outcome.message,
            evidence: outcome.evidence,
            remediation: outcome.remediation,
            duration_ms,
        }
    }
}

/// Everything a running check may read: the context built from the command line, and the results
/// of the checks that finished before it (its `needs` and `after` always have).
#[derive(Debug, Clone)]
pub struct Env {
    pub ctx: std::sync::Arc<Context>,
    pub done: std::sync::Arc<Done>,
}

impl Env {
    /// The finished result of an earlier check, if it ran.
    pub fn result(&self, id: &str) -> Option<&Check> {
        self.done.get(id)
    }
}

pub type BoxFuture<'a> = Pin<Box<dyn Future<Output = Outcome> + Send + 'a>>;

/// How a check runs: plain functions run on the blocking pool (parsing, file reads, evaluation);
/// network probes are futures.
#[derive(Clone, Copy)]
pub enum Run {
    Sync(fn(&Env) -> Outcome),
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

/// A check in the catalogue: identity, documentation, ordering and the function that runs it.
#[derive(Debug, Clone, Copy)]
pub struct CheckDef {
    /// Stable dotted id; never renamed (reports and `--skip` lists depend on it).
    pub id: &'static str,
    pub category: Category,
    /// Short title for tables.
    pub title: &'static str,
    /// What the check verifies, why it matters, and how to fix a failure (`explain` prints it).
    pub explain: &'static str,
    /// Checks whose result this one requires: if one of them fails, this one is skipped naming it.
    pub needs: &'static [&'static str],
    /// Checks that must finish first because this one reads what they found, but whose failure
    /// this one handles itself.
    pub after: &'static [&'static str],
    /// Whether the check is part of this run at all (audit checks only with `--audit`, …).
    pub applies: fn(&Context) -> bool,
    pub run: Run,
}

/// For checks that are part of every run.
pub fn always(_: &Context) -> bool {
    true
}
