//! What people read in a terminal: the target, the checks that need attention (every check with
//! `-v`), the fixes, what the run could not see, and the verdict as the last line. Everything is
//! wrapped to the terminal's width at word boundaries; no border characters, so a narrow terminal
//! loses nothing but some line length.

use std::fmt::Write as _;

use crate::check::{Category, Check, Status, Verdict};
use crate::error::sanitize::terminal;
use crate::report::Report;
use crate::report::text::{hanging, pad, step, width, wrap};

/// Rendering choices that depend on where the output goes.
#[derive(Debug, Clone, Copy)]
pub struct Style {
    pub color: bool,
    /// Total width to wrap to.
    pub width: usize,
    /// Every check, passes included (`-v`).
    pub verbose: bool,
}

/// When stdout is not a terminal and `$COLUMNS` does not say.
pub const DEFAULT_WIDTH: usize = 100;

impl Style {
    /// Colour only on a terminal and only when `NO_COLOR` is unset (https://no-color.org); width
    /// from the terminal itself, else `$COLUMNS` (bash does not export it), else 100.
    pub fn detect(verbose: bool) -> Style {
        use std::io::IsTerminal;
        let tty = std::io::stdout().is_terminal();
        let no_color = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
        let from_terminal =
            if tty { terminal_size::terminal_size_of(std::io::stdout()).map(|(w, _)| usize::from(w.0)) } else { None };
        let width = from_terminal
            .or_else(|| std::env::var("COLUMNS").ok().and_then(|c| c.trim().parse().ok()))
            .filter(|w| *w >= 20)
            .unwrap_or(DEFAULT_WIDTH);
        Style { color: tty && !no_color, width, verbose }
    }
}

fn paint(text: &str, code: &str, style: Style) -> String {
    if style.color { format!("\x1b[{code}m{text}\x1b[0m") } else { text.to_string() }
}

fn status_code(status: Status) -> &'static str {
    match status {
        Status::Pass => "1;32",
        Status::Warn => "1;33",
        Status::Fail => "1;31",
        Status::Skip => "2",
        Status::Manual => "1;36",
    }
}

/// `FAIL`, or `FAIL (waived)` for an accepted risk.
pub fn status_label(check: &Check) -> String {
    let s = check.status.as_str().to_uppercase();
    if check.waived.is_some() { format!("{s} (waived)") } else { s }
}

/// Checks grouped by category, categories in order of first appearance.
pub fn grouped(checks: &[Check]) -> Vec<&Check> {
    let mut order: Vec<Category> = Vec::new();
    for c in checks {
        if !order.contains(&c.category) {
            order.push(c.category);
        }
    }
    order.iter().flat_map(|cat| checks.iter().filter(move |c| c.category == *cat)).collect()
}

/// Appends lines; whatever they quote (a server's answer, a rule's comment) cannot drive the
/// terminal: control characters are shown escaped.
fn push_lines(out: &mut String, lines: Vec<String>) {
    for line in lines {
        out.push_str(terminal(&line).trim_end());
        out.push('\n');
    }
}

