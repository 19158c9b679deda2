//! Wording shared by the check files: plurals, lists, and the findings of a check with several
//! parts. Here so that no check file imports another.

use std::collections::BTreeSet;

use serde_json::Value;

use crate::check::{Outcome, Status};
use crate::i18n::{Sep, Text};
use crate::t;

/// `one` or `many` by `n`: `plural(n, "y", "ies")`, `plural(n, "", "s")`.
pub fn plural(n: usize, one: &'static str, many: &'static str) -> &'static str {
    if n == 1 { one } else { many }
}

/// Items joined with `, `.
pub fn join<T: ToString>(items: &[T]) -> String {
    items.iter().map(ToString::to_string).collect::<Vec<_>>().join(", ")
}

/// The first `n` items as text.
pub fn first<T: ToString>(items: &[T], n: usize) -> Vec<String> {
    items.iter().take(n).map(ToString::to_string).collect()
}

/// `a, b, c and 12 more`
pub fn shorten<T: ToString>(items: &[T], n: usize) -> String {
    let (head, more) = (first(items, n), items.len().saturating_sub(n));
    if more == 0 { head.join(", ") } else { format!("{} and {more} more", head.join(", ")) }
}

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

/// The list without repeats, first occurrence kept.
pub fn dedup(list: Vec<String>) -> Vec<String> {
    let mut seen = BTreeSet::new();
    list.into_iter().filter(|s| seen.insert(s.clone())).collect()
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
    fn lists_and_plurals() {
        assert_eq!((plural(1, "", "s"), plural(2, "", "s"), plural(3, "y", "ies")), ("", "s", "ies"));
        assert_eq!(join(&[1, 2]), "1, 2");
        assert_eq!(shorten(&[1, 2, 3], 2), "1, 2 and 1 more");
        assert_eq!(dedup(vec!["a".into(), "b".into(), "a".into()]), ["a", "b"]);
    }

    #[test]
    fn worst_status_wins() {
        assert_eq!(worse(Status::Warn, Status::Fail), Status::Fail);
        assert_eq!(worse(Status::Fail, Status::Warn), Status::Fail);
        assert_eq!(worse(Status::Pass, Status::Warn), Status::Warn);
    }

    #[test]
    fn the_worst_finding_decides() {
        let v = Text::verbatim;
        let mut f = Findings::default();
        f.add(Status::Warn, v("w"));
        f.add(Status::Fail, v("f"));
        f.fix(v("x"));
        f.fix(v("x"));
        let o = f.outcome(v("fine"), Value::Null);
        assert_eq!((o.status, o.message.en().as_str(), o.remediation.len()), (Status::Fail, "w; f", 1));
        assert_eq!(Findings::default().outcome(v("fine"), Value::Null).status, Status::Pass);
    }
}
