//! The `message_tree` table.

use crate::Error;
use sqlx::{PgConnection, PgExecutor};
use time::OffsetDateTime;
use uuid::Uuid;

pub(crate) struct TreeRow {
    pub message_tree_id: Uuid,
    pub state: String,
    pub lang: String,
    pub goal_tree_size: i32,
    pub max_depth: i32,
    pub max_children_count: i32,
    pub num_prompter_replies: i32,
    pub won_lottery_at: Option<OffsetDateTime>,
}

pub(crate) struct NewTree<'a> {
    pub message_tree_id: Uuid,
    pub state: &'a str,
    pub lang: &'a str,
    pub goal_tree_size: i32,
    pub max_depth: i32,
    pub max_children_count: i32,
    pub num_prompter_replies: i32,
    pub origin: Option<&'a str>,
}

pub(crate) async fn insert(executor: impl PgExecutor<'_>, tree: NewTree<'_>) -> Result<(), Error> {
    sqlx::query!(
        "insert into message_tree (message_tree_id, state, lang, goal_tree_size, max_depth,
                                   max_children_count, num_prompter_replies, origin)
         values ($1, $2, $3, $4, $5, $6, $7, $8)",
        tree.message_tree_id,
        tree.state,
        tree.lang,
        tree.goal_tree_size,
        tree.max_depth,
        tree.max_children_count,
        tree.num_prompter_replies,
        tree.origin,
    )
    .execute(executor)
    .await?;
    Ok(())
}

/// Loads a tree and locks it for this transaction. Every write inside a tree takes this lock
/// first, so writes to one tree run one after another and never deadlock on its messages.
pub(crate) async fn lock(conn: &mut PgConnection, tree_id: Uuid) -> Result<Option<TreeRow>, Error> {
    Ok(sqlx::query_as!(
        TreeRow,
        "select message_tree_id, state, lang, goal_tree_size, max_depth, max_children_count,
                num_prompter_replies, won_lottery_at
         from message_tree where message_tree_id = $1
         for no key update",
        tree_id,
    )
    .fetch_optional(conn)
    .await?)
}

/// Like [`lock`], but gives up at once when another transaction holds the tree.
pub(crate) async fn try_lock(
    conn: &mut PgConnection,
    tree_id: Uuid,
) -> Result<Option<TreeRow>, Error> {
    Ok(sqlx::query_as!(
        TreeRow,
        "select message_tree_id, state, lang, goal_tree_size, max_depth, max_children_count,
                num_prompter_replies, won_lottery_at
         from message_tree where message_tree_id = $1
         for no key update skip locked",
        tree_id,
    )
    .fetch_optional(conn)
    .await?)
}

pub(crate) async fn get(
    executor: impl PgExecutor<'_>,
    tree_id: Uuid,
) -> Result<Option<TreeRow>, Error> {
    Ok(sqlx::query_as!(
        TreeRow,
        "select message_tree_id, state, lang, goal_tree_size, max_depth, max_children_count,
                num_prompter_replies, won_lottery_at
         from message_tree where message_tree_id = $1",
        tree_id,
    )
    .fetch_optional(executor)
    .await?)
}

pub(crate) async fn set_state(
    executor: impl PgExecutor<'_>,
    tree_id: Uuid,
    state: &str,
) -> Result<(), Error> {
    sqlx::query!(
        "update message_tree
         set state = $2,
             won_lottery_at = case when $2 = 'growing' and won_lottery_at is null then now()
                                   else won_lottery_at end
         where message_tree_id = $1",
        tree_id,
        state,
    )
    .execute(executor)
    .await?;
    Ok(())
}

/// Accepted, live messages plus those still under review: what counts toward the goal size.
pub(crate) async fn size(executor: impl PgExecutor<'_>, tree_id: Uuid) -> Result<i64, Error> {
    Ok(sqlx::query_scalar!(
        "select count(*) as \"count!\" from message
         where message_tree_id = $1 and not deleted and review_result is not false",
        tree_id,
    )
    .fetch_one(executor)
    .await?)
}

/// Live messages still waiting for their reviews.
pub(crate) async fn pending_reviews(
    executor: impl PgExecutor<'_>,
    tree_id: Uuid,
) -> Result<i64, Error> {
    Ok(sqlx::query_scalar!(
        "select count(*) as \"count!\" from message
         where message_tree_id = $1 and not deleted and review_result is null",
        tree_id,
    )
    .fetch_one(executor)
    .await?)
}

/// Live messages of any kind.
pub(crate) async fn live_messages(
    executor: impl PgExecutor<'_>,
    tree_id: Uuid,
) -> Result<i64, Error> {
    Ok(sqlx::query_scalar!(
        "select count(*) as \"count!\" from message where message_tree_id = $1 and not deleted",
        tree_id,
    )
    .fetch_one(executor)
    .await?)
}

