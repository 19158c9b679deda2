//! YAML configuration files (static pod manifests, audit policies): binary detection, and
//! serde-saphyr errors turned into `file:line: what was expected`. (Files are read by `hostfs`.)

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
    let message = crate::error::sanitize::quoting_nothing(&message);
    match err.location().filter(|l| l.line() > 0) {
        Some(l) => InputError::at(
            file,
            usize::try_from(l.line()).ok(),
            format!("{message} (column {}); expected {expected}", l.column()),
        ),
        None => InputError::at(file, None, format!("{message}; expected {expected}")),
    }
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
