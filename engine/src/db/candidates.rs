//! The queries behind task choice: how much work a language has outstanding, and which items
//! one annotator may take. Items the annotator wrote, already did or skipped are left out, and
//! so are items whose open tasks (held by others, asked for within the reservation span)
//! already cover the work still needed. Open gold tasks reserve nothing: their answers do not
//! count as reviews or rankings of the live item.

use crate::Error;
use domain::task::{chooser::Backlog, TaskKind};
use sqlx::PgExecutor;
use uuid::Uuid;

/// Parameters of the candidate queries that come from the configuration.
pub(crate) struct Limits {
    pub span_secs: f64,
    pub reviews_prompt: i32,
    pub reviews_reply: i32,
    pub rankings: i64,
    pub lonely_children: i32,
    pub rank_prompter_replies: bool,
}

fn count(value: i64) -> u32 {
    u32::try_from(value.max(0)).unwrap_or(u32::MAX)
}

pub(crate) async fn backlog(
    executor: impl PgExecutor<'_>,
    lang: &str,
    limits: &Limits,
) -> Result<Backlog, Error> {
    let row = sqlx::query!(
        "select
           (select count(*) from message_tree where lang = $1 and state = 'growing') as \"growing!\",
           (select count(*) from message_tree where lang = $1 and state = 'initial_prompt_review') as \"in_review!\",
           (select count(*) from message_tree where lang = $1 and state = 'prompt_lottery_waiting') as \"waiting!\",
           (select coalesce(sum(greatest(0, t.goal_tree_size - (
                select count(*) from message m
                where m.message_tree_id = t.message_tree_id and not m.deleted and m.review_result is not false))), 0)
            from message_tree t where t.lang = $1 and t.state = 'growing')::bigint as \"replies_missing!\",
           (select coalesce(sum(greatest(0, $2 - m.review_count)), 0)
            from message m join message_tree t on t.message_tree_id = m.message_tree_id
            where t.lang = $1 and t.state = 'initial_prompt_review' and m.depth = 0
              and not m.deleted and m.review_result is null)::bigint as \"prompt_reviews_missing!\",
           (select coalesce(sum(greatest(0, $3 - m.review_count)), 0)
            from message m join message_tree t on t.message_tree_id = m.message_tree_id
            where t.lang = $1 and t.state = 'growing' and m.depth > 0
              and not m.deleted and m.review_result is null)::bigint as \"reply_reviews_missing!\",
           (select coalesce(sum(greatest(0, $4 - (select count(*) from ranking r where r.parent_id = p.parent_id))), 0)
            from (select c.parent_id
                  from message c join message_tree t on t.message_tree_id = c.message_tree_id
                  where t.lang = $1 and t.state = 'ranking' and not c.deleted and c.review_result
                    and c.parent_id is not null and (c.role = 'assistant' or $5)
                  group by c.parent_id having count(*) >= 2) p)::bigint as \"rankings_missing!\",
           exists (select 1 from language_pause where lang = $1) as \"prompts_paused!\"",
        lang,
        limits.reviews_prompt,
        limits.reviews_reply,
        limits.rankings,
        limits.rank_prompter_replies,
    )
    .fetch_one(executor)
    .await?;
    Ok(Backlog {
        growing_trees: count(row.growing),
        prompts_in_review: count(row.in_review),
        prompts_waiting: count(row.waiting),
        replies_missing: count(row.replies_missing),
        prompt_reviews_missing: count(row.prompt_reviews_missing),
        reply_reviews_missing: count(row.reply_reviews_missing),
        rankings_missing: count(row.rankings_missing),
        prompts_paused: row.prompts_paused,
    })
}

/// Messages the user may review: their number, and one drawn at random.
pub(crate) struct Pick {
    pub count: u32,
    pub pick: Option<Uuid>,
}

