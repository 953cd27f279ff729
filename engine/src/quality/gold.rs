//! Gold items: moderators mark them (from the tree view or a file) and retire them; tasks serve
//! them like any other work; answers are checked and shown to their annotator after the fact.

use super::evidence;
use crate::{
    db::{self, gold::NewAnswer},
    moderation::{audit, require_moderator},
    tasks::{view_time, OpenTask, TaskOutcome, TaskView},
    Engine, Error,
};
use domain::{
    ids::{GoldId, MessageId, TaskId, TreeId, UserId},
    label::{catalogue, LabelMode, LabelTarget, Widget},
    message::Role,
    quality::{
        gold::{
            self, check_explanation, Expected, GoldImport, GoldItemView, GoldOutcome, GoldReport,
            NewGold,
        },
        reliability::{wilson, Evidence},
    },
    ranking::consensus::Ballot,
    tree::TreeState,
};
use sqlx::PgConnection;
use std::collections::{BTreeMap, BTreeSet, HashMap};
use tracing::instrument;
use uuid::Uuid;

/// The longest excerpt of a message in gold lists.
const EXCERPT: usize = 240;
/// Gold lines in one file, at most.
const MAX_IMPORT: usize = 10_000;

fn excerpt(text: &str) -> String {
    let mut out: String = text.chars().take(EXCERPT).collect();
    if text.chars().count() > EXCERPT {
        out.push('…');
    }
    out
}

/// Checks a gold item against its target and stores it.
async fn mark(
    conn: &mut PgConnection,
    moderator: &crate::accounts::User,
    gold: NewGold,
) -> Result<GoldId, Error> {
    gold.expected.validate()?;
    let explanation = check_explanation(&gold.explanation)?;
    let target = gold.message_id.as_uuid();
    let message = db::messages::get(&mut *conn, target)
        .await?
        .filter(|m| !m.deleted)
        .ok_or(Error::NotFound("Message"))?;
    let role = Role::parse(&message.role)?;
    match &gold.expected {
        Expected::Labels { labels, .. } => {
            let depth = u32::try_from(message.depth).unwrap_or(0);
            let offered = catalogue::valid_labels(LabelTarget::of(role, depth), LabelMode::Full);
            if let Some(name) = labels
                .keys()
                .find(|name| !offered.iter().any(|l| l.name == *name))
            {
                return Err(Error::bad_input(
                    "invalid_gold",
                    format!("'{name}' is not asked about this message."),
                ));
            }
        }
        Expected::Ranking { ranking } => {
            let children: BTreeSet<Uuid> =
                db::messages::of_tree(&mut *conn, message.message_tree_id)
                    .await?
                    .into_iter()
                    .filter(|m| {
                        m.parent_id == Some(target)
                            && !m.deleted
                            && m.review_result == Some(true)
                            && m.role == role.reply_role().as_str()
                    })
                    .map(|m| m.message_id)
                    .collect();
            let expected: BTreeSet<Uuid> =
                ranking.iter().flatten().map(MessageId::as_uuid).collect();
            if expected != children {
                return Err(Error::bad_input(
                    "invalid_gold",
                    "A gold ranking places exactly the accepted replies of the message.",
                ));
            }
        }
    }
    let value =
        serde_json::to_value(&gold.expected).map_err(|e| Error::Internal(format!("gold: {e}")))?;
    let id = db::gold::upsert(
        &mut *conn,
        gold.expected.kind(),
        target,
        &value,
        &explanation,
        moderator.id.as_uuid(),
    )
    .await?;
    audit(
        conn,
        moderator,
        "gold_marked",
        "message",
        target,
        None,
        Some(serde_json::json!({"gold_id": id, "expected": value, "explanation": explanation})),
    )
    .await?;
    Ok(GoldId::from_uuid(id))
}

impl Engine {
    /// Marks a message's labels or a parent's ranking as gold (moderators). Marking the same
    /// target again replaces its expectation.
    #[instrument(skip_all, fields(user_id = %moderator))]
    pub async fn mark_gold(&self, moderator: UserId, gold: NewGold) -> Result<GoldId, Error> {
        self.transaction(move |conn| {
            let gold = gold.clone();
            Box::pin(async move {
                let me = require_moderator(conn, moderator).await?;
                mark(conn, &me, gold).await
            })
        })
        .await
    }

