//! The task engine against Postgres: a tree's whole life, the validation rules, skips,
//! idempotent submits, auto-moderation and the adaptive weighting.

use super::{TaskAnswer, TaskRequest, TaskSkip};
use crate::{reactions::Thumb, testing::contributor, Engine, Error, TreeConfig};
use domain::{
    ids::{MessageId, UserId},
    task::{SkipReason, TaskKind},
    tree::TreeState,
};
use sqlx::PgPool;
use std::collections::BTreeMap;
use time::OffsetDateTime;

/// A small tree: prompt plus two replies reach the goal.
fn small() -> TreeConfig {
    TreeConfig {
        goal_tree_size: 3,
        max_depth: 2,
        ..TreeConfig::default()
    }
}

fn request(kind: TaskKind) -> TaskRequest {
    TaskRequest {
        kind: Some(kind),
        lang: "en".to_owned(),
    }
}

fn text(t: &str) -> TaskAnswer {
    TaskAnswer::Text { text: t.to_owned() }
}

fn review(spam: f64) -> TaskAnswer {
    TaskAnswer::Labels {
        labels: BTreeMap::from([("spam".to_owned(), spam)]),
    }
}

async fn write(
    engine: &Engine,
    user: UserId,
    kind: TaskKind,
    body: &str,
) -> Result<super::TaskOutcome, Error> {
    let task = engine.request_task(user, request(kind)).await?;
    engine
        .submit_task(user, task.task_id, text(body), None)
        .await
}

async fn review_as(
    engine: &Engine,
    user: UserId,
    kind: TaskKind,
    spam: f64,
) -> Result<super::TaskOutcome, Error> {
    let task = engine.request_task(user, request(kind)).await?;
    engine
        .submit_task(user, task.task_id, review(spam), None)
        .await
}

async fn state_of(pool: &PgPool, tree: MessageId) -> Result<String, Error> {
    Ok(sqlx::query_scalar!(
        "select state from message_tree where message_tree_id = $1",
        tree.as_uuid()
    )
    .fetch_one(pool)
    .await?)
}

#[sqlx::test(migrator = "crate::MIGRATOR")]
async fn a_tree_goes_from_prompt_to_export_with_consensus_ranks(pool: PgPool) -> Result<(), Error> {
    let engine = Engine::with_config(pool.clone(), small());
    let users: Vec<UserId> =
        futures_join(&engine, &["ada", "bob", "cyd", "dee", "eve", "fay"]).await?;
    let [ada, bob, cy, dee, eve, fay] = users[..] else {
        unreachable!()
    };

    let prompt = write(&engine, ada, TaskKind::InitialPrompt, "How do tides work?").await?;
    let root = prompt.message_id.ok_or(Error::NotFound("message"))?;
    assert_eq!(prompt.tree_state, Some(TreeState::InitialPromptReview));
    for reviewer in [bob, cy, dee] {
        review_as(&engine, reviewer, TaskKind::LabelInitialPrompt, 0.0).await?;
    }
    // accepted, and the lottery drew it at once (a slot was free)
    assert_eq!(state_of(&pool, root).await?, "growing");

    let good = write(
        &engine,
        bob,
        TaskKind::AssistantReply,
        "The moon's gravity pulls the oceans.",
    )
    .await?;
    let bad = write(
        &engine,
        cy,
        TaskKind::AssistantReply,
        "Tides are caused by wind, mostly.",
    )
    .await?;
    for reviewer in [ada, dee, eve] {
        review_as(&engine, reviewer, TaskKind::LabelAssistantReply, 0.0).await?;
        review_as(&engine, reviewer, TaskKind::LabelAssistantReply, 0.0).await?;
    }
    assert_eq!(state_of(&pool, root).await?, "ranking");

    let (good, bad) = (
        good.message_id.ok_or(Error::NotFound("m"))?,
        bad.message_id.ok_or(Error::NotFound("m"))?,
    );
    for ranker in [dee, eve, fay] {
        let task = engine
            .request_task(ranker, request(TaskKind::RankAssistantReplies))
            .await?;
        assert_eq!(task.replies.len(), 2);
        let ranking = TaskAnswer::Ranking {
            ranking: vec![vec![good], vec![bad]],
            not_rankable: false,
        };
        engine
            .submit_task(ranker, task.task_id, ranking, None)
            .await?;
    }
    assert_eq!(state_of(&pool, root).await?, "ready_for_export");
    let ranks: Vec<(uuid::Uuid, Option<i32>)> = sqlx::query!(
        "select message_id, rank from message where parent_id = $1 order by rank",
        root.as_uuid()
    )
    .fetch_all(&pool)
    .await?
    .into_iter()
    .map(|r| (r.message_id, r.rank))
    .collect();
    assert_eq!(
        ranks,
        vec![(good.as_uuid(), Some(0)), (bad.as_uuid(), Some(1))]
    );
    assert_eq!(engine.check_invariants().await?, Vec::<String>::new());
    Ok(())
}

async fn futures_join(engine: &Engine, names: &[&str]) -> Result<Vec<UserId>, Error> {
    let mut users = Vec::new();
    for name in names {
        users.push(contributor(engine, name).await?);
    }
    Ok(users)
}

