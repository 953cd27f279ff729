//! What reward-model jobs read and write besides the queue: the ranked replies they train on,
//! the trained model's archive (`model_artifact_chunk`) and per-message scores
//! (`message_score`). Covered by the tests in `model_data.rs`.

use crate::Error;
use sqlx::{PgConnection, PgExecutor};
use uuid::Uuid;

/// A message of a tree chosen for training or scoring.
#[derive(Debug, Clone, sqlx::FromRow)]
pub(crate) struct MessageRow {
    pub message_id: Uuid,
    pub message_tree_id: Uuid,
    pub parent_id: Option<Uuid>,
    pub role: String,
    pub text: String,
    pub rank: Option<i32>,
}

/// Visible messages (not deleted, not rejected in review) of the trees in `states` and, when
/// given, `languages`.
pub(crate) async fn messages(
    executor: impl PgExecutor<'_>,
    states: &[String],
    languages: &[String],
) -> Result<Vec<MessageRow>, Error> {
    Ok(sqlx::query_as::<_, MessageRow>(
        "select m.message_id, m.message_tree_id, m.parent_id, m.role, m.text, m.rank
         from message m join message_tree t on t.message_tree_id = m.message_tree_id
         where t.state = any($1) and (cardinality($2::text[]) = 0 or t.lang = any($2))
           and not m.deleted and m.review_result is not false
         order by m.message_tree_id, m.depth, m.created_at",
    )
    .bind(states)
    .bind(languages)
    .fetch_all(executor)
    .await?)
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub(crate) struct RankingRow {
    pub parent_id: Uuid,
    pub ranked_ids: Vec<Uuid>,
    pub tie_groups: Vec<i32>,
}

/// Every annotator's own ranking of the given trees (rankings marked not rankable left out).
pub(crate) async fn rankings(
    executor: impl PgExecutor<'_>,
    trees: &[Uuid],
) -> Result<Vec<RankingRow>, Error> {
    Ok(sqlx::query_as::<_, RankingRow>(
        "select parent_id, ranked_ids, tie_groups from ranking
         where message_tree_id = any($1) and not not_rankable
         order by created_at",
    )
    .bind(trees)
    .fetch_all(executor)
    .await?)
}

/// Whether `worker` holds `job` now (running under its lease); locks the job row.
pub(crate) async fn lock_held(
    conn: &mut PgConnection,
    job_id: Uuid,
    worker: &str,
) -> Result<bool, Error> {
    Ok(sqlx::query_scalar::<_, i32>(
        "select 1 from model_job where job_id = $1 and worker = $2 and state = 'running'
         for update",
    )
    .bind(job_id)
    .bind(worker)
    .fetch_optional(conn)
    .await?
    .is_some())
}

pub(crate) async fn replace_artifact(
    conn: &mut PgConnection,
    job_id: Uuid,
    chunks: &[&[u8]],
    total: i64,
    result: &serde_json::Value,
) -> Result<(), Error> {
    sqlx::query("delete from model_artifact_chunk where job_id = $1")
        .bind(job_id)
        .execute(&mut *conn)
        .await?;
    for (index, bytes) in chunks.iter().enumerate() {
        sqlx::query("insert into model_artifact_chunk (job_id, chunk, bytes) values ($1, $2, $3)")
            .bind(job_id)
            .bind(i32::try_from(index).unwrap_or(i32::MAX))
            .bind(*bytes)
            .execute(&mut *conn)
            .await?;
    }
    set_result(&mut *conn, job_id, result, Some(total)).await
}

pub(crate) async fn set_result(
    executor: impl PgExecutor<'_>,
    job_id: Uuid,
    result: &serde_json::Value,
    artifact_bytes: Option<i64>,
) -> Result<(), Error> {
    sqlx::query(
        "update model_job set result = $2, artifact_bytes = coalesce($3, artifact_bytes)
         where job_id = $1",
    )
    .bind(job_id)
    .bind(result)
    .bind(artifact_bytes)
    .execute(executor)
    .await?;
    Ok(())
}

pub(crate) async fn artifact_chunk(
    executor: impl PgExecutor<'_>,
    job_id: Uuid,
    chunk: i32,
) -> Result<Option<Vec<u8>>, Error> {
    Ok(sqlx::query_scalar::<_, Vec<u8>>(
        "select bytes from model_artifact_chunk where job_id = $1 and chunk = $2",
    )
    .bind(job_id)
    .bind(chunk)
    .fetch_optional(executor)
    .await?)
}

pub(crate) async fn upsert_scores(
    executor: impl PgExecutor<'_>,
    model_job: Uuid,
    messages: &[Uuid],
    scores: &[f32],
) -> Result<(), Error> {
    sqlx::query(
        "insert into message_score (message_id, model_job, score)
         select m, $1, s from unnest($2::uuid[], $3::real[]) as u(m, s)
         on conflict (message_id, model_job) do update
         set score = excluded.score, scored_at = now()",
    )
    .bind(model_job)
    .bind(messages)
    .bind(scores)
    .execute(executor)
    .await?;
    Ok(())
}

/// The latest score of each given message (by whichever model scored it last).
pub(crate) async fn latest_scores(
    executor: impl PgExecutor<'_>,
    messages: &[Uuid],
) -> Result<Vec<(Uuid, f32, Uuid)>, Error> {
    Ok(sqlx::query_as::<_, (Uuid, f32, Uuid)>(
        "select distinct on (message_id) message_id, score, model_job from message_score
         where message_id = any($1) order by message_id, scored_at desc",
    )
    .bind(messages)
    .fetch_all(executor)
    .await?)
}

/// The latest score of every scored message of the given trees (for exports).
pub(crate) async fn latest_scores_of_trees(
    executor: impl PgExecutor<'_>,
    trees: &[Uuid],
) -> Result<Vec<(Uuid, f32)>, Error> {
    Ok(sqlx::query_as::<_, (Uuid, f32)>(
        "select distinct on (s.message_id) s.message_id, s.score
         from message_score s join message m on m.message_id = s.message_id
         where m.message_tree_id = any($1)
         order by s.message_id, s.scored_at desc",
    )
    .bind(trees)
    .fetch_all(executor)
    .await?)
}
