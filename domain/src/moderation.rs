//! What moderators see and send: user and message lists, reports, the trollboard, the audit
//! log, purges, statistics and leaderboards. Plain data shared by server and browser.

use crate::{
    account::Role,
    ids::{MessageId, ReportId, TreeId, UserId},
    scoring::{Contributions, ScoreCard},
    tree::{view::MessageView, TreeState},
    Invalid,
};
use serde::{Deserialize, Serialize};

/// One account in the users list.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct UserSummary {
    pub id: UserId,
    pub username: String,
    pub display_name: String,
    pub role: Role,
    pub banned: bool,
    pub deleted: bool,
    pub messages: i64,
    pub created_at: String,
}

/// How the users list is sorted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum UserSort {
    Newest,
    Username,
    DisplayName,
    MostMessages,
}

/// Everything a moderator sees about one account.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct UserDetail {
    pub summary: UserSummary,
    pub email: Option<String>,
    pub notes: String,
    pub show_on_leaderboard: bool,
    pub terms_accepted_at: Option<String>,
    pub score: ScoreCard,
    /// Their reliability evidence and weights, once they did any work.
    pub reliability: Option<crate::quality::view::AnnotatorReliability>,
    /// Newest first, deleted ones included.
    pub messages: Vec<MessageView>,
}

/// Which messages a moderator is looking for.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct MessageFilter {
    /// Words searched in the message's language (Postgres full-text search).
    pub query: Option<String>,
    pub lang: Option<String>,
    /// "pending", "accepted" or "rejected".
    pub review: Option<String>,
    pub tree_state: Option<TreeState>,
    /// Author's username.
    pub author: Option<String>,
    /// Dates, `YYYY-MM-DD`, inclusive.
    pub from: Option<String>,
    pub to: Option<String>,
    #[serde(default)]
    pub reported_only: bool,
    #[serde(default)]
    pub include_deleted: bool,
    #[serde(default)]
    pub page: u32,
}

impl MessageFilter {
    /// The filter as the query of a link (`?q=…&lang=…`; empty when nothing is set), so that a
    /// search can be bookmarked and Back returns to it. `escape` percent-encodes one value
    /// (the browser's `encodeURIComponent`).
    pub fn to_query(&self, escape: impl Fn(&str) -> String) -> String {
        let mut pairs: Vec<(&str, String)> = Vec::new();
        let mut text = |key, value: &Option<String>| {
            if let Some(value) = value.as_deref().filter(|v| !v.trim().is_empty()) {
                pairs.push((key, escape(value)));
            }
        };
        text("q", &self.query);
        text("lang", &self.lang);
        text("review", &self.review);
        text("author", &self.author);
        text("from", &self.from);
        text("to", &self.to);
        if let Some(state) = self.tree_state {
            pairs.push(("state", state.as_str().to_owned()));
        }
        if self.reported_only {
            pairs.push(("reported", "1".to_owned()));
        }
        if self.include_deleted {
            pairs.push(("deleted", "1".to_owned()));
        }
        if self.page > 0 {
            pairs.push(("page", self.page.to_string()));
        }
        if pairs.is_empty() {
            return String::new();
        }
        let joined: Vec<String> = pairs.into_iter().map(|(k, v)| format!("{k}={v}")).collect();
        format!("?{}", joined.join("&"))
    }

    /// The filter a link's query describes (`get` looks up one decoded value); what is missing
    /// or unreadable stays unset, and the server checks the rest.
    pub fn from_query(get: impl Fn(&str) -> Option<String>) -> Self {
        let text = |key| get(key).filter(|v| !v.trim().is_empty());
        let flag = |key| get(key).is_some_and(|v| v == "1" || v == "true");
        Self {
            query: text("q"),
            lang: text("lang"),
            review: text("review"),
            tree_state: get("state").and_then(|raw| TreeState::parse(&raw).ok()),
            author: text("author"),
            from: text("from"),
            to: text("to"),
            reported_only: flag("reported"),
            include_deleted: flag("deleted"),
            page: get("page").and_then(|raw| raw.parse().ok()).unwrap_or(0),
        }
    }
}

/// One message in the moderation list.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ModeratedMessage {
    pub message: MessageView,
    pub tree_state: TreeState,
    pub reports: i64,
}

/// A moderator's edit of a message.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Revision {
    pub editor: String,
    pub previous_text: String,
    pub new_text: String,
    pub created_at: String,
}

