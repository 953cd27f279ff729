//! Gold items (`gold_item`) and the answers annotators gave them (`gold_answer`).

use crate::Error;
use sqlx::PgExecutor;
use time::OffsetDateTime;
use uuid::Uuid;

/// A gold item as stored.
pub(crate) struct GoldRow {
    pub gold_id: Uuid,
    pub message_id: Uuid,
    pub expected: serde_json::Value,
}

/// Creates a gold item, or replaces the expectation of the target's existing one (reviving it
/// if it was retired). Returns its id.
pub(crate) async fn upsert(
    executor: impl PgExecutor<'_>,
    kind: &str,
    message: Uuid,
    expected: &serde_json::Value,
    explanation: &str,
    by: Uuid,
) -> Result<Uuid, Error> {
    Ok(sqlx::query_scalar!(
        "insert into gold_item (kind, message_id, expected, explanation, created_by)
         values ($1, $2, $3, $4, $5)
         on conflict on constraint gold_item_one_per_target do update
             set expected = excluded.expected, explanation = excluded.explanation,
                 created_by = excluded.created_by, created_at = now(), retired_at = null
         returning gold_id",
        kind,
        message,
        expected,
        explanation,
        by,
    )
    .fetch_one(executor)
    .await?)
}

pub(crate) async fn get(executor: impl PgExecutor<'_>, id: Uuid) -> Result<Option<GoldRow>, Error> {
    Ok(sqlx::query_as!(
        GoldRow,
        "select gold_id, message_id, expected from gold_item where gold_id = $1",
        id,
    )
    .fetch_optional(executor)
    .await?)
}

/// Retires a gold item; false when there is none.
pub(crate) async fn retire(executor: impl PgExecutor<'_>, id: Uuid) -> Result<bool, Error> {
    let done = sqlx::query!(
        "update gold_item set retired_at = coalesce(retired_at, now()) where gold_id = $1",
        id,
    )
    .execute(executor)
    .await?;
    Ok(done.rows_affected() > 0)
}

/// One line of the moderators' gold list.
pub(crate) struct GoldListRow {
    pub gold_id: Uuid,
    pub message_id: Uuid,
    pub lang: String,
    pub text: String,
    pub expected: serde_json::Value,
    pub explanation: String,
    pub created_by: String,
    pub created_at: OffsetDateTime,
    pub answers: i64,
    pub correct: i64,
}

/// Gold items in use (of one message's tree, or all), newest first.
pub(crate) async fn list(
    executor: impl PgExecutor<'_>,
    tree: Option<Uuid>,
    limit: i64,
) -> Result<Vec<GoldListRow>, Error> {
    Ok(sqlx::query_as!(
        GoldListRow,
        "select g.gold_id, g.message_id, m.lang, m.text, g.expected, g.explanation,
                u.username as created_by, g.created_at,
                (select count(*) from gold_answer a where a.gold_id = g.gold_id) as \"answers!\",
                (select count(*) from gold_answer a where a.gold_id = g.gold_id and a.correct) as \"correct!\"
         from gold_item g
         join message m on m.message_id = g.message_id
         join app_user u on u.user_id = g.created_by
         where g.retired_at is null and ($1::uuid is null or m.message_tree_id = $1)
         order by g.created_at desc, g.gold_id
         limit $2",
        tree,
        limit,
    )
    .fetch_all(executor)
    .await?)
}

