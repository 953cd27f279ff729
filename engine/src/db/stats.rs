//! Live figures: statistics, the trollboard.

use crate::Error;
use sqlx::PgExecutor;
use time::{Date, OffsetDateTime};
use uuid::Uuid;

/// The database's date today (the per-day figures count days by it).
pub(crate) async fn today(executor: impl PgExecutor<'_>) -> Result<Date, Error> {
    Ok(sqlx::query_scalar!("select current_date as \"today!\"")
        .fetch_one(executor)
        .await?)
}

/// Messages per day and role from the day `since` on.
pub(crate) async fn messages_per_day(
    executor: impl PgExecutor<'_>,
    since: Date,
) -> Result<Vec<(Date, i64, i64)>, Error> {
    Ok(sqlx::query!(
        "select created_at::date as \"day!\",
                count(*) filter (where role = 'prompter') as \"prompter!\",
                count(*) filter (where role = 'assistant') as \"assistant!\"
         from message where not deleted and created_at >= $1::date
         group by 1 order by 1",
        since,
    )
    .fetch_all(executor)
    .await?
    .into_iter()
    .map(|r| (r.day, r.prompter, r.assistant))
    .collect())
}

/// People who wrote, reviewed or ranked, per day from the day `since` on.
pub(crate) async fn contributors_per_day(
    executor: impl PgExecutor<'_>,
    since: Date,
) -> Result<Vec<(Date, i64)>, Error> {
    Ok(sqlx::query!(
        "select day as \"day!\", count(distinct user_id) as \"contributors!\" from (
             select created_at::date as day, user_id from message where created_at >= $1::date
             union all
             select created_at::date, user_id from label where created_at >= $1::date
             union all
             select created_at::date, user_id from ranking where created_at >= $1::date
         ) activity group by day order by day",
        since,
    )
    .fetch_all(executor)
    .await?
    .into_iter()
    .map(|r| (r.day, r.contributors))
    .collect())
}

pub(crate) async fn trees_by_state(
    executor: impl PgExecutor<'_>,
) -> Result<Vec<(String, String, i64)>, Error> {
    Ok(sqlx::query!(
        "select lang, state, count(*) as \"trees!\" from message_tree group by lang, state order by lang, state"
    )
    .fetch_all(executor)
    .await?
    .into_iter()
    .map(|r| (r.lang, r.state, r.trees))
    .collect())
}

/// Reviews and rankings still needed per language, for active trees.
pub(crate) async fn backlog(
    executor: impl PgExecutor<'_>,
    reviews_needed: i32,
    rankings_needed: i64,
) -> Result<Vec<(String, i64, i64)>, Error> {
    Ok(sqlx::query!(
        "with reviews as (
             select t.lang, sum(greatest(0, $1 - m.review_count)) as missing
             from message m join message_tree t on t.message_tree_id = m.message_tree_id
             where t.state in ('initial_prompt_review', 'growing') and not m.deleted and m.review_result is null
             group by t.lang
         ),
         parents as (
             select t.lang, c.parent_id
             from message c join message_tree t on t.message_tree_id = c.message_tree_id
             where t.state = 'ranking' and not c.deleted and c.review_result and c.parent_id is not null
             group by t.lang, c.parent_id having count(*) >= 2
         ),
         rankings as (
             select p.lang, sum(greatest(0, $2 - (select count(*) from ranking r where r.parent_id = p.parent_id))) as missing
             from parents p group by p.lang
         )
         select coalesce(v.lang, k.lang) as \"lang!\",
                coalesce(v.missing, 0)::bigint as \"reviews!\", coalesce(k.missing, 0)::bigint as \"rankings!\"
         from reviews v full join rankings k on k.lang = v.lang
         order by 1",
        reviews_needed,
        rankings_needed,
    )
    .fetch_all(executor)
    .await?
    .into_iter()
    .map(|r| (r.lang, r.reviews, r.rankings))
    .collect())
}

pub(crate) struct TrollCounts {
    pub user_id: Uuid,
    pub red_flags: i64,
    pub thumbs_down: i64,
    pub thumbs_up: i64,
    pub spam_prompts: i64,
    pub flag_labels: i64,
}

/// Signals received by each user's live messages since `since`, for users that are
/// `banned` (or not).
pub(crate) async fn troll_counts(
    executor: impl PgExecutor<'_>,
    since: Option<OffsetDateTime>,
    banned: bool,
) -> Result<Vec<TrollCounts>, Error> {
    Ok(sqlx::query_as!(
        TrollCounts,
        "with reactions as (
             select m.user_id,
                    count(*) filter (where r.kind = 'red_flag') as red_flags,
                    count(*) filter (where r.kind = 'thumbs_down') as thumbs_down,
                    count(*) filter (where r.kind = 'thumbs_up') as thumbs_up
             from reaction r join message m on m.message_id = r.message_id
             where ($1::timestamptz is null or r.created_at >= $1)
             group by m.user_id
         ),
         spam as (
             select m.user_id, count(*) as spam_prompts
             from message m join message_tree t on t.message_tree_id = m.message_id
             where m.depth = 0 and t.state = 'aborted_low_grade' and ($1::timestamptz is null or m.created_at >= $1)
             group by m.user_id
         ),
         flags as (
             select l.message_author_id as user_id,
                    sum((select count(*) from jsonb_each_text(l.labels) f
                         where f.key in ('spam', 'lang_mismatch', 'pii', 'not_appropriate', 'hate_speech', 'sexual_content')
                           and f.value::float8 >= 1)) as flag_labels
             from label l
             where $1::timestamptz is null or l.created_at >= $1
             group by l.message_author_id
         ),
         who as (select user_id from reactions union select user_id from spam union select user_id from flags)
         select u.user_id,
                coalesce(reactions.red_flags, 0) as \"red_flags!\",
                coalesce(reactions.thumbs_down, 0) as \"thumbs_down!\",
                coalesce(reactions.thumbs_up, 0) as \"thumbs_up!\",
                coalesce(spam.spam_prompts, 0) as \"spam_prompts!\",
                coalesce(flags.flag_labels, 0)::bigint as \"flag_labels!\"
         from who join app_user u on u.user_id = who.user_id
         left join reactions on reactions.user_id = who.user_id
         left join spam on spam.user_id = who.user_id
         left join flags on flags.user_id = who.user_id
         where u.banned = $2",
        since,
        banned,
    )
    .fetch_all(executor)
    .await?)
}