/// Prompts to review (`reply_role` none: roots of trees under prompt review) or replies in
/// that role (in growing trees).
pub(crate) async fn reviews(
    executor: impl PgExecutor<'_>,
    user: Uuid,
    lang: &str,
    reply_role: Option<&str>,
    limits: &Limits,
) -> Result<Pick, Error> {
    let root = reply_role.is_none();
    let needed = if root {
        limits.reviews_prompt
    } else {
        limits.reviews_reply
    };
    let row = sqlx::query!(
        "with candidates as (
             select m.message_id
             from message m join message_tree t on t.message_tree_id = m.message_tree_id
             where t.lang = $2
               and t.state = case when $3 then 'initial_prompt_review' else 'growing' end
               and (m.depth = 0) = $3 and ($6::text is null or m.role = $6)
               and not m.deleted and m.review_result is null and m.user_id <> $1
               and m.review_count + (
                     select count(*) from task k
                     where k.message_id = m.message_id and k.kind like 'label_%' and k.user_id <> $1
                       and k.done_at is null and k.skipped_at is null and k.gold_id is null
                       and k.created_at > now() - make_interval(secs => $4)) < $5
               and not exists (select 1 from label l
                               where l.message_id = m.message_id and l.user_id = $1 and l.task_id is not null)
               and not exists (select 1 from reaction r
                               where r.message_id = m.message_id and r.user_id = $1 and r.kind = 'skip_labeling')
         )
         select (select count(*) from candidates) as \"count!\",
                (select message_id from candidates order by random() limit 1) as pick",
        user,
        lang,
        root,
        limits.span_secs,
        i64::from(needed),
        reply_role,
    )
    .fetch_one(executor)
    .await?;
    Ok(Pick {
        count: count(row.count),
        pick: row.pick,
    })
}

/// Messages the user may reply to.
pub(crate) struct ParentPick {
    pub count: u32,
    pub lonely: u32,
    pub any: Option<Uuid>,
    pub lonely_pick: Option<Uuid>,
}

/// Messages in `parent_role` the user may reply to.
pub(crate) async fn parents(
    executor: impl PgExecutor<'_>,
    user: Uuid,
    lang: &str,
    parent_role: &str,
    limits: &Limits,
) -> Result<ParentPick, Error> {
    let row = sqlx::query!(
        "with growing as (
             select t.* from message_tree t where t.lang = $2 and t.state = 'growing'
         ),
         sizes as (
             select m.message_tree_id, count(*) as size
             from message m join growing g on g.message_tree_id = m.message_tree_id
             where not m.deleted and m.review_result is not false
             group by m.message_tree_id
         ),
         parents as (
             select p.message_id, p.role,
                    (select count(*) from message c
                     where c.parent_id = p.message_id and not c.deleted and c.review_result is not false) as children,
                    (select count(*) from task k
                     where k.message_id = p.message_id and k.kind in ('assistant_reply', 'prompter_reply')
                       and k.user_id <> $1 and k.done_at is null and k.skipped_at is null
                       and k.created_at > now() - make_interval(secs => $3)) as reserved,
                    case p.role when 'prompter' then g.max_children_count
                                else least(g.num_prompter_replies, g.max_children_count) end as slots
             from message p
             join growing g on g.message_tree_id = p.message_tree_id
             join sizes s on s.message_tree_id = p.message_tree_id
             where not p.deleted and p.review_result and p.depth < g.max_depth
               and s.size < g.goal_tree_size and p.user_id <> $1 and p.role = $5
               and not exists (select 1 from message c
                               where c.parent_id = p.message_id and c.user_id = $1 and not c.deleted)
               and not exists (select 1 from reaction r
                               where r.message_id = p.message_id and r.user_id = $1 and r.kind = 'skip_reply')
         ),
         candidates as (
             select message_id, role = 'prompter' and children >= 1 and children < $4 as lonely
             from parents where children + reserved < slots
         )
         select (select count(*) from candidates) as \"count!\",
                (select count(*) from candidates where lonely) as \"lonely!\",
                (select message_id from candidates order by random() limit 1) as any_pick,
                (select message_id from candidates where lonely order by random() limit 1) as lonely_pick",
        user,
        lang,
        limits.span_secs,
        i64::from(limits.lonely_children),
        parent_role,
    )
    .fetch_one(executor)
    .await?;
    Ok(ParentPick {
        count: count(row.count),
        lonely: count(row.lonely),
        any: row.any_pick,
        lonely_pick: row.lonely_pick,
    })
}

