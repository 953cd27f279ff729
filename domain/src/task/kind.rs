//! The kinds of task and the reasons to skip one.

use crate::{message::Role, Invalid};
use serde::{Deserialize, Serialize};
use std::fmt;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum TaskKind {
    /// Write the first message of a new conversation.
    InitialPrompt,
    /// Answer the user's last message as the assistant.
    AssistantReply,
    /// Continue the conversation as the user.
    PrompterReply,
    /// Order sibling assistant replies best to worst.
    RankAssistantReplies,
    /// Order sibling user replies best to worst.
    RankPrompterReplies,
    /// Review a new conversation's first message.
    LabelInitialPrompt,
    /// Review an assistant reply.
    LabelAssistantReply,
    /// Review a user reply.
    LabelPrompterReply,
}

/// Kinds grouped the way the chooser weighs them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TaskCategory {
    InitialPrompt,
    Reply,
    LabelPrompt,
    LabelReply,
    Ranking,
}

impl TaskKind {
    pub const ALL: [TaskKind; 8] = [
        Self::InitialPrompt,
        Self::AssistantReply,
        Self::PrompterReply,
        Self::RankAssistantReplies,
        Self::RankPrompterReplies,
        Self::LabelInitialPrompt,
        Self::LabelAssistantReply,
        Self::LabelPrompterReply,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::InitialPrompt => "initial_prompt",
            Self::AssistantReply => "assistant_reply",
            Self::PrompterReply => "prompter_reply",
            Self::RankAssistantReplies => "rank_assistant_replies",
            Self::RankPrompterReplies => "rank_prompter_replies",
            Self::LabelInitialPrompt => "label_initial_prompt",
            Self::LabelAssistantReply => "label_assistant_reply",
            Self::LabelPrompterReply => "label_prompter_reply",
        }
    }

    pub fn parse(raw: &str) -> Result<Self, Invalid> {
        Self::ALL
            .into_iter()
            .find(|kind| kind.as_str() == raw)
            .ok_or_else(|| Invalid::new("invalid_task_kind", format!("Unknown task kind '{raw}'.")))
    }

    pub fn category(self) -> TaskCategory {
        match self {
            Self::InitialPrompt => TaskCategory::InitialPrompt,
            Self::AssistantReply | Self::PrompterReply => TaskCategory::Reply,
            Self::RankAssistantReplies | Self::RankPrompterReplies => TaskCategory::Ranking,
            Self::LabelInitialPrompt => TaskCategory::LabelPrompt,
            Self::LabelAssistantReply | Self::LabelPrompterReply => TaskCategory::LabelReply,
        }
    }

    /// Whether the task's answer is a new message.
    pub fn writes_message(self) -> bool {
        self.category() == TaskCategory::InitialPrompt || self.category() == TaskCategory::Reply
    }

    /// The reply task for a parent in `role`.
    pub fn reply_to(role: Role) -> Self {
        match role {
            Role::Prompter => Self::AssistantReply,
            Role::Assistant => Self::PrompterReply,
        }
    }

    /// The review task for a message.
    pub fn label_for(role: Role, depth: u32) -> Self {
        match (role, depth) {
            (Role::Prompter, 0) => Self::LabelInitialPrompt,
            (Role::Prompter, _) => Self::LabelPrompterReply,
            (Role::Assistant, _) => Self::LabelAssistantReply,
        }
    }

    /// The ranking task for the children of a parent in `role`.
    pub fn rank_children_of(role: Role) -> Self {
        match role {
            Role::Prompter => Self::RankAssistantReplies,
            Role::Assistant => Self::RankPrompterReplies,
        }
    }
}

impl fmt::Display for TaskKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Why an annotator skipped a task. Every skip keeps the item away from that annotator.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum SkipReason {
    /// "I can't answer this well."
    CantAnswer,
    /// "This is not in my language."
    NotMyLanguage,
    /// "The conversation should end here" (for user follow-ups).
    ShouldEndHere,
    /// "Something is wrong with this content"; a report is filed with the skip.
    Report,
    /// No reason given.
    Other,
}

impl SkipReason {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::CantAnswer => "cant_answer",
            Self::NotMyLanguage => "not_my_language",
            Self::ShouldEndHere => "should_end_here",
            Self::Report => "report",
            Self::Other => "other",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_round_trip_and_map_to_categories() {
        for kind in TaskKind::ALL {
            assert_eq!(TaskKind::parse(kind.as_str()), Ok(kind));
        }
        assert_eq!(TaskKind::reply_to(Role::Prompter), TaskKind::AssistantReply);
        assert_eq!(
            TaskKind::label_for(Role::Prompter, 0),
            TaskKind::LabelInitialPrompt
        );
        assert_eq!(
            TaskKind::label_for(Role::Prompter, 2),
            TaskKind::LabelPrompterReply
        );
        assert!(TaskKind::PrompterReply.writes_message());
        assert!(!TaskKind::RankAssistantReplies.writes_message());
    }
}
