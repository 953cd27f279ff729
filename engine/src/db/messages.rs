//! The `message` table.

use crate::Error;
use sqlx::PgExecutor;
use time::OffsetDateTime;
use uuid::Uuid;

pub(crate) struct MessageRow {
    pub message_id: Uuid,
    pub message_tree_id: Uuid,
    pub parent_id: Option<Uuid>,
    pub user_id: Uuid,
    pub role: String,
    pub depth: i32,
    pub lang: String,
    pub text: String,
    pub review_result: Option<bool>,
    pub deleted: bool,
    pub synthetic: bool,
    pub thumbs_up: i32,
    pub thumbs_down: i32,
}

pub(crate) struct NewMessage<'a> {
    pub message_id: Uuid,
    pub message_tree_id: Uuid,
    pub parent_id: Option<Uuid>,
    pub user_id: Uuid,
    pub role: &'a str,
    pub depth: i32,
    pub lang: &'a str,
    pub text: &'a str,
    pub task_id: Option<Uuid>,
    pub deleted: bool,
    pub synthetic: bool,
    pub model_name: Option<&'a str>,
    pub review_count: i32,
    pub review_result: Option<bool>,
    pub rank: Option<i32>,
    pub created_at: Option<OffsetDateTime>,
}

pub(crate) async fn insert(executor: impl PgExecutor<'_>, m: NewMessage<'_>) -> Result<(), Error> {
    sqlx::query!(
        "insert into message (message_id, message_tree_id, parent_id, user_id, role, depth, lang,
                              text, task_id, deleted, synthetic, model_name, review_count,
                              review_result, rank, created_at)
         values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15,
                 coalesce($16, now()))",
        m.message_id,
        m.message_tree_id,
        m.parent_id,
        m.user_id,
        m.role,
        m.depth,
        m.lang,
        m.text,
        m.task_id,
        m.deleted,
        m.synthetic,
        m.model_name,
        m.review_count,
        m.review_result,
        m.rank,
        m.created_at,
    )
    .execute(executor)
    .await?;
    Ok(())
}

pub(crate) async fn get(
    executor: impl PgExecutor<'_>,
    id: Uuid,
) -> Result<Option<MessageRow>, Error> {
    Ok(sqlx::query_as!(
        MessageRow,
        "select message_id, message_tree_id, parent_id, user_id, role, depth, lang, text,
                review_result, deleted, synthetic, thumbs_up, thumbs_down
         from message where message_id = $1",
        id,
    )
    .fetch_optional(executor)
    .await?)
}

/// The path from the root down to (and including) `id`.
pub(crate) async fn thread(
    executor: impl PgExecutor<'_>,
    id: Uuid,
) -> Result<Vec<MessageRow>, Error> {
    Ok(sqlx::query_as!(
        MessageRow,
        "with recursive path as (
             select m.message_id, m.message_tree_id, m.parent_id, m.user_id, m.role, m.depth, m.lang,
                    m.text, m.review_result, m.deleted, m.synthetic, m.thumbs_up, m.thumbs_down,
                    0 as hops
             from message m where m.message_id = $1
             union all
             select p.message_id, p.message_tree_id, p.parent_id, p.user_id, p.role, p.depth, p.lang,
                    p.text, p.review_result, p.deleted, p.synthetic, p.thumbs_up, p.thumbs_down,
                    path.hops + 1
             from message p join path on p.message_id = path.parent_id
         )
         select message_id as \"message_id!\", message_tree_id as \"message_tree_id!\",
                parent_id, user_id as \"user_id!\", role as \"role!\", depth as \"depth!\",
                lang as \"lang!\", text as \"text!\", review_result, deleted as \"deleted!\",
                synthetic as \"synthetic!\", thumbs_up as \"thumbs_up!\",
                thumbs_down as \"thumbs_down!\"
         from path order by hops desc",
        id,
    )
    .fetch_all(executor)
    .await?)
}

