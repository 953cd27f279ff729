//! Account use-cases: register, log in, accept the terms, change profile and password, delete
//! (anonymise), and the admin commands for roles and bans.

use crate::{
    db::{
        names,
        users::{self, NewUser, UserRow},
    },
    password, Engine, Error,
};
use domain::{
    account::{DisplayName, Email, NewPassword, Role, Username},
    ids::UserId,
    Invalid,
};
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use tracing::instrument;

/// An account as the rest of Grove sees it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct User {
    pub id: UserId,
    pub username: String,
    pub display_name: String,
    pub email: Option<String>,
    /// Whether the address was proven by a link sent to it.
    pub email_verified: bool,
    /// Whether the account has a password (one made by an identity provider may not).
    pub has_password: bool,
    pub role: Role,
    pub banned: bool,
    pub deleted: bool,
    /// Sessions remember this; a session with an older version is no longer valid.
    pub session_version: i32,
    pub tos_accepted_at: Option<OffsetDateTime>,
    pub created_at: OffsetDateTime,
    /// The languages the user writes and judges in.
    pub languages: Vec<String>,
    /// Consecutive days with a contribution, as of the last one.
    pub streak_days: u32,
    pub streak_last_day: Option<time::Date>,
    /// The interface language chosen, if any (otherwise the browser's is used).
    pub interface_locale: Option<String>,
}

impl User {
    /// Whether the account may act at all (log in, keep a session).
    pub fn is_active(&self) -> bool {
        !self.banned && !self.deleted
    }

    pub fn has_accepted_terms(&self) -> bool {
        self.tos_accepted_at.is_some()
    }
}

impl TryFrom<UserRow> for User {
    type Error = Error;

    fn try_from(row: UserRow) -> Result<Self, Error> {
        let role = Role::parse(&row.role)
            .map_err(|_| Error::Internal(format!("unknown role {:?} in storage", row.role)))?;
        Ok(Self {
            id: UserId::from_uuid(row.user_id),
            username: row.username,
            display_name: row.display_name,
            email: row.email,
            email_verified: row.email_verified_at.is_some(),
            has_password: row.has_password,
            role,
            banned: row.banned,
            deleted: row.deleted,
            session_version: row.session_version,
            tos_accepted_at: row.tos_accepted_at,
            created_at: row.created_at,
            languages: row.languages,
            streak_days: u32::try_from(row.streak_days).unwrap_or(0),
            streak_last_day: row.streak_last_day,
            interface_locale: row.interface_locale,
        })
    }
}

/// What a person types into the registration form.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct Registration {
    pub username: String,
    pub email: String,
    pub password: String,
    pub role: Option<Role>,
}

/// The confusable-free form of a name: decancer's cure (homoglyphs of other scripts,
/// accents, full-width and styled letters to plain lower-case ASCII), then letters and digits
/// only, so `Admin1`, `аdmin1` (Cyrillic a), `admin_1` and `ＡＤＭＩＮ１` are one name.
pub fn skeleton(name: &str) -> String {
    let cured = decancer::cure(name, decancer::Options::default())
        .map(|cured| cured.to_string())
        .unwrap_or_else(|_| name.to_lowercase());
    cured.chars().filter(|c| c.is_alphanumeric()).collect()
}

/// Names nobody may take, so no account passes for the staff.
const RESERVED: &[&str] = &[
    "admin",
    "administrator",
    "moderator",
    "moderators",
    "grove",
    "system",
    "support",
    "staff",
    "root",
    "deleteduser",
];

/// Whether nobody may take a name of this form.
pub(crate) fn is_reserved(form: &str) -> bool {
    RESERVED.contains(&form)
}

/// Refuses a name whose form is reserved.
fn not_reserved(form: &str) -> Result<(), Error> {
    if is_reserved(form) {
        return Err(Error::NameTaken);
    }
    Ok(())
}

/// The password floor: the domain's rules, then zxcvbn with the account's own words.
pub(crate) fn new_password(candidate: String, known: &[&str]) -> Result<NewPassword, Error> {
    let username = known.first().copied().unwrap_or_default();
    let password = NewPassword::parse(candidate, username)?;
    password::judge(password.expose(), known)?;
    Ok(password)
}

impl Engine {
    /// Whether `candidate` would be accepted as a new password of an account with these
    /// names (the registration form asks while the user types); nothing is stored.
    pub fn check_new_password(&self, candidate: String, names: &[&str]) -> Result<(), Error> {
        new_password(candidate, names).map(|_| ())
    }