/// Parents whose replies the user may rank (none of which the user wrote).
pub(crate) async fn rankings(
    executor: impl PgExecutor<'_>,
    user: Uuid,
    lang: &str,
    limits: &Limits,
) -> Result<Pick, Error> {
    let row = sqlx::query!(
        "with parents as (
             select c.parent_id
             from message c join message_tree t on t.message_tree_id = c.message_tree_id
             where t.lang = $2 and t.state = 'ranking' and not c.deleted and c.review_result
               and c.parent_id is not null and (c.role = 'assistant' or $5)
             group by c.parent_id having count(*) >= 2
         ),
         candidates as (
             select p.parent_id
             from parents p join message pm on pm.message_id = p.parent_id
             where not pm.deleted
               and (select count(*) from ranking r where r.parent_id = p.parent_id)
                   + (select count(*) from task k
                      where k.message_id = p.parent_id and k.kind like 'rank_%' and k.user_id <> $1
                        and k.done_at is null and k.skipped_at is null and k.gold_id is null
                        and k.created_at > now() - make_interval(secs => $3)) < $4
               and not exists (select 1 from message c
                               where c.parent_id = p.parent_id and c.user_id = $1 and not c.deleted)
               and not exists (select 1 from ranking r where r.parent_id = p.parent_id and r.user_id = $1)
               and not exists (select 1 from reaction r
                               where r.message_id = p.parent_id and r.user_id = $1 and r.kind = 'skip_ranking')
         )
         select (select count(*) from candidates) as \"count!\",
                (select parent_id from candidates order by random() limit 1) as pick",
        user,
        lang,
        limits.span_secs,
        limits.rankings,
        limits.rank_prompter_replies,
    )
    .fetch_one(executor)
    .await?;
    Ok(Pick {
        count: count(row.count),
        pick: row.pick,
    })
}

/// Locks the tree of `target` and tells whether a task of `kind` on it still has a free slot,
/// counting the open tasks others committed meanwhile. Tasks on a tree are created under its
/// lock, so two annotators can never both take its last slot.
pub(crate) async fn claim(
    conn: &mut sqlx::PgConnection,
    user: Uuid,
    target: Uuid,
    kind: TaskKind,
    limits: &Limits,
) -> Result<bool, Error> {
    let Some(tree) = sqlx::query_scalar!(
        "select message_tree_id from message where message_id = $1",
        target
    )
    .fetch_optional(&mut *conn)
    .await?
    else {
        return Ok(false);
    };
    if crate::db::trees::lock(&mut *conn, tree).await?.is_none() {
        return Ok(false);
    }
    let room = sqlx::query_scalar!(
        "select case
             when $3::text in ('assistant_reply', 'prompter_reply') then
                 (select count(*) from message c
                  where c.parent_id = p.message_id and not c.deleted and c.review_result is not false)
                 + (select count(*) from task k
                    where k.message_id = p.message_id and k.kind in ('assistant_reply', 'prompter_reply')
                      and k.user_id <> $2 and k.done_at is null and k.skipped_at is null
                      and k.created_at > now() - make_interval(secs => $4::float8))
                 < case p.role when 'prompter' then t.max_children_count
                               else least(t.num_prompter_replies, t.max_children_count) end
             when $3 like 'label_%' then
                 p.review_count
                 + (select count(*) from task k
                    where k.message_id = p.message_id and k.kind like 'label_%' and k.user_id <> $2
                      and k.done_at is null and k.skipped_at is null and k.gold_id is null
                      and k.created_at > now() - make_interval(secs => $4::float8))
                 < case when p.depth = 0 then $5::bigint else $6::bigint end
             else
                 (select count(*) from ranking r where r.parent_id = p.message_id)
                 + (select count(*) from task k
                    where k.message_id = p.message_id and k.kind like 'rank_%' and k.user_id <> $2
                      and k.done_at is null and k.skipped_at is null and k.gold_id is null
                      and k.created_at > now() - make_interval(secs => $4::float8))
                 < $7::bigint
         end as \"room!\"
         from message p join message_tree t on t.message_tree_id = p.message_tree_id
         where p.message_id = $1",
        target,
        user,
        kind.as_str(),
        limits.span_secs,
        i64::from(limits.reviews_prompt),
        i64::from(limits.reviews_reply),
        limits.rankings,
    )
    .fetch_optional(&mut *conn)
    .await?;
    Ok(room.unwrap_or(false))
}
