//! The `retrain_schedule`, `retrain_run` and `model_held_out_tree` tables, and the reads of
//! scores and rankings the reward loop (active learning, promotion, disagreement review) needs.

use crate::Error;
use sqlx::{PgConnection, PgExecutor};
use time::OffsetDateTime;
use uuid::Uuid;

pub(crate) struct ScheduleRow {
    pub lang: String,
    pub every_rankings: i32,
    pub enabled: bool,
    pub settings: serde_json::Value,
    pub updated_by: Uuid,
    pub updated_at: OffsetDateTime,
}

pub(crate) struct RunRow {
    pub run_id: Uuid,
    pub lang: String,
    pub trigger: String,
    pub state: String,
    pub new_rankings: i64,
    pub train_job: Uuid,
    pub score_job: Option<Uuid>,
    pub baseline_job: Option<Uuid>,
    pub candidate_accuracy: Option<f64>,
    pub baseline_accuracy: Option<f64>,
    pub held_out_pairs: Option<i32>,
    pub reason: Option<String>,
    pub created_at: OffsetDateTime,
    pub decided_at: Option<OffsetDateTime>,
}

pub(crate) async fn upsert_schedule(
    executor: impl PgExecutor<'_>,
    lang: &str,
    every_rankings: i32,
    enabled: bool,
    settings: &serde_json::Value,
    user: Uuid,
) -> Result<(), Error> {
    sqlx::query!(
        "insert into retrain_schedule (lang, every_rankings, enabled, settings, updated_by)
         values ($1, $2, $3, $4, $5)
         on conflict (lang) do update set every_rankings = excluded.every_rankings,
             enabled = excluded.enabled, settings = excluded.settings,
             updated_by = excluded.updated_by, updated_at = now()",
        lang,
        every_rankings,
        enabled,
        settings,
        user,
    )
    .execute(executor)
    .await?;
    Ok(())
}

pub(crate) async fn schedules(executor: impl PgExecutor<'_>) -> Result<Vec<ScheduleRow>, Error> {
    Ok(sqlx::query_as!(
        ScheduleRow,
        "select lang, every_rankings, enabled, settings, updated_by, updated_at
         from retrain_schedule order by lang"
    )
    .fetch_all(executor)
    .await?)
}

pub(crate) async fn schedule(
    executor: impl PgExecutor<'_>,
    lang: &str,
) -> Result<Option<ScheduleRow>, Error> {
    Ok(sqlx::query_as!(
        ScheduleRow,
        "select lang, every_rankings, enabled, settings, updated_by, updated_at
         from retrain_schedule where lang = $1",
        lang
    )
    .fetch_optional(executor)
    .await?)
}

/// Locks a due-looking schedule for this transaction; None when another server holds it.
pub(crate) async fn lock_schedule(conn: &mut PgConnection, lang: &str) -> Result<bool, Error> {
    Ok(sqlx::query_scalar!(
        "select lang from retrain_schedule where lang = $1 for update skip locked",
        lang
    )
    .fetch_optional(conn)
    .await?
    .is_some())
}

/// Serialises starting runs of one language across processes (until the transaction ends).
pub(crate) async fn lock_language(conn: &mut PgConnection, lang: &str) -> Result<(), Error> {
    sqlx::query!(
        "select pg_advisory_xact_lock(hashtext('grove.retrain.' || $1::text))",
        lang
    )
    .execute(conn)
    .await?;
    Ok(())
}

/// Locks a run that is still scoring; false when it was decided or another process holds it.
pub(crate) async fn lock_scoring(conn: &mut PgConnection, run: Uuid) -> Result<bool, Error> {
    Ok(sqlx::query_scalar!(
        "select run_id from retrain_run where run_id = $1 and state = 'scoring'
         for update skip locked",
        run
    )
    .fetch_optional(conn)
    .await?
    .is_some())
}

