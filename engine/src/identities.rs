//! Sign-in through identity providers: an identity (provider and subject) linked to an
//! account signs in to it; a first sign-in creates an account; an identity whose verified
//! address an account already holds is linked only once the person confirms (the server asks).
//! The rules are `domain::identity`'s; the provider protocols are the server's.

use crate::{
    accounts::{skeleton, User},
    db::{identities, names, users},
    Engine, Error,
};
use domain::{
    account::Role,
    identity::{decide, numbered_username, ExternalProfile, ProviderId, SignInDecision},
    ids::UserId,
};
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use tracing::instrument;

/// What a sign-in through a provider came to.
#[derive(Debug, Clone)]
pub enum IdentitySignIn {
    /// The identity was linked already: this account is signed in.
    SignedIn(User),
    /// A first sign-in: this new account (it has not accepted the terms yet).
    Created(User),
    /// This account holds the address the provider vouches for; link only if the person
    /// confirms (`link_identity`).
    OfferLink(User),
}

/// One identity on the account page.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LinkedIdentity {
    pub provider: ProviderId,
    pub email: Option<String>,
    pub created_at: OffsetDateTime,
    pub last_used_at: OffsetDateTime,
}

/// How an account can sign in (the account page shows it; unlinking keeps one way in).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SignInMethods {
    pub has_password: bool,
    pub identities: Vec<LinkedIdentity>,
}

/// Numbered variants tried per username base before the next base.
const NUMBERED_TRIES: usize = 20;

impl Engine {
    /// Signs in with an identity the provider vouched for (the caller verified the token).
    #[instrument(skip_all, fields(provider = %provider))]
    pub async fn identity_sign_in(
        &self,
        provider: &ProviderId,
        profile: ExternalProfile,
    ) -> Result<IdentitySignIn, Error> {
        let profile = profile.checked()?;
        let linked = identities::sign_in(
            &self.pool,
            provider.as_str(),
            &profile.subject,
            profile.email.as_deref(),
        )
        .await?
        .map(UserId::from_uuid);
        let owner = match profile.verified_email() {
            Some(email) => users::by_verified_email(&self.pool, email)
                .await?
                .map(UserId::from_uuid),
            None => None,
        };
        match decide(linked, owner) {
            SignInDecision::SignIn(id) => {
                let user = self.user(id).await?;
                if user.banned {
                    return Err(Error::Banned);
                }
                Ok(IdentitySignIn::SignedIn(user))
            }
            SignInDecision::OfferLink(id) => {
                let user = self.user(id).await?;
                if user.banned {
                    return Err(Error::Banned);
                }
                Ok(IdentitySignIn::OfferLink(user))
            }
            SignInDecision::Create => self
                .create_from_identity(provider, &profile)
                .await
                .map(IdentitySignIn::Created),
        }
    }

    /// A first sign-in's account: a username from the profile (numbered when taken or
    /// confusable with another name), the provider's name as display name where it is free,
    /// and the address, verified if the provider vouches for it and nobody else verified it.
    async fn create_from_identity(
        &self,
        provider: &ProviderId,
        profile: &ExternalProfile,
    ) -> Result<User, Error> {
        let mut candidates: Vec<String> = profile
            .username_bases()
            .iter()
            .flat_map(|base| (0..NUMBERED_TRIES).map(move |n| numbered_username(base, n)))
            .collect();
        candidates.push(format!(
            "volunteer{}",
            rand::random::<u32>() % 1_000_000_000
        ));
        for username in candidates {
            let form = skeleton(&username);
            if crate::accounts::is_reserved(&form) {
                continue;
            }
            match self.try_create(provider, profile, &username, &form).await {
                Err(Error::UsernameTaken | Error::NameTaken) => continue,
                other => return other,
            }
        }
        Err(Error::UsernameTaken)
    }

    async fn try_create(
        &self,
        provider: &ProviderId,
        profile: &ExternalProfile,
        username: &str,
        form: &str,
    ) -> Result<User, Error> {
        let display_name = profile.display_name(username);
        let display_form = skeleton(&display_name);
        let display_free = display_form == form || !crate::accounts::is_reserved(&display_form);
        let row = self
            .transaction(|conn| {
                let (provider, profile) = (provider.clone(), profile.clone());
                let (username, form) = (username.to_owned(), form.to_owned());
                let (display_name, display_form) = (display_name.clone(), display_form.clone());
                Box::pin(async move {
                    let row = users::insert(
                        &mut *conn,
                        users::NewUser {
                            username: &username,
                            email: profile.email.as_deref(),
                            display_name: &username,
                            password_hash: None,
                            role: Role::Annotator.as_str(),
                        },
                    )
                    .await?;
                    let id = row.user_id;
                    if !form.is_empty() && !names::claim(conn, id, &form, "username").await? {
                        return Err(Error::NameTaken);
                    }
                    if display_free
                        && display_name != username
                        && !display_form.is_empty()
                        && names::claim(conn, id, &display_form, "display_name").await?
                    {
                        users::set_display_name(&mut *conn, id, &display_name).await?;
                    }
                    if let Some(email) = profile.verified_email() {
                        // a race with another account verifying it leaves this one unverified
                        if users::by_verified_email(&mut *conn, email).await?.is_none() {
                            users::mark_email_verified(&mut *conn, id, email).await?;
                        }
                    }
                    identities::insert(
                        &mut *conn,
                        provider.as_str(),
                        &profile.subject,
                        id,
                        profile.email.as_deref(),
                    )
                    .await?;
                    Ok(id)
                })
            })
            .await?;
        self.user(UserId::from_uuid(row)).await
    }

