//! JUnit XML for CI systems: one testsuite per category, one testcase per check.
//!
//! `fail` becomes `<failure>` (and `warn` too under `--fail-on warn`, so the CI view matches the
//! exit code); `skip` and `manual` become `<skipped>`. The message and remediation go into the body.

use std::fmt::Write as _;

use crate::check::{Check, Status};
use crate::report::Report;
use crate::report::table::grouped;

pub fn render(report: &Report) -> String {
    let is_failure = |c: &Check| report.summary.fail_on.trips(c.status);
    let is_skipped = |c: &Check| matches!(c.status, Status::Skip | Status::Manual);
    let checks = grouped(&report.checks);
    let mut out = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    let total_failures = checks.iter().filter(|c| is_failure(c)).count();
    let total_skipped = checks.iter().filter(|c| is_skipped(c)).count();
    let _ = writeln!(
        out,
        "<testsuites name=\"k8sjoin-check\" tests=\"{}\" failures=\"{total_failures}\" skipped=\"{total_skipped}\" errors=\"0\" time=\"{}\" timestamp=\"{}\">",
        checks.len(),
        seconds(report.duration_ms),
        escape(&report.started_at)
    );
    let mut i = 0;
    while i < checks.len() {
        let category = checks[i].category;
        let suite: Vec<&Check> = checks[i..].iter().take_while(|c| c.category == category).copied().collect();
        i += suite.len();
        let time: u64 = suite.iter().map(|c| c.duration_ms).sum();
        let _ = writeln!(
            out,
            "  <testsuite name=\"{category}\" tests=\"{}\" failures=\"{}\" skipped=\"{}\" errors=\"0\" time=\"{}\">",
            suite.len(),
            suite.iter().filter(|c| is_failure(c)).count(),
            suite.iter().filter(|c| is_skipped(c)).count(),
            seconds(time)
        );
        for c in suite {
            let _ = writeln!(
                out,
                "    <testcase classname=\"k8sjoin-check.{category}\" name=\"{}\" time=\"{}\">",
                escape(&c.id),
                seconds(c.duration_ms)
            );
            let body = body(c);
            if is_failure(c) {
                let _ = writeln!(
                    out,
                    "      <failure type=\"{}\" message=\"{}\">{}</failure>",
                    c.status,
                    escape(&c.message),
                    escape(&body)
                );
            } else if is_skipped(c) {
                let _ = writeln!(out, "      <skipped message=\"{}: {}\"/>", c.status, escape(&c.message));
            }
            let _ = writeln!(out, "      <system-out>{}</system-out>", escape(&format!("{}: {}", c.status, c.message)));
            out.push_str("    </testcase>\n");
        }
        out.push_str("  </testsuite>\n");
    }
    out.push_str("</testsuites>\n");
    out
}

fn body(c: &Check) -> String {
    let mut b = c.message.clone();
    if !c.remediation.is_empty() {
        b.push_str("\n\nWhat to do:\n");
        for step in &c.remediation {
            b.push_str("- ");
            b.push_str(step);
            b.push('\n');
        }
    }
    b
}

fn seconds(ms: u64) -> String {
    format!("{}.{:03}", ms / 1000, ms % 1000)
}

/// Escapes text for XML attributes and content; drops characters XML 1.0 cannot carry at all.
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\n' => out.push_str("&#10;"),
            '\t' | '\r' => out.push(' '),
            c if (c as u32) < 0x20 || c == '\u{FFFE}' || c == '\u{FFFF}' => out.push('\u{FFFD}'),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escape_handles_markup_and_control_characters() {
        assert_eq!(escape("a<b>&\"c'\u{1}"), "a&lt;b&gt;&amp;&quot;c&apos;\u{FFFD}");
    }
}