#[sqlx::test(migrator = "crate::MIGRATOR")]
async fn a_spam_prompt_aborts_its_tree(pool: PgPool) -> Result<(), Error> {
    let engine = Engine::with_config(pool.clone(), small());
    let users = futures_join(&engine, &["ada", "bob", "cyd", "dee"]).await?;
    let prompt = write(
        &engine,
        users[0],
        TaskKind::InitialPrompt,
        "BUY NOW cheap pills",
    )
    .await?;
    for reviewer in &users[1..] {
        review_as(&engine, *reviewer, TaskKind::LabelInitialPrompt, 1.0).await?;
    }
    let root = prompt.message_id.ok_or(Error::NotFound("m"))?;
    assert_eq!(state_of(&pool, root).await?, "aborted_low_grade");
    Ok(())
}

#[sqlx::test(migrator = "crate::MIGRATOR")]
async fn submits_are_validated_with_stable_codes(pool: PgPool) -> Result<(), Error> {
    let engine = Engine::with_config(pool.clone(), small());
    let ada = contributor(&engine, "ada").await?;
    let bob = contributor(&engine, "bob").await?;
    let task = engine
        .request_task(ada, request(TaskKind::InitialPrompt))
        .await?;
    let code = |result: Result<super::TaskOutcome, Error>| result.map(|_| ()).map_err(|e| e.code());

    assert_eq!(
        code(
            engine
                .submit_task(ada, task.task_id, text("   "), None)
                .await
        ),
        Err("text_empty")
    );
    let long = "x".repeat(2001);
    assert_eq!(
        code(
            engine
                .submit_task(ada, task.task_id, text(&long), None)
                .await
        ),
        Err("text_too_long")
    );
    assert_eq!(
        code(
            engine
                .submit_task(ada, task.task_id, review(0.0), None)
                .await
        ),
        Err("wrong_answer_type")
    );
    assert_eq!(
        code(
            engine
                .submit_task(bob, task.task_id, text("hello"), None)
                .await
        ),
        Err("task_not_yours")
    );
    engine
        .submit_task(ada, task.task_id, text("What is a tide?"), None)
        .await?;
    assert_eq!(
        code(
            engine
                .submit_task(ada, task.task_id, text("again"), None)
                .await
        ),
        Err("task_already_done")
    );

    let second = engine
        .request_task(ada, request(TaskKind::InitialPrompt))
        .await?;
    assert_eq!(
        code(
            engine
                .submit_task(ada, second.task_id, text("What is a tide?"), None)
                .await
        ),
        Err("duplicate_message")
    );
    sqlx::query!(
        "update task set expires_at = now() - interval '1 minute' where task_id = $1",
        second.task_id.as_uuid()
    )
    .execute(&pool)
    .await?;
    assert_eq!(
        code(
            engine
                .submit_task(ada, second.task_id, text("Other"), None)
                .await
        ),
        Err("task_expired")
    );
    let unknown = domain::ids::TaskId::from_uuid(uuid::Uuid::new_v4());
    assert_eq!(
        code(engine.submit_task(ada, unknown, text("x"), None).await),
        Err("task_not_found")
    );
    let request = TaskRequest {
        kind: None,
        lang: "xx".to_owned(),
    };
    assert_eq!(
        engine
            .request_task(ada, request)
            .await
            .map(|_| ())
            .map_err(|e| e.code()),
        Err("unsupported_language")
    );
    Ok(())
}

#[sqlx::test(migrator = "crate::MIGRATOR")]
async fn reviews_need_mandatory_labels_and_store_untouched_scales_as_absent(
    pool: PgPool,
) -> Result<(), Error> {
    let engine = Engine::with_config(pool.clone(), small());
    let ada = contributor(&engine, "ada").await?;
    let bob = contributor(&engine, "bob").await?;
    write(&engine, ada, TaskKind::InitialPrompt, "Explain rainbows.").await?;
    let task = engine
        .request_task(bob, request(TaskKind::LabelInitialPrompt))
        .await?;
    assert!(task
        .labels
        .iter()
        .any(|field| field.name == "spam" && field.mandatory));
    let only_quality = TaskAnswer::Labels {
        labels: BTreeMap::from([("quality".to_owned(), 0.75)]),
    };
    let missing = engine
        .submit_task(bob, task.task_id, only_quality, None)
        .await;
    assert_eq!(
        missing.map(|_| ()).map_err(|e| e.code()),
        Err("mandatory_label_missing")
    );
    let answer = TaskAnswer::Labels {
        labels: BTreeMap::from([("spam".to_owned(), 0.0), ("creativity".to_owned(), 0.5)]),
    };
    engine.submit_task(bob, task.task_id, answer, None).await?;
    let stored = sqlx::query_scalar!("select labels from label where user_id = $1", bob.as_uuid())
        .fetch_one(&pool)
        .await?;
    assert_eq!(
        stored,
        serde_json::json!({ "spam": 0.0, "creativity": 0.5 })
    );
    // nobody reviews their own prompt
    let own = engine
        .request_task(ada, request(TaskKind::LabelInitialPrompt))
        .await;
    assert_eq!(
        own.map(|_| ()).map_err(|e| e.code()),
        Err("no_task_available")
    );
    Ok(())
}