/// How a report was settled.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ReportOutcome {
    ContentRemoved,
    ContentEdited,
    UserBanned,
    NoAction,
    Duplicate,
}

impl ReportOutcome {
    pub const ALL: [ReportOutcome; 5] = [
        Self::ContentRemoved,
        Self::ContentEdited,
        Self::UserBanned,
        Self::NoAction,
        Self::Duplicate,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::ContentRemoved => "content_removed",
            Self::ContentEdited => "content_edited",
            Self::UserBanned => "user_banned",
            Self::NoAction => "no_action",
            Self::Duplicate => "duplicate",
        }
    }

    pub fn parse(raw: &str) -> Result<Self, Invalid> {
        Self::ALL
            .into_iter()
            .find(|o| o.as_str() == raw)
            .ok_or_else(|| Invalid::new("invalid_outcome", format!("Unknown outcome '{raw}'.")))
    }
}

/// Where a report stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ReportStatus {
    Open,
    /// Taken by a moderator.
    Assigned,
    Resolved,
}

impl ReportStatus {
    pub const ALL: [ReportStatus; 3] = [Self::Open, Self::Assigned, Self::Resolved];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Open => "open",
            Self::Assigned => "assigned",
            Self::Resolved => "resolved",
        }
    }

    pub fn parse(raw: &str) -> Result<Self, Invalid> {
        Self::ALL
            .into_iter()
            .find(|s| s.as_str() == raw)
            .ok_or_else(|| {
                Invalid::new("invalid_status", format!("Unknown report status '{raw}'."))
            })
    }
}

/// Which reports the queue shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ReportFilter {
    /// Open and taken ones: what still needs a decision (the queue's default).
    Unresolved,
    Only(ReportStatus),
    All,
}

impl ReportFilter {
    /// `unresolved`, `all` (or empty), or one status.
    pub fn parse(raw: &str) -> Result<Self, Invalid> {
        match raw {
            "unresolved" => Ok(Self::Unresolved),
            "" | "all" => Ok(Self::All),
            other => ReportStatus::parse(other).map(Self::Only).map_err(|_| {
                Invalid::new(
                    "invalid_status",
                    "Status is unresolved, open, assigned, resolved or all.",
                )
            }),
        }
    }
}

/// One report in the queue.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReportView {
    pub report_id: ReportId,
    pub message_id: MessageId,
    pub message_excerpt: String,
    pub message_deleted: bool,
    pub reporter: String,
    pub reason: String,
    pub status: ReportStatus,
    pub assigned_to: Option<String>,
    /// Taken by the moderator looking at the queue.
    pub assigned_to_me: bool,
    pub outcome: Option<ReportOutcome>,
    pub resolution_note: Option<String>,
    pub created_at: String,
    pub resolved_at: Option<String>,
}

/// A time window for leaderboards and the trollboard.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Window {
    /// The last 24 hours.
    Day,
    /// The last 7 days.
    Week,
    /// The last 30 days.
    Month,
    Total,
}

impl Window {
    pub const ALL: [Window; 4] = [Self::Day, Self::Week, Self::Month, Self::Total];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Day => "day",
            Self::Week => "week",
            Self::Month => "month",
            Self::Total => "total",
        }
    }

    pub fn parse(raw: &str) -> Result<Self, Invalid> {
        Self::ALL
            .into_iter()
            .find(|w| w.as_str() == raw)
            .ok_or_else(|| Invalid::new("invalid_window", format!("Unknown window '{raw}'.")))
    }

    /// Hours the window reaches back, or none for all time.
    pub fn hours(self) -> Option<i64> {
        match self {
            Self::Day => Some(24),
            Self::Week => Some(24 * 7),
            Self::Month => Some(24 * 30),
            Self::Total => None,
        }
    }
}

/// Signals of bad behaviour received by one user in a window.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TrollRow {
    pub user: UserSummary,
    pub red_flags: i64,
    pub thumbs_down: i64,
    pub thumbs_up: i64,
    pub spam_prompts: i64,
    /// Reviews of their messages flagging spam, wrong language, PII, inappropriate content,
    /// hate speech or sexual content.
    pub flag_labels: i64,
    pub score: i64,
}

impl TrollRow {
    /// OpenAssistant's troll score: 3·red flags − thumbs up + thumbs down + spam prompts +
    /// flag labels received.
    pub fn troll_score(
        red_flags: i64,
        thumbs_up: i64,
        thumbs_down: i64,
        spam_prompts: i64,
        flag_labels: i64,
    ) -> i64 {
        3 * red_flags - thumbs_up + thumbs_down + spam_prompts + flag_labels
    }
}

