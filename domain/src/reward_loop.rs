//! Reward models in the loop: per-language retraining schedules, the runs that train a
//! candidate and promote it only if it is not worse than the current model on the same
//! held-out trees, and the registry the dashboard shows.

use crate::{
    ids::{JobId, MessageId, RunId, UserId},
    message::LanguageTag,
    training::TrainingSettings,
    Invalid,
};
use serde::{Deserialize, Serialize};

/// Where a retraining run stands: `training` → `scoring` → `promoted` | `kept`; `failed`
/// when a job of it failed or was cancelled.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RunState {
    Training,
    Scoring,
    Promoted,
    Kept,
    Failed,
}

impl RunState {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Training => "training",
            Self::Scoring => "scoring",
            Self::Promoted => "promoted",
            Self::Kept => "kept",
            Self::Failed => "failed",
        }
    }

    pub fn parse(raw: &str) -> Result<Self, Invalid> {
        Ok(match raw {
            "training" => Self::Training,
            "scoring" => Self::Scoring,
            "promoted" => Self::Promoted,
            "kept" => Self::Kept,
            "failed" => Self::Failed,
            other => {
                return Err(Invalid::new(
                    "invalid_run_state",
                    format!("Unknown run state '{other}'."),
                ))
            }
        })
    }

    pub fn in_flight(self) -> bool {
        matches!(self, Self::Training | Self::Scoring)
    }
}

/// What started a run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RunTrigger {
    /// The language's schedule: enough new rankings.
    Schedule,
    /// A moderator's "retrain now".
    Manual,
}

impl RunTrigger {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Schedule => "schedule",
            Self::Manual => "manual",
        }
    }

    pub fn parse(raw: &str) -> Result<Self, Invalid> {
        match raw {
            "schedule" => Ok(Self::Schedule),
            "manual" => Ok(Self::Manual),
            other => Err(Invalid::new(
                "invalid_run_trigger",
                format!("Unknown run trigger '{other}'."),
            )),
        }
    }
}

/// A language's schedule as a moderator sets it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ScheduleInput {
    pub lang: String,
    /// Retrain after this many new rankings in the language.
    pub every_rankings: u32,
    pub enabled: bool,
    /// Training settings of the runs (their languages are replaced by `lang`).
    pub settings: TrainingSettings,
}

/// The most rankings a schedule may wait for.
pub const MAX_EVERY_RANKINGS: u32 = 1_000_000;

impl ScheduleInput {
    /// Checks the schedule; the language comes back normalised and the settings train on it
    /// alone.
    pub fn validated(mut self) -> Result<Self, Invalid> {
        let lang = LanguageTag::parse(&self.lang)?.as_str().to_owned();
        if !(1..=MAX_EVERY_RANKINGS).contains(&self.every_rankings) {
            return Err(Invalid::new(
                "invalid_schedule",
                format!("Retrain after 1 to {MAX_EVERY_RANKINGS} new rankings."),
            ));
        }
        self.settings = TrainingSettings {
            languages: vec![lang.clone()],
            ..self.settings
        }
        .validated()?;
        if self.settings.held_out_fraction <= 0.0 {
            return Err(Invalid::new(
                "invalid_schedule",
                "A schedule needs held-out trees to compare models: hold out more than 0.",
            ));
        }
        self.lang = lang;
        Ok(self)
    }
}

/// Whether a schedule is due: enabled, nothing in flight, and enough new rankings.
pub fn is_due(enabled: bool, in_flight: bool, new_rankings: u64, every: u32) -> bool {
    enabled && !in_flight && new_rankings >= u64::from(every)
}