#[sqlx::test(migrator = "crate::MIGRATOR")]
async fn a_retried_submit_with_the_same_key_returns_the_first_result(
    pool: PgPool,
) -> Result<(), Error> {
    let engine = Engine::with_config(pool.clone(), small());
    let ada = contributor(&engine, "ada").await?;
    let task = engine
        .request_task(ada, request(TaskKind::InitialPrompt))
        .await?;
    let key = Some("draft-42".to_owned());
    let first = engine
        .submit_task(ada, task.task_id, text("Why is the sky blue?"), key.clone())
        .await?;
    let again = engine
        .submit_task(ada, task.task_id, text("Why is the sky blue?"), key.clone())
        .await?;
    assert_eq!(first, again);
    let messages = sqlx::query_scalar!("select count(*) as \"n!\" from message")
        .fetch_one(&pool)
        .await?;
    assert_eq!(messages, 1, "nothing duplicated");
    let other = engine
        .request_task(ada, request(TaskKind::InitialPrompt))
        .await?;
    let reused = engine
        .submit_task(ada, other.task_id, text("Another"), key)
        .await;
    assert_eq!(
        reused.map(|_| ()).map_err(|e| e.code()),
        Err("client_key_reused")
    );
    Ok(())
}

#[sqlx::test(migrator = "crate::MIGRATOR")]
async fn a_keyed_submit_to_an_unknown_task_or_with_a_nul_byte_is_bad_input(
    pool: PgPool,
) -> Result<(), Error> {
    let engine = Engine::with_config(pool.clone(), small());
    let ada = contributor(&engine, "ada").await?;
    let unknown = domain::ids::TaskId::from_uuid(uuid::Uuid::from_u128(7));
    let answer = engine
        .submit_task(ada, unknown, text("Hello there"), Some("k1".to_owned()))
        .await;
    assert_eq!(
        answer.map(|_| ()).map_err(|e| e.code()),
        Err("task_not_found")
    );
    let task = engine
        .request_task(ada, request(TaskKind::InitialPrompt))
        .await?;
    let nul_key = engine
        .submit_task(
            ada,
            task.task_id,
            text("Hello there"),
            Some("k\0".to_owned()),
        )
        .await;
    assert_eq!(
        nul_key.map(|_| ()).map_err(|e| e.code()),
        Err("invalid_client_key")
    );
    let prompt = engine
        .submit_task(ada, task.task_id, text("Fine, then."), None)
        .await?;
    let bob = contributor(&engine, "bob").await?;
    let message = prompt
        .message_id
        .ok_or(Error::Internal("no message".to_owned()))?;
    let reported = engine
        .report_message(bob, message, "contains \0 a NUL byte")
        .await;
    assert_eq!(
        reported.as_ref().map_err(Error::kind),
        Err(crate::ErrorKind::BadInput),
        "{reported:?}"
    );
    Ok(())
}

#[sqlx::test(migrator = "crate::MIGRATOR")]
async fn a_held_task_comes_back_and_a_skipped_item_never_does(pool: PgPool) -> Result<(), Error> {
    let engine = Engine::with_config(pool.clone(), small());
    let ada = contributor(&engine, "ada").await?;
    let bob = contributor(&engine, "bob").await?;
    write(&engine, ada, TaskKind::InitialPrompt, "Explain rainbows.").await?;
    let first = engine
        .request_task(bob, request(TaskKind::LabelInitialPrompt))
        .await?;
    let reload = engine
        .request_task(bob, request(TaskKind::LabelInitialPrompt))
        .await?;
    assert_eq!(first.task_id, reload.task_id, "a reload gets the same task");
    let skip = TaskSkip {
        reason: SkipReason::NotMyLanguage,
        report_text: None,
    };
    engine.skip_task(bob, first.task_id, skip).await?;
    let next = engine
        .request_task(bob, request(TaskKind::LabelInitialPrompt))
        .await;
    assert_eq!(
        next.map(|_| ()).map_err(|e| e.code()),
        Err("no_task_available")
    );
    Ok(())
}

#[sqlx::test(migrator = "crate::MIGRATOR")]
async fn too_many_open_tasks_are_refused(pool: PgPool) -> Result<(), Error> {
    let config = TreeConfig {
        max_pending_tasks_per_user: 1,
        ..small()
    };
    let engine = Engine::with_config(pool.clone(), config);
    let ada = contributor(&engine, "ada").await?;
    let bob = contributor(&engine, "bob").await?;
    write(&engine, ada, TaskKind::InitialPrompt, "Explain rainbows.").await?;
    engine
        .request_task(bob, request(TaskKind::InitialPrompt))
        .await?;
    let second = engine
        .request_task(bob, request(TaskKind::LabelInitialPrompt))
        .await;
    assert_eq!(
        second.map(|_| ()).map_err(|e| e.code()),
        Err("too_many_pending_tasks")
    );
    Ok(())
}

