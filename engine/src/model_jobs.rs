//! The reward-model job queue: moderators create and cancel jobs; workers (`grove-worker`, any
//! number, on any machine sharing the database) claim them under a lease, renew it with
//! heartbeats that carry their progress, record metrics and finish them. A worker that stops
//! renewing loses the job to the next claim; a cancel reaches a running job through its next
//! heartbeat.

use crate::{db, moderation::require_moderator, tasks::view_time, Engine, Error, ErrorKind};
use domain::{
    ids::{JobId, UserId},
    training::{JobProgress, JobSpec, JobState, JobView},
};
use std::time::Duration;

/// Jobs the dashboard lists.
const LISTED: i64 = 100;

/// A job a worker now holds.
#[derive(Debug, Clone, PartialEq)]
pub struct ClaimedJob {
    pub id: JobId,
    pub spec: JobSpec,
    /// 1 for the first claim; more when earlier workers lost it.
    pub attempt: i32,
}

/// What a heartbeat tells the worker.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Heartbeat {
    Continue,
    /// A moderator cancelled the job: stop and finish it as cancelled.
    Cancel,
}

/// How a worker ends a job.
#[derive(Debug, Clone, PartialEq)]
pub enum JobOutcome {
    Succeeded,
    Failed(String),
    Cancelled,
}

pub(crate) fn lease_lost(job: JobId) -> Error {
    Error::rule(
        ErrorKind::Conflict,
        "lease_lost",
        format!("Job {job} is no longer held by this worker."),
    )
}

fn view(row: db::model_jobs::JobRow) -> Result<JobView, Error> {
    Ok(JobView {
        id: JobId::from_uuid(row.job_id),
        spec: serde_json::from_value(row.spec)
            .map_err(|e| Error::Internal(format!("stored job spec unreadable: {e}")))?,
        state: JobState::parse(&row.state)?,
        created_by: row.created_by,
        created_at: view_time(row.created_at),
        started_at: row.started_at.map(view_time),
        finished_at: row.finished_at.map(view_time),
        worker: row.worker,
        attempts: row.attempts,
        cancel_requested: row.cancel_requested,
        error: row.error,
        progress: row.progress.and_then(|p| serde_json::from_value(p).ok()),
        result: row.result.and_then(|r| serde_json::from_value(r).ok()),
        artifact_bytes: row.artifact_bytes,
    })
}

impl Engine {
    /// Queues a job (moderators and admins). Training settings are checked; a scoring job
    /// needs a training job that succeeded.
    pub async fn create_model_job(&self, actor: UserId, spec: JobSpec) -> Result<JobId, Error> {
        let spec = match spec {
            JobSpec::Train(settings) => JobSpec::Train(settings.validated()?),
            score @ JobSpec::Score { .. } => score,
        };
        self.transaction(move |conn| {
            let spec = spec.clone();
            Box::pin(async move {
                let actor = require_moderator(conn, actor).await?;
                if let JobSpec::Score { model_job, .. } = &spec {
                    let model = db::model_jobs::by_id(&mut *conn, model_job.as_uuid())
                        .await?
                        .ok_or_else(|| Error::not_found("job_not_found", "No such model job."))?;
                    if model.state != JobState::Succeeded.as_str()
                        || model.spec.get("kind").and_then(|kind| kind.as_str()) != Some("train")
                    {
                        return Err(Error::bad_input(
                            "model_not_trained",
                            "Scoring needs a training job that succeeded.",
                        ));
                    }
                }
                let json = serde_json::to_value(&spec)
                    .map_err(|e| Error::Internal(format!("job spec not serialisable: {e}")))?;
                let id = db::model_jobs::insert(&mut *conn, spec.kind(), &json, actor.id.as_uuid())
                    .await?;
                Ok(JobId::from_uuid(id))
            })
        })
        .await
    }

    /// The latest jobs, newest first (moderators and admins).
    pub async fn model_jobs(&self, actor: UserId) -> Result<Vec<JobView>, Error> {
        self.transaction(move |conn| {
            Box::pin(async move {
                require_moderator(conn, actor).await?;
                db::model_jobs::list(&mut *conn, LISTED)
                    .await?
                    .into_iter()
                    .map(view)
                    .collect()
            })
        })
        .await
    }