/// A model's all-pairs accuracy on held-out parents: the share of every (better, worse)
/// pair of the consensus tiers that the model scores the right way round (equal scores count
/// half). `groups` holds each parent's replies as (tier, score); replies without a score take
/// no part. None when no pair could be judged.
pub fn all_pairs_accuracy(groups: &[Vec<(u32, Option<f32>)>]) -> Option<(f64, u64)> {
    let (mut right, mut pairs) = (0.0, 0u64);
    for group in groups {
        let scored: Vec<(u32, f32)> = group
            .iter()
            .filter_map(|(tier, score)| score.filter(|s| s.is_finite()).map(|s| (*tier, s)))
            .collect();
        for (i, (tier_a, score_a)) in scored.iter().enumerate() {
            for (tier_b, score_b) in scored.iter().skip(i + 1) {
                if tier_a == tier_b {
                    continue;
                }
                let (better, worse) = if tier_a < tier_b {
                    (score_a, score_b)
                } else {
                    (score_b, score_a)
                };
                pairs += 1;
                right += if better > worse {
                    1.0
                } else if better == worse {
                    0.5
                } else {
                    0.0
                };
            }
        }
    }
    (pairs > 0).then(|| (right / pairs as f64, pairs))
}

/// Why a run ended as it did (a stable code the dashboard translates).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Decision {
    /// The language had no current model.
    FirstModel,
    /// The candidate is at least as accurate on the same held-out trees.
    NotWorse,
    /// The candidate is less accurate: the current model stays.
    Worse,
    /// No held-out pair could be judged: nothing to compare, the current model stays.
    NoHeldOut,
}

impl Decision {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::FirstModel => "first_model",
            Self::NotWorse => "not_worse",
            Self::Worse => "worse",
            Self::NoHeldOut => "no_held_out",
        }
    }

    pub fn parse(raw: &str) -> Option<Self> {
        Some(match raw {
            "first_model" => Self::FirstModel,
            "not_worse" => Self::NotWorse,
            "worse" => Self::Worse,
            "no_held_out" => Self::NoHeldOut,
            _ => return None,
        })
    }

    pub fn promotes(self) -> bool {
        matches!(self, Self::FirstModel | Self::NotWorse)
    }

    /// Decides on a candidate from its held-out accuracy and the current model's on the same
    /// trees (`has_current`: whether the language has a current model at all).
    pub fn decide(has_current: bool, candidate: Option<f64>, current: Option<f64>) -> Self {
        match (candidate, has_current) {
            (None, _) => Self::NoHeldOut,
            (Some(_), false) => Self::FirstModel,
            (Some(candidate), true) => match current {
                Some(current) if candidate < current => Self::Worse,
                _ => Self::NotWorse,
            },
        }
    }
}

/// One run as the registry lists it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RunView {
    pub id: RunId,
    pub lang: String,
    pub trigger: RunTrigger,
    pub state: RunState,
    pub new_rankings: i64,
    pub train_job: JobId,
    pub score_job: Option<JobId>,
    pub baseline_job: Option<JobId>,
    pub candidate_accuracy: Option<f64>,
    pub baseline_accuracy: Option<f64>,
    pub held_out_pairs: Option<i32>,
    pub decision: Option<Decision>,
    /// Why a failed run failed.
    pub error: Option<String>,
    pub created_at: String,
    pub decided_at: Option<String>,
}

/// A language's schedule as stored.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ScheduleView {
    pub every_rankings: u32,
    pub enabled: bool,
    pub settings: TrainingSettings,
    pub updated_by: UserId,
    pub updated_at: String,
}

/// A language in the registry: its schedule, its current model and its runs, newest first.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LanguageModels {
    pub lang: String,
    pub schedule: Option<ScheduleView>,
    /// The latest promoted run.
    pub current: Option<RunView>,
    pub runs: Vec<RunView>,
    /// Rankings since the latest run (or the schedule), as the schedule counts them.
    pub new_rankings: i64,
}

/// A parent where the consensus and the current model disagree.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Disagreement {
    pub parent: MessageId,
    /// The conversation's last message (the parent), shortened.
    pub parent_text: String,
    pub rankings: u32,
    /// Kendall's tau-b between the consensus and the model's order (−1 opposite … 1 same).
    pub tau: f64,
    /// The replies in consensus order, and in the model's order, with the model's score.
    pub consensus: Vec<ReplyBrief>,
    pub model: Vec<ReplyBrief>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReplyBrief {
    pub message: MessageId,
    pub text: String,
    pub score: Option<f32>,
}

