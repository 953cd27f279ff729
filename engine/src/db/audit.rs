//! The `audit_log` table: who did what to what, with the state before and after.

use crate::Error;
use sqlx::PgExecutor;
use time::OffsetDateTime;
use uuid::Uuid;

pub(crate) struct NewEntry<'a> {
    pub actor: Uuid,
    pub action: &'a str,
    pub target_type: &'a str,
    pub target_id: Uuid,
    pub before: Option<serde_json::Value>,
    pub after: Option<serde_json::Value>,
}

pub(crate) async fn record(
    executor: impl PgExecutor<'_>,
    entry: NewEntry<'_>,
) -> Result<(), Error> {
    sqlx::query!(
        "insert into audit_log (actor_id, action, target_type, target_id, before, after)
         values ($1, $2, $3, $4, $5, $6)",
        entry.actor,
        entry.action,
        entry.target_type,
        entry.target_id,
        entry.before,
        entry.after,
    )
    .execute(executor)
    .await?;
    Ok(())
}

pub(crate) struct EntryRow {
    pub actor: String,
    pub action: String,
    pub target_type: String,
    pub target_id: Uuid,
    pub before: Option<serde_json::Value>,
    pub after: Option<serde_json::Value>,
    pub created_at: OffsetDateTime,
}

/// Newest first; for one target, or all.
pub(crate) async fn recent(
    executor: impl PgExecutor<'_>,
    target: Option<Uuid>,
    limit: i64,
) -> Result<Vec<EntryRow>, Error> {
    Ok(sqlx::query_as!(
        EntryRow,
        "select u.username as actor, a.action, a.target_type, a.target_id, a.before, a.after, a.created_at
         from audit_log a join app_user u on u.user_id = a.actor_id
         where $1::uuid is null or a.target_id = $1
         order by a.created_at desc
         limit $2",
        target,
        limit,
    )
    .fetch_all(executor)
    .await?)
}