    /// Imports a gold file (JSON Lines of [`NewGold`]) in one transaction: all of it, or
    /// nothing with the first bad line's number.
    #[instrument(skip_all, fields(user_id = %moderator))]
    pub async fn import_gold(&self, moderator: UserId, lines: &str) -> Result<GoldImport, Error> {
        let mut items = Vec::new();
        for (index, line) in lines.lines().enumerate() {
            let line = line.trim();
            if line.is_empty() {
                continue;
            }
            let item: NewGold = serde_json::from_str(line).map_err(|e| {
                Error::bad_input("invalid_gold", format!("line {}: {e}", index + 1))
            })?;
            items.push((index + 1, item));
        }
        if items.is_empty() || items.len() > MAX_IMPORT {
            return Err(Error::bad_input(
                "invalid_gold",
                format!("A gold file has 1 to {MAX_IMPORT} items."),
            ));
        }
        self.transaction(move |conn| {
            let items = items.clone();
            Box::pin(async move {
                let me = require_moderator(conn, moderator).await?;
                let mut report = GoldImport::default();
                for (line, item) in items {
                    let is_labels = matches!(item.expected, Expected::Labels { .. });
                    mark(conn, &me, item).await.map_err(|e| match e.kind() {
                        crate::ErrorKind::Internal | crate::ErrorKind::Unavailable => e,
                        kind => Error::rule(
                            kind,
                            e.code(),
                            format!("line {line}: {}", e.public_message()),
                        ),
                    })?;
                    report.items += 1;
                    if is_labels {
                        report.labels += 1;
                    } else {
                        report.rankings += 1;
                    }
                }
                Ok(report)
            })
        })
        .await
    }

    /// Gold items in use, of one tree or all (moderators), newest first.
    pub async fn gold_items(
        &self,
        moderator: UserId,
        tree: Option<TreeId>,
    ) -> Result<Vec<GoldItemView>, Error> {
        let mut conn = self.pool.acquire().await?;
        require_moderator(&mut conn, moderator).await?;
        let rows = db::gold::list(&mut *conn, tree.map(|t| t.as_uuid()), 500).await?;
        rows.into_iter()
            .map(|row| {
                Ok(GoldItemView {
                    gold_id: GoldId::from_uuid(row.gold_id),
                    message_id: MessageId::from_uuid(row.message_id),
                    lang: row.lang,
                    excerpt: excerpt(&row.text),
                    expected: serde_json::from_value(row.expected)
                        .map_err(|e| Error::Internal(format!("stored gold unreadable: {e}")))?,
                    explanation: row.explanation,
                    created_by: row.created_by,
                    created_at: view_time(row.created_at),
                    answers: row.answers,
                    correct: row.correct,
                })
            })
            .collect()
    }

    /// Stops handing a gold item out (moderators); its answers stay.
    pub async fn retire_gold(&self, moderator: UserId, gold: GoldId) -> Result<(), Error> {
        self.transaction(move |conn| {
            Box::pin(async move {
                let me = require_moderator(conn, moderator).await?;
                let row = db::gold::get(&mut *conn, gold.as_uuid())
                    .await?
                    .ok_or(Error::NotFound("Gold item"))?;
                db::gold::retire(&mut *conn, row.gold_id).await?;
                audit(
                    conn,
                    &me,
                    "gold_retired",
                    "message",
                    row.message_id,
                    None,
                    None,
                )
                .await
            })
        })
        .await
    }

    /// The user's own gold accuracy and checks, with the expected answers explained.
    pub async fn my_gold_report(&self, user: UserId) -> Result<GoldReport, Error> {
        let mut conn = self.pool.acquire().await?;
        let rows = db::gold::answers_of(&mut *conn, user.as_uuid(), 100).await?;
        let evidence = db::quality::of_user(&mut *conn, user.as_uuid()).await?;
        let accuracy = evidence
            .map(|row| row.evidence)
            .and_then(|e| wilson(e.gold_correct, e.gold_total));
        let mut reply_ids = Vec::new();
        let mut parsed = Vec::new();
        for row in rows {
            let expected: Expected = serde_json::from_value(row.expected.clone())
                .map_err(|e| Error::Internal(format!("stored gold unreadable: {e}")))?;
            if let Expected::Ranking { ranking } = &expected {
                reply_ids.extend(ranking.iter().flatten().map(MessageId::as_uuid));
            }
            parsed.push((row, expected));
        }
        let texts: HashMap<Uuid, String> = db::gold::texts(&mut *conn, &reply_ids)
            .await?
            .into_iter()
            .collect();
        let order_text = |groups: &[Vec<MessageId>]| -> Vec<Vec<String>> {
            groups
                .iter()
                .map(|group| {
                    group
                        .iter()
                        .map(|id| excerpt(texts.get(&id.as_uuid()).map_or("", String::as_str)))
                        .collect()
                })
                .collect()
        };
        let outcomes = parsed
            .into_iter()
            .map(|(row, expected)| {
                let mut outcome = GoldOutcome {
                    correct: row.correct,
                    answered_at: view_time(row.created_at),
                    message_id: MessageId::from_uuid(row.message_id),
                    excerpt: excerpt(&row.text),
                    explanation: row.explanation,
                    labels: Vec::new(),
                    tolerance: 0.0,
                    expected_order: Vec::new(),
                    given_order: Vec::new(),
                };
                match expected {
                    Expected::Labels { labels, tolerance } => {
                        let given: BTreeMap<String, f64> =
                            serde_json::from_value(row.answer).unwrap_or_default();
                        outcome.tolerance = tolerance;
                        outcome.labels = labels
                            .into_iter()
                            .map(|(name, want)| {
                                let got = given.get(&name).copied();
                                (name, want, got)
                            })
                            .collect();
                    }
                    Expected::Ranking { ranking } => {
                        let given: Vec<Vec<MessageId>> =
                            serde_json::from_value(row.answer).unwrap_or_default();
                        outcome.expected_order = order_text(&ranking);
                        outcome.given_order = order_text(&given);
                    }
                }
                outcome
            })
            .collect();
        Ok(GoldReport { accuracy, outcomes })
    }
}

