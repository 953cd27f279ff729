//! Moderation against Postgres: every action works, is audited, and is refused to those
//! without the right.

use crate::{accounts::Registration, testing::contributor, Engine, Error, TreeConfig};
use domain::{
    account::Role,
    ids::{MessageId, UserId},
    moderation::{MessageFilter, ReportFilter, ReportOutcome, ReportStatus, UserSort, Window},
    task::{view::TaskAnswer, view::TaskRequest, TaskKind},
    tree::TreeState,
};
use sqlx::PgPool;
use std::collections::BTreeMap;

fn small() -> TreeConfig {
    TreeConfig {
        goal_tree_size: 3,
        max_depth: 2,
        num_reviews_initial_prompt: 1,
        num_reviews_reply: 1,
        num_required_rankings: 1,
        ..TreeConfig::default()
    }
}

async fn with_role(engine: &Engine, name: &str, role: Role) -> Result<UserId, Error> {
    let user = engine
        .register(Registration {
            username: name.to_owned(),
            email: String::new(),
            password: "lemon-stand-7".to_owned(),
            role: Some(role),
        })
        .await?;
    engine.accept_terms(user.id).await?;
    Ok(user.id)
}

async fn prompt(engine: &Engine, author: UserId, text: &str) -> Result<MessageId, Error> {
    let task = engine
        .request_task(
            author,
            TaskRequest {
                kind: Some(TaskKind::InitialPrompt),
                lang: "en".to_owned(),
            },
        )
        .await?;
    let outcome = engine
        .submit_task(
            author,
            task.task_id,
            TaskAnswer::Text {
                text: text.to_owned(),
            },
            None,
        )
        .await?;
    outcome.message_id.ok_or(Error::NotFound("message"))
}

async fn state(pool: &PgPool, id: MessageId) -> Result<String, Error> {
    Ok(sqlx::query_scalar!("select t.state from message_tree t join message m on m.message_tree_id = t.message_tree_id where m.message_id = $1", id.as_uuid())
        .fetch_one(pool)
        .await?)
}

