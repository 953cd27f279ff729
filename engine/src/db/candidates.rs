//! The queries behind task choice: how much work a language has outstanding, and which items
//! one annotator may take. Items the annotator wrote, already did or skipped are left out, and
//! so are items whose open tasks (held by others, asked for within the reservation span)
//! already cover the work still needed. Open gold tasks reserve nothing: their answers do not
//! count as reviews or rankings of the live item.

use crate::Error;
use domain::task::{chooser::Backlog, TaskCategory, TaskKind};
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
           exists (select 1 from language_pause where lang = $1) as \"prompts_paused!\",
           (select count(distinct user_id) from task
            where lang = $1 and done_at is null and skipped_at is null
              and created_at > now() - interval '10 minutes') as \"active_annotators!\"",
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
        active_annotators: count(row.active_annotators),
    })
}

/// How many prompts the user may review (`reply_role` none: roots of trees under prompt review) or replies in
/// that role (in growing trees).
pub(crate) async fn reviews(
    executor: impl PgExecutor<'_>,
    user: Uuid,
    lang: &str,
    reply_role: Option<&str>,
    limits: &Limits,
) -> Result<u32, Error> {
    let root = reply_role.is_none();
    let needed = if root {
        limits.reviews_prompt
    } else {
        limits.reviews_reply
    };
    let row = sqlx::query_scalar!(
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
         select count(*) as \"count!\" from candidates",
        user,
        lang,
        root,
        limits.span_secs,
        i64::from(needed),
        reply_role,
    )
    .fetch_one(executor)
    .await?;
    Ok(count(row))
}

/// How many messages in `parent_role` the user may reply to.
pub(crate) async fn parents(
    executor: impl PgExecutor<'_>,
    user: Uuid,
    lang: &str,
    parent_role: &str,
    limits: &Limits,
) -> Result<u32, Error> {
    let row = sqlx::query_scalar!(
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
         select count(*) as \"count!\" from candidates",
        user,
        lang,
        limits.span_secs,
        i64::from(limits.lonely_children),
        parent_role,
    )
    .fetch_one(executor)
    .await?;
    Ok(count(row))
}

/// How many parents' replies the user may rank (none of which the user wrote).
pub(crate) async fn rankings(
    executor: impl PgExecutor<'_>,
    user: Uuid,
    lang: &str,
    limits: &Limits,
) -> Result<u32, Error> {
    let row = sqlx::query_scalar!(
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
         select count(*) as \"count!\" from candidates",
        user,
        lang,
        limits.span_secs,
        limits.rankings,
        limits.rank_prompter_replies,
    )
    .fetch_one(executor)
    .await?;
    Ok(count(row))
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
    room(conn, user, target, kind, limits).await
}

/// One item of the language survey: open work on a message, before anyone's own exclusions.
pub(crate) struct OpenItem {
    /// `label_prompt`, `label_assistant`, `label_prompter`, `reply_to_prompter`,
    /// `reply_to_assistant` or `rank`.
    pub work: String,
    pub message_id: Uuid,
    pub author: Uuid,
    /// The parent's role (`rank`: whose children are ranked).
    pub role: String,
    /// Units of work still free: reviews, reply slots or rankings, less open reservations.
    pub free: i64,
    /// A prompter message with one reply so far (only `reply_to_prompter`).
    pub lonely: bool,
}

