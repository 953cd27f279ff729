//! The `label` table.

use crate::Error;
use sqlx::PgExecutor;
use uuid::Uuid;

/// Free labels (from the message page).
pub(crate) struct NewLabel {
    pub message_id: Uuid,
    pub message_author_id: Uuid,
    pub user_id: Uuid,
    pub labels: serde_json::Value,
}

/// A review from a task.
pub(crate) struct NewReview<'a> {
    pub message_id: Uuid,
    pub user_id: Uuid,
    pub task_id: Option<Uuid>,
    pub mode: Option<&'a str>,
    pub labels: serde_json::Value,
}

/// A review stored by [`review`], with what it found of the message.
pub(crate) struct Review {
    pub author: Uuid,
    pub deleted: bool,
    pub depth: i32,
    /// Whether the review was stored and counted (not for a removed message, nor by its
    /// author).
    pub stored: bool,
    /// The message's verdict as the counting statement saw it.
    pub review_result: Option<bool>,
    /// The message's reviews from tasks, this one included.
    pub reviews: i32,
}

/// Stores a review (from a task) of a live message by someone other than its author and counts
/// it on the message, in one round trip; `None` if the message does not exist. A second review
/// of one message by one user is refused by the `label_one_review_per_user` index.
pub(crate) async fn review(
    executor: impl PgExecutor<'_>,
    label: NewReview<'_>,
) -> Result<Option<Review>, Error> {
    let row = sqlx::query!(
        "with m as (
             select message_id, user_id, deleted, depth from message where message_id = $1
         ), stored as (
             insert into label (message_id, message_author_id, user_id, task_id, mode, labels)
             select m.message_id, m.user_id, $2, $3, $4, $5 from m
             where not m.deleted and m.user_id <> $2
             returning message_id
         ), counted as (
             update message set review_count = review_count + 1
             where message_id in (select message_id from stored)
             returning review_result, review_count
         )
         select m.user_id, m.deleted, m.depth,
                exists (select 1 from counted) as \"stored!\",
                (select review_result from counted) as review_result,
                (select review_count from counted) as reviews
         from m",
        label.message_id,
        label.user_id,
        label.task_id,
        label.mode,
        label.labels,
    )
    .fetch_optional(executor)
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
    Ok(row.map(|row| Review {
        author: row.user_id,
        deleted: row.deleted,
        depth: row.depth,
        stored: row.stored,
        review_result: row.review_result,
        reviews: row.reviews.unwrap_or(0),
    }))
}

/// Sets the user's free labels on a message (from the message page), replacing earlier ones.
pub(crate) async fn upsert_free(
    executor: impl PgExecutor<'_>,
    label: NewLabel,
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
