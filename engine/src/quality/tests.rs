//! Gold items, the evidence behind the weights, and points for decided work, against Postgres.

use crate::{
    accounts::Registration,
    import::ImportOptions,
    tasks::{TaskAnswer, TaskRequest, TaskView},
    testing::contributor,
    Engine, Error, TreeConfig,
};
use domain::{
    account::Role,
    ids::{MessageId, UserId},
    moderation::Window,
    quality::gold::{Expected, NewGold},
    task::{TaskCategory, TaskKind},
    tree::TreeState,
};
use sqlx::PgPool;
use std::collections::BTreeMap;
use uuid::Uuid;

async fn moderator(engine: &Engine) -> Result<UserId, Error> {
    Ok(engine
        .register(Registration {
            username: "moe".to_owned(),
            email: String::new(),
            password: "lemon-stand-7".to_owned(),
            role: Some(Role::Moderator),
        })
        .await?
        .id)
}

/// A finished tree: a prompt and three accepted assistant replies, each by its own author.
async fn finished_tree(engine: &Engine) -> Result<(MessageId, Vec<MessageId>), Error> {
    let prompt = Uuid::new_v4();
    let replies: Vec<Uuid> = (0..3).map(|_| Uuid::new_v4()).collect();
    let node = |id: Uuid, parent: Option<Uuid>, text: &str, role: &str| {
        serde_json::json!({
            "message_id": id, "parent_id": parent, "user_id": format!("author-{id}"),
            "created_date": "2026-01-01T00:00:00Z", "text": text, "role": role, "lang": "en",
            "review_count": 3, "review_result": true, "deleted": false, "rank": null,
            "synthetic": false,
        })
    };
    let mut root = node(prompt, None, "How do I keep basil alive?", "prompter");
    root["replies"] = serde_json::Value::Array(
        replies
            .iter()
            .zip([
                "Water it daily and give it sun.",
                "Sing to it.",
                "Basil needs no care.",
            ])
            .map(|(id, text)| node(*id, Some(prompt), text, "assistant"))
            .collect(),
    );
    let line = serde_json::json!({"message_tree_id": prompt, "tree_state": "ready_for_export", "prompt": root});
    engine
        .import_trees(
            std::io::Cursor::new(line.to_string()),
            ImportOptions::new(TreeState::ReadyForExport, "test"),
        )
        .await?;
    Ok((
        MessageId::from_uuid(prompt),
        replies.into_iter().map(MessageId::from_uuid).collect(),
    ))
}

fn any_task() -> TaskRequest {
    TaskRequest {
        kind: None,
        lang: "en".to_owned(),
    }
}

