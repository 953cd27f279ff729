//! The interface catalogue is complete: every locale has every key of the English catalogue,
//! no key English lacks, no empty text, and the same placeholders (`{{ name }}` interpolations
//! and `{name}` substitutions) in each text. leptos_i18n would only warn and fall back to
//! English at build time; this test makes a missing translation fail the suite.

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

/// The placeholders of a text: `{{ name }}` and `{name}`.
fn placeholders(text: &str) -> BTreeSet<String> {
    let mut found = BTreeSet::new();
    let mut rest = text;
    while let Some(start) = rest.find('{') {
        let after = rest.get(start..).unwrap_or_default();
        let Some(end) = after.find('}') else { break };
        let name = after
            .get(..end)
            .unwrap_or_default()
            .trim_start_matches('{')
            .trim();
        found.insert(name.to_owned());
        rest = after.get(end..).unwrap_or_default().trim_start_matches('}');
    }
    found
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
            Some(_) => {}
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
fn catalogue_files_the_generated_locales_and_the_domain_list_agree() {
    use leptos_i18n::Locale as _;
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
    use leptos_i18n::{Direction, Locale as _};
    for locale in crate::i18n::Locale::get_all() {
        let rtl = matches!(locale.direction(), Direction::RightToLeft);
        assert_eq!(rtl, locale.as_str() == "ar", "{}", locale.as_str());
    }
}
