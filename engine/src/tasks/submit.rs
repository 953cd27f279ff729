//! Submitting the answer to a task: a prompt or reply, a review, or a ranking.

use super::{task_not_found, OpenTask, TaskAnswer, TaskOutcome, TaskView};
use crate::{
    contributors::{Caller, Signed},
    db::{self, labels::NewReview, messages::NewMessage, rankings::NewRanking, trees::NewTree},
    quality::{
        evidence,
        gold::{self, GoldAnswer},
    },
    trees, Engine, Error,
};
use domain::{
    ids::{MessageId, TaskId, TreeId, UserId},
    message::{MessageText, Role},
    quality::reliability::Evidence,
    ranking::{answer_groups, RankingRejected},
    task::{TaskCategory, TaskKind},
    tree::{TreeConfig, TreeState},
};
use sqlx::PgConnection;
use std::collections::BTreeMap;
use time::OffsetDateTime;
use tracing::instrument;
use uuid::Uuid;

/// The longest idempotency key a client may send.
const MAX_CLIENT_KEY: usize = 200;

impl Engine {
    /// Completes a task with its answer. With a `client_key`, a retry of the same submit (after
    /// a network failure, say) answers what the first one answered instead of failing.
    #[instrument(skip_all, fields(user_id = tracing::field::Empty, task_id = %task))]
    pub async fn submit_task(
        &self,
        caller: impl Into<Caller>,
        task: TaskId,
        answer: TaskAnswer,
        client_key: Option<String>,
    ) -> Result<TaskOutcome, Error> {
        let caller = caller.into();
        if let Some(key) = &client_key {
            if key.is_empty() || key.len() > MAX_CLIENT_KEY || key.chars().any(char::is_control) {
                return Err(Error::bad_input(
                    "invalid_client_key",
                    format!(
                        "A client key has 1 to {MAX_CLIENT_KEY} bytes and no control characters."
                    ),
                ));
            }
        }
        let config = self.config.clone();
        let work = self.transaction(move |conn| {
            let config = config.clone();
            let answer = answer.clone();
            let client_key = client_key.clone();
            let caller = caller.clone();
            Box::pin(async move {
                let caller = caller.signed_in(conn).await?;
                let user = caller.user;
                let locked = db::tasks::lock_for_submit(
                    &mut *conn,
                    task.as_uuid(),
                    user.as_uuid(),
                    client_key.as_deref(),
                )
                .await?;
                let claimed = locked.as_ref().is_some_and(|locked| locked.key_claimed);
                if let (Some(key), false) = (&client_key, claimed) {
                    if let Some(outcome) = replayed(conn, user, task, key).await? {
                        return Ok(outcome);
                    }
                }
                let locked = locked.ok_or_else(task_not_found)?;
                submit_in(conn, &config, caller, locked, answer, client_key.as_deref()).await
            })
        });
        let (outcome, micros) = evidence::measured(work).await;
        if outcome.is_ok() {
            self.counters.quality_update(micros);
        }
        outcome
    }
}

/// The answer of an earlier submit of `task` under the client key `key`, if there was one; a
/// key used for another task is refused.
async fn replayed(
    conn: &mut PgConnection,
    user: UserId,
    task: TaskId,
    key: &str,
) -> Result<Option<TaskOutcome>, Error> {
    let Some((first_task, response)) =
        db::submissions::used(&mut *conn, user.as_uuid(), key).await?
    else {
        return Ok(None);
    };
    if first_task != task.as_uuid() {
        return Err(Error::conflict(
            "client_key_reused",
            "This client key was already used for another task.",
        ));
    }
    let response = response
        .ok_or_else(|| Error::Internal("a claimed submission has no response".to_owned()))?;
    serde_json::from_value(response)
        .map(Some)
        .map_err(|e| Error::Internal(format!("stored response unreadable: {e}")))
}

