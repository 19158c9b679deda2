//! The fleet report: the reports of every control-plane node made one (`k8sjoin-check merge`). It
//! is a [`Report`] like a run's, so every format renders it: one check per id with each node's
//! status, the fleet's verdict (`ready` only when every node is), and `fleet.drift`, what differs
//! between masters that should not.
//!
//! The input is what `kubectl logs --prefix` prints for the fleet's pods (`[pod/NAME/CONTAINER]
//! {…}`), JSON lines, or whole reports as `--report` writes them. Anything else is refused with its
//! file and line: a line that is not a report is a pod that did not run.

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use crate::check::{Category, Check, FailOn, Gate, Status, Verdict};
use crate::error::sanitize::{excerpt, excerpt_of, quoting_nothing};
use crate::error::{EXIT_GATE_FAILED, EXIT_INCOMPLETE, EXIT_PASS, InputError};
use crate::i18n::{Lang, Sep, Text, check_text};
use crate::report::{Incomplete, Report, SCHEMA_VERSION, Summary, Target, Tool, VantageReport};
use crate::t;

/// What a node's report says about the settings that must be the same on every master.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct NodeFacts {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kubernetes_version: Option<String>,
    /// SHA-256 of the audit policy file the kube-apiserver manifest names.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub audit_policy_sha256: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub apiserver_image: Option<String>,
    /// The manifest's `--audit-*` flags, by name.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub audit_flags: BTreeMap<String, String>,
}

impl NodeFacts {
    pub fn is_empty(&self) -> bool {
        *self == NodeFacts::default()
    }
}

/// One node of a fleet report.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FleetNode {
    pub node: String,
    pub verdict: Verdict,
    pub exit_code: i32,
    pub started_at: String,
    /// Where its report was read: `FILE:LINE`.
    pub source: String,
}

/// The fleet part of a fleet report.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Fleet {
    pub nodes: Vec<FleetNode>,
}

/// One input of `merge`: a name for messages and its text.
#[derive(Debug)]
pub struct Input<'a> {
    pub name: &'a str,
    pub text: &'a str,
}

