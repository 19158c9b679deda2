//! YAML configuration files (static pod manifests, audit policies): binary detection, and
//! serde-saphyr errors turned into `file:line: what was expected`. (Files are read by `hostfs`.)

use std::borrow::Cow;
use std::path::Path;

use serde_saphyr::MessageFormatter as _;

use crate::error::InputError;

/// Bytes to text, or the input error a binary file deserves.
pub fn text<'a>(bytes: &'a [u8], file: &Path) -> Result<&'a str, InputError> {
    std::str::from_utf8(bytes).map_err(|e| {
        let line = bytes[..e.valid_up_to()].iter().filter(|&&b| b == b'\n').count() + 1;
        InputError::at(file, Some(line), "not UTF-8 text (a binary file?); expected YAML")
    })
}

/// A serde-saphyr error as `file:line: message (column N); expected WHAT`, in words meant for the user.
pub fn yaml_error(file: &Path, err: &serde_saphyr::Error, expected: &str) -> InputError {
    let err = err.without_snippet();
    let message = serde_saphyr::UserMessageFormatter.format_message(err);
    let message = quoting_nothing(&message);
    match err.location().filter(|l| l.line() > 0) {
        Some(l) => InputError::at(
            file,
            usize::try_from(l.line()).ok(),
            format!("{message} (column {}); expected {expected}", l.column()),
        ),
        None => InputError::at(file, None, format!("{message}; expected {expected}")),
    }
}

/// A parser's message without what it quotes of the input (a duplicate key, a value of the wrong
/// type: the input may be an env value or a token) and without hints meant for the programmer.
pub fn quoting_nothing(message: &str) -> String {
    let message = developer_hint_removed(message);
    // `duplicate mapping key: KEY` names the key unquoted.
    let message = match message.find("duplicate mapping key") {
        Some(at) => Cow::Borrowed(&message[..at + "duplicate mapping key".len()]),
        None => message,
    };
    crate::sanitize::excerpt(&redact_quoted(&message))
}

/// `invalid type: string "x", expected a boolean` → `invalid type: string, expected a boolean`.
pub fn redact_quoted(message: &str) -> String {
    let mut out = String::with_capacity(message.len());
    let mut in_quote = false;
    for c in message.chars() {
        match (c, in_quote) {
            ('"' | '`', false) => {
                in_quote = true;
                out.push_str("(value)");
            }
            ('"' | '`', true) => in_quote = false,
            (_, true) => {}
            (c, false) => out.push(c),
        }
    }
    out.replace(" (value)", "").replace("(value)", "")
}

/// serde-saphyr addresses some messages to the programmer ("set DuplicateKeyPolicy in Options");
/// the user needs only the first half.
fn developer_hint_removed(message: &str) -> Cow<'_, str> {
    for marker in [", set DuplicateKeyPolicy", "; use from_str_multiple"] {
        if let Some(at) = message.find(marker) {
            return Cow::Owned(message[..at].to_string());
        }
    }
    Cow::Borrowed(message)
}

/// Where truncation tests cut a document: around every line break, where a cut changes the
/// structure (an unfinished key, an empty value, a dangling indentation).
#[cfg(test)]
pub fn cut_points(text: &str) -> Vec<usize> {
    let mut cuts: Vec<usize> = text
        .match_indices('\n')
        .flat_map(|(i, _)| [i.saturating_sub(1), i, i + 1, i + 3])
        .filter(|&i| i <= text.len() && text.is_char_boundary(i))
        .collect();
    cuts.dedup();
    cuts
}

#[cfg(test)]
mod tests {
    use super::*;

    fn err(yaml: &str) -> InputError {
        let e = serde_saphyr::from_str::<std::collections::BTreeMap<String, String>>(yaml).expect_err("malformed");
        yaml_error(Path::new("f.yaml"), &e, "a map")
    }

    #[test]
    fn yaml_errors_name_file_line_and_column_without_developer_hints() {
        let e = err("a: [\n");
        assert_eq!(e.file, "f.yaml");
        assert_eq!(e.line, Some(1), "{e}");
        assert!(e.what.contains("column"), "{e}");
        let e = err("a: x\nSECRET-KEY: y\nSECRET-KEY: z\n");
        assert_eq!(e.line, Some(3), "{e}");
        assert!(e.what.contains("duplicate") && !e.what.contains("Options"), "{e}");
        assert!(!e.to_string().contains("SECRET"), "{e}");
        let e = err("a: x\n---\nb: y\n");
        assert!(!e.what.contains("from_str"), "{e}");
    }

    #[test]
    fn binary_is_named_as_such() {
        let e = text(b"ok\n\xff\xfe", Path::new("bin")).expect_err("binary");
        assert_eq!(e.line, Some(2));
        assert!(e.what.contains("UTF-8"));
    }
}
