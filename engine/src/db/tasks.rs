//! The `task` table.

use crate::{contributors::Standing, Error};
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

/// A task locked for its submit, with what the submit needs to know about the submitter.
pub(crate) struct TaskForSubmit {
    pub task: TaskRow,
    /// Whether the submit's client key was claimed now (false: no key, or one already used).
    pub key_claimed: bool,
    pub standing: Standing,
    /// The submitter's streak of active days so far.
    pub streak_days: i32,
    pub streak_last_day: Option<time::Date>,
}

/// Loads a task and locks it (two submits of one task run one after the other), with the
/// standing and streak of `user` (the submitter), and claims the submit's client key for this
/// transaction, all in one round trip. A key already used is not claimed (see
/// [`crate::db::submissions::used`]; an insert racing a running submit with the same key waits
/// for it to finish); nor is a key for a task that does not exist.
pub(crate) async fn lock_for_submit(
    executor: impl PgExecutor<'_>,
    id: Uuid,
    user: Uuid,
    client_key: Option<&str>,
) -> Result<Option<TaskForSubmit>, Error> {
    let row = sqlx::query!(
        "with claimed as (
             insert into submission (user_id, client_key, task_id)
             select $2, $3, $1
             where $3::text is not null and exists (select 1 from task where task_id = $1)
             on conflict (user_id, client_key) do nothing
             returning 1 as one
         )
         select exists (select 1 from claimed) as \"key_claimed!\",
                t.task_id, t.kind, t.user_id, t.lang, t.message_tree_id, t.message_id,
                t.payload, t.expires_at, t.done_at, t.skipped_at, t.gold_id,
                u.user_id is not null as \"exists!\", coalesce(u.deleted, true) as \"deleted!\",
                coalesce(u.banned, false) as \"banned!\",
                u.tos_accepted_at is not null as \"accepted_terms!\",
                coalesce(u.session_version, 0) as \"session_version!\",
                coalesce(u.streak_days, 0) as \"streak_days!\", u.streak_last_day
         from task t left join app_user u on u.user_id = $2
         where t.task_id = $1
         for update of t",
        id,
        user,
        client_key,
    )
    .fetch_optional(executor)
    .await?;
    Ok(row.map(|row| TaskForSubmit {
        key_claimed: row.key_claimed,
        task: TaskRow {
            task_id: row.task_id,
            kind: row.kind,
            user_id: row.user_id,
            lang: row.lang,
            message_tree_id: row.message_tree_id,
            message_id: row.message_id,
            payload: row.payload,
            expires_at: row.expires_at,
            done_at: row.done_at,
            skipped_at: row.skipped_at,
            gold_id: row.gold_id,
        },
        standing: Standing {
            exists: row.exists,
            deleted: row.deleted,
            banned: row.banned,
            accepted_terms: row.accepted_terms,
            session_version: row.session_version,
        },
        streak_days: row.streak_days,
        streak_last_day: row.streak_last_day,
    }))
}

/// What finishing a submit writes, in one round trip.
pub(crate) struct Finish<'a> {
    pub task_id: Uuid,
    pub user_id: Uuid,
    /// The submitter's streak after this task.
    pub streak_days: i32,
    pub today: time::Date,
    /// Whether the submitter's finished tasks are counted here (a newcomer's weights, for a
    /// first task); not when the transaction's evidence, settled with them, counted it.
    pub count_task: bool,
    pub label_weight: f64,
    pub ranking_weight: f64,
    /// The submit's idempotency key and the response stored under it.
    pub client_key: Option<&'a str>,
    pub response: Option<&'a serde_json::Value>,
}

/// Marks the task done, extends the submitter's streak, counts the task in their record and
/// stores the response under the client key (if any): the end of every submit.
pub(crate) async fn finish_submit(
    executor: impl PgExecutor<'_>,
    finish: Finish<'_>,
) -> Result<(), Error> {
    sqlx::query!(
        "with done as (
             update task set done_at = now(), acked_at = coalesce(acked_at, now())
             where task_id = $1
         ), active as (
             update app_user set streak_days = $3, streak_last_day = $4, last_activity_at = now()
             where user_id = $2
         ), counted as (
             insert into annotator_quality (user_id, tasks_done, label_weight, ranking_weight)
             select $2, 1, $5, $6 where $9
             on conflict (user_id) do update set tasks_done = annotator_quality.tasks_done + 1
         ), recorded as (
             update submission set response = $8 where user_id = $2 and client_key = $7
         )
         select 1 as \"one!\"",
        finish.task_id,
        finish.user_id,
        finish.streak_days,
        finish.today,
        finish.label_weight,
        finish.ranking_weight,
        finish.client_key,
        finish.response,
        finish.count_task,
    )
    .fetch_one(executor)
    .await?;
    Ok(())
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

/// What a task request needs to know about the user first, in one round trip: whether they
/// may contribute, the newest open task they hold in the language (of one of `kinds`), how
/// many tasks they opened within the last `span_secs` and still hold, and how many tasks they
/// ever finished.
pub(crate) struct UserTasks {
    pub standing: Standing,
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
                o.expires_at as \"expires_at?\", o.gold_id,
                u.user_id is not null as \"exists!\", coalesce(u.deleted, true) as \"deleted!\",
                coalesce(u.banned, false) as \"banned!\",
                u.tos_accepted_at is not null as \"accepted_terms!\",
                coalesce(u.session_version, 0) as \"session_version!\"
         from (select 1) as one
         left join app_user u on u.user_id = $1
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
        standing: Standing {
            exists: row.exists,
            deleted: row.deleted,
            banned: row.banned,
            accepted_terms: row.accepted_terms,
            session_version: row.session_version,
        },
        open,
        pending: row.pending,
        done: row.done,
    })
}
