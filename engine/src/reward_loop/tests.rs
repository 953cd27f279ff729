//! Retraining runs against Postgres, with the test acting as the worker: a schedule starts a
//! run, the first model is promoted, a worse candidate is kept out, an equal one promoted; and
//! the current model's scores give ranking work its priority.

use crate::{
    db::candidates::OpenItem,
    model_jobs::JobOutcome,
    simulate::is_sensible,
    tasks::survey::ranking_priorities_for_test,
    testing::{grown_sensible, member},
    Engine, Error,
};
use domain::{
    account::Role as AccountRole,
    ids::{JobId, TreeId, UserId},
    reward_loop::{Decision, RunState, ScheduleInput},
    training::{JobResult, JobSpec, TrainedModel, TrainingSettings},
};
use sqlx::PgPool;
use std::{collections::BTreeSet, time::Duration};

const LEASE: Duration = Duration::from_secs(60);

async fn grown(pool: &PgPool) -> Result<Engine, Error> {
    grown_sensible(pool, 6, 11).await
}

async fn register(engine: &Engine, name: &str, role: AccountRole) -> Result<UserId, Error> {
    member(engine, name, role).await
}

fn trained() -> JobResult {
    JobResult::Trained(TrainedModel {
        base_model: "test".to_owned(),
        device: "cpu".to_owned(),
        train_groups: 1,
        held_out_groups: 1,
        steps: 1,
        pairwise_accuracy: 0.5,
        best_vs_worst_accuracy: 0.5,
        kendall_tau: 0.0,
        tokens_per_second: 1.0,
        seconds: 1.0,
    })
}

/// How a fake model scores a reply: the truth (sensible over shuffled), or its opposite.
#[derive(Clone, Copy)]
enum Judge {
    Right,
    Wrong,
}

/// Plays the worker for the next queued job: a training job "trains" (holding out `held`), a
/// scoring job scores its scope with the judge of its model.
async fn work_one(
    engine: &Engine,
    held: &[TreeId],
    judge_of: impl Fn(JobId) -> Judge,
) -> Result<Option<JobId>, Error> {
    let Some(job) = engine.claim_model_job("fake", LEASE).await? else {
        return Ok(None);
    };
    match &job.spec {
        JobSpec::Train(_) => {
            engine
                .store_model_artifact(job.id, "fake", b"model", &trained(), held)
                .await?;
        }
        JobSpec::Score { model_job, scope } => {
            assert!(scope.is_some(), "a run scores its scope only");
            let inputs = engine.scoring_inputs(scope.as_ref()).await?;
            assert!(
                !inputs.is_empty(),
                "the held-out trees have replies to score"
            );
            let judge = judge_of(*model_job);
            let scores: Vec<_> = inputs
                .iter()
                .map(|input| {
                    let right = if is_sensible(&input.text) { 1.0 } else { -1.0 };
                    let score = match judge {
                        Judge::Right => right,
                        Judge::Wrong => -right,
                    };
                    (input.message, score)
                })
                .collect();
            engine
                .store_message_scores(job.id, "fake", *model_job, &scores)
                .await?;
            engine
                .store_job_result(job.id, "fake", &JobResult::Scored { messages: 1 })
                .await?;
        }
    }
    engine
        .finish_model_job(job.id, "fake", JobOutcome::Succeeded)
        .await?;
    Ok(Some(job.id))
}

/// Works the queue and ticks until nothing moves.
async fn settle(
    engine: &Engine,
    held: &[TreeId],
    judge_of: impl Fn(JobId) -> Judge + Copy,
) -> Result<(), Error> {
    for _ in 0..20 {
        let worked = work_one(engine, held, judge_of).await?.is_some();
        let moved = engine.tick_retraining().await?;
        if !worked && moved == 0 {
            return Ok(());
        }
    }
    Err(Error::Internal("retraining did not settle".to_owned()))
}

