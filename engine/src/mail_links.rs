//! Links sent by e-mail: address verification, password reset and sign-in. A link carries a
//! random token; only its SHA-256 is stored, each works once and expires
//! (`domain::account::LinkPurpose`). Asking for a reset or a sign-in link names an address;
//! whether it belongs to an account is never told (the caller sends mail or does not, the
//! answer is the same), and only verified addresses get links.

use crate::{
    accounts::User,
    db::{tokens, users},
    password, Engine, Error,
};
use domain::{
    account::{Email, LinkPurpose},
    ids::UserId,
};
use sha2::{Digest, Sha256};
use time::{Duration, OffsetDateTime};
use tracing::instrument;

/// A link to send: to whom, to which address, and the token (shown only in the mail).
#[derive(Debug, Clone)]
pub struct MailLink {
    pub user: User,
    pub email: String,
    pub purpose: LinkPurpose,
    pub token: String,
}

fn digest(token: &str) -> Vec<u8> {
    Sha256::digest(token.trim().as_bytes()).to_vec()
}

/// 32 random bytes, URL-safe base64 without padding.
fn new_token() -> String {
    use rand::RngCore;
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    let mut bytes = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    let mut out = String::with_capacity(43);
    let mut bits = 0u32;
    let mut count = 0;
    for byte in bytes {
        bits = (bits << 8) | u32::from(byte);
        count += 8;
        while count >= 6 {
            count -= 6;
            let index = ((bits >> count) & 63) as usize;
            out.push(char::from(*ALPHABET.get(index).unwrap_or(&b'A')));
        }
    }
    if count > 0 {
        let index = ((bits << (6 - count)) & 63) as usize;
        out.push(char::from(*ALPHABET.get(index).unwrap_or(&b'A')));
    }
    out
}

fn link_gone() -> Error {
    Error::rule(
        crate::ErrorKind::Gone,
        "link_invalid",
        "This link has expired or was used already. Ask for a new one.",
    )
}

impl Engine {
    async fn issue(
        &self,
        user: User,
        email: String,
        purpose: LinkPurpose,
    ) -> Result<MailLink, Error> {
        let token = new_token();
        let expires = OffsetDateTime::now_utc() + Duration::minutes(purpose.lifetime_minutes());
        let mut tx = self.pool.begin().await?;
        tokens::retire(&mut *tx, user.id.as_uuid(), purpose.as_str()).await?;
        tokens::insert(
            &mut *tx,
            &digest(&token),
            user.id.as_uuid(),
            purpose.as_str(),
            &email,
            expires,
        )
        .await?;
        tx.commit().await?;
        Ok(MailLink {
            user,
            email,
            purpose,
            token,
        })
    }

    /// A reset or sign-in link for the account whose verified address `email` is; `None`
    /// when no live account has it verified (the caller answers the same either way).
    #[instrument(skip_all, fields(purpose = purpose.as_str()))]
    pub async fn link_for_address(
        &self,
        email: &str,
        purpose: LinkPurpose,
    ) -> Result<Option<MailLink>, Error> {
        let Some(email) = Email::parse_optional(email).ok().flatten() else {
            return Ok(None);
        };
        let Some(id) = users::by_verified_email(&self.pool, email.as_str()).await? else {
            return Ok(None);
        };
        let user = self.user(UserId::from_uuid(id)).await?;
        if !user.is_active() {
            return Ok(None);
        }
        let address = user
            .email
            .clone()
            .unwrap_or_else(|| email.as_str().to_owned());
        self.issue(user, address, purpose).await.map(Some)
    }

    /// A verification link for the account's address, if it has an unverified one.
    pub async fn verification_link(&self, id: UserId) -> Result<Option<MailLink>, Error> {
        let user = self.user(id).await?;
        match user.email.clone() {
            Some(email) if !user.email_verified && user.is_active() => self
                .issue(user, email, LinkPurpose::VerifyEmail)
                .await
                .map(Some),
            _ => Ok(None),
        }
    }