    /// Creates an account. The display name starts as the username. A name confusable with
    /// another account's username or display name is refused (`name_taken`); the e-mail
    /// address is kept unverified, so registering tells nothing about who else uses it.
    #[instrument(skip_all, fields(username = %registration.username))]
    pub async fn register(&self, registration: Registration) -> Result<User, Error> {
        let username = Username::parse(&registration.username)?;
        let email = Email::parse_optional(&registration.email)?;
        let local_part = email
            .as_ref()
            .and_then(|e| e.as_str().split('@').next())
            .unwrap_or_default();
        let password = new_password(registration.password, &[username.as_str(), local_part])?;
        let form = skeleton(username.as_str());
        if registration.role.is_none() {
            not_reserved(&form)?;
        }
        let role = registration.role.unwrap_or(Role::Annotator);
        let hash = password::hash(password.expose().to_owned()).await?;
        let row = self
            .transaction(move |conn| {
                let (username, email, hash, form) = (
                    username.clone(),
                    email.clone(),
                    hash.0.clone(),
                    form.clone(),
                );
                Box::pin(async move {
                    let row = users::insert(
                        &mut *conn,
                        NewUser {
                            username: username.as_str(),
                            email: email.as_ref().map(Email::as_str),
                            display_name: username.as_str(),
                            password_hash: Some(&hash),
                            role: role.as_str(),
                        },
                    )
                    .await?;
                    if !form.is_empty()
                        && !names::claim(conn, row.user_id, &form, "username").await?
                    {
                        return Err(Error::NameTaken);
                    }
                    Ok(row)
                })
            })
            .await?;
        User::try_from(row)
    }

    /// Gives names that have no confusable-free form yet (accounts from before the forms, or
    /// imported) theirs; a form someone else holds is left unclaimed. Runs after migrations.
    pub async fn claim_missing_name_forms(&self) -> Result<u64, Error> {
        let mut conn = self.pool.acquire().await?;
        let mut claimed = 0;
        for (user, username, display_name) in names::without_forms(&mut conn).await? {
            for (name, kind) in [(username, "username"), (display_name, "display_name")] {
                let form = skeleton(&name);
                if !form.is_empty() && names::claim(&mut conn, user, &form, kind).await? {
                    claimed += 1;
                }
            }
        }
        Ok(claimed)
    }

    /// Checks a username and password. Unknown user and wrong password give the same error;
    /// a banned account is told so only when the password is right.
    #[instrument(skip_all)]
    pub async fn log_in(&self, username: &str, password: String) -> Result<User, Error> {
        let credentials = users::credentials(&self.pool, username.trim()).await?;
        let (user_id, stored) = match credentials {
            Some((id, hash)) => (Some(id), hash),
            None => (None, None),
        };
        if !password::verify(password, stored).await? {
            return Err(Error::InvalidCredentials);
        }
        let user_id = user_id.ok_or(Error::InvalidCredentials)?;
        let user = self.user(UserId::from_uuid(user_id)).await?;
        if user.banned {
            return Err(Error::Banned);
        }
        Ok(user)
    }

    /// Loads an account by id.
    pub async fn user(&self, id: UserId) -> Result<User, Error> {
        users::by_id(&self.pool, id.as_uuid())
            .await?
            .ok_or(Error::NotFound("User"))
            .and_then(User::try_from)
    }

    /// Loads an account by username (case-insensitive).
    pub async fn user_by_username(&self, username: &str) -> Result<User, Error> {
        users::by_username(&self.pool, username.trim())
            .await?
            .ok_or(Error::NotFound("User"))
            .and_then(User::try_from)
    }

    /// Records that the user accepted the terms of service; the first acceptance time is kept.
    pub async fn accept_terms(&self, id: UserId) -> Result<OffsetDateTime, Error> {
        users::accept_terms(&self.pool, id.as_uuid())
            .await?
            .ok_or(Error::NotFound("User"))
    }

    /// Changes the name shown to others: NFKC, visible characters only, and not confusable
    /// with another account's username or display name (`name_taken`).
    pub async fn set_display_name(&self, id: UserId, display_name: &str) -> Result<(), Error> {
        let name = DisplayName::parse(display_name)?;
        let form = skeleton(name.as_str());
        let user = self.user(id).await?;
        if form != skeleton(&user.username) {
            not_reserved(&form)?;
        }
        self.transaction(move |conn| {
            let (name, form) = (name.clone(), form.clone());
            Box::pin(async move {
                names::release_display_name(conn, id.as_uuid()).await?;
                if !form.is_empty()
                    && !names::claim(conn, id.as_uuid(), &form, "display_name").await?
                {
                    return Err(Error::NameTaken);
                }
                if users::set_display_name(&mut *conn, id.as_uuid(), name.as_str()).await? {
                    Ok(())
                } else {
                    Err(Error::NotFound("User"))
                }
            })
        })
        .await
    }

