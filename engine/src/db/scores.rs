//! Counting contributions for points and leaderboards.

use crate::Error;
use domain::scoring::Contributions;
use sqlx::PgExecutor;
use time::OffsetDateTime;
use uuid::Uuid;

/// A user's contributions in a window.
pub(crate) struct ContributorRow {
    pub user_id: Uuid,
    pub display_name: String,
    pub contributions: Contributions,
}

/// What each user (or just `only`) contributed since `since` (all time when none). Only
/// users who contributed anything are returned; `leaderboard` keeps to visible, active users
/// who are not flagged as unreliable.
pub(crate) async fn contributions(
    executor: impl PgExecutor<'_>,
    since: Option<OffsetDateTime>,
    only: Option<Uuid>,
    leaderboard: bool,
) -> Result<Vec<ContributorRow>, Error> {
    let rows = sqlx::query!(
        "with m as (
             select user_id,
                    count(*) filter (where depth = 0) as prompts,
                    count(*) filter (where depth = 0 and review_result) as accepted_prompts,
                    count(*) filter (where role = 'assistant') as assistant,
                    count(*) filter (where role = 'assistant' and review_result) as accepted_assistant,
                    count(*) filter (where role = 'prompter' and depth > 0) as prompter,
                    count(*) filter (where role = 'prompter' and depth > 0 and review_result) as accepted_prompter,
                    count(*) filter (where review_result = false) as rejected,
                    count(*) filter (where rank = 0) as first,
                    count(*) filter (where rank = 1) as second,
                    count(*) filter (where rank = 2) as third
             from message
             where not deleted and ($1::timestamptz is null or created_at >= $1)
               and ($2::uuid is null or user_id = $2)
             group by user_id
         ),
         l as (
             select user_id,
                    count(*) filter (where mode = 'full') as full_reviews,
                    count(*) filter (where mode = 'simple') as quick_reviews,
                    count(*) filter (where mode = 'full' and agrees) as agreeing_full,
                    count(*) filter (where mode = 'simple' and agrees) as agreeing_quick
             from label
             where task_id is not null and ($1::timestamptz is null or created_at >= $1)
               and ($2::uuid is null or user_id = $2)
             group by user_id
         ),
         r as (
             select user_id, count(*) as rankings, count(*) filter (where consensus_tau > 0) as agreeing
             from ranking
             where ($1::timestamptz is null or created_at >= $1) and ($2::uuid is null or user_id = $2)
             group by user_id
         ),
         g as (
             select user_id, count(*) filter (where correct) as passed,
                    count(*) filter (where not correct) as failed
             from gold_answer
             where ($1::timestamptz is null or created_at >= $1) and ($2::uuid is null or user_id = $2)
             group by user_id
         ),
         who as (select user_id from m union select user_id from l union select user_id from r
                 union select user_id from g)
         select u.user_id as \"user_id!\", u.display_name as \"display_name!\",
                coalesce(m.prompts, 0) as \"prompts!\", coalesce(m.accepted_prompts, 0) as \"accepted_prompts!\",
                coalesce(m.assistant, 0) as \"assistant!\", coalesce(m.accepted_assistant, 0) as \"accepted_assistant!\",
                coalesce(m.prompter, 0) as \"prompter!\", coalesce(m.accepted_prompter, 0) as \"accepted_prompter!\",
                coalesce(l.full_reviews, 0) as \"full_reviews!\", coalesce(l.quick_reviews, 0) as \"quick_reviews!\",
                coalesce(r.rankings, 0) as \"rankings!\", coalesce(r.agreeing, 0) as \"agreeing_rankings!\",
                coalesce(m.rejected, 0) as \"rejected!\",
                coalesce(l.agreeing_full, 0) as \"agreeing_full!\", coalesce(l.agreeing_quick, 0) as \"agreeing_quick!\",
                coalesce(g.passed, 0) as \"gold_passed!\", coalesce(g.failed, 0) as \"gold_failed!\",
                coalesce(m.first, 0) as \"first!\", coalesce(m.second, 0) as \"second!\", coalesce(m.third, 0) as \"third!\"
         from who
         join app_user u on u.user_id = who.user_id
         left join m on m.user_id = who.user_id
         left join l on l.user_id = who.user_id
         left join r on r.user_id = who.user_id
         left join g on g.user_id = who.user_id
         where not $3 or (u.show_on_leaderboard and not u.banned and not u.deleted
                          and not exists (select 1 from annotator_quality q
                                          where q.user_id = u.user_id and q.flag is not null))",
        since,
        only,
        leaderboard,
    )
    .fetch_all(executor)
    .await?;
    Ok(rows
        .into_iter()
        .map(|row| ContributorRow {
            user_id: row.user_id,
            display_name: row.display_name,
            contributions: Contributions {
                prompts: row.prompts,
                accepted_prompts: row.accepted_prompts,
                assistant_replies: row.assistant,
                accepted_assistant_replies: row.accepted_assistant,
                prompter_replies: row.prompter,
                accepted_prompter_replies: row.accepted_prompter,
                rejected_messages: row.rejected,
                full_reviews: row.full_reviews,
                quick_reviews: row.quick_reviews,
                agreeing_full_reviews: row.agreeing_full,
                agreeing_quick_reviews: row.agreeing_quick,
                rankings: row.rankings,
                agreeing_rankings: row.agreeing_rankings,
                gold_passed: row.gold_passed,
                gold_failed: row.gold_failed,
                ranked_first: row.first,
                ranked_second: row.second,
                ranked_third: row.third,
            },
        })
        .collect())
}