    /// Gives the account a new address, unverified until its link is used (empty removes it).
    pub async fn change_email(&self, id: UserId, email: &str) -> Result<Option<String>, Error> {
        let email = Email::parse_optional(email)?;
        let address = email.as_ref().map(Email::as_str);
        if users::set_email(&self.pool, id.as_uuid(), address).await? {
            Ok(address.map(str::to_owned))
        } else {
            Err(Error::NotFound("User"))
        }
    }

    /// Whether an address already belongs, verified, to another account than `id`: such a
    /// registration gets a notice instead of a verification link.
    pub async fn address_taken_by_other(&self, id: UserId, email: &str) -> Result<bool, Error> {
        Ok(users::by_verified_email(&self.pool, email)
            .await?
            .is_some_and(|owner| owner != id.as_uuid()))
    }

    /// Uses a verification link: the address it went to is now the account's, verified (the
    /// address is returned). An address verified by another account meanwhile is
    /// `email_taken`.
    pub async fn verify_email(&self, token: &str) -> Result<String, Error> {
        let (user, email) = tokens::consume(
            &self.pool,
            &digest(token),
            LinkPurpose::VerifyEmail.as_str(),
        )
        .await?
        .ok_or_else(link_gone)?;
        if users::mark_email_verified(&self.pool, user, &email).await? {
            Ok(email)
        } else {
            // the account has another address by now
            Err(link_gone())
        }
    }

    /// Whether a link of `purpose` would still work (its page shows the form only then).
    pub async fn link_is_usable(&self, token: &str, purpose: LinkPurpose) -> Result<bool, Error> {
        Ok(tokens::holder(&self.pool, &digest(token), purpose.as_str())
            .await?
            .is_some())
    }

    /// Uses a reset link: the new password (same floor as ever) replaces the old one and every
    /// session of the account ends; the account, to sign in the session that asked.
    #[instrument(skip_all)]
    pub async fn reset_password(&self, token: &str, new: String) -> Result<User, Error> {
        // the password is judged before the link is used up, so a weak one can be corrected
        let purpose = LinkPurpose::ResetPassword.as_str();
        let holder = tokens::holder(&self.pool, &digest(token), purpose)
            .await?
            .ok_or_else(link_gone)?;
        let user = self.user(UserId::from_uuid(holder)).await?;
        let email = user.email.clone().unwrap_or_default();
        let local_part = email.split('@').next().unwrap_or_default();
        let new =
            crate::accounts::new_password(new, &[&user.username, &user.display_name, local_part])?;
        if user.banned {
            return Err(Error::Banned);
        }
        let id = tokens::consume(&self.pool, &digest(token), purpose)
            .await?
            .map(|(id, _)| UserId::from_uuid(id))
            .filter(|used| *used == user.id)
            .ok_or_else(link_gone)?;
        let hash = password::hash(new.expose().to_owned()).await?;
        users::set_password_hash(&self.pool, id.as_uuid(), &hash.0)
            .await?
            .ok_or(Error::NotFound("User"))?;
        self.user(id).await
    }

