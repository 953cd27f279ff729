//! Messages: the role they are written in, their text, and the language they are in.

use crate::Invalid;
use serde::{Deserialize, Serialize};
use std::fmt;

/// Who speaks in a message: the user (prompter) or the assistant. Roles alternate down a tree,
/// starting with the prompter at the root.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum Role {
    Prompter,
    Assistant,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Prompter => "prompter",
            Self::Assistant => "assistant",
        }
    }

    pub fn parse(raw: &str) -> Result<Self, Invalid> {
        match raw {
            "prompter" => Ok(Self::Prompter),
            "assistant" => Ok(Self::Assistant),
            _ => Err(Invalid::new(
                "invalid_role",
                format!("Unknown message role '{raw}'."),
            )),
        }
    }

    /// The role of a reply to a message in this role.
    pub fn reply_role(self) -> Self {
        match self {
            Self::Prompter => Self::Assistant,
            Self::Assistant => Self::Prompter,
        }
    }

    /// The role of a message at `depth` (the root prompt is depth 0).
    pub fn at_depth(depth: u32) -> Self {
        if depth.is_multiple_of(2) {
            Self::Prompter
        } else {
            Self::Assistant
        }
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The text of a new message: not blank, not made only of invisible characters, within the
/// length limit, with surrounding whitespace removed, line endings normalised and in Unicode
/// normal form C (so the same words are always stored as the same code points).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MessageText(String);

/// Whether a character shows nothing by itself: Unicode's default-ignorable code points
/// (zero-width spaces and joiners, bidi controls, variation selectors, tags...), format
/// characters such as the soft hyphen, and the blank "filler" letters of Hangul and Braille.
pub fn is_invisible(c: char) -> bool {
    matches!(c,
        '\u{00AD}' | '\u{034F}' | '\u{061C}' | '\u{115F}' | '\u{1160}' | '\u{17B4}' | '\u{17B5}'
        | '\u{180B}'..='\u{180F}' | '\u{200B}'..='\u{200F}' | '\u{202A}'..='\u{202E}'
        | '\u{2060}'..='\u{206F}' | '\u{2800}' | '\u{3164}' | '\u{FE00}'..='\u{FE0F}'
        | '\u{FEFF}' | '\u{FFA0}' | '\u{FFF0}'..='\u{FFF8}' | '\u{1BCA0}'..='\u{1BCA3}'
        | '\u{1D173}'..='\u{1D17A}' | '\u{E0000}'..='\u{E0FFF}')
}

impl MessageText {
    pub fn parse(raw: &str, max_chars: usize) -> Result<Self, Invalid> {
        use unicode_normalization::UnicodeNormalization;
        let text: String = raw.replace("\r\n", "\n").trim().nfc().collect();
        if text.is_empty() {
            return Err(Invalid::new("text_empty", "The message is empty."));
        }
        if text.chars().all(|c| c.is_whitespace() || is_invisible(c)) {
            return Err(Invalid::new(
                "text_invisible",
                "The message has no visible characters (only spaces, zero-width or formatting characters).",
            ));
        }
        let chars = text.chars().count();
        if chars > max_chars {
            return Err(Invalid::new(
                "text_too_long",
                format!("The message has {chars} characters; at most {max_chars} are allowed."),
            ));
        }
        if text
            .chars()
            .any(|c| c.is_control() && !matches!(c, '\n' | '\t'))
        {
            return Err(Invalid::new(
                "text_invalid",
                "The message contains control characters.",
            ));
        }
        Ok(Self(text))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn into_inner(self) -> String {
        self.0
    }
}

/// A contribution language Grove collects data in (BCP 47 tag).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct LanguageTag(String);

/// The contribution languages: the 35 of oasst1, plus regional variants people asked for.
/// Each with its English and native name.
pub const LANGUAGES: &[(&str, &str, &str)] = &[
    ("ar", "Arabic", "العربية"),
    ("bg", "Bulgarian", "Български"),
    ("bn", "Bengali", "বাংলা"),
    ("ca", "Catalan", "Català"),
    ("cs", "Czech", "Čeština"),
    ("da", "Danish", "Dansk"),
    ("de", "German", "Deutsch"),
    ("el", "Greek", "Ελληνικά"),
    ("en", "English", "English"),
    ("eo", "Esperanto", "Esperanto"),
    ("es", "Spanish", "Español"),
    ("eu", "Basque", "Euskara"),
    ("fa", "Persian", "فارسی"),
    ("fi", "Finnish", "Suomi"),
    ("fr", "French", "Français"),
    ("gl", "Galician", "Galego"),
    ("he", "Hebrew", "עברית"),
    ("hi", "Hindi", "हिन्दी"),
    ("hu", "Hungarian", "Magyar"),
    ("id", "Indonesian", "Bahasa Indonesia"),
    ("it", "Italian", "Italiano"),
    ("ja", "Japanese", "日本語"),
    ("ko", "Korean", "한국어"),
    ("nb", "Norwegian Bokmål", "Norsk bokmål"),
    ("nl", "Dutch", "Nederlands"),
    ("pl", "Polish", "Polski"),
    ("pt", "Portuguese", "Português"),
    ("pt-BR", "Portuguese (Brazil)", "Português (Brasil)"),
    ("ro", "Romanian", "Română"),
    ("ru", "Russian", "Русский"),
    ("sk", "Slovak", "Slovenčina"),
    ("sv", "Swedish", "Svenska"),
    ("th", "Thai", "ไทย"),
    ("tr", "Turkish", "Türkçe"),
    ("uk", "Ukrainian", "Українська"),
    ("vi", "Vietnamese", "Tiếng Việt"),
    ("zh", "Chinese", "中文"),
];

impl LanguageTag {
    /// Accepts a supported language, case-insensitively (`PT-br` becomes `pt-BR`).
    pub fn parse(raw: &str) -> Result<Self, Invalid> {
        let wanted = raw.trim();
        LANGUAGES
            .iter()
            .find(|(tag, _, _)| tag.eq_ignore_ascii_case(wanted))
            .map(|(tag, _, _)| Self((*tag).to_owned()))
            .ok_or_else(|| {
                Invalid::new(
                    "unsupported_language",
                    format!("'{wanted}' is not a language Grove collects data in."),
                )
            })
    }

    /// A tag read back from storage or an import: kept as written if well-formed, even when
    /// it is not one of the contribution languages.
    pub fn from_stored(raw: &str) -> Self {
        Self(raw.to_owned())
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The language's English name, or the tag itself for an unknown one.
    pub fn english_name(&self) -> &str {
        LANGUAGES
            .iter()
            .find(|(tag, _, _)| *tag == self.0)
            .map_or(self.0.as_str(), |(_, name, _)| name)
    }

    /// Whether text in this language is written right to left.
    pub fn is_rtl(&self) -> bool {
        matches!(self.0.as_str(), "ar" | "he" | "fa")
    }
}

impl fmt::Display for LanguageTag {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roles_alternate_from_the_prompt_down() {
        assert_eq!(Role::at_depth(0), Role::Prompter);
        assert_eq!(Role::at_depth(1), Role::Assistant);
        assert_eq!(Role::at_depth(4), Role::Prompter);
        assert_eq!(Role::Prompter.reply_role(), Role::Assistant);
        assert_eq!(Role::parse("assistant"), Ok(Role::Assistant));
    }

    #[test]
    fn message_text_is_trimmed_and_limited() {
        assert_eq!(
            MessageText::parse("  hi there \r\n", 10).map(MessageText::into_inner),
            Ok("hi there".to_owned())
        );
        assert_eq!(
            MessageText::parse(" \n ", 10).map_err(|e| e.code),
            Err("text_empty")
        );
        assert_eq!(
            MessageText::parse(&"é".repeat(11), 10).map_err(|e| e.code),
            Err("text_too_long")
        );
        assert!(MessageText::parse(&"é".repeat(10), 10).is_ok());
        assert_eq!(
            MessageText::parse("a\u{0}b", 10).map_err(|e| e.code),
            Err("text_invalid")
        );
    }

    #[test]
    fn invisible_text_is_refused_and_text_is_stored_in_nfc() {
        for invisible in [
            "\u{200B}\u{200C}",
            "\u{3164}",
            " \u{2800} \u{FEFF}",
            "\u{202E}\u{00A0}",
        ] {
            assert_eq!(
                MessageText::parse(invisible, 10).map_err(|e| e.code),
                Err("text_invisible"),
                "{invisible:?}"
            );
        }
        // e + combining acute becomes the one code point é
        assert_eq!(
            MessageText::parse("caf\u{0065}\u{0301}", 10).map(MessageText::into_inner),
            Ok("caf\u{00E9}".to_owned())
        );
        assert!(MessageText::parse("a\u{200B}b", 10).is_ok());
    }

    #[test]
    fn language_tags_are_normalised_and_checked() {
        assert_eq!(
            LanguageTag::parse("PT-br").map(|t| t.0),
            Ok("pt-BR".to_owned())
        );
        assert_eq!(
            LanguageTag::parse("de").map(|t| t.english_name().to_owned()),
            Ok("German".to_owned())
        );
        assert_eq!(
            LanguageTag::parse("xx").map_err(|e| e.code),
            Err("unsupported_language")
        );
        assert!(LanguageTag::from_stored("ar").is_rtl());
    }

    #[test]
    fn the_oasst_languages_are_all_there() {
        let oasst1 = "en es ru de pl th vi sv bn da he it fa sk id nb el nl hu eu zh eo ja ca cs bg fi pt tr ro ar uk gl fr ko";
        for tag in oasst1.split(' ') {
            assert!(LanguageTag::parse(tag).is_ok(), "{tag}");
        }
        assert_eq!(oasst1.split(' ').count(), 35);
    }
}