#[sqlx::test(migrator = "crate::MIGRATOR")]
async fn a_worse_model_is_not_promoted_and_one_not_worse_is(pool: PgPool) -> Result<(), Error> {
    let engine = grown(&pool).await?;
    let mona = register(&engine, "mona", AccountRole::Moderator).await?;
    let ann = register(&engine, "ann", AccountRole::Annotator).await?;
    let trees: BTreeSet<TreeId> = engine
        .ranked_groups(&TrainingSettings::default())
        .await?
        .into_iter()
        .map(|g| g.tree)
        .collect();
    let held: Vec<TreeId> = trees.into_iter().take(3).collect();
    assert!(!held.is_empty());

    // only moderators schedule; a bad schedule is refused with its code
    let schedule = ScheduleInput {
        lang: "en".to_owned(),
        every_rankings: 1,
        enabled: true,
        settings: TrainingSettings::default(),
    };
    let refused = engine.set_retrain_schedule(ann, schedule.clone()).await;
    assert_eq!(refused.map_err(|e| e.code()), Err("forbidden"));
    let bad = ScheduleInput {
        every_rankings: 0,
        ..schedule.clone()
    };
    let refused = engine.set_retrain_schedule(mona, bad).await;
    assert_eq!(refused.map_err(|e| e.code()), Err("invalid_schedule"));
    engine.set_retrain_schedule(mona, schedule).await?;

    // the schedule is due (there are rankings): a run starts, and only one
    assert_eq!(engine.tick_retraining().await?, 1);
    assert_eq!(engine.tick_retraining().await?, 0);
    let again = engine.retrain_now(mona, "en").await;
    assert_eq!(again.map_err(|e| e.code()), Err("run_in_flight"));

    // the first model: promoted, as there is nothing to compare it with
    settle(&engine, &held, |_| Judge::Right).await?;
    let registry = engine.model_registry(mona).await?;
    let en = registry.iter().find(|l| l.lang == "en");
    let first = en.and_then(|l| l.current.clone());
    let first = first.ok_or_else(|| Error::Internal(format!("no current model: {registry:#?}")))?;
    assert_eq!(first.state, RunState::Promoted);
    assert_eq!(first.decision, Some(Decision::FirstModel));
    assert_eq!(first.candidate_accuracy, Some(1.0));
    assert!(first.held_out_pairs.unwrap_or(0) > 0);
    // no new rankings since: the schedule waits
    assert_eq!(engine.tick_retraining().await?, 0);

    // a worse candidate (it orders every held-out pair the wrong way) is kept out
    let second = engine.retrain_now(mona, "en").await?;
    let current = first.train_job;
    settle(&engine, &held, move |model| {
        if model == current {
            Judge::Right
        } else {
            Judge::Wrong
        }
    })
    .await?;
    let registry = engine.model_registry(mona).await?;
    let en = registry.iter().find(|l| l.lang == "en");
    let run = en.and_then(|l| l.runs.iter().find(|r| r.id == second).cloned());
    let run = run.ok_or_else(|| Error::Internal("run missing".to_owned()))?;
    assert_eq!(run.state, RunState::Kept, "{run:#?}");
    assert_eq!(run.decision, Some(Decision::Worse));
    assert_eq!(run.candidate_accuracy, Some(0.0));
    assert_eq!(run.baseline_accuracy, Some(1.0));
    assert_eq!(run.baseline_job, Some(current));
    assert_eq!(
        en.and_then(|l| l.current.as_ref()).map(|c| c.train_job),
        Some(current),
        "the current model stays"
    );

    // a candidate as good as the current one is promoted
    let third = engine.retrain_now(mona, "en").await?;
    settle(&engine, &held, |_| Judge::Right).await?;
    let registry = engine.model_registry(mona).await?;
    let en = registry.iter().find(|l| l.lang == "en");
    let current = en.and_then(|l| l.current.clone());
    assert_eq!(current.as_ref().map(|c| c.id), Some(third));
    assert_eq!(current.and_then(|c| c.decision), Some(Decision::NotWorse));
    assert_eq!(en.map(|l| l.runs.len()), Some(3));

    // the current model's scores weigh ranking work: sets it is sure of and whose rankings
    // agree weigh little more than 1, none weighs less
    let parents: Vec<_> = sqlx::query_scalar::<_, uuid::Uuid>(
        "select distinct r.parent_id from ranking r where not r.not_rankable",
    )
    .fetch_all(&pool)
    .await?;
    let rows: Vec<OpenItem> = parents
        .iter()
        .map(|p| OpenItem {
            work: "rank".to_owned(),
            message_id: *p,
            author: *p,
            role: "prompter".to_owned(),
            free: 1,
            lonely: false,
        })
        .collect();
    let priorities = ranking_priorities_for_test(&engine, "en", &rows, 8.0).await?;
    assert!(!priorities.is_empty(), "scored parents get a priority");
    assert!(priorities.values().all(|p| (1.0..=9.0).contains(p)));
    let off = ranking_priorities_for_test(&engine, "en", &rows, 0.0).await?;
    assert!(off.is_empty(), "weight 0 reads nothing");
    Ok(())
}

