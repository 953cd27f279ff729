//! Signing in with an identity provider (OpenID Connect, or OAuth2 for GitHub and Discord):
//! which provider, who the provider says the person is, what a first sign-in's account is
//! called, and whether a sign-in logs in, offers to link an existing account, or creates one.
//! The network calls live in the server; these are the rules.

use crate::{
    account::{DisplayName, Email, Username},
    ids::UserId,
    Invalid,
};
use serde::{Deserialize, Serialize};
use std::fmt;

/// A provider's name in Grove's settings and URLs (`/auth/<id>/start`): lower-case letters,
/// digits and `-`, 1 to 32 characters.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct ProviderId(String);

impl ProviderId {
    pub fn parse(raw: &str) -> Result<Self, Invalid> {
        let ok = (1..=32).contains(&raw.len())
            && raw
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
            && !raw.starts_with('-');
        if ok {
            Ok(Self(raw.to_owned()))
        } else {
            Err(Invalid::new(
                "invalid_provider",
                "A provider id has 1 to 32 lower-case letters, digits and '-'.",
            ))
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for ProviderId {
    type Error = Invalid;
    fn try_from(raw: String) -> Result<Self, Invalid> {
        Self::parse(&raw)
    }
}

impl From<ProviderId> for String {
    fn from(id: ProviderId) -> String {
        id.0
    }
}

impl fmt::Display for ProviderId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Who the provider says signed in: its stable subject id, and what it tells about the person.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct ExternalProfile {
    /// The provider's id of the person (`sub`; GitHub's and Discord's numeric id). Stable:
    /// it, not the address or the name, is what a later sign-in is recognised by.
    pub subject: String,
    pub email: Option<String>,
    /// Whether the provider vouches that the address is the person's.
    pub email_verified: bool,
    /// A full name (`name`; GitHub's name; Discord's global name).
    pub name: Option<String>,
    /// A handle (`preferred_username`, `nickname`; GitHub's login; Discord's username).
    pub username: Option<String>,
}

impl ExternalProfile {
    /// A checked profile: the subject must be there; the address is kept only if it parses.
    pub fn checked(self) -> Result<Self, Invalid> {
        let subject = self.subject.trim().to_owned();
        if subject.is_empty() || subject.len() > 255 {
            return Err(Invalid::new(
                "identity_incomplete",
                "The identity provider did not say who signed in.",
            ));
        }
        let email = self
            .email
            .as_deref()
            .and_then(|raw| Email::parse_optional(raw).ok().flatten())
            .map(|email| email.as_str().to_owned());
        Ok(Self {
            subject,
            email_verified: self.email_verified && email.is_some(),
            email,
            name: self.name.filter(|n| !n.trim().is_empty()),
            username: self.username.filter(|n| !n.trim().is_empty()),
        })
    }

    /// The address, if the provider vouches for it.
    pub fn verified_email(&self) -> Option<&str> {
        self.email.as_deref().filter(|_| self.email_verified)
    }

    /// Usernames to try for a first sign-in's account, best first: the handle, the name, the
    /// address's local part, each made to fit the username rules; then "volunteer".
    pub fn username_bases(&self) -> Vec<String> {
        let local_part = self
            .email
            .as_deref()
            .and_then(|e| e.split('@').next())
            .map(str::to_owned);
        let mut bases: Vec<String> = [self.username.clone(), self.name.clone(), local_part]
            .into_iter()
            .flatten()
            .filter_map(|raw| fit_username(&raw))
            .collect();
        bases.push("volunteer".to_owned());
        bases.dedup();
        bases
    }

    /// The display name of a first sign-in's account: the provider's name if it is a valid
    /// display name, otherwise the username.
    pub fn display_name(&self, username: &str) -> String {
        self.name
            .as_deref()
            .or(self.username.as_deref())
            .and_then(|name| DisplayName::parse(name).ok())
            .map(|name| name.as_str().to_owned())
            .unwrap_or_else(|| username.to_owned())
    }
}

/// `raw` made into a valid username: letters without accents, digits, `_`, `-`, `.`; spaces
/// become `.`; cut to the maximum length; `None` when too little is left.
pub fn fit_username(raw: &str) -> Option<String> {
    use unicode_normalization::UnicodeNormalization;
    let mut out = String::new();
    for c in raw.nfkd() {
        if c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.') {
            out.push(c.to_ascii_lowercase());
        } else if c.is_whitespace() && !out.ends_with('.') {
            out.push('.');
        }
    }
    let trimmed: String = out
        .trim_start_matches(|c: char| !c.is_ascii_alphanumeric())
        .chars()
        .take(Username::MAX_LEN - 4)
        .collect();
    let trimmed = trimmed.trim_end_matches(['.', '-', '_']).to_owned();
    Username::parse(&trimmed)
        .ok()
        .map(|u| u.as_str().to_owned())
}

/// The `n`-th username to try from `base` (n from 0): `base`, `base2`, `base3`, ...
pub fn numbered_username(base: &str, n: usize) -> String {
    if n == 0 {
        base.to_owned()
    } else {
        format!("{base}{}", n + 1)
    }
}

/// What a sign-in through a provider does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SignInDecision {
    /// The identity is linked to this account: sign in.
    SignIn(UserId),
    /// Not linked, but an account has verified the address the provider vouches for: offer to
    /// link to it, and link only when the person confirms.
    OfferLink(UserId),
    /// Nobody: a first sign-in creates an account.
    Create,
}

/// Decides a sign-in from the account the identity is linked to and the account (if any)
/// whose verified address equals the one the provider vouches for. An address the provider
/// does not vouch for never matches anything.
pub fn decide(linked: Option<UserId>, owner_of_verified_email: Option<UserId>) -> SignInDecision {
    match (linked, owner_of_verified_email) {
        (Some(user), _) => SignInDecision::SignIn(user),
        (None, Some(owner)) => SignInDecision::OfferLink(owner),
        (None, None) => SignInDecision::Create,
    }
}

/// GitHub's `GET /user` (the fields Grove reads).
#[derive(Debug, Clone, Deserialize)]
pub struct GithubUser {
    pub id: u64,
    pub login: String,
    #[serde(default)]
    pub name: Option<String>,
}

/// One entry of GitHub's `GET /user/emails`.
#[derive(Debug, Clone, Deserialize)]
pub struct GithubEmail {
    pub email: String,
    #[serde(default)]
    pub primary: bool,
    #[serde(default)]
    pub verified: bool,
}

/// GitHub's answer as a profile: the primary address, verified if GitHub verified it.
pub fn github_profile(user: GithubUser, emails: &[GithubEmail]) -> ExternalProfile {
    let primary = emails
        .iter()
        .find(|e| e.primary && e.verified)
        .or_else(|| emails.iter().find(|e| e.primary));
    ExternalProfile {
        subject: user.id.to_string(),
        email: primary.map(|e| e.email.clone()),
        email_verified: primary.is_some_and(|e| e.verified),
        name: user.name,
        username: Some(user.login),
    }
}

/// Discord's `GET /users/@me` (the fields Grove reads; `email` needs the `email` scope).
#[derive(Debug, Clone, Deserialize)]
pub struct DiscordUser {
    pub id: String,
    pub username: String,
    #[serde(default)]
    pub global_name: Option<String>,
    #[serde(default)]
    pub email: Option<String>,
    #[serde(default)]
    pub verified: Option<bool>,
}

impl From<DiscordUser> for ExternalProfile {
    fn from(user: DiscordUser) -> Self {
        Self {
            subject: user.id,
            email_verified: user.verified.unwrap_or(false) && user.email.is_some(),
            email: user.email,
            name: user.global_name,
            username: Some(user.username),
        }
    }
}

/// An OpenID Connect user-info answer (the standard claims Grove reads), also what a generic
/// OAuth2 provider's user-info endpoint is read as.
#[derive(Debug, Clone, Deserialize)]
pub struct StandardUserInfo {
    pub sub: String,
    #[serde(default)]
    pub email: Option<String>,
    #[serde(default, deserialize_with = "lenient_bool")]
    pub email_verified: bool,
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub preferred_username: Option<String>,
    #[serde(default)]
    pub nickname: Option<String>,
}

/// `true`, `"true"` (some providers send strings), or absent / null / anything else: false.
fn lenient_bool<'de, D: serde::Deserializer<'de>>(de: D) -> Result<bool, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Loose {
        Bool(bool),
        Text(String),
        Other(serde::de::IgnoredAny),
    }
    Ok(match Option::<Loose>::deserialize(de)? {
        Some(Loose::Bool(b)) => b,
        Some(Loose::Text(s)) => s.eq_ignore_ascii_case("true"),
        Some(Loose::Other(_)) | None => false,
    })
}

