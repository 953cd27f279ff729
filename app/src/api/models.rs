//! Reward-model jobs from the dashboard: start training or scoring, watch, cancel; the model
//! registry with its retraining schedules and runs; the disagreement review. The worker
//! (`grove-worker run`) does the work; these only touch the queue.

use crate::error::AppError;
use domain::{
    ids::{JobId, RunId},
    reward_loop::{DisagreementReview, LanguageModels, ScheduleInput},
    training::{JobState, JobView, TrainingSettings},
};
use leptos::{prelude::*, server_fn::codec::Json};
use serde::{Deserialize, Serialize};

#[cfg(feature = "ssr")]
use crate::session::{engine, require_role};
#[cfg(feature = "ssr")]
use domain::{account::Role, training::JobSpec};

/// Points kept per chart line; longer runs are averaged into this many buckets.
pub const CHART_POINTS: usize = 200;

/// A job with its metric curves.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ModelJobReport {
    pub job: JobView,
    /// (metric name, (step, value) points in step order).
    pub series: Vec<(String, Vec<(i64, f64)>)>,
}

/// Averages consecutive points into at most `limit` buckets (step of each bucket's last point).
pub fn downsample(points: &[(i64, f64)], limit: usize) -> Vec<(i64, f64)> {
    if points.len() <= limit || limit == 0 {
        return points.to_vec();
    }
    let size = points.len().div_ceil(limit);
    points
        .chunks(size)
        .filter_map(|bucket| {
            let last = bucket.last()?.0;
            let mean = bucket.iter().map(|(_, v)| v).sum::<f64>() / bucket.len() as f64;
            Some((last, mean))
        })
        .collect()
}

#[server(endpoint = "models/jobs", input = Json)]
pub async fn model_jobs() -> Result<Vec<JobView>, AppError> {
    let me = require_role(Role::Moderator).await?;
    Ok(engine()?.model_jobs(me.id).await?)
}

#[server(endpoint = "models/job", input = Json)]
pub async fn model_job_detail(job: JobId) -> Result<ModelJobReport, AppError> {
    let me = require_role(Role::Moderator).await?;
    let (job, metrics) = engine()?.model_job(me.id, job).await?;
    let mut series: Vec<(String, Vec<(i64, f64)>)> = Vec::new();
    for (name, step, value) in metrics {
        match series.last_mut() {
            Some((last, points)) if *last == name => points.push((step, value)),
            _ => series.push((name, vec![(step, value)])),
        }
    }
    let series = series
        .into_iter()
        .map(|(name, points)| (name, downsample(&points, CHART_POINTS)))
        .collect();
    Ok(ModelJobReport { job, series })
}

#[server(endpoint = "models/train", input = Json)]
pub async fn start_training(settings: TrainingSettings) -> Result<JobId, AppError> {
    let me = require_role(Role::Moderator).await?;
    Ok(engine()?
        .create_model_job(me.id, JobSpec::Train(settings))
        .await?)
}

#[server(endpoint = "models/score", input = Json)]
pub async fn start_scoring(model_job: JobId) -> Result<JobId, AppError> {
    let me = require_role(Role::Moderator).await?;
    Ok(engine()?
        .create_model_job(
            me.id,
            JobSpec::Score {
                model_job,
                scope: None,
            },
        )
        .await?)
}

#[server(endpoint = "models/cancel", input = Json)]
pub async fn cancel_model_job(job: JobId) -> Result<JobState, AppError> {
    let me = require_role(Role::Moderator).await?;
    Ok(engine()?.cancel_model_job(me.id, job).await?)
}

#[server(endpoint = "models/registry", input = Json)]
pub async fn model_registry() -> Result<Vec<LanguageModels>, AppError> {
    let me = require_role(Role::Moderator).await?;
    Ok(engine()?.model_registry(me.id).await?)
}

#[server(endpoint = "models/schedule", input = Json)]
pub async fn set_retrain_schedule(schedule: ScheduleInput) -> Result<(), AppError> {
    let me = require_role(Role::Moderator).await?;
    Ok(engine()?.set_retrain_schedule(me.id, schedule).await?)
}

#[server(endpoint = "models/retrain", input = Json)]
pub async fn retrain_now(lang: String) -> Result<RunId, AppError> {
    let me = require_role(Role::Moderator).await?;
    Ok(engine()?.retrain_now(me.id, &lang).await?)
}

#[server(endpoint = "models/disagreements", input = Json)]
pub async fn disagreements(lang: String) -> Result<DisagreementReview, AppError> {
    let me = require_role(Role::Moderator).await?;
    Ok(engine()?.disagreement_review(me.id, &lang).await?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_curves_are_averaged_into_buckets_and_short_ones_kept() {
        let points: Vec<(i64, f64)> = (1..=1000).map(|s| (s, s as f64)).collect();
        let kept = downsample(&points, 200);
        assert_eq!(kept.len(), 200);
        assert_eq!(kept.first(), Some(&(5, 3.0)));
        assert_eq!(kept.last(), Some(&(1000, 998.0)));
        let short = vec![(1, 0.5), (2, 0.25)];
        assert_eq!(downsample(&short, 200), short);
    }
}