    /// Uses a sign-in link: the account to sign in (once; a banned one is refused).
    pub async fn use_login_link(&self, token: &str) -> Result<User, Error> {
        let (id, _) = tokens::consume(&self.pool, &digest(token), LinkPurpose::LoginLink.as_str())
            .await?
            .ok_or_else(link_gone)?;
        let user = self.user(UserId::from_uuid(id)).await?;
        if user.banned || user.deleted {
            return Err(Error::Banned);
        }
        Ok(user)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::accounts::Registration;
    use sqlx::PgPool;

    async fn ada(engine: &Engine, verified: bool) -> Result<User, Error> {
        let user = engine
            .register(Registration {
                username: "ada".to_owned(),
                email: "ada@example.org".to_owned(),
                password: "lemon-stand-7".to_owned(),
                role: None,
            })
            .await?;
        if verified {
            let link = engine.verification_link(user.id).await?;
            let token = link.map(|l| l.token).unwrap_or_default();
            engine.verify_email(&token).await?;
        }
        engine.user(user.id).await
    }

    #[test]
    fn tokens_are_long_url_safe_and_fresh() {
        let (a, b) = (new_token(), new_token());
        assert_eq!(a.len(), 43);
        assert!(a
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_'));
        assert_ne!(a, b);
    }

    #[sqlx::test(migrator = "crate::MIGRATOR")]
    async fn only_a_verified_address_gets_links(pool: PgPool) -> Result<(), Error> {
        let engine = Engine::new(pool);
        let user = ada(&engine, false).await?;
        assert!(!user.email_verified);
        let unknown = engine
            .link_for_address("nobody@example.org", LinkPurpose::ResetPassword)
            .await?;
        assert!(unknown.is_none());
        let unverified = engine
            .link_for_address("ada@example.org", LinkPurpose::ResetPassword)
            .await?;
        assert!(
            unverified.is_none(),
            "an unverified address gets no reset link"
        );
        let link = engine
            .verification_link(user.id)
            .await?
            .map(|l| l.token)
            .unwrap_or_default();
        assert_eq!(engine.verify_email(&link).await?, "ada@example.org");
        assert!(engine.user(user.id).await?.email_verified);
        let again = engine.verify_email(&link).await.map_err(|e| e.code());
        assert_eq!(again, Err("link_invalid"), "single use");
        let reset = engine
            .link_for_address("ADA@example.org", LinkPurpose::ResetPassword)
            .await?;
        assert!(reset.is_some_and(|l| l.user.id == user.id));
        Ok(())
    }

    #[sqlx::test(migrator = "crate::MIGRATOR")]
    async fn a_reset_link_sets_the_password_once_and_ends_the_sessions(
        pool: PgPool,
    ) -> Result<(), Error> {
        let engine = Engine::new(pool);
        let user = ada(&engine, true).await?;
        let link = engine
            .link_for_address("ada@example.org", LinkPurpose::ResetPassword)
            .await?
            .map(|l| l.token)
            .unwrap_or_default();
        // a weak password does not use the link up
        let weak = engine
            .reset_password(&link, "password1234".to_owned())
            .await;
        assert_eq!(
            weak.map(|_| ()).map_err(|e| e.code()),
            Err("password_common")
        );
        let done = engine
            .reset_password(&link, "Kelp-Forest-Heron-57".to_owned())
            .await?;
        assert!(
            done.session_version > user.session_version,
            "other sessions end"
        );
        assert!(engine
            .log_in("ada", "Kelp-Forest-Heron-57".to_owned())
            .await
            .is_ok());
        let twice = engine
            .reset_password(&link, "Another-Heron-58-Kelp".to_owned())
            .await;
        assert_eq!(twice.map(|_| ()).map_err(|e| e.code()), Err("link_invalid"));
        Ok(())
    }

    #[sqlx::test(migrator = "crate::MIGRATOR")]
    async fn a_sign_in_link_works_once_and_a_newer_one_replaces_it(
        pool: PgPool,
    ) -> Result<(), Error> {
        let engine = Engine::new(pool);
        let user = ada(&engine, true).await?;
        let first = engine
            .link_for_address("ada@example.org", LinkPurpose::LoginLink)
            .await?;
        let second = engine
            .link_for_address("ada@example.org", LinkPurpose::LoginLink)
            .await?;
        let (first, second) = (
            first.map(|l| l.token).unwrap_or_default(),
            second.map(|l| l.token).unwrap_or_default(),
        );
        let old = engine
            .use_login_link(&first)
            .await
            .map(|_| ())
            .map_err(|e| e.code());
        assert_eq!(old, Err("link_invalid"), "the newer link replaced it");
        assert_eq!(engine.use_login_link(&second).await?.id, user.id);
        let again = engine
            .use_login_link(&second)
            .await
            .map(|_| ())
            .map_err(|e| e.code());
        assert_eq!(again, Err("link_invalid"));
        let wrong_kind = engine.verify_email(&second).await.map_err(|e| e.code());
        assert_eq!(wrong_kind, Err("link_invalid"));
        Ok(())
    }
}
