//! The job queue against Postgres: two workers share it and every job is run once, expired
//! leases move on, cancels reach queued and running jobs, and only moderators manage jobs.

use super::{Heartbeat, JobOutcome};
use crate::{accounts::Registration, testing::contributor, Engine, Error};
use domain::{
    account::Role,
    ids::{JobId, UserId},
    training::{JobProgress, JobSpec, JobState, TrainingSettings},
};
use sqlx::PgPool;
use std::{collections::BTreeSet, time::Duration};

const LEASE: Duration = Duration::from_secs(60);

async fn moderator(engine: &Engine) -> Result<UserId, Error> {
    let user = engine
        .register(Registration {
            username: "mona".to_owned(),
            email: String::new(),
            password: "lemon-stand-7".to_owned(),
            role: Some(Role::Moderator),
        })
        .await?;
    Ok(user.id)
}

fn train() -> JobSpec {
    JobSpec::Train(TrainingSettings::default())
}

async fn state(engine: &Engine, actor: UserId, job: JobId) -> Result<JobState, Error> {
    Ok(engine.model_job(actor, job).await?.0.state)
}

#[sqlx::test(migrator = "crate::MIGRATOR")]
async fn two_workers_share_the_queue_and_every_job_runs_once(pool: PgPool) -> Result<(), Error> {
    let engine = Engine::new(pool);
    let mona = moderator(&engine).await?;
    let mut created = BTreeSet::new();
    for _ in 0..12 {
        created.insert(engine.create_model_job(mona, train()).await?);
    }
    let work = |name: &'static str| {
        let engine = engine.clone();
        tokio::spawn(async move {
            let mut done = Vec::new();
            while let Some(job) = engine.claim_model_job(name, LEASE).await? {
                assert_eq!(job.attempt, 1);
                tokio::time::sleep(Duration::from_millis(5)).await;
                engine
                    .finish_model_job(job.id, name, JobOutcome::Succeeded)
                    .await?;
                done.push(job.id);
            }
            Ok::<_, Error>(done)
        })
    };
    let (first, second) = (work("worker-a"), work("worker-b"));
    let first = first.await.map_err(|e| Error::Internal(e.to_string()))??;
    let second = second.await.map_err(|e| Error::Internal(e.to_string()))??;
    let mut all: Vec<JobId> = first.iter().chain(second.iter()).copied().collect();
    all.sort();
    let unique: BTreeSet<JobId> = all.iter().copied().collect();
    assert_eq!(all.len(), unique.len(), "a job ran twice");
    assert_eq!(unique, created);
    for job in engine.model_jobs(mona).await? {
        assert_eq!(job.state, JobState::Succeeded);
        assert_eq!(job.attempts, 1);
    }
    Ok(())
}

#[sqlx::test(migrator = "crate::MIGRATOR")]
async fn an_expired_lease_moves_the_job_to_the_next_worker(pool: PgPool) -> Result<(), Error> {
    let engine = Engine::new(pool);
    let mona = moderator(&engine).await?;
    let job = engine.create_model_job(mona, train()).await?;
    // the first worker's lease is over at once, as if it had died
    let first = engine.claim_model_job("worker-a", Duration::ZERO).await?;
    assert_eq!(first.map(|j| j.id), Some(job));
    tokio::time::sleep(Duration::from_millis(20)).await;
    let second = engine.claim_model_job("worker-b", LEASE).await?;
    assert_eq!(second.as_ref().map(|j| (j.id, j.attempt)), Some((job, 2)));
    // the first worker comes back: it no longer holds the job
    let progress = JobProgress {
        step: 3,
        ..JobProgress::default()
    };
    assert_eq!(
        engine
            .model_job_heartbeat(job, "worker-a", LEASE, Some(&progress))
            .await
            .map_err(|e| e.code()),
        Err("lease_lost")
    );
    assert_eq!(
        engine
            .finish_model_job(job, "worker-a", JobOutcome::Succeeded)
            .await
            .map_err(|e| e.code()),
        Err("lease_lost")
    );
    // the holder renews, reports progress and finishes
    assert_eq!(
        engine
            .model_job_heartbeat(job, "worker-b", LEASE, Some(&progress))
            .await?,
        Heartbeat::Continue
    );
    assert!(engine.claim_model_job("worker-c", LEASE).await?.is_none());
    engine
        .finish_model_job(
            job,
            "worker-b",
            JobOutcome::Failed("out of memory".to_owned()),
        )
        .await?;
    let (view, _) = engine.model_job(mona, job).await?;
    assert_eq!(view.state, JobState::Failed);
    assert_eq!(view.error.as_deref(), Some("out of memory"));
    assert_eq!(view.worker.as_deref(), Some("worker-b"));
    assert_eq!(view.progress.map(|p| p.step), Some(3));
    Ok(())
}

