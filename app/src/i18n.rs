//! The interface catalogue: texts in ten locales (`app/locales/*.json`), chosen per reader.
//!
//! `build.rs` turns the English file into one [`Key`] per text (`keys::section::name`), so a
//! key the code names but the catalogue lacks does not compile, and gives the server every
//! locale's texts. The WebAssembly carries no text: the page names the reader's locale's
//! texts as a file (`/texts/<locale>.<hash>.json`, cached for a year) that the browser loads
//! beside the WebAssembly and [`load_page_texts`] reads before hydrating. A reader switching
//! language reloads the page.
//!
//! Texts are plain, with `{{ name }}` placeholders and ICU plurals
//! (`{count, plural, =0 {none} one {# reply} other {# replies}}`, `#` is the number), chosen by
//! the CLDR plural rules of the locale ([`plural_category`]).

use leptos::prelude::*;
use std::{fmt::Display, str::FromStr};

include!(concat!(env!("OUT_DIR"), "/catalogue.rs"));

/// One text of the catalogue; the constants live in [`keys`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Key(u16);

impl Key {
    /// The key's name, `section.key`.
    pub fn name(self) -> &'static str {
        KEY_NAMES.get(usize::from(self.0)).copied().unwrap_or("")
    }
}

/// An interface locale.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
#[allow(non_camel_case_types)]
pub enum Locale {
    #[default]
    en,
    es,
    de,
    fr,
    ru,
    zh,
    pt_BR,
    ja,
    ar,
    uk,
}

/// Which way a locale's text runs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Direction {
    LeftToRight,
    RightToLeft,
}

impl Direction {
    /// The value of the HTML `dir` attribute.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::LeftToRight => "ltr",
            Self::RightToLeft => "rtl",
        }
    }
}

impl Locale {
    /// Every locale, in the order of `build.rs`'s table.
    pub const ALL: [Locale; 10] = [
        Self::en,
        Self::es,
        Self::de,
        Self::fr,
        Self::ru,
        Self::zh,
        Self::pt_BR,
        Self::ja,
        Self::ar,
        Self::uk,
    ];

    pub fn get_all() -> &'static [Locale] {
        &Self::ALL
    }

    /// The BCP 47 tag.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::en => "en",
            Self::es => "es",
            Self::de => "de",
            Self::fr => "fr",
            Self::ru => "ru",
            Self::zh => "zh",
            Self::pt_BR => "pt-BR",
            Self::ja => "ja",
            Self::ar => "ar",
            Self::uk => "uk",
        }
    }

    pub fn direction(self) -> Direction {
        match self {
            Self::ar => Direction::RightToLeft,
            _ => Direction::LeftToRight,
        }
    }

    #[cfg(feature = "ssr")]
    fn index(self) -> usize {
        Self::ALL.iter().position(|l| *l == self).unwrap_or(0)
    }

    /// The locale for a language tag a browser or a user gave: the same tag (any case), else
    /// the same language (`pt-PT` → `pt-BR`, `zh-TW` → `zh`, `en-GB` → `en`).
    pub fn matching(tag: &str) -> Option<Locale> {
        let tag = tag.trim();
        if let Some(exact) = Self::ALL
            .iter()
            .find(|l| l.as_str().eq_ignore_ascii_case(tag))
        {
            return Some(*exact);
        }
        let language = tag.split(['-', '_']).next()?;
        Self::ALL.iter().copied().find(|l| {
            l.as_str()
                .split('-')
                .next()
                .is_some_and(|own| own.eq_ignore_ascii_case(language))
        })
    }

    /// The best locale for an `Accept-Language` header: the first supported language by
    /// preference (`q`), English when none is.
    pub fn negotiate(accept_language: &str) -> Locale {
        let mut ranges: Vec<(f32, &str)> = accept_language
            .split(',')
            .filter_map(|range| {
                let mut parts = range.split(';');
                let tag = parts.next()?.trim();
                let quality = parts
                    .find_map(|p| p.trim().strip_prefix("q="))
                    .map_or(Some(1.0), |q| q.trim().parse::<f32>().ok())?;
                (!tag.is_empty() && tag != "*" && quality > 0.0).then_some((quality, tag))
            })
            .collect();
        // stable: equal preferences keep the header's order
        ranges.sort_by(|a, b| b.0.total_cmp(&a.0));
        ranges
            .iter()
            .find_map(|(_, tag)| Self::matching(tag))
            .unwrap_or_default()
    }
}

