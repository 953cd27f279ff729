//! The OpenAssistant export schema (`oasst_data.schemas`): trees of nested message nodes, and
//! the same nodes flat. Field names and meanings follow oasst1/oasst2, so their readers work.

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// A label's mean value and how many values it averages.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct LabelValue {
    pub value: f64,
    pub count: i64,
}

/// One message (`ExportMessageNode`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ExportNode {
    pub message_id: String,
    pub parent_id: Option<String>,
    /// Pseudonymous: the same author has the same id within one export only.
    pub user_id: Option<String>,
    /// RFC 3339, UTC.
    pub created_date: String,
    pub text: String,
    pub role: String,
    pub lang: String,
    pub review_count: i32,
    /// Null while under review, and for rejections with fewer than three reviews (as oasst).
    pub review_result: Option<bool>,
    pub deleted: bool,
    pub rank: Option<i32>,
    pub synthetic: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub model_name: Option<String>,
    /// Reaction counts: `+1`, `-1`, `red_flag`, `_skip_reply`.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub emojis: BTreeMap<String, i64>,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub labels: BTreeMap<String, LabelValue>,
    /// Detoxify scores, where an imported release carried them (as oasst's releases do).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub detoxify: Option<serde_json::Value>,
    /// Children, best rank first (tree format only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub replies: Option<Vec<ExportNode>>,
    /// Filled in the flat format only.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message_tree_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tree_state: Option<String>,
    /// The latest reward-model score (only with `include_reward_scores`; Grove's addition).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reward_score: Option<f32>,
    /// Agreement among the rankers of this message's replies: `rankers`, `mean_tau_b`,
    /// `kendalls_w` (only with `include_agreement`, on ranked parents; Grove's addition).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub agreement: Option<domain::quality::agreement::SetAgreement>,
}

/// One tree (`ExportMessageTree`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ExportTree {
    pub message_tree_id: String,
    pub tree_state: String,
    pub prompt: ExportNode,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub origin: Option<String>,
}
