//! YAML configuration files (static pod manifests, audit policies, kubeconfigs) read the way the Go
//! programs that own them read them, and serde-saphyr errors turned into `file:line: what was
//! expected`. (Files are read by `hostfs`.)
//!
//! kube-apiserver (the audit policy), the kubelet (static pods) and kubectl (kubeconfigs) all turn
//! YAML into JSON with `sigs.k8s.io/yaml` (go-yaml v2 underneath) and decode that JSON into typed Go
//! structs. Three consequences the readers here reproduce:
//!
//! - **Only the first document counts.** go-yaml v2 parses one document; a trailing `---` or a
//!   second document is never looked at ([`first_document`]).
//! - **Plain scalars are typed by YAML 1.1.** `yes`, `on`, `y`, `10`, `0x1F`, `1e3` are booleans
//!   and numbers, so `command: [kube-apiserver, 10]` or `name: yes` fail the Go decoder (a number
//!   or boolean cannot become a string), while `insecure-skip-tls-verify: "true"` fails the other
//!   way round. [`Scalar`] keeps where a scalar was written so that [`Doc`] can type it exactly as
//!   go-yaml's resolver does ([`resolve_plain`]).
//! - **A repeated key keeps its last value** (go-yaml fills a map), so [`go_options`] asks
//!   serde-saphyr for the same.

use std::fmt;
use std::path::Path;

use serde::{Deserialize, Deserializer};
use serde_saphyr::MessageFormatter as _;
use serde_saphyr::Spanned;

use crate::error::InputError;
use crate::i18n::Text;
use crate::t;

/// Bytes to text, or the input error a binary file deserves.
pub fn text<'a>(bytes: &'a [u8], file: &Path) -> Result<&'a str, InputError> {
    std::str::from_utf8(bytes).map_err(|e| {
        let line = bytes[..e.valid_up_to()].iter().filter(|&&b| b == b'\n').count() + 1;
        InputError::at(file, Some(line), t!("yaml-not-utf8"))
    })
}

/// A serde-saphyr error as `file:line: message (column N); expected WHAT`, in words meant for the user.
pub fn yaml_error(file: &Path, err: &serde_saphyr::Error, expected: impl Into<Text>) -> InputError {
    let expected = expected.into();
    let err = err.without_snippet();
    let message = serde_saphyr::UserMessageFormatter.format_message(err);
    let message = crate::error::sanitize::quoting_nothing(&message);
    match err.location().filter(|l| l.line() > 0) {
        // The parser's own words are English: kept as they are (sanitised), the frame translated.
        Some(l) => InputError::at(
            file,
            usize::try_from(l.line()).ok(),
            t!("yaml-error-at", message = message, column = l.column(), expected = expected),
        ),
        None => InputError::at(file, None, t!("yaml-error", message = message, expected = expected)),
    }
}

/// serde-saphyr set up as go-yaml v2 reads into a map: a repeated key keeps its last value, and a
/// null where a string is expected reaches [`Doc`] (which types it as Go's empty string).
pub fn go_options() -> serde_saphyr::Options {
    serde_saphyr::options! {
        null_as_string: true,
        duplicate_keys: serde_saphyr::DuplicateKeyPolicy::LastWins,
    }
}

/// The first YAML document of `text`, as go-yaml v2 reads it: everything up to the `---` that
/// starts a second document (or a `...` that ends the first). A `---` before any content only
/// opens the first document. The result is a prefix of `text`, so line numbers stay right.
pub fn first_document(text: &str) -> &str {
    let mut opened = false;
    let mut content = false;
    let mut at = 0;
    for line in text.split_inclusive('\n') {
        let bare = line.trim_end_matches(['\n', '\r']);
        let marker = |m: &str| bare == m || bare.strip_prefix(m).is_some_and(|r| r.starts_with([' ', '\t']));
        if marker("...") {
            return &text[..at];
        }
        if marker("---") {
            if opened || content {
                return &text[..at];
            }
            opened = true;
            // `--- {kind: Policy}`: the document's content starts on the marker line.
            content = !bare[3..].trim().is_empty() && !bare[3..].trim_start().starts_with('#');
        } else if !bare.trim().is_empty() && !bare.trim_start().starts_with('#') && !bare.starts_with('%') {
            content = true;
        }
        at += line.len();
    }
    text
}

/// What go-yaml v2 makes of a scalar, as far as the Go decoder after it cares.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GoKind {
    /// `~`, `null`, empty: the Go zero value.
    Null,
    Bool(bool),
    /// An integer or a float: a JSON number.
    Number,
    Str,
}

