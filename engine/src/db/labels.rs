//! The `label` table.

use crate::Error;
use sqlx::PgExecutor;
use uuid::Uuid;

pub(crate) struct NewLabel<'a> {
    pub message_id: Uuid,
    pub message_author_id: Uuid,
    pub user_id: Uuid,
    pub task_id: Option<Uuid>,
    pub mode: Option<&'a str>,
    pub labels: serde_json::Value,
}

/// Stores a review (from a task); a second review of one message by one user is refused by
/// the `label_one_review_per_user` index.
pub(crate) async fn insert_review(
    executor: impl PgExecutor<'_>,
    label: NewLabel<'_>,
) -> Result<(), Error> {
    sqlx::query!(
        "insert into label (message_id, message_author_id, user_id, task_id, mode, labels)
         values ($1, $2, $3, $4, $5, $6)",
        label.message_id,
        label.message_author_id,
        label.user_id,
        label.task_id,
        label.mode,
        label.labels,
    )
    .execute(executor)
    .await
    .map_err(|e| {
        crate::error::on_constraint(e, |constraint| match constraint {
            "label_one_review_per_user" => Some(Error::conflict(
                "already_reviewed",
                "You already reviewed this message.",
            )),
            _ => None,
        })
    })?;
    Ok(())
}

/// Sets the user's free labels on a message (from the message page), replacing earlier ones.
pub(crate) async fn upsert_free(
    executor: impl PgExecutor<'_>,
    label: NewLabel<'_>,
) -> Result<(), Error> {
    sqlx::query!(
        "insert into label (message_id, message_author_id, user_id, labels)
         values ($1, $2, $3, $4)
         on conflict (message_id, user_id) where task_id is null
         do update set labels = excluded.labels",
        label.message_id,
        label.message_author_id,
        label.user_id,
        label.labels,
    )
    .execute(executor)
    .await?;
    Ok(())
}
