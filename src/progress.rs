//! The progress line on standard error while checks run: which are running and for how long. Only
//! on a terminal (a log or a pipe gets the report alone), not with `--quiet`, and not when the
//! terminal asks for plain output (`NO_COLOR`, `TERM=dumb`: the line is redrawn with escape
//! sequences); cleared before the report is printed.

use std::io::IsTerminal;
use std::time::Duration;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

use crate::i18n::Lang;
use crate::runner::Progress;
use crate::t;
use crate::units::human_duration;

#[derive(Debug)]
pub struct Line {
    bar: Option<ProgressBar>,
    lang: Lang,
}

impl Line {
    pub fn start(quiet: bool, lang: Lang) -> Line {
        let plain = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty())
            || std::env::var("TERM").is_ok_and(|t| t == "dumb");
        if quiet || plain || !std::io::stderr().is_terminal() {
            return Line { bar: None, lang };
        }
        let bar = ProgressBar::with_draw_target(None, ProgressDrawTarget::stderr());
        // `wide_msg` is cut to the terminal's width, so the line never wraps.
        if let Ok(style) = ProgressStyle::with_template("{spinner} {wide_msg}") {
            bar.set_style(style);
        }
        bar.enable_steady_tick(Duration::from_millis(120));
        Line { bar: Some(bar), lang }
    }

    pub fn show(&self, p: &Progress) {
        let Some(bar) = &self.bar else { return };
        let mut running: Vec<String> =
            p.running.iter().map(|(id, t)| format!("{id} {}", human_duration(round(*t)))).collect();
        if running.is_empty() {
            running.push("…".into());
        }
        let line = t!("progress-line", finished = p.finished, total = p.total, running = running.join(", "));
        bar.set_message(line.render(self.lang));
    }

    pub fn clear(&self) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
    }
}

/// To a tenth of a second: the line changes no faster than it is read.
fn round(d: Duration) -> Duration {
    Duration::from_millis(d.as_millis().saturating_sub(d.as_millis() % 100).try_into().unwrap_or(u64::MAX))
}