/// Every item of a language with work still free, for all annotators at once: prompts to
/// review, replies to review, parents with reply slots, sibling sets to rank. Reservations are
/// everyone's open tasks of the span; an annotator's own exclusions (what they wrote, did or
/// skipped) are checked per request by [`eligible`]. At most `per_work` items of each kind,
/// drawn at random.
pub(crate) async fn open_items(
    executor: impl PgExecutor<'_>,
    lang: &str,
    limits: &Limits,
    per_work: i64,
) -> Result<Vec<OpenItem>, Error> {
    Ok(sqlx::query_as!(
        OpenItem,
        "with reserved as (
             select k.message_id,
                    count(*) filter (where k.kind in ('assistant_reply', 'prompter_reply')) as replies,
                    count(*) filter (where k.kind like 'label_%' and k.gold_id is null) as reviews,
                    count(*) filter (where k.kind like 'rank_%' and k.gold_id is null) as ranks
             from task k
             where k.lang = $1 and k.done_at is null and k.skipped_at is null
               and k.created_at > now() - make_interval(secs => $2) and k.message_id is not null
             group by k.message_id
         ),
         trees as (
             select t.* from message_tree t
             where t.lang = $1 and t.state in ('initial_prompt_review', 'growing', 'ranking')
         ),
         live as (
             select m.*, t.state, t.goal_tree_size, t.max_depth, t.max_children_count, t.num_prompter_replies
             from message m join trees t on t.message_tree_id = m.message_tree_id
             where not m.deleted
         ),
         sizes as (
             select message_tree_id, count(*) as size from live
             where state = 'growing' and review_result is not false
             group by message_tree_id
         ),
         children as (
             select parent_id,
                    count(*) filter (where review_result is not false) as kept,
                    count(*) filter (where review_result and (role = 'assistant' or $7)) as rankable
             from live where parent_id is not null
             group by parent_id
         ),
         items as (
             select case when m.depth = 0 then 'label_prompt' else 'label_' || m.role end as work,
                    m.message_id, m.user_id as author, m.role,
                    (case when m.depth = 0 then $3::bigint else $4::bigint end) - m.review_count
                      - coalesce(r.reviews, 0) as free,
                    false as lonely
             from live m left join reserved r on r.message_id = m.message_id
             where m.review_result is null
               and ((m.depth = 0 and m.state = 'initial_prompt_review') or (m.depth > 0 and m.state = 'growing'))
             union all
             select case p.role when 'prompter' then 'reply_to_prompter' else 'reply_to_assistant' end,
                    p.message_id, p.user_id, p.role,
                    (case p.role when 'prompter' then p.max_children_count
                                 else least(p.num_prompter_replies, p.max_children_count) end)::bigint
                      - coalesce(c.kept, 0) - coalesce(r.replies, 0),
                    p.role = 'prompter' and coalesce(c.kept, 0) >= 1 and coalesce(c.kept, 0) < $6
             from live p
             join sizes s on s.message_tree_id = p.message_tree_id
             left join children c on c.parent_id = p.message_id
             left join reserved r on r.message_id = p.message_id
             where p.state = 'growing' and p.review_result and p.depth < p.max_depth
               and s.size < p.goal_tree_size
             union all
             select 'rank', p.message_id, p.user_id, p.role,
                    $5::bigint - (select count(*) from ranking k where k.parent_id = p.message_id)
                      - coalesce(r.ranks, 0),
                    false
             from live p
             join children c on c.parent_id = p.message_id
             left join reserved r on r.message_id = p.message_id
             where p.state = 'ranking' and c.rankable >= 2
         ),
         drawn as (
             select i.*, row_number() over (partition by i.work order by random()) as n
             from items i where i.free > 0
         )
         select work as \"work!\", message_id as \"message_id!\", author as \"author!\", role as \"role!\",
                free as \"free!\", lonely as \"lonely!\"
         from drawn where n <= $8",
        lang,
        limits.span_secs,
        i64::from(limits.reviews_prompt),
        i64::from(limits.reviews_reply),
        limits.rankings,
        i64::from(limits.lonely_children),
        limits.rank_prompter_replies,
        per_work,
    )
    .fetch_all(executor)
    .await?)
}

/// What rules a user out of an item: a review, reply or ranking of their own on it, or a
/// skip of that kind of work.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Exclusion {
    Label,
    Reply,
    Rank,
}

/// Which of `items` (in order) the user may take for work of `exclusion`'s kind: not one they
/// already reviewed, replied to or ranked, nor one they skipped. Authorship is checked from
/// the survey. One statement per kind, each probing the unique index of its table per item
/// (rather than one statement for all kinds, whose generic plan read all of the user's
/// earlier work on every request).
pub(crate) async fn eligible(
    executor: impl PgExecutor<'_>,
    user: Uuid,
    items: &[Uuid],
    exclusion: Exclusion,
) -> Result<Vec<Uuid>, Error> {
    Ok(match exclusion {
        Exclusion::Label => sqlx::query_scalar!(
            "select c.id as \"id!\" from unnest($2::uuid[]) with ordinality as c(id, n)
             where not exists (select 1 from label l
                               where l.message_id = c.id and l.user_id = $1 and l.task_id is not null)
               and not exists (select 1 from reaction r
                               where r.message_id = c.id and r.user_id = $1
                                 and r.kind = 'skip_labeling')
             order by c.n",
            user,
            items,
        )
        .fetch_all(executor)
        .await?,
        Exclusion::Reply => sqlx::query_scalar!(
            "select c.id as \"id!\" from unnest($2::uuid[]) with ordinality as c(id, n)
             where not exists (select 1 from message ch
                               where ch.parent_id = c.id and ch.user_id = $1 and not ch.deleted)
               and not exists (select 1 from reaction r
                               where r.message_id = c.id and r.user_id = $1
                                 and r.kind = 'skip_reply')
             order by c.n",
            user,
            items,
        )
        .fetch_all(executor)
        .await?,
        Exclusion::Rank => sqlx::query_scalar!(
            "select c.id as \"id!\" from unnest($2::uuid[]) with ordinality as c(id, n)
             where not exists (select 1 from message ch
                               where ch.parent_id = c.id and ch.user_id = $1 and not ch.deleted)
               and not exists (select 1 from ranking r where r.parent_id = c.id and r.user_id = $1)
               and not exists (select 1 from reaction r
                               where r.message_id = c.id and r.user_id = $1
                                 and r.kind = 'skip_ranking')
             order by c.n",
            user,
            items,
        )
        .fetch_all(executor)
        .await?,
    })
}

