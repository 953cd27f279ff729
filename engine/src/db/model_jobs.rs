//! The `model_job` and `model_job_metric` tables: the reward-model job queue.

use crate::Error;
use sqlx::PgExecutor;
use time::OffsetDateTime;
use uuid::Uuid;

pub(crate) struct JobRow {
    pub job_id: Uuid,
    pub spec: serde_json::Value,
    pub state: String,
    pub created_by: String,
    pub created_at: OffsetDateTime,
    pub started_at: Option<OffsetDateTime>,
    pub finished_at: Option<OffsetDateTime>,
    pub worker: Option<String>,
    pub attempts: i32,
    pub cancel_requested: bool,
    pub progress: Option<serde_json::Value>,
    pub error: Option<String>,
    pub result: Option<serde_json::Value>,
    pub artifact_bytes: Option<i64>,
}

pub(crate) async fn insert(
    executor: impl PgExecutor<'_>,
    kind: &str,
    spec: &serde_json::Value,
    created_by: Uuid,
) -> Result<Uuid, Error> {
    Ok(sqlx::query_scalar!(
        "insert into model_job (kind, spec, created_by) values ($1, $2, $3) returning job_id",
        kind,
        spec,
        created_by,
    )
    .fetch_one(executor)
    .await?)
}

/// Takes the oldest job that is queued, or running with an expired lease, for `worker` until
/// `lease_secs` from now. Jobs another worker is claiming at this moment are skipped, not
/// waited for.
pub(crate) async fn claim(
    executor: impl PgExecutor<'_>,
    worker: &str,
    lease_secs: f64,
) -> Result<Option<(Uuid, serde_json::Value, i32)>, Error> {
    let row = sqlx::query!(
        "update model_job set state = 'running', worker = $1,
                lease_until = now() + make_interval(secs => $2), attempts = attempts + 1,
                started_at = coalesce(started_at, now())
         where job_id = (
             select job_id from model_job
             where not cancel_requested
               and (state = 'queued' or (state = 'running' and lease_until < now()))
             order by created_at
             limit 1
             for update skip locked)
         returning job_id, spec, attempts",
        worker,
        lease_secs,
    )
    .fetch_optional(executor)
    .await?;
    Ok(row.map(|r| (r.job_id, r.spec, r.attempts)))
}

/// Renews the lease of a job the worker still holds and stores its progress. None when the
/// worker lost the job (lease expired and taken over, or the job was finished elsewhere);
/// otherwise whether a cancel was requested.
pub(crate) async fn heartbeat(
    executor: impl PgExecutor<'_>,
    job_id: Uuid,
    worker: &str,
    lease_secs: f64,
    progress: Option<&serde_json::Value>,
) -> Result<Option<bool>, Error> {
    Ok(sqlx::query_scalar!(
        "update model_job set lease_until = now() + make_interval(secs => $3),
                progress = coalesce($4, progress)
         where job_id = $1 and worker = $2 and state = 'running'
         returning cancel_requested",
        job_id,
        worker,
        lease_secs,
        progress,
    )
    .fetch_optional(executor)
    .await?)
}

/// Ends a job the worker holds. False when it no longer holds it.
pub(crate) async fn finish(
    executor: impl PgExecutor<'_>,
    job_id: Uuid,
    worker: &str,
    state: &str,
    error: Option<&str>,
) -> Result<bool, Error> {
    let result = sqlx::query!(
        "update model_job set state = $3, error = $4, finished_at = now(), lease_until = null
         where job_id = $1 and worker = $2 and state = 'running'",
        job_id,
        worker,
        state,
        error,
    )
    .execute(executor)
    .await?;
    Ok(result.rows_affected() == 1)
}

/// Cancels a job: a queued one at once, a running one by asking its worker. Returns the state
/// after the request, or None for an unknown job.
pub(crate) async fn request_cancel(
    executor: impl PgExecutor<'_>,
    job_id: Uuid,
) -> Result<Option<String>, Error> {
    Ok(sqlx::query_scalar!(
        "update model_job set
                cancel_requested = state in ('queued', 'running'),
                state = case when state = 'queued' then 'cancelled' else state end,
                finished_at = case when state = 'queued' then now() else finished_at end
         where job_id = $1
         returning state",
        job_id,
    )
    .fetch_optional(executor)
    .await?)
}

pub(crate) async fn record_metrics(
    executor: impl PgExecutor<'_>,
    job_id: Uuid,
    step: i64,
    names: &[String],
    values: &[f64],
) -> Result<(), Error> {
    sqlx::query!(
        "insert into model_job_metric (job_id, step, name, value)
         select $1, $2, name, value from unnest($3::text[], $4::float8[]) as m(name, value)
         on conflict (job_id, name, step) do update set value = excluded.value",
        job_id,
        step,
        names,
        values,
    )
    .execute(executor)
    .await?;
    Ok(())
}

pub(crate) async fn metrics(
    executor: impl PgExecutor<'_>,
    job_id: Uuid,
) -> Result<Vec<(String, i64, f64)>, Error> {
    Ok(sqlx::query!(
        "select name, step, value from model_job_metric where job_id = $1 order by name, step",
        job_id,
    )
    .fetch_all(executor)
    .await?
    .into_iter()
    .map(|r| (r.name, r.step, r.value))
    .collect())
}

pub(crate) async fn list(executor: impl PgExecutor<'_>, limit: i64) -> Result<Vec<JobRow>, Error> {
    Ok(sqlx::query_as!(
        JobRow,
        "select j.job_id, j.spec, j.state, u.username as created_by, j.created_at, j.started_at,
                j.finished_at, j.worker, j.attempts, j.cancel_requested, j.progress, j.error,
                j.result, j.artifact_bytes
         from model_job j join app_user u on u.user_id = j.created_by
         order by j.created_at desc limit $1",
        limit,
    )
    .fetch_all(executor)
    .await?)
}

pub(crate) async fn by_id(
    executor: impl PgExecutor<'_>,
    job_id: Uuid,
) -> Result<Option<JobRow>, Error> {
    Ok(sqlx::query_as!(
        JobRow,
        "select j.job_id, j.spec, j.state, u.username as created_by, j.created_at, j.started_at,
                j.finished_at, j.worker, j.attempts, j.cancel_requested, j.progress, j.error,
                j.result, j.artifact_bytes
         from model_job j join app_user u on u.user_id = j.created_by
         where j.job_id = $1",
        job_id,
    )
    .fetch_optional(executor)
    .await?)
}