async fn submit_in(
    conn: &mut PgConnection,
    config: &TreeConfig,
    caller: Signed,
    locked: db::tasks::TaskForSubmit,
    answer: TaskAnswer,
    client_key: Option<&str>,
) -> Result<TaskOutcome, Error> {
    let user = caller.user;
    let task_id = locked.task.task_id;
    let now = OffsetDateTime::now_utc();
    let task = OpenTask::check(locked.task, user, now)?;
    locked.standing.check_for(caller)?;
    let mut ledger = evidence::Ledger::default();
    let outcome = match task.row.gold_id {
        Some(gold_id) => submit_gold(conn, user, &task, gold_id, answer, &mut ledger).await?,
        None => submit_live(conn, config, user, &task, answer, &mut ledger).await?,
    };
    // the task is counted with the evidence when there is any, so that every annotator row
    // this transaction changes is locked in one step
    let count_task = ledger.is_empty();
    if !count_task {
        evidence::settle(&mut *conn, ledger, Some(user.as_uuid())).await?;
    }
    // the streak from the values read with the task, without locking the account: two
    // submits of one user at once compute the same new streak
    let today = now.date();
    let streak = domain::scoring::extend_streak(
        u32::try_from(locked.streak_days).unwrap_or(0),
        locked.streak_last_day.map(crate::accounts::day_number),
        crate::accounts::day_number(today),
    );
    let response = client_key
        .map(|_| serde_json::to_value(&outcome))
        .transpose()
        .map_err(|e| Error::Internal(format!("response: {e}")))?;
    let newcomer = Evidence::default().assess();
    db::tasks::finish_submit(
        &mut *conn,
        db::tasks::Finish {
            task_id,
            user_id: user.as_uuid(),
            streak_days: i32::try_from(streak).unwrap_or(i32::MAX),
            today,
            count_task,
            label_weight: newcomer.label_weight,
            ranking_weight: newcomer.ranking_weight,
            client_key,
            response: response.as_ref(),
        },
    )
    .await?;
    Ok(outcome)
}

/// The answer to a task on live work: it joins the tree.
async fn submit_live(
    conn: &mut PgConnection,
    config: &TreeConfig,
    user: UserId,
    task: &OpenTask,
    answer: TaskAnswer,
    ledger: &mut evidence::Ledger,
) -> Result<TaskOutcome, Error> {
    Ok(match (task.kind.category(), answer) {
        (TaskCategory::InitialPrompt, TaskAnswer::Text { text }) => {
            submit_prompt(conn, config, user, task, &text).await?
        }
        (TaskCategory::Reply, TaskAnswer::Text { text }) => {
            submit_reply(conn, config, user, task, &text).await?
        }
        (TaskCategory::LabelPrompt | TaskCategory::LabelReply, TaskAnswer::Labels { labels }) => {
            submit_labels(conn, config, user, task, &labels, ledger).await?
        }
        (
            TaskCategory::Ranking,
            TaskAnswer::Ranking {
                ranking,
                not_rankable,
            },
        ) => submit_ranking(conn, config, user, task, &ranking, not_rankable, ledger).await?,
        (_, _) => return Err(wrong_answer(task)),
    })
}

fn wrong_answer(task: &OpenTask) -> Error {
    Error::bad_input(
        "wrong_answer_type",
        format!("A {} task takes a different kind of answer.", task.kind),
    )
}

/// The answer to a gold task: checked against its gold item, and nothing else changes.
async fn submit_gold(
    conn: &mut PgConnection,
    user: UserId,
    task: &OpenTask,
    gold_id: Uuid,
    answer: TaskAnswer,
    ledger: &mut evidence::Ledger,
) -> Result<TaskOutcome, Error> {
    let view = stored_view(task)?;
    match (task.kind.category(), answer) {
        (TaskCategory::LabelPrompt | TaskCategory::LabelReply, TaskAnswer::Labels { labels }) => {
            checked_labels(&view, &labels)?;
            gold::submit(
                conn,
                user,
                task,
                &view,
                gold_id,
                GoldAnswer::Labels(&labels),
                ledger,
            )
            .await
        }
        (
            TaskCategory::Ranking,
            TaskAnswer::Ranking {
                ranking,
                not_rankable,
            },
        ) => {
            let groups = ranking_groups(&view, &ranking, not_rankable)?;
            gold::submit(
                conn,
                user,
                task,
                &view,
                gold_id,
                GoldAnswer::Ranking(&groups),
                ledger,
            )
            .await
        }
        (_, _) => Err(wrong_answer(task)),
    }
}

/// The task as it was shown.
fn stored_view(task: &OpenTask) -> Result<TaskView, Error> {
    serde_json::from_value(task.row.payload.clone())
        .map_err(|e| Error::Internal(format!("stored task unreadable: {e}")))
}

/// Checks label answers against the labels the task asked.
fn checked_labels(view: &TaskView, labels: &BTreeMap<String, f64>) -> Result<(), Error> {
    Ok(view.check_labels(labels)?)
}

