//! Guessing the language of a text, to warn authors who write in another language than the
//! task's (they are free to submit anyway; reviewers have the language-mismatch flag).

use serde::{Deserialize, Serialize};

/// The language a text seems to be in.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Detection {
    /// Grove's tag of the language (two letters), if Grove knows it.
    pub lang: String,
    pub english_name: String,
    /// Whether it differs from the language the text will be submitted in.
    pub mismatch: bool,
}

/// Texts shorter than this many words are not judged: too little to tell.
const MIN_WORDS: usize = 5;
const MIN_CONFIDENCE: f64 = 0.25;

/// Guesses the language of `text`; `None` when the text is too short or the guess unsure.
pub fn detect(text: &str, expected: &str) -> Option<Detection> {
    if text.split_whitespace().count() < MIN_WORDS {
        return None;
    }
    let info = whatlang::detect(text)?;
    // whatlang calls few sentences "reliable"; a warning can live with a weaker guess
    if !info.is_reliable() && info.confidence() < MIN_CONFIDENCE {
        return None;
    }
    let lang = two_letter(info.lang())?;
    let expected_primary = expected.split('-').next().unwrap_or(expected);
    let english_name = domain::message::LanguageTag::parse(lang)
        .map(|tag| tag.english_name().to_owned())
        .unwrap_or_else(|_| info.lang().eng_name().to_owned());
    Some(Detection {
        lang: lang.to_owned(),
        english_name,
        mismatch: !lang.eq_ignore_ascii_case(expected_primary),
    })
}

fn two_letter(lang: whatlang::Lang) -> Option<&'static str> {
    use whatlang::Lang as L;
    Some(match lang {
        L::Ara => "ar",
        L::Bul => "bg",
        L::Ben => "bn",
        L::Cat => "ca",
        L::Ces => "cs",
        L::Dan => "da",
        L::Deu => "de",
        L::Ell => "el",
        L::Eng => "en",
        L::Epo => "eo",
        L::Spa => "es",
        L::Pes => "fa",
        L::Fin => "fi",
        L::Fra => "fr",
        L::Heb => "he",
        L::Hin => "hi",
        L::Hun => "hu",
        L::Ind => "id",
        L::Ita => "it",
        L::Jpn => "ja",
        L::Kor => "ko",
        L::Nob => "nb",
        L::Nld => "nl",
        L::Pol => "pl",
        L::Por => "pt",
        L::Ron => "ro",
        L::Rus => "ru",
        L::Slk => "sk",
        L::Swe => "sv",
        L::Tha => "th",
        L::Tur => "tr",
        L::Ukr => "uk",
        L::Vie => "vi",
        L::Cmn => "zh",
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn english_under_a_spanish_task_is_flagged() {
        let detection = detect(
            "The quick brown fox jumps over the lazy dog near the river bank",
            "es",
        );
        assert_eq!(detection.as_ref().map(|d| d.lang.as_str()), Some("en"));
        assert_eq!(detection.map(|d| d.mismatch), Some(true));
    }

    #[test]
    fn the_right_language_is_not_flagged() {
        let detection = detect(
            "El rápido zorro marrón salta sobre el perro perezoso junto al río",
            "es",
        );
        assert_eq!(detection.map(|d| d.mismatch), Some(false));
        let regional = detect(
            "O rápido cachorro marrom pula sobre o cão preguiçoso perto do rio",
            "pt-BR",
        );
        assert_eq!(regional.map(|d| d.mismatch), Some(false));
    }

    #[test]
    fn short_texts_are_not_judged() {
        assert_eq!(detect("Hola", "en"), None);
    }
}
