//! The worker end to end against Postgres: trees grown by the simulator through the real task
//! use-cases (annotators prefer sensible replies over the same words shuffled), training jobs
//! created as a moderator would, `grove-worker run` loops claiming them.

use crate::{
    compute::Compute,
    jobs::{self, WorkerConfig},
    model::BertConfig,
    weights,
};
use burn::backend::Flex;
use domain::{
    account::Role,
    ids::{JobId, UserId},
    reward_loop::{LanguageModels, RunState, ScheduleInput},
    training::{JobResult, JobSpec, JobState, TrainingSettings},
};
use engine::{
    accounts::Registration,
    simulate::{is_sensible, Simulation, Writing},
    Engine, TreeConfig,
};
use sqlx::PgPool;
use std::{
    path::{Path, PathBuf},
    sync::atomic::AtomicBool,
    time::Duration,
};

type TestResult = Result<(), Box<dyn std::error::Error>>;

async fn grown(pool: &PgPool, trees: usize) -> Result<Engine, engine::Error> {
    let engine = Engine::with_config(
        pool.clone(),
        TreeConfig {
            goal_tree_size: 6,
            ..TreeConfig::default()
        },
    );
    engine
        .simulate(Simulation {
            users: 8,
            trees,
            spammer_share: 0.0,
            seed: 11,
            writing: Writing::SensibleOverShuffled,
            ..Simulation::default()
        })
        .await?;
    Ok(engine)
}

async fn moderator(engine: &Engine) -> Result<UserId, engine::Error> {
    Ok(engine
        .register(Registration {
            username: "mona".to_owned(),
            email: String::new(),
            password: "lemon-stand-7".to_owned(),
            role: Some(Role::Moderator),
        })
        .await?
        .id)
}

/// A temporary folder, removed when dropped (also when an assertion fails).
struct Scratch(PathBuf);

impl Scratch {
    fn new() -> Self {
        Self(std::env::temp_dir().join(format!("grove-worker-test-{}", uuid::Uuid::new_v4())))
    }
}