/// Rankings in the language since its latest run started (all of them before the first run),
/// counted up to `cap`.
pub(crate) async fn new_rankings(
    executor: impl PgExecutor<'_>,
    lang: &str,
    cap: i64,
) -> Result<i64, Error> {
    Ok(sqlx::query_scalar!(
        r#"select count(*) as "count!" from (
             select 1 from ranking r join message_tree t on t.message_tree_id = r.message_tree_id
             where t.lang = $1 and not r.not_rankable
               and r.created_at > coalesce(
                   (select max(created_at) from retrain_run where lang = $1), '-infinity')
             limit $2) counted"#,
        lang,
        cap,
    )
    .fetch_one(executor)
    .await?)
}

pub(crate) async fn in_flight(executor: impl PgExecutor<'_>, lang: &str) -> Result<bool, Error> {
    Ok(sqlx::query_scalar!(
        r#"select exists (select 1 from retrain_run
                          where lang = $1 and state in ('training', 'scoring')) as "exists!""#,
        lang
    )
    .fetch_one(executor)
    .await?)
}

pub(crate) async fn insert_run(
    executor: impl PgExecutor<'_>,
    lang: &str,
    trigger: &str,
    new_rankings: i64,
    train_job: Uuid,
    created_by: Uuid,
) -> Result<Uuid, Error> {
    Ok(sqlx::query_scalar!(
        "insert into retrain_run (lang, trigger, state, new_rankings, train_job, created_by)
         values ($1, $2, 'training', $3, $4, $5) returning run_id",
        lang,
        trigger,
        new_rankings,
        train_job,
        created_by,
    )
    .fetch_one(executor)
    .await?)
}

/// Runs in flight, each with the states of its jobs (train, candidate scoring, baseline
/// scoring); runs another server is advancing are skipped.
pub(crate) struct FlightRow {
    pub run_id: Uuid,
    pub lang: String,
    pub state: String,
    pub train_job: Uuid,
    pub created_by: Uuid,
    pub train_state: String,
    pub train_error: Option<String>,
    pub score_state: Option<String>,
    pub baseline_job: Option<Uuid>,
    pub baseline_score_job: Option<Uuid>,
    pub baseline_score_state: Option<String>,
    pub score_error: Option<String>,
}

pub(crate) async fn lock_in_flight(conn: &mut PgConnection) -> Result<Vec<FlightRow>, Error> {
    Ok(sqlx::query_as!(
        FlightRow,
        r#"select r.run_id, r.lang, r.state, r.train_job, r.created_by,
                  tj.state as train_state, tj.error as train_error,
                  sj.state as "score_state?", r.baseline_job, r.baseline_score_job,
                  bj.state as "baseline_score_state?",
                  coalesce(sj.error, bj.error) as score_error
           from retrain_run r
           join model_job tj on tj.job_id = r.train_job
           left join model_job sj on sj.job_id = r.score_job
           left join model_job bj on bj.job_id = r.baseline_score_job
           where r.state in ('training', 'scoring')
           order by r.created_at
           for update of r skip locked"#
    )
    .fetch_all(conn)
    .await?)
}

/// The runs in flight as [`lock_in_flight`] reads them, without locking them (runs another
/// process is moving included).
pub(crate) async fn peek_in_flight(executor: impl PgExecutor<'_>) -> Result<Vec<FlightRow>, Error> {
    Ok(sqlx::query_as!(
        FlightRow,
        r#"select r.run_id, r.lang, r.state, r.train_job, r.created_by,
                  tj.state as train_state, tj.error as train_error,
                  sj.state as "score_state?", r.baseline_job, r.baseline_score_job,
                  bj.state as "baseline_score_state?",
                  coalesce(sj.error, bj.error) as score_error
           from retrain_run r
           join model_job tj on tj.job_id = r.train_job
           left join model_job sj on sj.job_id = r.score_job
           left join model_job bj on bj.job_id = r.baseline_score_job
           where r.state in ('training', 'scoring')
           order by r.created_at"#
    )
    .fetch_all(executor)
    .await?)
}

