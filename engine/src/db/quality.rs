//! Annotator evidence and weights (`annotator_quality`), the decided outcome of reviews and
//! rankings, and the rows agreement is measured on.

use crate::Error;
use domain::quality::reliability::{Confusion, Evidence, Reliability};
use sqlx::{PgConnection, PgExecutor};
use time::OffsetDateTime;
use uuid::Uuid;

/// One annotator's stored evidence and weights.
pub(crate) struct QualityRow {
    pub user_id: Uuid,
    pub evidence: Evidence,
    pub tasks_done: i32,
    pub label_weight: f64,
    pub ranking_weight: f64,
    pub flag: Option<String>,
    pub flagged_at: Option<OffsetDateTime>,
}

fn count(value: i32) -> u32 {
    u32::try_from(value.max(0)).unwrap_or(0)
}

fn stored(value: u32) -> i32 {
    i32::try_from(value).unwrap_or(i32::MAX)
}

macro_rules! quality_row {
    ($r:expr) => {
        QualityRow {
            user_id: $r.user_id,
            evidence: Evidence {
                labels: Confusion {
                    agreed_yes: count($r.agreed_yes),
                    missed_yes: count($r.missed_yes),
                    false_yes: count($r.false_yes),
                    agreed_no: count($r.agreed_no),
                },
                pairs_agreed: count($r.pairs_agreed),
                pairs_reversed: count($r.pairs_reversed),
                rankings: count($r.rankings),
                gold_correct: count($r.gold_correct),
                gold_total: count($r.gold_total),
            },
            tasks_done: $r.tasks_done,
            label_weight: $r.label_weight,
            ranking_weight: $r.ranking_weight,
            flag: $r.flag,
            flagged_at: $r.flagged_at,
        }
    };
}

/// The stored evidence of a user, if any.
pub(crate) async fn of_user(
    executor: impl PgExecutor<'_>,
    user: Uuid,
) -> Result<Option<QualityRow>, Error> {
    let row = sqlx::query!(
        "select user_id, agreed_yes, missed_yes, false_yes, agreed_no,
                pairs_agreed, pairs_reversed, rankings, gold_correct, gold_total, tasks_done,
                label_weight, ranking_weight, flag, flagged_at
         from annotator_quality where user_id = $1",
        user,
    )
    .fetch_optional(executor)
    .await?;
    Ok(row.map(|r| quality_row!(r)))
}

/// Every annotator's stored evidence (for the reliability export and the quality report).
pub(crate) async fn all(executor: impl PgExecutor<'_>) -> Result<Vec<QualityRow>, Error> {
    let rows = sqlx::query!(
        "select user_id, agreed_yes, missed_yes, false_yes, agreed_no,
                pairs_agreed, pairs_reversed, rankings, gold_correct, gold_total, tasks_done,
                label_weight, ranking_weight, flag, flagged_at
         from annotator_quality order by user_id",
    )
    .fetch_all(executor)
    .await?;
    Ok(rows.into_iter().map(|r| quality_row!(r)).collect())
}

/// Locks the users' rows (creating the missing ones) in id order, so concurrent updates of
/// overlapping sets of annotators never deadlock, and returns their evidence.
pub(crate) async fn lock(
    conn: &mut PgConnection,
    users: &[Uuid],
) -> Result<Vec<QualityRow>, Error> {
    let mut ids = users.to_vec();
    ids.sort_unstable();
    ids.dedup();
    sqlx::query!(
        "insert into annotator_quality (user_id)
         select id from unnest($1::uuid[]) as id order by id
         on conflict (user_id) do nothing",
        &ids,
    )
    .execute(&mut *conn)
    .await?;
    let rows = sqlx::query!(
        "select user_id, agreed_yes, missed_yes, false_yes, agreed_no,
                pairs_agreed, pairs_reversed, rankings, gold_correct, gold_total, tasks_done,
                label_weight, ranking_weight, flag, flagged_at
         from annotator_quality where user_id = any($1) order by user_id for update",
        &ids,
    )
    .fetch_all(&mut *conn)
    .await?;
    Ok(rows.into_iter().map(|r| quality_row!(r)).collect())
}

