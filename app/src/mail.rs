//! E-mail (server only): the links of `engine::mail_links` written in the reader's language and
//! handed to the server's mailer. Without SMTP configured there is no mailer, and the pages
//! that need one say so and are not linked.

use crate::i18n::{keys, I18n, Locale};
use engine::mail_links::MailLink;
use leptos::prelude::*;
use std::{future::Future, pin::Pin, sync::Arc};

/// One plain-text message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mail {
    pub to: String,
    pub subject: String,
    pub body: String,
}

/// A mail on its way: done, or why not.
pub type Sending = Pin<Box<dyn Future<Output = Result<(), String>> + Send>>;

/// The server's way of sending mail (SMTP, `server::mail`), provided to every server function.
#[derive(Clone)]
pub struct Mailer(Arc<dyn Fn(Mail) -> Sending + Send + Sync>);

impl Mailer {
    pub fn new(send: impl Fn(Mail) -> Sending + Send + Sync + 'static) -> Self {
        Self(Arc::new(send))
    }

    /// Sends in the background: the answer to the request must not take longer when a mail
    /// goes out (that would tell whether an address is known). Failures are logged.
    pub fn send_later(&self, mail: Mail) {
        let sending = (self.0)(mail);
        tokio::spawn(async move {
            if let Err(error) = sending.await {
                tracing::error!(%error, "mail not delivered");
            }
        });
    }
}

/// Where users reach Grove (links in mails start with it).
#[derive(Debug, Clone)]
pub struct SiteUrl(pub String);

/// The mailer, if SMTP is configured.
pub fn mailer() -> Option<Mailer> {
    use_context::<Option<Mailer>>().flatten()
}

/// The base address of links.
pub fn site_url() -> String {
    use_context::<SiteUrl>()
        .map(|url| url.0.trim_end_matches('/').to_owned())
        .unwrap_or_default()
}

/// The locale a mail to this account is written in: the account's choice, else the page's.
pub fn locale_for(saved: Option<&str>) -> Locale {
    saved
        .and_then(|tag| tag.parse::<Locale>().ok())
        .unwrap_or_else(crate::i18n::request_locale)
}

/// The mail carrying a link, in the account's language.
pub fn link_mail(link: &MailLink, base: &str) -> Mail {
    use domain::account::LinkPurpose;
    let i18n = I18n::new(locale_for(link.user.interface_locale.as_deref()));
    let url = format!("{base}{}?token={}", link.purpose.path(), link.token);
    let minutes = link.purpose.lifetime_minutes().to_string();
    let (subject, body) = match link.purpose {
        LinkPurpose::VerifyEmail => (keys::mail::verify_subject, keys::mail::verify_body),
        LinkPurpose::ResetPassword => (keys::mail::reset_subject, keys::mail::reset_body),
        LinkPurpose::LoginLink => (keys::mail::login_subject, keys::mail::login_body),
    };
    let args = [
        ("name", link.user.display_name.clone()),
        ("link", url),
        ("minutes", minutes),
    ];
    Mail {
        to: link.email.clone(),
        subject: i18n.format(subject, &args),
        body: i18n.format(body, &args),
    }
}

/// The notice to an address someone registered with although it is another account's: no
/// link, just what happened and what to do.
pub fn known_address_mail(to: &str, base: &str) -> Mail {
    let i18n = I18n::new(crate::i18n::request_locale());
    let args = [("forgot", format!("{base}/forgot"))];
    Mail {
        to: to.to_owned(),
        subject: i18n.format(keys::mail::known_subject, &args),
        body: i18n.format(keys::mail::known_body, &args),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use domain::account::LinkPurpose;

    fn link(purpose: LinkPurpose, locale: Option<&str>) -> MailLink {
        MailLink {
            user: engine::accounts::User {
                id: domain::ids::UserId::from_uuid(uuid::Uuid::nil()),
                username: "ada".to_owned(),
                display_name: "Ada".to_owned(),
                email: Some("ada@example.org".to_owned()),
                email_verified: true,
                has_password: true,
                role: domain::account::Role::Annotator,
                banned: false,
                deleted: false,
                session_version: 1,
                tos_accepted_at: None,
                created_at: time::OffsetDateTime::UNIX_EPOCH,
                languages: vec!["en".to_owned()],
                streak_days: 0,
                streak_last_day: None,
                interface_locale: locale.map(str::to_owned),
            },
            email: "ada@example.org".to_owned(),
            purpose,
            token: "TOKEN".to_owned(),
        }
    }

    #[test]
    fn a_link_mail_carries_the_link_in_the_accounts_language() {
        let mail = link_mail(
            &link(LinkPurpose::ResetPassword, None),
            "https://grove.test",
        );
        assert_eq!(mail.to, "ada@example.org");
        assert!(
            mail.body.contains("https://grove.test/reset?token=TOKEN"),
            "{}",
            mail.body
        );
        assert!(
            mail.body.contains("60"),
            "the expiry is said: {}",
            mail.body
        );
        assert!(!mail.body.contains("{{"), "{}", mail.body);
        let german = link_mail(
            &link(LinkPurpose::LoginLink, Some("de")),
            "https://grove.test",
        );
        assert!(german.body.contains("/login/link?token=TOKEN"));
        assert_ne!(
            german.subject,
            link_mail(&link(LinkPurpose::LoginLink, None), "").subject
        );
    }
}