/// A gold item the user may be given as a task of `kind` (any kind when none) in `lang`: not
/// retired, its message not deleted, not answered by the user, and nothing the user wrote,
/// reviewed or ranked. Drawn at random.
pub(crate) async fn pick(
    executor: impl PgExecutor<'_>,
    user: Uuid,
    lang: &str,
    kind: Option<&str>,
) -> Result<Option<(Uuid, String, Uuid)>, Error> {
    let row = sqlx::query!(
        "select g.gold_id, g.kind, g.message_id
         from gold_item g join message m on m.message_id = g.message_id
         where g.retired_at is null and m.lang = $2 and not m.deleted
           and case $3::text
                   when 'label_initial_prompt' then g.kind = 'labels' and m.depth = 0
                   when 'label_assistant_reply' then g.kind = 'labels' and m.role = 'assistant'
                   when 'label_prompter_reply' then g.kind = 'labels' and m.role = 'prompter' and m.depth > 0
                   when 'rank_assistant_replies' then g.kind = 'ranking' and m.role = 'prompter'
                   when 'rank_prompter_replies' then g.kind = 'ranking' and m.role = 'assistant'
                   else $3::text is null
               end
           and not exists (select 1 from gold_answer a where a.gold_id = g.gold_id and a.user_id = $1)
           and not exists (select 1 from task k where k.gold_id = g.gold_id and k.user_id = $1
                           and k.done_at is null and k.skipped_at is null)
           and case g.kind
                   when 'labels' then m.user_id <> $1
                       and not exists (select 1 from label l where l.message_id = m.message_id
                                       and l.user_id = $1 and l.task_id is not null)
                   else not exists (select 1 from message c where c.parent_id = m.message_id
                                    and c.user_id = $1)
                       and not exists (select 1 from ranking r where r.parent_id = m.message_id
                                       and r.user_id = $1)
               end
         order by random()
         limit 1",
        user,
        lang,
        kind,
    )
    .fetch_optional(executor)
    .await?;
    Ok(row.map(|r| (r.gold_id, r.kind, r.message_id)))
}

pub(crate) struct NewAnswer<'a> {
    pub gold_id: Uuid,
    pub user_id: Uuid,
    pub task_id: Uuid,
    pub answer: &'a serde_json::Value,
    pub correct: bool,
    pub checked: i32,
    pub matched: i32,
}

pub(crate) async fn insert_answer(
    executor: impl PgExecutor<'_>,
    answer: NewAnswer<'_>,
) -> Result<(), Error> {
    sqlx::query!(
        "insert into gold_answer (gold_id, user_id, task_id, answer, correct, checked, matched)
         values ($1, $2, $3, $4, $5, $6, $7)",
        answer.gold_id,
        answer.user_id,
        answer.task_id,
        answer.answer,
        answer.correct,
        answer.checked,
        answer.matched,
    )
    .execute(executor)
    .await
    .map_err(|e| {
        crate::error::on_constraint(e, |constraint| {
            (constraint == "gold_answer_pkey")
                .then(|| Error::conflict("already_reviewed", "You already answered this item."))
        })
    })?;
    Ok(())
}

/// A user's gold answer with its item and message, newest first.
pub(crate) struct AnswerRow {
    pub message_id: Uuid,
    pub text: String,
    pub expected: serde_json::Value,
    pub explanation: String,
    pub answer: serde_json::Value,
    pub correct: bool,
    pub created_at: OffsetDateTime,
}

pub(crate) async fn answers_of(
    executor: impl PgExecutor<'_>,
    user: Uuid,
    limit: i64,
) -> Result<Vec<AnswerRow>, Error> {
    Ok(sqlx::query_as!(
        AnswerRow,
        "select g.message_id, m.text, g.expected, g.explanation, a.answer, a.correct,
                a.created_at
         from gold_answer a
         join gold_item g on g.gold_id = a.gold_id
         join message m on m.message_id = g.message_id
         where a.user_id = $1
         order by a.created_at desc
         limit $2",
        user,
        limit,
    )
    .fetch_all(executor)
    .await?)
}

/// Texts of messages by id (the replies of ranking gold items).
pub(crate) async fn texts(
    executor: impl PgExecutor<'_>,
    ids: &[Uuid],
) -> Result<Vec<(Uuid, String)>, Error> {
    let rows = sqlx::query!(
        "select message_id, text from message where message_id = any($1)",
        ids
    )
    .fetch_all(executor)
    .await?;
    Ok(rows.into_iter().map(|r| (r.message_id, r.text)).collect())
}
