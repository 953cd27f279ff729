//! `grove-worker run`: claims jobs from the queue in Postgres, works on them on a blocking
//! thread while this task renews the lease every few seconds (carrying the latest progress and
//! the step metrics), and finishes them. A cancel from the dashboard arrives with a heartbeat
//! and stops the work at the next step; a lost lease stops it without finishing (the job now
//! belongs to another worker).

use crate::kernels::Trainable;
use crate::{
    archive,
    compute::{Compute, OnBackend},
    score::{self, ScoreRequest},
    train::{self, Events, TrainError, TrainRequest},
};
use domain::{
    ids::{JobId, MessageId},
    training::{JobProgress, JobResult, JobSpec},
};
use engine::{
    model_jobs::{ClaimedJob, Heartbeat, JobOutcome},
    Engine,
};
use std::{
    path::{Path, PathBuf},
    sync::{
        atomic::{AtomicBool, Ordering},
        Arc,
    },
    time::{Duration, Instant},
};
use tokio::sync::mpsc;

#[derive(Debug, Clone)]
pub struct WorkerConfig {
    /// This worker's name in the queue (host and process by default).
    pub name: String,
    /// Trained models are kept under `<data>/models/<job>`.
    pub data_dir: PathBuf,
    /// The base model of jobs that name none.
    pub default_base_model: PathBuf,
    /// The base model of jobs that name none and train on other languages than English alone,
    /// when it is there (multilingual-e5-small).
    pub multilingual_base_model: PathBuf,
    pub lease: Duration,
    /// How often to look for work when the queue is empty.
    pub poll: Duration,
    pub compute: Compute,
    /// Stop when the queue is empty instead of waiting for more.
    pub until_idle: bool,
}

impl WorkerConfig {
    fn heartbeat_every(&self) -> Duration {
        (self.lease / 4).max(Duration::from_millis(200))
    }

    /// The base model of a job that names none: the multilingual one unless the job trains on
    /// English alone (or the multilingual one is missing).
    pub fn base_model_for(&self, languages: &[String]) -> PathBuf {
        let english_only = !languages.is_empty() && languages.iter().all(|l| l == "en");
        if !english_only && check_model_folder(&self.multilingual_base_model).is_ok() {
            self.multilingual_base_model.clone()
        } else {
            self.default_base_model.clone()
        }
    }
}

/// Works until the queue is empty (`until_idle`) or `shutdown` is set; returns the jobs done.
pub async fn run(
    engine: &Engine,
    config: &WorkerConfig,
    shutdown: &AtomicBool,
) -> anyhow::Result<u64> {
    let mut done = 0;
    let mut idle = Idle::default();
    while !shutdown.load(Ordering::Relaxed) {
        // a database that is away (restart, network) is waited for, not fatal: the queue is in
        // it, and a job we held comes back to a worker when its lease runs out
        match engine.claim_model_job(&config.name, config.lease).await {
            Ok(Some(job)) => {
                let id = job.id;
                tracing::info!(job = %id, kind = job.spec.kind(), attempt = job.attempt, "claimed");
                if let Err(e) = run_job(engine, config, job).await {
                    tracing::error!(job = %id, error = %e, "could not finish the job; its lease will run out");
                }
                done += 1;
                idle = Idle::default();
            }
            Ok(None) => {
                // a finished job may move a retraining run on (queue its scoring, decide on
                // its candidate), and a schedule may be due: that may queue more work
                match engine.tick_retraining().await {
                    Ok(moved) if moved > 0 => {
                        idle = Idle::default();
                        continue;
                    }
                    Ok(_) => {}
                    Err(e) => tracing::warn!(error = %e, "cannot advance retraining"),
                }
                if config.until_idle {
                    if idle.keep_looking(engine).await {
                        continue;
                    }
                    break;
                }
                tokio::time::sleep(config.poll).await;
            }
            Err(e) => {
                tracing::warn!(error = %e, "cannot reach the queue; trying again");
                tokio::time::sleep(config.poll).await;
            }
        }
    }
    Ok(done)
}

/// How long an `until_idle` worker waits for another process to move a retraining run on.
const SETTLE_AT_MOST: Duration = Duration::from_secs(30);

/// What an `until_idle` worker knows of the quiet since it last worked or moved a run.
#[derive(Default)]
struct Idle {
    /// The queue was seen empty after nothing moved (the worker stops the second time).
    seen: bool,
    /// Since when a run has waited for another process to move it on.
    settling_since: Option<Instant>,
}

impl Idle {
    /// Whether a worker that found the queue empty and moved nothing goes on looking. The
    /// server moves retraining runs on too: while it holds a run (ours skips it) or right after
    /// it queued the run's next job, the queue looks empty for a moment though work is coming.
    /// So the worker waits while a run's jobs have all finished and only a tick is missing (up
    /// to [`SETTLE_AT_MOST`]), and stops only when it has then seen the queue empty twice.
    async fn keep_looking(&mut self, engine: &Engine) -> bool {
        let ready = engine.retraining_ready_to_move().await.unwrap_or_else(|e| {
            tracing::warn!(error = %e, "cannot look at retraining runs");
            false
        });
        if ready
            && self
                .settling_since
                .get_or_insert_with(Instant::now)
                .elapsed()
                < SETTLE_AT_MOST
        {
            tokio::time::sleep(Duration::from_millis(200)).await;
            return true;
        }
        !std::mem::replace(&mut self.seen, true)
    }
}

