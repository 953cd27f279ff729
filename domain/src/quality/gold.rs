//! Gold items: answers moderators know to be right, mixed into the task stream to measure each
//! annotator's accuracy.
//!
//! - A **label gold item** names the expected values of some labels of a message. An answer is
//!   correct when every expected label the task asked about matches: yes/no questions and flags
//!   exactly (an unset flag is "no"), scales within the item's tolerance (a scale the annotator
//!   left untouched is not checked).
//! - A **ranking gold item** is the expected order of a parent's replies (ties allowed). Every
//!   pair the expected order separates is checked; an answer is correct when it puts none of
//!   them the other way round and agrees on at least one.
//! - **How often**: during an annotator's first `calibration_tasks` tasks, each task is a gold
//!   one with probability `calibration_gold_share`; afterwards with `gold_share`
//!   (`TreeConfig`). A gold task looks exactly like any other task of its kind.

use crate::{
    ids::{GoldId, MessageId},
    label::{catalogue, Widget},
    quality::agreement::ballot_pairs,
    ranking::consensus::Ballot,
    tree::TreeConfig,
    Invalid,
};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};

/// The longest explanation of a gold item.
pub const MAX_EXPLANATION_CHARS: usize = 2000;

/// What a gold item expects.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Expected {
    /// Label values (0..1) of a message; scales match within `tolerance`.
    Labels {
        labels: BTreeMap<String, f64>,
        #[serde(default)]
        tolerance: f64,
    },
    /// The order of a parent's replies, best first; ids in one group are tied.
    Ranking { ranking: Vec<Vec<MessageId>> },
}

impl Expected {
    /// `labels` or `ranking`.
    pub fn kind(&self) -> &'static str {
        match self {
            Self::Labels { .. } => "labels",
            Self::Ranking { .. } => "ranking",
        }
    }

    /// Checks the expectation itself: known labels with valid values, a tolerance in 0..1, a
    /// ranking of at least two distinct replies.
    pub fn validate(&self) -> Result<(), Invalid> {
        match self {
            Self::Labels { labels, tolerance } => {
                if labels.is_empty() {
                    return Err(Invalid::new(
                        "invalid_gold",
                        "A gold item expects at least one label.",
                    ));
                }
                if !(0.0..=1.0).contains(tolerance) {
                    return Err(Invalid::new(
                        "invalid_gold",
                        "The tolerance is between 0 and 1.",
                    ));
                }
                let all: Vec<&catalogue::LabelSpec> = catalogue::LABELS.iter().collect();
                catalogue::validate(labels, &all, &[])
            }
            Self::Ranking { ranking } => {
                let flat: Vec<MessageId> = ranking.iter().flatten().copied().collect();
                let distinct: BTreeSet<MessageId> = flat.iter().copied().collect();
                if distinct.len() < 2
                    || distinct.len() != flat.len()
                    || ranking.iter().any(Vec::is_empty)
                {
                    return Err(Invalid::new(
                        "invalid_gold",
                        "A gold ranking places at least two replies, each once.",
                    ));
                }
                if ranking.len() < 2 {
                    return Err(Invalid::new(
                        "invalid_gold",
                        "A gold ranking that ties every reply expects nothing.",
                    ));
                }
                Ok(())
            }
        }
    }
}

/// Checks an explanation's length.
pub fn check_explanation(explanation: &str) -> Result<String, Invalid> {
    let explanation = explanation.trim();
    if explanation.chars().count() > MAX_EXPLANATION_CHARS {
        return Err(Invalid::new(
            "invalid_gold",
            format!("An explanation has at most {MAX_EXPLANATION_CHARS} characters."),
        ));
    }
    if explanation.contains('\0') {
        return Err(Invalid::new(
            "invalid_text",
            "The explanation contains a NUL byte.",
        ));
    }
    Ok(explanation.to_owned())
}

/// How an answer compares with a gold item.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct GoldCheck {
    pub correct: bool,
    /// Labels, or ranked pairs, checked.
    pub checked: u32,
    pub matched: u32,
    /// Ranked pairs put the other way round (rankings only).
    pub reversed: u32,
}

