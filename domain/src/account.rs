//! Account rules: usernames, display names, e-mail addresses, password strength and roles.

use crate::Invalid;
use serde::{Deserialize, Serialize};
use std::fmt;

/// A login name: 3-32 characters of ASCII letters, digits, `_`, `-` and `.`, starting with a
/// letter or digit. Compared case-insensitively by storage.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Username(String);

impl Username {
    pub const MIN_LEN: usize = 3;
    pub const MAX_LEN: usize = 32;

    /// Checks a username typed at registration or login (NFKC first, so full-width letters
    /// fold to ASCII; anything else that is not ASCII is refused).
    pub fn parse(raw: &str) -> Result<Self, Invalid> {
        use unicode_normalization::UnicodeNormalization;
        let normal: String = raw.nfkc().collect();
        let name = normal.trim();
        let len = name.chars().count();
        if !(Self::MIN_LEN..=Self::MAX_LEN).contains(&len) {
            return Err(Invalid::new(
                "invalid_username",
                format!(
                    "A username has {} to {} characters.",
                    Self::MIN_LEN,
                    Self::MAX_LEN
                ),
            ));
        }
        let allowed = |c: char| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.');
        let starts_well = name
            .chars()
            .next()
            .is_some_and(|c| c.is_ascii_alphanumeric());
        if !starts_well || !name.chars().all(allowed) {
            return Err(Invalid::new(
                "invalid_username",
                "A username uses letters, digits, '_', '-' and '.', and starts with a letter or digit.",
            ));
        }
        Ok(Self(name.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Username {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// The name shown to others: 1-64 characters in Unicode normal form NFKC (full-width and other
/// compatibility forms folded), no control, bidi, zero-width or other invisible characters, no
/// surrounding spaces and no runs of spaces. Whether it is confusable with someone else's
/// name is the engine's check (it needs the other names).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DisplayName(String);

impl DisplayName {
    pub const MAX_LEN: usize = 64;

    pub fn parse(raw: &str) -> Result<Self, Invalid> {
        use unicode_normalization::UnicodeNormalization;
        let normal: String = raw.nfkc().collect();
        let name = normal.split_whitespace().collect::<Vec<_>>().join(" ");
        if name.is_empty() || name.chars().count() > Self::MAX_LEN {
            return Err(Invalid::new(
                "invalid_display_name",
                format!("A display name has 1 to {} characters.", Self::MAX_LEN),
            ));
        }
        if name
            .chars()
            .any(|c| c.is_control() || crate::message::is_invisible(c))
        {
            return Err(Invalid::new(
                "invalid_display_name",
                "A display name cannot contain control, direction or invisible characters.",
            ));
        }
        Ok(Self(name))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// An e-mail address, checked for shape only (nothing is sent to it).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Email(String);

impl Email {
    pub const MAX_LEN: usize = 254;

    /// Parses an optional address: empty input means "no address".
    pub fn parse_optional(raw: &str) -> Result<Option<Self>, Invalid> {
        let email = raw.trim();
        if email.is_empty() {
            return Ok(None);
        }
        let invalid = || {
            Invalid::new(
                "invalid_email",
                "That does not look like an e-mail address.",
            )
        };
        let (local, domain) = email.split_once('@').ok_or_else(invalid)?;
        let domain_ok = domain.contains('.')
            && !domain.starts_with('.')
            && !domain.ends_with('.')
            && !domain.contains('@');
        if local.is_empty()
            || !domain_ok
            || email.len() > Self::MAX_LEN
            || email.chars().any(|c| c.is_whitespace() || c.is_control())
        {
            return Err(invalid());
        }
        Ok(Some(Self(email.to_owned())))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// How strong a candidate password is, for the live meter and the floor at registration.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub enum PasswordStrength {
    TooWeak,
    Fair,
    Good,
    Strong,
}

impl PasswordStrength {
    /// A 0-4 score for the meter (0 = empty).
    pub fn score(self) -> u8 {
        match self {
            Self::TooWeak => 1,
            Self::Fair => 2,
            Self::Good => 3,
            Self::Strong => 4,
        }
    }
}

/// Passwords people pick first; refusing them blocks the cheapest guessing attacks.
const COMMON_PASSWORDS: &[&str] = &[
    "password",
    "password1",
    "password12",
    "password123",
    "passw0rd",
    "123456789",
    "1234567890",
    "12345678910",
    "qwertyuiop",
    "qwerty1234",
    "qwerty123456",
    "1q2w3e4r5t",
    "iloveyou12",
    "letmein123",
    "welcome123",
    "administrator",
    "abc1234567",
    "football12",
    "baseball12",
    "sunshine12",
    "princess12",
    "11111111111",
    "0000000000",
    "aaaaaaaaaa",
    "changeme123",
    "trustno1234",
    "superman12",
    "starwars12",
    "dragon1234",
    "monkey1234",
    "opensesame",
];

/// A new password that meets the strength floor. It never implements `Debug` or `Serialize`,
/// so it cannot end up in a log line or a response.
pub struct NewPassword(String);

impl NewPassword {
    pub const MIN_LEN: usize = 10;
    pub const MAX_LEN: usize = 256;

    /// Rates a candidate without deciding: the UI shows this while the user types.
    pub fn strength(candidate: &str, username: &str) -> PasswordStrength {
        let len = candidate.chars().count();
        let lower = candidate.to_lowercase();
        if len < Self::MIN_LEN
            || COMMON_PASSWORDS.contains(&lower.as_str())
            || (!username.is_empty() && lower.contains(&username.to_lowercase()))
            || distinct_chars(candidate) < 4
        {
            return PasswordStrength::TooWeak;
        }
        let classes = [
            candidate.chars().any(|c| c.is_lowercase()),
            candidate.chars().any(|c| c.is_uppercase()),
            candidate.chars().any(|c| c.is_ascii_digit()),
            candidate.chars().any(|c| !c.is_alphanumeric()),
        ]
        .iter()
        .filter(|present| **present)
        .count();
        match (len, classes) {
            (16.., _) | (12.., 3..) => PasswordStrength::Strong,
            (12.., _) | (_, 3..) => PasswordStrength::Good,
            _ => PasswordStrength::Fair,
        }
    }

    /// Accepts a password only above the floor: at least 10 characters, not a common password,
    /// not containing the username, and not one character repeated.
    pub fn parse(candidate: String, username: &str) -> Result<Self, Invalid> {
        if candidate.chars().count() > Self::MAX_LEN {
            return Err(Invalid::new(
                "weak_password",
                format!("A password has at most {} characters.", Self::MAX_LEN),
            ));
        }
        if Self::strength(&candidate, username) == PasswordStrength::TooWeak {
            return Err(Invalid::new(
                "weak_password",
                format!(
                    "Choose a password of at least {} characters that is not common, \
                     does not contain your username and mixes several characters.",
                    Self::MIN_LEN
                ),
            ));
        }
        Ok(Self(candidate))
    }

    pub fn expose(&self) -> &str {
        &self.0
    }
}

fn distinct_chars(s: &str) -> usize {
    let mut seen: Vec<char> = s.chars().collect();
    seen.sort_unstable();
    seen.dedup();
    seen.len()
}

/// What a link sent by e-mail is for. Each is single-use and expires.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LinkPurpose {
    /// Proves the address is the account's.
    VerifyEmail,
    /// Sets a new password (and ends the account's other sessions).
    ResetPassword,
    /// Signs in without a password.
    LoginLink,
}

impl LinkPurpose {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::VerifyEmail => "verify_email",
            Self::ResetPassword => "reset_password",
            Self::LoginLink => "login_link",
        }
    }

    /// How long a link works: long enough to find the mail, short enough that an old mailbox
    /// does not open the account.
    pub fn lifetime_minutes(self) -> i64 {
        match self {
            Self::VerifyEmail => 48 * 60,
            Self::ResetPassword => 60,
            Self::LoginLink => 15,
        }
    }

    /// The page of Grove the link opens.
    pub fn path(self) -> &'static str {
        match self {
            Self::VerifyEmail => "/verify",
            Self::ResetPassword => "/reset",
            Self::LoginLink => "/login/link",
        }
    }
}

/// What a user may do. Banned is a separate flag, not a role: a banned moderator is still banned.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    Annotator,
    Moderator,
    Admin,
}

impl Role {
    pub const ALL: [Role; 3] = [Role::Annotator, Role::Moderator, Role::Admin];

    /// The name stored in the database and used on the wire.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Annotator => "annotator",
            Self::Moderator => "moderator",
            Self::Admin => "admin",
        }
    }

    pub fn parse(raw: &str) -> Result<Self, Invalid> {
        Self::ALL
            .into_iter()
            .find(|role| role.as_str() == raw)
            .ok_or_else(|| {
                Invalid::new(
                    "invalid_role",
                    format!("Unknown role '{raw}': use annotator, moderator or admin."),
                )
            })
    }

    /// Whether this role includes everything `other` may do.
    pub fn at_least(self, other: Role) -> bool {
        self >= other
    }

    /// Whether a user of this role may act on (ban, annotate, hide) a user of `target`'s: admins
    /// on anyone, moderators on those below them.
    pub fn may_act_on(self, target: Role) -> bool {
        self == Self::Admin || self > target
    }

    /// Moderators may not hand out moderator or admin rights; admins may grant any role.
    pub fn may_grant(self, target: Role) -> bool {
        match self {
            Self::Admin => true,
            Self::Moderator => target == Role::Annotator,
            Self::Annotator => false,
        }
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn usernames_keep_to_the_allowed_shape() {
        assert!(Username::parse("ada_lovelace").is_ok());
        assert_eq!(
            Username::parse("  bob.k ").map(|u| u.0),
            Ok("bob.k".to_owned())
        );
        for bad in ["", "ab", "_lead", "has space", "ünï", &"x".repeat(33)] {
            assert_eq!(
                Username::parse(bad).map_err(|e| e.code),
                Err("invalid_username"),
                "{bad:?}"
            );
        }
    }

    #[test]
    fn display_names_are_nfkc_and_refuse_direction_and_invisible_characters() {
        for spoof in [
            "\u{202e}1nimda",
            "admin1\u{200b}",
            "a\u{2066}b",
            "\u{3164}",
            "x\u{feff}",
        ] {
            assert!(DisplayName::parse(spoof).is_err(), "{spoof:?}");
        }
        assert_eq!(
            DisplayName::parse("Ａｄａ  Lovelace").map(|n| n.as_str().to_owned()),
            Ok("Ada Lovelace".to_owned())
        );
        assert_eq!(
            Username::parse("ａｄａ").map(|n| n.as_str().to_owned()),
            Ok("ada".to_owned())
        );
    }

    #[test]
    fn display_names_refuse_blank_and_control_characters() {
        assert!(DisplayName::parse("Ada L.").is_ok());
        assert!(DisplayName::parse("   ").is_err());
        assert!(DisplayName::parse("a\u{7}b").is_err());
        assert!(DisplayName::parse(&"é".repeat(65)).is_err());
    }

    #[test]
    fn email_is_optional_but_must_look_like_one() {
        assert_eq!(Email::parse_optional(""), Ok(None));
        assert!(Email::parse_optional("a@b.org").is_ok_and(|e| e.is_some()));
        for bad in ["nope", "@b.org", "a@b", "a@.org", "a b@c.org", "a@b.org."] {
            assert!(Email::parse_optional(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn weak_passwords_are_refused_with_a_stable_code() {
        for weak in [
            "short1!",
            "password123",
            "aaaaaaaaaaaa",
            "xxadminxx99",
            "abababababab",
        ] {
            let result = NewPassword::parse(weak.to_owned(), "admin").map(|_| ());
            assert_eq!(result.map_err(|e| e.code), Err("weak_password"), "{weak}");
        }
        assert!(NewPassword::parse("correct horse battery".to_owned(), "ada").is_ok());
    }

    #[test]
    fn strength_grows_with_length_and_variety() {
        assert_eq!(NewPassword::strength("", ""), PasswordStrength::TooWeak);
        assert_eq!(
            NewPassword::strength("lemonstand", ""),
            PasswordStrength::Fair
        );
        assert_eq!(
            NewPassword::strength("Lemon-stand7", ""),
            PasswordStrength::Strong
        );
        assert_eq!(
            NewPassword::strength("lemon-stand", ""),
            PasswordStrength::Fair
        );
        assert_eq!(
            NewPassword::strength("Lemon-stan7", ""),
            PasswordStrength::Good
        );
        assert_eq!(
            NewPassword::strength("a long passphrase here", ""),
            PasswordStrength::Strong
        );
    }

    #[test]
    fn only_admins_grant_elevated_roles() {
        assert!(Role::Admin.may_grant(Role::Admin));
        assert!(Role::Admin.may_grant(Role::Moderator));
        assert!(Role::Moderator.may_grant(Role::Annotator));
        assert!(!Role::Moderator.may_grant(Role::Moderator));
        assert!(!Role::Moderator.may_grant(Role::Admin));
        assert!(!Role::Annotator.may_grant(Role::Annotator));
        assert!(Role::Admin.at_least(Role::Moderator));
        assert!(!Role::Annotator.at_least(Role::Moderator));
    }

    #[test]
    fn roles_round_trip_through_their_names() {
        for role in Role::ALL {
            assert_eq!(Role::parse(role.as_str()), Ok(role));
        }
        assert!(Role::parse("root").is_err());
    }
}

/// The interface languages Grove's catalogue has (the app checks its catalogue against this
/// list), as BCP 47 tags. A user's interface setting must be one of them.
pub const INTERFACE_LOCALES: &[&str] = &[
    "en", "es", "de", "fr", "ru", "zh", "pt-BR", "ja", "ar", "uk",
];

/// A supported interface locale, matched case-insensitively (`pt-br` gives `pt-BR`).
pub fn interface_locale(raw: &str) -> Result<&'static str, Invalid> {
    INTERFACE_LOCALES
        .iter()
        .find(|locale| locale.eq_ignore_ascii_case(raw.trim()))
        .copied()
        .ok_or_else(|| {
            Invalid::new(
                "unsupported_interface_locale",
                format!("The interface is not available in '{raw}'."),
            )
        })
}

#[cfg(test)]
mod interface_locale_tests {
    use super::interface_locale;

    #[test]
    fn supported_locales_are_normalised_and_others_refused() {
        assert_eq!(interface_locale("pt-br"), Ok("pt-BR"));
        assert_eq!(interface_locale(" de "), Ok("de"));
        assert_eq!(
            interface_locale("xx").map_err(|e| e.code),
            Err("unsupported_interface_locale")
        );
    }
}