/// Stores new evidence and the weights and flag derived from it, and adds `tasks_done` finished
/// tasks. The flag time is kept while the flag stays, set when it appears and cleared when it
/// goes.
pub(crate) async fn store(
    executor: impl PgExecutor<'_>,
    user: Uuid,
    evidence: &Evidence,
    reliability: &Reliability,
    tasks_done: i32,
) -> Result<(), Error> {
    let flag = reliability.flag.map(|flag| flag.as_str());
    sqlx::query!(
        "update annotator_quality set
             agreed_yes = $2, missed_yes = $3, false_yes = $4,
             agreed_no = $5, pairs_agreed = $6, pairs_reversed = $7, rankings = $8,
             gold_correct = $9, gold_total = $10, label_weight = $11, ranking_weight = $12,
             flagged_at = case when $13::text is null then null else coalesce(flagged_at, now()) end,
             flag = $13, tasks_done = tasks_done + $14, updated_at = now()
         where user_id = $1",
        user,
        stored(evidence.labels.agreed_yes),
        stored(evidence.labels.missed_yes),
        stored(evidence.labels.false_yes),
        stored(evidence.labels.agreed_no),
        stored(evidence.pairs_agreed),
        stored(evidence.pairs_reversed),
        stored(evidence.rankings),
        stored(evidence.gold_correct),
        stored(evidence.gold_total),
        reliability.label_weight,
        reliability.ranking_weight,
        flag,
        tasks_done,
    )
    .execute(executor)
    .await?;
    Ok(())
}

/// Each review of a message: its reviewer, label id, the two deciding answers and the
/// reviewer's label weight (`None` for a reviewer without evidence yet).
pub(crate) struct WeightedReview {
    pub label_id: Uuid,
    pub user_id: Uuid,
    pub spam: Option<f64>,
    pub lang_mismatch: Option<f64>,
    pub weight: Option<f64>,
}

pub(crate) async fn reviews_of(
    executor: impl PgExecutor<'_>,
    message: Uuid,
) -> Result<Vec<WeightedReview>, Error> {
    let rows = sqlx::query!(
        "select l.label_id, l.user_id,
                (l.labels ->> 'spam')::float8 as spam,
                (l.labels ->> 'lang_mismatch')::float8 as lang_mismatch,
                q.label_weight as \"weight?\"
         from label l left join annotator_quality q on q.user_id = l.user_id
         where l.message_id = $1 and l.task_id is not null
         order by l.created_at, l.label_id",
        message,
    )
    .fetch_all(executor)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| WeightedReview {
            label_id: r.label_id,
            user_id: r.user_id,
            spam: r.spam,
            lang_mismatch: r.lang_mismatch,
            weight: r.weight,
        })
        .collect())
}

/// Records which reviews agreed with the decision on their message.
pub(crate) async fn set_review_agreement(
    executor: impl PgExecutor<'_>,
    labels: &[Uuid],
    agrees: &[bool],
) -> Result<(), Error> {
    sqlx::query!(
        "update label set agrees = v.agrees
         from unnest($1::uuid[], $2::bool[]) as v(label_id, agrees)
         where label.label_id = v.label_id",
        labels,
        agrees,
    )
    .execute(executor)
    .await?;
    Ok(())
}

/// Each ranking of a parent: its id, ranker, ids best first, tie groups, the all-bad flag and
/// the ranker's ranking weight (`None` without evidence yet).
pub(crate) struct WeightedRanking {
    pub ranking_id: Uuid,
    pub user_id: Uuid,
    pub ranked_ids: Vec<Uuid>,
    pub tie_groups: Vec<i32>,
    pub not_rankable: bool,
    pub weight: Option<f64>,
}

pub(crate) async fn rankings_of(
    executor: impl PgExecutor<'_>,
    parent: Uuid,
) -> Result<Vec<WeightedRanking>, Error> {
    let rows = sqlx::query!(
        "select r.ranking_id, r.user_id, r.ranked_ids, r.tie_groups, r.not_rankable,
                q.ranking_weight as \"weight?\"
         from ranking r left join annotator_quality q on q.user_id = r.user_id
         where r.parent_id = $1
         order by r.created_at, r.ranking_id",
        parent,
    )
    .fetch_all(executor)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| WeightedRanking {
            ranking_id: r.ranking_id,
            user_id: r.user_id,
            ranked_ids: r.ranked_ids,
            tie_groups: r.tie_groups,
            not_rankable: r.not_rankable,
            weight: r.weight,
        })
        .collect())
}

