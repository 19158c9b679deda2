//! Markdown for tickets: a summary line and one table row per check.

use std::fmt::Write as _;

use crate::check::Status;
use crate::report::Report;
use crate::report::table::grouped;

pub fn render(report: &Report) -> String {
    let s = &report.summary;
    let t = &report.target;
    let mut out = String::new();
    let region = match (&t.region, &t.region_name) {
        (Some(id), Some(name)) => format!("`{id}` ({name})"),
        _ => "no region".into(),
    };
    let _ = writeln!(
        out,
        "**{}** · **k8sjoin-check {}**: gate **{}** (--fail-on {}) · {} pass, {} warn, {} fail, {} skip, {} manual · region {region} · network {} · vantage `{}` · {}",
        s.verdict.shout(),
        report.tool.version,
        s.gate.as_str().to_uppercase(),
        s.fail_on.as_str(),
        s.pass,
        s.warn,
        s.fail,
        s.skip,
        s.manual,
        t.network.as_deref().unwrap_or("unknown"),
        cell(&report.vantage.hostname),
        report.started_at,
    );
    out.push('\n');
    out.push_str("| status | check | message | what to do |\n|---|---|---|---|\n");
    for c in grouped(&report.checks) {
        let status = match c.status {
            Status::Pass => "✅ pass",
            Status::Warn => "⚠️ warn",
            Status::Fail => "❌ fail",
            Status::Skip => "⏭️ skip",
            Status::Manual => "👤 manual",
        };
        let status = match &c.waived {
            Some(w) => format!("{status} (waived until {}: {})", w.expires, cell(&w.reason)),
            None => status.to_string(),
        };
        let fixes: Vec<String> = c.remediation.iter().map(|r| cell(r)).collect();
        let _ = writeln!(out, "| {status} | `{}` | {} | {} |", c.id, cell(&c.message), fixes.join("<br>"));
    }
    out.push('\n');
    let _ = writeln!(out, "**{}**: {}", s.verdict.shout(), cell(&s.because(&report.checks)));
    for i in &s.incomplete {
        let _ = writeln!(out, "- `{}` did not run: {} — give {}", i.id, cell(&i.reason), cell(&i.needs));
    }
    for u in s.waivers.iter().filter(|u| u.expired || u.stale()) {
        let what =
            if u.expired { format!("expired on {}: ignored", u.expires) } else { "matches no check: stale".into() };
        let _ = writeln!(out, "- waiver `{}` ({}) {what}", u.id, cell(&u.source));
    }
    out
}

/// Makes text safe inside one table cell: no pipes or line breaks that would end the row.
fn cell(text: &str) -> String {
    crate::error::sanitize::terminal(text)
        .replace('\\', "\\\\")
        .replace('|', "\\|")
        .replace("\r\n", "<br>")
        .replace('\n', "<br>")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cells_cannot_break_rows() {
        assert_eq!(cell("a|b\nc"), "a\\|b<br>c");
    }
}
