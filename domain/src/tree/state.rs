//! The tree lifecycle: one state type and the one function that changes it.
//!
//! ```text
//! initial_prompt_review ─accepted─▶ prompt_lottery_waiting ─won─▶ growing ─full─▶ ranking
//!        │ rejected / red flags                                      │             │ ranked
//!        ▼                                                           │             ▼
//!  aborted_low_grade                    halted_by_moderator ◀─halt───┘    ready_for_scoring
//!                                                                           │ scored   │ failed
//! backlog_ranking ─activate─▶ ranking                                       ▼          ▼
//!                                                            ready_for_export   scoring_failed
//! ```

use crate::Invalid;
use serde::{Deserialize, Serialize};
use std::fmt;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum TreeState {
    /// The root prompt waits for its reviews.
    InitialPromptReview,
    /// The prompt was accepted and waits to be drawn for growing.
    PromptLotteryWaiting,
    /// Replies and their reviews are being collected.
    Growing,
    /// Sibling replies are being ranked.
    Ranking,
    /// All rankings are in; consensus ranks are being computed.
    ReadyForScoring,
    /// Ranks are set; the tree is part of the dataset.
    ReadyForExport,
    /// Computing the consensus failed; a retry may succeed.
    ScoringFailed,
    /// The prompt was rejected (spam, wrong language) or reported too often.
    AbortedLowGrade,
    /// A moderator (or auto-moderation) stopped the tree.
    HaltedByModerator,
    /// Imported replies wait for human rankings.
    BacklogRanking,
}

/// What happens to a tree.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum TreeEvent {
    /// Enough reviews of the prompt are in; `accepted` is their verdict.
    PromptReviewed { accepted: bool },
    /// The prompt lottery drew this tree.
    WonLottery,
    /// The tree has all the messages it will get, and none awaits review.
    GrowthComplete,
    /// Every set of siblings has its rankings.
    RankingsComplete,
    /// Consensus ranks were written.
    Scored,
    /// Computing the consensus failed.
    ScoringFailedWith,
    /// Retry scoring after a failure.
    RetryScoring,
    /// Auto-moderation: the prompt got too many red flags.
    PromptFlagged,
    /// A moderator halts the tree, or auto-moderation after mass skips or full deletion.
    Halt,
    /// A moderator restarts a halted or aborted tree; `won_lottery` says whether it had grown.
    Restart { won_lottery: bool },
    /// A backlog tree is brought into ranking.
    ActivateBacklog,
    /// A backlog tree turned out to have nothing rankable.
    NothingToRank,
}

/// A transition the lifecycle does not allow, with a stable code.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rejection {
    pub from: TreeState,
    pub event: TreeEvent,
}

impl From<Rejection> for Invalid {
    fn from(rejection: Rejection) -> Self {
        Invalid::new(
            "invalid_tree_transition",
            format!(
                "A tree in state {} cannot take {:?}.",
                rejection.from, rejection.event
            ),
        )
    }
}

impl TreeState {
    pub const ALL: [TreeState; 10] = [
        Self::InitialPromptReview,
        Self::PromptLotteryWaiting,
        Self::Growing,
        Self::Ranking,
        Self::ReadyForScoring,
        Self::ReadyForExport,
        Self::ScoringFailed,
        Self::AbortedLowGrade,
        Self::HaltedByModerator,
        Self::BacklogRanking,
    ];

    /// The state of a tree whose prompt was just written.
    pub const fn initial() -> Self {
        Self::InitialPromptReview
    }

    /// The one function that changes a tree's state.
    pub fn apply(self, event: TreeEvent) -> Result<Self, Rejection> {
        use TreeEvent as E;
        use TreeState as S;
        let next = match (self, event) {
            (S::InitialPromptReview, E::PromptReviewed { accepted: true }) => {
                S::PromptLotteryWaiting
            }
            (S::InitialPromptReview, E::PromptReviewed { accepted: false }) => S::AbortedLowGrade,
            (S::InitialPromptReview | S::PromptLotteryWaiting | S::Growing, E::PromptFlagged) => {
                S::AbortedLowGrade
            }
            (S::PromptLotteryWaiting, E::WonLottery) => S::Growing,
            (S::Growing, E::GrowthComplete) => S::Ranking,
            (S::Ranking, E::RankingsComplete) => S::ReadyForScoring,
            (S::ReadyForScoring, E::Scored) => S::ReadyForExport,
            (S::ReadyForScoring, E::ScoringFailedWith) => S::ScoringFailed,
            (S::ScoringFailed, E::RetryScoring) => S::ReadyForScoring,
            (S::BacklogRanking, E::ActivateBacklog) => S::Ranking,
            (S::BacklogRanking, E::NothingToRank) => S::AbortedLowGrade,
            (state, E::Halt) if state.can_halt() => S::HaltedByModerator,
            (S::HaltedByModerator | S::AbortedLowGrade, E::Restart { won_lottery }) => {
                if won_lottery {
                    S::Growing
                } else {
                    S::InitialPromptReview
                }
            }
            _ => return Err(Rejection { from: self, event }),
        };
        Ok(next)
    }

    /// Whether work (reviews, replies, rankings, scoring) still happens in this state.
    pub fn is_active(self) -> bool {
        matches!(
            self,
            Self::InitialPromptReview | Self::Growing | Self::Ranking | Self::ReadyForScoring
        )
    }

    /// A finished or stopped tree is not halted again.
    fn can_halt(self) -> bool {
        !matches!(self, Self::HaltedByModerator | Self::ReadyForExport)
    }

