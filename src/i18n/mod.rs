//! Human text in the run's language (`--lang en|zh`). Code never builds a sentence: it names a
//! catalogue message and hands it typed arguments ([`Text`], made with [`t!`](crate::t)); the
//! sentence is made in a language only when the report is written, so the same run can say it in
//! Chinese and keep the English (`message_en`) for tooling.
//!
//! What is never translated is said so explicitly: a command, a path, an address, a rule's text, a
//! check id ([`Text::verbatim`], and every argument given as a string).
//!
//! The catalogue is Fluent (`locales/{en,zh}/*.ftl`, embedded): its selectors give English its
//! plurals without code, and a message is an id plus named variables, which is what lets the
//! tests prove both languages have the same messages with the same variables.

mod catalog;

pub use catalog::{Lang, has_message};

/// A catalogue message without arguments, in `lang`.
pub fn message(lang: Lang, id: &str) -> String {
    catalog::format(lang, id, &[])
}

/// What [`Sep`] puts between parts in `lang`.
pub fn separator(lang: Lang, sep: Sep) -> &'static str {
    catalog::separator(lang, sep)
}

/// The catalogue text of a check (`check-` and its id with `-` for `.`): its title, or the
/// attribute named (`summary`, `explain`).
pub fn check_text(lang: Lang, check_id: &str, attribute: Option<&str>) -> String {
    let mut id = format!("check-{}", check_id.replace('.', "-"));
    if let Some(a) = attribute {
        id.push('.');
        id.push_str(a);
    }
    catalog::format(lang, &id, &[])
}

/// A piece of human text, not yet in a language.
#[derive(Debug, Clone, PartialEq)]
pub enum Text {
    /// A catalogue message and its arguments.
    Msg { id: &'static str, args: Vec<(&'static str, Arg)> },
    /// Never translated: a command line, a path, an address, a rule's text, an id, or text an
    /// input or another program gave (already sanitised by whoever took it in).
    Verbatim(String),
    /// Parts joined with the language's separator.
    Join { parts: Vec<Text>, sep: Sep },
    /// The first clause of a text: what a dependent check repeats of its cause.
    Headline(Box<Text>),
    /// English built outside the catalogue: only the iptables and nft readers' refusals of a
    /// rule's options and expressions, which quote the rule's own syntax (the README lists them
    /// as not translated). The Chinese runs of the tests fail on it anywhere else (see
    /// `Text::untranslated`).
    Untranslated(String),
}

/// An argument of a catalogue message.
#[derive(Debug, Clone, PartialEq)]
pub enum Arg {
    /// Inserted as it is (a value: a path, an address, a name, a command).
    Str(String),
    /// A number: English selects its plural form with it.
    Num(f64),
    /// Human text, rendered in the same language first.
    Text(Box<Text>),
}

/// How [`Text::Join`] separates its parts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sep {
    /// Items of a list: `a, b` / `a、b`.
    Comma,
    /// Clauses: `a; b` / `a；b`.
    Semicolon,
    /// A name and what it says: `a: b` / `a：b`.
    Colon,
    /// One after the other, as written.
    Nothing,
    /// Sentences, each ending its own: a space in English, nothing in Chinese.
    Space,
}

impl Text {
    /// Text that is never translated (see [`Text::Verbatim`]).
    pub fn verbatim(s: impl Into<String>) -> Text {
        Text::Verbatim(s.into())
    }

    /// `parts` joined with `sep` in the language of the rendering.
    pub fn join(parts: impl IntoIterator<Item = Text>, sep: Sep) -> Text {
        Text::Join { parts: parts.into_iter().collect(), sep }
    }

    /// The text in `lang`.
    pub fn render(&self, lang: Lang) -> String {
        match self {
            Text::Msg { id, args } => catalog::format(lang, id, args),
            Text::Verbatim(s) | Text::Untranslated(s) => s.clone(),
            Text::Join { parts, sep } => {
                let parts: Vec<String> = parts.iter().map(|p| p.render(lang)).filter(|p| !p.is_empty()).collect();
                parts.join(catalog::separator(lang, *sep))
            }
            Text::Headline(t) => headline(&t.render(lang)).to_string(),
        }
    }

    /// Whether any part was built outside the catalogue.
    pub fn untranslated(&self) -> Option<&str> {
        match self {
            Text::Untranslated(s) => Some(s),
            Text::Msg { args, .. } => args.iter().find_map(|(_, a)| match a {
                Arg::Text(t) => t.untranslated(),
                _ => None,
            }),
            Text::Join { parts, .. } => parts.iter().find_map(Text::untranslated),
            Text::Headline(t) => t.untranslated(),
            Text::Verbatim(_) => None,
        }
    }

    /// The English text: what `Display` and the logs show.
    pub fn en(&self) -> String {
        self.render(Lang::En)
    }

    /// Whether the English text contains `pattern` (what tests and callers matching on a
    /// message look for).
    pub fn contains(&self, pattern: &str) -> bool {
        self.en().contains(pattern)
    }

    pub fn is_empty(&self) -> bool {
        match self {
            Text::Msg { .. } => false,
            Text::Verbatim(s) | Text::Untranslated(s) => s.is_empty(),
            Text::Join { parts, .. } => parts.iter().all(Text::is_empty),
            Text::Headline(t) => t.is_empty(),
        }
    }

