//! What the moderation dashboard and the user pages show about agreement and reliability.

use super::reliability::{FlagReason, Interval};
use crate::ids::UserId;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Agreement in one language and week.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AgreementRow {
    pub lang: String,
    /// The Monday the week starts on, `YYYY-MM-DD`.
    pub week: String,
    /// Sets of sibling replies with at least two rankings.
    pub ranked_parents: u32,
    /// Mean over those sets of their mean pairwise Kendall tau-b.
    pub mean_tau_b: Option<f64>,
    /// Mean over those sets of Kendall's W.
    pub kendalls_w: Option<f64>,
    /// Messages with at least two reviews.
    pub reviewed_messages: u32,
    /// Krippendorff's alpha per label (nominal or ordinal by the label's scale).
    pub alpha: BTreeMap<String, f64>,
    /// Decided messages whose verdict with every review counting once would differ.
    pub verdicts_changed_by_weights: u32,
    pub verdicts: u32,
    /// Scored sets whose consensus with every ranking counting once would differ.
    pub consensus_changed_by_weights: u32,
    pub consensus_sets: u32,
}

/// One annotator's reliability, from their running evidence.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AnnotatorReliability {
    pub user_id: UserId,
    pub username: String,
    /// Share of reviews that agreed with the other reviewers' decision.
    pub label_agreement: Option<f64>,
    pub label_items: u32,
    /// Sensitivity + specificity − 1 of their reviews (1 perfect, 0 chance).
    pub label_youden: Option<f64>,
    /// Leave-one-out ranking agreement as a tau: (pairs agreed − reversed) / pairs.
    pub ranking_agreement: Option<f64>,
    pub ranking_pairs: u32,
    pub rankings: u32,
    pub gold: Option<Interval>,
    pub label_weight: f64,
    pub ranking_weight: f64,
    pub flag: Option<FlagReason>,
    pub flagged_at: Option<String>,
    pub tasks_done: u32,
}

/// The agreement page: per language and week, and the annotators with the most evidence.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AgreementReport {
    pub rows: Vec<AgreementRow>,
    pub annotators: Vec<AnnotatorReliability>,
    pub weeks: u32,
    pub generated_at: String,
}