#[sqlx::test(migrator = "crate::MIGRATOR")]
async fn a_failed_training_job_fails_its_run_and_the_schedule_starts_the_next(
    pool: PgPool,
) -> Result<(), Error> {
    let engine = grown(&pool).await?;
    let mona = register(&engine, "mona", AccountRole::Moderator).await?;
    let run = engine.retrain_now(mona, "en").await?;
    let job = engine
        .claim_model_job("fake", LEASE)
        .await?
        .ok_or_else(|| Error::Internal("nothing queued".to_owned()))?;
    engine
        .finish_model_job(
            job.id,
            "fake",
            JobOutcome::Failed("out of memory".to_owned()),
        )
        .await?;
    assert_eq!(engine.tick_retraining().await?, 1);
    let registry = engine.model_registry(mona).await?;
    let failed = registry
        .iter()
        .flat_map(|l| l.runs.iter())
        .find(|r| r.id == run)
        .cloned();
    let failed = failed.ok_or_else(|| Error::Internal("run missing".to_owned()))?;
    assert_eq!(failed.state, RunState::Failed);
    assert!(failed.error.unwrap_or_default().contains("out of memory"));
    assert!(registry.iter().all(|l| l.current.is_none()));
    // nothing in flight any more: a new run may start
    engine.retrain_now(mona, "en").await?;
    Ok(())
}

#[sqlx::test(migrator = "crate::MIGRATOR")]
async fn the_disagreement_review_lists_where_the_model_contradicts_the_consensus(
    pool: PgPool,
) -> Result<(), Error> {
    let engine = grown(&pool).await?;
    let mona = register(&engine, "mona", AccountRole::Moderator).await?;
    let ann = register(&engine, "ann", AccountRole::Annotator).await?;
    let none = engine.disagreement_review(mona, "en").await?;
    assert_eq!(none.model, None, "no current model, nothing compared");
    let trees: Vec<TreeId> = engine
        .ranked_groups(&TrainingSettings::default())
        .await?
        .into_iter()
        .map(|g| g.tree)
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    // a first model is promoted whatever it learnt: here one that orders everything backwards
    engine.retrain_now(mona, "en").await?;
    settle(&engine, &trees, |_| Judge::Wrong).await?;
    let review = engine.disagreement_review(mona, "en").await?;
    assert!(review.model.is_some());
    assert!(!review.parents.is_empty(), "{review:#?}");
    for parent in &review.parents {
        assert!(parent.tau < 0.0, "{parent:#?}");
        assert_eq!(parent.consensus.len(), parent.model.len());
        // the model's order is by its scores, best first
        let scores: Vec<f32> = parent.model.iter().filter_map(|r| r.score).collect();
        assert!(scores.windows(2).all(|w| w.first() >= w.get(1)));
        assert!(!parent.parent_text.is_empty());
    }
    // honest rankers agree with each other: none disagrees with both
    assert!(review.annotators.is_empty(), "{:#?}", review.annotators);
    let refused = engine.disagreement_review(ann, "en").await;
    assert_eq!(refused.map_err(|e| e.code()), Err("forbidden"));
    Ok(())
}