/// The tag as a locale, matched exactly (any case).
impl FromStr for Locale {
    type Err = ();

    fn from_str(tag: &str) -> Result<Self, ()> {
        Self::ALL
            .iter()
            .copied()
            .find(|l| l.as_str().eq_ignore_ascii_case(tag.trim()))
            .ok_or(())
    }
}

/// The reader's interface language, as every translated component reads it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub struct I18n {
    locale: Locale,
}

impl I18n {
    pub fn new(locale: Locale) -> Self {
        Self { locale }
    }

    pub fn get_locale(self) -> Locale {
        self.locale
    }

    pub fn get_locale_untracked(self) -> Locale {
        self.locale
    }

    /// The text of `key` in the reader's locale, as written (placeholders included).
    pub fn text(self, key: Key) -> &'static str {
        #[cfg(feature = "ssr")]
        {
            TEXTS
                .get(self.locale.index())
                .and_then(|texts| texts.get(usize::from(key.0)))
                .copied()
                .unwrap_or("")
        }
        #[cfg(not(feature = "ssr"))]
        {
            PAGE_TEXTS
                .get()
                .and_then(|texts| texts.get(usize::from(key.0)))
                .copied()
                .unwrap_or("")
        }
    }

    /// The text of `key` with its placeholders and plurals filled from `args`.
    pub fn format(self, key: Key, args: &[(&str, String)]) -> String {
        render(self.locale, self.text(key), args)
    }
}

/// The reader's interface language in this part of the page.
pub fn use_i18n() -> I18n {
    use_context::<I18n>().unwrap_or_default()
}

/// Decides the interface language of the page and provides it: on the server from the
/// request (the `i18n_pref_locale` cookie, then `Accept-Language`), in the browser the locale
/// of the texts the page came with.
pub fn provide_i18n() -> I18n {
    #[cfg(feature = "ssr")]
    let locale = request_locale();
    #[cfg(not(feature = "ssr"))]
    let locale = PAGE_LOCALE.get().copied().unwrap_or_default();
    let i18n = I18n::new(locale);
    provide_context(i18n);
    i18n
}

/// The cookie that remembers a reader's choice of interface language.
pub const LOCALE_COOKIE: &str = "i18n_pref_locale";

/// The interface language of the request being rendered.
#[cfg(feature = "ssr")]
pub fn request_locale() -> Locale {
    use_context::<axum::http::request::Parts>()
        .map(|request| locale_of_request(&request.headers))
        .unwrap_or_default()
}

/// The cookie's locale when it names one, else the best match of `Accept-Language`.
#[cfg(feature = "ssr")]
pub fn locale_of_request(headers: &axum::http::HeaderMap) -> Locale {
    let chosen = headers
        .get_all(axum::http::header::COOKIE)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|cookies| cookies.split(';'))
        .find_map(|cookie| {
            let (name, value) = cookie.trim().split_once('=')?;
            (name == LOCALE_COOKIE).then(|| value.parse::<Locale>().ok())?
        });
    chosen.unwrap_or_else(|| {
        headers
            .get(axum::http::header::ACCEPT_LANGUAGE)
            .and_then(|value| value.to_str().ok())
            .map(Locale::negotiate)
            .unwrap_or_default()
    })
}

/// A locale's texts as the browser loads them: a JSON array in key order.
#[cfg(feature = "ssr")]
pub fn texts_json(locale: Locale) -> &'static str {
    use std::sync::LazyLock;
    static JSON: LazyLock<Vec<String>> = LazyLock::new(|| {
        TEXTS
            .iter()
            .map(|texts| serde_json::to_string(&texts[..]).unwrap_or_else(|_| "[]".to_owned()))
            .collect()
    });
    JSON.get(locale.index()).map_or("[]", String::as_str)
}

/// Where the browser loads a locale's texts: the name carries a hash of the content, so the
/// file may be cached for a year.
#[cfg(feature = "ssr")]
pub fn texts_path(locale: Locale) -> String {
    format!(
        "/texts/{}.{}.json",
        locale.as_str(),
        content_hash(texts_json(locale))
    )
}

