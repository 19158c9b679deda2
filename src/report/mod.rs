//! The report: the JSON document that is the source of truth, and the views rendered from it.

pub mod junit;
pub mod markdown;
pub mod schema;
pub mod table;

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde::Serialize;

use crate::check::{Check, Status};
use crate::cli::FailOn;
use crate::context::Context;
use crate::error::{EXIT_GATE_FAILED, EXIT_INTERNAL, EXIT_PASS};
use crate::vantage::Vantage;

pub const SCHEMA_VERSION: u32 = 1;

#[derive(Debug, Clone, Serialize)]
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

#[derive(Debug, Clone, Serialize)]
pub struct Tool {
    pub name: &'static str,
    pub version: &'static str,
}

#[derive(Debug, Clone, Serialize)]
pub struct VantageReport {
    #[serde(flatten)]
    pub host: Vantage,
    /// What the results cannot speak for, in plain words.
    pub cannot_see: Vec<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Target {
    pub region: Option<String>,
    pub region_name: Option<String>,
    /// `vpc`, `public`, or null when `--network auto` had no address to infer from.
    pub network: Option<&'static str>,
    pub network_source: &'static str,
    pub network_reason: String,
    pub apiserver: Option<String>,
    pub forwarder: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Summary {
    pub pass: usize,
    pub warn: usize,
    pub fail: usize,
    pub skip: usize,
    pub manual: usize,
    /// `pass` or `fail`.
    pub gate: &'static str,
    pub fail_on: &'static str,
    pub exit_code: i32,
    /// Set when the run stopped before every check finished (deadline or Ctrl-C).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub stopped: Option<String>,
}

impl Summary {
    pub fn of(checks: &[Check], fail_on: FailOn, internal_error: bool, stopped: Option<String>) -> Summary {
        let count = |s: Status| checks.iter().filter(|c| c.status == s).count();
        let gate_failed = checks.iter().any(|c| fail_on.trips(c.status));
        let exit_code = if internal_error {
            EXIT_INTERNAL
        } else if gate_failed {
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
            gate: if gate_failed { "fail" } else { "pass" },
            fail_on: fail_on.as_str(),
            exit_code,
            stopped,
        }
    }
}

impl Report {
    pub fn new(
        ctx: &Context,
        checks: Vec<Check>,
        started: SystemTime,
        elapsed: Duration,
        internal_error: bool,
        stopped: Option<String>,
    ) -> Report {
        let decision = ctx.network_decision();
        let summary = Summary::of(&checks, ctx.fail_on, internal_error, stopped);
        Report {
            schema_version: SCHEMA_VERSION,
            tool: Tool { name: "k8sjoin-check", version: env!("CARGO_PKG_VERSION") },
            started_at: rfc3339(started),
            duration_ms: u64::try_from(elapsed.as_millis()).unwrap_or(u64::MAX),
            vantage: VantageReport { host: Vantage::of_this_host(), cannot_see: cannot_see(ctx) },
            target: Target {
                region: ctx.region.as_ref().map(|r| r.id.clone()),
                region_name: ctx.region.as_ref().map(|r| r.name_zh.clone()),
                network: decision.network.map(|n| n.as_str()),
                network_source: decision.source,
                network_reason: decision.reason,
                apiserver: ctx.endpoint.as_ref().map(|e| e.url()),
                forwarder: ctx.forwarder_text(),
            },
            checks,
            summary,
        }
    }

    pub fn to_json(&self) -> String {
        // Serializing plain data into a String cannot fail: there are no maps with non-string keys.
        serde_json::to_string_pretty(self).unwrap_or_else(|e| format!("{{\"error\": \"{e}\"}}"))
    }
}

/// What a result from this host cannot tell, so nobody reads more into a pass than it says.
fn cannot_see(ctx: &Context) -> Vec<String> {
    let given = |kind: &str| ctx.firewall.layers.iter().any(|l| l.kind_name() == kind);
    let mut blind = vec![
        "network results are true from this host only: a firewall, NAT or IDC gateway between the security center and this host is not visible from here".to_string(),
    ];
    if !ctx.root.is_live() {
        blind.push(format!(
            "host files (manifests, sysctls, routes, audit log) come from the copy under --root {}; network probes still run from this host",
            ctx.root.display()
        ));
    }
    if !given("ecs-sg") {
        blind.push("the ECS security group was not given (--firewall ecs-sg:FILE from DescribeSecurityGroupAttribute), so it is not judged".into());
    }
    if !given("cidrs") {
        blind.push("no load balancer ACL was given (--firewall cidrs:FILE), so an SLB in front of the API server is not judged".into());
    }
    blind
}

/// `1.5s`, `300ms`, `2m`: how durations read in messages.
pub fn human_duration(d: Duration) -> String {
    let ms = d.as_millis();
    if ms < 1000 {
        format!("{ms}ms")
    } else if ms.is_multiple_of(60_000) {
        format!("{}m", ms / 60_000)
    } else if ms.is_multiple_of(1000) {
        format!("{}s", ms / 1000)
    } else {
        format!("{:.1}s", d.as_secs_f64())
    }
}

/// RFC 3339 UTC with second precision, without a date crate.
pub fn rfc3339(t: SystemTime) -> String {
    let secs = t.duration_since(UNIX_EPOCH).map(|d| d.as_secs()).unwrap_or(0);
    let days = i64::try_from(secs / 86_400).unwrap_or(0);
    let rem = secs % 86_400;
    let (y, m, d) = civil_from_days(days);
    format!("{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z", rem / 3600, rem % 3600 / 60, rem % 60)
}

/// Howard Hinnant's days-to-civil algorithm (proleptic Gregorian).
fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    (y, u32::try_from(m).unwrap_or(1), u32::try_from(d).unwrap_or(1))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc3339_known_instants() {
        assert_eq!(rfc3339(UNIX_EPOCH), "1970-01-01T00:00:00Z");
        assert_eq!(rfc3339(UNIX_EPOCH + Duration::from_secs(1_795_824_000)), "2026-11-28T00:00:00Z");
        assert_eq!(rfc3339(UNIX_EPOCH + Duration::from_secs(951_782_400 + 3661)), "2000-02-29T01:01:01Z");
    }

    #[test]
    fn human_durations() {
        assert_eq!(human_duration(Duration::from_millis(300)), "300ms");
        assert_eq!(human_duration(Duration::from_secs(3)), "3s");
        assert_eq!(human_duration(Duration::from_secs(120)), "2m");
        assert_eq!(human_duration(Duration::from_millis(1500)), "1.5s");
    }
}
