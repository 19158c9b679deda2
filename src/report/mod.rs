//! The report: the JSON document that is the source of truth, and the views rendered from it.
//!
//! A [`Report`] is plain data built from checks, a target and a vantage; it knows nothing of how
//! the run was set up, so a report read back from JSON renders the same as the one just made.

pub mod fleet;
pub mod junit;
pub mod markdown;
pub mod schema;
pub mod table;
pub mod text;

use std::collections::BTreeSet;
use std::net::IpAddr;
use std::time::{Duration, SystemTime};

use serde::{Deserialize, Serialize};

use crate::check::{Check, FailOn, Gate, Status, Verdict};
use crate::error::{EXIT_GATE_FAILED, EXIT_INCOMPLETE, EXIT_INTERNAL, EXIT_PASS};
use crate::i18n::{Lang, Sep, Text};
use crate::t;
use crate::units::{millis, rfc3339};

pub const SCHEMA_VERSION: u32 = 1;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Report {
    pub schema_version: u32,
    pub tool: Tool,
    pub started_at: String,
    pub duration_ms: u64,
    pub vantage: VantageReport,
    pub target: Target,
    pub checks: Vec<Check>,
    pub summary: Summary,
    /// The settings of this node that must be the same on every master (what `merge` compares).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub node: Option<fleet::NodeFacts>,
    /// In a fleet report (`merge`): the nodes it was made of.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fleet: Option<fleet::Fleet>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Tool {
    pub name: String,
    pub version: String,
}

impl Tool {
    /// This build of the tool.
    pub fn this() -> Tool {
        Tool { name: "k8sjoin-check".into(), version: env!("CARGO_PKG_VERSION").into() }
    }
}

/// The host the results are true from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct VantageReport {
    pub hostname: String,
    /// Its global unicast addresses.
    pub addresses: Vec<IpAddr>,
    /// What the results cannot speak for, in plain words.
    pub cannot_see: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Target {
    pub region: Option<String>,
    pub region_name: Option<String>,
    /// `vpc`, `public`, or null when `--network auto` had no address to infer from.
    pub network: Option<String>,
    /// `flag` or `inferred`.
    pub network_source: String,
    pub network_reason: String,
    pub apiserver: Option<String>,
    pub forwarder: Option<String>,
}

/// What became of a waiver in a run: the report's `summary.waivers`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WaiverUse {
    pub id: String,
    pub reason: String,
    pub expires: String,
    pub source: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub node: Option<String>,
    /// The checks it accepted (or would have, when expired).
    pub matched: Vec<String>,
    pub expired: bool,
    /// For another host than this one: not applied, and not stale.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub other_node: bool,
}

impl WaiverUse {
    /// A waiver that applies to this host but names no check of the run.
    pub fn stale(&self) -> bool {
        self.matched.is_empty() && !self.other_node
    }
}

/// A required check that did not run, why, and what input would let it run.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Incomplete {
    pub id: String,
    pub reason: String,
    pub needs: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Summary {
    pub pass: usize,
    pub warn: usize,
    pub fail: usize,
    pub skip: usize,
    pub manual: usize,
    pub gate: Gate,
    pub fail_on: FailOn,
    pub verdict: Verdict,
    /// The required checks that did not run (what makes the verdict `incomplete`).
    pub incomplete: Vec<Incomplete>,
    /// Reported checks skipped only because a check they need was left out with `--skip`: they do
    /// not make the run incomplete.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub skipped_on_request: Vec<String>,
    /// Every waiver given, and what became of it.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub waivers: Vec<WaiverUse>,
    pub exit_code: i32,
    /// Set when the run stopped before every check finished (deadline or a signal).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stopped: Option<String>,
}

/// How a run ended, besides its checks: what the summary is judged from.
#[derive(Debug, Clone, Default)]
pub struct Ending {
    pub fail_on: FailOn,
    /// The reported checks the verdict needs.
    pub required: BTreeSet<String>,
    /// Reported checks skipped only because of `--skip`.
    pub on_request: BTreeSet<String>,
    /// Why the run stopped early, and the exit code a signal asks for.
    pub stopped: Option<(String, Option<i32>)>,
    pub internal_error: bool,
    /// `--allow-incomplete`: an incomplete verdict exits 0.
    pub allow_incomplete: bool,
    pub waivers: Vec<WaiverUse>,
}

