//! Waivers: accepted risks with a reason and an expiry, so that a gate can pass without hiding a
//! check (`--skip` hides it). DESIGN §2.1: `--waivers FILE` (YAML or JSON: a list of
//! `{id, reason, expires}`, optional `node`) and `--waive ID=REASON@YYYY-MM-DD`.
//!
//! A waiver names a check id or a dotted prefix; its reason is required; it expires at the end
//! (23:59:59 UTC) of a day at most 365 days ahead, so that nobody waives a risk for good. An expired
//! waiver is ignored and reported; one that matches no check of the run is reported as stale.

use std::path::Path;
use std::time::SystemTime;

use serde::Deserialize;
use serde_saphyr::Spanned;

use crate::check::{Check, Waived, selects};
use crate::error::{Error, InputError};
use crate::hostfs::{self, Kind};
use crate::i18n::Text;
use crate::report::WaiverUse;
use crate::t;
use crate::units::{Date, unix_seconds};

/// How far ahead a waiver may expire.
pub const MAX_DAYS_AHEAD: i64 = 365;

/// One accepted risk.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Waiver {
    /// A check id or dotted prefix (`firewall`, `audit.log-written`).
    pub id: String,
    pub reason: String,
    pub expires: Date,
    /// Only on this host (the vantage's name, `--node`).
    pub node: Option<String>,
    /// `--waive`, or `FILE:LINE`.
    pub source: String,
}

/// `{waivers: [...]}`: the same list under a key, as JSON files often have it.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Wrapped {
    waivers: Vec<Entry>,
}

/// One waiver as written; each field keeps its line, so an error names the waiver's.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Entry {
    id: Option<Spanned<String>>,
    reason: Option<Spanned<String>>,
    expires: Option<Spanned<String>>,
    node: Option<Spanned<String>>,
}

impl Entry {
    /// The first line of the waiver: the first of its fields.
    fn line(&self) -> Option<usize> {
        [&self.id, &self.reason, &self.expires, &self.node]
            .into_iter()
            .flatten()
            .filter_map(|f| usize::try_from(f.referenced.line()).ok().filter(|l| *l > 0))
            .min()
    }
}