#[sqlx::test(migrator = "crate::MIGRATOR")]
async fn rankings_must_be_exact_permutations(pool: PgPool) -> Result<(), Error> {
    let engine = Engine::with_config(pool.clone(), small());
    let users = futures_join(&engine, &["ada", "bob", "cyd", "dee", "eve"]).await?;
    let [ada, bob, cy, dee, eve] = users[..] else {
        unreachable!()
    };
    write(&engine, ada, TaskKind::InitialPrompt, "How do tides work?").await?;
    for reviewer in [bob, cy, dee] {
        review_as(&engine, reviewer, TaskKind::LabelInitialPrompt, 0.0).await?;
    }
    let one = write(
        &engine,
        bob,
        TaskKind::AssistantReply,
        "Gravity of the moon.",
    )
    .await?;
    write(&engine, cy, TaskKind::AssistantReply, "Wind, mostly.").await?;
    for reviewer in [ada, dee, eve] {
        review_as(&engine, reviewer, TaskKind::LabelAssistantReply, 0.0).await?;
        review_as(&engine, reviewer, TaskKind::LabelAssistantReply, 0.0).await?;
    }
    let task = engine
        .request_task(dee, request(TaskKind::RankAssistantReplies))
        .await?;
    let one = one.message_id.ok_or(Error::NotFound("m"))?;
    let partial = TaskAnswer::Ranking {
        ranking: vec![vec![one]],
        not_rankable: false,
    };
    let result = engine.submit_task(dee, task.task_id, partial, None).await;
    assert_eq!(
        result.map(|_| ()).map_err(|e| e.code()),
        Err("invalid_ranking")
    );
    let twice = TaskAnswer::Ranking {
        ranking: vec![vec![one], vec![one]],
        not_rankable: false,
    };
    let result = engine.submit_task(dee, task.task_id, twice, None).await;
    assert_eq!(
        result.map(|_| ()).map_err(|e| e.code()),
        Err("invalid_ranking")
    );
    // a tie of both replies is a valid ranking, as is "all bad"
    let tie = TaskAnswer::Ranking {
        ranking: vec![task.replies.iter().map(|r| r.message_id).collect()],
        not_rankable: false,
    };
    engine.submit_task(dee, task.task_id, tie, None).await?;
    let task = engine
        .request_task(eve, request(TaskKind::RankAssistantReplies))
        .await?;
    let all_bad = TaskAnswer::Ranking {
        ranking: vec![],
        not_rankable: true,
    };
    engine.submit_task(eve, task.task_id, all_bad, None).await?;
    // the authors of the replies are never asked to rank them
    let own = engine
        .request_task(bob, request(TaskKind::RankAssistantReplies))
        .await;
    assert_eq!(
        own.map(|_| ()).map_err(|e| e.code()),
        Err("no_task_available")
    );
    assert_eq!(engine.check_invariants().await?, Vec::<String>::new());
    Ok(())
}

#[sqlx::test(migrator = "crate::MIGRATOR")]
async fn thumbs_toggle_and_red_flags_remove_a_reply(pool: PgPool) -> Result<(), Error> {
    let engine = Engine::with_config(
        pool.clone(),
        TreeConfig {
            auto_mod_red_flags: 2,
            ..small()
        },
    );
    let users = futures_join(&engine, &["ada", "bob", "cyd", "dee"]).await?;
    let [ada, bob, cy, dee] = users[..] else {
        unreachable!()
    };
    let prompt = write(&engine, ada, TaskKind::InitialPrompt, "Explain rainbows.").await?;
    let root = prompt.message_id.ok_or(Error::NotFound("m"))?;
    let up = engine.toggle_thumb(bob, root, Thumb::Up).await?;
    assert_eq!(
        (up.thumbs_up, up.thumbs_down, up.mine),
        (1, 0, Some(Thumb::Up))
    );
    let down = engine.toggle_thumb(bob, root, Thumb::Down).await?;
    assert_eq!(
        (down.thumbs_up, down.thumbs_down, down.mine),
        (0, 1, Some(Thumb::Down))
    );
    let off = engine.toggle_thumb(bob, root, Thumb::Down).await?;
    assert_eq!((off.thumbs_up, off.thumbs_down, off.mine), (0, 0, None));
    let own = engine.toggle_thumb(ada, root, Thumb::Up).await;
    assert_eq!(own.map(|_| ()).map_err(|e| e.code()), Err("own_message"));

    for reviewer in [bob, cy, dee] {
        review_as(&engine, reviewer, TaskKind::LabelInitialPrompt, 0.0).await?;
    }
    let reply = write(
        &engine,
        bob,
        TaskKind::AssistantReply,
        "Light bends in droplets.",
    )
    .await?;
    let reply = reply.message_id.ok_or(Error::NotFound("m"))?;
    let empty = engine.report_message(cy, reply, "  ").await;
    assert_eq!(empty.map_err(|e| e.code()), Err("report_reason_empty"));
    engine.report_message(cy, reply, "This is rude.").await?;
    engine.report_message(dee, reply, "Offensive.").await?;
    let deleted = sqlx::query_scalar!(
        "select deleted from message where message_id = $1",
        reply.as_uuid()
    )
    .fetch_one(&pool)
    .await?;
    assert!(deleted, "two red flags remove the reply");
    assert_eq!(engine.check_invariants().await?, Vec::<String>::new());
    Ok(())
}