    /// Links an identity to an account: after the person confirmed the offer of
    /// `identity_sign_in`, or from the account page of a signed-in user.
    #[instrument(skip_all, fields(provider = %provider, user_id = %user))]
    pub async fn link_identity(
        &self,
        user: UserId,
        provider: &ProviderId,
        profile: ExternalProfile,
    ) -> Result<User, Error> {
        let profile = profile.checked()?;
        let account = self.user(user).await?;
        if !account.is_active() {
            return Err(if account.banned {
                Error::Banned
            } else {
                Error::NotFound("User")
            });
        }
        identities::insert(
            &self.pool,
            provider.as_str(),
            &profile.subject,
            user.as_uuid(),
            profile.email.as_deref(),
        )
        .await?;
        Ok(account)
    }

    /// How the account signs in: a password, identities.
    pub async fn sign_in_methods(&self, user: UserId) -> Result<SignInMethods, Error> {
        let has_password = users::password_hash(&self.pool, user.as_uuid())
            .await?
            .is_some();
        let identities = identities::of_user(&self.pool, user.as_uuid())
            .await?
            .into_iter()
            .filter_map(|row| {
                Some(LinkedIdentity {
                    provider: ProviderId::parse(&row.provider).ok()?,
                    email: row.email,
                    created_at: row.created_at,
                    last_used_at: row.last_used_at,
                })
            })
            .collect();
        Ok(SignInMethods {
            has_password,
            identities,
        })
    }