/// Records each ranking's tau-b with the consensus (null where undefined).
pub(crate) async fn set_ranking_agreement(
    executor: impl PgExecutor<'_>,
    rankings: &[Uuid],
    taus: &[Option<f64>],
) -> Result<(), Error> {
    sqlx::query!(
        "update ranking set consensus_tau = v.tau
         from unnest($1::uuid[], $2::float8[]) as v(ranking_id, tau)
         where ranking.ranking_id = v.ranking_id",
        rankings,
        taus as &[Option<f64>],
    )
    .execute(executor)
    .await?;
    Ok(())
}

/// One review of the agreement report: message, language, week, label values.
pub(crate) struct ReviewRow {
    pub message_id: Uuid,
    pub lang: String,
    pub week: OffsetDateTime,
    pub labels: serde_json::Value,
    pub depth: i32,
    pub review_result: Option<bool>,
}

/// Task reviews of messages written in `[from, to)`, optionally in one language.
pub(crate) async fn reviews_between(
    executor: impl PgExecutor<'_>,
    from: OffsetDateTime,
    to: OffsetDateTime,
    lang: Option<&str>,
) -> Result<Vec<ReviewRow>, Error> {
    let rows = sqlx::query!(
        "select l.message_id, m.lang, date_trunc('week', m.created_at) as \"week!\", l.labels,
                m.depth, m.review_result
         from label l join message m on m.message_id = l.message_id
         where l.task_id is not null and m.created_at >= $1 and m.created_at < $2
           and ($3::text is null or m.lang = $3) and not m.deleted
         order by l.message_id",
        from,
        to,
        lang,
    )
    .fetch_all(executor)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| ReviewRow {
            message_id: r.message_id,
            lang: r.lang,
            week: r.week,
            labels: r.labels,
            depth: r.depth,
            review_result: r.review_result,
        })
        .collect())
}

/// One ranking of the agreement report.
pub(crate) struct RankingRow {
    pub parent_id: Uuid,
    pub lang: String,
    pub week: OffsetDateTime,
    pub ranked_ids: Vec<Uuid>,
    pub tie_groups: Vec<i32>,
}

/// Rankings (not "all bad") of parents whose replies were ranked in `[from, to)`.
pub(crate) async fn rankings_between(
    executor: impl PgExecutor<'_>,
    from: OffsetDateTime,
    to: OffsetDateTime,
    lang: Option<&str>,
) -> Result<Vec<RankingRow>, Error> {
    let rows = sqlx::query!(
        "select r.parent_id, t.lang,
                date_trunc('week', (select min(o.created_at) from ranking o where o.parent_id = r.parent_id)) as \"week!\",
                r.ranked_ids, r.tie_groups
         from ranking r join message_tree t on t.message_tree_id = r.message_tree_id
         where not r.not_rankable and r.created_at >= $1 and r.created_at < $2
           and ($3::text is null or t.lang = $3)
         order by r.parent_id, r.created_at",
        from,
        to,
        lang,
    )
    .fetch_all(executor)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| RankingRow {
            parent_id: r.parent_id,
            lang: r.lang,
            week: r.week,
            ranked_ids: r.ranked_ids,
            tie_groups: r.tie_groups,
        })
        .collect())
}

/// Rankings (not "all bad") in the given trees: parent, ids best first, tie groups.
pub(crate) async fn rankings_of_trees(
    executor: impl PgExecutor<'_>,
    trees: &[Uuid],
) -> Result<Vec<(Uuid, Vec<Uuid>, Vec<i32>)>, Error> {
    let rows = sqlx::query!(
        "select parent_id, ranked_ids, tie_groups from ranking
         where message_tree_id = any($1) and not not_rankable
         order by parent_id, created_at, ranking_id",
        trees,
    )
    .fetch_all(executor)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| (r.parent_id, r.ranked_ids, r.tie_groups))
        .collect())
}

/// Rankings of the given parents.
pub(crate) async fn rankings_of_parents(
    executor: impl PgExecutor<'_>,
    parents: &[Uuid],
) -> Result<Vec<(Uuid, Vec<Uuid>, Vec<i32>)>, Error> {
    let rows = sqlx::query!(
        "select parent_id, ranked_ids, tie_groups from ranking
         where parent_id = any($1) and not not_rankable
         order by parent_id, created_at, ranking_id",
        parents,
    )
    .fetch_all(executor)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| (r.parent_id, r.ranked_ids, r.tie_groups))
        .collect())
}