#[sqlx::test(migrator = "crate::MIGRATOR")]
async fn a_full_prompt_pipeline_stops_asking_for_prompts(pool: PgPool) -> Result<(), Error> {
    // two growing slots (the seven people here are not crowd enough for a third): prompts
    // are asked for only while the pipeline (trees growing and prompts queued) holds fewer
    // than six
    let engine = Engine::with_config(
        pool.clone(),
        TreeConfig {
            max_active_trees: 2,
            annotators_per_growing_tree: 4,
            ..small()
        },
    );
    let writers = futures_join(&engine, &["ada", "bob", "cyd", "dee", "fay", "gus"]).await?;
    for (n, writer) in writers.iter().enumerate() {
        write(
            &engine,
            *writer,
            TaskKind::InitialPrompt,
            &format!("Prompt number {n}"),
        )
        .await?;
    }
    let eve = contributor(&engine, "eve").await?;
    let availability = engine.task_availability(eve, "en").await?;
    assert_eq!(availability.counts.get(&TaskKind::InitialPrompt), Some(&0));
    assert_eq!(
        availability.counts.get(&TaskKind::LabelInitialPrompt),
        Some(&6)
    );
    assert!(availability.initial_prompt_paused_reason.is_some());
    let asked = engine
        .request_task(eve, request(TaskKind::InitialPrompt))
        .await;
    assert_eq!(
        asked.map(|_| ()).map_err(|e| e.code()),
        Err("no_task_available")
    );
    // "any task" goes where the work is: reviews
    for _ in 0..4 {
        let task = engine
            .request_task(
                eve,
                TaskRequest {
                    kind: None,
                    lang: "en".to_owned(),
                },
            )
            .await?;
        assert_eq!(task.kind, TaskKind::LabelInitialPrompt);
        engine
            .submit_task(eve, task.task_id, review(0.0), None)
            .await?;
    }
    Ok(())
}

#[sqlx::test(migrator = "crate::MIGRATOR")]
async fn the_sweep_finishes_what_a_configuration_change_allows(pool: PgPool) -> Result<(), Error> {
    let strict = TreeConfig {
        num_reviews_initial_prompt: 5,
        ..small()
    };
    let engine = Engine::with_config(pool.clone(), strict);
    let users = futures_join(&engine, &["ada", "bob", "cyd", "dee"]).await?;
    let prompt = write(
        &engine,
        users[0],
        TaskKind::InitialPrompt,
        "Explain rainbows.",
    )
    .await?;
    for reviewer in &users[1..] {
        review_as(&engine, *reviewer, TaskKind::LabelInitialPrompt, 0.0).await?;
    }
    let root = prompt.message_id.ok_or(Error::NotFound("m"))?;
    assert_eq!(state_of(&pool, root).await?, "initial_prompt_review");
    let relaxed = Engine::with_config(pool.clone(), small());
    assert!(relaxed.sweep_trees().await? >= 1);
    assert_eq!(state_of(&pool, root).await?, "growing");
    Ok(())
}

#[sqlx::test(migrator = "crate::MIGRATOR")]
async fn annotators_asking_at_once_never_share_the_last_slot(pool: PgPool) -> Result<(), Error> {
    // one active tree: the prompt lottery (which serialises requests) is not drawn
    let config = TreeConfig {
        max_children_count: 1,
        num_reviews_initial_prompt: 1,
        max_active_trees: 1,
        ..TreeConfig::default()
    };
    let engine = Engine::with_config(pool, config);
    let users = futures_join(
        &engine,
        &["ada", "bob", "cy1", "cy2", "cy3", "cy4", "cy5", "cy6"],
    )
    .await?;
    let (ada, bob, writers) = match users.as_slice() {
        [ada, bob, rest @ ..] => (*ada, *bob, rest.to_vec()),
        _ => unreachable!("eight users"),
    };
    write(&engine, ada, TaskKind::InitialPrompt, "Why do cats purr?").await?;
    review_as(&engine, bob, TaskKind::LabelInitialPrompt, 0.0).await?;

    // six annotators ask for a reply task at the same moment; the prompt takes one reply
    let asks = writers
        .iter()
        .map(|user| engine.request_task(*user, request(TaskKind::AssistantReply)));
    let answers = futures::future::join_all(asks).await;
    let granted: Vec<_> = answers.iter().filter(|a| a.is_ok()).collect();
    assert_eq!(granted.len(), 1, "{answers:?}");
    assert!(answers
        .iter()
        .filter_map(|a| a.as_ref().err())
        .all(|e| e.code() == "no_task_available"));
    // and the one who got it can hand in the reply
    let (user, task) = writers
        .iter()
        .zip(&answers)
        .find_map(|(user, answer)| answer.as_ref().ok().map(|task| (*user, task.task_id)))
        .unwrap_or_else(|| unreachable!("one was granted"));
    engine
        .submit_task(
            user,
            task,
            text("Purring is a low vibration of the larynx."),
            None,
        )
        .await?;
    Ok(())
}

/// Three prompts written by the first three of `users` and accepted by the fourth's reviews
/// (one review each accepts a prompt in the configs that use this).
async fn three_accepted_prompts(engine: &Engine, users: &[UserId]) -> Result<(), Error> {
    for (i, user) in users.iter().take(3).enumerate() {
        write(
            engine,
            *user,
            TaskKind::InitialPrompt,
            &format!("Question number {i} for the crowd?"),
        )
        .await?;
    }
    for _ in 0..3 {
        review_as(engine, users[3], TaskKind::LabelInitialPrompt, 0.0).await?;
    }
    Ok(())
}

