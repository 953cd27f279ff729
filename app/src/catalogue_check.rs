//! The interface catalogue is complete: every locale has every key of the English catalogue,
//! no key English lacks, no empty text, and the same placeholders (`{{ name }}` interpolations,
//! plural variables and `{name}` substitutions) in each text; each plural names only the
//! categories its locale has. The build falls back to English for a missing text; this test
//! makes a missing translation fail the suite.

use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};

/// Every catalogue file, by locale. A locale added to Cargo.toml must be added here too
/// (the test below checks the two lists agree).
const CATALOGUES: &[(&str, &str)] = &[
    ("en", include_str!("../locales/en.json")),
    ("es", include_str!("../locales/es.json")),
    ("de", include_str!("../locales/de.json")),
    ("fr", include_str!("../locales/fr.json")),
    ("ru", include_str!("../locales/ru.json")),
    ("zh", include_str!("../locales/zh.json")),
    ("pt-BR", include_str!("../locales/pt-BR.json")),
    ("ja", include_str!("../locales/ja.json")),
    ("ar", include_str!("../locales/ar.json")),
    ("uk", include_str!("../locales/uk.json")),
];

/// Flattens nested sections into `section.key` → text.
fn flatten(prefix: &str, value: &Value, out: &mut BTreeMap<String, String>) -> Result<(), String> {
    match value {
        Value::Object(map) => {
            for (key, value) in map {
                let path = if prefix.is_empty() {
                    key.clone()
                } else {
                    format!("{prefix}.{key}")
                };
                flatten(&path, value, out)?;
            }
            Ok(())
        }
        Value::String(text) => {
            out.insert(prefix.to_owned(), text.clone());
            Ok(())
        }
        other => Err(format!("{prefix}: expected text, found {other}")),
    }
}

fn entries(locale: &str, source: &str) -> Result<BTreeMap<String, String>, String> {
    let value: Value = serde_json::from_str(source).map_err(|e| format!("{locale}.json: {e}"))?;
    let mut out = BTreeMap::new();
    flatten("", &value, &mut out)?;
    Ok(out)
}

/// The placeholders of a text: `{{ name }}`, plural variables and the placeholders inside
/// their branches, and `{name}` substitutions done by the code.
fn placeholders(text: &str) -> BTreeSet<String> {
    use crate::i18n::{pieces, Piece};
    let mut found = BTreeSet::new();
    for piece in pieces(text) {
        match piece {
            Piece::Value(name) => {
                found.insert(name.to_owned());
            }
            Piece::Plural { name, branches } => {
                found.insert(name.to_owned());
                for (_, body) in branches {
                    found.extend(placeholders(body));
                }
            }
            Piece::Literal(literal) => found.extend(substitutions(literal)),
        }
    }
    found
}

/// `{name}` in a literal, which the code replaces itself.
fn substitutions(text: &str) -> BTreeSet<String> {
    let mut found = BTreeSet::new();
    let mut rest = text;
    while let Some(start) = rest.find('{') {
        let after = rest.get(start + 1..).unwrap_or_default();
        let Some(end) = after.find('}') else { break };
        found.insert(after.get(..end).unwrap_or_default().trim().to_owned());
        rest = after.get(end + 1..).unwrap_or_default();
    }
    found
}

/// Plural selectors a locale does not have (`few` in English, say).
fn foreign_categories(locale: &str, text: &str) -> Vec<String> {
    use crate::i18n::{categories, Locale, Piece};
    let Ok(locale) = locale.parse::<Locale>() else {
        return vec![format!("unknown locale {locale}")];
    };
    let mut out = Vec::new();
    for piece in crate::i18n::pieces(text) {
        if let Piece::Plural { branches, .. } = piece {
            for (selector, body) in branches {
                let known = selector == "other"
                    || selector
                        .strip_prefix('=')
                        .is_some_and(|n| n.parse::<u64>().is_ok())
                    || categories(locale)
                        .iter()
                        .any(|c| format!("{c:?}").eq_ignore_ascii_case(selector));
                if !known {
                    out.push(format!("plural selector {selector}"));
                }
                out.extend(foreign_categories(locale.as_str(), body));
            }
        }
    }
    out
}

