//! The embedded Fluent catalogue: one bundle per language, built on first use.

use std::borrow::Cow;
use std::sync::OnceLock;

use fluent_bundle::concurrent::FluentBundle;
use fluent_bundle::{FluentArgs, FluentResource, FluentValue};

use super::{Arg, Sep};

/// The language of human output.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub enum Lang {
    #[default]
    En,
    Zh,
}

impl Lang {
    pub const ALL: [Lang; 2] = [Lang::En, Lang::Zh];

    pub fn as_str(self) -> &'static str {
        match self {
            Lang::En => "en",
            Lang::Zh => "zh",
        }
    }

    /// `--lang`, else the locale as POSIX orders it: the first non-empty of `LC_ALL`,
    /// `LC_MESSAGES`, `LANG`; `zh…` (zh_CN.UTF-8, zh_TW, zh) is Chinese, anything else English.
    pub fn choose(flag: Option<Lang>, env: impl Fn(&str) -> Option<String>) -> Lang {
        if let Some(lang) = flag {
            return lang;
        }
        ["LC_ALL", "LC_MESSAGES", "LANG"]
            .iter()
            .filter_map(|var| env(var).filter(|v| !v.is_empty()))
            .next()
            .map_or(Lang::En, |v| if v.to_ascii_lowercase().starts_with("zh") { Lang::Zh } else { Lang::En })
    }

    /// The language of this process's locale (no `--lang`).
    pub fn from_env() -> Lang {
        Lang::choose(None, |var| std::env::var(var).ok())
    }
}

impl std::str::FromStr for Lang {
    type Err = String;
    fn from_str(s: &str) -> Result<Lang, String> {
        match s.to_ascii_lowercase().as_str() {
            "en" => Ok(Lang::En),
            "zh" => Ok(Lang::Zh),
            _ => Err(format!("{s:?}: expected en or zh")),
        }
    }
}

macro_rules! sources {
    ($lang:literal) => {
        [
            include_str!(concat!("../../locales/", $lang, "/main.ftl")),
            include_str!(concat!("../../locales/", $lang, "/errors.ftl")),
            include_str!(concat!("../../locales/", $lang, "/region.ftl")),
            include_str!(concat!("../../locales/", $lang, "/apiserver.ftl")),
            include_str!(concat!("../../locales/", $lang, "/forwarder.ftl")),
            include_str!(concat!("../../locales/", $lang, "/host.ftl")),
            include_str!(concat!("../../locales/", $lang, "/edition.ftl")),
            include_str!(concat!("../../locales/", $lang, "/audit.ftl")),
            include_str!(concat!("../../locales/", $lang, "/firewall.ftl")),
            include_str!(concat!("../../locales/", $lang, "/forward.ftl")),
            include_str!(concat!("../../locales/", $lang, "/fleet.ftl")),
            include_str!(concat!("../../locales/", $lang, "/cli.ftl")),
            include_str!(concat!("../../locales/", $lang, "/rules.ftl")),
            include_str!(concat!("../../locales/", $lang, "/input.ftl")),
        ]
    };
}

/// The FTL text of each file of `lang`, in [`FILES`] order.
pub(crate) fn sources(lang: Lang) -> [&'static str; 14] {
    match lang {
        Lang::En => sources!("en"),
        Lang::Zh => sources!("zh"),
    }
}

type Bundle = FluentBundle<FluentResource>;

fn bundle(lang: Lang) -> &'static Bundle {
    static EN: OnceLock<Bundle> = OnceLock::new();
    static ZH: OnceLock<Bundle> = OnceLock::new();
    let cell = match lang {
        Lang::En => &EN,
        Lang::Zh => &ZH,
    };
    cell.get_or_init(|| {
        // Plural rules come from the language: English has one/other, Chinese only other.
        let id: unic_langid::LanguageIdentifier = lang.as_str().parse().unwrap_or_default();
        let mut bundle = Bundle::new_concurrent(vec![id]);
        // No bidi isolation marks around arguments: the output is a terminal or a ticket, never
        // mixed-direction text, and the marks would show as garbage in logs.
        bundle.set_use_isolating(false);
        for text in sources(lang) {
            // A syntax error keeps the entries that parsed; the catalogue tests fail on any.
            let resource = FluentResource::try_new(text.to_string()).unwrap_or_else(|(partial, _)| partial);
            // Duplicates across files are a test failure too; the first one wins meanwhile.
            let _ = bundle.add_resource(resource);
        }
        bundle
    })
}