/// An annotator whose rankings disagree with both the consensus and the model.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DissentingAnnotator {
    pub user: UserId,
    pub display_name: String,
    pub rankings: u32,
    /// Mean tau-b of their rankings with the consensus, and with the model's order.
    pub tau_consensus: f64,
    pub tau_model: f64,
}

/// The disagreement review of one language.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DisagreementReview {
    pub lang: String,
    /// The current model whose scores are compared; None when the language has none.
    pub model: Option<JobId>,
    pub parents: Vec<Disagreement>,
    pub annotators: Vec<DissentingAnnotator>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accuracy_counts_every_ordered_pair_and_skips_ties_and_unscored_replies() {
        // tiers 0 < 1 < 2: pairs (0,1) right, (0,2) right, (1,2) wrong
        let group = vec![(0, Some(3.0)), (1, Some(1.0)), (2, Some(2.0)), (2, None)];
        let (acc, pairs) = all_pairs_accuracy(&[group]).unwrap_or_default();
        assert_eq!(pairs, 3);
        assert!((acc - 2.0 / 3.0).abs() < 1e-12);
        let tied = vec![(0, Some(1.0)), (0, Some(2.0))];
        assert_eq!(all_pairs_accuracy(&[tied]), None);
        let equal = vec![(0, Some(1.0)), (1, Some(1.0))];
        assert_eq!(all_pairs_accuracy(&[equal]), Some((0.5, 1)));
    }

    #[test]
    fn a_worse_candidate_is_kept_out_and_an_equal_one_promoted() {
        assert_eq!(
            Decision::decide(true, Some(0.6), Some(0.7)),
            Decision::Worse
        );
        assert!(!Decision::Worse.promotes());
        assert_eq!(
            Decision::decide(true, Some(0.7), Some(0.7)),
            Decision::NotWorse
        );
        assert_eq!(
            Decision::decide(false, Some(0.1), None),
            Decision::FirstModel
        );
        assert_eq!(Decision::decide(true, None, Some(0.7)), Decision::NoHeldOut);
        assert!(!Decision::NoHeldOut.promotes());
        // the current model scored nothing of the held-out trees: nothing beats the candidate
        assert_eq!(Decision::decide(true, Some(0.6), None), Decision::NotWorse);
        for d in [
            Decision::FirstModel,
            Decision::NotWorse,
            Decision::Worse,
            Decision::NoHeldOut,
        ] {
            assert_eq!(Decision::parse(d.as_str()), Some(d));
        }
    }

    #[test]
    fn schedules_are_checked_and_train_on_their_language() {
        let input = ScheduleInput {
            lang: "DE".to_owned(),
            every_rankings: 50,
            enabled: true,
            settings: TrainingSettings {
                languages: vec!["en".to_owned(), "fr".to_owned()],
                ..TrainingSettings::default()
            },
        };
        let ok = input.clone().validated();
        assert_eq!(ok.as_ref().map(|s| s.lang.as_str()), Ok("de"));
        assert_eq!(ok.map(|s| s.settings.languages), Ok(vec!["de".to_owned()]));
        for bad in [
            ScheduleInput {
                every_rankings: 0,
                ..input.clone()
            },
            ScheduleInput {
                settings: TrainingSettings {
                    held_out_fraction: 0.0,
                    ..TrainingSettings::default()
                },
                ..input.clone()
            },
        ] {
            assert_eq!(bad.validated().map_err(|e| e.code), Err("invalid_schedule"));
        }
        assert!(is_due(true, false, 50, 50));
        assert!(!is_due(true, true, 500, 50));
        assert!(!is_due(false, false, 500, 50));
        assert!(!is_due(true, false, 49, 50));
        for s in [
            RunState::Training,
            RunState::Scoring,
            RunState::Promoted,
            RunState::Kept,
            RunState::Failed,
        ] {
            assert_eq!(RunState::parse(s.as_str()), Ok(s));
        }
    }
}