pub(crate) async fn start_scoring(
    executor: impl PgExecutor<'_>,
    run: Uuid,
    score_job: Uuid,
    baseline_job: Option<Uuid>,
    baseline_score_job: Option<Uuid>,
) -> Result<(), Error> {
    sqlx::query!(
        "update retrain_run set state = 'scoring', score_job = $2, baseline_job = $3,
                baseline_score_job = $4
         where run_id = $1",
        run,
        score_job,
        baseline_job,
        baseline_score_job,
    )
    .execute(executor)
    .await?;
    Ok(())
}

#[allow(clippy::too_many_arguments)]
pub(crate) async fn decide(
    executor: impl PgExecutor<'_>,
    run: Uuid,
    state: &str,
    reason: &str,
    candidate_accuracy: Option<f64>,
    baseline_accuracy: Option<f64>,
    held_out_pairs: Option<i32>,
) -> Result<(), Error> {
    sqlx::query!(
        "update retrain_run set state = $2, reason = $3, candidate_accuracy = $4,
                baseline_accuracy = $5, held_out_pairs = $6, decided_at = now()
         where run_id = $1",
        run,
        state,
        reason,
        candidate_accuracy,
        baseline_accuracy,
        held_out_pairs,
    )
    .execute(executor)
    .await?;
    Ok(())
}

/// The language's current model: the training job of its latest promoted run.
pub(crate) async fn current_model(
    executor: impl PgExecutor<'_>,
    lang: &str,
) -> Result<Option<Uuid>, Error> {
    Ok(sqlx::query_scalar!(
        "select train_job from retrain_run where lang = $1 and state = 'promoted'
         order by decided_at desc limit 1",
        lang
    )
    .fetch_optional(executor)
    .await?)
}

/// The latest runs of every language, newest first, up to `per_lang` each.
pub(crate) async fn runs(
    executor: impl PgExecutor<'_>,
    per_lang: i64,
) -> Result<Vec<RunRow>, Error> {
    Ok(sqlx::query_as!(
        RunRow,
        "select run_id, lang, trigger, state, new_rankings, train_job, score_job, baseline_job,
                candidate_accuracy, baseline_accuracy, held_out_pairs, reason, created_at,
                decided_at
         from (select r.*, row_number() over (partition by lang order by created_at desc) as n
               from retrain_run r) numbered
         where n <= $1
         order by lang, created_at desc",
        per_lang
    )
    .fetch_all(executor)
    .await?)
}

/// The current (latest promoted) run of every language.
pub(crate) async fn current_runs(executor: impl PgExecutor<'_>) -> Result<Vec<RunRow>, Error> {
    Ok(sqlx::query_as!(
        RunRow,
        "select distinct on (lang) run_id, lang, trigger, state, new_rankings, train_job,
                score_job, baseline_job, candidate_accuracy, baseline_accuracy, held_out_pairs,
                reason, created_at, decided_at
         from retrain_run where state = 'promoted'
         order by lang, decided_at desc"
    )
    .fetch_all(executor)
    .await?)
}

pub(crate) async fn store_held_out(
    executor: impl PgExecutor<'_>,
    job: Uuid,
    trees: &[Uuid],
) -> Result<(), Error> {
    sqlx::query!(
        "insert into model_held_out_tree (model_job, tree_id)
         select $1, tree from unnest($2::uuid[]) tree
         join message_tree t on t.message_tree_id = tree
         on conflict do nothing",
        job,
        trees,
    )
    .execute(executor)
    .await?;
    Ok(())
}

pub(crate) async fn held_out_trees(
    executor: impl PgExecutor<'_>,
    job: Uuid,
) -> Result<Vec<Uuid>, Error> {
    Ok(sqlx::query_scalar!(
        "select tree_id from model_held_out_tree where model_job = $1 order by tree_id",
        job
    )
    .fetch_all(executor)
    .await?)
}

/// The trees of the language still open for work (growing or ranking).
pub(crate) async fn open_trees(
    executor: impl PgExecutor<'_>,
    lang: &str,
) -> Result<Vec<Uuid>, Error> {
    Ok(sqlx::query_scalar!(
        "select message_tree_id from message_tree
         where lang = $1 and state in ('growing', 'ranking')",
        lang
    )
    .fetch_all(executor)
    .await?)
}

