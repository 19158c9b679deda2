//! The report: the JSON document that is the source of truth, and the views rendered from it.
//!
//! A [`Report`] is plain data built from checks, a target and a vantage; it knows nothing of how
//! the run was set up, so a report read back from JSON renders the same as the one just made.

pub mod junit;
pub mod markdown;
pub mod schema;
pub mod table;

use std::net::IpAddr;
use std::time::{Duration, SystemTime};

use serde::{Deserialize, Serialize};

use crate::check::{Check, FailOn, Gate, Status};
use crate::error::{EXIT_GATE_FAILED, EXIT_INTERNAL, EXIT_PASS};
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

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Summary {
    pub pass: usize,
    pub warn: usize,
    pub fail: usize,
    pub skip: usize,
    pub manual: usize,
    pub gate: Gate,
    pub fail_on: FailOn,
    pub exit_code: i32,
    /// Set when the run stopped before every check finished (deadline or Ctrl-C).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stopped: Option<String>,
}

impl Summary {
    pub fn of(checks: &[Check], fail_on: FailOn, internal_error: bool, stopped: Option<String>) -> Summary {
        let count = |s: Status| checks.iter().filter(|c| c.status == s).count();
        let gate = Gate::of(checks, fail_on);
        let exit_code = if internal_error {
            EXIT_INTERNAL
        } else if gate == Gate::Fail {
            EXIT_GATE_FAILED
        } else {
            EXIT_PASS
        };
        Summary {
            pass: count(Status::Pass),
            warn: count(Status::Warn),
            fail: count(Status::Fail),
            skip: count(Status::Skip),
            manual: count(Status::Manual),
            gate,
            fail_on,
            exit_code,
            stopped,
        }
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
        }
    }

    pub fn to_json(&self) -> String {
        // Serializing plain data into a String cannot fail: there are no maps with non-string keys.
        serde_json::to_string_pretty(self).unwrap_or_else(|e| format!("{{\"error\": \"{e}\"}}"))
    }
}
