//! Text that crosses from input to output: what the tool may show of a URL, of a line it could not
//! parse, of what a server answered. Nothing here decides anything; it only makes text safe to print.
//!
//! - A URL is shown without its userinfo and query, found by where they can end, not where they
//!   usually do: a password may hold `/`, `#`, `?` and `@`.
//! - An excerpt of input is short and on one line, with control characters escaped: a 100 MB line
//!   is not a 100 MB message, and a file cannot move the cursor or set the terminal's title.
//! - Text for a terminal has its control characters escaped, whoever wrote it (an API server's
//!   `/readyz` body, a rule's comment).

use std::borrow::Cow;

/// How many characters of input a message may quote.
pub const EXCERPT_CHARS: usize = 80;

/// A URL for display: `scheme://***@host:port/path`, with whatever stood before the last `@` of the
/// authority dropped, and the query and fragment dropped.
pub fn url(text: &str) -> String {
    let text = text.trim();
    let (scheme, rest) = match text.split_once("://") {
        Some((s, r)) => (format!("{s}://"), r),
        None => (String::new(), text),
    };
    // Userinfo may hold any of `/?#@`: the host is what follows the last `@` before the path that
    // has none.
    let (userinfo, after) = match rest.rfind('@') {
        Some(at) => (true, &rest[at + 1..]),
        None => (false, rest),
    };
    let host_end = after.find(['/', '?', '#']).unwrap_or(after.len());
    let (host, tail) = after.split_at(host_end);
    let path_end = tail.find(['?', '#']).unwrap_or(tail.len());
    let (path, dropped) = tail.split_at(path_end);
    let mut out = scheme;
    if userinfo {
        out.push_str("***@");
    }
    out.push_str(host);
    out.push_str(path);
    if !dropped.is_empty() {
        // Say that something was there, not what.
        out.push_str("?***");
    }
    // A URL is one line: even a newline or a tab in it is shown escaped.
    out.chars().flat_map(|c| if c.is_control() { c.escape_default().collect() } else { vec![c] }).collect()
}

/// Control characters as escapes (`\u{1b}`), everything else as it is; a newline and a tab stay.
pub fn terminal(text: &str) -> String {
    if !text.chars().any(|c| c.is_control() && c != '\n' && c != '\t') {
        return text.to_string();
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        if c.is_control() && c != '\n' && c != '\t' {
            out.extend(c.escape_default());
        } else {
            out.push(c);
        }
    }
    out
}

/// A word of input as a message may quote it when the word tries to be an address or CIDR (hex
/// digits, `.`, `:`, `/`, at most 49 characters); anything else is described, not quoted: a file
/// given by mistake (`cidrs:/etc/shadow`) must not be printed line by line.
pub fn address_like(word: &str) -> Option<&str> {
    let ok = !word.is_empty()
        && word.len() <= 49
        && word.chars().all(|c| c.is_ascii_hexdigit() || matches!(c, '.' | ':' | '/' | '[' | ']'));
    ok.then_some(word)
}

/// A name from input (a `kind`, a field) quoted when it is a plain identifier (letters and digits,
/// at most 40), else described: `"Deployment"`, or `a value of 120 characters`.
pub fn identifier(value: &str) -> String {
    if !value.is_empty() && value.len() <= 40 && value.chars().all(|c| c.is_ascii_alphanumeric()) {
        format!("{value:?}")
    } else {
        format!("a value of {} characters", value.chars().count())
    }
}

/// At most `EXCERPT_CHARS` characters of `text`, on one line, control characters escaped.
pub fn excerpt(text: &str) -> String {
    excerpt_of(text, EXCERPT_CHARS)
}

/// At most `max` characters of `text`, on one line, control characters escaped.
pub fn excerpt_of(text: &str, max: usize) -> String {
    let mut out = String::new();
    let mut count = 0;
    let mut space = false;
    for c in text.chars() {
        if c.is_whitespace() {
            space = !out.is_empty();
            continue;
        }
        if count >= max {
            out.push('…');
            return out;
        }
        if space {
            out.push(' ');
            count += 1;
            space = false;
        }
        if c.is_control() {
            out.extend(c.escape_default());
        } else {
            out.push(c);
        }
        count += 1;
    }
    out
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
    excerpt(&redact_quoted(&message))
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn userinfo_and_query_go_whatever_they_hold() {
        for (raw, shown) in [
            ("http://user:secret@proxy:3128/x", "http://***@proxy:3128/x"),
            ("http://u:pa#SECRET@127.0.0.1:3128", "http://***@127.0.0.1:3128"),
            ("https://user:p/SECRET@rancher.example/k8s/clusters/c-x", "https://***@rancher.example/k8s/clusters/c-x"),
            ("http://u:p?SECRET@proxy:3128", "http://***@proxy:3128"),
            ("http://proxy:3128/?token=SECRET", "http://proxy:3128/?***"),
            ("http://proxy:3128#SECRET", "http://proxy:3128?***"),
            ("socks5://proxy:1080", "socks5://proxy:1080"),
            ("user:pw@proxy:1", "***@proxy:1"),
            ("https://[2001:db8::1]:6443", "https://[2001:db8::1]:6443"),
        ] {
            assert_eq!(url(raw), shown, "{raw}");
            assert!(!url(raw).contains("SECRET"));
        }
    }

    #[test]
    fn excerpts_are_short_single_lines_without_control_characters() {
        assert_eq!(excerpt("  a\n\tb  "), "a b");
        assert_eq!(excerpt("\x1b]0;pwned\x07"), "\\u{1b}]0;pwned\\u{7}");
        let long = "x".repeat(1000);
        assert_eq!(excerpt(&long).chars().count(), EXCERPT_CHARS + 1);
        assert_eq!(terminal("ok\x1b[2Jok\n"), "ok\\u{1b}[2Jok\n");
    }

    proptest::proptest! {
        #[test]
        fn no_control_character_survives(text in "\\PC*|[\\x00-\\x1f\\x7f]*") {
            proptest::prop_assert!(!excerpt(&text).chars().any(char::is_control));
            proptest::prop_assert!(!terminal(&text).chars().any(|c| c.is_control() && c != '\n' && c != '\t'));
            proptest::prop_assert!(!url(&text).chars().any(char::is_control));
        }
    }
}
