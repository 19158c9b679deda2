//! JUnit XML for CI systems, written with quick-junit (nextest's: structure, counts and escaping
//! are its business): one testsuite per category, one testcase per check.
//!
//! A check that trips the gate is a `<failure>` (so `warn` is one under `--fail-on warn`, and the CI
//! view matches the exit code); `skip` and `manual` are `<skipped>`; a waived check is no failure,
//! and says in its `system-out` which waiver accepted it.

use std::time::Duration;

use quick_junit::{NonSuccessKind, Report as Junit, TestCase, TestCaseStatus, TestSuite};

use crate::check::{Check, Status};
use crate::i18n::Lang;
use crate::report::Report;
use crate::report::table::grouped;
use crate::t;

pub fn render(report: &Report, lang: Lang) -> String {
    let fail_on = report.summary.fail_on;
    let mut junit = Junit::new("k8sjoin-check");
    junit.set_time(Duration::from_millis(report.duration_ms));
    if let Ok(t) = chrono::DateTime::parse_from_rfc3339(&report.started_at) {
        junit.set_timestamp(t);
    }
    let checks = grouped(&report.checks);
    let mut i = 0;
    while i < checks.len() {
        let category = checks[i].category;
        let members: Vec<&Check> = checks[i..].iter().take_while(|c| c.category == category).copied().collect();
        i += members.len();
        let mut suite = TestSuite::new(category.as_str());
        suite.set_time(Duration::from_millis(members.iter().map(|c| c.duration_ms).sum()));
        for c in members {
            let status = if c.trips(fail_on) {
                let mut s = TestCaseStatus::non_success(NonSuccessKind::Failure);
                s.set_type(c.status.as_str()).set_message(c.message.as_str()).set_description(body(c, lang));
                s
            } else if matches!(c.status, Status::Skip | Status::Manual) {
                let mut s = TestCaseStatus::skipped();
                s.set_message(format!("{}: {}", c.status, c.message));
                s
            } else {
                TestCaseStatus::success()
            };
            let mut case = TestCase::new(c.id.as_str(), status);
            case.set_classname(format!("k8sjoin-check.{category}")).set_time(Duration::from_millis(c.duration_ms));
            let mut out = format!("{}: {}", c.status, c.message);
            if let Some(w) = &c.waived {
                let line = t!("junit-waived", expires = &w.expires, source = &w.source, reason = &w.reason);
                out.push_str(&format!("\n{}", line.render(lang)));
            }
            case.set_system_out(out);
            suite.add_test_case(case);
        }
        junit.add_test_suite(suite);
    }
    // Serializing plain data into memory cannot fail; an error is still a readable document.
    junit.to_string().unwrap_or_else(|e| format!("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<!-- {e} -->\n"))
}

fn body(c: &Check, lang: Lang) -> String {
    let mut b = c.message.clone();
    if !c.remediation.is_empty() {
        b.push_str(&format!("\n\n{}\n", crate::i18n::message(lang, "table-what-to-do")));
        for step in &c.remediation {
            b.push_str("- ");
            b.push_str(step);
            b.push('\n');
        }
    }
    b
}