impl GoKind {
    /// The kind in the words of Go's JSON decoder (`cannot unmarshal bool into …`).
    fn go_word(self) -> &'static str {
        match self {
            GoKind::Null => "null",
            GoKind::Bool(_) => "bool",
            GoKind::Number => "number",
            GoKind::Str => "string",
        }
    }
}

/// How go-yaml v2 resolves an untagged plain scalar (its `resolve` with YAML 1.1's booleans
/// `y/yes/on/true…`, integers in any base with `_` separators, floats, `.inf`/`.nan`, nulls).
/// Timestamps stay strings: go-yaml keeps them as text when it fills an untyped value, which is
/// what `sigs.k8s.io/yaml` asks of it.
pub fn resolve_plain(text: &str) -> GoKind {
    match text {
        "y" | "Y" | "yes" | "Yes" | "YES" | "true" | "True" | "TRUE" | "on" | "On" | "ON" => return GoKind::Bool(true),
        "n" | "N" | "no" | "No" | "NO" | "false" | "False" | "FALSE" | "off" | "Off" | "OFF" => {
            return GoKind::Bool(false);
        }
        "" | "~" | "null" | "Null" | "NULL" => return GoKind::Null,
        ".nan" | ".NaN" | ".NAN" | ".inf" | ".Inf" | ".INF" | "+.inf" | "+.Inf" | "+.INF" | "-.inf" | "-.Inf"
        | "-.INF" => return GoKind::Number,
        _ => {}
    }
    match text.as_bytes()[0] {
        b'.' if go_float(text) => GoKind::Number,
        b'0'..=b'9' | b'+' | b'-' => {
            if looks_like_timestamp(text) {
                return GoKind::Str;
            }
            let plain = text.replace('_', "");
            let binary = |digits: &str| !digits.is_empty() && digits.bytes().all(|b| b == b'0' || b == b'1');
            let number = go_int(&plain)
                || (float_syntax(&plain) && go_float(&plain))
                || plain.strip_prefix("0b").is_some_and(binary)
                || plain.strip_prefix("-0b").is_some_and(binary);
            if number { GoKind::Number } else { GoKind::Str }
        }
        _ => GoKind::Str,
    }
}

/// Go's `strconv.ParseInt(s, 0, 64)` or `ParseUint(s, 0, 64)` accepts `s` (underscores already
/// removed): an optional sign (ParseInt only), then `0x`, `0o`, `0b`, a leading-zero octal, or decimal.
fn go_int(s: &str) -> bool {
    let (negative, unsigned) = match s.as_bytes().first() {
        Some(b'-') => (true, &s[1..]),
        Some(b'+') => (false, &s[1..]),
        _ => (false, s),
    };
    let lower = unsigned.to_ascii_lowercase();
    let (digits, radix) = if let Some(d) = lower.strip_prefix("0x") {
        (d, 16)
    } else if let Some(d) = lower.strip_prefix("0o") {
        (d, 8)
    } else if let Some(d) = lower.strip_prefix("0b") {
        (d, 2)
    } else if lower.len() > 1 && lower.starts_with('0') {
        (&lower[1..], 8)
    } else {
        (lower.as_str(), 10)
    };
    if digits.is_empty() || !digits.chars().all(|c| c.is_digit(radix)) {
        return false;
    }
    match u128::from_str_radix(digits, radix) {
        // ParseInt's range, or ParseUint's for an unsigned value.
        Ok(v) if negative => v <= 1u128 << 63,
        Ok(v) => v <= u128::from(u64::MAX),
        Err(_) => false,
    }
}

/// go-yaml's float pattern `^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$`.
fn float_syntax(s: &str) -> bool {
    let b = s.as_bytes();
    let mut i = usize::from(matches!(b.first(), Some(b'-' | b'+')));
    let digits = |i: &mut usize| {
        let start = *i;
        while b.get(*i).is_some_and(u8::is_ascii_digit) {
            *i += 1;
        }
        *i > start
    };
    if b.get(i) == Some(&b'.') {
        i += 1;
        if !digits(&mut i) {
            return false;
        }
    } else {
        if !digits(&mut i) {
            return false;
        }
        if b.get(i) == Some(&b'.') {
            i += 1;
            digits(&mut i);
        }
    }
    if matches!(b.get(i), Some(b'e' | b'E')) {
        i += 1;
        if matches!(b.get(i), Some(b'-' | b'+')) {
            i += 1;
        }
        if !digits(&mut i) {
            return false;
        }
    }
    i == b.len()
}

