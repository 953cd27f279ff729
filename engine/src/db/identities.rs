//! The `user_identity` table: accounts' identities at identity providers.

use crate::{error::on_constraint, Error};
use sqlx::PgExecutor;
use time::OffsetDateTime;
use uuid::Uuid;

/// One identity as the account page lists it.
pub(crate) struct IdentityRow {
    pub provider: String,
    pub email: Option<String>,
    pub created_at: OffsetDateTime,
    pub last_used_at: OffsetDateTime,
}

fn map_unique(constraint: &str) -> Option<Error> {
    match constraint {
        "user_identity_pkey" => Some(Error::conflict(
            "identity_taken",
            "This identity already signs in to another Grove account.",
        )),
        "user_identity_one_per_provider" => Some(Error::conflict(
            "identity_already_linked",
            "This account already signs in with that provider. Unlink it first.",
        )),
        _ => None,
    }
}

/// The live account an identity signs in to, recording the sign-in and the address given.
pub(crate) async fn sign_in(
    executor: impl PgExecutor<'_>,
    provider: &str,
    subject: &str,
    email: Option<&str>,
) -> Result<Option<Uuid>, Error> {
    Ok(sqlx::query_scalar!(
        "update user_identity set last_used_at = now(), email = coalesce($3, email)
         where provider = $1 and subject = $2
         returning user_id",
        provider,
        subject,
        email,
    )
    .fetch_optional(executor)
    .await?)
}

pub(crate) async fn insert(
    executor: impl PgExecutor<'_>,
    provider: &str,
    subject: &str,
    user_id: Uuid,
    email: Option<&str>,
) -> Result<(), Error> {
    sqlx::query!(
        "insert into user_identity (provider, subject, user_id, email) values ($1, $2, $3, $4)",
        provider,
        subject,
        user_id,
        email,
    )
    .execute(executor)
    .await
    .map_err(|e| on_constraint(e, map_unique))?;
    Ok(())
}

pub(crate) async fn of_user(
    executor: impl PgExecutor<'_>,
    user_id: Uuid,
) -> Result<Vec<IdentityRow>, Error> {
    Ok(sqlx::query_as!(
        IdentityRow,
        "select provider, email, created_at, last_used_at from user_identity
         where user_id = $1 order by created_at",
        user_id,
    )
    .fetch_all(executor)
    .await?)
}

/// Unlinks the account's identity at `provider`; whether there was one.
pub(crate) async fn remove(
    executor: impl PgExecutor<'_>,
    user_id: Uuid,
    provider: &str,
) -> Result<bool, Error> {
    let result = sqlx::query!(
        "delete from user_identity where user_id = $1 and provider = $2",
        user_id,
        provider,
    )
    .execute(executor)
    .await?;
    Ok(result.rows_affected() == 1)
}

/// Unlinks every identity of the account (it is being deleted).
pub(crate) async fn remove_all(executor: impl PgExecutor<'_>, user_id: Uuid) -> Result<(), Error> {
    sqlx::query!("delete from user_identity where user_id = $1", user_id)
        .execute(executor)
        .await?;
    Ok(())
}
