//! The `submission` table: idempotency keys of submits.

use crate::Error;
use sqlx::PgConnection;
use uuid::Uuid;

/// The task and stored response of a submit the user already made under `key`, if any (the
/// key is claimed with the task's lock, [`crate::db::tasks::lock_for_submit`]).
pub(crate) async fn used(
    conn: &mut PgConnection,
    user: Uuid,
    key: &str,
) -> Result<Option<(Uuid, Option<serde_json::Value>)>, Error> {
    let row = sqlx::query!(
        "select task_id, response from submission where user_id = $1 and client_key = $2",
        user,
        key,
    )
    .fetch_optional(&mut *conn)
    .await?;
    Ok(row.map(|row| (row.task_id, row.response)))
}