async fn growing_trees(pool: &PgPool) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar!("select count(*) as \"n!\" from message_tree where state = 'growing'")
        .fetch_one(pool)
        .await
}

/// More annotators, more trees growing at once (`domain::tree::config::active_trees`): with a
/// minimum of two trees and one more per two annotators holding a task, three accepted
/// prompts wait for a crowd: six annotators at work let the third grow.
#[sqlx::test(migrator = "crate::MIGRATOR")]
async fn a_crowd_lets_more_trees_grow(pool: PgPool) -> Result<(), Error> {
    let engine = Engine::with_config(
        pool.clone(),
        TreeConfig {
            max_active_trees: 2,
            annotators_per_growing_tree: 2,
            num_reviews_initial_prompt: 1,
            ..TreeConfig::default()
        },
    );
    let growing = || growing_trees(&pool);
    let users = futures_join(&engine, &["ada", "bob", "cyd", "dee"]).await?;
    three_accepted_prompts(&engine, &users).await?;
    assert_eq!(growing().await?, 2, "nobody is at work: the minimum grows");

    // six annotators take the six reply slots of the two trees and write
    let crowd = futures_join(&engine, &["eve", "fay", "gus", "hal", "ivy", "jon"]).await?;
    for user in &crowd {
        engine.forget_surveys();
        engine
            .request_task(*user, request(TaskKind::AssistantReply))
            .await?;
    }
    // the next survey runs the lottery for six annotators at work: three trees
    engine.forget_surveys();
    let _ = engine
        .request_task(users[3], request(TaskKind::AssistantReply))
        .await;
    assert_eq!(growing().await?, 3);
    assert_eq!(engine.check_invariants().await?, Vec::<String>::new());
    Ok(())
}

