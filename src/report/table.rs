//! What people read in a terminal: the target, the checks that need attention (every check with
//! `-v`), the fixes, what the run could not see, and the verdict as the last line. Everything is
//! wrapped to the terminal's width at word boundaries; no border characters, so a narrow terminal
//! loses nothing but some line length.

use std::fmt::Write as _;

use crate::check::{Category, Check, Status, Verdict};
use crate::error::sanitize::terminal;
use crate::i18n::{Lang, Sep, Text};
use crate::report::Report;
use crate::report::text::{hanging, pad, step, width, wrap};
use crate::t;

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

/// `FAIL`, or `FAIL (waived)` for an accepted risk. The status itself is never translated: it is
/// what scripts and people grep for.
pub fn status_label(check: &Check, lang: Lang) -> String {
    let s = check.status.as_str().to_uppercase();
    if check.waived.is_some() { t!("table-waived-status", status = s).render(lang) } else { s }
}

/// The verdict as the last line starts: `READY`, `NOT READY`, `INCOMPLETE` (or their Chinese).
pub fn shout(verdict: Verdict, lang: Lang) -> String {
    match verdict {
        Verdict::Ready => t!("verdict-ready"),
        Verdict::NotReady => t!("verdict-not-ready"),
        Verdict::Incomplete => t!("verdict-incomplete"),
    }
    .render(lang)
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

pub fn render(report: &Report, style: Style, lang: Lang) -> String {
    let w = style.width;
    let mut out = String::new();
    let t = &report.target;
    let region = match (&t.region, &t.region_name) {
        (Some(id), Some(name)) => t!("table-region", region = format!("{id} ({name})")),
        _ => t!("table-no-region"),
    };
    let network = match &t.network {
        Some(n) => {
            let source = match t.network_source.as_str() {
                "flag" => t!("table-network-source-flag"),
                _ => t!("table-network-source-inferred"),
            };
            t!("table-network", network = n.as_str(), source = source, reason = &t.network_reason)
        }
        None => t!("table-network-unknown", reason = &t.network_reason),
    };
    let head = t!("table-head", version = &report.tool.version, region = region, network = network).render(lang);
    push_lines(&mut out, hanging(&head, w, "", "  "));
    if let Some(api) = &t.apiserver {
        let line = match &t.forwarder {
            Some(f) => t!("table-apiserver-via", apiserver = api, forwarder = f),
            None => t!("table-apiserver", apiserver = api),
        };
        push_lines(&mut out, hanging(&line.render(lang), w, "", "  "));
    }
    let addrs: Vec<String> = report.vantage.addresses.iter().map(ToString::to_string).collect();
    let vantage = match &report.fleet {
        Some(fleet) => {
            let nodes = Text::join(
                fleet.nodes.iter().map(|n| Text::verbatim(format!("{} {}", n.node, shout(n.verdict, lang)))),
                Sep::Comma,
            );
            t!("table-fleet", n = fleet.nodes.len(), nodes = nodes)
        }
        None => t!(
            "table-vantage",
            host = &report.vantage.hostname,
            addresses = if addrs.is_empty() { String::new() } else { format!(" [{}]", addrs.join(", ")) }
        ),
    };
    push_lines(&mut out, hanging(&vantage.render(lang), w, "", "  "));
    out.push('\n');

    let all = grouped(&report.checks);
    let shown: Vec<&Check> =
        all.iter().copied().filter(|c| style.verbose || c.status != Status::Pass || c.waived.is_some()).collect();
    let passed: Vec<&str> = all.iter().filter(|c| !shown.iter().any(|s| s.id == c.id)).map(|c| c.id.as_str()).collect();
    if !shown.is_empty() {
        rows(&mut out, &shown, style, lang);
    }
    if !passed.is_empty() {
        let text = t!(
            "table-passed",
            n = passed.len(),
            checks = Text::join(passed.iter().map(|id| Text::verbatim(*id)), Sep::Comma)
        )
        .render(lang);
        push_lines(&mut out, hanging(&text, w, "", "  "));
    }

    let to_fix: Vec<&Check> = all
        .iter()
        .copied()
        .filter(|c| matches!(c.status, Status::Fail | Status::Warn | Status::Manual) && !c.remediation.is_empty())
        .collect();
    if !to_fix.is_empty() {
        let _ = writeln!(out, "\n{}", t!("table-what-to-do").render(lang));
        for check in to_fix {
            let _ = writeln!(out, "  {} [{}]", terminal(&check.id), status_label(check, lang).to_lowercase());
            for fix in &check.remediation {
                push_lines(&mut out, step(fix, w, "    - ", "      "));
            }
        }
    }
    let s = &report.summary;
    if !s.incomplete.is_empty() {
        let _ = writeln!(out, "\n{}", t!("table-did-not-run").render(lang));
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
            let line = Text::join(
                [Text::join(ids.into_iter().map(Text::verbatim), Sep::Comma), Text::verbatim(&group[0].reason)],
                Sep::Colon,
            );
            push_lines(&mut out, hanging(&line.render(lang), w, "  - ", "    "));
            push_lines(&mut out, hanging(&t!("table-give", input = need).render(lang), w, "    ", "      "));
        }
    }
    let notes: Vec<String> = s
        .waivers
        .iter()
        .filter_map(|u| {
            if u.expired {
                Some(t!("table-waiver-expired", id = &u.id, source = &u.source, expires = &u.expires).render(lang))
            } else if u.stale() {
                Some(t!("table-waiver-stale", id = &u.id, source = &u.source).render(lang))
            } else {
                None
            }
        })
        .collect();
    if !notes.is_empty() {
        let _ = writeln!(out, "\n{}", t!("table-waivers").render(lang));
        for n in notes {
            push_lines(&mut out, hanging(&n, w, "  - ", "    "));
        }
    }
    if !report.vantage.cannot_see.is_empty() {
        let _ = writeln!(out, "\n{}", t!("table-not-visible").render(lang));
        for blind in &report.vantage.cannot_see {
            push_lines(&mut out, hanging(blind, w, "  - ", "    "));
        }
    }
    let counts = t!(
        "table-counts",
        pass = s.pass,
        warn = s.warn,
        fail = s.fail,
        skip = s.skip,
        manual = s.manual,
        gate = s.gate.as_str().to_uppercase(),
        fail_on = s.fail_on.as_str()
    )
    .render(lang);
    out.push('\n');
    push_lines(&mut out, hanging(&counts, w, "", "  "));
    let verdict = paint(&shout(s.verdict, lang), verdict_code(s.verdict), style);
    let _ = writeln!(out, "{verdict}{}{}", crate::i18n::separator(lang, Sep::Colon), last_line(report).render(lang));
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
fn last_line(report: &Report) -> Text {
    let s = &report.summary;
    let exit = if s.verdict == Verdict::Incomplete && s.exit_code == 0 {
        t!("verdict-exit-allowed")
    } else {
        t!("verdict-exit", code = s.exit_code)
    };
    let tripping = report.checks.iter().filter(|c| c.trips(s.fail_on)).count();
    let why = match s.verdict {
        Verdict::NotReady if tripping == 1 => {
            let id = report.checks.iter().find(|c| c.trips(s.fail_on)).map_or("", |c| c.id.as_str());
            t!("verdict-one-fails", id = id)
        }
        Verdict::NotReady => t!("verdict-many-fail", n = tripping),
        Verdict::Incomplete => match (&s.stopped, s.incomplete.len()) {
            (Some(stopped), _) => t!("verdict-stopped", stopped = stopped),
            (None, 1) => t!("verdict-one-did-not-run", id = &s.incomplete[0].id),
            (None, n) => t!("verdict-many-did-not-run", n = n),
        },
        Verdict::Ready => t!("verdict-ready-because"),
    };
    Text::join([why, exit], Sep::Semicolon)
}

/// The checks as rows: status, id, message (and with `-v` the time), wrapped within the width.
fn rows(out: &mut String, checks: &[&Check], style: Style, lang: Lang) {
    const GAP: usize = 2;
    // `12345 ms`: eight columns for checks under 100 s.
    const TIME_W: usize = 8;
    let [status_h, check_h, message_h, time_h] =
        ["table-header-status", "table-header-check", "table-header-message", "table-header-time"]
            .map(|id| crate::i18n::message(lang, id));
    let status_w = checks.iter().map(|c| width(&status_label(c, lang))).max().unwrap_or(4).max(width(&status_h));
    let id_w = checks.iter().map(|c| width(&c.id)).max().unwrap_or(5).max(width(&check_h));
    let left_w = status_w + GAP + id_w + GAP;
    let time_w = if style.verbose { GAP + TIME_W } else { 0 };
    // Too narrow for the message beside the id: it goes on the lines below, indented.
    let (message_w, below) = match style.width.checked_sub(left_w + time_w) {
        Some(m) if m >= 24 => (m, false),
        _ => (style.width.saturating_sub(4).max(20), true),
    };
    let time =
        |c: &Check| if style.verbose { format!("{}{:>5} ms", " ".repeat(GAP), c.duration_ms) } else { String::new() };
    let mut header = format!("{}{}", pad(&status_h, status_w + GAP), pad(&check_h, id_w + GAP));
    if !below {
        header.push_str(&pad(&message_h, message_w));
        if style.verbose {
            header.push_str(&format!("{}{}", " ".repeat(GAP + TIME_W.saturating_sub(width(&time_h))), time_h));
        }
    }
    out.push_str(header.trim_end());
    out.push('\n');
    for c in checks {
        let label = status_label(c, lang);
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