    /// Whether replies may still be added (messages to finished trees are kept, but no new
    /// reply tasks are made for them).
    pub fn accepts_replies(self) -> bool {
        matches!(
            self,
            Self::Growing | Self::Ranking | Self::ReadyForScoring | Self::ReadyForExport
        )
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::InitialPromptReview => "initial_prompt_review",
            Self::PromptLotteryWaiting => "prompt_lottery_waiting",
            Self::Growing => "growing",
            Self::Ranking => "ranking",
            Self::ReadyForScoring => "ready_for_scoring",
            Self::ReadyForExport => "ready_for_export",
            Self::ScoringFailed => "scoring_failed",
            Self::AbortedLowGrade => "aborted_low_grade",
            Self::HaltedByModerator => "halted_by_moderator",
            Self::BacklogRanking => "backlog_ranking",
        }
    }

    pub fn parse(raw: &str) -> Result<Self, Invalid> {
        Self::ALL
            .into_iter()
            .find(|state| state.as_str() == raw)
            .ok_or_else(|| {
                Invalid::new("invalid_tree_state", format!("Unknown tree state '{raw}'."))
            })
    }
}

impl fmt::Display for TreeState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use TreeEvent as E;
    use TreeState as S;

    #[test]
    fn a_tree_grows_from_prompt_to_export() -> Result<(), Rejection> {
        let state = S::initial()
            .apply(E::PromptReviewed { accepted: true })?
            .apply(E::WonLottery)?
            .apply(E::GrowthComplete)?
            .apply(E::RankingsComplete)?
            .apply(E::Scored)?;
        assert_eq!(state, S::ReadyForExport);
        assert!(!state.is_active());
        Ok(())
    }

    #[test]
    fn a_rejected_prompt_aborts_the_tree() {
        assert_eq!(
            S::initial().apply(E::PromptReviewed { accepted: false }),
            Ok(S::AbortedLowGrade)
        );
    }

    #[test]
    fn growth_events_are_refused_outside_growing() {
        assert_eq!(
            S::Ranking.apply(E::GrowthComplete),
            Err(Rejection {
                from: S::Ranking,
                event: E::GrowthComplete
            })
        );
        assert!(S::PromptLotteryWaiting.apply(E::GrowthComplete).is_err());
    }

    #[test]
    fn halted_trees_restart_where_they_left_off() {
        assert_eq!(S::Growing.apply(E::Halt), Ok(S::HaltedByModerator));
        assert_eq!(
            S::HaltedByModerator.apply(E::Restart { won_lottery: true }),
            Ok(S::Growing)
        );
        assert_eq!(
            S::HaltedByModerator.apply(E::Restart { won_lottery: false }),
            Ok(S::InitialPromptReview)
        );
        assert!(S::HaltedByModerator.apply(E::Halt).is_err());
        assert!(S::Growing.apply(E::Restart { won_lottery: true }).is_err());
    }

    #[test]
    fn states_round_trip_through_their_names() {
        for state in S::ALL {
            assert_eq!(S::parse(state.as_str()), Ok(state));
        }
    }

    fn any_event() -> impl Strategy<Value = TreeEvent> {
        prop_oneof![
            any::<bool>().prop_map(|accepted| E::PromptReviewed { accepted }),
            Just(E::WonLottery),
            Just(E::GrowthComplete),
            Just(E::RankingsComplete),
            Just(E::Scored),
            Just(E::ScoringFailedWith),
            Just(E::RetryScoring),
            Just(E::PromptFlagged),
            Just(E::Halt),
            any::<bool>().prop_map(|won_lottery| E::Restart { won_lottery }),
            Just(E::ActivateBacklog),
            Just(E::NothingToRank),
        ]
    }

    /// What a tree must have gone through to be in a state, tracked beside the state machine.
    #[derive(Default)]
    struct History {
        accepted_prompt: bool,
        won_lottery: bool,
        scored: bool,
    }

    proptest! {
        #[test]
        fn no_event_sequence_reaches_an_invalid_state(
            start_in_backlog in any::<bool>(),
            events in proptest::collection::vec(any_event(), 0..60),
        ) {
            let mut state = if start_in_backlog { S::BacklogRanking } else { S::initial() };
            let mut history = History { won_lottery: start_in_backlog, accepted_prompt: start_in_backlog, ..History::default() };
            for event in events {
                // the engine restarts a tree according to whether it ever won the lottery
                let event = match event {
                    E::Restart { .. } => E::Restart { won_lottery: history.won_lottery },
                    other => other,
                };
                match state.apply(event) {
                    Ok(next) => {
                        match event {
                            E::PromptReviewed { accepted: true } => history.accepted_prompt = true,
                            E::WonLottery => history.won_lottery = true,
                            E::Scored => history.scored = true,
                            E::Restart { won_lottery: false } => history = History::default(),
                            _ => {}
                        }
                        if next != state {
                            prop_assert!(S::ALL.contains(&next));
                        }
                        state = next;
                    }
                    Err(rejection) => {
                        // a refused event leaves the tree as it was
                        prop_assert_eq!(rejection.from, state);
                    }
                }
                // invariants of the reachable states
                match state {
                    S::PromptLotteryWaiting => prop_assert!(history.accepted_prompt),
                    S::Growing | S::Ranking | S::ReadyForScoring | S::ScoringFailed => {
                        prop_assert!(history.won_lottery)
                    }
                    S::ReadyForExport => prop_assert!(history.scored && history.won_lottery),
                    _ => {}
                }
                prop_assert_eq!(
                    state.is_active(),
                    matches!(state, S::InitialPromptReview | S::Growing | S::Ranking | S::ReadyForScoring)
                );
            }
        }
    }
}