/// Whether `id` (`message` or `message.attribute`) is in `lang`'s catalogue.
pub fn has_message(lang: Lang, id: &str) -> bool {
    let (message, attribute) = split(id);
    let Some(m) = bundle(lang).get_message(message) else { return false };
    match attribute {
        None => m.value().is_some(),
        Some(a) => m.get_attribute(a).is_some(),
    }
}

fn split(id: &str) -> (&str, Option<&str>) {
    match id.split_once('.') {
        Some((m, a)) => (m, Some(a)),
        None => (id, None),
    }
}

/// The message `id` in `lang` with `args`. An id missing from `lang` falls back to English, and
/// one missing from both shows as the id itself: the tests prove neither happens.
pub(crate) fn format(lang: Lang, id: &str, args: &[(&'static str, Arg)]) -> String {
    let (message, attribute) = split(id);
    let langs = if lang == Lang::En { &[Lang::En][..] } else { &[lang, Lang::En][..] };
    for &l in langs {
        let bundle = bundle(l);
        let Some(m) = bundle.get_message(message) else { continue };
        let pattern = match attribute {
            None => m.value(),
            Some(a) => m.get_attribute(a).map(|a| a.value()),
        };
        let Some(pattern) = pattern else { continue };
        let mut fluent_args = FluentArgs::new();
        for (name, arg) in args {
            let value: FluentValue<'_> = match arg {
                Arg::Str(s) => FluentValue::String(Cow::Owned(s.clone())),
                Arg::Num(n) => FluentValue::from(*n),
                Arg::Text(t) => FluentValue::String(Cow::Owned(t.render(lang))),
            };
            fluent_args.set(*name, value);
        }
        let mut errors = Vec::new();
        let text = bundle.format_pattern(pattern, Some(&fluent_args), &mut errors);
        debug_assert!(errors.is_empty(), "{id} in {}: {errors:?}", l.as_str());
        return text.into_owned();
    }
    debug_assert!(false, "{id} is in no catalogue");
    id.to_string()
}

pub(crate) fn separator(lang: Lang, sep: Sep) -> &'static str {
    match (lang, sep) {
        (Lang::En, Sep::Comma) => ", ",
        (Lang::En, Sep::Semicolon) => "; ",
        (Lang::En, Sep::Colon) => ": ",
        (Lang::Zh, Sep::Colon) => "：",
        (Lang::En, Sep::Space) => " ",
        (Lang::Zh, Sep::Comma) => "、",
        (Lang::Zh, Sep::Semicolon) => "；",
        (Lang::Zh, Sep::Space) | (_, Sep::Nothing) => "",
    }
}

#[cfg(test)]
mod tests {
    use std::collections::{BTreeMap, BTreeSet};

    use fluent_syntax::ast;

    use super::*;

    /// Every catalogue file, by area; each exists in every language.
    const FILES: &[&str] = &[
        "main",
        "errors",
        "region",
        "apiserver",
        "forwarder",
        "host",
        "edition",
        "audit",
        "firewall",
        "forward",
        "fleet",
        "cli",
        "rules",
        "input",
    ];

    /// Every message and attribute of a language, with the variables each uses.
    fn entries(lang: Lang) -> BTreeMap<String, BTreeSet<String>> {
        let mut out = BTreeMap::new();
        for (file, text) in FILES.iter().zip(sources(lang)) {
            let resource = fluent_syntax::parser::parse(text)
                .unwrap_or_else(|(_, errors)| panic!("locales/{}/{file}.ftl: {errors:?}", lang.as_str()));
            for entry in resource.body {
                let ast::Entry::Message(m) = entry else { continue };
                let id = m.id.name.to_string();
                if let Some(value) = &m.value {
                    let previous = out.insert(id.clone(), variables(value));
                    assert!(previous.is_none(), "locales/{}/{file}.ftl: {id} twice", lang.as_str());
                }
                for a in &m.attributes {
                    out.insert(format!("{id}.{}", a.id.name), variables(&a.value));
                }
            }
        }
        out
    }

    fn variables(pattern: &ast::Pattern<&str>) -> BTreeSet<String> {
        let mut out = BTreeSet::new();
        for element in &pattern.elements {
            if let ast::PatternElement::Placeable { expression } = element {
                expression_variables(expression, &mut out);
            }
        }
        out
    }

    fn expression_variables(e: &ast::Expression<&str>, out: &mut BTreeSet<String>) {
        match e {
            ast::Expression::Select { selector, variants } => {
                inline_variables(selector, out);
                for v in variants {
                    out.extend(variables(&v.value));
                }
            }
            ast::Expression::Inline(i) => inline_variables(i, out),
        }
    }