/// Accepted, live messages that can still take a reply (depth and reply slots permitting).
pub(crate) async fn open_reply_slots(
    executor: impl PgExecutor<'_>,
    tree_id: Uuid,
) -> Result<i64, Error> {
    Ok(sqlx::query_scalar!(
        "select count(*) as \"count!\"
         from message p
         join message_tree t on t.message_tree_id = p.message_tree_id
         where p.message_tree_id = $1 and not p.deleted and p.review_result
           and p.depth < t.max_depth
           and (select count(*) from message c
                where c.parent_id = p.message_id and not c.deleted and c.review_result is not false)
               < case p.role when 'prompter' then t.max_children_count
                             else least(t.num_prompter_replies, t.max_children_count) end",
        tree_id,
    )
    .fetch_one(executor)
    .await?)
}

/// A parent whose replies are ranked, with its accepted, live children.
pub(crate) struct RankableParent {
    pub parent_id: Uuid,
    pub children: Vec<Uuid>,
    pub rankings: i64,
}

/// Parents with at least two accepted, live replies of a ranked role.
pub(crate) async fn rankable_parents(
    executor: impl PgExecutor<'_>,
    tree_id: Uuid,
    rank_prompter_replies: bool,
) -> Result<Vec<RankableParent>, Error> {
    let rows = sqlx::query!(
        "select c.parent_id as \"parent_id!\",
                array_agg(c.message_id order by c.created_at, c.message_id) as \"children!\",
                (select count(*) from ranking r where r.parent_id = c.parent_id) as \"rankings!\"
         from message c
         where c.message_tree_id = $1 and c.parent_id is not null and not c.deleted
           and c.review_result and (c.role = 'assistant' or $2)
         group by c.parent_id
         having count(*) >= 2",
        tree_id,
        rank_prompter_replies,
    )
    .fetch_all(executor)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| RankableParent {
            parent_id: r.parent_id,
            children: r.children,
            rankings: r.rankings,
        })
        .collect())
}

/// Locks the growing count of a language for the prompt lottery, so two requests never both
/// fill the same free slot.
pub(crate) async fn lock_lottery(conn: &mut PgConnection, lang: &str) -> Result<(), Error> {
    sqlx::query!(
        "select pg_advisory_xact_lock(hashtext('grove.lottery.' || $1)::bigint)",
        lang
    )
    .execute(conn)
    .await?;
    Ok(())
}

pub(crate) async fn count_in_state(
    executor: impl PgExecutor<'_>,
    lang: &str,
    state: &str,
) -> Result<i64, Error> {
    Ok(sqlx::query_scalar!(
        "select count(*) as \"count!\" from message_tree where lang = $1 and state = $2",
        lang,
        state,
    )
    .fetch_one(executor)
    .await?)
}

/// Draws a waiting prompt: first an author, each with weight 1 + their replies ranked best in
/// the last 30 days (spamming prompts does not raise one's chances), then one of that author's
/// prompts at random. The tree is locked; others drawing at once skip it.
pub(crate) async fn draw_lottery_winner(
    conn: &mut PgConnection,
    lang: &str,
) -> Result<Option<Uuid>, Error> {
    Ok(sqlx::query_scalar!(
        "with waiting as (
             select t.message_tree_id, m.user_id
             from message_tree t
             join message m on m.message_id = t.message_tree_id
             join app_user u on u.user_id = m.user_id
             where t.lang = $1 and t.state = 'prompt_lottery_waiting' and not m.deleted
               and not u.banned and not u.deleted
         ),
         authors as (
             select w.user_id,
                    1 + (select count(*) from message b
                         where b.user_id = w.user_id and b.rank = 0
                           and b.created_at > now() - interval '30 days') as weight
             from (select distinct user_id from waiting) w
         ),
         chosen_author as (
             select user_id from authors
             order by -ln(greatest(random(), 1e-12)) / weight
             limit 1
         )
         select w.message_tree_id as \"message_tree_id!\"
         from waiting w join chosen_author a on a.user_id = w.user_id
         order by random()
         limit 1",
        lang,
    )
    .fetch_optional(conn)
    .await?)
}

/// Active trees, for the start-up sweep.
pub(crate) async fn active_tree_ids(executor: impl PgExecutor<'_>) -> Result<Vec<Uuid>, Error> {
    Ok(sqlx::query_scalar!(
        "select message_tree_id from message_tree
         where state in ('initial_prompt_review', 'growing', 'ranking', 'ready_for_scoring')
         order by created_at"
    )
    .fetch_all(executor)
    .await?)
}

/// Languages with prompts waiting for the lottery.
pub(crate) async fn languages_with_waiting_prompts(
    executor: impl PgExecutor<'_>,
) -> Result<Vec<String>, Error> {
    Ok(sqlx::query_scalar!(
        "select distinct lang from message_tree where state = 'prompt_lottery_waiting'"
    )
    .fetch_all(executor)
    .await?)
}

/// Trees per state, over all languages.
pub(crate) async fn state_counts(
    executor: impl PgExecutor<'_>,
) -> Result<std::collections::BTreeMap<String, i64>, Error> {
    let rows = sqlx::query!(
        "select state, count(*) as \"count!\" from message_tree group by state order by state"
    )
    .fetch_all(executor)
    .await?;
    Ok(rows.into_iter().map(|r| (r.state, r.count)).collect())
}
