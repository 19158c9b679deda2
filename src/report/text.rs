//! Text for terminals: display widths (a CJK character takes two columns), word wrapping that
//! breaks a word only when it is wider than the line, and shell commands wrapped with `\` so that
//! they still paste.

use unicode_width::UnicodeWidthStr;

/// Columns a string takes on a terminal.
pub fn width(s: &str) -> usize {
    UnicodeWidthStr::width(s)
}

/// `s` padded with spaces to `w` columns.
pub fn pad(s: &str, w: usize) -> String {
    let mut out = s.to_string();
    out.push_str(&" ".repeat(w.saturating_sub(width(s))));
    out
}

/// Splits a word wider than `w` into pieces of at most `w` columns.
fn split_word(word: &str, w: usize) -> Vec<String> {
    let mut out = Vec::new();
    let mut piece = String::new();
    for c in word.chars() {
        let cw = unicode_width::UnicodeWidthChar::width(c).unwrap_or(0);
        if !piece.is_empty() && width(&piece) + cw > w {
            out.push(std::mem::take(&mut piece));
        }
        piece.push(c);
    }
    if !piece.is_empty() {
        out.push(piece);
    }
    out
}

/// Punctuation that closes a clause: it stays on the line of what it follows.
const CLOSING: &[char] = &['，', '。', '；', '：', '！', '？', '）', '、', '」', '』', '》', ',', '.', ';', ':', ')'];

/// Punctuation that opens: what follows it stays on its line.
const OPENING: &[char] = &['（', '「', '『', '《', '('];

/// Whether a paragraph is written in Chinese (then it may break between any two of its
/// double-width characters), rather than English quoting a Chinese name ("华东1(杭州)"), which
/// breaks at spaces only, keeping the name whole.
fn breaks_between_wide(paragraph: &str) -> bool {
    let (mut wide, mut all) = (0usize, 0usize);
    for c in paragraph.chars().filter(|c| !c.is_whitespace()) {
        all += 1;
        wide += usize::from(unicode_width::UnicodeWidthChar::width(c).unwrap_or(0) > 1);
    }
    wide * 10 >= all * 3
}

/// The places a line may break: words, and in a Chinese paragraph each double-width character on
/// its own (Chinese has no spaces). `true` means the piece follows the previous one without a
/// space.
fn pieces(paragraph: &str) -> Vec<(String, bool)> {
    if !breaks_between_wide(paragraph) {
        // Still after Chinese punctuation ("a、b、c" lists ids without spaces).
        let mut out = Vec::new();
        for word in paragraph.split(' ').filter(|w| !w.is_empty()) {
            let mut glued = false;
            let mut rest = word;
            while let Some(i) = rest.find(|c: char| c != ',' && c != '.' && CLOSING.contains(&c) && !c.is_ascii()) {
                let end = i + rest[i..].chars().next().map_or(1, char::len_utf8);
                if end == rest.len() {
                    break;
                }
                out.push((rest[..end].to_string(), glued));
                glued = true;
                rest = &rest[end..];
            }
            out.push((rest.to_string(), glued));
        }
        return out;
    }
    let mut out: Vec<(String, bool)> = Vec::new();
    let mut spaced = true;
    let mut word = String::new();
    let flush = |word: &mut String, out: &mut Vec<(String, bool)>, spaced: &mut bool| {
        if !word.is_empty() {
            out.push((std::mem::take(word), !*spaced));
            *spaced = false;
        }
    };
    for c in paragraph.chars() {
        let wide = unicode_width::UnicodeWidthChar::width(c).unwrap_or(0) > 1;
        if c == ' ' {
            flush(&mut word, &mut out, &mut spaced);
            spaced = true;
        } else if CLOSING.contains(&c) && word.is_empty() && !spaced && !out.is_empty() {
            // Right after a wide character: never the first thing on a line.
            if let Some(last) = out.last_mut() {
                last.0.push(c);
            }
        } else if wide {
            if (CLOSING.contains(&c) || word.ends_with(OPENING)) && !word.is_empty() {
                word.push(c);
                flush(&mut word, &mut out, &mut spaced);
                continue;
            }
            flush(&mut word, &mut out, &mut spaced);
            match out.last_mut() {
                Some(last) if !spaced && last.0.ends_with(OPENING) => last.0.push(c),
                _ => out.push((c.to_string(), !spaced)),
            }
            spaced = false;
        } else {
            word.push(c);
        }
    }
    flush(&mut word, &mut out, &mut spaced);
    out
}

/// Wraps `text` into lines of at most `w` columns (display width), at spaces and between
/// double-width characters; a word wider than `w` is the only thing ever cut. Line breaks in
/// `text` are kept.
pub fn wrap(text: &str, w: usize) -> Vec<String> {
    let w = w.max(1);
    let mut lines = Vec::new();
    for paragraph in text.split('\n') {
        let mut line = String::new();
        for (piece, glued) in pieces(paragraph) {
            let parts = if width(&piece) > w { split_word(&piece, w) } else { vec![piece] };
            for (i, part) in parts.into_iter().enumerate() {
                let gap = usize::from(!(glued || i > 0));
                if line.is_empty() {
                    line = part;
                } else if width(&line) + gap + width(&part) <= w {
                    if gap == 1 {
                        line.push(' ');
                    }
                    line.push_str(&part);
                } else {
                    lines.push(std::mem::take(&mut line));
                    line = part;
                }
            }
        }
        lines.push(line);
    }
    lines
}