pub fn render(report: &Report, style: Style) -> String {
    let w = style.width;
    let mut out = String::new();
    let t = &report.target;
    let region = match (&t.region, &t.region_name) {
        (Some(id), Some(name)) => format!("{id} ({name})"),
        _ => "no region".into(),
    };
    let network = match &t.network {
        Some(n) => format!("{n} ({}: {})", t.network_source, t.network_reason),
        None => format!("unknown ({})", t.network_reason),
    };
    let head = format!("k8sjoin-check {} · region {region} · network {network}", report.tool.version);
    push_lines(&mut out, hanging(&head, w, "", "  "));
    if let Some(api) = &t.apiserver {
        let via = t.forwarder.as_ref().map(|f| format!(" via forwarder {f}")).unwrap_or_default();
        push_lines(&mut out, hanging(&format!("API server {api}{via}"), w, "", "  "));
    }
    let addrs: Vec<String> = report.vantage.addresses.iter().map(ToString::to_string).collect();
    let vantage = match &report.fleet {
        Some(fleet) => {
            let nodes: Vec<String> = fleet.nodes.iter().map(|n| format!("{} {}", n.node, n.verdict.shout())).collect();
            format!("fleet of {} nodes (results are true from each node): {}", fleet.nodes.len(), nodes.join(", "))
        }
        None => format!(
            "vantage: {}{} (results are true from this host)",
            report.vantage.hostname,
            if addrs.is_empty() { String::new() } else { format!(" [{}]", addrs.join(", ")) }
        ),
    };
    push_lines(&mut out, hanging(&vantage, w, "", "  "));
    out.push('\n');

    let all = grouped(&report.checks);
    let shown: Vec<&Check> =
        all.iter().copied().filter(|c| style.verbose || c.status != Status::Pass || c.waived.is_some()).collect();
    let passed: Vec<&str> = all.iter().filter(|c| !shown.iter().any(|s| s.id == c.id)).map(|c| c.id.as_str()).collect();
    if !shown.is_empty() {
        rows(&mut out, &shown, style);
    }
    if !passed.is_empty() {
        let text = format!("passed ({}): {}", passed.len(), passed.join(", "));
        push_lines(&mut out, hanging(&text, w, "", "  "));
    }

    let to_fix: Vec<&Check> = all
        .iter()
        .copied()
        .filter(|c| matches!(c.status, Status::Fail | Status::Warn | Status::Manual) && !c.remediation.is_empty())
        .collect();
    if !to_fix.is_empty() {
        out.push_str("\nWhat to do:\n");
        for check in to_fix {
            let _ = writeln!(out, "  {} [{}]", terminal(&check.id), status_label(check).to_lowercase());
            for fix in &check.remediation {
                push_lines(&mut out, step(fix, w, "    - ", "      "));
            }
        }
    }
    let s = &report.summary;
    if !s.incomplete.is_empty() {
        out.push_str("\nDid not run (required for a verdict):\n");
        // Checks that wait for the same input are one line: the cause's reason, every id.
        let mut needs: Vec<&str> = Vec::new();
        for i in &s.incomplete {
            if !needs.contains(&i.needs.as_str()) {
                needs.push(&i.needs);
            }
        }
        for need in needs {
            let group: Vec<&crate::report::Incomplete> = s.incomplete.iter().filter(|i| i.needs == need).collect();
            let ids: Vec<&str> = group.iter().map(|i| i.id.as_str()).collect();
            push_lines(&mut out, hanging(&format!("{}: {}", ids.join(", "), group[0].reason), w, "  - ", "    "));
            push_lines(&mut out, hanging(&format!("give: {need}"), w, "    ", "      "));
        }
    }
    let notes: Vec<String> = s
        .waivers
        .iter()
        .filter_map(|u| {
            if u.expired {
                Some(format!(
                    "{} ({}) expired on {}: ignored, the checks it names count again",
                    u.id, u.source, u.expires
                ))
            } else if u.stale() {
                Some(format!("{} ({}) matches no check of this run: stale, remove it", u.id, u.source))
            } else {
                None
            }
        })
        .collect();
    if !notes.is_empty() {
        out.push_str("\nWaivers:\n");
        for n in notes {
            push_lines(&mut out, hanging(&n, w, "  - ", "    "));
        }
    }
    if !report.vantage.cannot_see.is_empty() {
        out.push_str("\nNot visible from this host:\n");
        for blind in &report.vantage.cannot_see {
            push_lines(&mut out, hanging(blind, w, "  - ", "    "));
        }
    }
    let counts = format!(
        "{} pass, {} warn, {} fail, {} skip, {} manual · gate {} (--fail-on {})",
        s.pass,
        s.warn,
        s.fail,
        s.skip,
        s.manual,
        s.gate.as_str().to_uppercase(),
        s.fail_on.as_str()
    );
    out.push('\n');
    push_lines(&mut out, hanging(&counts, w, "", "  "));
    let verdict = paint(s.verdict.shout(), verdict_code(s.verdict), style);
    let _ = writeln!(out, "{verdict}: {}", last_line(report));
    out
}