/// Go's `strconv.ParseFloat(s, 64)` succeeds for decimal syntax in range (an overflow is an error
/// there; Rust says infinity).
fn go_float(s: &str) -> bool {
    float_syntax(s) && s.parse::<f64>().is_ok_and(f64::is_finite)
}

/// go-yaml's quick timestamp test plus the formats it tries (`2006-1-2`, with an optional time).
fn looks_like_timestamp(s: &str) -> bool {
    let b = s.as_bytes();
    if b.len() < 5 || !b[..4].iter().all(u8::is_ascii_digit) || b[4] != b'-' {
        return false;
    }
    let (date, time) = match s.find(['T', 't', ' ']) {
        Some(i) => (&s[..i], Some(&s[i + 1..])),
        None => (s, None),
    };
    let parts: Vec<&str> = date.split('-').collect();
    let number = |p: &str, max: usize| !p.is_empty() && p.len() <= max && p.bytes().all(|c| c.is_ascii_digit());
    let date_ok = parts.len() == 3 && parts[0].len() == 4 && number(parts[1], 2) && number(parts[2], 2);
    // With a time part the exact layouts matter little here: a string that is not one stays a
    // string all the same.
    date_ok && time.is_none_or(|t| !t.is_empty())
}

/// A YAML scalar read for a Go string, bool or []byte field: its text and where it was written.
#[derive(Clone, PartialEq, Eq)]
pub struct Scalar {
    pub value: String,
    pub line: usize,
    /// Byte range of the scalar's own text (quotes included), when known.
    span: Option<(usize, usize)>,
}

impl fmt::Debug for Scalar {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:?}@{}", self.value, self.line)
    }
}

impl<'de> Deserialize<'de> for Scalar {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = Spanned::<String>::deserialize(d)?;
        Ok(Scalar { line: location_line(&s.referenced), span: byte_span(&s.defined), value: s.value })
    }
}

/// A scalar that may hold a credential (a token, a password, a key): only whether it is set and
/// how go-yaml would type it are kept; the value is dropped as soon as it is read.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret {
    pub line: usize,
    /// The value is not empty.
    pub set: bool,
    /// The value would decode as base64 (for Go `[]byte` fields).
    pub base64: bool,
    /// What go-yaml makes of the text if it was written plain.
    plain_kind: GoKind,
    span: Option<(usize, usize)>,
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Secret(set: {}, line {})", self.set, self.line)
    }
}

impl<'de> Deserialize<'de> for Secret {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = Spanned::<String>::deserialize(d)?;
        Ok(Secret {
            line: location_line(&s.referenced),
            set: !s.value.is_empty(),
            base64: go_base64(&s.value).is_some(),
            plain_kind: resolve_plain(&s.value),
            span: byte_span(&s.defined),
        })
    }
}

/// Go's `encoding/json` decoding of a `[]byte` field: standard, padded base64, in which only
/// `\r` and `\n` are skipped.
pub fn go_base64(text: &str) -> Option<Vec<u8>> {
    use base64::Engine as _;
    let compact: String = text.chars().filter(|c| *c != '\r' && *c != '\n').collect();
    base64::engine::general_purpose::STANDARD.decode(compact.as_bytes()).ok()
}

fn location_line(location: &serde_saphyr::Location) -> usize {
    usize::try_from(location.line()).unwrap_or(0)
}

fn byte_span(location: &serde_saphyr::Location) -> Option<(usize, usize)> {
    let span = location.span();
    Some((usize::try_from(span.byte_offset()?).ok()?, usize::try_from(span.byte_len()?).ok()?))
}

/// A file's text and who reads it, for typing scalars as that reader does.
#[derive(Debug, Clone, Copy)]
pub struct Doc<'a> {
    pub text: &'a str,
    pub file: &'a Path,
    /// Who refuses what does not type.
    pub reader: Reader,
}

/// The Go program that reads a file, named in its refusals.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reader {
    Kubelet,
    Kubectl,
    Apiserver,
}

impl Reader {
    fn name(self) -> Text {
        match self {
            Reader::Kubelet => t!("yaml-reader-kubelet"),
            Reader::Kubectl => Text::verbatim("kubectl"),
            Reader::Apiserver => Text::verbatim("kube-apiserver"),
        }
    }
}