/// What the blocking work sends to the heartbeat loop.
enum Event {
    Progress(JobProgress),
    Metrics(u64, Vec<(&'static str, f64)>),
    /// Scores by a model (its training job).
    Scores(JobId, Vec<(MessageId, f32)>),
}

struct Channel(mpsc::UnboundedSender<Event>);

impl score::ScoreSink for Channel {
    fn scores(&mut self, model_job: JobId, scores: Vec<(MessageId, f32)>) {
        let _ = self.0.send(Event::Scores(model_job, scores));
    }
}

impl Events for Channel {
    fn progress(&mut self, progress: &JobProgress) {
        let _ = self.0.send(Event::Progress(progress.clone()));
    }
    fn metrics(&mut self, step: u64, metrics: &[(&'static str, f64)]) {
        let _ = self.0.send(Event::Metrics(step, metrics.to_vec()));
    }
}

/// How the blocking work ended.
enum WorkEnd {
    /// What the job produced, and a trained model's held-out trees.
    Done(JobResult, Vec<domain::ids::TreeId>),
    Stopped,
    Failed(String),
}

async fn run_job(engine: &Engine, config: &WorkerConfig, job: ClaimedJob) -> anyhow::Result<()> {
    let stop = Arc::new(AtomicBool::new(false));
    let (sender, mut events) = mpsc::unbounded_channel();
    let work = match prepare(engine, config, &job).await {
        Ok(work) => work,
        Err(reason) => {
            tracing::warn!(job = %job.id, %reason, "cannot start");
            return finish(engine, config, job.id, JobOutcome::Failed(reason)).await;
        }
    };
    let handle = {
        let (stop, compute) = (stop.clone(), config.compute);
        tokio::task::spawn_blocking(move || {
            compute.run(Blocking {
                work,
                events: Channel(sender),
                stop,
                device: compute.name(),
            })
        })
    };
    tokio::pin!(handle);
    let mut latest: Option<JobProgress> = None;
    let mut lost = false;
    let mut score_failure = None;
    let mut beat = tokio::time::interval(config.heartbeat_every());
    let end = loop {
        tokio::select! {
            end = &mut handle => break end,
            Some(event) = events.recv() => match event {
                Event::Progress(progress) => latest = Some(progress),
                Event::Metrics(step, metrics) => {
                    if let Err(e) = engine.record_model_job_metrics(job.id, step, &metrics).await {
                        tracing::warn!(job = %job.id, error = %e, "metrics not stored");
                    }
                }
                Event::Scores(model_job, scores) => {
                    if let Err(e) = engine.store_message_scores(job.id, &config.name, model_job, &scores).await {
                        tracing::warn!(job = %job.id, error = %e, "scores not stored; stopping");
                        stop.store(true, Ordering::Relaxed);
                        lost |= e.code() == "lease_lost";
                        score_failure = Some(e.to_string());
                    }
                }
            },
            _ = beat.tick(), if !lost => {
                match engine.model_job_heartbeat(job.id, &config.name, config.lease, latest.as_ref()).await {
                    Ok(Heartbeat::Continue) => {}
                    Ok(Heartbeat::Cancel) => stop.store(true, Ordering::Relaxed),
                    Err(e) => {
                        tracing::warn!(job = %job.id, error = %e, "lease lost; stopping");
                        lost = true;
                        stop.store(true, Ordering::Relaxed);
                    }
                }
            }
        }
    };
    // what was sent just before the end
    while let Ok(event) = events.try_recv() {
        match event {
            Event::Metrics(step, metrics) => {
                let _ = engine
                    .record_model_job_metrics(job.id, step, &metrics)
                    .await;
            }
            Event::Scores(model_job, scores) => {
                if let Err(e) = engine
                    .store_message_scores(job.id, &config.name, model_job, &scores)
                    .await
                {
                    lost |= e.code() == "lease_lost";
                    score_failure = Some(e.to_string());
                }
            }
            Event::Progress(progress) => latest = Some(progress),
        }
    }
    if lost {
        return Ok(());
    }
    if let Some(progress) = &latest {
        let _ = engine
            .model_job_heartbeat(job.id, &config.name, config.lease, Some(progress))
            .await;
    }
    let outcome = match end {
        _ if score_failure.is_some() => JobOutcome::Failed(format!(
            "scores not stored: {}",
            score_failure.unwrap_or_default()
        )),
        Ok(WorkEnd::Done(result, held_out)) => {
            match store(engine, config, job.id, &result, &held_out).await {
                Ok(()) => JobOutcome::Succeeded,
                Err(reason) => JobOutcome::Failed(reason),
            }
        }
        Ok(WorkEnd::Stopped) => JobOutcome::Cancelled,
        Ok(WorkEnd::Failed(reason)) => JobOutcome::Failed(reason),
        Err(panic) => JobOutcome::Failed(format!("the worker's job thread failed: {panic}")),
    };
    tracing::info!(job = %job.id, outcome = ?outcome, "finished");
    finish(engine, config, job.id, outcome).await
}

async fn finish(
    engine: &Engine,
    config: &WorkerConfig,
    job: JobId,
    outcome: JobOutcome,
) -> anyhow::Result<()> {
    match engine.finish_model_job(job, &config.name, outcome).await {
        Ok(()) => Ok(()),
        Err(e) if e.code() == "lease_lost" => {
            tracing::warn!(%job, "lease lost before finishing");
            Ok(())
        }
        Err(e) => Err(e.into()),
    }
}

/// Everything the blocking work needs, read from the database first.
enum Work {
    Train(TrainRequest),
    Score(ScoreRequest),
}

fn model_folder(config: &WorkerConfig, job: JobId) -> PathBuf {
    config.data_dir.join("models").join(job.to_string())
}

async fn prepare(engine: &Engine, config: &WorkerConfig, job: &ClaimedJob) -> Result<Work, String> {
    match &job.spec {
        JobSpec::Train(settings) => {
            let base_model = if settings.base_model.is_empty() {
                config.base_model_for(&settings.languages)
            } else {
                PathBuf::from(&settings.base_model)
            };
            check_model_folder(&base_model)?;
            let groups = engine
                .ranked_groups(settings)
                .await
                .map_err(|e| e.to_string())?;
            Ok(Work::Train(TrainRequest {
                base_model,
                groups,
                settings: settings.clone(),
                output: model_folder(config, job.id),
                on_cpu: config.compute.name() == "cpu",
            }))
        }
        JobSpec::Score { model_job, scope } => {
            let folder = model_folder(config, *model_job);
            if check_model_folder(&folder).is_err() {
                let archive = engine
                    .model_artifact(*model_job)
                    .await
                    .map_err(|e| e.to_string())?
                    .ok_or_else(|| format!("model {model_job} has no stored archive"))?;
                archive::unpack(&archive, &folder)
                    .map_err(|e| format!("cannot unpack model {model_job}: {e}"))?;
            }
            let inputs = engine
                .scoring_inputs(scope.as_ref())
                .await
                .map_err(|e| e.to_string())?;
            Ok(Work::Score(ScoreRequest {
                model_job: *model_job,
                model: folder,
                inputs,
            }))
        }
    }
}

pub fn check_model_folder(folder: &Path) -> Result<(), String> {
    for file in [
        crate::weights::CONFIG,
        crate::weights::ENCODER,
        crate::weights::TOKENIZER,
    ] {
        if !folder.join(file).is_file() {
            return Err(format!(
                "model folder {} lacks {file} (run ./scripts/setup.sh for the default base model)",
                folder.display()
            ));
        }
    }
    Ok(())
}

struct Blocking {
    work: Work,
    events: Channel,
    stop: Arc<AtomicBool>,
    /// `cpu` or `cuda`, for the job's result.
    device: &'static str,
}

impl OnBackend for Blocking {
    type Output = WorkEnd;

    fn run<B: Trainable>(self, device: B::Device) -> WorkEnd {
        let Blocking {
            work,
            mut events,
            stop,
            device: device_name,
        } = self;
        match work {
            Work::Train(request) => {
                let started = Instant::now();
                let base_model = request.base_model.display().to_string();
                match train::train::<B>(request, &device, &mut events, &stop) {
                    Ok(report) => WorkEnd::Done(
                        JobResult::Trained(report.summary(
                            base_model,
                            device_name,
                            started.elapsed().as_secs_f64(),
                        )),
                        report.held_out_trees,
                    ),
                    Err(TrainError::Stopped) => WorkEnd::Stopped,
                    Err(e) => WorkEnd::Failed(e.to_string()),
                }
            }
            Work::Score(request) => {
                match score::score::<B::InnerBackend>(request, &device, &mut events, &stop) {
                    Ok(scored) => WorkEnd::Done(scored, Vec::new()),
                    Err(score::ScoreError::Stopped) => WorkEnd::Stopped,
                    Err(e) => WorkEnd::Failed(e.to_string()),
                }
            }
        }
    }
}

/// Stores what a job produced: a trained model's archive, or a scoring job's count (its scores
/// were stored as it went).
async fn store(
    engine: &Engine,
    config: &WorkerConfig,
    job: JobId,
    result: &JobResult,
    held_out: &[domain::ids::TreeId],
) -> Result<(), String> {
    match result {
        JobResult::Trained(_) => {
            let folder = model_folder(config, job);
            let archive =
                archive::pack(&folder).map_err(|e| format!("cannot pack the model: {e}"))?;
            engine
                .store_model_artifact(job, &config.name, &archive, result, held_out)
                .await
                .map_err(|e| e.to_string())
        }
        JobResult::Scored { .. } => engine
            .store_job_result(job, &config.name, result)
            .await
            .map_err(|e| e.to_string()),
    }
}