    fn inline_variables(e: &ast::InlineExpression<&str>, out: &mut BTreeSet<String>) {
        match e {
            ast::InlineExpression::VariableReference { id } => {
                out.insert(id.name.to_string());
            }
            ast::InlineExpression::Placeable { expression } => expression_variables(expression, out),
            ast::InlineExpression::FunctionReference { arguments, .. } => {
                for a in &arguments.positional {
                    inline_variables(a, out);
                }
            }
            _ => {}
        }
    }

    #[test]
    fn both_languages_have_the_same_messages_with_the_same_variables() {
        let en = entries(Lang::En);
        let zh = entries(Lang::Zh);
        let only_en: Vec<&String> = en.keys().filter(|k| !zh.contains_key(*k)).collect();
        let only_zh: Vec<&String> = zh.keys().filter(|k| !en.contains_key(*k)).collect();
        assert!(only_en.is_empty(), "in en, not in zh: {only_en:?}");
        assert!(only_zh.is_empty(), "in zh, not in en: {only_zh:?}");
        for (id, vars) in &en {
            // English may use a number only to choose a plural; Chinese need not show it.
            let missing: Vec<&String> = zh[id].iter().filter(|v| !vars.contains(*v)).collect();
            assert!(missing.is_empty(), "{id}: zh uses variables en does not give: {missing:?}");
            let dropped: Vec<&String> = vars.iter().filter(|v| !zh[id].contains(*v)).collect();
            assert!(dropped.iter().all(|v| v.starts_with('n')), "{id}: zh drops {dropped:?}");
        }
    }

    #[test]
    fn every_file_parses_without_errors() {
        for lang in Lang::ALL {
            for (file, text) in FILES.iter().zip(sources(lang)) {
                if let Err((_, errors)) = FluentResource::try_new(text.to_string()) {
                    panic!("locales/{}/{file}.ftl: {errors:?}", lang.as_str());
                }
            }
        }
    }

    /// The `t!("…")` ids in the source tree.
    fn ids_in_source() -> BTreeSet<(String, String)> {
        let mut out = BTreeSet::new();
        let mut dirs = vec![std::path::PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/src"))];
        while let Some(dir) = dirs.pop() {
            for entry in std::fs::read_dir(&dir).unwrap() {
                let path = entry.unwrap().path();
                if path.is_dir() {
                    dirs.push(path);
                } else if path.extension().is_some_and(|e| e == "rs") {
                    let text = std::fs::read_to_string(&path).unwrap();
                    for line in text.lines().filter(|l| !l.trim_start().starts_with("//")) {
                        for (at, _) in line.match_indices("t!(\"") {
                            // `t!`, not `format!` or `print!`.
                            if line[..at].ends_with(|c: char| c.is_alphanumeric() || c == '_') {
                                continue;
                            }
                            let rest = &line[at + 4..];
                            let id = rest.split('"').next().unwrap();
                            out.insert((id.to_string(), path.display().to_string()));
                        }
                    }
                }
            }
        }
        out
    }

    #[test]
    fn every_id_the_code_names_is_in_the_catalogue() {
        let en = entries(Lang::En);
        let missing: Vec<String> = ids_in_source()
            .into_iter()
            .filter(|(id, _)| !en.contains_key(id))
            .map(|(id, f)| format!("{f}: {id}"))
            .collect();
        assert!(missing.is_empty(), "not in locales/en: {missing:#?}");
    }

    #[test]
    fn the_locale_chooses_unless_the_flag_does() {
        let env = |pairs: &'static [(&'static str, &'static str)]| {
            move |var: &str| pairs.iter().find(|(k, _)| *k == var).map(|(_, v)| (*v).to_string())
        };
        assert_eq!(Lang::choose(None, env(&[("LANG", "zh_CN.UTF-8")])), Lang::Zh);
        assert_eq!(Lang::choose(Some(Lang::En), env(&[("LANG", "zh_CN.UTF-8")])), Lang::En);
        assert_eq!(Lang::choose(None, env(&[("LC_ALL", "C"), ("LANG", "zh_CN.UTF-8")])), Lang::En);
        assert_eq!(Lang::choose(None, env(&[("LC_ALL", ""), ("LC_MESSAGES", "zh_TW"), ("LANG", "C")])), Lang::Zh);
        assert_eq!(Lang::choose(None, env(&[])), Lang::En);
        assert_eq!("ZH".parse::<Lang>(), Ok(Lang::Zh));
    }
}