impl<'a> Doc<'a> {
    /// How go-yaml types the scalar written at `span` whose value is `value`.
    fn kind_at(&self, span: Option<(usize, usize)>, plain_kind: impl FnOnce() -> GoKind) -> GoKind {
        let Some((offset, len)) = span else { return plain_kind() };
        let Some(raw) = self.text.get(offset..offset + len) else { return plain_kind() };
        if raw.starts_with(['"', '\'']) {
            return GoKind::Str;
        }
        match self.indicator_before(offset) {
            // `|`, `>` (block scalars) and a `!!str` or `!` tag make a string; other tags are rare
            // enough to be read as what they hold.
            Some(token) if token.starts_with(['|', '>']) || token == "!!str" || token == "!" => GoKind::Str,
            _ => plain_kind(),
        }
    }

    /// The block indicator or tag written before a scalar, if any (anchors skipped).
    fn indicator_before(&self, offset: usize) -> Option<&'a str> {
        let before = self.text.get(..offset)?;
        let mut rest = before.trim_end();
        // A block scalar's text starts on the next line; its indicator line may end in a comment.
        if before[rest.len()..].contains('\n') {
            let line_start = rest.rfind('\n').map_or(0, |i| i + 1);
            if let Some(hash) = rest[line_start..].find(" #") {
                rest = rest[..line_start + hash].trim_end();
            }
        }
        loop {
            let token_start = rest.rfind([' ', '\t', '\n']).map_or(0, |i| i + 1);
            let token = &rest[token_start..];
            if token.starts_with('&') {
                rest = rest[..token_start].trim_end();
                continue;
            }
            return (token.starts_with(['|', '>', '!'])).then_some(token);
        }
    }

    /// How go-yaml types `s`: a string, or the boolean, number or null it is when written plain.
    pub fn kind(&self, s: &Scalar) -> GoKind {
        self.kind_at(s.span, || resolve_plain(&s.value))
    }

    fn mismatch(&self, line: usize, field: &str, found: GoKind, wanted: &str) -> InputError {
        let written = match found {
            GoKind::Bool(_) => t!("yaml-written-bool"),
            GoKind::Number => t!("yaml-written-number"),
            GoKind::Str => t!("yaml-written-string"),
            GoKind::Null => Text::verbatim("null"),
        };
        let (reader, go_word) = (self.reader.name(), found.go_word());
        let what = if wanted == "string" {
            t!(
                "yaml-mismatch-quote-it",
                field = field,
                written = written,
                reader = reader,
                wanted = wanted,
                go_word = go_word
            )
        } else {
            t!("yaml-mismatch", field = field, written = written, reader = reader, wanted = wanted, go_word = go_word)
        };
        InputError::at(self.file, Some(line), what)
    }

    /// The scalar as a Go string field: null is the empty string; a boolean or number is refused.
    pub fn string(&self, s: &Scalar, field: &str) -> Result<String, InputError> {
        match self.kind(s) {
            GoKind::Str => Ok(s.value.clone()),
            GoKind::Null => Ok(String::new()),
            other => Err(self.mismatch(s.line, field, other, "string")),
        }
    }

    /// An optional Go string field (absent, null and empty are all the empty string).
    pub fn opt_string(&self, s: Option<&Scalar>, field: &str) -> Result<String, InputError> {
        s.map_or(Ok(String::new()), |s| self.string(s, field))
    }

    /// A Go `[]string` field.
    pub fn strings(&self, list: Option<&[Scalar]>, field: &str) -> Result<Vec<String>, InputError> {
        list.unwrap_or_default().iter().map(|s| self.string(s, field)).collect()
    }

    /// The scalar as a Go bool field: only YAML 1.1 booleans (and null, false) are accepted.
    pub fn bool(&self, s: Option<&Scalar>, field: &str) -> Result<bool, InputError> {
        let Some(s) = s else { return Ok(false) };
        match self.kind(s) {
            GoKind::Bool(b) => Ok(b),
            GoKind::Null => Ok(false),
            other => Err(self.mismatch(s.line, field, other, "bool")),
        }
    }

    /// A credential as a Go string (or, with `bytes`, `[]byte`: base64) field: whether it is set.
    pub fn secret(&self, s: Option<&Secret>, field: &str, bytes: bool) -> Result<bool, InputError> {
        let Some(s) = s else { return Ok(false) };
        match self.kind_at(s.span, || s.plain_kind) {
            GoKind::Null => Ok(false),
            GoKind::Str if bytes && !s.base64 => Err(InputError::at(
                self.file,
                Some(s.line),
                t!("yaml-not-base64", field = field, reader = self.reader.name()),
            )),
            GoKind::Str => Ok(s.set),
            other => Err(self.mismatch(s.line, field, other, if bytes { "[]byte" } else { "string" })),
        }
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
        yaml_error(Path::new("f.yaml"), &e, Text::verbatim("a map"))
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
    fn plain_scalars_are_typed_as_go_yaml_v2_types_them() {
        for b in ["y", "Yes", "ON", "true", "n", "off", "FALSE"] {
            assert!(matches!(resolve_plain(b), GoKind::Bool(_)), "{b}");
        }
        for n in [
            "1", "-7", "+3", "0x1F", "0o17", "0755", "0b101", "1_000", "1e3", "1.", ".5", ".inf", "-.INF", ".NaN", "08",
        ] {
            assert_eq!(resolve_plain(n), GoKind::Number, "{n}");
        }
        for t in ["yes!", "True1", "0x", "1.2.3", "2024-01-02", "2001:db8::1", "1e999", "-", "<<", "tRue", "~x"] {
            assert_eq!(resolve_plain(t), GoKind::Str, "{t}");
        }
        for null in ["", "~", "null", "NULL"] {
            assert_eq!(resolve_plain(null), GoKind::Null, "{null}");
        }
    }

    #[derive(Debug, serde::Deserialize)]
    struct T {
        a: Option<Scalar>,
        b: Option<Vec<Scalar>>,
    }

    fn doc_and(text: &str) -> (Doc<'_>, T) {
        let doc = Doc { text, file: Path::new("f.yaml"), reader: Reader::Kubectl };
        (doc, serde_saphyr::from_str_with_options(text, go_options()).expect("parses"))
    }

    #[test]
    fn styles_decide_the_type_as_in_go() {
        let (doc, t) = doc_and("a: 'yes'\nb:\n- \"on\"\n- on\n- !!str off\n- |\n  y\n- |-  # a comment\n  n\n");
        assert_eq!(doc.string(t.a.as_ref().expect("a"), "a").expect("quoted"), "yes");
        let b = t.b.expect("b");
        assert!(doc.string(&b[0], "b").is_ok());
        let e = doc.string(&b[1], "b").expect_err("plain on");
        assert!(e.what.contains("kubectl reads it as a string") && e.line == Some(4), "{e}");
        assert!(doc.string(&b[2], "b").is_ok(), "!!str");
        assert!(doc.string(&b[3], "b").is_ok(), "block scalar");
        assert_eq!(doc.string(&b[4], "b").expect("block scalar after a comment"), "n");
        let (doc, t) = doc_and("a: &x 12\nb: [*x]\n");
        assert!(doc.string(&t.b.expect("b")[0], "b").is_err(), "an alias of a number is a number");
        let (doc, t) = doc_and("a: yes\n");
        assert!(doc.bool(t.a.as_ref(), "a").expect("bool"));
        let (doc, t) = doc_and("a: \"true\"\n");
        assert!(doc.bool(t.a.as_ref(), "a").is_err(), "a string is no bool");
        let (_, t) = doc_and("a: x\na: y\n");
        assert_eq!(t.a.expect("a").value, "y", "the last value wins");
    }

    #[test]
    fn only_the_first_document_counts() {
        assert_eq!(first_document("a: 1\n---\nb: 2\n"), "a: 1\n");
        assert_eq!(first_document("---\na: 1\n---\n"), "---\na: 1\n");
        assert_eq!(first_document("# c\n--- \na: 1\n...\nb: [\n"), "# c\n--- \na: 1\n");
        assert_eq!(first_document("---\n---\na: 1\n"), "---\n");
        assert_eq!(first_document("--- {a: 1}\n--- {b: 2}\n"), "--- {a: 1}\n");
        assert_eq!(first_document("a: |\n  ---x\n"), "a: |\n  ---x\n");
        assert_eq!(go_base64("TWE=\nTWE=").map(|_| ()), None, "padding inside");
        assert_eq!(go_base64("TW\r\nE=").as_deref(), Some(&b"Ma"[..]));
        assert_eq!(go_base64("TW E="), None, "a space is not skipped");
    }

    #[test]
    fn binary_is_named_as_such() {
        let e = text(b"ok\n\xff\xfe", Path::new("bin")).expect_err("binary");
        assert_eq!(e.line, Some(2));
        assert!(e.what.contains("UTF-8"));
    }
}