impl std::ops::Deref for Scratch {
    type Target = Path;
    fn deref(&self) -> &Path {
        &self.0
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn config(name: &str, data_dir: &Path) -> WorkerConfig {
    WorkerConfig {
        name: name.to_owned(),
        data_dir: data_dir.to_owned(),
        default_base_model: weights::test_base_model(),
        // no multilingual model here: jobs in other languages fall back to the default
        multilingual_base_model: data_dir.join("no-such-model"),
        lease: Duration::from_secs(30),
        poll: Duration::from_millis(100),
        compute: Compute::Cpu,
        until_idle: true,
    }
}

/// A small random encoder with MiniLM's tokenizer: the mechanics of a job in seconds.
fn tiny_base_model(folder: &Path) -> Result<PathBuf, Box<dyn std::error::Error>> {
    let base = weights::test_base_model();
    let config = BertConfig::tiny(30522);
    let model = config.init::<Flex>(&Default::default());
    let path = folder.join("tiny-base");
    weights::save(&model, &config, &base.join(weights::TOKENIZER), &path)?;
    Ok(path)
}

/// Eight grown trees, a moderator, a scratch folder and a tiny base model in it: what the
/// tests of the queue's mechanics start from.
async fn small_setup(
    pool: &PgPool,
) -> Result<(Engine, UserId, Scratch, PathBuf), Box<dyn std::error::Error>> {
    let engine = grown(pool, 8).await?;
    let mona = moderator(&engine).await?;
    let data = Scratch::new();
    let tiny = tiny_base_model(&data)?;
    Ok((engine, mona, data, tiny))
}

fn quick(base_model: &Path) -> TrainingSettings {
    TrainingSettings {
        base_model: base_model.display().to_string(),
        max_tokens: 64,
        batch_groups: 4,
        epochs: 1,
        learning_rate: 1e-3,
        held_out_fraction: 0.2,
        ..TrainingSettings::default()
    }
}

async fn job_state(engine: &Engine, actor: UserId, job: JobId) -> Result<JobState, engine::Error> {
    Ok(engine.model_job(actor, job).await?.0.state)
}

#[sqlx::test(migrator = "engine::MIGRATOR")]
async fn minilm_learns_the_preference_and_scores_every_reply(pool: PgPool) -> TestResult {
    let engine = grown(&pool, 120).await?;
    let mona = moderator(&engine).await?;
    let data = Scratch::new();
    // sized for two CPU cores: about 50 steps of 8 groups, inputs of at most 40 tokens
    let settings = TrainingSettings {
        base_model: String::new(),
        max_tokens: 40,
        batch_groups: 8,
        epochs: 4,
        learning_rate: 2e-4,
        held_out_fraction: 0.2,
        ..TrainingSettings::default()
    };
    let train = engine
        .create_model_job(mona, JobSpec::Train(settings))
        .await?;
    let stop = AtomicBool::new(false);
    assert_eq!(jobs::run(&engine, &config("cpu-1", &data), &stop).await?, 1);

    let (view, metrics) = engine.model_job(mona, train).await?;
    assert_eq!(view.state, JobState::Succeeded, "{:?}", view.error);
    let Some(JobResult::Trained(model)) = &view.result else {
        return Err(format!("no training result: {:?}", view.result).into());
    };
    eprintln!("trained: {model:?}");
    assert!(model.held_out_groups >= 5, "{model:?}");
    assert!(
        model.pairwise_accuracy > 0.9,
        "held-out all-pairs accuracy {}",
        model.pairwise_accuracy
    );
    // the loss curve and the held-out curve are in the database for the dashboard
    let names: Vec<&str> = metrics.iter().map(|m| m.0.as_str()).collect();
    for name in [
        "train_loss",
        "learning_rate",
        "tokens_per_second",
        "heldout_pairwise_accuracy",
    ] {
        assert!(names.contains(&name), "no {name} metric");
    }
    assert!(view.artifact_bytes.is_some_and(|bytes| bytes > 80_000_000));

    // scoring with the trained model, by a worker that has to fetch the model from Postgres
    let other_data = Scratch::new();
    let score = engine
        .create_model_job(
            mona,
            JobSpec::Score {
                model_job: train,
                scope: None,
            },
        )
        .await?;
    assert_eq!(
        jobs::run(&engine, &config("cpu-2", &other_data), &stop).await?,
        1
    );
    let (view, _) = engine.model_job(mona, score).await?;
    assert_eq!(view.state, JobState::Succeeded, "{:?}", view.error);
    let inputs = engine.scoring_inputs(None).await?;
    assert_eq!(
        view.result,
        Some(JobResult::Scored {
            messages: inputs.len() as u64
        })
    );
    let ids: Vec<_> = inputs.iter().map(|i| i.message).collect();
    let scores = engine.message_scores(&ids).await?;
    assert_eq!(scores.len(), inputs.len());
    let mean = |sensible: bool| {
        let picked: Vec<f32> = inputs
            .iter()
            .filter(|i| is_sensible(&i.text) == sensible)
            .filter_map(|i| scores.get(&i.message).map(|s| s.0))
            .collect();
        picked.iter().sum::<f32>() / picked.len().max(1) as f32
    };
    assert!(
        mean(true) > mean(false) + 1.0,
        "{} vs {}",
        mean(true),
        mean(false)
    );
    Ok(())
}

#[sqlx::test(migrator = "engine::MIGRATOR")]
async fn two_workers_share_one_database_and_each_job_is_trained_once(pool: PgPool) -> TestResult {
    let (engine, mona, data, tiny) = small_setup(&pool).await?;
    let mut created = Vec::new();
    for _ in 0..4 {
        created.push(
            engine
                .create_model_job(mona, JobSpec::Train(quick(&tiny)))
                .await?,
        );
    }
    let stop = AtomicBool::new(false);
    let (first, second) = (config("worker-a", &data), config("worker-b", &data));
    let (a, b) = tokio::join!(
        jobs::run(&engine, &first, &stop),
        jobs::run(&engine, &second, &stop)
    );
    assert_eq!(a? + b?, 4);
    let mut workers = std::collections::BTreeSet::new();
    for job in created {
        let (view, metrics) = engine.model_job(mona, job).await?;
        assert_eq!(view.state, JobState::Succeeded, "{:?}", view.error);
        assert_eq!(view.attempts, 1);
        workers.extend(view.worker);
        // trained once: one loss value per step, steps as planned
        let losses = metrics.iter().filter(|m| m.0 == "train_loss").count() as u64;
        let total = view.progress.map(|p| p.total_steps).unwrap_or_default();
        assert!(
            total > 0 && losses == total,
            "{losses} losses for {total} steps"
        );
    }
    assert_eq!(workers.len(), 2, "both workers took jobs");
    Ok(())
}

#[sqlx::test(migrator = "engine::MIGRATOR")]
async fn a_cancelled_job_stops_at_the_next_step(pool: PgPool) -> TestResult {
    let (engine, mona, data, tiny) = small_setup(&pool).await?;
    let long = TrainingSettings {
        epochs: 100,
        batch_groups: 1,
        ..quick(&tiny)
    };
    let job = engine.create_model_job(mona, JobSpec::Train(long)).await?;
    let stop = AtomicBool::new(false);
    let mut worker = config("worker-a", &data);
    worker.lease = Duration::from_secs(5); // heartbeats every 1.25 s
    let canceller = async {
        loop {
            tokio::time::sleep(Duration::from_millis(200)).await;
            let (view, _) = engine.model_job(mona, job).await?;
            if view.progress.as_ref().is_some_and(|p| p.step >= 3) {
                engine.cancel_model_job(mona, job).await?;
                return Ok::<_, engine::Error>(view.progress.map(|p| p.total_steps));
            }
        }
    };
    let (ran, total) = tokio::join!(jobs::run(&engine, &worker, &stop), canceller);
    assert_eq!(ran?, 1);
    let (view, metrics) = engine.model_job(mona, job).await?;
    assert_eq!(view.state, JobState::Cancelled);
    let steps = metrics.iter().filter(|m| m.0 == "train_loss").count() as u64;
    assert!(
        total?.is_some_and(|total| steps < total),
        "stopped early: {steps} steps"
    );
    assert_eq!(job_state(&engine, mona, job).await?, JobState::Cancelled);
    assert!(view.artifact_bytes.is_none());
    Ok(())
}

/// The server moves retraining runs on too. While its tick holds a run whose training just
/// finished, a worker told to stop when idle finds the queue empty and the run skipped: it waits
/// for the run (its scoring comes next) instead of stopping with the run half done (CI saw a
/// journey's worker stop there).
#[sqlx::test(migrator = "engine::MIGRATOR")]
async fn a_worker_until_idle_waits_for_a_run_another_process_holds(pool: PgPool) -> TestResult {
    let (engine, mona, data, tiny) = small_setup(&pool).await?;
    engine
        .set_retrain_schedule(
            mona,
            ScheduleInput {
                lang: "en".to_owned(),
                every_rankings: 1000,
                enabled: false,
                settings: quick(&tiny),
            },
        )
        .await?;
    let run = engine.retrain_now(mona, "en").await?;
    let runs_of = |registry: Vec<LanguageModels>| {
        registry
            .into_iter()
            .find(|l| l.lang == "en")
            .map(|l| l.runs)
            .unwrap_or_default()
    };
    let train_job = runs_of(engine.model_registry(mona).await?)
        .first()
        .map(|r| r.train_job)
        .ok_or("the run is listed")?;
    // another process's tick holds the run, as the server's does every few seconds
    let mut other = pool.begin().await?;
    sqlx::query("select run_id from retrain_run for update")
        .execute(&mut *other)
        .await?;
    let stop = AtomicBool::new(false);
    let worker = config("worker-a", &data);
    let holder = async {
        while job_state(&engine, mona, train_job).await? != JobState::Succeeded {
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        // long past the moment the worker found the queue empty and the run held
        tokio::time::sleep(Duration::from_millis(1500)).await;
        other.commit().await?;
        Ok::<_, Box<dyn std::error::Error>>(())
    };
    let (ran, held) = tokio::join!(jobs::run(&engine, &worker, &stop), holder);
    held?;
    assert_eq!(ran?, 2, "the training job and then the candidate's scoring");
    let runs = runs_of(engine.model_registry(mona).await?);
    let view = runs
        .iter()
        .find(|r| r.id == run)
        .ok_or("the run is listed")?;
    assert_eq!(view.state, RunState::Promoted, "{view:?}");
    Ok(())
}