/// The outcome of trying to claim an item.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Claim {
    /// The tree is locked by this transaction and the item has room.
    Taken,
    /// Another transaction holds the tree right now: try another item.
    Busy,
    /// No room left (or the item is gone).
    Full,
}

/// Like [`claim`], but passes a tree another transaction holds instead of waiting for it.
/// The room is counted in a statement after the lock is taken: a statement's snapshot is taken
/// when it starts, so counting in the locking statement itself could miss a task another
/// transaction committed just before releasing the tree.
pub(crate) async fn try_claim(
    conn: &mut sqlx::PgConnection,
    user: Uuid,
    target: Uuid,
    kind: TaskKind,
    limits: &Limits,
) -> Result<Claim, Error> {
    let locked = sqlx::query_scalar!(
        "select t.message_tree_id from message m join message_tree t on t.message_tree_id = m.message_tree_id
         where m.message_id = $1
         for no key update of t skip locked",
        target
    )
    .fetch_optional(&mut *conn)
    .await?;
    if locked.is_none() {
        // held by another transaction (or the message is gone; the waiting claim tells)
        return Ok(Claim::Busy);
    }
    Ok(if room(conn, user, target, kind, limits).await? {
        Claim::Taken
    } else {
        Claim::Full
    })
}

/// Whether a task of `kind` on `target` still has a free slot, counting the open tasks others
/// committed meanwhile, and whether its tree is still in the state the task needs. Call with
/// the tree locked. One statement per kind of work (a statement for all kinds set up every
/// kind's counts on each run).
async fn room(
    conn: &mut sqlx::PgConnection,
    user: Uuid,
    target: Uuid,
    kind: TaskKind,
    limits: &Limits,
) -> Result<bool, Error> {
    let room = match kind.category() {
        TaskCategory::Reply | TaskCategory::InitialPrompt => sqlx::query_scalar!(
            "select not p.deleted and t.state = 'growing' and p.review_result is true
                    and p.depth < t.max_depth
                    and (select count(*) from message c
                         where c.parent_id = p.message_id and not c.deleted
                           and c.review_result is not false)
                      + (select count(*) from task k
                         where k.message_id = p.message_id
                           and k.kind in ('assistant_reply', 'prompter_reply')
                           and k.user_id <> $2 and k.done_at is null and k.skipped_at is null
                           and k.created_at > now() - make_interval(secs => $3::float8))
                      < case p.role when 'prompter' then t.max_children_count
                                    else least(t.num_prompter_replies, t.max_children_count) end
                    as \"room!\"
             from message p join message_tree t on t.message_tree_id = p.message_tree_id
             where p.message_id = $1",
            target,
            user,
            limits.span_secs,
        )
        .fetch_optional(&mut *conn)
        .await?,
        TaskCategory::LabelPrompt | TaskCategory::LabelReply => sqlx::query_scalar!(
            "select not p.deleted and p.review_result is null
                    and t.state = case when p.depth = 0 then 'initial_prompt_review' else 'growing' end
                    and p.review_count
                      + (select count(*) from task k
                         where k.message_id = p.message_id and k.kind like 'label_%'
                           and k.user_id <> $2 and k.done_at is null and k.skipped_at is null
                           and k.gold_id is null
                           and k.created_at > now() - make_interval(secs => $3::float8))
                      < case when p.depth = 0 then $4::bigint else $5::bigint end
                    as \"room!\"
             from message p join message_tree t on t.message_tree_id = p.message_tree_id
             where p.message_id = $1",
            target,
            user,
            limits.span_secs,
            i64::from(limits.reviews_prompt),
            i64::from(limits.reviews_reply),
        )
        .fetch_optional(&mut *conn)
        .await?,
        TaskCategory::Ranking => sqlx::query_scalar!(
            "select not p.deleted and t.state = 'ranking'
                    and (select count(*) from ranking r where r.parent_id = p.message_id)
                      + (select count(*) from task k
                         where k.message_id = p.message_id and k.kind like 'rank_%'
                           and k.user_id <> $2 and k.done_at is null and k.skipped_at is null
                           and k.gold_id is null
                           and k.created_at > now() - make_interval(secs => $3::float8))
                      < $4::bigint
                    as \"room!\"
             from message p join message_tree t on t.message_tree_id = p.message_tree_id
             where p.message_id = $1",
            target,
            user,
            limits.span_secs,
            limits.rankings,
        )
        .fetch_optional(&mut *conn)
        .await?,
    };
    Ok(room.unwrap_or(false))
}
