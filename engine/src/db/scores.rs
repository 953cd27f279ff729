//! Counting a user's contributions for points.

use crate::Error;
use domain::scoring::Contributions;
use sqlx::PgExecutor;
use time::OffsetDateTime;
use uuid::Uuid;

/// What the user contributed since `since` (all time when none).
pub(crate) async fn contributions(
    executor: impl PgExecutor<'_>,
    user: Uuid,
    since: Option<OffsetDateTime>,
) -> Result<Contributions, Error> {
    let row = sqlx::query!(
        "with mine as (
             select depth, role, review_result, rank from message
             where user_id = $1 and not deleted and ($2::timestamptz is null or created_at >= $2)
         ),
         reviews as (
             select mode from label
             where user_id = $1 and task_id is not null and ($2::timestamptz is null or created_at >= $2)
         )
         select
           (select count(*) from mine where depth = 0) as \"prompts!\",
           (select count(*) from mine where depth = 0 and review_result) as \"accepted_prompts!\",
           (select count(*) from mine where role = 'assistant') as \"assistant!\",
           (select count(*) from mine where role = 'assistant' and review_result) as \"accepted_assistant!\",
           (select count(*) from mine where role = 'prompter' and depth > 0) as \"prompter!\",
           (select count(*) from mine where role = 'prompter' and depth > 0 and review_result) as \"accepted_prompter!\",
           (select count(*) from reviews where mode = 'full') as \"full_reviews!\",
           (select count(*) from reviews where mode = 'simple') as \"quick_reviews!\",
           (select count(*) from ranking
            where user_id = $1 and ($2::timestamptz is null or created_at >= $2)) as \"rankings!\",
           (select count(*) from mine where rank = 0) as \"first!\",
           (select count(*) from mine where rank = 1) as \"second!\",
           (select count(*) from mine where rank = 2) as \"third!\"",
        user,
        since,
    )
    .fetch_one(executor)
    .await?;
    Ok(Contributions {
        prompts: row.prompts,
        accepted_prompts: row.accepted_prompts,
        assistant_replies: row.assistant,
        accepted_assistant_replies: row.accepted_assistant,
        prompter_replies: row.prompter,
        accepted_prompter_replies: row.accepted_prompter,
        full_reviews: row.full_reviews,
        quick_reviews: row.quick_reviews,
        rankings: row.rankings,
        ranked_first: row.first,
        ranked_second: row.second,
        ranked_third: row.third,
    })
}
