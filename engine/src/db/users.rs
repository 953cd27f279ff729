//! The `app_user` table.

use crate::{error::on_constraint, Error};
use sqlx::PgExecutor;
use time::OffsetDateTime;
use uuid::Uuid;

/// An account as stored, without its password hash.
pub(crate) struct UserRow {
    pub user_id: Uuid,
    pub username: String,
    pub email: Option<String>,
    pub display_name: String,
    pub role: String,
    pub banned: bool,
    pub deleted: bool,
    pub session_version: i32,
    pub tos_accepted_at: Option<OffsetDateTime>,
    pub created_at: OffsetDateTime,
    pub languages: Vec<String>,
    pub streak_days: i32,
    pub streak_last_day: Option<time::Date>,
    pub interface_locale: Option<String>,
    pub email_verified_at: Option<OffsetDateTime>,
    pub has_password: bool,
}

pub(crate) struct NewUser<'a> {
    pub username: &'a str,
    pub email: Option<&'a str>,
    pub display_name: &'a str,
    /// None: the account signs in through identity providers only.
    pub password_hash: Option<&'a str>,
    pub role: &'a str,
}

fn map_unique(constraint: &str) -> Option<Error> {
    match constraint {
        "app_user_username_key" => Some(Error::UsernameTaken),
        "app_user_verified_email_key" => Some(Error::EmailTaken),
        _ => None,
    }
}

pub(crate) async fn insert(
    executor: impl PgExecutor<'_>,
    user: NewUser<'_>,
) -> Result<UserRow, Error> {
    sqlx::query_as!(
        UserRow,
        r#"insert into app_user (username, email, display_name, password_hash, role)
         values ($1, $2, $3, $4, $5)
         returning user_id, username, email, display_name, role, banned, deleted,
                   session_version, tos_accepted_at, created_at, languages, streak_days, streak_last_day, interface_locale, email_verified_at,
                (password_hash is not null) as "has_password!""#,
        user.username,
        user.email,
        user.display_name,
        user.password_hash,
        user.role,
    )
    .fetch_one(executor)
    .await
    .map_err(|e| on_constraint(e, map_unique))
}

pub(crate) async fn by_id(
    executor: impl PgExecutor<'_>,
    user_id: Uuid,
) -> Result<Option<UserRow>, Error> {
    Ok(sqlx::query_as!(
        UserRow,
        r#"select user_id, username, email, display_name, role, banned, deleted,
                session_version, tos_accepted_at, created_at, languages, streak_days, streak_last_day, interface_locale, email_verified_at,
                (password_hash is not null) as "has_password!"
         from app_user where user_id = $1"#,
        user_id,
    )
    .fetch_optional(executor)
    .await?)
}

pub(crate) async fn by_username(
    executor: impl PgExecutor<'_>,
    username: &str,
) -> Result<Option<UserRow>, Error> {
    Ok(sqlx::query_as!(
        UserRow,
        r#"select user_id, username, email, display_name, role, banned, deleted,
                session_version, tos_accepted_at, created_at, languages, streak_days, streak_last_day, interface_locale, email_verified_at,
                (password_hash is not null) as "has_password!"
         from app_user where lower(username) = lower($1)"#,
        username,
    )
    .fetch_optional(executor)
    .await?)
}

/// The stored hash of a live (not deleted) account, looked up by username.
pub(crate) async fn credentials(
    executor: impl PgExecutor<'_>,
    username: &str,
) -> Result<Option<(Uuid, Option<String>)>, Error> {
    let row = sqlx::query!(
        "select user_id, password_hash from app_user
         where lower(username) = lower($1) and not deleted",
        username,
    )
    .fetch_optional(executor)
    .await?;
    Ok(row.map(|r| (r.user_id, r.password_hash)))
}

pub(crate) async fn password_hash(
    executor: impl PgExecutor<'_>,
    user_id: Uuid,
) -> Result<Option<String>, Error> {
    Ok(sqlx::query_scalar!(
        "select password_hash from app_user where user_id = $1",
        user_id,
    )
    .fetch_optional(executor)
    .await?
    .flatten())
}

pub(crate) async fn accept_terms(
    executor: impl PgExecutor<'_>,
    user_id: Uuid,
) -> Result<Option<OffsetDateTime>, Error> {
    Ok(sqlx::query_scalar!(
        "update app_user set tos_accepted_at = coalesce(tos_accepted_at, now())
         where user_id = $1 and not deleted
         returning tos_accepted_at",
        user_id,
    )
    .fetch_optional(executor)
    .await?
    .flatten())
}