/// The scores one model gave the given messages.
pub(crate) async fn scores_by(
    executor: impl PgExecutor<'_>,
    model_job: Uuid,
    messages: &[Uuid],
) -> Result<Vec<(Uuid, f32)>, Error> {
    Ok(sqlx::query!(
        "select message_id, score from message_score
         where model_job = $1 and message_id = any($2)",
        model_job,
        messages,
    )
    .fetch_all(executor)
    .await?
    .into_iter()
    .map(|row| (row.message_id, row.score))
    .collect())
}

pub(crate) struct SignalRow {
    pub parent_id: Uuid,
    pub message_id: Uuid,
    pub score: Option<f32>,
}

/// The rankable replies of the given parents with the language's current model's score
/// (None when it has not scored them).
pub(crate) async fn reply_scores(
    executor: impl PgExecutor<'_>,
    lang: &str,
    parents: &[Uuid],
) -> Result<Vec<SignalRow>, Error> {
    Ok(sqlx::query_as!(
        SignalRow,
        r#"with model as (
               select train_job from retrain_run where lang = $1 and state = 'promoted'
               order by decided_at desc limit 1)
           select m.parent_id as "parent_id!", m.message_id, s.score as "score?"
           from message m
           left join message_score s
             on s.message_id = m.message_id and s.model_job = (select train_job from model)
           where m.parent_id = any($2) and not m.deleted and m.review_result
             and exists (select 1 from model)"#,
        lang,
        parents,
    )
    .fetch_all(executor)
    .await?)
}

pub(crate) struct BallotRow {
    pub parent_id: Uuid,
    pub user_id: Uuid,
    pub ranked_ids: Vec<Uuid>,
    pub tie_groups: Vec<i32>,
}

/// The rankings of the given parents (not-rankable answers left out).
pub(crate) async fn ballots(
    executor: impl PgExecutor<'_>,
    parents: &[Uuid],
) -> Result<Vec<BallotRow>, Error> {
    Ok(sqlx::query_as!(
        BallotRow,
        "select parent_id, user_id, ranked_ids, tie_groups from ranking
         where parent_id = any($1) and not not_rankable
         order by created_at",
        parents
    )
    .fetch_all(executor)
    .await?)
}

/// The parents of the language with rankings whose replies the model scored, latest ranked
/// first, up to `limit`.
pub(crate) async fn scored_ranked_parents(
    executor: impl PgExecutor<'_>,
    lang: &str,
    model_job: Uuid,
    limit: i64,
) -> Result<Vec<Uuid>, Error> {
    Ok(sqlx::query_scalar!(
        r#"select r.parent_id as "parent_id!" from ranking r
           join message_tree t on t.message_tree_id = r.message_tree_id
           where t.lang = $1 and not r.not_rankable
             and exists (select 1 from message_score s
                         where s.model_job = $2 and s.message_id = r.ranked_ids[1])
           group by r.parent_id
           order by max(r.created_at) desc
           limit $3"#,
        lang,
        model_job,
        limit,
    )
    .fetch_all(executor)
    .await?)
}

/// Texts of messages.
pub(crate) async fn texts(
    executor: impl PgExecutor<'_>,
    messages: &[Uuid],
) -> Result<Vec<(Uuid, String)>, Error> {
    Ok(sqlx::query!(
        "select message_id, text from message where message_id = any($1)",
        messages
    )
    .fetch_all(executor)
    .await?
    .into_iter()
    .map(|row| (row.message_id, row.text))
    .collect())
}

/// Display names of users.
pub(crate) async fn display_names(
    executor: impl PgExecutor<'_>,
    users: &[Uuid],
) -> Result<Vec<(Uuid, String)>, Error> {
    Ok(sqlx::query!(
        "select user_id, display_name from app_user where user_id = any($1)",
        users
    )
    .fetch_all(executor)
    .await?
    .into_iter()
    .map(|row| (row.user_id, row.display_name))
    .collect())
}
