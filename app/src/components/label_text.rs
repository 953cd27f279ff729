//! The label texts of reviews and reports in the interface language. The server sends every
//! label's English texts with its name; the catalogue has them for every locale, and a label
//! the catalogue does not know yet keeps the server's text.

use crate::i18n::*;

/// The question or flag name of a label.
pub fn display(i18n: crate::I18n, name: &str) -> Option<&'static str> {
    Some(match name {
        "spam" => t_string!(i18n, label.spam),
        "fails_task" => t_string!(i18n, label.fails_task),
        "lang_mismatch" => t_string!(i18n, label.lang_mismatch),
        "pii" => t_string!(i18n, label.pii),
        "not_appropriate" => t_string!(i18n, label.not_appropriate),
        "hate_speech" => t_string!(i18n, label.hate_speech),
        "sexual_content" => t_string!(i18n, label.sexual_content),
        "moral_judgement" => t_string!(i18n, label.moral_judgement),
        "political_content" => t_string!(i18n, label.political_content),
        "quality" => t_string!(i18n, label.quality),
        "toxicity" => t_string!(i18n, label.toxicity),
        "humor" => t_string!(i18n, label.humor),
        "helpfulness" => t_string!(i18n, label.helpfulness),
        "creativity" => t_string!(i18n, label.creativity),
        "violence" => t_string!(i18n, label.violence),
        _ => return None,
    })
}

/// The longer explanation of a label.
pub fn help(i18n: crate::I18n, name: &str) -> Option<&'static str> {
    Some(match name {
        "spam" => t_string!(i18n, label.spam_help),
        "fails_task" => t_string!(i18n, label.fails_task_help),
        "lang_mismatch" => t_string!(i18n, label.lang_mismatch_help),
        "pii" => t_string!(i18n, label.pii_help),
        "not_appropriate" => t_string!(i18n, label.not_appropriate_help),
        "hate_speech" => t_string!(i18n, label.hate_speech_help),
        "sexual_content" => t_string!(i18n, label.sexual_content_help),
        "moral_judgement" => t_string!(i18n, label.moral_judgement_help),
        "political_content" => t_string!(i18n, label.political_content_help),
        "quality" => t_string!(i18n, label.quality_help),
        "toxicity" => t_string!(i18n, label.toxicity_help),
        "humor" => t_string!(i18n, label.humor_help),
        "helpfulness" => t_string!(i18n, label.helpfulness_help),
        "creativity" => t_string!(i18n, label.creativity_help),
        "violence" => t_string!(i18n, label.violence_help),
        _ => return None,
    })
}

/// The two pole texts of a scale label: (low end, high end).
pub fn poles(i18n: crate::I18n, name: &str) -> Option<(&'static str, &'static str)> {
    Some(match name {
        "quality" => (
            t_string!(i18n, label.quality_low),
            t_string!(i18n, label.quality_high),
        ),
        "toxicity" => (
            t_string!(i18n, label.toxicity_low),
            t_string!(i18n, label.toxicity_high),
        ),
        "humor" => (
            t_string!(i18n, label.humor_low),
            t_string!(i18n, label.humor_high),
        ),
        "helpfulness" => (
            t_string!(i18n, label.helpfulness_low),
            t_string!(i18n, label.helpfulness_high),
        ),
        "creativity" => (
            t_string!(i18n, label.creativity_low),
            t_string!(i18n, label.creativity_high),
        ),
        "violence" => (
            t_string!(i18n, label.violence_low),
            t_string!(i18n, label.violence_high),
        ),
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use domain::label::catalogue::LABELS;

    /// Every label the domain defines has its texts in the catalogue.
    #[test]
    fn every_label_has_catalogue_texts() {
        let source = include_str!("label_text.rs");
        for label in LABELS {
            assert!(
                source.contains(&format!(
                    "\"{}\" => t_string!(i18n, label.{})",
                    label.name, label.name
                )),
                "label {} is missing from the catalogue",
                label.name
            );
            if label.poles.is_some() {
                assert!(
                    source.contains(&format!("label.{}_low", label.name)),
                    "poles of {}",
                    label.name
                );
            }
        }
    }
}