impl Summary {
    /// `lang` words the hint for a skipped check that names no input.
    pub fn of(checks: &[Check], ending: Ending, lang: Lang) -> Summary {
        let fail_on = ending.fail_on;
        let count = |s: Status| checks.iter().filter(|c| c.status == s).count();
        let gate = Gate::of(checks, fail_on);
        let incomplete: Vec<Incomplete> = checks
            .iter()
            .filter(|c| ending.required.contains(&c.id) && c.status == Status::Skip)
            .filter(|c| !ending.on_request.contains(&c.id) && c.waived.is_none())
            .map(|c| Incomplete {
                id: c.id.clone(),
                reason: c.message.clone(),
                needs: c
                    .input
                    .clone()
                    .unwrap_or_else(|| t!("summary-needs-what-the-message-says", id = &c.id).render(lang)),
            })
            .collect();
        let verdict = if gate == Gate::Fail {
            Verdict::NotReady
        } else if !incomplete.is_empty() || ending.stopped.is_some() {
            Verdict::Incomplete
        } else {
            Verdict::Ready
        };
        let exit_code = match (&ending.stopped, verdict) {
            _ if ending.internal_error => EXIT_INTERNAL,
            (Some((_, Some(signal))), _) => *signal,
            (_, Verdict::NotReady) => EXIT_GATE_FAILED,
            (_, Verdict::Incomplete) if !ending.allow_incomplete => EXIT_INCOMPLETE,
            _ => EXIT_PASS,
        };
        Summary {
            pass: count(Status::Pass),
            warn: count(Status::Warn),
            fail: count(Status::Fail),
            skip: count(Status::Skip),
            manual: count(Status::Manual),
            gate,
            fail_on,
            verdict,
            incomplete,
            skipped_on_request: checks
                .iter()
                .filter(|c| ending.on_request.contains(&c.id))
                .map(|c| c.id.clone())
                .collect(),
            waivers: ending.waivers,
            exit_code,
            stopped: ending.stopped.map(|(why, _)| why),
        }
    }

    /// One sentence: what decided the verdict.
    pub fn because(&self, checks: &[Check], lang: Lang) -> String {
        match self.verdict {
            Verdict::NotReady => {
                let tripping: Vec<&str> =
                    checks.iter().filter(|c| c.trips(self.fail_on)).map(|c| c.id.as_str()).collect();
                t!(
                    "because-not-ready",
                    n = tripping.len(),
                    fail_on = self.fail_on.as_str(),
                    checks = Text::join(tripping.iter().map(|s| Text::verbatim(s.to_string())), Sep::Comma)
                )
            }
            Verdict::Incomplete if self.incomplete.is_empty() => {
                t!("because-stopped", stopped = self.stopped.clone().unwrap_or_default())
            }
            Verdict::Incomplete => {
                let mut needs: Vec<&str> = Vec::new();
                for i in &self.incomplete {
                    if !needs.contains(&i.needs.as_str()) {
                        needs.push(&i.needs);
                    }
                }
                let ids: Vec<&str> = self.incomplete.iter().map(|i| i.id.as_str()).collect();
                t!(
                    "because-incomplete",
                    n = ids.len(),
                    checks = Text::join(ids.iter().map(|s| Text::verbatim(s.to_string())), Sep::Comma),
                    inputs = Text::join(needs.iter().map(|n| Text::verbatim(*n)), Sep::Semicolon)
                )
            }
            Verdict::Ready => t!("because-ready"),
        }
        .render(lang)
    }
}

impl Report {
    /// The report of a run that started at `started` and took `elapsed`.
    pub fn new(
        target: Target,
        vantage: VantageReport,
        checks: Vec<Check>,
        summary: Summary,
        started: SystemTime,
        elapsed: Duration,
    ) -> Report {
        Report {
            schema_version: SCHEMA_VERSION,
            tool: Tool::this(),
            started_at: rfc3339(started),
            duration_ms: millis(elapsed),
            vantage,
            target,
            checks,
            summary,
            node: None,
            fleet: None,
        }
    }

    pub fn to_json(&self) -> String {
        // Serializing plain data into a String cannot fail: there are no maps with non-string keys.
        serde_json::to_string_pretty(self).unwrap_or_else(|e| format!("{{\"error\": \"{e}\"}}"))
    }

    /// The report on one line (what a fleet pod prints).
    pub fn to_json_line(&self) -> String {
        serde_json::to_string(self).unwrap_or_else(|e| format!("{{\"error\": \"{e}\"}}"))
    }
}