/// The texts named by a file name of [`texts_path`] (`en.0123abcd.json`); `None` for an
/// unknown locale or an outdated hash.
#[cfg(feature = "ssr")]
pub fn texts_file(name: &str) -> Option<&'static str> {
    let stem = name.strip_suffix(".json")?;
    let (tag, hash) = stem.rsplit_once('.')?;
    let locale = tag.parse::<Locale>().ok().filter(|l| l.as_str() == tag)?;
    let json = texts_json(locale);
    (content_hash(json) == hash).then_some(json)
}

/// FNV-1a, 64 bits, in hex: names files apart, nothing more.
#[cfg(feature = "ssr")]
fn content_hash(text: &str) -> String {
    let hash = text.bytes().fold(0xcbf2_9ce4_8422_2325_u64, |hash, byte| {
        (hash ^ u64::from(byte)).wrapping_mul(0x0100_0000_01b3)
    });
    format!("{hash:016x}")
}

/// The texts and locale of the page, in the browser ([`load_page_texts`]).
#[cfg_attr(feature = "ssr", allow(dead_code))]
static PAGE_TEXTS: std::sync::OnceLock<Vec<&'static str>> = std::sync::OnceLock::new();
#[cfg_attr(feature = "ssr", allow(dead_code))]
static PAGE_LOCALE: std::sync::OnceLock<Locale> = std::sync::OnceLock::new();

/// Loads the texts the page names (`<meta name="grove-texts">`); the app hydrates only with
/// them. An error leaves the server-rendered page as it is.
#[cfg(feature = "hydrate")]
pub async fn load_page_texts() -> Result<(), String> {
    use leptos::wasm_bindgen::JsCast;
    use wasm_bindgen_futures::JsFuture;
    let meta = document()
        .query_selector("meta[name=grove-texts]")
        .ok()
        .flatten()
        .ok_or("the page names no texts")?;
    let url = meta.get_attribute("content").ok_or("no texts address")?;
    let locale = meta
        .get_attribute("data-locale")
        .and_then(|tag| tag.parse::<Locale>().ok())
        .unwrap_or_default();
    let failed = |what: &str| format!("texts {url}: {what}");
    let response: web_sys::Response = JsFuture::from(window().fetch_with_str(&url))
        .await
        .map_err(|_| failed("unreachable"))?
        .dyn_into()
        .map_err(|_| failed("no response"))?;
    if !response.ok() {
        return Err(failed(&format!("status {}", response.status())));
    }
    let body = JsFuture::from(response.text().map_err(|_| failed("no body"))?)
        .await
        .map_err(|_| failed("unreadable"))?
        .as_string()
        .ok_or_else(|| failed("not text"))?;
    let texts: Vec<String> = serde_json::from_str(&body).map_err(|e| failed(&e.to_string()))?;
    if texts.len() != KEY_COUNT {
        return Err(failed("from another version of Grove"));
    }
    let texts: Vec<&'static str> = texts
        .into_iter()
        .map(|text| &*Box::leak(text.into_boxed_str()))
        .collect();
    let _ = PAGE_TEXTS.set(texts);
    let _ = PAGE_LOCALE.set(locale);
    Ok(())
}

/// A CLDR plural category.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Category {
    Zero,
    One,
    Two,
    Few,
    Many,
    Other,
}

impl Category {
    fn parse(word: &str) -> Option<Self> {
        Some(match word {
            "zero" => Self::Zero,
            "one" => Self::One,
            "two" => Self::Two,
            "few" => Self::Few,
            "many" => Self::Many,
            "other" => Self::Other,
            _ => return None,
        })
    }
}

/// The CLDR cardinal plural category of a whole number `n` in `locale` (CLDR 46 rules for
/// integers, `v = 0`).
pub fn plural_category(locale: Locale, n: u64) -> Category {
    let (mod10, mod100) = (n % 10, n % 100);
    let millions = n != 0 && n.is_multiple_of(1_000_000);
    match locale {
        Locale::en | Locale::de => {
            if n == 1 {
                Category::One
            } else {
                Category::Other
            }
        }
        Locale::es => match n {
            1 => Category::One,
            _ if millions => Category::Many,
            _ => Category::Other,
        },
        Locale::fr | Locale::pt_BR => match n {
            0 | 1 => Category::One,
            _ if millions => Category::Many,
            _ => Category::Other,
        },
        Locale::ru | Locale::uk => {
            if mod10 == 1 && mod100 != 11 {
                Category::One
            } else if (2..=4).contains(&mod10) && !(12..=14).contains(&mod100) {
                Category::Few
            } else {
                Category::Many
            }
        }
        Locale::ar => match n {
            0 => Category::Zero,
            1 => Category::One,
            2 => Category::Two,
            _ if (3..=10).contains(&mod100) => Category::Few,
            _ if (11..=99).contains(&mod100) => Category::Many,
            _ => Category::Other,
        },
        Locale::zh | Locale::ja => Category::Other,
    }
}