pub(crate) async fn set_display_name(
    executor: impl PgExecutor<'_>,
    user_id: Uuid,
    display_name: &str,
) -> Result<bool, Error> {
    let result = sqlx::query!(
        "update app_user set display_name = $2 where user_id = $1 and not deleted",
        user_id,
        display_name,
    )
    .execute(executor)
    .await?;
    Ok(result.rows_affected() == 1)
}

/// Stores a new hash and ends every other session of the account; returns the new version.
pub(crate) async fn set_password_hash(
    executor: impl PgExecutor<'_>,
    user_id: Uuid,
    password_hash: &str,
) -> Result<Option<i32>, Error> {
    Ok(sqlx::query_scalar!(
        "update app_user set password_hash = $2, session_version = session_version + 1
         where user_id = $1 and not deleted
         returning session_version",
        user_id,
        password_hash,
    )
    .fetch_optional(executor)
    .await?)
}

/// Removes everything that identifies the person; contributions keep pointing at the row.
pub(crate) async fn anonymise(executor: impl PgExecutor<'_>, user_id: Uuid) -> Result<bool, Error> {
    let result = sqlx::query!(
        "update app_user
         set username = 'deleted-' || replace(user_id::text, '-', ''),
             email = null,
             display_name = 'Deleted user',
             password_hash = null,
             deleted = true,
             session_version = session_version + 1
         where user_id = $1 and not deleted",
        user_id,
    )
    .execute(executor)
    .await?;
    Ok(result.rows_affected() == 1)
}

pub(crate) async fn set_banned(
    executor: impl PgExecutor<'_>,
    user_id: Uuid,
    banned: bool,
) -> Result<bool, Error> {
    let result = sqlx::query!(
        "update app_user
         set banned = $2,
             session_version = session_version + case when $2 then 1 else 0 end
         where user_id = $1",
        user_id,
        banned,
    )
    .execute(executor)
    .await?;
    Ok(result.rows_affected() == 1)
}

pub(crate) async fn set_role(
    executor: impl PgExecutor<'_>,
    user_id: Uuid,
    role: &str,
) -> Result<bool, Error> {
    let result = sqlx::query!(
        "update app_user set role = $2 where user_id = $1",
        user_id,
        role,
    )
    .execute(executor)
    .await?;
    Ok(result.rows_affected() == 1)
}

pub(crate) async fn set_languages(
    executor: impl PgExecutor<'_>,
    user_id: Uuid,
    languages: &[String],
) -> Result<bool, Error> {
    let result = sqlx::query!(
        "update app_user set languages = $2 where user_id = $1 and not deleted",
        user_id,
        languages,
    )
    .execute(executor)
    .await?;
    Ok(result.rows_affected() == 1)
}

pub(crate) async fn set_interface_locale(
    executor: impl PgExecutor<'_>,
    user_id: Uuid,
    locale: Option<&str>,
) -> Result<bool, Error> {
    let result = sqlx::query!(
        "update app_user set interface_locale = $2 where user_id = $1 and not deleted",
        user_id,
        locale,
    )
    .execute(executor)
    .await?;
    Ok(result.rows_affected() == 1)
}

/// The live account whose verified address this is.
pub(crate) async fn by_verified_email(
    executor: impl PgExecutor<'_>,
    email: &str,
) -> Result<Option<Uuid>, Error> {
    Ok(sqlx::query_scalar!(
        "select user_id from app_user
         where lower(email) = lower($1) and email_verified_at is not null and not deleted",
        email,
    )
    .fetch_optional(executor)
    .await?)
}

/// Marks `email` verified for the account, if it is still the account's address.
pub(crate) async fn mark_email_verified(
    executor: impl PgExecutor<'_>,
    user_id: Uuid,
    email: &str,
) -> Result<bool, Error> {
    let result = sqlx::query!(
        "update app_user set email_verified_at = now()
         where user_id = $1 and lower(email) = lower($2) and not deleted",
        user_id,
        email,
    )
    .execute(executor)
    .await
    .map_err(|e| on_constraint(e, map_unique))?;
    Ok(result.rows_affected() == 1)
}

/// Gives the account a new, unverified address (or none).
pub(crate) async fn set_email(
    executor: impl PgExecutor<'_>,
    user_id: Uuid,
    email: Option<&str>,
) -> Result<bool, Error> {
    let result = sqlx::query!(
        "update app_user set email = $2, email_verified_at = null
         where user_id = $1 and not deleted",
        user_id,
        email,
    )
    .execute(executor)
    .await?;
    Ok(result.rows_affected() == 1)
}