/// Flagged annotators with their evidence, newest flag first.
pub(crate) async fn flagged(executor: impl PgExecutor<'_>) -> Result<Vec<QualityRow>, Error> {
    let rows = sqlx::query!(
        "select user_id, agreed_yes, missed_yes, false_yes, agreed_no,
                pairs_agreed, pairs_reversed, rankings, gold_correct, gold_total, tasks_done,
                label_weight, ranking_weight, flag, flagged_at
         from annotator_quality where flag is not null order by flagged_at desc, user_id",
    )
    .fetch_all(executor)
    .await?;
    Ok(rows.into_iter().map(|r| quality_row!(r)).collect())
}

/// The stored consensus order (by rank) of the children of each parent that has ranks.
pub(crate) async fn consensus_orders(
    executor: impl PgExecutor<'_>,
    parents: &[Uuid],
) -> Result<Vec<(Uuid, Vec<Uuid>)>, Error> {
    let rows = sqlx::query!(
        "select parent_id as \"parent_id!\", array_agg(message_id order by rank) as \"children!\"
         from message where parent_id = any($1) and rank is not null and not deleted
         group by parent_id",
        parents,
    )
    .fetch_all(executor)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| (r.parent_id, r.children))
        .collect())
}

/// Annotators with evidence and their usernames: flagged first, then by evidence.
pub(crate) async fn annotators(
    executor: impl PgExecutor<'_>,
    limit: i64,
) -> Result<Vec<(QualityRow, String)>, Error> {
    let rows = sqlx::query!(
        "select q.user_id, q.agreed_yes, q.missed_yes, q.false_yes,
                q.agreed_no, q.pairs_agreed, q.pairs_reversed, q.rankings, q.gold_correct,
                q.gold_total, q.tasks_done, q.label_weight, q.ranking_weight, q.flag, q.flagged_at,
                u.username
         from annotator_quality q join app_user u on u.user_id = q.user_id
         where not u.deleted
         order by q.flag is null, q.agreed_yes + q.missed_yes + q.false_yes
                  + q.agreed_no + q.pairs_agreed + q.pairs_reversed + q.gold_total desc,
                  q.user_id
         limit $1",
        limit,
    )
    .fetch_all(executor)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| {
            let username = r.username.clone();
            (quality_row!(r), username)
        })
        .collect())
}

/// A decided message of a tree grown here (not imported): text, depth, verdict and the labels
/// of each of its reviews (for the simulation's report against the hidden truth).
pub(crate) struct DecidedMessage {
    pub text: String,
    pub depth: i32,
    pub accepted: bool,
    pub reviews: Vec<serde_json::Value>,
}

pub(crate) async fn decided_messages(
    executor: impl PgExecutor<'_>,
) -> Result<Vec<DecidedMessage>, Error> {
    Ok(sqlx::query_as!(
        DecidedMessage,
        "select m.text, m.depth, m.review_result as \"accepted!\",
                coalesce(array_agg(l.labels order by l.created_at) filter (where l.label_id is not null),
                         '{}') as \"reviews!\"
         from message m
         join message_tree t on t.message_tree_id = m.message_tree_id
         left join label l on l.message_id = m.message_id and l.task_id is not null
         where m.review_result is not null and t.origin is null and not m.deleted
         group by m.message_id",
    )
    .fetch_all(executor)
    .await?)
}

/// The ranked children of every scored parent of a tree grown here, best first, with texts.
pub(crate) async fn scored_sets(
    executor: impl PgExecutor<'_>,
) -> Result<Vec<(Uuid, Vec<Uuid>, Vec<String>)>, Error> {
    let rows = sqlx::query!(
        "select c.parent_id as \"parent_id!\",
                array_agg(c.message_id order by c.rank) as \"children!\",
                array_agg(c.text order by c.rank) as \"texts!\"
         from message c join message_tree t on t.message_tree_id = c.message_tree_id
         where c.rank is not null and not c.deleted and t.origin is null
         group by c.parent_id",
    )
    .fetch_all(executor)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| (r.parent_id, r.children, r.texts))
        .collect())
}