/// The categories a locale's texts may name (besides `other`, always allowed).
pub fn categories(locale: Locale) -> &'static [Category] {
    match locale {
        Locale::en | Locale::de => &[Category::One],
        Locale::es | Locale::fr | Locale::pt_BR => &[Category::One, Category::Many],
        Locale::ru | Locale::uk => &[Category::One, Category::Few, Category::Many],
        Locale::ar => &[
            Category::Zero,
            Category::One,
            Category::Two,
            Category::Few,
            Category::Many,
        ],
        Locale::zh | Locale::ja => &[],
    }
}

/// A piece of a catalogue text.
#[derive(Debug, PartialEq)]
pub enum Piece<'a> {
    Literal(&'a str),
    /// `{{ name }}`
    Value(&'a str),
    /// `{name, plural, selector {text} ...}`
    Plural {
        name: &'a str,
        branches: Vec<(&'a str, &'a str)>,
    },
}

/// Splits a text into literals, placeholders and plurals. A `{` that starts neither is text.
pub fn pieces(text: &str) -> Vec<Piece<'_>> {
    let mut out = Vec::new();
    let mut rest = text;
    let mut literal_from = 0usize;
    let mut offset = 0usize;
    while let Some(found) = rest.find('{') {
        let tail = rest.get(found..).unwrap_or_default();
        let parsed = placeholder(tail)
            .map(|(name, len)| (Piece::Value(name), len))
            .or_else(|| plural(tail));
        match parsed {
            Some((piece, len)) => {
                let start = offset + found;
                if start > literal_from {
                    out.push(Piece::Literal(
                        text.get(literal_from..start).unwrap_or_default(),
                    ));
                }
                out.push(piece);
                offset = start + len;
                literal_from = offset;
                rest = text.get(offset..).unwrap_or_default();
            }
            None => {
                offset += found + 1;
                rest = text.get(offset..).unwrap_or_default();
            }
        }
    }
    if literal_from < text.len() {
        out.push(Piece::Literal(text.get(literal_from..).unwrap_or_default()));
    }
    out
}