/// A ranking answer as groups of tied replies, best first (the rule:
/// [`domain::ranking::answer_groups`]).
fn ranking_groups(
    view: &TaskView,
    ranking: &[Vec<MessageId>],
    not_rankable: bool,
) -> Result<Vec<Vec<MessageId>>, Error> {
    answer_groups(&view.replies, ranking, not_rankable).map_err(|rejected| match rejected {
        RankingRejected::Invalid(invalid) => Error::from(invalid),
        RankingRejected::OwnReply => {
            Error::forbidden("self_ranking", "You cannot rank your own reply.")
        }
    })
}

async fn checked_text(
    conn: &mut PgConnection,
    config: &TreeConfig,
    user: UserId,
    raw: &str,
) -> Result<MessageText, Error> {
    let text = MessageText::parse(raw, config.max_message_chars)?;
    let window = i32::try_from(config.duplicate_message_window_minutes).unwrap_or(i32::MAX);
    if db::messages::recent_duplicate(&mut *conn, user.as_uuid(), text.as_str(), window).await? {
        return Err(Error::conflict(
            "duplicate_message",
            "You sent the same text a moment ago.",
        ));
    }
    Ok(text)
}

async fn submit_prompt(
    conn: &mut PgConnection,
    config: &TreeConfig,
    user: UserId,
    task: &OpenTask,
    raw: &str,
) -> Result<TaskOutcome, Error> {
    let text = checked_text(conn, config, user, raw).await?;
    let id = Uuid::new_v4();
    let limits = config.limits();
    let as_i32 = |value: u32| i32::try_from(value).unwrap_or(i32::MAX);
    db::trees::insert(
        &mut *conn,
        NewTree {
            message_tree_id: id,
            state: TreeState::initial().as_str(),
            lang: &task.row.lang,
            goal_tree_size: as_i32(limits.goal_tree_size),
            max_depth: as_i32(limits.max_depth),
            max_children_count: as_i32(limits.max_children_count),
            num_prompter_replies: as_i32(limits.num_prompter_replies),
            origin: None,
        },
    )
    .await?;
    db::messages::insert(
        &mut *conn,
        NewMessage {
            message_id: id,
            message_tree_id: id,
            parent_id: None,
            user_id: user.as_uuid(),
            role: Role::Prompter.as_str(),
            depth: 0,
            lang: &task.row.lang,
            text: text.as_str(),
            task_id: Some(task.row.task_id),
            deleted: false,
            synthetic: false,
            model_name: None,
            review_count: 0,
            review_result: None,
            rank: None,
            created_at: None,
        },
    )
    .await?;
    Ok(outcome(task, Some(id), Some(id), TreeState::initial()))
}

async fn submit_reply(
    conn: &mut PgConnection,
    config: &TreeConfig,
    user: UserId,
    task: &OpenTask,
    raw: &str,
) -> Result<TaskOutcome, Error> {
    let text = checked_text(conn, config, user, raw).await?;
    let parent_id = task.row.message_id.ok_or(Error::NotFound("Message"))?;
    let tree_id = task.row.message_tree_id.ok_or(Error::NotFound("Tree"))?;
    let tree = trees::lock(conn, tree_id).await?;
    let parent = db::messages::get(&mut *conn, parent_id)
        .await?
        .ok_or(Error::NotFound("Message"))?;
    if parent.deleted || !tree.state.accepts_replies() {
        return Err(Error::conflict(
            "parent_unavailable",
            "This conversation no longer takes replies (it was removed or closed).",
        ));
    }
    let parent_role = Role::parse(&parent.role)?;
    if TaskKind::reply_to(parent_role) != task.kind {
        return Err(Error::Internal(
            "reply task does not match its parent".to_owned(),
        ));
    }
    if db::messages::user_replied(&mut *conn, parent_id, user.as_uuid()).await? {
        return Err(Error::conflict(
            "already_replied",
            "You already replied to this message.",
        ));
    }
    let slots = tree.reply_slots(parent_role, parent.depth);
    if db::messages::live_children(&mut *conn, parent_id).await? >= slots {
        return Err(Error::conflict(
            "parent_full",
            "Other volunteers filled every reply slot of this message while you wrote. Your text stays in your draft.",
        ));
    }
    let id = Uuid::new_v4();
    db::messages::insert(
        &mut *conn,
        NewMessage {
            message_id: id,
            message_tree_id: tree_id,
            parent_id: Some(parent_id),
            user_id: user.as_uuid(),
            role: parent_role.reply_role().as_str(),
            depth: parent.depth + 1,
            lang: &task.row.lang,
            text: text.as_str(),
            task_id: Some(task.row.task_id),
            deleted: false,
            synthetic: false,
            model_name: None,
            review_count: 0,
            review_result: None,
            rank: None,
            created_at: None,
        },
    )
    .await
    .map_err(|e| match e {
        Error::Database(db_error) => crate::error::on_constraint(db_error, |constraint| {
            (constraint == "message_one_reply_per_user")
                .then(|| Error::conflict("already_replied", "You already replied to this message."))
        }),
        other => other,
    })?;
    db::messages::add_child(&mut *conn, parent_id, 1).await?;
    Ok(outcome(task, Some(id), Some(tree_id), tree.state))
}