/// Wraps `text` after `first` (the first line's prefix), continuing lines with `rest`, all within
/// `w` columns.
pub fn hanging(text: &str, w: usize, first: &str, rest: &str) -> Vec<String> {
    let inner = w.saturating_sub(width(first).max(width(rest))).max(20);
    wrap(text, inner)
        .into_iter()
        .enumerate()
        .map(|(i, l)| format!("{}{l}", if i == 0 { first } else { rest }))
        .collect()
}

/// The programs whose command lines the fixes print: wrapped with a trailing ` \` so the wrapped
/// form still runs when pasted.
const COMMANDS: &[&str] = &[
    "iptables",
    "ip6tables",
    "iptables-legacy",
    "ip6tables-legacy",
    "iptables-nft",
    "ip6tables-nft",
    "iptables-save",
    "ip6tables-save",
    "iptables-restore",
    "nft",
    "firewall-cmd",
    "ufw",
    "aliyun",
    "sysctl",
    "echo",
    "ip",
    "kubeadm",
    "kubectl",
    "crictl",
    "netsh",
    "k8sjoin-check",
    "netfilter-persistent",
    "rmdir",
    "systemctl",
];

/// A fix step wrapped after `first`/`rest`: shell commands with ` \` continuations, prose at words.
pub fn step(text: &str, w: usize, first: &str, rest: &str) -> Vec<String> {
    let program = text.split_whitespace().next().unwrap_or_default();
    if !COMMANDS.contains(&program) || width(first) + width(text) <= w {
        return hanging(text, w, first, rest);
    }
    // Two columns for the ` \` on every line but the last.
    let mut lines = hanging(text, w.saturating_sub(2), first, rest);
    let last = lines.len().saturating_sub(1);
    for line in &mut lines[..last] {
        line.push_str(" \\");
    }
    lines
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wraps_at_words_and_cuts_only_wide_words() {
        assert_eq!(wrap("kubernetes-admin is here", 20), ["kubernetes-admin is", "here"]);
        assert_eq!(wrap("kubernetes-admin is here", 10), ["kubernetes", "-admin is", "here"]);
        assert_eq!(wrap("a bb ccc", 4), ["a bb", "ccc"]);
        assert_eq!(wrap("one\ntwo", 80), ["one", "two"]);
    }

    #[test]
    fn display_width_counts_double_width_characters() {
        assert_eq!(width("华东1(杭州)"), 11);
        assert!(wrap("华东1(杭州) 华北2(北京) 华南1(深圳)", 12).iter().all(|l| width(l) <= 12));
        // Chinese has no spaces: lines break between characters, never before closing punctuation.
        let lines = wrap("地域cn-hangzhou的公网地址池无法连接到API服务器，请在安全组中放行。", 20);
        assert!(lines.iter().all(|l| width(l) <= 20), "{lines:?}");
        assert!(lines.iter().all(|l| !l.starts_with(['，', '。'])), "{lines:?}");
        assert_eq!(lines.concat(), "地域cn-hangzhou的公网地址池无法连接到API服务器，请在安全组中放行。");
        assert_eq!(wrap("云安全中心 (Security Center)", 80), ["云安全中心 (Security Center)"]);
        assert_eq!(pad("杭州", 6), "杭州  ");
    }

    #[test]
    fn english_keeps_a_quoted_chinese_name_whole() {
        let lines = wrap("the VPC regions: cn-hangzhou (华东1(杭州)), cn-shanghai (华东2(上海)), cn-beijing", 44);
        assert_eq!(lines, ["the VPC regions: cn-hangzhou (华东1(杭州)),", "cn-shanghai (华东2(上海)), cn-beijing"]);
        // A list of ids in a Chinese sentence breaks after its 、.
        let lines = wrap("已通过（3）：region.known、firewall.allowlist、firewall.shadowed", 40);
        assert_eq!(lines, ["已通过（3）：region.known、", "firewall.allowlist、firewall.shadowed"]);
        // In Chinese, an opening bracket stays with what follows it.
        let lines = wrap("请在安全组中放行（云安全中心的地址池）", 18);
        assert!(lines.iter().all(|l| !l.ends_with('（')), "{lines:?}");
    }

    #[test]
    fn commands_wrap_with_continuations() {
        let lines = step("iptables -I INPUT 3 -s 198.51.100.0/26 -p tcp --dport 6443 -j ACCEPT", 40, "  - ", "    ");
        assert!(lines.len() > 1 && lines[..lines.len() - 1].iter().all(|l| l.ends_with(" \\")), "{lines:?}");
        assert!(lines.iter().all(|l| width(l) <= 40), "{lines:?}");
        let prose = step("pass --interface IF (the interface the pool's traffic arrives on)", 30, "- ", "  ");
        assert!(prose.iter().all(|l| !l.ends_with('\\')));
    }
}