fn is_name(name: &str) -> bool {
    !name.is_empty() && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// `{{ name }}` at the start of `text`: the name and the length taken.
fn placeholder(text: &str) -> Option<(&str, usize)> {
    let inner = text.strip_prefix("{{")?;
    let end = inner.find("}}")?;
    let name = inner.get(..end)?.trim();
    is_name(name).then_some((name, end + 4))
}

/// The length of the brace-balanced group at the start of `text` (which starts with `{`).
fn group_len(text: &str) -> Option<usize> {
    let mut depth = 0usize;
    for (index, c) in text.char_indices() {
        match c {
            '{' => depth += 1,
            '}' => {
                depth = depth.checked_sub(1)?;
                if depth == 0 {
                    return Some(index + 1);
                }
            }
            _ => {}
        }
    }
    None
}

/// `{name, plural, selector {text} ...}` at the start of `text`.
fn plural(text: &str) -> Option<(Piece<'_>, usize)> {
    let len = group_len(text)?;
    let inner = text.get(1..len - 1)?;
    let (name, rest) = inner.split_once(',')?;
    let name = name.trim();
    let rest = rest.trim_start().strip_prefix("plural")?.trim_start();
    let mut rest = rest.strip_prefix(',')?;
    if !is_name(name) {
        return None;
    }
    let mut branches = Vec::new();
    loop {
        rest = rest.trim_start();
        if rest.is_empty() {
            break;
        }
        let open = rest.find('{')?;
        let selector = rest.get(..open)?.trim();
        let body_len = group_len(rest.get(open..)?)?;
        let body = rest.get(open + 1..open + body_len - 1)?;
        if selector.is_empty() {
            return None;
        }
        branches.push((selector, body));
        rest = rest.get(open + body_len..)?;
    }
    branches
        .iter()
        .any(|(selector, _)| *selector == "other")
        .then_some((Piece::Plural { name, branches }, len))
}

/// The text with its pieces filled in; an unknown placeholder stays as written.
fn render(locale: Locale, text: &str, values: &[(&str, String)]) -> String {
    let value = |name: &str| values.iter().find(|(n, _)| *n == name).map(|(_, v)| v);
    let mut out = String::with_capacity(text.len());
    for piece in pieces(text) {
        match piece {
            Piece::Literal(literal) => out.push_str(literal),
            Piece::Value(name) => match value(name) {
                Some(v) => out.push_str(v),
                None => {
                    out.push_str("{{ ");
                    out.push_str(name);
                    out.push_str(" }}");
                }
            },
            Piece::Plural { name, branches } => {
                let number = value(name).cloned().unwrap_or_default();
                let count = number.trim().parse::<u64>().ok();
                let exact = count.and_then(|n| {
                    branches.iter().find(|(s, _)| {
                        s.strip_prefix('=').and_then(|e| e.parse::<u64>().ok()) == Some(n)
                    })
                });
                let category = count.map_or(Category::Other, |n| plural_category(locale, n));
                let chosen = exact
                    .or_else(|| {
                        branches
                            .iter()
                            .find(|(s, _)| Category::parse(s) == Some(category))
                    })
                    .or_else(|| branches.iter().find(|(s, _)| *s == "other"));
                if let Some((_, body)) = chosen {
                    out.push_str(&render(locale, &body.replace('#', &number), values));
                }
            }
        }
    }
    out
}

/// `t_string!(i18n, section.key)`: the text, as written.
macro_rules! t_string {
    ($i18n:expr, $($key:ident).+) => {
        $crate::i18n::I18n::text($i18n, $crate::i18n::keys::$($key)::+)
    };
}

/// `t!(i18n, section.key, name = value, other)`: the text with its placeholders and plurals
/// filled, as a view. Each value is taken once; a closure among them is called each time the
/// view updates, so the text follows it (`t!(i18n, editor.words, words)` with a `words`
/// closure).
macro_rules! t {
    (@value $name:ident) => { $name };
    (@value $name:ident $value:expr) => { $value };
    ($i18n:expr, $($key:ident).+ $(, $name:ident $(= $value:expr)?)* $(,)?) => {{
        #[allow(unused_imports)]
        use $crate::i18n::{ShowCall as _, ShowValue as _};
        let i18n: $crate::i18n::I18n = $i18n;
        $(let $name = $crate::i18n::Arg($crate::i18n::t!(@value $name $($value)?));)*
        move || {
            i18n.format(
                $crate::i18n::keys::$($key)::+,
                &[$((stringify!($name), (&$name).show())),*],
            )
        }
    }};
}

/// A value given to [`t!`]: shown with `Display`, or called first when it is a closure.
#[doc(hidden)]
pub struct Arg<T>(pub T);

/// `t!`'s closures, called each time (chosen before [`ShowValue`] by method lookup).
#[doc(hidden)]
pub trait ShowCall {
    fn show(&self) -> String;
}

impl<F: Fn() -> R, R: Display> ShowCall for &Arg<F> {
    fn show(&self) -> String {
        (self.0)().to_string()
    }
}

/// `t!`'s plain values.
#[doc(hidden)]
pub trait ShowValue {
    fn show(&self) -> String;
}

impl<T: Display> ShowValue for Arg<T> {
    fn show(&self) -> String {
        self.0.to_string()
    }
}

pub(crate) use {t, t_string};

#[cfg(test)]
mod tests {
    use super::*;

    fn fill(locale: Locale, text: &str, values: &[(&str, &str)]) -> String {
        let values: Vec<(&str, String)> =
            values.iter().map(|(n, v)| (*n, (*v).to_owned())).collect();
        render(locale, text, &values)
    }

    #[test]
    fn placeholders_are_filled_and_other_braces_kept() {
        assert_eq!(
            fill(
                Locale::en,
                "Hello {{ name }}, {rank} {x",
                &[("name", "Ann")]
            ),
            "Hello Ann, {rank} {x"
        );
        assert_eq!(fill(Locale::en, "{{ missing }}", &[]), "{{ missing }}");
    }

    #[test]
    fn plurals_follow_each_locales_rules() {
        let words = "{n, plural, one {# word} other {# words}}";
        assert_eq!(fill(Locale::en, words, &[("n", "1")]), "1 word");
        assert_eq!(fill(Locale::en, words, &[("n", "0")]), "0 words");
        assert_eq!(fill(Locale::fr, words, &[("n", "0")]), "0 word");
        let ru = "{n, plural, one {# слово} few {# слова} many {# слов} other {# слова}}";
        for (n, expected) in [
            (1, "1 слово"),
            (2, "2 слова"),
            (5, "5 слов"),
            (11, "11 слов"),
            (21, "21 слово"),
            (22, "22 слова"),
            (112, "112 слов"),
        ] {
            assert_eq!(fill(Locale::ru, ru, &[("n", &n.to_string())]), expected);
        }
        let ar = "{n, plural, zero {لا شيء} one {واحد} two {اثنان} few {# قليل} many {# كثير} other {# آخر}}";
        assert_eq!(fill(Locale::ar, ar, &[("n", "0")]), "لا شيء");
        assert_eq!(fill(Locale::ar, ar, &[("n", "2")]), "اثنان");
        assert_eq!(fill(Locale::ar, ar, &[("n", "103")]), "103 قليل");
        assert_eq!(fill(Locale::ar, ar, &[("n", "111")]), "111 كثير");
        assert_eq!(fill(Locale::ar, ar, &[("n", "100")]), "100 آخر");
        assert_eq!(
            fill(Locale::ja, "{n, plural, other {#件}}", &[("n", "1")]),
            "1件"
        );
    }

    #[test]
    fn exact_matches_win_and_branches_hold_placeholders() {
        let text = "{n, plural, =0 {nothing for {{ who }}} one {one for {{ who }}} other {# for {{ who }}}}!";
        assert_eq!(
            fill(Locale::en, text, &[("n", "0"), ("who", "Ann")]),
            "nothing for Ann!"
        );
        assert_eq!(
            fill(Locale::en, text, &[("n", "7"), ("who", "Ann")]),
            "7 for Ann!"
        );
    }

    #[test]
    fn a_plural_without_other_is_text() {
        assert_eq!(
            pieces("{n, plural, one {x}}"),
            vec![Piece::Literal("{n, plural, one {x}}")]
        );
    }

    #[test]
    fn cldr_categories_of_the_slavic_and_arabic_rules() {
        use Category::*;
        let uk: Vec<Category> = [0, 1, 2, 4, 5, 11, 14, 21, 101, 111]
            .iter()
            .map(|n| plural_category(Locale::uk, *n))
            .collect();
        assert_eq!(
            uk,
            vec![Many, One, Few, Few, Many, Many, Many, One, One, Many]
        );
        assert_eq!(plural_category(Locale::pt_BR, 0), One);
        assert_eq!(plural_category(Locale::es, 0), Other);
        assert_eq!(plural_category(Locale::es, 2_000_000), Many);
        assert_eq!(plural_category(Locale::de, 1), One);
        assert_eq!(plural_category(Locale::zh, 1), Other);
    }

    #[test]
    fn accept_language_picks_the_first_supported_by_preference() {
        assert_eq!(Locale::negotiate("de-DE,de;q=0.9,en;q=0.8"), Locale::de);
        assert_eq!(Locale::negotiate("pt-PT,pt;q=0.9"), Locale::pt_BR);
        assert_eq!(Locale::negotiate("xx,zh-TW;q=0.5,ja;q=0.7"), Locale::ja);
        assert_eq!(Locale::negotiate("nl, *;q=0.1"), Locale::en);
        assert_eq!(Locale::negotiate("uk;q=0, ru"), Locale::ru);
        assert_eq!(Locale::negotiate(""), Locale::en);
        assert_eq!("PT-br".parse::<Locale>(), Ok(Locale::pt_BR));
        assert_eq!("pt".parse::<Locale>(), Err(()));
    }

    #[cfg(feature = "ssr")]
    #[test]
    fn texts_files_are_named_by_locale_and_content() {
        let path = texts_path(Locale::de);
        let name = path.strip_prefix("/texts/").unwrap_or_default();
        assert_eq!(texts_file(name), Some(texts_json(Locale::de)));
        assert_eq!(texts_file("de.0000000000000000.json"), None);
        assert_eq!(texts_file("xx.0.json"), None);
        let texts: Vec<String> = serde_json::from_str(texts_json(Locale::de)).unwrap_or_default();
        assert_eq!(texts.len(), KEY_COUNT);
        assert_eq!(
            texts
                .get(usize::from(keys::nav::log_out.0))
                .map(String::as_str),
            Some(I18n::new(Locale::de).text(keys::nav::log_out))
        );
    }
}