async fn submit_labels(
    conn: &mut PgConnection,
    config: &TreeConfig,
    user: UserId,
    task: &OpenTask,
    labels: &BTreeMap<String, f64>,
    ledger: &mut evidence::Ledger,
) -> Result<TaskOutcome, Error> {
    let view = stored_view(task)?;
    checked_labels(&view, labels)?;

    let message_id = task.row.message_id.ok_or(Error::NotFound("Message"))?;
    let tree_id = task.row.message_tree_id.ok_or(Error::NotFound("Tree"))?;
    let mut tree = trees::lock(conn, tree_id).await?;
    let values =
        serde_json::to_value(labels).map_err(|e| Error::Internal(format!("labels: {e}")))?;
    let review = db::labels::review(
        &mut *conn,
        NewReview {
            message_id,
            user_id: user.as_uuid(),
            task_id: Some(task.row.task_id),
            mode: view.mode.map(|mode| match mode {
                domain::label::LabelMode::Full => "full",
                domain::label::LabelMode::Simple => "simple",
            }),
            labels: values,
        },
    )
    .await?
    .ok_or(Error::NotFound("Message"))?;
    if review.author == user.as_uuid() {
        return Err(Error::forbidden(
            "self_review",
            "You cannot review your own message.",
        ));
    }
    if review.deleted {
        return Err(Error::conflict(
            "message_unavailable",
            "This message was removed while you reviewed it.",
        ));
    }
    if !review.stored {
        return Err(Error::Internal("a review was not stored".to_owned()));
    }
    let reviewed = trees::Reviewed {
        message_id,
        depth: review.depth,
        review_result: review.review_result,
        reviews: Some(review.reviews),
    };
    trees::after_review(conn, config, &mut tree, reviewed, ledger).await?;
    Ok(outcome(task, None, Some(tree_id), tree.state))
}

async fn submit_ranking(
    conn: &mut PgConnection,
    config: &TreeConfig,
    user: UserId,
    task: &OpenTask,
    ranking: &[Vec<MessageId>],
    not_rankable: bool,
    ledger: &mut evidence::Ledger,
) -> Result<TaskOutcome, Error> {
    let view = stored_view(task)?;
    let groups = ranking_groups(&view, ranking, not_rankable)?;
    let flat: Vec<MessageId> = groups.iter().flatten().copied().collect();
    let parent_id = task.row.message_id.ok_or(Error::NotFound("Message"))?;
    let tree_id = task.row.message_tree_id.ok_or(Error::NotFound("Tree"))?;
    let mut tree = trees::lock(conn, tree_id).await?;
    // late rankings of a finished tree are kept as data; other states take none
    if !matches!(tree.state, TreeState::Ranking | TreeState::ReadyForExport) {
        return Err(Error::conflict(
            "ranking_closed",
            "This conversation is no longer being ranked.",
        ));
    }
    let ids: Vec<Uuid> = flat.iter().map(MessageId::as_uuid).collect();
    let tie_groups: Vec<i32> = groups
        .iter()
        .enumerate()
        .flat_map(|(group, members)| {
            std::iter::repeat_n(i32::try_from(group).unwrap_or(i32::MAX), members.len())
        })
        .collect();
    db::rankings::insert(
        &mut *conn,
        NewRanking {
            parent_id,
            message_tree_id: tree_id,
            user_id: user.as_uuid(),
            task_id: Some(task.row.task_id),
            ranked_ids: &ids,
            tie_groups: &tie_groups,
            not_rankable,
        },
    )
    .await?;
    if tree.state == TreeState::Ranking {
        trees::advance(conn, config, &mut tree, ledger).await?;
    }
    Ok(outcome(task, None, Some(tree_id), tree.state))
}

fn outcome(
    task: &OpenTask,
    message: Option<Uuid>,
    tree: Option<Uuid>,
    state: TreeState,
) -> TaskOutcome {
    TaskOutcome {
        task_id: TaskId::from_uuid(task.row.task_id),
        message_id: message.map(MessageId::from_uuid),
        message_tree_id: tree.map(TreeId::from_uuid),
        tree_state: Some(state),
    }
}
