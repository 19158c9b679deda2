//! The table people read in a terminal: checks grouped by category, a coloured status column,
//! the fixes for what needs fixing, and a summary line.

use std::fmt::Write as _;

use comfy_table::{Attribute, Cell, CellAlignment, Color, ContentArrangement, Table, presets};

use crate::check::{Check, Gate, Status};
use crate::report::Report;

/// Rendering choices that depend on where the output goes.
#[derive(Debug, Clone, Copy)]
pub struct Style {
    pub color: bool,
    /// Total width to wrap the table to.
    pub width: u16,
}

impl Style {
    /// Colour only on a terminal and only when `NO_COLOR` is unset (https://no-color.org);
    /// width from `COLUMNS`, the terminal, or 120.
    pub fn detect() -> Style {
        use std::io::IsTerminal;
        let tty = std::io::stdout().is_terminal();
        let no_color = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
        let width = std::env::var("COLUMNS").ok().and_then(|c| c.parse().ok()).unwrap_or(120);
        Style { color: tty && !no_color, width }
    }
}

fn status_color(status: Status) -> Color {
    match status {
        Status::Pass => Color::Green,
        Status::Warn => Color::Yellow,
        Status::Fail => Color::Red,
        Status::Skip => Color::DarkGrey,
        Status::Manual => Color::Cyan,
    }
}

/// Checks grouped by category, categories in order of first appearance.
pub fn grouped(checks: &[Check]) -> Vec<&Check> {
    let mut order: Vec<crate::check::Category> = Vec::new();
    for c in checks {
        if !order.contains(&c.category) {
            order.push(c.category);
        }
    }
    order.iter().flat_map(|cat| checks.iter().filter(move |c| c.category == *cat)).collect()
}

pub fn render(report: &Report, style: Style) -> String {
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
    let _ = writeln!(out, "k8sjoin-check {} · region {region} · network {network}", report.tool.version);
    if let Some(api) = &t.apiserver {
        let _ = write!(out, "API server {api}");
        if let Some(fw) = &t.forwarder {
            let _ = write!(out, " via forwarder {fw}");
        }
        out.push('\n');
    }
    let addrs: Vec<String> = report.vantage.addresses.iter().map(ToString::to_string).collect();
    let _ = writeln!(
        out,
        "vantage: {}{} (results are true from this host)",
        report.vantage.hostname,
        if addrs.is_empty() { String::new() } else { format!(" [{}]", addrs.join(", ")) }
    );

    let mut table = Table::new();
    table
        .load_style(presets::UTF8_FULL_CONDENSED)
        .set_content_arrangement(ContentArrangement::Dynamic)
        .set_width(style.width);
    if style.color {
        table.enforce_styling();
    } else {
        table.force_no_tty();
    }
    table.set_header(["category", "check", "status", "message", "time"]);
    let mut last = None;
    for check in grouped(&report.checks) {
        let category = if last == Some(check.category) { String::new() } else { check.category.to_string() };
        last = Some(check.category);
        let mut status = Cell::new(check.status.as_str().to_uppercase());
        if style.color {
            status = status.fg(status_color(check.status)).add_attribute(Attribute::Bold);
        }
        table.add_row(vec![
            Cell::new(category),
            Cell::new(&check.id),
            status,
            Cell::new(&check.message),
            Cell::new(format!("{:>5} ms", check.duration_ms)).set_alignment(CellAlignment::Right),
        ]);
    }
    let _ = writeln!(out, "{table}");

    let to_fix: Vec<&Check> = grouped(&report.checks)
        .into_iter()
        .filter(|c| matches!(c.status, Status::Fail | Status::Warn | Status::Manual) && !c.remediation.is_empty())
        .collect();
    if !to_fix.is_empty() {
        out.push_str("\nWhat to do:\n");
        for check in to_fix {
            let _ = writeln!(out, "  {} [{}]", check.id, check.status);
            for step in &check.remediation {
                for (i, line) in step.lines().enumerate() {
                    let _ = writeln!(out, "    {} {line}", if i == 0 { "-" } else { " " });
                }
            }
        }
    }
    if !report.vantage.cannot_see.is_empty() {
        out.push_str("\nNot visible from this host:\n");
        for blind in &report.vantage.cannot_see {
            let _ = writeln!(out, "  - {blind}");
        }
    }
    let s = &report.summary;
    let gate = s.gate.as_str().to_uppercase();
    let gate = if style.color {
        let code = if s.gate == Gate::Pass { "32" } else { "31" };
        format!("\x1b[1;{code}m{gate}\x1b[0m")
    } else {
        gate
    };
    let _ = writeln!(
        out,
        "\n{} pass, {} warn, {} fail, {} skip, {} manual · gate {gate} (--fail-on {}) · exit {}",
        s.pass,
        s.warn,
        s.fail,
        s.skip,
        s.manual,
        s.fail_on.as_str(),
        s.exit_code
    );
    if let Some(stopped) = &s.stopped {
        let _ = writeln!(out, "stopped early: {stopped}");
    }
    out
}
