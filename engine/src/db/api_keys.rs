//! The `api_key` table: keys are stored as their SHA-256, shown once at creation.

use crate::Error;
use sqlx::PgExecutor;
use time::OffsetDateTime;
use uuid::Uuid;

pub(crate) async fn insert(
    executor: impl PgExecutor<'_>,
    name: &str,
    key_hash: &str,
    scopes: &[String],
    user_id: Option<Uuid>,
    created_by: Uuid,
) -> Result<Uuid, Error> {
    Ok(sqlx::query_scalar!(
        "insert into api_key (name, key_hash, scopes, user_id, created_by) values ($1, $2, $3, $4, $5)
         returning api_key_id",
        name,
        key_hash,
        scopes,
        user_id,
        created_by,
    )
    .fetch_one(executor)
    .await?)
}

pub(crate) struct KeyRow {
    pub api_key_id: Uuid,
    pub name: String,
    pub scopes: Vec<String>,
    pub user_id: Option<Uuid>,
    pub created_at: OffsetDateTime,
    pub last_used_at: Option<OffsetDateTime>,
    pub revoked_at: Option<OffsetDateTime>,
}

/// The live key with this hash, marked as used.
pub(crate) async fn use_key(
    executor: impl PgExecutor<'_>,
    key_hash: &str,
) -> Result<Option<KeyRow>, Error> {
    Ok(sqlx::query_as!(
        KeyRow,
        "update api_key set last_used_at = now()
         where key_hash = $1 and revoked_at is null
         returning api_key_id, name, scopes, user_id, created_at, last_used_at, revoked_at",
        key_hash,
    )
    .fetch_optional(executor)
    .await?)
}

pub(crate) async fn list(executor: impl PgExecutor<'_>) -> Result<Vec<KeyRow>, Error> {
    Ok(sqlx::query_as!(
        KeyRow,
        "select api_key_id, name, scopes, user_id, created_at, last_used_at, revoked_at
         from api_key order by created_at desc"
    )
    .fetch_all(executor)
    .await?)
}

pub(crate) async fn revoke(executor: impl PgExecutor<'_>, id: Uuid) -> Result<bool, Error> {
    let result = sqlx::query!(
        "update api_key set revoked_at = now() where api_key_id = $1 and revoked_at is null",
        id
    )
    .execute(executor)
    .await?;
    Ok(result.rows_affected() == 1)
}