/// One row of a leaderboard.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LeaderRow {
    pub rank: u32,
    pub display_name: String,
    pub points: i64,
    pub level: u32,
    pub contributions: Contributions,
    pub is_me: bool,
}

/// A leaderboard: the top rows and the rows around the viewer.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Leaderboard {
    pub window: Window,
    pub top: Vec<LeaderRow>,
    /// Three ranks either side of the viewer (empty when they have no points in the window).
    pub around_me: Vec<LeaderRow>,
    pub participants: u32,
}

/// Figures for the statistics page; computed live.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Statistics {
    /// (day, prompter messages, assistant messages), last 30 days.
    pub messages_per_day: Vec<(String, i64, i64)>,
    /// (day, distinct contributors), last 30 days.
    pub contributors_per_day: Vec<(String, i64)>,
    /// (language, tree state, trees).
    pub trees_by_state: Vec<(String, TreeState, i64)>,
    /// (language, reviews missing, rankings missing).
    pub backlog: Vec<(String, i64, i64)>,
    pub generated_at: String,
}

/// The per-language part of the statistics: what the moderation overview shows.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LanguageStatistics {
    /// (language, tree state, trees).
    pub trees_by_state: Vec<(String, TreeState, i64)>,
    /// (language, reviews missing, rankings missing).
    pub backlog: Vec<(String, i64, i64)>,
}

/// What a purge removes (or would remove).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PurgeSummary {
    /// The user's own messages.
    pub messages: i64,
    /// Other people's replies below them, removed with them.
    pub descendants: i64,
    pub labels: i64,
    pub rankings: i64,
    pub reactions: i64,
    pub trees_affected: i64,
    /// True when nothing was changed (a preview).
    pub preview: bool,
}

/// One line of the audit log.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AuditEntry {
    pub actor: String,
    pub action: String,
    pub target_type: String,
    pub target_id: String,
    pub before: Option<String>,
    pub after: Option<String>,
    pub created_at: String,
}

/// A tree for moderators: its state and frozen limits, plus a pointer to its messages.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TreeSummary {
    pub message_tree_id: TreeId,
    pub state: TreeState,
    pub lang: String,
    pub goal_tree_size: i32,
    pub max_depth: i32,
    pub max_children_count: i32,
}

/// An export as asked for in a form, a URL query or on the command line. Lists are
/// comma-separated; `states` may be `all`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(
    feature = "openapi",
    derive(utoipa::IntoParams),
    into_params(parameter_in = Query)
)]
pub struct ExportQuery {
    /// `trees`, `messages`, `pairs`, `pairs_chat`, `sft` or `annotator_reliability`.
    pub format: String,
    /// Tree states, comma-separated, or `all` (default `ready_for_export`).
    #[serde(default)]
    pub states: Option<String>,
    /// Languages, comma-separated (default: all).
    #[serde(default)]
    pub langs: Option<String>,
    #[serde(default)]
    pub include_deleted: bool,
    #[serde(default)]
    pub include_spam: bool,
    #[serde(default)]
    pub include_synthetic: bool,
    /// `YYYY-MM-DD`, inclusive.
    #[serde(default)]
    pub from: Option<String>,
    #[serde(default)]
    pub to: Option<String>,
    #[serde(default)]
    pub prompts_only: bool,
    /// Add each message's latest reward-model score (`reward_score`) where it has one.
    #[serde(default)]
    pub include_reward_scores: bool,
    /// Add each ranked parent's agreement among its rankers (`agreement`: rankers, mean
    /// Kendall tau-b, Kendall's W).
    #[serde(default)]
    pub include_agreement: bool,
    /// `train` or `validation`.
    #[serde(default)]
    pub split: Option<String>,
    #[serde(default)]
    pub validation_fraction: Option<f64>,
    #[serde(default)]
    pub split_seed: Option<u64>,
}

/// What an export's filters leave out, and so which setting brings it back: trees in states
/// not asked for (by state), trees with model-written messages, deleted messages, rejected
/// (spam) messages. Counts within the asked-for states and languages.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExportLeftOut {
    pub other_states: Vec<(String, i64)>,
    /// Left out unless `include_synthetic`.
    pub synthetic_trees: i64,
    /// Left out unless `include_deleted`.
    pub deleted_messages: i64,
    /// Left out unless `include_spam`.
    pub spam_messages: i64,
}