/// The id of the drift check, which only a fleet report has.
pub const DRIFT: &str = "fleet.drift";
/// Reads every report in the inputs.
pub fn read(inputs: &[Input<'_>]) -> Result<Vec<(Report, String)>, InputError> {
    let mut out = Vec::new();
    for input in inputs {
        // A whole report as `--report` writes it (pretty JSON over many lines).
        if input.text.trim_start().starts_with('{')
            && let Ok(value) = serde_json::from_str::<Value>(input.text)
        {
            out.push((
                report_of(value, |what| InputError::new(input.name, Some(1), what))?,
                format!("{}:1", input.name),
            ));
            continue;
        }
        for (i, line) in input.text.lines().enumerate() {
            let n = i + 1;
            let line = line.trim();
            if line.is_empty() {
                continue;
            }
            // `kubectl logs --prefix`: `[pod/NAME/CONTAINER] …`.
            let json = match line.strip_prefix('[').and_then(|l| l.split_once("] ")) {
                Some((prefix, rest)) if prefix.starts_with("pod/") => rest.trim(),
                _ => line,
            };
            let at = |what: Text| InputError::new(input.name, Some(n), what);
            if !json.starts_with('{') {
                return Err(at(t!("merge-not-a-report-line")));
            }
            let value: Value =
                serde_json::from_str(json).map_err(|e| at(t!("merge-not-json", error = excerpt(&e.to_string()))))?;
            out.push((report_of(value, at)?, format!("{}:{n}", input.name)));
        }
    }
    Ok(out)
}

/// A report of this schema version; `at` places the error.
fn report_of(value: Value, at: impl Fn(Text) -> InputError) -> Result<Report, InputError> {
    let version = value.get("schema_version").and_then(Value::as_u64);
    if version != Some(u64::from(SCHEMA_VERSION)) {
        let found = match version {
            Some(v) => Text::verbatim(v.to_string()),
            None => t!("merge-schema-missing"),
        };
        return Err(at(t!("merge-schema-version", found = found, supported = SCHEMA_VERSION)));
    }
    serde_json::from_value(value)
        .map_err(|e| at(t!("merge-not-our-report", error = excerpt(&quoting_nothing(&e.to_string())))))
}

/// Merges node reports into one fleet report. Reports of different regions are refused: a fleet
/// is one cluster.
pub fn merge(reports: Vec<(Report, String)>, lang: Lang) -> Result<Report, InputError> {
    let Some((first, first_source)) = reports.first() else {
        return Err(InputError::new("<input>", None, t!("merge-nothing")));
    };
    let mut seen: BTreeMap<&str, &str> = BTreeMap::new();
    for (r, source) in &reports {
        if r.target.region != first.target.region {
            return Err(at_source(
                source,
                t!(
                    "merge-other-region",
                    region = r.target.region.as_deref().unwrap_or("(none)"),
                    first_source = first_source.as_str(),
                    first_region = first.target.region.as_deref().unwrap_or("(none)")
                ),
            ));
        }
        if let Some(earlier) = seen.insert(&r.vantage.hostname, source) {
            return Err(at_source(source, t!("merge-second-report", node = &r.vantage.hostname, earlier = earlier)));
        }
    }
    let nodes: Vec<&str> = reports.iter().map(|(r, _)| r.vantage.hostname.as_str()).collect();
    let fail_on = first.summary.fail_on;
    let mut checks = merged_checks(&reports, fail_on, lang);
    checks.push(drift(&reports, lang));
    let node_verdicts: Vec<Verdict> = reports.iter().map(|(r, _)| r.summary.verdict).collect();
    let gate = Gate::of(&checks, fail_on);
    let verdict = if gate == Gate::Fail || node_verdicts.contains(&Verdict::NotReady) {
        Verdict::NotReady
    } else if node_verdicts.contains(&Verdict::Incomplete) {
        Verdict::Incomplete
    } else {
        Verdict::Ready
    };
    let incomplete: Vec<Incomplete> = reports
        .iter()
        .flat_map(|(r, _)| {
            r.summary.incomplete.iter().map(|i| Incomplete {
                id: i.id.clone(),
                reason: format!("{}: {}", r.vantage.hostname, i.reason),
                needs: i.needs.clone(),
            })
        })
        .collect();
    let count = |s: Status| checks.iter().filter(|c| c.status == s).count();
    let summary = Summary {
        pass: count(Status::Pass),
        warn: count(Status::Warn),
        fail: count(Status::Fail),
        skip: count(Status::Skip),
        manual: count(Status::Manual),
        gate,
        fail_on,
        verdict,
        incomplete,
        skipped_on_request: Vec::new(),
        waivers: Vec::new(),
        exit_code: match verdict {
            Verdict::Ready => EXIT_PASS,
            Verdict::NotReady => EXIT_GATE_FAILED,
            Verdict::Incomplete => EXIT_INCOMPLETE,
        },
        stopped: None,
    };
    let mut addresses: Vec<std::net::IpAddr> = reports.iter().flat_map(|(r, _)| r.vantage.addresses.clone()).collect();
    addresses.sort();
    addresses.dedup();
    let mut cannot_see: Vec<String> = Vec::new();
    for (r, _) in &reports {
        for c in &r.vantage.cannot_see {
            if !cannot_see.contains(c) {
                cannot_see.push(c.clone());
            }
        }
    }
    let started_at = reports.iter().map(|(r, _)| r.started_at.clone()).min().unwrap_or_default();
    Ok(Report {
        schema_version: SCHEMA_VERSION,
        tool: Tool::this(),
        started_at,
        duration_ms: reports.iter().map(|(r, _)| r.duration_ms).max().unwrap_or(0),
        vantage: VantageReport {
            hostname: t!(
                "fleet-hostname",
                n = nodes.len(),
                nodes = Text::join(nodes.iter().map(|s| Text::verbatim(s.to_string())), Sep::Comma)
            )
            .render(lang),
            addresses,
            cannot_see,
        },
        target: Target { apiserver: common(&reports, |r| r.target.apiserver.clone()), ..first.target.clone() },
        checks,
        summary,
        node: None,
        fleet: Some(Fleet {
            nodes: reports
                .iter()
                .map(|(r, source)| FleetNode {
                    node: r.vantage.hostname.clone(),
                    verdict: r.summary.verdict,
                    exit_code: r.summary.exit_code,
                    started_at: r.started_at.clone(),
                    source: source.clone(),
                })
                .collect(),
        }),
    })
}

/// `FILE:LINE` back into an error location.
fn at_source(source: &str, what: Text) -> InputError {
    match source.rsplit_once(':').and_then(|(f, l)| Some((f, l.parse::<usize>().ok()?))) {
        Some((file, line)) => InputError::new(file, Some(line), what),
        None => InputError::new(source, None, what),
    }
}

/// The value when every node has the same one.
fn common<T: PartialEq + Clone>(reports: &[(Report, String)], f: impl Fn(&Report) -> Option<T>) -> Option<T> {
    let first = f(&reports.first()?.0);
    reports.iter().all(|(r, _)| f(r) == first).then_some(first).flatten()
}

/// How much a status needs attention, for the fleet's status of a check.
fn weight(s: Status) -> u8 {
    match s {
        Status::Fail => 4,
        Status::Warn => 3,
        Status::Skip => 2,
        Status::Manual => 1,
        Status::Pass => 0,
    }
}

/// One check per id, in the order the reports list them: the worst status of any node, each
/// node's status and message in the evidence.
fn merged_checks(reports: &[(Report, String)], fail_on: FailOn, lang: Lang) -> Vec<Check> {
    let mut ids: Vec<String> = Vec::new();
    for (r, _) in reports {
        for c in &r.checks {
            if !ids.contains(&c.id) {
                ids.push(c.id.clone());
            }
        }
    }
    ids.into_iter()
        .map(|id| {
            let per_node: Vec<(&str, &Check)> = reports
                .iter()
                .filter_map(|(r, _)| r.checks.iter().find(|c| c.id == id).map(|c| (r.vantage.hostname.as_str(), c)))
                .collect();
            let worst = per_node.iter().map(|(_, c)| c.status).max_by_key(|s| weight(*s)).unwrap_or(Status::Skip);
            let same = per_node.iter().all(|(_, c)| c.status == worst && c.message == per_node[0].1.message);
            // The nodes' messages are already in their run's language; the English one, when a
            // node gave it, makes the English of the fleet's message.
            let message_in = |english: bool| -> Text {
                let node_message = |c: &Check| {
                    Text::verbatim(if english { c.message_en.as_ref().unwrap_or(&c.message) } else { &c.message })
                };
                if same {
                    let on = if per_node.len() == 1 {
                        t!("fleet-one-node")
                    } else {
                        t!("fleet-all-nodes", n = per_node.len())
                    };
                    return t!(
                        "fleet-same-everywhere",
                        status = worst.as_str(),
                        on = on,
                        message = node_message(per_node[0].1)
                    );
                }
                let mut parts: Vec<Text> = per_node
                    .iter()
                    .filter(|(_, c)| c.status != Status::Pass)
                    .map(|(n, c)| {
                        t!("fleet-node-status", node = *n, status = c.status.as_str(), message = node_message(c))
                    })
                    .collect();
                let passing: Vec<Text> = per_node
                    .iter()
                    .filter(|(_, c)| c.status == Status::Pass)
                    .map(|(n, _)| Text::verbatim(*n))
                    .collect();
                if !passing.is_empty() {
                    parts.push(t!("fleet-pass-on", nodes = Text::join(passing, Sep::Comma)));
                }
                Text::join(parts, Sep::Semicolon)
            };
            let message = message_in(false).render(lang);
            let message_en = (lang != Lang::En).then(|| message_in(true).render(Lang::En));
            let mut remediation: Vec<String> = Vec::new();
            for (n, c) in &per_node {
                for step in &c.remediation {
                    let step = if per_node.len() > 1 && c.status != Status::Pass {
                        format!("{n}: {step}")
                    } else {
                        step.clone()
                    };
                    if !remediation.contains(&step) {
                        remediation.push(step);
                    }
                }
            }
            // Waived on the fleet only when every node that trips the gate has it waived.
            let tripping: Vec<&&Check> = per_node.iter().map(|(_, c)| c).filter(|c| fail_on.trips(c.status)).collect();
            let waived = if !tripping.is_empty() && tripping.iter().all(|c| c.waived.is_some()) {
                tripping[0].waived.clone()
            } else {
                None
            };
            let first = per_node[0].1;
            Check {
                id: id.clone(),
                category: first.category,
                title: first.title.clone(),
                status: worst,
                message,
                message_en,
                evidence: json!({"nodes": per_node.iter().map(|(n, c)| json!({
                    "node": n, "status": c.status, "message": c.message, "waived": c.waived,
                })).collect::<Vec<_>>()}),
                remediation,
                duration_ms: per_node.iter().map(|(_, c)| c.duration_ms).max().unwrap_or(0),
                input: first.input.clone(),
                waived,
            }
        })
        .collect()
}

/// `fleet.drift`: the settings that must be the same on every master, node by node.
fn drift(reports: &[(Report, String)], lang: Lang) -> Check {
    let mut differences: Vec<Text> = Vec::new();
    let mut evidence = serde_json::Map::new();
    let facts: Vec<(&str, NodeFacts)> =
        reports.iter().map(|(r, _)| (r.vantage.hostname.as_str(), r.node.clone().unwrap_or_default())).collect();
    let mut compare = |what: Text, key: &str, values: Vec<(&str, Option<String>)>| {
        evidence.insert(
            key.to_string(),
            json!(values.iter().map(|(n, v)| (n.to_string(), json!(v))).collect::<serde_json::Map<_, _>>()),
        );
        if let Some(d) = describe_difference(what, &values) {
            differences.push(d);
        }
    };
    compare(
        t!("fleet-what-version"),
        "kubernetes_version",
        facts.iter().map(|(n, f)| (*n, f.kubernetes_version.clone())).collect(),
    );
    compare(
        t!("fleet-what-policy"),
        "audit_policy_sha256",
        facts.iter().map(|(n, f)| (*n, f.audit_policy_sha256.as_ref().map(|h| h.chars().take(12).collect()))).collect(),
    );
    compare(
        t!("fleet-what-image"),
        "apiserver_image",
        facts.iter().map(|(n, f)| (*n, f.apiserver_image.clone())).collect(),
    );
    let flag_names: BTreeSet<&String> = facts.iter().flat_map(|(_, f)| f.audit_flags.keys()).collect();
    for name in flag_names {
        compare(
            Text::verbatim(format!("--{name}")),
            &format!("flag --{name}"),
            facts.iter().map(|(n, f)| (*n, f.audit_flags.get(name).cloned())).collect(),
        );
    }
    // The allowlist's verdict on each pool entry (DESIGN §4's documented evidence).
    let entries: BTreeSet<String> = reports.iter().flat_map(|(r, _)| allowlist(r).into_keys()).collect();
    for entry in entries {
        compare(
            t!("fleet-what-allowlist", entry = &entry),
            &format!("allowlist {entry}"),
            reports.iter().map(|(r, _)| (r.vantage.hostname.as_str(), allowlist(r).remove(&entry))).collect(),
        );
    }
    let evidence = Value::Object(evidence);
    let (status, message) = if reports.len() < 2 {
        (Status::Skip, t!("fleet-one-report"))
    } else if differences.is_empty() {
        (Status::Pass, t!("fleet-agree", n = reports.len()))
    } else {
        (Status::Fail, Text::join(differences, Sep::Semicolon))
    };
    let mut check = Check {
        id: DRIFT.to_string(),
        category: Category::Fleet,
        title: check_text(lang, DRIFT, None),
        status,
        message: message.render(lang),
        message_en: (lang != Lang::En).then(|| message.en()),
        evidence,
        remediation: Vec::new(),
        duration_ms: 0,
        input: None,
        waived: None,
    };
    if status == Status::Fail {
        check.remediation.push(t!("fleet-fix-drift").render(lang));
    }
    check
}

/// `master-3 has 1a2b3c… where master-1, master-2 have 9f8e7d…`, or `None` when every node has
/// the same value. The odd ones out are the nodes outside the largest group.
fn describe_difference(what: Text, values: &[(&str, Option<String>)]) -> Option<Text> {
    let mut groups: BTreeMap<Option<&String>, Vec<&str>> = BTreeMap::new();
    for (n, v) in values {
        groups.entry(v.as_ref()).or_default().push(n);
    }
    if groups.len() < 2 {
        return None;
    }
    let shown = |v: Option<&String>| v.map_or_else(|| t!("fleet-value-none"), |s| Text::verbatim(excerpt_of(s, 60)));
    let (major_value, major_nodes) =
        groups.iter().max_by_key(|(_, nodes)| nodes.len()).map(|(v, n)| (*v, n.clone()))?;
    let others: Vec<Text> = groups
        .iter()
        .filter(|(v, _)| **v != major_value)
        .map(|(v, nodes)| {
            t!(
                "fleet-nodes-have",
                nodes = Text::join(nodes.iter().map(|s| Text::verbatim(s.to_string())), Sep::Comma),
                n = nodes.len(),
                value = shown(*v)
            )
        })
        .collect();
    Some(t!(
        "fleet-differs",
        what = what,
        others = Text::join(others, Sep::Semicolon),
        majority = t!(
            "fleet-nodes-have",
            nodes = Text::join(major_nodes.iter().map(|s| Text::verbatim(s.to_string())), Sep::Comma),
            n = major_nodes.len(),
            value = shown(major_value)
        )
    ))
}

/// A report's `firewall.allowlist` verdicts by pool entry.
fn allowlist(r: &Report) -> BTreeMap<String, String> {
    r.checks
        .iter()
        .find(|c| c.id == "firewall.allowlist")
        .and_then(|c| c.evidence.get("entries"))
        .and_then(Value::as_array)
        .map(|entries| {
            entries
                .iter()
                .filter_map(|e| Some((e.get("entry")?.as_str()?.to_string(), e.get("verdict")?.as_str()?.to_string())))
                .collect()
        })
        .unwrap_or_default()
}