    /// Changes the password after checking the current one (an account without one sets its
    /// first), and ends the account's other sessions. Returns the new session version for the session that made the change.
    #[instrument(skip_all, fields(user_id = %id))]
    pub async fn change_password(
        &self,
        id: UserId,
        current: String,
        new: String,
    ) -> Result<i32, Error> {
        let user = self.user(id).await?;
        let email = user.email.clone().unwrap_or_default();
        let local_part = email.split('@').next().unwrap_or_default();
        let new = new_password(new, &[&user.username, &user.display_name, local_part])?;
        let stored = users::password_hash(&self.pool, id.as_uuid()).await?;
        // an account that signs in through identity providers sets its first password
        if stored.is_some() && !password::verify(current, stored).await? {
            return Err(Error::Invalid(Invalid::new(
                "wrong_password",
                "The current password is not right.",
            )));
        }
        let hash = password::hash(new.expose().to_owned()).await?;
        users::set_password_hash(&self.pool, id.as_uuid(), &hash.0)
            .await?
            .ok_or(Error::NotFound("User"))
    }

    /// Deletes an account by anonymising it: username, e-mail, display name, password and
    /// linked identities go; messages, labels and rankings stay, attributed to "Deleted
    /// user". Confirmed with the password, or, for an account without one (it signs in
    /// through identity providers), with its username typed out.
    #[instrument(skip_all, fields(user_id = %id))]
    pub async fn delete_account(&self, id: UserId, confirmation: String) -> Result<(), Error> {
        let stored = users::password_hash(&self.pool, id.as_uuid()).await?;
        if stored.is_none() {
            let user = self.user(id).await?;
            if !confirmation.trim().eq_ignore_ascii_case(&user.username) {
                return Err(Error::Invalid(Invalid::new(
                    "wrong_confirmation",
                    "Type the account's username to confirm.",
                )));
            }
        } else if !password::verify(confirmation, stored).await? {
            return Err(Error::Invalid(Invalid::new(
                "wrong_password",
                "The password is not right.",
            )));
        }
        self.transaction(move |conn| {
            Box::pin(async move {
                // the names are free again once nobody bears them
                names::release_all(conn, id.as_uuid()).await?;
                crate::db::identities::remove_all(&mut *conn, id.as_uuid()).await?;
                if users::anonymise(&mut *conn, id.as_uuid()).await? {
                    Ok(())
                } else {
                    Err(Error::NotFound("User"))
                }
            })
        })
        .await
    }

    /// Sets the languages the user writes and judges in (at least one, all supported).
    pub async fn set_languages(
        &self,
        id: UserId,
        languages: &[String],
    ) -> Result<Vec<String>, Error> {
        let mut parsed: Vec<String> = Vec::new();
        for raw in languages {
            let tag = domain::message::LanguageTag::parse(raw)?
                .as_str()
                .to_owned();
            if !parsed.contains(&tag) {
                parsed.push(tag);
            }
        }
        if parsed.is_empty() {
            return Err(Error::bad_input(
                "no_languages",
                "Choose at least one language.",
            ));
        }
        if users::set_languages(&self.pool, id.as_uuid(), &parsed).await? {
            Ok(parsed)
        } else {
            Err(Error::NotFound("User"))
        }
    }

    /// Sets the interface language (a catalogue locale), or clears it to follow the browser.
    pub async fn set_interface_locale(
        &self,
        id: UserId,
        locale: Option<&str>,
    ) -> Result<Option<String>, Error> {
        let locale = locale
            .filter(|raw| !raw.trim().is_empty())
            .map(domain::account::interface_locale)
            .transpose()?;
        if users::set_interface_locale(&self.pool, id.as_uuid(), locale).await? {
            Ok(locale.map(str::to_owned))
        } else {
            Err(Error::NotFound("User"))
        }
    }

    /// Points, level and streak.
    pub async fn score_card(&self, id: UserId) -> Result<domain::scoring::ScoreCard, Error> {
        let user = self.user(id).await?;
        let contributions =
            crate::db::scores::contributions(&self.pool, None, Some(id.as_uuid()), false)
                .await?
                .into_iter()
                .next()
                .map(|row| row.contributions)
                .unwrap_or_default();
        let today = day_number(OffsetDateTime::now_utc().date());
        let streak = domain::scoring::current_streak(
            user.streak_days,
            user.streak_last_day.map(day_number),
            today,
        );
        Ok(domain::scoring::ScoreCard::new(contributions, streak))
    }