/// Every message of a tree, root first, then by depth and age.
pub(crate) async fn of_tree(
    executor: impl PgExecutor<'_>,
    tree_id: Uuid,
) -> Result<Vec<MessageRow>, Error> {
    Ok(sqlx::query_as!(
        MessageRow,
        "select message_id, message_tree_id, parent_id, user_id, role, depth, lang, text,
                review_result, deleted, synthetic, thumbs_up, thumbs_down
         from message where message_tree_id = $1
         order by depth, created_at, message_id",
        tree_id,
    )
    .fetch_all(executor)
    .await?)
}

/// Replies that take a slot under `parent`: live and not rejected.
pub(crate) async fn live_children(
    executor: impl PgExecutor<'_>,
    parent: Uuid,
) -> Result<i64, Error> {
    Ok(sqlx::query_scalar!(
        "select count(*) as \"count!\" from message
         where parent_id = $1 and not deleted and review_result is not false",
        parent,
    )
    .fetch_one(executor)
    .await?)
}

pub(crate) async fn user_replied(
    executor: impl PgExecutor<'_>,
    parent: Uuid,
    user: Uuid,
) -> Result<bool, Error> {
    Ok(sqlx::query_scalar!(
        "select exists (select 1 from message where parent_id = $1 and user_id = $2 and not deleted)
         as \"exists!\"",
        parent,
        user,
    )
    .fetch_one(executor)
    .await?)
}

/// Whether the user wrote the same text within the window (a double submit or copy spam).
pub(crate) async fn recent_duplicate(
    executor: impl PgExecutor<'_>,
    user: Uuid,
    text: &str,
    window_minutes: i32,
) -> Result<bool, Error> {
    Ok(sqlx::query_scalar!(
        "select exists (select 1 from message
                        where user_id = $1 and text = $2 and not deleted
                          and created_at > now() - make_interval(mins => $3)) as \"exists!\"",
        user,
        text,
        window_minutes,
    )
    .fetch_one(executor)
    .await?)
}

pub(crate) async fn add_child(
    executor: impl PgExecutor<'_>,
    parent: Uuid,
    delta: i32,
) -> Result<(), Error> {
    sqlx::query!(
        "update message set children_count = children_count + $2 where message_id = $1",
        parent,
        delta,
    )
    .execute(executor)
    .await?;
    Ok(())
}

/// Sets the verdict unless one is already set (a verdict is never overwritten).
pub(crate) async fn set_review_result(
    executor: impl PgExecutor<'_>,
    id: Uuid,
    accepted: bool,
) -> Result<(), Error> {
    sqlx::query!(
        "update message set review_result = $2 where message_id = $1 and review_result is null",
        id,
        accepted,
    )
    .execute(executor)
    .await?;
    Ok(())
}

/// Writes consensus ranks under a parent: the ranked ids get their position, siblings left out
/// get none.
pub(crate) async fn set_ranks(
    executor: impl PgExecutor<'_>,
    parent: Uuid,
    ranked: &[Uuid],
) -> Result<(), Error> {
    sqlx::query!(
        "update message m
         set rank = r.position - 1
         from (select m2.message_id, o.position
               from message m2
               left join unnest($2::uuid[]) with ordinality as o(id, position) on o.id = m2.message_id
               where m2.parent_id = $1) r
         where m.message_id = r.message_id and m.rank is distinct from r.position - 1",
        parent,
        ranked,
    )
    .execute(executor)
    .await?;
    Ok(())
}

/// Marks a message and all its descendants deleted; returns how many changed.
pub(crate) async fn delete_subtree(executor: impl PgExecutor<'_>, id: Uuid) -> Result<u64, Error> {
    let result = sqlx::query!(
        "with recursive sub as (
             select message_id from message where message_id = $1
             union all
             select c.message_id from message c join sub on c.parent_id = sub.message_id
         )
         update message set deleted = true
         where message_id in (select message_id from sub) and not deleted",
        id,
    )
    .execute(executor)
    .await?;
    Ok(result.rows_affected())
}

/// Recounts live children of every message in a tree from the rows.
pub(crate) async fn recount_children(
    executor: impl PgExecutor<'_>,
    tree_id: Uuid,
) -> Result<(), Error> {
    sqlx::query!(
        "update message p
         set children_count = (select count(*) from message c where c.parent_id = p.message_id and not c.deleted)
         where p.message_tree_id = $1
           and p.children_count <> (select count(*) from message c where c.parent_id = p.message_id and not c.deleted)",
        tree_id,
    )
    .execute(executor)
    .await?;
    Ok(())
}

