//! Markdown for tickets: a summary line and one table row per check.

use std::fmt::Write as _;

use crate::check::Status;
use crate::i18n::{Lang, Sep, separator};
use crate::report::Report;
use crate::report::table::{grouped, shout};
use crate::t;

pub fn render(report: &Report, lang: Lang) -> String {
    let s = &report.summary;
    let t = &report.target;
    let mut out = String::new();
    let region = match (&t.region, &t.region_name) {
        (Some(id), Some(name)) => format!("`{id}` ({name})"),
        _ => crate::i18n::message(lang, "table-no-region"),
    };
    let head = t!(
        "markdown-head",
        verdict = shout(s.verdict, lang),
        version = &report.tool.version,
        gate = s.gate.as_str().to_uppercase(),
        fail_on = s.fail_on.as_str(),
        pass = s.pass,
        warn = s.warn,
        fail = s.fail,
        skip = s.skip,
        manual = s.manual,
        region = region,
        network = t.network.clone().unwrap_or_else(|| crate::i18n::message(lang, "markdown-network-unknown")),
        vantage = cell(&report.vantage.hostname),
        started = &report.started_at
    );
    let _ = writeln!(out, "{}", head.render(lang));
    out.push('\n');
    let _ = writeln!(out, "{}\n|---|---|---|---|", crate::i18n::message(lang, "markdown-columns"));
    for c in grouped(&report.checks) {
        let status = match c.status {
            Status::Pass => "✅ pass",
            Status::Warn => "⚠️ warn",
            Status::Fail => "❌ fail",
            Status::Skip => "⏭️ skip",
            Status::Manual => "👤 manual",
        };
        let status = match &c.waived {
            Some(w) => {
                t!("markdown-waived", status = status, expires = &w.expires, reason = cell(&w.reason)).render(lang)
            }
            None => status.to_string(),
        };
        let fixes: Vec<String> = c.remediation.iter().map(|r| cell(r)).collect();
        let _ = writeln!(out, "| {status} | `{}` | {} | {} |", c.id, cell(&c.message), fixes.join("<br>"));
    }
    out.push('\n');
    let _ = writeln!(
        out,
        "**{}**{}{}",
        shout(s.verdict, lang),
        separator(lang, Sep::Colon),
        cell(&s.because(&report.checks, lang))
    );
    for i in &s.incomplete {
        let line = t!("markdown-did-not-run", id = &i.id, reason = cell(&i.reason), input = cell(&i.needs));
        let _ = writeln!(out, "- {}", line.render(lang));
    }
    for u in s.waivers.iter().filter(|u| u.expired || u.stale()) {
        let line = if u.expired {
            t!("markdown-waiver-expired", id = &u.id, source = cell(&u.source), expires = &u.expires)
        } else {
            t!("markdown-waiver-stale", id = &u.id, source = cell(&u.source))
        };
        let _ = writeln!(out, "- {}", line.render(lang));
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