    /// Bans or unbans an account; a ban ends its sessions at once.
    pub async fn set_banned(&self, id: UserId, banned: bool) -> Result<(), Error> {
        if users::set_banned(&self.pool, id.as_uuid(), banned).await? {
            Ok(())
        } else {
            Err(Error::NotFound("User"))
        }
    }

    pub async fn set_role(&self, id: UserId, role: Role) -> Result<(), Error> {
        if users::set_role(&self.pool, id.as_uuid(), role.as_str()).await? {
            Ok(())
        } else {
            Err(Error::NotFound("User"))
        }
    }
}

/// Days since 1970-01-01 (UTC), for streaks.
pub(crate) fn day_number(date: time::Date) -> i64 {
    i64::from(date.to_julian_day()) - 2_440_588
}

#[cfg(test)]
mod tests {
    use super::*;
    use sqlx::PgPool;

    fn registration(username: &str) -> Registration {
        Registration {
            username: username.to_owned(),
            email: format!("{username}@example.org"),
            password: "lemon-stand-7".to_owned(),
            role: None,
        }
    }

    #[sqlx::test(migrator = "crate::MIGRATOR")]
    async fn a_registered_user_can_log_in(pool: PgPool) -> Result<(), Error> {
        let engine = Engine::new(pool);
        let user = engine.register(registration("ada")).await?;
        assert_eq!(user.role, Role::Annotator);
        assert_eq!(user.display_name, "ada");
        assert!(!user.has_accepted_terms());
        let logged_in = engine.log_in("ADA", "lemon-stand-7".to_owned()).await?;
        assert_eq!(logged_in.id, user.id);
        Ok(())
    }

    #[sqlx::test(migrator = "crate::MIGRATOR")]
    async fn the_interface_locale_is_kept_normalised_and_checked(
        pool: PgPool,
    ) -> Result<(), Error> {
        let engine = Engine::new(pool);
        let user = engine.register(registration("ada")).await?;
        assert_eq!(user.interface_locale, None);
        assert_eq!(
            engine.set_interface_locale(user.id, Some("pt-br")).await?,
            Some("pt-BR".to_owned())
        );
        let logged_in = engine.log_in("ada", "lemon-stand-7".to_owned()).await?;
        assert_eq!(logged_in.interface_locale.as_deref(), Some("pt-BR"));
        assert_eq!(
            engine
                .set_interface_locale(user.id, Some("tlh"))
                .await
                .map_err(|e| e.code()),
            Err("unsupported_interface_locale")
        );
        assert_eq!(engine.set_interface_locale(user.id, None).await?, None);
        assert_eq!(engine.user(user.id).await?.interface_locale, None);
        Ok(())
    }

    #[sqlx::test(migrator = "crate::MIGRATOR")]
    async fn unknown_user_and_wrong_password_give_the_same_error(
        pool: PgPool,
    ) -> Result<(), Error> {
        let engine = Engine::new(pool);
        engine.register(registration("ada")).await?;
        let wrong = engine.log_in("ada", "lemon-stand-8".to_owned()).await;
        let unknown = engine.log_in("bob", "lemon-stand-7".to_owned()).await;
        assert_eq!(
            wrong.map_err(|e| e.code()).err(),
            Some("invalid_credentials")
        );
        assert_eq!(
            unknown.map_err(|e| e.code()).err(),
            Some("invalid_credentials")
        );
        Ok(())
    }

    #[sqlx::test(migrator = "crate::MIGRATOR")]
    async fn usernames_are_unique_and_an_address_says_nothing_until_verified(
        pool: PgPool,
    ) -> Result<(), Error> {
        let engine = Engine::new(pool);
        engine.register(registration("ada")).await?;
        let same_name = engine.register(registration("ADA")).await;
        assert_eq!(
            same_name.map_err(|e| e.code()).err(),
            Some("username_taken")
        );
        // registering with an address someone else gave is no different from any other
        let mut other = registration("bob");
        other.email = "ADA@example.org".to_owned();
        assert!(engine.register(other).await.is_ok());
        Ok(())
    }

