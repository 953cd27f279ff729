//! Names of the states things are in (trees, report outcomes), in the interface language.

use crate::i18n::*;
use domain::{moderation::ReportOutcome, tree::TreeState};

/// A tree's state as moderators and authors read it.
pub fn tree_state(i18n: crate::I18n, state: TreeState) -> &'static str {
    match state {
        TreeState::InitialPromptReview => t_string!(i18n, tree_state.initial_prompt_review),
        TreeState::PromptLotteryWaiting => t_string!(i18n, tree_state.prompt_lottery_waiting),
        TreeState::Growing => t_string!(i18n, tree_state.growing),
        TreeState::Ranking => t_string!(i18n, tree_state.ranking),
        TreeState::ReadyForScoring => t_string!(i18n, tree_state.ready_for_scoring),
        TreeState::ReadyForExport => t_string!(i18n, tree_state.ready_for_export),
        TreeState::ScoringFailed => t_string!(i18n, tree_state.scoring_failed),
        TreeState::AbortedLowGrade => t_string!(i18n, tree_state.aborted_low_grade),
        TreeState::HaltedByModerator => t_string!(i18n, tree_state.halted_by_moderator),
        TreeState::BacklogRanking => t_string!(i18n, tree_state.backlog_ranking),
    }
}

/// What a moderator decided about a report.
pub fn report_outcome(i18n: crate::I18n, outcome: ReportOutcome) -> &'static str {
    match outcome {
        ReportOutcome::ContentRemoved => t_string!(i18n, outcome.content_removed),
        ReportOutcome::ContentEdited => t_string!(i18n, outcome.content_edited),
        ReportOutcome::UserBanned => t_string!(i18n, outcome.user_banned),
        ReportOutcome::NoAction => t_string!(i18n, outcome.no_action),
        ReportOutcome::Duplicate => t_string!(i18n, outcome.duplicate),
    }
}
