//! Messages and trees as people see them (message page, tree view, "my contributions"):
//! plain data shared by the server and the browser.

use crate::{
    ids::{MessageId, TreeId},
    message::Role,
    tree::TreeState,
};
use serde::{Deserialize, Serialize};

/// A thumb on a message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum Thumb {
    Up,
    Down,
}

impl Thumb {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Up => "thumbs_up",
            Self::Down => "thumbs_down",
        }
    }
}

/// A message's thumbs after a vote, and the voter's own.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ThumbState {
    pub thumbs_up: i32,
    pub thumbs_down: i32,
    pub mine: Option<Thumb>,
}

/// One message with what is known about it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MessageView {
    pub message_id: MessageId,
    pub message_tree_id: TreeId,
    pub parent_id: Option<MessageId>,
    pub role: Role,
    pub depth: i32,
    pub lang: String,
    pub text: String,
    /// The author's display name, where the reader may see it (`tree::audience`).
    pub author: Option<String>,
    pub is_own: bool,
    pub review_count: i32,
    /// None while under review.
    pub review_result: Option<bool>,
    pub ranking_count: i32,
    /// Consensus rank among siblings, 0 = best.
    pub rank: Option<i32>,
    pub children_count: i32,
    pub deleted: bool,
    pub synthetic: bool,
    pub model_name: Option<String>,
    pub edited: bool,
    pub thumbs_up: i32,
    pub thumbs_down: i32,
    pub red_flags: i32,
    /// The viewer's thumb, if any.
    pub my_thumb: Option<Thumb>,
    /// RFC 3339.
    pub created_at: String,
    /// The latest reward-model score of the message (moderators only; see the model jobs).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reward_score: Option<f32>,
}

/// A whole tree: its state and every message, parents before children, siblings by rank.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TreeView {
    pub message_tree_id: TreeId,
    pub state: TreeState,
    pub lang: String,
    pub goal_tree_size: i32,
    pub max_depth: i32,
    pub max_children_count: i32,
    pub messages: Vec<MessageView>,
}

impl TreeView {
    /// What deleting `root` removes: it and every live message below it (deleted ones stay as
    /// they are), parents first.
    pub fn subtree(&self, root: MessageId) -> Vec<&MessageView> {
        let mut out: Vec<&MessageView> = self
            .messages
            .iter()
            .filter(|m| m.message_id == root && !m.deleted)
            .collect();
        let mut index = 0;
        while let Some(parent) = out.get(index).map(|m| m.message_id) {
            out.extend(
                self.messages
                    .iter()
                    .filter(|m| m.parent_id == Some(parent) && !m.deleted),
            );
            index += 1;
        }
        out
    }
}

/// What a delete would remove: how many messages, and whose.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeletePreview {
    pub messages: u32,
    /// Display names of their authors, each once.
    pub authors: Vec<String>,
}

/// A page of the user's own messages, newest first, with the state of their trees.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Contribution {
    pub message: MessageView,
    pub tree_state: TreeState,
}