    /// Unlinks the account's identity at `provider`, unless it is the only way in left.
    #[instrument(skip_all, fields(provider = %provider, user_id = %user))]
    pub async fn unlink_identity(&self, user: UserId, provider: &ProviderId) -> Result<(), Error> {
        let methods = self.sign_in_methods(user).await?;
        if !methods.identities.iter().any(|i| &i.provider == provider) {
            return Err(Error::not_found(
                "identity_not_found",
                "This account does not sign in with that provider.",
            ));
        }
        if !methods.has_password && methods.identities.len() == 1 {
            return Err(Error::conflict(
                "last_sign_in_method",
                "This is the account's only way to sign in. Set a password first.",
            ));
        }
        identities::remove(&self.pool, user.as_uuid(), provider.as_str()).await?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::accounts::Registration;
    use sqlx::PgPool;

    fn profile(
        subject: &str,
        username: &str,
        email: Option<&str>,
        verified: bool,
    ) -> ExternalProfile {
        ExternalProfile {
            subject: subject.into(),
            email: email.map(Into::into),
            email_verified: verified,
            name: Some("Ada Lovelace".into()),
            username: Some(username.into()),
        }
    }

    fn provider() -> ProviderId {
        ProviderId::parse("test").unwrap()
    }

    #[sqlx::test(migrator = "crate::MIGRATOR")]
    async fn a_first_sign_in_creates_an_account_and_the_next_signs_in(pool: PgPool) {
        let engine = Engine::new(pool);
        let first = engine
            .identity_sign_in(
                &provider(),
                profile("s1", "ada", Some("ada@example.org"), true),
            )
            .await
            .unwrap();
        let IdentitySignIn::Created(user) = first else {
            panic!("expected a new account, got {first:?}");
        };
        assert_eq!(user.username, "ada");
        assert_eq!(user.display_name, "Ada Lovelace");
        assert!(user.email_verified);
        assert!(!user.has_accepted_terms());
        let again = engine
            .identity_sign_in(&provider(), profile("s1", "renamed", None, false))
            .await
            .unwrap();
        assert!(matches!(again, IdentitySignIn::SignedIn(u) if u.id == user.id));
        let methods = engine.sign_in_methods(user.id).await.unwrap();
        assert!(!methods.has_password);
        assert_eq!(methods.identities.len(), 1);
        // a password login cannot enter an account without a password
        assert!(matches!(
            engine.log_in("ada", String::new()).await,
            Err(Error::InvalidCredentials)
        ));
        // the only way in stays
        let err = engine
            .unlink_identity(user.id, &provider())
            .await
            .unwrap_err();
        assert_eq!(err.code(), "last_sign_in_method");
    }

    #[sqlx::test(migrator = "crate::MIGRATOR")]
    async fn taken_and_confusable_names_are_numbered(pool: PgPool) {
        let engine = Engine::new(pool);
        engine
            .register(Registration {
                username: "Ada".into(),
                password: "lemon-stand-7".into(),
                ..Default::default()
            })
            .await
            .unwrap();
        let IdentitySignIn::Created(user) = engine
            .identity_sign_in(&provider(), profile("s2", "ADA", None, false))
            .await
            .unwrap()
        else {
            panic!("expected a new account");
        };
        // "ada" is taken: the next number
        assert_eq!(user.username, "ada2");
        let IdentitySignIn::Created(user) = engine
            .identity_sign_in(&provider(), profile("s9", "аda", None, false))
            .await
            .unwrap()
        else {
            panic!("expected a new account");
        };
        // "аda" (Cyrillic a) fits no username: the name gives one, numbered because ada2's
        // display name "Ada Lovelace" reads the same
        assert_eq!(user.username, "ada.lovelace2");
        assert_eq!(user.display_name, "ada.lovelace2");
        let IdentitySignIn::Created(admin) = engine
            .identity_sign_in(&provider(), profile("s3", "admin", None, false))
            .await
            .unwrap()
        else {
            panic!("expected a new account");
        };
        assert_ne!(skeleton(&admin.username), "admin");
    }

    #[sqlx::test(migrator = "crate::MIGRATOR")]
    async fn a_verified_address_offers_a_link_and_only_a_vouched_one(pool: PgPool) {
        let engine = Engine::new(pool.clone());
        let owner = engine
            .register(Registration {
                username: "grace".into(),
                email: "grace@example.org".into(),
                password: "lemon-stand-7".into(),
                ..Default::default()
            })
            .await
            .unwrap();
        // not verified in Grove yet: no offer, a separate account without the address verified
        let unverified = engine
            .identity_sign_in(
                &provider(),
                profile("s4", "grace", Some("grace@example.org"), true),
            )
            .await
            .unwrap();
        let IdentitySignIn::Created(other) = unverified else {
            panic!("expected a new account");
        };
        assert!(other.email_verified, "nobody had verified it");
        sqlx::query("delete from app_user where user_id = $1")
            .bind(other.id.as_uuid())
            .execute(&pool)
            .await
            .unwrap();
        sqlx::query("update app_user set email_verified_at = now() where user_id = $1")
            .bind(owner.id.as_uuid())
            .execute(&pool)
            .await
            .unwrap();
        // the provider does not vouch for the address: nothing is offered
        let not_vouched = engine
            .identity_sign_in(
                &provider(),
                profile("s5", "g", Some("grace@example.org"), false),
            )
            .await
            .unwrap();
        assert!(
            matches!(not_vouched, IdentitySignIn::Created(u) if u.id != owner.id && !u.email_verified)
        );
        let offer = engine
            .identity_sign_in(
                &provider(),
                profile("s6", "g", Some("GRACE@example.org"), true),
            )
            .await
            .unwrap();
        assert!(matches!(&offer, IdentitySignIn::OfferLink(u) if u.id == owner.id));
        // nothing is linked until the person confirms
        assert!(engine
            .sign_in_methods(owner.id)
            .await
            .unwrap()
            .identities
            .is_empty());
        engine
            .link_identity(owner.id, &provider(), profile("s6", "g", None, false))
            .await
            .unwrap();
        let signed = engine
            .identity_sign_in(&provider(), profile("s6", "g", None, false))
            .await
            .unwrap();
        assert!(matches!(signed, IdentitySignIn::SignedIn(u) if u.id == owner.id));
        // one identity per provider and account; one account per identity
        let err = engine
            .link_identity(owner.id, &provider(), profile("s7", "g", None, false))
            .await
            .unwrap_err();
        assert_eq!(err.code(), "identity_already_linked");
        let other = ProviderId::parse("other").unwrap();
        engine
            .link_identity(owner.id, &other, profile("o1", "g", None, false))
            .await
            .unwrap();
        engine.unlink_identity(owner.id, &other).await.unwrap();
        // a deleted account's identities go with it
        engine
            .delete_account(owner.id, "lemon-stand-7".into())
            .await
            .unwrap();
        let after = engine
            .identity_sign_in(&provider(), profile("s6", "g", None, false))
            .await
            .unwrap();
        assert!(matches!(after, IdentitySignIn::Created(u) if u.id != owner.id));
    }

    #[sqlx::test(migrator = "crate::MIGRATOR")]
    async fn a_banned_account_does_not_sign_in(pool: PgPool) {
        let engine = Engine::new(pool);
        let IdentitySignIn::Created(user) = engine
            .identity_sign_in(&provider(), profile("s8", "mallory", None, false))
            .await
            .unwrap()
        else {
            panic!("expected a new account");
        };
        engine.set_banned(user.id, true).await.unwrap();
        let err = engine
            .identity_sign_in(&provider(), profile("s8", "mallory", None, false))
            .await
            .unwrap_err();
        assert_eq!(err.code(), "account_banned");
    }
}