    #[sqlx::test(migrator = "crate::MIGRATOR")]
    async fn names_confusable_with_anothers_are_refused(pool: PgPool) -> Result<(), Error> {
        let engine = Engine::new(pool);
        engine.register(registration("admin1")).await?;
        let bob = engine.register(registration("bob")).await?;
        for spoof in [
            "admin1",
            "Admin1",
            "аdmin1",
            "ADMIN1",
            "admin_1",
            "ａｄｍｉｎ１",
        ] {
            let refused = engine.set_display_name(bob.id, spoof).await;
            assert_eq!(
                refused.map_err(|e| e.code()).err(),
                Some("name_taken"),
                "{spoof}"
            );
        }
        for staff in ["Moderator", "ADMIN", "Grove"] {
            let refused = engine.set_display_name(bob.id, staff).await;
            assert_eq!(
                refused.map_err(|e| e.code()).err(),
                Some("name_taken"),
                "{staff}"
            );
        }
        let copy = engine.register(registration("admin-1")).await;
        assert_eq!(copy.map_err(|e| e.code()).err(), Some("name_taken"));
        // a free name, and one's own username back, are fine; the old display name is free
        engine.set_display_name(bob.id, "Bob the Builder").await?;
        engine.set_display_name(bob.id, "BOB").await?;
        let cyd = engine.register(registration("cyd")).await?;
        engine.set_display_name(cyd.id, "Bob the Builder").await?;
        Ok(())
    }

    #[sqlx::test(migrator = "crate::MIGRATOR")]
    async fn weak_passwords_and_bad_names_are_refused(pool: PgPool) -> Result<(), Error> {
        let engine = Engine::new(pool);
        let mut weak = registration("ada");
        weak.password = "password123".to_owned();
        let result = engine.register(weak).await;
        assert_eq!(result.map_err(|e| e.code()).err(), Some("weak_password"));
        let result = engine.register(registration("a b")).await;
        assert_eq!(result.map_err(|e| e.code()).err(), Some("invalid_username"));
        Ok(())
    }

    #[sqlx::test(migrator = "crate::MIGRATOR")]
    async fn a_banned_user_cannot_log_in(pool: PgPool) -> Result<(), Error> {
        let engine = Engine::new(pool);
        let user = engine.register(registration("ada")).await?;
        engine.set_banned(user.id, true).await?;
        let banned = engine.log_in("ada", "lemon-stand-7".to_owned()).await;
        assert_eq!(banned.map_err(|e| e.code()).err(), Some("account_banned"));
        assert!(engine.user(user.id).await?.session_version > user.session_version);
        engine.set_banned(user.id, false).await?;
        engine.log_in("ada", "lemon-stand-7".to_owned()).await?;
        Ok(())
    }

    #[sqlx::test(migrator = "crate::MIGRATOR")]
    async fn accepting_the_terms_keeps_the_first_time(pool: PgPool) -> Result<(), Error> {
        let engine = Engine::new(pool);
        let user = engine.register(registration("ada")).await?;
        let first = engine.accept_terms(user.id).await?;
        let second = engine.accept_terms(user.id).await?;
        assert_eq!(first, second);
        assert!(engine.user(user.id).await?.has_accepted_terms());
        Ok(())
    }

    #[sqlx::test(migrator = "crate::MIGRATOR")]
    async fn changing_the_password_needs_the_current_one(pool: PgPool) -> Result<(), Error> {
        let engine = Engine::new(pool);
        let user = engine.register(registration("ada")).await?;
        let wrong = engine
            .change_password(
                user.id,
                "nope-nope-nope".to_owned(),
                "new-secret-99".to_owned(),
            )
            .await;
        assert_eq!(wrong.map_err(|e| e.code()).err(), Some("wrong_password"));
        let version = engine
            .change_password(
                user.id,
                "lemon-stand-7".to_owned(),
                "new-secret-99".to_owned(),
            )
            .await?;
        assert!(version > user.session_version);
        engine.log_in("ada", "new-secret-99".to_owned()).await?;
        let old = engine.log_in("ada", "lemon-stand-7".to_owned()).await;
        assert_eq!(old.map_err(|e| e.code()).err(), Some("invalid_credentials"));
        Ok(())
    }

    #[sqlx::test(migrator = "crate::MIGRATOR")]
    async fn a_deleted_account_is_anonymised_and_cannot_log_in(pool: PgPool) -> Result<(), Error> {
        let engine = Engine::new(pool);
        let user = engine.register(registration("ada")).await?;
        engine
            .delete_account(user.id, "lemon-stand-7".to_owned())
            .await?;
        let after = engine.user(user.id).await?;
        assert!(after.deleted);
        assert_eq!(after.display_name, "Deleted user");
        assert_eq!(after.email, None);
        assert_ne!(after.username, "ada");
        let login = engine.log_in("ada", "lemon-stand-7".to_owned()).await;
        assert_eq!(
            login.map_err(|e| e.code()).err(),
            Some("invalid_credentials")
        );
        // the name is free again
        engine.register(registration("ada")).await?;
        Ok(())
    }
}