#[sqlx::test(migrator = "crate::MIGRATOR")]
async fn moderators_edit_delete_restore_halt_and_every_step_is_audited(
    pool: PgPool,
) -> Result<(), Error> {
    let engine = Engine::with_config(pool.clone(), small());
    let ada = contributor(&engine, "ada").await?;
    let bob = contributor(&engine, "bob").await?;
    let moderator = with_role(&engine, "mod", Role::Moderator).await?;
    let root = prompt(&engine, ada, "How do volcanoes form?").await?;
    let review = engine
        .request_task(
            bob,
            TaskRequest {
                kind: Some(TaskKind::LabelInitialPrompt),
                lang: "en".to_owned(),
            },
        )
        .await?;
    engine
        .submit_task(
            bob,
            review.task_id,
            TaskAnswer::Labels {
                labels: BTreeMap::from([("spam".to_owned(), 0.0)]),
            },
            None,
        )
        .await?;

    let found = engine
        .moderation_messages(
            moderator,
            MessageFilter {
                query: Some("volcano".to_owned()),
                lang: Some("en".to_owned()),
                ..MessageFilter::default()
            },
        )
        .await?;
    assert_eq!(
        found
            .iter()
            .map(|m| m.message.message_id)
            .collect::<Vec<_>>(),
        vec![root],
        "stemmed search finds 'volcanoes'"
    );

    engine
        .moderation_edit(
            moderator,
            root,
            "How do volcanoes form and erupt?".to_owned(),
        )
        .await?;
    let history = engine.message_revisions(moderator, root).await?;
    assert_eq!(history.len(), 1);
    assert_eq!(history[0].previous_text, "How do volcanoes form?");
    assert_eq!(history[0].new_text, "How do volcanoes form and erupt?");

    assert_eq!(
        engine.moderation_set_halted(moderator, root, true).await?,
        TreeState::HaltedByModerator
    );
    assert_eq!(
        engine.moderation_set_halted(moderator, root, false).await?,
        TreeState::Growing
    );

    assert_eq!(engine.moderation_delete(moderator, root).await?, 1);
    let hidden = engine
        .moderation_messages(moderator, MessageFilter::default())
        .await?;
    assert!(hidden.is_empty());
    let with_deleted = engine
        .moderation_messages(
            moderator,
            MessageFilter {
                include_deleted: true,
                ..MessageFilter::default()
            },
        )
        .await?;
    assert_eq!(with_deleted.len(), 1);
    assert_eq!(engine.moderation_undelete(moderator, root).await?, 1);

    let actions: Vec<String> = engine
        .audit_log(moderator, Some(root.as_uuid()))
        .await?
        .into_iter()
        .map(|e| e.action)
        .collect();
    // the root message's id is also its tree's
    assert_eq!(
        actions,
        vec![
            "message.undelete",
            "message.delete",
            "tree.restart",
            "tree.halt",
            "message.edit"
        ]
    );
    let tree_actions = engine.audit_log(moderator, None).await?;
    assert!(tree_actions
        .iter()
        .any(|e| e.action == "tree.halt" && e.before.as_deref() == Some(r#"{"state":"growing"}"#)));
    assert_eq!(engine.check_invariants().await?, Vec::<String>::new());
    Ok(())
}

#[sqlx::test(migrator = "crate::MIGRATOR")]
async fn annotators_are_refused_every_moderation_action(pool: PgPool) -> Result<(), Error> {
    let engine = Engine::with_config(pool.clone(), small());
    let ada = contributor(&engine, "ada").await?;
    let bob = contributor(&engine, "bob").await?;
    let root = prompt(&engine, ada, "A prompt").await?;
    let forbidden = |r: Result<(), Error>| r.map_err(|e| e.code());
    assert_eq!(
        forbidden(engine.moderation_delete(bob, root).await.map(|_| ())),
        Err("forbidden")
    );
    assert_eq!(
        forbidden(engine.moderation_edit(bob, root, "x".to_owned()).await),
        Err("forbidden")
    );
    assert_eq!(
        forbidden(
            engine
                .moderation_set_halted(bob, root, true)
                .await
                .map(|_| ())
        ),
        Err("forbidden")
    );
    assert_eq!(
        forbidden(
            engine
                .moderation_users(bob, None, UserSort::Newest, 0)
                .await
                .map(|_| ())
        ),
        Err("forbidden")
    );
    assert_eq!(
        forbidden(engine.moderation_set_banned(bob, ada, true).await),
        Err("forbidden")
    );
    assert_eq!(
        forbidden(
            engine
                .moderation_purge(bob, ada, false, true)
                .await
                .map(|_| ())
        ),
        Err("forbidden")
    );
    assert_eq!(
        forbidden(
            engine
                .trollboard(bob, Window::Total, false)
                .await
                .map(|_| ())
        ),
        Err("forbidden")
    );
    Ok(())
}

#[sqlx::test(migrator = "crate::MIGRATOR")]
async fn only_admins_hand_out_moderator_and_admin_roles(pool: PgPool) -> Result<(), Error> {
    let engine = Engine::with_config(pool.clone(), small());
    let ada = contributor(&engine, "ada").await?;
    let moderator = with_role(&engine, "mod", Role::Moderator).await?;
    let admin = with_role(&engine, "root", Role::Admin).await?;
    let code = |r: Result<(), Error>| r.map_err(|e| e.code());
    assert_eq!(
        code(
            engine
                .moderation_set_role(moderator, ada, Role::Moderator)
                .await
        ),
        Err("role_not_grantable")
    );
    assert_eq!(
        code(
            engine
                .moderation_set_role(moderator, admin, Role::Annotator)
                .await
        ),
        Err("role_not_grantable")
    );
    assert_eq!(
        code(engine.moderation_set_banned(moderator, admin, true).await),
        Err("not_allowed_on_user")
    );
    engine
        .moderation_set_role(admin, ada, Role::Moderator)
        .await?;
    assert_eq!(engine.user(ada).await?.role, Role::Moderator);
    engine.moderation_set_banned(admin, moderator, true).await?;
    assert!(engine.user(moderator).await?.banned);
    Ok(())
}

#[sqlx::test(migrator = "crate::MIGRATOR")]
async fn a_report_goes_from_queue_to_resolution(pool: PgPool) -> Result<(), Error> {
    let engine = Engine::with_config(pool.clone(), small());
    let ada = contributor(&engine, "ada").await?;
    let bob = contributor(&engine, "bob").await?;
    let moderator = with_role(&engine, "mod", Role::Moderator).await?;
    let root = prompt(&engine, ada, "Buy cheap things at example dot com").await?;
    engine.report_message(bob, root, "Advertising").await?;
    let only = |status| ReportFilter::Only(status);
    let open = engine
        .moderation_reports(moderator, only(ReportStatus::Open), false, None, 0)
        .await?;
    assert_eq!(open.len(), 1);
    assert_eq!(open[0].reason, "Advertising");
    assert!(!open[0].assigned_to_me);
    engine
        .moderation_assign_report(moderator, open[0].report_id)
        .await?;
    let mine = engine
        .moderation_reports(moderator, ReportFilter::All, true, None, 0)
        .await?;
    assert_eq!(mine[0].status, ReportStatus::Assigned);
    assert!(mine[0].assigned_to_me);
    // a taken report stays in the default (unresolved) view
    let unresolved = engine
        .moderation_reports(moderator, ReportFilter::Unresolved, false, None, 0)
        .await?;
    assert_eq!(unresolved.len(), 1);
    let removed = engine
        .moderation_resolve_report(
            moderator,
            open[0].report_id,
            ReportOutcome::ContentRemoved,
            Some("removed".to_owned()),
        )
        .await?;
    assert_eq!(removed, 1, "content removed deletes the reported message");
    assert!(
        engine
            .tree_of_message(Some(bob), root, false)
            .await
            .is_err(),
        "the message is gone for annotators"
    );
    let resolved = engine
        .moderation_reports(
            moderator,
            only(ReportStatus::Resolved),
            false,
            Some(root),
            0,
        )
        .await?;
    assert_eq!(resolved[0].outcome, Some(ReportOutcome::ContentRemoved));
    assert!(resolved[0].message_deleted);
    assert!(engine
        .moderation_reports(moderator, ReportFilter::Unresolved, false, None, 0)
        .await?
        .is_empty());
    let again = engine
        .moderation_resolve_report(moderator, open[0].report_id, ReportOutcome::NoAction, None)
        .await;
    assert_eq!(again.map_err(|e| e.code()), Err("report_resolved"));
    let trolls = engine.trollboard(moderator, Window::Day, false).await?;
    assert_eq!(
        trolls.first().map(|t| (t.user.id, t.red_flags, t.score)),
        Some((ada, 1, 3))
    );
    Ok(())
}

#[sqlx::test(migrator = "crate::MIGRATOR")]
async fn a_purge_preview_changes_nothing_and_the_purge_removes_everything(
    pool: PgPool,
) -> Result<(), Error> {
    let engine = Engine::with_config(pool.clone(), small());
    let spammer = contributor(&engine, "spammer").await?;
    let ada = contributor(&engine, "ada").await?;
    let moderator = with_role(&engine, "mod", Role::Moderator).await?;
    let spam = prompt(&engine, spammer, "spam spam spam").await?;
    prompt(&engine, ada, "A real question?").await?;
    let review = engine
        .request_task(
            spammer,
            TaskRequest {
                kind: Some(TaskKind::LabelInitialPrompt),
                lang: "en".to_owned(),
            },
        )
        .await?;
    engine
        .submit_task(
            spammer,
            review.task_id,
            TaskAnswer::Labels {
                labels: BTreeMap::from([("spam".to_owned(), 0.0)]),
            },
            None,
        )
        .await?;

    let preview = engine
        .moderation_purge(moderator, spammer, true, true)
        .await?;
    assert_eq!(
        (preview.messages, preview.labels, preview.preview),
        (1, 1, true)
    );
    assert_eq!(
        state(&pool, spam).await?,
        "initial_prompt_review",
        "a preview changes nothing"
    );
    assert!(!engine.user(spammer).await?.banned);

    let done = engine
        .moderation_purge(moderator, spammer, true, false)
        .await?;
    assert_eq!((done.messages, done.labels, done.preview), (1, 1, false));
    let deleted = sqlx::query_scalar!(
        "select deleted from message where message_id = $1",
        spam.as_uuid()
    )
    .fetch_one(&pool)
    .await?;
    assert!(deleted);
    assert!(engine.user(spammer).await?.banned);
    assert_eq!(engine.check_invariants().await?, Vec::<String>::new());
    Ok(())
}

#[sqlx::test(migrator = "crate::MIGRATOR")]
async fn leaderboards_rank_points_live_and_show_the_ranks_around_me(
    pool: PgPool,
) -> Result<(), Error> {
    let engine = Engine::with_config(pool.clone(), small());
    let ada = contributor(&engine, "ada").await?;
    let bob = contributor(&engine, "bob").await?;
    prompt(&engine, ada, "First").await?;
    prompt(&engine, ada, "Second").await?;
    let review = engine
        .request_task(
            bob,
            TaskRequest {
                kind: Some(TaskKind::LabelInitialPrompt),
                lang: "en".to_owned(),
            },
        )
        .await?;
    engine
        .submit_task(
            bob,
            review.task_id,
            TaskAnswer::Labels {
                labels: BTreeMap::from([("spam".to_owned(), 0.0)]),
            },
            None,
        )
        .await?;
    let board = engine.leaderboard(Window::Day, Some(bob)).await?;
    // points for decided work only: ada's accepted prompt 3 (the other is still in review);
    // bob's full review agreed with the decision, 2
    let ada_name = engine.user(ada).await?.display_name;
    let bob_name = engine.user(bob).await?.display_name;
    let top: Vec<(String, i64, u32)> = board
        .top
        .iter()
        .map(|r| (r.display_name.clone(), r.points, r.rank))
        .collect();
    assert_eq!(top, vec![(ada_name, 3, 1), (bob_name.clone(), 2, 2)]);
    assert!(board
        .around_me
        .iter()
        .any(|r| r.is_me && r.display_name == bob_name));
    let stats = engine.statistics().await?;
    assert_eq!(
        stats
            .messages_per_day
            .iter()
            .map(|(_, p, _)| p)
            .sum::<i64>(),
        2
    );
    // every day of the window is a column, today the last
    assert_eq!(stats.messages_per_day.len(), 30);
    assert_eq!(stats.contributors_per_day.len(), 30);
    assert_eq!(stats.messages_per_day.last().map(|(_, p, _)| *p), Some(2));
    assert_eq!(stats.contributors_per_day.last().map(|(_, n)| *n), Some(2));
    Ok(())
}

#[sqlx::test(migrator = "crate::MIGRATOR")]
async fn admins_pause_new_conversations_per_language_and_only_there(
    pool: PgPool,
) -> Result<(), Error> {
    let engine = Engine::with_config(pool.clone(), small());
    let admin = with_role(&engine, "root", Role::Admin).await?;
    let moderator = with_role(&engine, "moe", Role::Moderator).await?;
    let writer = contributor(&engine, "wren").await?;
    let ask = |lang: &str| TaskRequest {
        kind: Some(TaskKind::InitialPrompt),
        lang: lang.to_owned(),
    };

    assert_eq!(
        engine
            .set_prompts_paused(moderator, "de", true)
            .await
            .map_err(|e| e.code()),
        Err("forbidden")
    );
    engine.set_prompts_paused(admin, "de", true).await?;
    // pausing twice keeps one pause and one audit entry
    engine.set_prompts_paused(admin, "de", true).await?;
    let paused = engine.paused_languages(moderator).await?;
    assert_eq!(paused.len(), 1);
    assert_eq!(
        (paused[0].lang.as_str(), paused[0].paused_by.as_str()),
        ("de", "root")
    );

    let availability = engine.task_availability(writer, "de").await?;
    assert_eq!(availability.counts.get(&TaskKind::InitialPrompt), Some(&0));
    assert_eq!(
        availability.initial_prompt_pause,
        Some(domain::task::view::PromptPause::Admin)
    );
    assert_eq!(
        engine
            .request_task(writer, ask("de"))
            .await
            .map(|_| ())
            .map_err(|e| e.code()),
        Err("no_task_available")
    );
    // other languages are not affected
    engine.request_task(writer, ask("en")).await?;

    engine.set_prompts_paused(admin, "de", false).await?;
    assert!(engine.paused_languages(admin).await?.is_empty());
    engine.request_task(writer, ask("de")).await?;
    let actions: Vec<String> = engine
        .audit_log(admin, None)
        .await?
        .into_iter()
        .map(|entry| entry.action)
        .filter(|action| action.starts_with("language."))
        .collect();
    assert_eq!(actions.len(), 2, "{actions:?}");
    assert_eq!(
        engine
            .set_prompts_paused(admin, "xx", true)
            .await
            .map_err(|e| e.code()),
        Err("unsupported_language")
    );
    Ok(())
}