/// Checks label answers against the expected values, on the labels the task asked (`asked`).
pub fn check_labels(
    expected: &BTreeMap<String, f64>,
    tolerance: f64,
    answer: &BTreeMap<String, f64>,
    asked: &[(&str, Widget)],
) -> GoldCheck {
    let mut check = GoldCheck::default();
    for (name, want) in expected {
        let Some((_, widget)) = asked.iter().find(|(asked, _)| asked == name) else {
            continue;
        };
        let given = match (answer.get(name), widget) {
            (Some(value), _) => *value,
            (None, Widget::Flag) => 0.0,
            // an untouched scale says nothing; an unanswered question does not match
            (None, Widget::Likert) => continue,
            (None, Widget::YesNo) => f64::NAN,
        };
        check.checked += 1;
        let matches = match widget {
            Widget::Likert => (given - want).abs() <= tolerance + 1e-9,
            Widget::YesNo | Widget::Flag => (given - want).abs() < 1e-9,
        };
        check.matched += u32::from(matches);
    }
    check.correct = check.checked > 0 && check.matched == check.checked;
    check
}

/// Checks a ranking against the expected order.
pub fn check_ranking(expected: &Ballot<MessageId>, answer: &Ballot<MessageId>) -> GoldCheck {
    let pairs = ballot_pairs(expected, answer);
    let checked = pairs.pairs.saturating_sub(pairs.tied_first);
    let to_u32 = |n: u64| u32::try_from(n).unwrap_or(u32::MAX);
    GoldCheck {
        correct: pairs.discordant == 0 && pairs.concordant > 0,
        checked: to_u32(checked),
        matched: to_u32(pairs.concordant),
        reversed: to_u32(pairs.discordant),
    }
}

/// The chance that the next task of an annotator who finished `tasks_done` tasks is a gold one.
pub fn gold_share(tasks_done: u32, config: &TreeConfig) -> f64 {
    let share = if tasks_done < config.calibration_tasks {
        config.calibration_gold_share
    } else {
        config.gold_share
    };
    share.clamp(0.0, 1.0)
}

/// One gold item as moderators list it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GoldItemView {
    pub gold_id: GoldId,
    /// The labelled message, or the parent whose replies are ranked.
    pub message_id: MessageId,
    pub lang: String,
    pub excerpt: String,
    pub expected: Expected,
    pub explanation: String,
    pub created_by: String,
    pub created_at: String,
    pub answers: i64,
    pub correct: i64,
}

/// A new gold item, from the tree view or a line of a gold file:
/// `{"message_id": ID, "kind": "labels", "labels": {"spam": 1}, "tolerance": 0.25,
/// "explanation": "..."}` or `{"message_id": PARENT, "kind": "ranking", "ranking": [[ID], [ID,
/// ID]], "explanation": "..."}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NewGold {
    pub message_id: MessageId,
    #[serde(flatten)]
    pub expected: Expected,
    #[serde(default)]
    pub explanation: String,
}

/// What importing a gold file did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct GoldImport {
    pub items: u32,
    pub labels: u32,
    pub rankings: u32,
}

/// One of an annotator's gold checks, shown to them after the fact.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GoldOutcome {
    pub correct: bool,
    pub answered_at: String,
    /// The message labelled, or the parent of the ranked replies.
    pub message_id: MessageId,
    pub excerpt: String,
    pub explanation: String,
    /// Labels: (label, expected value, the annotator's value).
    pub labels: Vec<(String, f64, Option<f64>)>,
    pub tolerance: f64,
    /// Rankings: excerpts of the replies in the expected order and in the annotator's.
    pub expected_order: Vec<Vec<String>>,
    pub given_order: Vec<Vec<String>>,
}

