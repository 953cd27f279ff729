//! What an annotator is shown for a task and what they send back: plain data shared by the
//! server (which stores it as the task's snapshot) and the browser.

use super::{SkipReason, TaskKind};
use crate::{
    ids::{MessageId, TaskId, TreeId},
    label::{
        catalogue::{self, LabelSpec},
        LabelMode, Widget,
    },
    message::Role,
    tree::TreeState,
    Invalid,
};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// A message as shown inside a task.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ConversationMessage {
    pub message_id: MessageId,
    pub role: Role,
    pub text: String,
    pub lang: String,
    /// Whether the annotator wrote it.
    pub is_own: bool,
    pub synthetic: bool,
}

/// A label question as shown in a review.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct LabelField {
    pub name: String,
    pub widget: Widget,
    pub display: String,
    pub help: String,
    pub poles: Option<(String, String)>,
    pub mandatory: bool,
}

impl LabelField {
    pub fn from_spec(spec: &LabelSpec, mandatory: bool) -> Self {
        Self {
            name: spec.name.to_owned(),
            widget: spec.widget,
            display: spec.display.to_owned(),
            help: spec.help.to_owned(),
            poles: spec
                .poles
                .map(|(low, high)| (low.to_owned(), high.to_owned())),
            mandatory,
        }
    }
}

/// A task as handed to an annotator.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TaskView {
    pub task_id: TaskId,
    pub kind: TaskKind,
    pub lang: String,
    pub message_tree_id: Option<TreeId>,
    /// The message replied to, ranked under or labelled.
    pub target_message_id: Option<MessageId>,
    /// The conversation from the root down to the target message.
    pub conversation: Vec<ConversationMessage>,
    /// For rankings: the replies to order, in random order.
    pub replies: Vec<ConversationMessage>,
    /// For reviews: the questions, in display order.
    pub labels: Vec<LabelField>,
    pub mode: Option<LabelMode>,
    /// RFC 3339 times.
    pub created_at: String,
    pub expires_at: String,
}

impl TaskView {
    /// Checks review answers against the questions this task asked: only those, each with a
    /// value its widget offers, and every mandatory one answered.
    pub fn check_labels(&self, values: &BTreeMap<String, f64>) -> Result<(), Invalid> {
        let allowed: Vec<&LabelSpec> = self
            .labels
            .iter()
            .filter_map(|field| catalogue::find(&field.name))
            .collect();
        let mandatory: Vec<&str> = self
            .labels
            .iter()
            .filter(|field| field.mandatory)
            .map(|field| field.name.as_str())
            .collect();
        catalogue::validate(values, &allowed, &mandatory)
    }
}

/// A request for the next task.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TaskRequest {
    /// A specific kind, or any (`None`: the chooser decides).
    pub kind: Option<TaskKind>,
    pub lang: String,
}

/// The answer to a task.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum TaskAnswer {
    /// A prompt or a reply.
    Text { text: String },
    /// Review labels; untouched scales are simply absent.
    Labels { labels: BTreeMap<String, f64> },
    /// Groups of tied replies, best first; every reply of the task exactly once.
    Ranking {
        ranking: Vec<Vec<MessageId>>,
        #[serde(default)]
        not_rankable: bool,
    },
}

/// A skip, with the reason (a report carries its text).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TaskSkip {
    pub reason: SkipReason,
    #[serde(default)]
    pub report_text: Option<String>,
}

/// What a completed task produced.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TaskOutcome {
    pub task_id: TaskId,
    /// The new message, for prompts and replies.
    pub message_id: Option<MessageId>,
    pub message_tree_id: Option<TreeId>,
    /// The tree's state after the submit.
    pub tree_state: Option<TreeState>,
}

/// Tasks one annotator could get now in one language, with the reason when there are none.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Availability {
    pub lang: String,
    pub counts: BTreeMap<TaskKind, u32>,
    pub total: u32,
    /// Why no new conversations are asked for now, in English (see `initial_prompt_pause`).
    pub initial_prompt_paused_reason: Option<String>,
    /// The same, as data the interface words in the reader's language.
    pub initial_prompt_pause: Option<PromptPause>,
}

/// Why no new conversations are asked for in a language.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(tag = "reason", rename_all = "snake_case")]
pub enum PromptPause {
    /// An admin paused new conversations in this language.
    Admin,
    /// Enough prompts are queued: some wait for reviews, some to grow.
    Queue { in_review: u32, waiting: u32 },
}

#[cfg(test)]
mod tests {
    use super::*;

    fn review(questions: &[(&str, bool)]) -> TaskView {
        TaskView {
            task_id: TaskId::from_uuid(uuid::Uuid::nil()),
            kind: TaskKind::LabelAssistantReply,
            lang: "en".to_owned(),
            message_tree_id: None,
            target_message_id: None,
            conversation: Vec::new(),
            replies: Vec::new(),
            labels: questions
                .iter()
                .map(|(name, mandatory)| {
                    LabelField::from_spec(catalogue::find(name).expect("a label"), *mandatory)
                })
                .collect(),
            mode: Some(LabelMode::Full),
            created_at: String::new(),
            expires_at: String::new(),
        }
    }

    fn answer(values: &[(&str, f64)]) -> BTreeMap<String, f64> {
        values.iter().map(|(k, v)| ((*k).to_owned(), *v)).collect()
    }

    #[test]
    fn review_answers_are_checked_against_the_questions_asked() {
        let view = review(&[("spam", true), ("quality", false)]);
        assert_eq!(view.check_labels(&answer(&[("spam", 0.0)])), Ok(()));
        assert_eq!(
            view.check_labels(&answer(&[("spam", 1.0), ("quality", 0.75)])),
            Ok(())
        );
        let code = |values: &[(&str, f64)]| view.check_labels(&answer(values)).map_err(|e| e.code);
        // a label of the catalogue that this review did not ask
        assert_eq!(code(&[("spam", 0.0), ("humor", 0.5)]), Err("invalid_label"));
        assert_eq!(code(&[("spam", 0.5)]), Err("invalid_label_value"));
        assert_eq!(code(&[("quality", 0.5)]), Err("mandatory_label_missing"));
    }
}
