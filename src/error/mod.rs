//! The one error type that leaves the library, and the exit code each kind maps to.
//!
//! Two kinds matter to users: *expected* errors (a bad flag, an unreadable or malformed input file)
//! exit 2 with a message that names the input and what was expected; *internal* errors are bugs and
//! exit 3. Check outcomes are never errors: a failing check is a result, reported with exit code 1.

pub mod sanitize;

use std::fmt;
use std::path::Path;

use crate::i18n::{Lang, Text};
use crate::t;

/// Exit code of a run whose gate passed.
pub const EXIT_PASS: i32 = 0;
/// Exit code of a run whose gate failed.
pub const EXIT_GATE_FAILED: i32 = 1;
/// Exit code for usage errors and unreadable or malformed input.
pub const EXIT_USAGE: i32 = 2;
/// Exit code for internal errors (bugs).
pub const EXIT_INTERNAL: i32 = 3;
/// Exit code of a run that could not answer the question: a required check did not run.
pub const EXIT_INCOMPLETE: i32 = 4;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The command line asks for something that cannot be done (unknown region, unknown check id).
    #[error("{}", sanitize::excerpt_of(&.0.en(), 2 * MESSAGE_CHARS))]
    Usage(Text),
    /// An input file (region table, kubeconfig, firewall dump, manifest) is unreadable or malformed.
    #[error("{0}")]
    Input(InputError),
    /// Writing the output or the report failed.
    #[error("cannot write {what}: {source}")]
    Output {
        what: String,
        #[source]
        source: std::io::Error,
    },
    /// A bug: an invariant the code relies on did not hold.
    #[error("internal error: {0}")]
    Internal(String),
}

impl Error {
    /// The message in `lang`, as the user reads it after `k8sjoin-check: error: `.
    pub fn render(&self, lang: Lang) -> String {
        match self {
            Error::Usage(text) => sanitize::excerpt_of(&text.render(lang), 2 * MESSAGE_CHARS),
            Error::Input(e) => e.render(lang),
            Error::Output { what, source } => {
                t!("error-cannot-write", what = what, error = source.to_string()).render(lang)
            }
            Error::Internal(what) => t!("error-internal", what = what).render(lang),
        }
    }

    pub fn exit_code(&self) -> i32 {
        match self {
            Error::Usage(_) | Error::Input(_) => EXIT_USAGE,
            Error::Output { source, .. } if source.kind() == std::io::ErrorKind::BrokenPipe => EXIT_PASS,
            Error::Output { .. } => EXIT_USAGE,
            Error::Internal(_) => EXIT_INTERNAL,
        }
    }
}

impl From<InputError> for Error {
    fn from(e: InputError) -> Self {
        Error::Input(e)
    }
}

/// A problem with one input file, located as precisely as the format allows.
///
/// Displays as `FILE:LINE: WHAT` (or `FILE: WHAT` when no line applies), the form editors and
/// terminals turn into links.
#[derive(Debug, Clone, PartialEq)]
pub struct InputError {
    pub file: String,
    pub line: Option<usize>,
    pub what: Text,
}

impl InputError {
    pub fn new(file: impl Into<String>, line: Option<usize>, what: impl Into<Text>) -> Self {
        InputError { file: file.into(), line, what: what.into() }
    }

    pub fn at(file: &Path, line: Option<usize>, what: impl Into<Text>) -> Self {
        InputError::new(file.display().to_string(), line, what)
    }

    /// Reading the file failed before any parsing.
    pub fn unreadable(file: &Path, err: &std::io::Error) -> Self {
        InputError::at(file, None, t!("error-cannot-read", error = err.to_string()))
    }

    /// `FILE:LINE: WHAT` with WHAT in `lang`.
    pub fn render(&self, lang: Lang) -> String {
        let what = sanitize::excerpt_of(&self.what.render(lang), MESSAGE_CHARS);
        let file = sanitize::excerpt_of(&self.file, MESSAGE_CHARS);
        match self.line {
            Some(line) => format!("{file}:{line}: {what}"),
            None => format!("{file}: {what}"),
        }
    }
}

/// How long a message about an input may be: enough for what was expected, too short to carry a
/// file's content (a message is one line; a reader that quotes too much is cut here).
const MESSAGE_CHARS: usize = 400;

impl fmt::Display for InputError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.render(Lang::En))
    }
}

impl std::error::Error for InputError {}

/// The 1-based line of byte `offset` in `text`.
pub fn line_of(text: &str, offset: usize) -> usize {
    let end = offset.min(text.len());
    text.as_bytes()[..end].iter().filter(|&&b| b == b'\n').count() + 1
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn input_error_names_file_and_line() {
        let e = InputError::new("rules.txt", Some(12), Text::verbatim("expected a chain name"));
        assert_eq!(e.to_string(), "rules.txt:12: expected a chain name");
        let e = InputError::new("rules.txt", None, Text::verbatim("empty file"));
        assert_eq!(e.to_string(), "rules.txt: empty file");
    }

    #[test]
    fn line_of_counts_newlines_before_offset() {
        let text = "a\nbb\nccc";
        assert_eq!(line_of(text, 0), 1);
        assert_eq!(line_of(text, 2), 2);
        assert_eq!(line_of(text, 5), 3);
        assert_eq!(line_of(text, 999), 3);
    }

    #[test]
    fn exit_codes() {
        assert_eq!(Error::Usage(Text::verbatim("x")).exit_code(), 2);
        assert_eq!(Error::Internal("x".into()).exit_code(), 3);
        let broken =
            Error::Output { what: "stdout".into(), source: std::io::Error::from(std::io::ErrorKind::BrokenPipe) };
        assert_eq!(broken.exit_code(), 0);
    }
}