#[sqlx::test(migrator = "crate::MIGRATOR")]
async fn cancels_reach_queued_and_running_jobs(pool: PgPool) -> Result<(), Error> {
    let engine = Engine::new(pool);
    let mona = moderator(&engine).await?;
    let queued = engine.create_model_job(mona, train()).await?;
    let running = engine.create_model_job(mona, train()).await?;
    assert_eq!(
        engine.cancel_model_job(mona, queued).await?,
        JobState::Cancelled
    );
    let claimed = engine.claim_model_job("worker-a", LEASE).await?;
    assert_eq!(
        claimed.map(|j| j.id),
        Some(running),
        "a cancelled job is never claimed"
    );
    assert_eq!(
        engine.cancel_model_job(mona, running).await?,
        JobState::Running
    );
    assert_eq!(
        engine
            .model_job_heartbeat(running, "worker-a", LEASE, None)
            .await?,
        Heartbeat::Cancel
    );
    engine
        .finish_model_job(running, "worker-a", JobOutcome::Cancelled)
        .await?;
    assert_eq!(state(&engine, mona, running).await?, JobState::Cancelled);
    // a finished job stays as it is
    assert_eq!(
        engine.cancel_model_job(mona, running).await?,
        JobState::Cancelled
    );
    assert!(engine.claim_model_job("worker-b", LEASE).await?.is_none());
    Ok(())
}

#[sqlx::test(migrator = "crate::MIGRATOR")]
async fn jobs_are_checked_and_only_moderators_manage_them(pool: PgPool) -> Result<(), Error> {
    let engine = Engine::new(pool);
    let mona = moderator(&engine).await?;
    let annotator = contributor(&engine, "anna").await?;
    assert_eq!(
        engine
            .create_model_job(annotator, train())
            .await
            .map_err(|e| e.code()),
        Err("forbidden")
    );
    let bad = JobSpec::Train(TrainingSettings {
        held_out_fraction: 0.8,
        ..TrainingSettings::default()
    });
    assert_eq!(
        engine
            .create_model_job(mona, bad)
            .await
            .map_err(|e| e.code()),
        Err("invalid_training_settings")
    );
    let trained = engine.create_model_job(mona, train()).await?;
    let score = JobSpec::Score {
        model_job: trained,
        scope: None,
    };
    assert_eq!(
        engine
            .create_model_job(mona, score.clone())
            .await
            .map_err(|e| e.code()),
        Err("model_not_trained")
    );
    let job = engine.claim_model_job("worker-a", LEASE).await?;
    assert_eq!(job.map(|j| j.spec), Some(train()));
    engine
        .record_model_job_metrics(trained, 10, &[("loss", 0.69), ("lr", 2e-5)])
        .await?;
    engine
        .record_model_job_metrics(trained, 20, &[("loss", 0.41)])
        .await?;
    engine
        .record_model_job_metrics(trained, 20, &[("loss", 0.40)])
        .await?;
    engine
        .finish_model_job(trained, "worker-a", JobOutcome::Succeeded)
        .await?;
    let scoring = engine.create_model_job(mona, score).await?;
    assert_eq!(state(&engine, mona, scoring).await?, JobState::Queued);
    let (_, metrics) = engine.model_job(mona, trained).await?;
    assert_eq!(
        metrics,
        vec![
            ("loss".to_owned(), 10, 0.69),
            ("loss".to_owned(), 20, 0.40),
            ("lr".to_owned(), 10, 2e-5),
        ]
    );
    assert_eq!(
        engine
            .cancel_model_job(annotator, scoring)
            .await
            .map_err(|e| e.code()),
        Err("forbidden")
    );
    Ok(())
}