impl ExportLeftOut {
    /// Whether the filters leave anything out.
    pub fn is_empty(&self) -> bool {
        self.other_states.is_empty()
            && self.synthetic_trees == 0
            && self.deleted_messages == 0
            && self.spam_messages == 0
    }
}

/// An export job started from the dashboard.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ExportJobView {
    pub id: String,
    pub format: String,
    /// "running", "done" or "failed".
    pub status: String,
    pub trees_total: i64,
    pub trees_done: i64,
    pub records: i64,
    pub bytes: i64,
    pub file_name: Option<String>,
    pub error: Option<String>,
    pub created_at: String,
    pub finished_at: Option<String>,
    /// What the job was asked for.
    #[serde(default)]
    pub filters: ExportFilters,
}

/// The filters an export job was started with, for its line in the list.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ExportFilters {
    /// Tree states; empty for all.
    pub states: Vec<TreeState>,
    /// Languages; empty for all.
    pub langs: Vec<String>,
    /// The part of a train/validation split, if one was asked for.
    pub split: Option<ExportSplitPart>,
    /// Dates of the prompts, `YYYY-MM-DD`, inclusive.
    pub from: Option<String>,
    pub to: Option<String>,
    pub include_deleted: bool,
    pub include_spam: bool,
    pub include_synthetic: bool,
    pub prompts_only: bool,
}

/// One part of a train/validation split, made by tree so no tree is in both.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ExportSplitPart {
    Train,
    Validation,
}

/// A language where an admin paused new conversations.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LanguagePause {
    pub lang: String,
    /// The admin's username.
    pub paused_by: String,
    pub paused_at: String,
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    /// Percent-encodes all but letters and digits, as the browser's `encodeURIComponent`
    /// does for the characters of these tests.
    fn escape(value: &str) -> String {
        value
            .bytes()
            .map(|b| {
                if b.is_ascii_alphanumeric() || b"-_.".contains(&b) {
                    char::from(b).to_string()
                } else {
                    format!("%{b:02X}")
                }
            })
            .collect()
    }

    fn unescape(value: &str) -> String {
        let bytes = value.as_bytes();
        let mut out = Vec::new();
        let mut i = 0;
        while i < bytes.len() {
            if bytes[i] == b'%' {
                let hex = std::str::from_utf8(&bytes[i + 1..i + 3]).expect("hex");
                out.push(u8::from_str_radix(hex, 16).expect("hex"));
                i += 3;
            } else {
                out.push(bytes[i]);
                i += 1;
            }
        }
        String::from_utf8(out).expect("utf-8")
    }

    fn parse(query: &str) -> MessageFilter {
        let pairs: HashMap<String, String> = query
            .trim_start_matches('?')
            .split('&')
            .filter(|pair| !pair.is_empty())
            .map(|pair| {
                let (k, v) = pair.split_once('=').expect("key=value");
                (k.to_owned(), unescape(v))
            })
            .collect();
        MessageFilter::from_query(|key| pairs.get(key).cloned())
    }

    #[test]
    fn a_search_survives_its_link() {
        let filter = MessageFilter {
            query: Some("\"moving average\" -pandas & 100% + вулкан".to_owned()),
            lang: Some("ru".to_owned()),
            review: Some("pending".to_owned()),
            tree_state: Some(TreeState::Ranking),
            author: Some("ada".to_owned()),
            from: Some("2026-12-01".to_owned()),
            to: Some("2026-12-07".to_owned()),
            reported_only: true,
            include_deleted: true,
            page: 3,
        };
        let query = filter.to_query(escape);
        assert!(query.starts_with("?q=%22moving%20average%22"), "{query}");
        assert_eq!(parse(&query), filter);
    }

    #[test]
    fn an_empty_search_has_no_query_and_blanks_are_unset() {
        assert_eq!(MessageFilter::default().to_query(escape), "");
        let blank = MessageFilter {
            query: Some("  ".to_owned()),
            ..MessageFilter::default()
        };
        assert_eq!(blank.to_query(escape), "");
        assert_eq!(
            parse("?q=&lang=en"),
            MessageFilter {
                lang: Some("en".to_owned()),
                ..MessageFilter::default()
            }
        );
        // what cannot be read stays unset
        assert_eq!(
            parse("?page=x&state=bogus&reported=no"),
            MessageFilter::default()
        );
    }
}