/// Adjusts the reaction counters of a message.
pub(crate) async fn add_reaction_counts(
    executor: impl PgExecutor<'_>,
    id: Uuid,
    thumbs_up: i32,
    thumbs_down: i32,
    red_flags: i32,
    skips: i32,
) -> Result<(), Error> {
    sqlx::query!(
        "update message
         set thumbs_up = thumbs_up + $2, thumbs_down = thumbs_down + $3,
             red_flags = red_flags + $4, skip_count = skip_count + $5
         where message_id = $1",
        id,
        thumbs_up,
        thumbs_down,
        red_flags,
        skips,
    )
    .execute(executor)
    .await?;
    Ok(())
}

/// A message with its author's display name and the viewer's thumb.
pub(crate) struct MessageViewRow {
    pub message_id: Uuid,
    pub message_tree_id: Uuid,
    pub parent_id: Option<Uuid>,
    pub user_id: Uuid,
    pub author: String,
    pub role: String,
    pub depth: i32,
    pub lang: String,
    pub text: String,
    pub review_count: i32,
    pub review_result: Option<bool>,
    pub ranking_count: i32,
    pub rank: Option<i32>,
    pub children_count: i32,
    pub deleted: bool,
    pub synthetic: bool,
    pub model_name: Option<String>,
    pub edited: bool,
    pub thumbs_up: i32,
    pub thumbs_down: i32,
    pub red_flags: i32,
    pub my_thumb: Option<String>,
    pub tree_state: String,
    pub created_at: OffsetDateTime,
}

/// Every message of a tree as seen by `viewer`: parents first, siblings best-ranked first.
pub(crate) async fn views_of_tree(
    executor: impl PgExecutor<'_>,
    tree_id: Uuid,
    viewer: Option<Uuid>,
) -> Result<Vec<MessageViewRow>, Error> {
    Ok(sqlx::query_as!(
        MessageViewRow,
        "select m.message_id, m.message_tree_id, m.parent_id, m.user_id, u.display_name as author,
                m.role, m.depth, m.lang, m.text, m.review_count, m.review_result, m.ranking_count,
                m.rank, m.children_count, m.deleted, m.synthetic, m.model_name, m.edited,
                m.thumbs_up, m.thumbs_down, m.red_flags,
                (select r.kind from reaction r where r.message_id = m.message_id and r.user_id = $2
                   and r.kind in ('thumbs_up', 'thumbs_down')) as my_thumb,
                t.state as tree_state, m.created_at
         from message m
         join app_user u on u.user_id = m.user_id
         join message_tree t on t.message_tree_id = m.message_tree_id
         where m.message_tree_id = $1
         order by m.depth, m.rank nulls last, m.created_at, m.message_id",
        tree_id,
        viewer,
    )
    .fetch_all(executor)
    .await?)
}

/// The user's own messages, newest first, older than `before` (keyset paging).
pub(crate) async fn views_by_author(
    executor: impl PgExecutor<'_>,
    author: Uuid,
    before: Option<OffsetDateTime>,
    limit: i64,
) -> Result<Vec<MessageViewRow>, Error> {
    Ok(sqlx::query_as!(
        MessageViewRow,
        "select m.message_id, m.message_tree_id, m.parent_id, m.user_id, u.display_name as author,
                m.role, m.depth, m.lang, m.text, m.review_count, m.review_result, m.ranking_count,
                m.rank, m.children_count, m.deleted, m.synthetic, m.model_name, m.edited,
                m.thumbs_up, m.thumbs_down, m.red_flags,
                (select r.kind from reaction r where r.message_id = m.message_id and r.user_id = $1
                   and r.kind in ('thumbs_up', 'thumbs_down')) as my_thumb,
                t.state as tree_state, m.created_at
         from message m
         join app_user u on u.user_id = m.user_id
         join message_tree t on t.message_tree_id = m.message_tree_id
         where m.user_id = $1 and ($2::timestamptz is null or m.created_at < $2)
         order by m.created_at desc
         limit $3",
        author,
        before,
        limit,
    )
    .fetch_all(executor)
    .await?)
}
