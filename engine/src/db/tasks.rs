//! The `task` table.

use crate::Error;
use sqlx::PgExecutor;
use time::OffsetDateTime;
use uuid::Uuid;

pub(crate) struct TaskRow {
    pub task_id: Uuid,
    pub kind: String,
    pub user_id: Uuid,
    pub lang: String,
    pub message_tree_id: Option<Uuid>,
    pub message_id: Option<Uuid>,
    pub payload: serde_json::Value,
    pub expires_at: OffsetDateTime,
    pub done_at: Option<OffsetDateTime>,
    pub skipped_at: Option<OffsetDateTime>,
    /// The gold item the task serves, if it is a gold task.
    pub gold_id: Option<Uuid>,
}

pub(crate) struct NewTask<'a> {
    pub task_id: Uuid,
    pub kind: &'a str,
    pub user_id: Uuid,
    pub lang: &'a str,
    pub message_tree_id: Option<Uuid>,
    pub message_id: Option<Uuid>,
    pub payload: serde_json::Value,
    pub created_at: OffsetDateTime,
    pub expires_at: OffsetDateTime,
    pub gold_id: Option<Uuid>,
}

pub(crate) async fn insert(executor: impl PgExecutor<'_>, task: NewTask<'_>) -> Result<(), Error> {
    sqlx::query!(
        "insert into task (task_id, kind, user_id, lang, message_tree_id, message_id, payload,
                           created_at, expires_at, gold_id)
         values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
        task.task_id,
        task.kind,
        task.user_id,
        task.lang,
        task.message_tree_id,
        task.message_id,
        task.payload,
        task.created_at,
        task.expires_at,
        task.gold_id,
    )
    .execute(executor)
    .await?;
    Ok(())
}

/// Loads a task and locks it, so two submits of one task run one after the other.
pub(crate) async fn lock(
    executor: impl PgExecutor<'_>,
    id: Uuid,
) -> Result<Option<TaskRow>, Error> {
    Ok(sqlx::query_as!(
        TaskRow,
        "select task_id, kind, user_id, lang, message_tree_id, message_id, payload,
                expires_at, done_at, skipped_at, gold_id
         from task where task_id = $1 for update",
        id,
    )
    .fetch_optional(executor)
    .await?)
}

/// Open tasks the user asked for within the last `span_secs` seconds.
pub(crate) async fn pending_count(
    executor: impl PgExecutor<'_>,
    user: Uuid,
    span_secs: i32,
) -> Result<i64, Error> {
    Ok(sqlx::query_scalar!(
        "select count(*) as \"count!\" from task
         where user_id = $1 and done_at is null and skipped_at is null
           and created_at > now() - make_interval(secs => $2)",
        user,
        f64::from(span_secs),
    )
    .fetch_one(executor)
    .await?)
}

pub(crate) async fn mark_acked(executor: impl PgExecutor<'_>, id: Uuid) -> Result<(), Error> {
    sqlx::query!(
        "update task set acked_at = coalesce(acked_at, now()) where task_id = $1",
        id
    )
    .execute(executor)
    .await?;
    Ok(())
}

pub(crate) async fn mark_done(executor: impl PgExecutor<'_>, id: Uuid) -> Result<(), Error> {
    sqlx::query!(
        "update task set done_at = now(), acked_at = coalesce(acked_at, now()) where task_id = $1",
        id
    )
    .execute(executor)
    .await?;
    Ok(())
}

pub(crate) async fn mark_skipped(
    executor: impl PgExecutor<'_>,
    id: Uuid,
    reason: &str,
) -> Result<(), Error> {
    sqlx::query!(
        "update task set skipped_at = now(), skip_reason = $2 where task_id = $1",
        id,
        reason,
    )
    .execute(executor)
    .await?;
    Ok(())
}

/// People holding a task in the language that they asked for in the last ten minutes.
pub(crate) async fn active_annotators(
    executor: impl PgExecutor<'_>,
    lang: &str,
) -> Result<i64, Error> {
    Ok(sqlx::query_scalar!(
        "select count(distinct user_id) as \"count!\" from task
         where lang = $1 and done_at is null and skipped_at is null
           and created_at > now() - interval '10 minutes'",
        lang
    )
    .fetch_one(executor)
    .await?)
}

/// What a task request needs to know about the user first, in one round trip: the newest
/// open task they hold in the language (of one of `kinds`), how many tasks they opened within
/// the last `span_secs` and still hold, and how many tasks they ever finished.
pub(crate) struct UserTasks {
    pub open: Option<TaskRow>,
    pub pending: i64,
    pub done: i32,
}

pub(crate) async fn user_tasks(
    executor: impl PgExecutor<'_>,
    user: Uuid,
    lang: &str,
    kinds: &[String],
    span_secs: i32,
) -> Result<UserTasks, Error> {
    let row = sqlx::query!(
        "select (select count(*) from task
                 where user_id = $1 and done_at is null and skipped_at is null
                   and created_at > now() - make_interval(secs => $4)) as \"pending!\",
                coalesce((select tasks_done from annotator_quality where user_id = $1), 0) as \"done!\",
                o.task_id as \"task_id?\", o.kind as \"kind?\", o.lang as \"lang?\",
                o.message_tree_id, o.message_id, o.payload as \"payload?\",
                o.expires_at as \"expires_at?\", o.gold_id
         from (select 1) as one
         left join lateral (
             select task_id, kind, lang, message_tree_id, message_id, payload, expires_at, gold_id
             from task
             where user_id = $1 and lang = $2 and kind = any($3)
               and done_at is null and skipped_at is null and expires_at > now()
             order by created_at desc
             limit 1
         ) o on true",
        user,
        lang,
        kinds,
        f64::from(span_secs),
    )
    .fetch_one(executor)
    .await?;
    let open = match (row.task_id, row.kind, row.lang, row.payload, row.expires_at) {
        (Some(task_id), Some(kind), Some(lang), Some(payload), Some(expires_at)) => Some(TaskRow {
            task_id,
            kind,
            user_id: user,
            lang,
            message_tree_id: row.message_tree_id,
            message_id: row.message_id,
            payload,
            expires_at,
            done_at: None,
            skipped_at: None,
            gold_id: row.gold_id,
        }),
        _ => None,
    };
    Ok(UserTasks {
        open,
        pending: row.pending,
        done: row.done,
    })
}