    /// The catalogue ids this text uses, nested ones included (for the tests).
    pub fn ids(&self) -> Vec<&'static str> {
        let mut out = Vec::new();
        self.collect_ids(&mut out);
        out
    }

    fn collect_ids(&self, out: &mut Vec<&'static str>) {
        match self {
            Text::Msg { id, args } => {
                out.push(id);
                for (_, a) in args {
                    if let Arg::Text(t) = a {
                        t.collect_ids(out);
                    }
                }
            }
            Text::Verbatim(_) | Text::Untranslated(_) => {}
            Text::Join { parts, .. } => parts.iter().for_each(|p| p.collect_ids(out)),
            Text::Headline(t) => t.collect_ids(out),
        }
    }

    /// The text in `lang` with every verbatim part (argument strings and [`Text::Verbatim`])
    /// replaced by `·`: what the catalogue itself says. Tests read it to prove a Chinese run
    /// says nothing in English but values.
    pub fn skeleton(&self, lang: Lang) -> String {
        match self {
            Text::Msg { id, args } => {
                let blanked: Vec<(&'static str, Arg)> = args
                    .iter()
                    .map(|(k, a)| {
                        let a = match a {
                            Arg::Str(_) => Arg::Str("·".into()),
                            Arg::Num(n) => Arg::Num(*n),
                            Arg::Text(t) => Arg::Str(t.skeleton(lang)),
                        };
                        (*k, a)
                    })
                    .collect();
                catalog::format(lang, id, &blanked)
            }
            Text::Verbatim(_) => "·".into(),
            Text::Untranslated(s) => s.clone(),
            Text::Join { parts, sep } => {
                parts.iter().map(|p| p.skeleton(lang)).collect::<Vec<_>>().join(catalog::separator(lang, *sep))
            }
            Text::Headline(t) => headline(&t.skeleton(lang)).to_string(),
        }
    }
}

/// The first clause of a message (in either language): up to the first `: `, ` (`, `; ` or their
/// Chinese forms, when that leaves a clause long enough to say something.
fn headline(message: &str) -> &str {
    let cut = [": ", " (", "; ", "：", "（", "；"]
        .iter()
        .filter_map(|sep| message.find(sep))
        .filter(|&i| message[..i].chars().count() >= 6 && message[..i].len() >= 12)
        .min();
    cut.map_or(message, |i| &message[..i])
}

impl std::fmt::Display for Text {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.en())
    }
}

impl From<String> for Arg {
    fn from(s: String) -> Arg {
        Arg::Str(s)
    }
}

impl From<&String> for Arg {
    fn from(s: &String) -> Arg {
        Arg::Str(s.clone())
    }
}

impl From<&str> for Arg {
    fn from(s: &str) -> Arg {
        Arg::Str(s.to_string())
    }
}

impl From<Text> for Arg {
    fn from(t: Text) -> Arg {
        Arg::Text(Box::new(t))
    }
}

impl From<&Text> for Arg {
    fn from(t: &Text) -> Arg {
        Arg::Text(Box::new(t.clone()))
    }
}

macro_rules! number_arg {
    ($($t:ty),*) => {$(
        impl From<$t> for Arg {
            #[allow(clippy::cast_precision_loss, clippy::cast_lossless)] // counts and sizes, far below 2^52
            fn from(n: $t) -> Arg {
                Arg::Num(n as f64)
            }
        }
    )*};
}
number_arg!(u8, u16, u32, u64, usize, i32, i64, f64);

/// A catalogue message: `t!("id")` or `t!("id", name = value, …)`; each value is a string (inserted
/// as it is), a number, or a [`Text`].
#[macro_export]
macro_rules! t {
    ($id:literal $(, $name:ident = $value:expr)* $(,)?) => {
        $crate::i18n::Text::Msg {
            id: $id,
            args: vec![$((stringify!($name), $crate::i18n::Arg::from($value))),*],
        }
    };
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn arguments_nest_and_lists_take_the_language_separator() {
        let list = Text::join([Text::verbatim("a"), Text::verbatim("b")], Sep::Comma);
        assert_eq!(list.render(Lang::En), "a, b");
        assert_eq!(list.render(Lang::Zh), "a、b");
        let t = crate::t!("test-nested", what = list.clone(), n = 2);
        assert_eq!(t.render(Lang::En), "2 items: a, b");
        assert_eq!(t.render(Lang::Zh), "2 项：a、b");
        assert_eq!(t.skeleton(Lang::Zh), "2 项：·、·");
        assert_eq!(crate::t!("test-nested", what = "x", n = 1).render(Lang::En), "1 item: x");
        assert_eq!(t.ids(), ["test-nested"]);
    }

    #[test]
    fn headlines_cut_at_the_first_clause() {
        assert_eq!(headline("no API server endpoint: no --apiserver, and no kubeconfig (x)"), "no API server endpoint");
        assert_eq!(headline("broken input"), "broken input");
        assert_eq!(headline("a: b"), "a: b", "too short a clause is kept whole");
        assert_eq!(headline("没有 API 服务器端点：未给出 --apiserver"), "没有 API 服务器端点");
    }
}
