//! Training data, model archives and scores against Postgres, on trees grown by the simulator
//! through the real task use-cases.

use crate::{
    model_jobs::JobOutcome,
    testing::{grown_sensible, member},
    Engine, Error,
};
use domain::{
    account::Role as AccountRole,
    ids::{JobId, UserId},
    message::Role,
    training::{JobResult, JobSpec, RankingSource, TrainingSettings},
    tree::TreeState,
};
use sqlx::PgPool;
use std::time::Duration;

const LEASE: Duration = Duration::from_secs(60);

async fn grown(pool: &PgPool, trees: usize) -> Result<Engine, Error> {
    grown_sensible(pool, trees, 5).await
}

async fn moderator(engine: &Engine) -> Result<UserId, Error> {
    member(engine, "mona", AccountRole::Moderator).await
}

/// A training job claimed by `worker`, and the moderator who created it.
async fn running_job(engine: &Engine, worker: &str) -> Result<(UserId, JobId), Error> {
    let mona = moderator(engine).await?;
    engine
        .create_model_job(mona, JobSpec::Train(TrainingSettings::default()))
        .await?;
    let job = engine
        .claim_model_job(worker, LEASE)
        .await?
        .ok_or_else(|| Error::Internal("nothing claimed".to_owned()))?;
    Ok((mona, job.id))
}

#[sqlx::test(migrator = "crate::MIGRATOR")]
async fn ranked_groups_follow_the_rankings_of_assistant_replies(pool: PgPool) -> Result<(), Error> {
    let engine = grown(&pool, 6).await?;
    let settings = TrainingSettings::default();
    let groups = engine.ranked_groups(&settings).await?;
    assert!(!groups.is_empty());
    for group in &groups {
        assert!(group.is_trainable());
        let last = group.conversation.last().map(|turn| turn.role);
        assert_eq!(
            last,
            Some(Role::Prompter),
            "the parent ends the conversation"
        );
        assert_eq!(
            group.conversation.first().map(|t| t.role),
            Some(Role::Prompter)
        );
        // honest rankers put sensible sentences first, shuffled ones after
        for reply in &group.replies {
            assert_eq!(
                reply.tier == 0,
                crate::simulate::is_sensible(&reply.text),
                "{}",
                reply.text
            );
        }
    }
    // raw rankings: one example per ranking, at least as many as by consensus here
    let raw = engine
        .ranked_groups(&TrainingSettings {
            ranking_source: RankingSource::Raw,
            ..settings.clone()
        })
        .await?;
    assert!(raw.len() >= groups.len());
    // filters: another language or an unused state gives nothing
    let none = engine
        .ranked_groups(&TrainingSettings {
            languages: vec!["de".to_owned()],
            ..settings.clone()
        })
        .await?;
    assert!(none.is_empty());
    let none = engine
        .ranked_groups(&TrainingSettings {
            tree_states: vec![TreeState::HaltedByModerator],
            ..settings
        })
        .await?;
    assert!(none.is_empty());
    // scoring reads every visible assistant reply with its conversation
    let inputs = engine.scoring_inputs(None).await?;
    assert!(inputs.len() >= groups.iter().map(|g| g.replies.len()).sum::<usize>());
    assert!(inputs
        .iter()
        .all(|i| i.conversation.starts_with("prompter: ")));
    Ok(())
}

#[sqlx::test(migrator = "crate::MIGRATOR")]
async fn an_archive_is_stored_in_chunks_only_by_the_lease_holder(
    pool: PgPool,
) -> Result<(), Error> {
    let engine = Engine::new(pool);
    let (mona, job) = running_job(&engine, "worker-a").await?;
    let archive: Vec<u8> = (0..(super::ARTIFACT_CHUNK * 2 + 123))
        .map(|i| (i % 251) as u8)
        .collect();
    let result = JobResult::Scored { messages: 0 };
    let refused = engine
        .store_model_artifact(job, "worker-b", &archive, &result, &[])
        .await;
    assert_eq!(refused.map_err(|e| e.code()), Err("lease_lost"));
    assert_eq!(engine.model_artifact(job).await?, None);

    engine
        .store_model_artifact(job, "worker-a", &archive, &result, &[])
        .await?;
    // a retry replaces the first upload rather than appending to it
    engine
        .store_model_artifact(job, "worker-a", &archive, &result, &[])
        .await?;
    assert_eq!(engine.model_artifact(job).await?, Some(archive.clone()));
    assert!(engine.model_archive_chunk(job, 2).await?.is_some());
    assert!(engine.model_archive_chunk(job, 3).await?.is_none());
    engine
        .finish_model_job(job, "worker-a", JobOutcome::Succeeded)
        .await?;
    assert_eq!(
        engine.model_archive_size(mona, job).await?,
        archive.len() as i64
    );
    let (view, _) = engine.model_job(mona, job).await?;
    assert_eq!(view.result, Some(result));
    Ok(())
}

#[sqlx::test(migrator = "crate::MIGRATOR")]
async fn scores_are_stored_per_message_and_the_latest_is_read(pool: PgPool) -> Result<(), Error> {
    let engine = grown(&pool, 1).await?;
    let inputs = engine.scoring_inputs(None).await?;
    let (_, job) = running_job(&engine, "worker-a").await?;
    let scores: Vec<_> = inputs.iter().map(|i| (i.message, 0.5f32)).collect();
    let refused = engine
        .store_message_scores(job, "worker-b", job, &scores)
        .await;
    assert_eq!(refused.map_err(|e| e.code()), Err("lease_lost"));
    engine
        .store_message_scores(job, "worker-a", job, &scores)
        .await?;
    let rescored: Vec<_> = inputs.iter().map(|i| (i.message, -1.25f32)).collect();
    engine
        .store_message_scores(job, "worker-a", job, &rescored)
        .await?;
    let ids: Vec<_> = inputs.iter().map(|i| i.message).collect();
    let read = engine.message_scores(&ids).await?;
    assert_eq!(read.len(), ids.len());
    assert!(read
        .values()
        .all(|(score, model)| *score == -1.25 && *model == job));

    // exports carry the score only when asked, on exactly the scored messages
    let export = |include_reward_scores| {
        let mut options = crate::export::ExportOptions::new(crate::export::ExportFormat::Messages);
        options.states = Vec::new();
        options.include_reward_scores = include_reward_scores;
        let engine = engine.clone();
        async move {
            let mut cursor = engine.export(options);
            let mut out = Vec::new();
            while let Some(chunk) = cursor.next_chunk().await? {
                out.extend(chunk);
            }
            Ok::<_, Error>(String::from_utf8_lossy(&out).into_owned())
        }
    };
    let plain = export(false).await?;
    assert!(!plain.is_empty() && !plain.contains("reward_score"));
    let scored = export(true).await?;
    let with_score = scored
        .lines()
        .filter(|l| l.contains("\"reward_score\":-1.25"))
        .count();
    assert_eq!(with_score, ids.len());
    Ok(())
}
