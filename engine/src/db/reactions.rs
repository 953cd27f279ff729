//! The `reaction` and `report` tables.

use crate::Error;
use sqlx::PgExecutor;
use uuid::Uuid;

/// Adds a reaction; returns whether it was new.
pub(crate) async fn add(
    executor: impl PgExecutor<'_>,
    message: Uuid,
    user: Uuid,
    kind: &str,
) -> Result<bool, Error> {
    let result = sqlx::query!(
        "insert into reaction (message_id, user_id, kind) values ($1, $2, $3)
         on conflict do nothing",
        message,
        user,
        kind,
    )
    .execute(executor)
    .await?;
    Ok(result.rows_affected() == 1)
}

/// Removes a reaction; returns whether there was one.
pub(crate) async fn remove(
    executor: impl PgExecutor<'_>,
    message: Uuid,
    user: Uuid,
    kind: &str,
) -> Result<bool, Error> {
    let result = sqlx::query!(
        "delete from reaction where message_id = $1 and user_id = $2 and kind = $3",
        message,
        user,
        kind,
    )
    .execute(executor)
    .await?;
    Ok(result.rows_affected() == 1)
}

pub(crate) async fn count(
    executor: impl PgExecutor<'_>,
    message: Uuid,
    kind: &str,
) -> Result<i64, Error> {
    Ok(sqlx::query_scalar!(
        "select count(*) as \"count!\" from reaction where message_id = $1 and kind = $2",
        message,
        kind,
    )
    .fetch_one(executor)
    .await?)
}

pub(crate) async fn insert_report(
    executor: impl PgExecutor<'_>,
    message: Uuid,
    user: Uuid,
    reason: &str,
) -> Result<Uuid, Error> {
    Ok(sqlx::query_scalar!(
        "insert into report (message_id, user_id, reason) values ($1, $2, $3) returning report_id",
        message,
        user,
        reason,
    )
    .fetch_one(executor)
    .await?)
}