fn verdict_code(v: Verdict) -> &'static str {
    match v {
        Verdict::Ready => "1;32",
        Verdict::NotReady => "1;31",
        Verdict::Incomplete => "1;33",
    }
}

/// The last line after the verdict: short, because it is what a tired reader sees first.
fn last_line(report: &Report) -> String {
    let s = &report.summary;
    let exit = if s.verdict == Verdict::Incomplete && s.exit_code == 0 {
        "exit 0 (--allow-incomplete)".to_string()
    } else {
        format!("exit {}", s.exit_code)
    };
    let tripping = report.checks.iter().filter(|c| c.trips(s.fail_on)).count();
    let why = match s.verdict {
        Verdict::NotReady if tripping == 1 => {
            let id = report.checks.iter().find(|c| c.trips(s.fail_on)).map_or("", |c| c.id.as_str());
            format!("{id} fails the gate")
        }
        Verdict::NotReady => format!("{tripping} checks fail the gate (see above)"),
        Verdict::Incomplete => match (&s.stopped, s.incomplete.len()) {
            (Some(stopped), _) => format!("{stopped} before every check finished"),
            (None, 1) => format!("{} did not run (see above)", s.incomplete[0].id),
            (None, n) => format!("{n} required checks did not run (see above)"),
        },
        Verdict::Ready => "every required check ran and nothing fails the gate".to_string(),
    };
    format!("{why}; {exit}")
}

/// The checks as rows: status, id, message (and with `-v` the time), wrapped within the width.
fn rows(out: &mut String, checks: &[&Check], style: Style) {
    const GAP: usize = 2;
    // `12345 ms`: eight columns for checks under 100 s.
    const TIME_W: usize = 8;
    let status_w = checks.iter().map(|c| width(&status_label(c))).max().unwrap_or(4).max("STATUS".len());
    let id_w = checks.iter().map(|c| width(&c.id)).max().unwrap_or(5).max("CHECK".len());
    let left_w = status_w + GAP + id_w + GAP;
    let time_w = if style.verbose { GAP + TIME_W } else { 0 };
    // Too narrow for the message beside the id: it goes on the lines below, indented.
    let (message_w, below) = match style.width.checked_sub(left_w + time_w) {
        Some(m) if m >= 24 => (m, false),
        _ => (style.width.saturating_sub(4).max(20), true),
    };
    let time =
        |c: &Check| if style.verbose { format!("{}{:>5} ms", " ".repeat(GAP), c.duration_ms) } else { String::new() };
    let mut header = format!("{}{}", pad("STATUS", status_w + GAP), pad("CHECK", id_w + GAP));
    if !below {
        header.push_str(&pad("MESSAGE", message_w));
        if style.verbose {
            header.push_str(&format!("{}{:>8}", " ".repeat(GAP), "TIME"));
        }
    }
    out.push_str(header.trim_end());
    out.push('\n');
    for c in checks {
        let label = status_label(c);
        let status =
            format!("{}{}", paint(&label, status_code(c.status), style), " ".repeat(status_w + GAP - width(&label)));
        let lines = wrap(&terminal(&c.message), message_w);
        if below {
            let _ = writeln!(out, "{status}{}{}", c.id, time(c));
            for l in lines {
                let _ = writeln!(out, "    {l}");
            }
            continue;
        }
        for (i, l) in lines.iter().enumerate() {
            let line = if i == 0 {
                format!("{status}{}{}{}", pad(&c.id, id_w + GAP), pad(l, message_w), time(c))
            } else {
                format!("{}{l}", " ".repeat(left_w))
            };
            out.push_str(line.trim_end());
            out.push('\n');
        }
    }
}