    /// One job with its metrics as (name, step, value), by name then step.
    pub async fn model_job(
        &self,
        actor: UserId,
        job: JobId,
    ) -> Result<(JobView, Vec<(String, i64, f64)>), Error> {
        self.transaction(move |conn| {
            Box::pin(async move {
                require_moderator(conn, actor).await?;
                let row = db::model_jobs::by_id(&mut *conn, job.as_uuid())
                    .await?
                    .ok_or_else(|| Error::not_found("job_not_found", "No such model job."))?;
                let metrics = db::model_jobs::metrics(&mut *conn, job.as_uuid()).await?;
                Ok((view(row)?, metrics))
            })
        })
        .await
    }

    /// Cancels a job: a queued one at once, a running one at its worker's next heartbeat.
    /// Returns the job's state after the request.
    pub async fn cancel_model_job(&self, actor: UserId, job: JobId) -> Result<JobState, Error> {
        self.transaction(move |conn| {
            Box::pin(async move {
                require_moderator(conn, actor).await?;
                let state = db::model_jobs::request_cancel(&mut *conn, job.as_uuid())
                    .await?
                    .ok_or_else(|| Error::not_found("job_not_found", "No such model job."))?;
                Ok(JobState::parse(&state)?)
            })
        })
        .await
    }

    /// Gives `worker` the oldest claimable job (queued, or running with an expired lease) for
    /// `lease`; None when there is none. A job whose stored spec cannot be read is failed and
    /// the next one is tried.
    pub async fn claim_model_job(
        &self,
        worker: &str,
        lease: Duration,
    ) -> Result<Option<ClaimedJob>, Error> {
        let worker = worker.to_owned();
        self.transaction(move |conn| {
            let worker = worker.clone();
            Box::pin(async move {
                loop {
                    let Some((id, spec, attempt)) =
                        db::model_jobs::claim(&mut *conn, &worker, lease.as_secs_f64()).await?
                    else {
                        return Ok(None);
                    };
                    match serde_json::from_value::<JobSpec>(spec) {
                        Ok(spec) => {
                            return Ok(Some(ClaimedJob {
                                id: JobId::from_uuid(id),
                                spec,
                                attempt,
                            }))
                        }
                        Err(e) => {
                            let reason = format!("unreadable job spec: {e}");
                            db::model_jobs::finish(
                                &mut *conn,
                                id,
                                &worker,
                                "failed",
                                Some(&reason),
                            )
                            .await?;
                        }
                    }
                }
            })
        })
        .await
    }

    /// Renews the worker's lease on a job and stores its progress; says whether to go on or to
    /// stop because the job was cancelled. `lease_lost` when another worker took it over.
    pub async fn model_job_heartbeat(
        &self,
        job: JobId,
        worker: &str,
        lease: Duration,
        progress: Option<&JobProgress>,
    ) -> Result<Heartbeat, Error> {
        let progress = progress
            .map(serde_json::to_value)
            .transpose()
            .map_err(|e| Error::Internal(format!("progress not serialisable: {e}")))?;
        let cancel = db::model_jobs::heartbeat(
            &self.pool,
            job.as_uuid(),
            worker,
            lease.as_secs_f64(),
            progress.as_ref(),
        )
        .await?
        .ok_or_else(|| lease_lost(job))?;
        Ok(if cancel {
            Heartbeat::Cancel
        } else {
            Heartbeat::Continue
        })
    }

    /// Stores metrics of one step (training loss, held-out accuracy...); a repeated step
    /// overwrites its values.
    pub async fn record_model_job_metrics(
        &self,
        job: JobId,
        step: u64,
        metrics: &[(&str, f64)],
    ) -> Result<(), Error> {
        let names: Vec<String> = metrics.iter().map(|(name, _)| (*name).to_owned()).collect();
        let values: Vec<f64> = metrics.iter().map(|(_, value)| *value).collect();
        let step = i64::try_from(step).unwrap_or(i64::MAX);
        db::model_jobs::record_metrics(&self.pool, job.as_uuid(), step, &names, &values).await
    }

    /// Ends a job the worker holds; `lease_lost` when it no longer does.
    pub async fn finish_model_job(
        &self,
        job: JobId,
        worker: &str,
        outcome: JobOutcome,
    ) -> Result<(), Error> {
        let (state, error) = match &outcome {
            JobOutcome::Succeeded => (JobState::Succeeded, None),
            JobOutcome::Failed(reason) => (JobState::Failed, Some(reason.as_str())),
            JobOutcome::Cancelled => (JobState::Cancelled, None),
        };
        if db::model_jobs::finish(&self.pool, job.as_uuid(), worker, state.as_str(), error).await? {
            Ok(())
        } else {
            Err(lease_lost(job))
        }
    }
}

#[cfg(test)]
mod tests;
