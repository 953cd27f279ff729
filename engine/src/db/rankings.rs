//! The `ranking` table.

use crate::Error;
use sqlx::PgExecutor;
use uuid::Uuid;

pub(crate) struct NewRanking<'a> {
    pub parent_id: Uuid,
    pub message_tree_id: Uuid,
    pub user_id: Uuid,
    pub task_id: Option<Uuid>,
    pub ranked_ids: &'a [Uuid],
    pub tie_groups: &'a [i32],
    pub not_rankable: bool,
}

/// Stores a ranking and counts it on each ranked message, in one round trip. A second ranking
/// of one parent by one user is refused by the `ranking_one_per_user_parent` index.
pub(crate) async fn insert(executor: impl PgExecutor<'_>, r: NewRanking<'_>) -> Result<(), Error> {
    sqlx::query!(
        "with stored as (
             insert into ranking (parent_id, message_tree_id, user_id, task_id, ranked_ids, tie_groups, not_rankable)
             values ($1, $2, $3, $4, $5, $6, $7)
             returning ranked_ids
         )
         update message set ranking_count = ranking_count + 1
         where message_id = any(select unnest(ranked_ids) from stored)",
        r.parent_id,
        r.message_tree_id,
        r.user_id,
        r.task_id,
        r.ranked_ids,
        r.tie_groups,
        r.not_rankable,
    )
    .execute(executor)
    .await
    .map_err(|e| {
        crate::error::on_constraint(e, |constraint| match constraint {
            "ranking_one_per_user_parent" => Some(Error::conflict(
                "already_ranked",
                "You already ranked these replies.",
            )),
            _ => None,
        })
    })?;
    Ok(())
}