impl From<StandardUserInfo> for ExternalProfile {
    fn from(info: StandardUserInfo) -> Self {
        Self {
            subject: info.sub,
            email: info.email,
            email_verified: info.email_verified,
            name: info.name,
            username: info.preferred_username.or(info.nickname),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn profile(username: Option<&str>, name: Option<&str>, email: Option<&str>) -> ExternalProfile {
        ExternalProfile {
            subject: "s1".into(),
            email: email.map(Into::into),
            email_verified: true,
            name: name.map(Into::into),
            username: username.map(Into::into),
        }
    }

    #[test]
    fn provider_ids_are_slugs() {
        assert!(ProviderId::parse("google").is_ok());
        assert!(ProviderId::parse("corp-sso2").is_ok());
        for bad in ["", "Google", "a/b", "-x", "a b", &"x".repeat(33)] {
            assert!(ProviderId::parse(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn usernames_come_from_handle_name_and_address() {
        let p = profile(Some("Ada_L"), Some("Ada Lovelace"), Some("ada@example.org"));
        assert_eq!(
            p.username_bases(),
            vec!["ada_l", "ada.lovelace", "ada", "volunteer"]
        );
        // accents go, other scripts leave too little, the address still gives one
        let p = profile(Some("Zoë"), Some("日本語"), Some("x@example.org"));
        assert_eq!(p.username_bases(), vec!["zoe", "volunteer"]);
        assert_eq!(fit_username("..--ab"), None);
        assert_eq!(fit_username("  José María "), Some("jose.maria".into()));
        assert_eq!(fit_username(&"a".repeat(100)).map(|u| u.len()), Some(28));
        assert_eq!(numbered_username("ada", 0), "ada");
        assert_eq!(numbered_username("ada", 1), "ada2");
    }

    #[test]
    fn display_name_falls_back_to_the_username() {
        let p = profile(None, Some("Ada Lovelace"), None);
        assert_eq!(p.display_name("ada"), "Ada Lovelace");
        let p = profile(None, Some("\u{202e}evil"), None);
        assert_eq!(p.display_name("ada"), "ada");
        let p = profile(None, None, None);
        assert_eq!(p.display_name("ada"), "ada");
    }

    #[test]
    fn a_profile_needs_a_subject_and_a_valid_address_to_vouch_for() {
        let mut p = profile(None, None, Some("not an address"));
        assert_eq!(p.clone().checked().map(|p| p.email_verified), Ok(false));
        p.subject = "  ".into();
        assert_eq!(p.checked().map_err(|e| e.code), Err("identity_incomplete"));
        let p = ExternalProfile {
            email_verified: false,
            ..profile(None, None, Some("a@example.org"))
        };
        assert_eq!(p.checked().map(|p| p.verified_email().is_none()), Ok(true));
    }

    #[test]
    fn decisions() {
        let a = UserId::from_uuid(uuid::Uuid::from_u128(1));
        let b = UserId::from_uuid(uuid::Uuid::from_u128(2));
        assert_eq!(decide(Some(a), Some(b)), SignInDecision::SignIn(a));
        assert_eq!(decide(None, Some(b)), SignInDecision::OfferLink(b));
        assert_eq!(decide(None, None), SignInDecision::Create);
    }

    #[test]
    fn github_and_discord_answers() {
        let user: GithubUser =
            serde_json::from_str(r#"{"id": 583231, "login": "octocat", "name": null}"#).unwrap();
        let emails: Vec<GithubEmail> = serde_json::from_str(
            r#"[{"email":"old@example.org","primary":false,"verified":true},
                {"email":"octo@example.org","primary":true,"verified":true,"visibility":"public"}]"#,
        )
        .unwrap();
        let p = github_profile(user, &emails);
        assert_eq!(p.subject, "583231");
        assert_eq!(p.verified_email(), Some("octo@example.org"));
        assert_eq!(p.username.as_deref(), Some("octocat"));

        let d: DiscordUser = serde_json::from_str(
            r#"{"id":"80351110224678912","username":"nelly","global_name":"Nelly",
                "email":"nelly@example.org","verified":false,"avatar":null}"#,
        )
        .unwrap();
        let p = ExternalProfile::from(d);
        assert_eq!(p.subject, "80351110224678912");
        assert_eq!(p.verified_email(), None);
        assert_eq!(p.name.as_deref(), Some("Nelly"));
    }

    #[test]
    fn userinfo_reads_string_booleans() {
        let info: StandardUserInfo = serde_json::from_str(
            r#"{"sub":"x","email":"a@example.org","email_verified":"true","nickname":"ax"}"#,
        )
        .unwrap();
        let p = ExternalProfile::from(info);
        assert!(p.email_verified);
        assert_eq!(p.username.as_deref(), Some("ax"));
        let info: StandardUserInfo =
            serde_json::from_str(r#"{"sub":"x","email_verified":null}"#).unwrap();
        assert!(!info.email_verified);
    }
}
