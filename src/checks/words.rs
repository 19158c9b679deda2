//! Wording shared by the check files: value lists, and the findings of a check with several
//! parts. Here so that no check file imports another.

use serde_json::Value;

use crate::check::{Outcome, Status};
use crate::i18n::{Sep, Text};
use crate::t;

/// Values (addresses, ids, paths) as a list in the language's separator.
pub fn values<T: ToString>(items: &[T]) -> Text {
    Text::join(items.iter().map(|i| Text::verbatim(i.to_string())), Sep::Comma)
}

/// The first `n` values, and how many more: `a, b and 12 more` / `a、b 等 14 项`.
pub fn values_shortened<T: ToString>(items: &[T], n: usize) -> Text {
    let more = items.len().saturating_sub(n);
    let head = values(&items[..items.len().min(n)]);
    if more == 0 { head } else { t!("words-and-more", list = head, more = more) }
}

/// The list without repeats, first occurrence kept (lists of a few remediation steps).
pub fn dedup<T: PartialEq>(list: Vec<T>) -> Vec<T> {
    let mut out: Vec<T> = Vec::with_capacity(list.len());
    for item in list {
        if !out.contains(&item) {
            out.push(item);
        }
    }
    out
}

/// `max(a, b)` in gate order: pass < warn < fail.
fn worse(a: Status, b: Status) -> Status {
    let rank = |s: Status| match s {
        Status::Fail => 3,
        Status::Warn => 2,
        _ => 1,
    };
    if rank(b) > rank(a) { b } else { a }
}

/// Findings of a check with several parts: each with its status; the worst decides.
#[derive(Debug, Default)]
pub struct Findings {
    status: Option<Status>,
    problems: Vec<Text>,
    fixes: Vec<Text>,
}

impl Findings {
    pub fn add(&mut self, status: Status, problem: impl Into<Text>) {
        self.status = Some(self.status.map_or(status, |s| worse(s, status)));
        self.problems.push(problem.into());
    }

    /// A fix step, once.
    pub fn fix(&mut self, fix: impl Into<Text>) {
        let fix = fix.into();
        if !self.fixes.contains(&fix) {
            self.fixes.push(fix);
        }
    }

    /// Nothing was found wrong (yet).
    pub fn is_empty(&self) -> bool {
        self.status.is_none()
    }

    /// The outcome: the problems joined, or `ok` when there are none.
    pub fn outcome(self, ok: impl Into<Text>, evidence: Value) -> Outcome {
        match self.status {
            None => Outcome::pass(ok),
            Some(status) => Outcome::new(status, Text::join(self.problems, Sep::Semicolon)).fixes(self.fixes),
        }
        .evidence(evidence)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn value_lists_are_shortened_in_the_language() {
        use crate::i18n::Lang;
        assert_eq!(values(&[1, 2]).render(Lang::Zh), "1、2");
        assert_eq!(values_shortened(&[1, 2, 3], 2).render(Lang::En), "1, 2 and 1 more");
        assert_eq!(values_shortened(&[1, 2, 3], 2).render(Lang::Zh), "1、2 等（另有 1 项）");
        assert_eq!(values_shortened(&[1, 2], 2).render(Lang::En), "1, 2");
    }

    #[test]
    fn repeats_are_dropped() {
        assert_eq!(dedup(vec!["a", "b", "a"]), ["a", "b"]);
    }

    #[test]
    fn worst_status_wins() {
        assert_eq!(worse(Status::Warn, Status::Fail), Status::Fail);
        assert_eq!(worse(Status::Fail, Status::Warn), Status::Fail);
        assert_eq!(worse(Status::Pass, Status::Warn), Status::Warn);
    }

    #[test]
    fn the_worst_finding_decides() {
        let mut f = Findings::default();
        f.add(Status::Warn, Text::verbatim("w"));
        f.add(Status::Fail, Text::verbatim("f"));
        f.fix(Text::verbatim("x"));
        f.fix(Text::verbatim("x"));
        let o = f.outcome(Text::verbatim("fine"), Value::Null);
        assert_eq!((o.status, o.message.en().as_str(), o.remediation.len()), (Status::Fail, "w; f", 1));
        assert_eq!(Findings::default().outcome(Text::verbatim("fine"), Value::Null).status, Status::Pass);
    }
}