#[sqlx::test(migrator = "crate::MIGRATOR")]
async fn gold_items_come_as_ordinary_tasks_and_annotators_see_what_they_missed(
    pool: PgPool,
) -> Result<(), Error> {
    let engine = Engine::with_config(
        pool.clone(),
        TreeConfig {
            calibration_gold_share: 1.0,
            ..TreeConfig::default()
        },
    );
    let moe = moderator(&engine).await?;
    let (prompt, replies) = finished_tree(&engine).await?;
    let [best, middle, worst] = [replies[0], replies[1], replies[2]];
    let ranking = Expected::Ranking {
        ranking: vec![vec![best], vec![middle], vec![worst]],
    };
    let gold = |message_id, expected| NewGold {
        message_id,
        expected,
        explanation: "Only the first reply helps.".to_owned(),
    };

    // what moderators cannot mark
    let partial = Expected::Ranking {
        ranking: vec![vec![best], vec![middle]],
    };
    let refused = engine.mark_gold(moe, gold(prompt, partial)).await;
    assert_eq!(refused.map_err(|e| e.code()).err(), Some("invalid_gold"));
    let wrong_label = Expected::Labels {
        labels: BTreeMap::from([("helpfulness".to_owned(), 1.0)]),
        tolerance: 0.0,
    };
    let refused = engine.mark_gold(moe, gold(prompt, wrong_label)).await;
    assert_eq!(refused.map_err(|e| e.code()).err(), Some("invalid_gold"));
    let ann = contributor(&engine, "ann").await?;
    let refused = engine.mark_gold(ann, gold(prompt, ranking.clone())).await;
    assert_eq!(refused.map_err(|e| e.code()).err(), Some("forbidden"));

    engine.mark_gold(moe, gold(prompt, ranking)).await?;
    let labels = Expected::Labels {
        labels: BTreeMap::from([("spam".to_owned(), 0.0), ("quality".to_owned(), 0.75)]),
        tolerance: 0.25,
    };
    engine.mark_gold(moe, gold(best, labels)).await?;
    assert_eq!(engine.gold_items(moe, None).await?.len(), 2);

    // a newcomer in calibration gets both, looking like any other task; one answered wrong
    let mut served = Vec::new();
    for round in 0..2 {
        let task: TaskView = engine.request_task(ann, any_task()).await?;
        let json = serde_json::to_string(&task).unwrap_or_default();
        assert!(!json.contains("gold"), "{json}");
        let answer = match task.kind.category() {
            TaskCategory::Ranking => {
                assert_eq!(task.kind, TaskKind::RankAssistantReplies);
                assert_eq!(task.replies.len(), 3);
                TaskAnswer::Ranking {
                    ranking: if round == 0 {
                        vec![vec![worst], vec![middle], vec![best]]
                    } else {
                        vec![vec![best], vec![middle], vec![worst]]
                    },
                    not_rankable: false,
                }
            }
            _ => {
                assert_eq!(task.kind, TaskKind::LabelAssistantReply);
                let spam = if round == 0 { 1.0 } else { 0.0 };
                TaskAnswer::Labels {
                    labels: BTreeMap::from([
                        ("spam".to_owned(), spam),
                        ("quality".to_owned(), 0.5),
                    ]),
                }
            }
        };
        served.push(task.kind);
        engine.submit_task(ann, task.task_id, answer, None).await?;
    }
    served.sort();
    assert_eq!(
        served,
        vec![
            TaskKind::RankAssistantReplies,
            TaskKind::LabelAssistantReply
        ]
    );

    let report = engine.my_gold_report(ann).await?;
    let accuracy = report.accuracy.map(|a| (a.estimate, a.n));
    assert_eq!(accuracy, Some((0.5, 2)));
    let missed: Vec<_> = report.outcomes.iter().filter(|o| !o.correct).collect();
    assert_eq!(missed.len(), 1);
    assert_eq!(missed[0].explanation, "Only the first reply helps.");
    assert!(
        missed[0]
            .labels
            .iter()
            .any(|(name, want, _)| name == "spam" && *want == 0.0)
            || missed[0]
                .expected_order
                .first()
                .is_some_and(|g| g[0].starts_with("Water"))
    );

    // the finished tree is untouched: gold answers are not reviews or rankings
    let live = sqlx::query_scalar!(
        "select (select count(*) from label) + (select count(*) from ranking) as \"n!\""
    )
    .fetch_one(&pool)
    .await?;
    assert_eq!(live, 0);
    // a right answer earns 2, a wrong one costs 3
    assert_eq!(engine.score_card(ann).await?.points, -1);
    assert_eq!(engine.check_invariants().await?, Vec::<String>::new());

    // a retired item is served no more; a gold file marks again, all or nothing
    for item in engine.gold_items(moe, None).await? {
        engine.retire_gold(moe, item.gold_id).await?;
    }
    assert!(engine.gold_items(moe, None).await?.is_empty());
    let file = format!(
        "{}\n{{\"message_id\": \"{}\", \"kind\": \"labels\", \"labels\": {{\"spam\": 1}}}}\n",
        serde_json::json!({"message_id": middle, "kind": "labels", "labels": {"spam": 0}}),
        Uuid::new_v4(),
    );
    let refused = engine.import_gold(moe, &file).await;
    assert!(refused.is_err_and(|e| e.code() == "not_found" && e.to_string().starts_with("line 2:")));
    assert!(engine.gold_items(moe, None).await?.is_empty());
    let imported = engine
        .import_gold(moe, file.lines().next().unwrap_or_default())
        .await?;
    assert_eq!((imported.items, imported.labels), (1, 1));
    Ok(())
}