/// The request that takes a survey hands it to the others before it draws the prompt
/// lottery, which waits for the language's lottery lock (held by submits that accept a prompt
/// or finish a tree): here an outside transaction holds that lock while a due lottery is
/// drawn, and a second request gets its task from the new survey all the same; the lottery
/// is drawn once the lock is free.
#[sqlx::test(migrator = "crate::MIGRATOR")]
async fn requests_do_not_wait_for_the_lottery_of_a_survey(pool: PgPool) -> Result<(), Error> {
    let config = TreeConfig {
        max_active_trees: 2,
        num_reviews_initial_prompt: 1,
        ..TreeConfig::default()
    };
    let mut engine = Engine::with_config(pool.clone(), config.clone());
    // the second request shares the survey however slow this machine is
    engine.set_survey_max_age(std::time::Duration::from_secs(60));
    let growing = || growing_trees(&pool);
    let users = futures_join(&engine, &["ada", "bob", "cyd", "dee", "kim"]).await?;
    three_accepted_prompts(&engine, &users).await?;
    assert_eq!(growing().await?, 2, "the third tree waits for the lottery");

    // the same engine (its surveys included) allowed a third tree: the lottery is due, and
    // its lock is held elsewhere
    let engine = engine.with_tree_config(TreeConfig {
        max_active_trees: 3,
        ..config
    });
    let mut holder = pool.begin().await?;
    sqlx::query("select pg_advisory_xact_lock(hashtext('grove.lottery.' || 'en')::bigint)")
        .execute(&mut *holder)
        .await?;
    engine.forget_surveys();
    let taken_before = engine.counters().surveys_snapshot().taken;
    let taker = {
        let engine = engine.clone();
        let user = users[3];
        tokio::spawn(async move {
            engine
                .request_task(user, request(TaskKind::InitialPrompt))
                .await
        })
    };
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(5);
    while engine.counters().surveys_snapshot().taken == taken_before {
        assert!(std::time::Instant::now() < deadline, "no survey was taken");
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
    let other = tokio::time::timeout(
        std::time::Duration::from_secs(3),
        engine.request_task(users[4], request(TaskKind::InitialPrompt)),
    )
    .await
    .map_err(|_| Error::Internal("a request waited for the lottery".to_owned()))??;
    assert_eq!(other.kind, TaskKind::InitialPrompt);
    assert_eq!(growing().await?, 2, "the lottery waits for its lock");
    assert!(
        !taker.is_finished(),
        "the survey's request draws the lottery"
    );

    holder.rollback().await?;
    let taken = taker.await.map_err(|e| Error::Internal(e.to_string()))??;
    assert_eq!(taken.kind, TaskKind::InitialPrompt);
    assert_eq!(growing().await?, 3);
    assert_eq!(engine.check_invariants().await?, Vec::<String>::new());
    Ok(())
}

/// A crowd that arrives at once at an empty language is all asked for prompts: the people
/// the server saw asking count as active annotators before any of them holds a task, so the
/// first survey's ten trees' worth of prompts (here two) does not leave the rest with
/// nothing to do.
#[sqlx::test(migrator = "crate::MIGRATOR")]
async fn a_crowd_at_an_empty_language_all_write_prompts(pool: PgPool) -> Result<(), Error> {
    let engine = Engine::with_config(
        pool.clone(),
        TreeConfig {
            max_active_trees: 2,
            annotators_per_growing_tree: 1,
            ..TreeConfig::default()
        },
    );
    let names: Vec<String> = (0..30).map(|i| format!("arrival{i}")).collect();
    let names: Vec<&str> = names.iter().map(String::as_str).collect();
    let crowd = futures_join(&engine, &names).await?;
    let any = || TaskRequest {
        kind: None,
        lang: "en".to_owned(),
    };
    let tasks =
        futures::future::join_all(crowd.iter().map(|user| engine.request_task(*user, any())))
            .await
            .into_iter()
            .collect::<Result<Vec<_>, _>>()?;
    assert!(tasks
        .iter()
        .all(|task| task.kind == TaskKind::InitialPrompt));
    assert_eq!(engine.check_invariants().await?, Vec::<String>::new());
    Ok(())
}

/// The author of a prompt may rank the replies under it (only the replies' authors may not).
#[sqlx::test(migrator = "crate::MIGRATOR")]
async fn a_prompt_author_ranks_the_replies_to_their_prompt(pool: PgPool) -> Result<(), Error> {
    let engine = Engine::with_config(
        pool.clone(),
        TreeConfig {
            num_reviews_initial_prompt: 1,
            num_reviews_reply: 1,
            num_required_rankings: 1,
            ..small()
        },
    );
    let users = futures_join(&engine, &["ana", "ben", "eva"]).await?;
    let [ana, ben, eva] = users[..] else {
        unreachable!()
    };
    write(
        &engine,
        ana,
        TaskKind::InitialPrompt,
        "How do I train for a first marathon?",
    )
    .await?;
    review_as(&engine, ben, TaskKind::LabelInitialPrompt, 0.0).await?;
    write(
        &engine,
        ben,
        TaskKind::AssistantReply,
        "Build up slowly, ten percent a week.",
    )
    .await?;
    write(
        &engine,
        eva,
        TaskKind::AssistantReply,
        "Just run, and rest on the other days.",
    )
    .await?;
    review_as(&engine, ana, TaskKind::LabelAssistantReply, 0.0).await?;
    review_as(&engine, ana, TaskKind::LabelAssistantReply, 0.0).await?;
    let task = engine
        .request_task(ana, request(TaskKind::RankAssistantReplies))
        .await?;
    assert_eq!(task.replies.len(), 2);
    // the replies' authors may not rank them
    let refused = engine
        .request_task(ben, request(TaskKind::RankAssistantReplies))
        .await;
    assert!(matches!(refused, Err(e) if e.code() == "no_task_available"));
    Ok(())
}

/// Stores a browser session for `user` (signed in at the account's current session version,
/// or signed out), valid for `minutes` (negative: expired), and its task-loop caller.
async fn stored_session(
    engine: &Engine,
    key: &str,
    user: Option<UserId>,
    minutes: i64,
) -> Result<crate::Caller, Error> {
    let key = crate::web_sessions::SessionKey::new(key);
    let login = match user {
        Some(user) => Some(crate::web_sessions::SessionLogin {
            user,
            session_version: engine.user(user).await?.session_version,
        }),
        None => None,
    };
    engine
        .save_session(crate::web_sessions::SessionWrite {
            key: &key,
            login,
            data: &serde_json::json!({"theme": "dark"}),
            expires_at: OffsetDateTime::now_utc() + time::Duration::minutes(minutes),
        })
        .await?;
    Ok(crate::Caller::Session(key))
}

/// A browser session's caller is read and checked in the task loop's own transaction: a
/// session issued before a password change, of a banned account, expired, signed out or
/// unknown is not signed in there, while a call without a session (an API key's) is told the
/// account is banned.
#[sqlx::test(migrator = "crate::MIGRATOR")]
async fn a_session_caller_is_checked_in_the_task_loop(pool: PgPool) -> Result<(), Error> {
    let engine = Engine::with_config(pool, small());
    let ada = contributor(&engine, "ada").await?;
    let session = stored_session(&engine, "ada-session", Some(ada), 60).await?;
    let task = engine
        .request_task(session.clone(), request(TaskKind::InitialPrompt))
        .await?;
    // a password change elsewhere raises the version: this session is over, for requests
    // and for the submit of the task it already holds
    engine
        .change_password(
            ada,
            "lemon-stand-7".to_owned(),
            "a-new-lemon-stand-8".to_owned(),
        )
        .await?;
    let stale = engine
        .request_task(session.clone(), request(TaskKind::InitialPrompt))
        .await;
    assert!(matches!(stale, Err(Error::Unauthenticated)), "{stale:?}");
    let stale = engine
        .submit_task(session, task.task_id, text("Why is the sky blue?"), None)
        .await;
    assert!(matches!(stale, Err(Error::Unauthenticated)), "{stale:?}");
    // sessions that are not (or no longer) signed in
    let unknown = crate::Caller::Session(crate::web_sessions::SessionKey::new("nobody"));
    let expired = stored_session(&engine, "expired", Some(ada), -1).await?;
    let signed_out = stored_session(&engine, "signed-out", None, 60).await?;
    let asking = engine.surveys.demand("en");
    for caller in [unknown, expired, signed_out] {
        let refused = engine
            .request_task(caller.clone(), request(TaskKind::InitialPrompt))
            .await;
        assert!(
            matches!(refused, Err(Error::Unauthenticated)),
            "{caller:?}: {refused:?}"
        );
    }
    // made-up and ended sessions are not people asking for work (the crowd's size decides
    // how many trees grow)
    assert_eq!(engine.surveys.demand("en"), asking);
    let fresh = stored_session(&engine, "ada-again", Some(ada), 60).await?;
    let done = engine
        .submit_task(
            fresh.clone(),
            task.task_id,
            text("Why is the sky blue?"),
            None,
        )
        .await?;
    assert!(done.message_id.is_some());
    // banned: a session is signed out, a call without one is refused as banned
    engine.set_banned(ada, true).await?;
    let banned = engine
        .request_task(fresh, request(TaskKind::InitialPrompt))
        .await;
    assert!(matches!(banned, Err(Error::Unauthenticated)), "{banned:?}");
    let banned = engine
        .request_task(ada, request(TaskKind::InitialPrompt))
        .await;
    assert!(matches!(banned, Err(Error::Banned)), "{banned:?}");
    Ok(())
}

/// "Nothing to do" is never older than the request: a request that finds nothing for its
/// annotator in a survey taken before it started looks again in a newer one (and is counted),
/// here finding the prompt written since.
#[sqlx::test(migrator = "crate::MIGRATOR")]
async fn a_request_that_finds_nothing_in_an_older_survey_looks_again(
    pool: PgPool,
) -> Result<(), Error> {
    let mut engine = Engine::with_config(pool, small());
    engine.set_survey_max_age(std::time::Duration::from_secs(60));
    let [ana, ben, eva] = futures_join(&engine, &["ana", "ben", "eva"]).await?[..] else {
        unreachable!("three contributors")
    };
    let nothing = engine
        .request_task(ana, request(TaskKind::LabelInitialPrompt))
        .await;
    assert!(
        matches!(&nothing, Err(e) if e.code() == "no_task_available"),
        "{nothing:?}"
    );
    let looked = || engine.counters().surveys_snapshot().looked_again;
    assert_eq!(looked(), 0, "its survey was newer than the request");
    let prompt = engine
        .request_task(ben, request(TaskKind::InitialPrompt))
        .await?;
    engine
        .submit_task(ben, prompt.task_id, text("Why is the sky blue?"), None)
        .await?;
    // the shared survey (a minute old at most here) still lists nothing to label
    let label = engine
        .request_task(eva, request(TaskKind::LabelInitialPrompt))
        .await?;
    assert_eq!(label.kind, TaskKind::LabelInitialPrompt);
    assert_eq!(looked(), 1);
    Ok(())
}

/// Requests wait for a language's survey, so the survey has a connection of its own: it does
/// not queue for the pool behind the crowd's transactions. Here the pool's one connection is
/// busy, and the survey (its lottery included) is taken all the same.
#[sqlx::test(migrator = "crate::MIGRATOR")]
async fn a_survey_does_not_wait_for_the_pool(pool: PgPool) -> Result<(), Error> {
    let one = sqlx::postgres::PgPoolOptions::new()
        .max_connections(1)
        .acquire_timeout(std::time::Duration::from_millis(500))
        .connect_with((*pool.connect_options()).clone())
        .await?;
    let engine = Engine::new(one.clone());
    let busy = one.acquire().await?;
    let survey = engine.survey("en").await?;
    assert_eq!(survey.backlog.growing_trees, 0);
    assert_eq!(engine.counters().surveys_snapshot().taken, 1);
    // a second request within the second shares it
    engine.survey("en").await?;
    assert_eq!(engine.counters().surveys_snapshot().taken, 1);
    drop(busy);
    Ok(())
}

/// Requests wait for their language's survey, so a survey that does not come (here the table
/// it counts first is locked by another transaction, as a database that stopped answering
/// would leave it) fails the requests of the moment within the survey's time limit, as
/// `database_unavailable`, instead of holding them all; the next survey, on a new connection,
/// serves them once the database answers again.
#[sqlx::test(migrator = "crate::MIGRATOR")]
async fn a_survey_that_does_not_come_fails_the_waiting_requests_in_time(
    pool: PgPool,
) -> Result<(), Error> {
    let mut engine = Engine::with_config(pool.clone(), small());
    engine.set_survey_timeout(std::time::Duration::from_millis(300));
    let users = futures_join(&engine, &["ada", "bob"]).await?;
    let mut other = pool.begin().await?;
    sqlx::query("lock table message_tree in access exclusive mode")
        .execute(&mut *other)
        .await?;
    let asked = users.iter().map(|&user| {
        let engine = engine.clone();
        tokio::spawn(async move {
            tokio::time::timeout(
                std::time::Duration::from_secs(5),
                engine.request_task(user, request(TaskKind::InitialPrompt)),
            )
            .await
        })
    });
    for outcome in futures::future::join_all(asked).await {
        let answered = outcome
            .map_err(|e| Error::Internal(e.to_string()))?
            .map_err(|_| Error::Internal("a request waited for the survey".to_owned()))?;
        let Err(error) = answered else {
            return Err(Error::Internal("a task without a survey".to_owned()));
        };
        assert_eq!(error.code(), "database_unavailable", "{error:?}");
    }
    other.rollback().await?;
    let task = engine
        .request_task(users[0], request(TaskKind::InitialPrompt))
        .await?;
    assert_eq!(task.kind, TaskKind::InitialPrompt);
    Ok(())
}