/// Every problem of one locale compared with English.
fn problems(
    english: &BTreeMap<String, String>,
    locale: &str,
    theirs: &BTreeMap<String, String>,
) -> Vec<String> {
    let mut out = Vec::new();
    for (key, text) in english {
        match theirs.get(key) {
            None => out.push(format!("{locale}: missing key {key}")),
            Some(translated) if translated.trim().is_empty() => {
                out.push(format!("{locale}: empty text for {key}"));
            }
            Some(translated) if placeholders(translated) != placeholders(text) => {
                out.push(format!(
                    "{locale}: {key} has placeholders {:?}, English has {:?}",
                    placeholders(translated),
                    placeholders(text)
                ))
            }
            Some(translated) => out.extend(
                foreign_categories(locale, translated)
                    .into_iter()
                    .map(|problem| format!("{locale}: {key}: {problem}")),
            ),
        }
    }
    for key in theirs.keys().filter(|key| !english.contains_key(*key)) {
        out.push(format!(
            "{locale}: key {key} is not in the English catalogue"
        ));
    }
    out
}

#[test]
fn every_locale_has_every_key_with_the_same_placeholders() {
    let english = entries("en", CATALOGUES[0].1).unwrap_or_else(|e| panic!("{e}"));
    assert!(english.len() > 100, "the English catalogue looks truncated");
    let mut all = Vec::new();
    for (locale, source) in CATALOGUES.iter().skip(1) {
        match entries(locale, source) {
            Ok(theirs) => all.extend(problems(&english, locale, &theirs)),
            Err(e) => all.push(e),
        }
    }
    assert!(all.is_empty(), "catalogue problems:\n{}", all.join("\n"));
}

#[test]
fn the_check_catches_a_missing_key_and_a_lost_placeholder() {
    let english =
        entries("en", r#"{"a": {"b": "Hello {{ name }}", "c": "Bye"}}"#).unwrap_or_default();
    let broken = entries("xx", r#"{"a": {"b": "Hallo"}, "d": "extra"}"#).unwrap_or_default();
    let found = problems(&english, "xx", &broken);
    assert_eq!(found.len(), 3, "{found:?}");
}

#[test]
fn english_plurals_name_only_english_categories() {
    let english = entries("en", CATALOGUES[0].1).unwrap_or_else(|e| panic!("{e}"));
    let problems: Vec<String> = english
        .iter()
        .flat_map(|(key, text)| {
            foreign_categories("en", text)
                .into_iter()
                .map(move |p| format!("en: {key}: {p}"))
        })
        .collect();
    assert!(problems.is_empty(), "{problems:?}");
    assert!(!foreign_categories("en", "{n, plural, few {x} other {y}}").is_empty());
    assert!(foreign_categories("ru", "{n, plural, few {x} other {y}}").is_empty());
}

#[test]
fn catalogue_files_the_locales_and_the_domain_list_agree() {
    let files: Vec<&str> = CATALOGUES.iter().map(|(locale, _)| *locale).collect();
    let generated: Vec<&str> = crate::i18n::Locale::get_all()
        .iter()
        .map(|l| l.as_str())
        .collect();
    let mut domain_list = domain::account::INTERFACE_LOCALES.to_vec();
    let (mut files_sorted, mut generated_sorted) = (files.clone(), generated.clone());
    files_sorted.sort_unstable();
    generated_sorted.sort_unstable();
    domain_list.sort_unstable();
    assert_eq!(files_sorted, generated_sorted);
    assert_eq!(files_sorted, domain_list);
}

#[test]
fn arabic_is_right_to_left_and_the_others_left_to_right() {
    use crate::i18n::Direction;
    for locale in crate::i18n::Locale::get_all() {
        let rtl = matches!(locale.direction(), Direction::RightToLeft);
        assert_eq!(rtl, locale.as_str() == "ar", "{}", locale.as_str());
    }
}
