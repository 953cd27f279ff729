//! Single-use links sent by e-mail; only a hash of each token is stored.

use crate::Error;
use sqlx::PgExecutor;
use time::OffsetDateTime;
use uuid::Uuid;

pub(crate) async fn insert(
    executor: impl PgExecutor<'_>,
    token_hash: &[u8],
    user_id: Uuid,
    purpose: &str,
    email: &str,
    expires_at: OffsetDateTime,
) -> Result<(), Error> {
    sqlx::query!(
        "insert into account_token (token_hash, user_id, purpose, email, expires_at)
         values ($1, $2, $3, $4, $5)",
        token_hash,
        user_id,
        purpose,
        email,
        expires_at,
    )
    .execute(executor)
    .await?;
    Ok(())
}

/// Uses a token of `purpose` up, if it is unused and unexpired: its account and address. One
/// statement, so two clicks cannot both use it.
pub(crate) async fn consume(
    executor: impl PgExecutor<'_>,
    token_hash: &[u8],
    purpose: &str,
) -> Result<Option<(Uuid, String)>, Error> {
    Ok(sqlx::query!(
        "update account_token set used_at = now()
         where token_hash = $1 and purpose = $2 and used_at is null and expires_at > now()
         returning user_id, email",
        token_hash,
        purpose,
    )
    .fetch_optional(executor)
    .await?
    .map(|r| (r.user_id, r.email)))
}

/// The account of an unused, unexpired token of `purpose`, without using it up.
pub(crate) async fn holder(
    executor: impl PgExecutor<'_>,
    token_hash: &[u8],
    purpose: &str,
) -> Result<Option<Uuid>, Error> {
    Ok(sqlx::query_scalar!(
        "select user_id from account_token
         where token_hash = $1 and purpose = $2 and used_at is null and expires_at > now()",
        token_hash,
        purpose,
    )
    .fetch_optional(executor)
    .await?)
}

/// Retires the account's other unused tokens of `purpose` (a new link replaces older ones).
pub(crate) async fn retire(
    executor: impl PgExecutor<'_>,
    user_id: Uuid,
    purpose: &str,
) -> Result<(), Error> {
    sqlx::query!(
        "update account_token set used_at = now()
         where user_id = $1 and purpose = $2 and used_at is null",
        user_id,
        purpose,
    )
    .execute(executor)
    .await?;
    Ok(())
}