/// An annotator's gold accuracy and their checks, newest first.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GoldReport {
    pub accuracy: Option<super::reliability::Interval>,
    pub outcomes: Vec<GoldOutcome>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use uuid::Uuid;

    fn id(n: u128) -> MessageId {
        MessageId::from_uuid(Uuid::from_u128(n))
    }

    fn labels(pairs: &[(&str, f64)]) -> BTreeMap<String, f64> {
        pairs.iter().map(|(k, v)| ((*k).to_owned(), *v)).collect()
    }

    const ASKED: [(&str, Widget); 3] = [
        ("spam", Widget::YesNo),
        ("pii", Widget::Flag),
        ("quality", Widget::Likert),
    ];

    #[test]
    fn labels_match_exactly_or_within_the_tolerance() {
        let expected = labels(&[("spam", 0.0), ("pii", 0.0), ("quality", 0.75)]);
        let close = check_labels(
            &expected,
            0.25,
            &labels(&[("spam", 0.0), ("quality", 0.5)]),
            &ASKED,
        );
        assert_eq!((close.correct, close.checked, close.matched), (true, 3, 3));
        let far = check_labels(
            &expected,
            0.0,
            &labels(&[("spam", 0.0), ("quality", 0.5)]),
            &ASKED,
        );
        assert_eq!((far.correct, far.matched), (false, 2));
        let spam = check_labels(&expected, 0.25, &labels(&[("spam", 1.0)]), &ASKED);
        assert_eq!(
            (spam.correct, spam.checked),
            (false, 2),
            "the untouched scale is not checked"
        );
        // a label the task did not ask about is not checked
        let narrow = check_labels(&expected, 0.0, &labels(&[("spam", 0.0)]), &ASKED[..1]);
        assert!(narrow.correct);
        assert!(!check_labels(&expected, 0.0, &BTreeMap::new(), &[]).correct);
    }

    #[test]
    fn rankings_are_checked_pair_by_pair() {
        let expected: Ballot<MessageId> = vec![vec![id(1)], vec![id(2), id(3)]];
        let same = check_ranking(&expected, &vec![vec![id(1)], vec![id(3)], vec![id(2)]]);
        assert_eq!((same.correct, same.checked, same.matched), (true, 2, 2));
        let swapped = check_ranking(&expected, &vec![vec![id(2)], vec![id(1)], vec![id(3)]]);
        assert_eq!(
            (swapped.correct, swapped.matched, swapped.reversed),
            (false, 1, 1)
        );
        let all_tied = check_ranking(&expected, &vec![vec![id(1), id(2), id(3)]]);
        assert!(!all_tied.correct);
    }

    #[test]
    fn expectations_are_validated() {
        let ok = Expected::Labels {
            labels: labels(&[("spam", 1.0)]),
            tolerance: 0.25,
        };
        assert!(ok.validate().is_ok());
        let bad_value = Expected::Labels {
            labels: labels(&[("quality", 0.3)]),
            tolerance: 0.0,
        };
        assert_eq!(
            bad_value.validate().map_err(|e| e.code),
            Err("invalid_label_value")
        );
        let unknown = Expected::Labels {
            labels: labels(&[("vibes", 1.0)]),
            tolerance: 0.0,
        };
        assert_eq!(unknown.validate().map_err(|e| e.code), Err("invalid_label"));
        let twice = Expected::Ranking {
            ranking: vec![vec![id(1)], vec![id(1)]],
        };
        assert_eq!(twice.validate().map_err(|e| e.code), Err("invalid_gold"));
        let tied = Expected::Ranking {
            ranking: vec![vec![id(1), id(2)]],
        };
        assert_eq!(tied.validate().map_err(|e| e.code), Err("invalid_gold"));
        let json = serde_json::json!({"kind": "ranking", "ranking": [[id(1)], [id(2)]]});
        let parsed: Expected = serde_json::from_value(json).unwrap_or(tied);
        assert!(parsed.validate().is_ok());
        assert!(check_explanation(&"x".repeat(2001)).is_err());
    }

    #[test]
    fn newcomers_see_more_gold() {
        let config = TreeConfig::default();
        assert!(gold_share(0, &config) > gold_share(config.calibration_tasks, &config));
        assert!((gold_share(500, &config) - 0.05).abs() < 1e-9);
    }
}