/// Checks a waiver's fields against the rules; `at` names it in errors.
fn validate(
    id: Option<String>,
    reason: Option<String>,
    expires: Option<&str>,
    today: Date,
    at: &dyn Fn(Text) -> Error,
) -> Result<(String, String, Date), Error> {
    let id = id.map(|s| s.trim().trim_end_matches('.').to_string()).filter(|s| !s.is_empty());
    let Some(id) = id else { return Err(at(t!("waiver-no-id"))) };
    if !id
        .split('.')
        .all(|seg| !seg.is_empty() && seg.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-'))
    {
        return Err(at(t!("waiver-bad-id", id = format!("{id:?}"))));
    }
    let reason = reason.map(|r| r.trim().to_string()).filter(|r| !r.is_empty());
    let Some(reason) = reason else {
        return Err(at(t!("waiver-no-reason", id = &id)));
    };
    let Some(expires) = expires.map(str::trim).filter(|e| !e.is_empty()) else {
        return Err(at(t!("waiver-no-expiry", id = &id, days = MAX_DAYS_AHEAD)));
    };
    let date = Date::parse(expires).map_err(|e| at(t!("waiver-bad-expiry", id = &id, why = e)))?;
    if date.days() - today.days() > MAX_DAYS_AHEAD {
        return Err(at(t!("waiver-too-far", id = &id, date = date.to_string(), days = MAX_DAYS_AHEAD)));
    }
    Ok((id, reason, date))
}

/// Reads a waivers file (YAML or JSON, which is YAML too).
pub fn read_file(path: &Path, today: Date) -> Result<Vec<Waiver>, Error> {
    let bytes = hostfs::read_file(path, Kind::Waivers)?;
    let text = hostfs::utf8(bytes, path, Kind::Waivers)?;
    if text.trim().is_empty() {
        return Ok(Vec::new());
    }
    // Two plain attempts rather than an untagged enum, which would lose the fields' lines.
    let entries = match serde_saphyr::from_str::<Vec<Entry>>(&text) {
        Ok(list) => list,
        Err(list_error) => match serde_saphyr::from_str::<Wrapped>(&text) {
            Ok(w) => w.waivers,
            Err(_) => {
                return Err(crate::yaml::yaml_error(path, &list_error, t!("waiver-file-expected")).into());
            }
        },
    };
    let mut out = Vec::new();
    for entry in entries {
        let line = entry.line();
        let source = match line {
            Some(l) => format!("{}:{l}", path.display()),
            None => path.display().to_string(),
        };
        let at = |what: Text| Error::Input(InputError::at(path, line, what));
        let value = |f: Option<Spanned<String>>| f.map(|s| s.value);
        let Entry { id, reason, expires, node } = entry;
        let expires = value(expires);
        let (id, reason, expires) = validate(value(id), value(reason), expires.as_deref(), today, &at)?;
        let node = value(node).map(|n| n.trim().to_string()).filter(|n| !n.is_empty());
        out.push(Waiver { id, reason, expires, node, source });
    }
    Ok(out)
}

/// Parses `--waive ID=REASON@YYYY-MM-DD` (the reason may hold `=` and `@`; the last `@` ends it).
pub fn parse_flag(text: &str, today: Date) -> Result<Waiver, Error> {
    let at = |what: Text| Error::Usage(t!("waiver-flag", value = format!("{text:?}"), what = what));
    let Some((id, rest)) = text.split_once('=') else {
        return Err(at(t!("waiver-flag-form")));
    };
    let (reason, expires) = match rest.rsplit_once('@') {
        Some((r, e)) => (r, Some(e)),
        None => (rest, None),
    };
    let (id, reason, expires) = validate(Some(id.to_string()), Some(reason.to_string()), expires, today, &at)?;
    Ok(Waiver { id, reason, expires, node: None, source: "--waive".into() })
}

/// Applies the waivers to the checks of a run on `node` at `now`: each check a live waiver
/// matches gains `waived` (the first waiver that matches it); returns what became of each waiver.
pub fn apply(checks: &mut [Check], waivers: &[Waiver], node: &str, now: SystemTime) -> Vec<WaiverUse> {
    let now = unix_seconds(now);
    waivers
        .iter()
        .map(|w| {
            let expired = w.expires.end_unix() < now;
            let other_node = w.node.as_deref().is_some_and(|n| n != node);
            let mut matched = Vec::new();
            if !other_node {
                for c in checks.iter_mut().filter(|c| selects(&w.id, &c.id)) {
                    matched.push(c.id.clone());
                    if !expired && c.waived.is_none() {
                        c.waived = Some(Waived {
                            reason: w.reason.clone(),
                            expires: w.expires.to_string(),
                            source: w.source.clone(),
                        });
                    }
                }
            }
            WaiverUse {
                id: w.id.clone(),
                reason: w.reason.clone(),
                expires: w.expires.to_string(),
                source: w.source.clone(),
                node: w.node.clone(),
                matched,
                expired,
                other_node,
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::check::{Category, Status};
    use std::time::{Duration, UNIX_EPOCH};

    fn today() -> Date {
        Date::parse("2026-12-01").expect("date")
    }

    fn check(id: &str, status: Status) -> Check {
        Check {
            id: id.into(),
            category: Category::Firewall,
            title: "t".into(),
            status,
            message: "m".into(),
            message_en: None,
            evidence: serde_json::Value::Null,
            remediation: vec![],
            duration_ms: 0,
            input: None,
            waived: None,
        }
    }

    #[test]
    fn flags_need_a_reason_and_an_expiry_within_a_year() {
        let w = parse_flag("firewall.allowlist=SLB ACL covers it, ticket OPS-12@2027-03-31", today()).expect("ok");
        assert_eq!(
            (w.id.as_str(), w.reason.as_str(), w.expires.to_string()),
            ("firewall.allowlist", "SLB ACL covers it, ticket OPS-12", "2027-03-31".into())
        );
        for (bad, why) in [
            ("firewall.allowlist@2027-01-01", "expected ID=REASON"),
            ("firewall.allowlist=@2027-01-01", "no reason"),
            ("firewall.allowlist=because", "no expiry"),
            ("firewall.allowlist=because@2027-02-30", "not a day"),
            ("firewall.allowlist=because@2028-01-01", "more than 365 days"),
            ("Firewall=because@2027-01-01", "not a check id"),
        ] {
            let e = parse_flag(bad, today()).expect_err(bad).to_string();
            assert!(e.contains(why), "{bad}: {e}");
        }
    }

    #[test]
    fn files_are_yaml_or_json_and_errors_name_the_line() {
        let dir = tempfile::tempdir().expect("tempdir");
        let yaml = dir.path().join("w.yaml");
        std::fs::write(&yaml, "- id: firewall.allowlist\n  reason: SLB ACL\n  expires: 2027-03-31\n- id: audit\n  reason: later\n  expires: '2027-01-15'\n  node: master-2\n").expect("write");
        let ws = read_file(&yaml, today()).expect("reads");
        assert_eq!(ws.len(), 2);
        assert_eq!(ws[1].node.as_deref(), Some("master-2"));
        assert!(ws[1].source.ends_with("w.yaml:4"), "{}", ws[1].source);
        let json = dir.path().join("w.json");
        std::fs::write(
            &json,
            r#"{"waivers": [{"id": "apiserver.icmp", "reason": "ICMP filtered", "expires": "2027-01-01"}]}"#,
        )
        .expect("write");
        assert_eq!(read_file(&json, today()).expect("json").len(), 1);
        std::fs::write(
            &yaml,
            "- id: firewall.allowlist\n  reason: ok\n  expires: 2027-03-31\n- id: audit\n  expires: 2027-01-15\n",
        )
        .expect("write");
        let e = read_file(&yaml, today()).expect_err("no reason").to_string();
        assert!(e.contains("w.yaml:4:") && e.contains("no reason"), "{e}");
        std::fs::write(&yaml, "- id: audit\n  reason: x\n  expiry: 2027-01-15\n").expect("write");
        assert!(read_file(&yaml, today()).is_err(), "a misspelt key is an error, not a waiver without expiry");
    }

    #[test]
    fn live_waivers_mark_checks_expired_ones_do_not() {
        let now = UNIX_EPOCH + Duration::from_secs(u64::try_from(today().end_unix()).expect("positive"));
        let mut checks = vec![check("firewall.allowlist", Status::Fail), check("firewall.exposure", Status::Warn)];
        let ws = vec![
            parse_flag("firewall.allowlist=accepted@2026-12-02", today()).expect("ok"),
            parse_flag("firewall=old@2026-11-30", today()).expect("ok"),
            parse_flag("audit=not run@2027-01-01", today()).expect("ok"),
            Waiver { node: Some("other".into()), ..parse_flag("firewall=theirs@2027-01-01", today()).expect("ok") },
        ];
        let uses = apply(&mut checks, &ws, "master-1", now);
        assert_eq!(checks[0].waived.as_ref().map(|w| w.reason.as_str()), Some("accepted"));
        assert!(checks[1].waived.is_none(), "the only waiver for it has expired");
        assert!(uses[1].expired && uses[1].matched.len() == 2);
        assert!(uses[2].stale() && !uses[3].stale(), "{uses:?}");
    }
}