/// The answer to a gold task, already checked against the task's own shape by the caller.
pub(crate) enum GoldAnswer<'a> {
    Labels(&'a BTreeMap<String, f64>),
    Ranking(&'a [Vec<MessageId>]),
}

/// Checks a gold task's answer, stores it and adds it to the annotator's evidence. Nothing of
/// the live tree changes.
pub(crate) async fn submit(
    conn: &mut PgConnection,
    user: UserId,
    task: &OpenTask,
    view: &TaskView,
    gold_id: Uuid,
    answer: GoldAnswer<'_>,
    ledger: &mut evidence::Ledger,
) -> Result<TaskOutcome, Error> {
    let row = db::gold::get(&mut *conn, gold_id)
        .await?
        .ok_or(Error::NotFound("Gold item"))?;
    let expected: Expected = serde_json::from_value(row.expected)
        .map_err(|e| Error::Internal(format!("stored gold unreadable: {e}")))?;
    let message = db::messages::get(&mut *conn, row.message_id)
        .await?
        .ok_or(Error::NotFound("Message"))?;
    let mut delta = Evidence::default();
    let (check, stored) = match (&expected, answer) {
        (Expected::Labels { labels, tolerance }, GoldAnswer::Labels(given)) => {
            let asked: Vec<(&str, Widget)> = view
                .labels
                .iter()
                .filter_map(|field| {
                    catalogue::find(&field.name).map(|spec| (spec.name, spec.widget))
                })
                .collect();
            let check = gold::check_labels(labels, *tolerance, given, &asked);
            // the deciding questions the gold item answers are compared like the others'
            // answers (an unset flag is "no")
            for question in ["spam", "lang_mismatch"] {
                if let Some(want) = labels.get(question) {
                    let got = given.get(question).copied().unwrap_or(0.0);
                    delta.labels.record(got >= 0.5, *want >= 0.5);
                }
            }
            let stored =
                serde_json::to_value(given).map_err(|e| Error::Internal(format!("answer: {e}")))?;
            (check, stored)
        }
        (Expected::Ranking { ranking }, GoldAnswer::Ranking(given)) => {
            let expected_ballot: Ballot<MessageId> = ranking.clone();
            let given_ballot: Ballot<MessageId> = given.to_vec();
            let check = gold::check_ranking(&expected_ballot, &given_ballot);
            delta.pairs_agreed = check.matched;
            delta.pairs_reversed = check.reversed;
            delta.rankings = 1;
            let stored =
                serde_json::to_value(given).map_err(|e| Error::Internal(format!("answer: {e}")))?;
            (check, stored)
        }
        _ => {
            return Err(Error::bad_input(
                "wrong_answer_type",
                format!("A {} task takes a different kind of answer.", task.kind),
            ))
        }
    };
    delta.gold_total = 1;
    delta.gold_correct = u32::from(check.correct);
    db::gold::insert_answer(
        &mut *conn,
        NewAnswer {
            gold_id,
            user_id: user.as_uuid(),
            task_id: task.row.task_id,
            answer: &stored,
            correct: check.correct,
            checked: i32::try_from(check.checked).unwrap_or(i32::MAX),
            matched: i32::try_from(check.matched).unwrap_or(i32::MAX),
        },
    )
    .await?;
    ledger.record(user.as_uuid(), &delta);
    let state = db::trees::get(&mut *conn, message.message_tree_id)
        .await?
        .and_then(|tree| TreeState::parse(&tree.state).ok())
        .unwrap_or(TreeState::ReadyForExport);
    Ok(TaskOutcome {
        task_id: TaskId::from_uuid(task.row.task_id),
        message_id: None,
        message_tree_id: Some(TreeId::from_uuid(message.message_tree_id)),
        tree_state: Some(state),
    })
}
