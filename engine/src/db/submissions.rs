//! The `submission` table: idempotency keys of submits.

use crate::Error;
use sqlx::PgConnection;
use uuid::Uuid;

/// Claims a client key for this transaction. If a submit with the key already committed, its
/// response comes back instead (an insert racing a running submit waits for it to finish).
/// A key for a task that does not exist is not claimed: the submit then fails on the task.
pub(crate) async fn claim(
    conn: &mut PgConnection,
    user: Uuid,
    key: &str,
    task: Uuid,
) -> Result<Option<(Uuid, Option<serde_json::Value>)>, Error> {
    let inserted = sqlx::query!(
        "insert into submission (user_id, client_key, task_id)
         select $1, $2, $3 where exists (select 1 from task where task_id = $3)
         on conflict (user_id, client_key) do nothing",
        user,
        key,
        task,
    )
    .execute(&mut *conn)
    .await?;
    if inserted.rows_affected() == 1 {
        return Ok(None);
    }
    let row = sqlx::query!(
        "select task_id, response from submission where user_id = $1 and client_key = $2",
        user,
        key,
    )
    .fetch_optional(&mut *conn)
    .await?;
    Ok(row.map(|row| (row.task_id, row.response)))
}

pub(crate) async fn record(
    conn: &mut PgConnection,
    user: Uuid,
    key: &str,
    response: &serde_json::Value,
) -> Result<(), Error> {
    sqlx::query!(
        "update submission set response = $3 where user_id = $1 and client_key = $2",
        user,
        key,
        response,
    )
    .execute(conn)
    .await?;
    Ok(())
}