fn spam_review(spam: f64) -> TaskAnswer {
    TaskAnswer::Labels {
        labels: BTreeMap::from([("spam".to_owned(), spam)]),
    }
}

#[sqlx::test(migrator = "crate::MIGRATOR")]
async fn decided_reviews_feed_the_evidence_and_points_follow_the_decision(
    pool: PgPool,
) -> Result<(), Error> {
    let engine = Engine::with_config(pool.clone(), TreeConfig::default());
    let author = contributor(&engine, "author").await?;
    let reviewers = [
        contributor(&engine, "rita").await?,
        contributor(&engine, "ravi").await?,
        contributor(&engine, "rosa").await?,
    ];
    let task = engine
        .request_task(
            author,
            TaskRequest {
                kind: Some(TaskKind::InitialPrompt),
                lang: "en".to_owned(),
            },
        )
        .await?;
    engine
        .submit_task(
            author,
            task.task_id,
            TaskAnswer::Text {
                text: "BUY NOW cheap watches".to_owned(),
            },
            None,
        )
        .await?;
    // two call it spam, one does not: rejected
    for (reviewer, spam) in reviewers.iter().zip([1.0, 1.0, 0.0]) {
        let task = engine
            .request_task(
                *reviewer,
                TaskRequest {
                    kind: Some(TaskKind::LabelInitialPrompt),
                    lang: "en".to_owned(),
                },
            )
            .await?;
        engine
            .submit_task(*reviewer, task.task_id, spam_review(spam), None)
            .await?;
    }
    let agrees = sqlx::query_scalar!("select agrees from label order by created_at")
        .fetch_all(&pool)
        .await?;
    assert_eq!(agrees, vec![Some(true), Some(true), Some(false)]);
    let evidence = sqlx::query!(
        "select user_id, agreed_yes, missed_yes, false_yes, agreed_no, tasks_done
         from annotator_quality where user_id = any($1) order by user_id",
        &reviewers.iter().map(UserId::as_uuid).collect::<Vec<_>>(),
    )
    .fetch_all(&pool)
    .await?;
    let dissenter = evidence
        .iter()
        .find(|row| row.user_id == reviewers[2].as_uuid())
        .map(|row| (row.missed_yes, row.agreed_no, row.tasks_done));
    // against the others: spam said no where they said yes; wrong language agreed no
    assert_eq!(dissenter, Some((1, 1, 1)));
    let first = evidence
        .iter()
        .find(|row| row.user_id == reviewers[0].as_uuid())
        .map(|row| (row.agreed_yes, row.false_yes));
    // the others split 1:1 on spam (not compared), agreed no on the language
    assert_eq!(first, Some((0, 0)));

    // a rejected message costs its author points; agreeing reviews earn
    assert_eq!(engine.score_card(author).await?.points, -5);
    assert_eq!(engine.score_card(reviewers[0]).await?.points, 2);
    assert_eq!(engine.score_card(reviewers[2]).await?.points, 0);

    // a flagged annotator leaves the public leaderboard
    let board = engine.leaderboard(Window::Total, None).await?;
    let reviewer = engine.user(reviewers[0]).await?.display_name;
    assert!(board.top.iter().any(|row| row.display_name == reviewer));
    sqlx::query!(
        "update annotator_quality set flag = 'labels', flagged_at = now() where user_id = $1",
        reviewers[0].as_uuid()
    )
    .execute(&pool)
    .await?;
    let board = engine.leaderboard(Window::Total, None).await?;
    assert!(board.top.iter().all(|row| row.display_name != reviewer));
    assert_eq!(engine.check_invariants().await?, Vec::<String>::new());
    Ok(())
}
