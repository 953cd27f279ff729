//! Every threshold of the tree lifecycle and the task chooser, in one struct. The defaults are
//! OpenAssistant's production values (its `TreeManagerConfiguration` as deployed).

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TreeConfig {
    /// Trees growing at once per language when few annotators are active; the prompt lottery
    /// fills up to this, or more for a crowd (`active_trees`).
    pub max_active_trees: u32,
    /// Active annotators per growing tree: with more of them more trees grow at once.
    pub annotators_per_growing_tree: u32,
    /// The most trees that grow at once per language, however large the crowd.
    pub active_trees_ceiling: u32,
    /// Prompts under review per language before no more prompts are asked for.
    pub max_initial_prompt_review: u32,
    /// Prompts accepted and waiting for the lottery per language, at most.
    pub max_prompt_lottery_waiting: u32,
    /// A message can get replies only while its depth is below this (the root is depth 0).
    pub max_depth: u32,
    /// Replies a prompter message can have.
    pub max_children_count: u32,
    /// Replies (user follow-ups) an assistant message can have.
    pub num_prompter_replies: u32,
    /// Messages (accepted or under review) a tree collects before ranking starts.
    pub goal_tree_size: u32,
    /// Reviews a prompt needs before it is accepted or rejected.
    pub num_reviews_initial_prompt: u32,
    /// Reviews a reply needs.
    pub num_reviews_reply: u32,
    /// Acceptance score a prompt must exceed.
    pub acceptance_threshold_initial_prompt: f64,
    /// Acceptance score a reply must exceed.
    pub acceptance_threshold_reply: f64,
    /// Rankings every set of sibling replies needs before scoring.
    pub num_required_rankings: u32,
    /// Whether sibling user follow-ups are ranked too (assistant replies always are).
    pub rank_prompter_replies: bool,
    /// A prompter message with fewer children than this (but at least one) is a lonely child.
    pub lonely_children_count: u32,
    /// Chance that a reply task goes to a lonely child, so siblings become rankable sooner.
    pub p_lonely_child_extension: f64,
    /// Chance that a review is a full one (all labels) rather than a quick spam check.
    pub p_full_labeling_review_prompt: f64,
    pub p_full_labeling_review_reply_assistant: f64,
    pub p_full_labeling_review_reply_prompter: f64,
    /// Seconds in which open tasks count as pending and reserve their parent.
    pub recent_tasks_span_secs: u32,
    /// Pending tasks a user may hold in that span.
    pub max_pending_tasks_per_user: u32,
    /// Seconds an open task reserves its item (a reply slot, a review, a ranking) for its
    /// annotator, so nobody else takes the slot while they write. OpenAssistant used 5 minutes,
    /// shorter than many replies take to write.
    pub task_reservation_secs: u32,
    /// Minutes a task stays valid.
    pub task_validity_minutes: u32,
    /// Longest message, in characters.
    pub max_message_chars: usize,
    /// Minutes in which the same user may not submit the same text twice.
    pub duplicate_message_window_minutes: u32,
    /// Whether red flags and mass skips remove content automatically.
    pub auto_mod_enabled: bool,
    /// Red flags that delete a reply (with its descendants) or abort a prompt's tree.
    pub auto_mod_red_flags: u32,
    /// Users skipping a message's reply task that halt its tree.
    pub auto_mod_max_skip_reply: u32,
    /// Chance that a task is a gold item (`domain::quality::gold`), once calibrated.
    pub gold_share: f64,
    /// Tasks a new annotator does with the calibration share of gold items.
    pub calibration_tasks: u32,
    /// Chance of a gold item during calibration.
    pub calibration_gold_share: f64,
    /// Whether reviewer and ranker reliability weights decide acceptance and the consensus
    /// (`domain::quality::reliability`); off, every vote counts once as in OpenAssistant.
    pub reliability_weights: bool,
    /// How strongly the chooser prefers ranking tasks the language's current reward model is
    /// least sure about (`ranking::active`): a task's draw weight is `1 + weight ·
    /// uncertainty`; 0 turns the preference off.
    pub active_learning_weight: f64,
    /// Whether signed-in contributors see other people's display names beside their messages
    /// (`tree::audience`); visitors never do, moderators always.
    pub show_author_names: bool,
}

impl Default for TreeConfig {
    fn default() -> Self {
        Self {
            max_active_trees: 10,
            annotators_per_growing_tree: 3,
            active_trees_ceiling: 400,
            active_learning_weight: crate::ranking::active::DEFAULT_WEIGHT,
            max_initial_prompt_review: 100,
            max_prompt_lottery_waiting: 250,
            max_depth: 5,
            max_children_count: 3,
            num_prompter_replies: 1,
            goal_tree_size: 15,
            num_reviews_initial_prompt: 3,
            num_reviews_reply: 3,
            acceptance_threshold_initial_prompt: 0.6,
            acceptance_threshold_reply: 0.6,
            num_required_rankings: 3,
            rank_prompter_replies: false,
            lonely_children_count: 2,
            p_lonely_child_extension: 0.75,
            p_full_labeling_review_prompt: 1.0,
            p_full_labeling_review_reply_assistant: 1.0,
            p_full_labeling_review_reply_prompter: 0.25,
            recent_tasks_span_secs: 300,
            max_pending_tasks_per_user: 8,
            task_reservation_secs: 30 * 60,
            task_validity_minutes: 2 * 24 * 60,
            max_message_chars: 2000,
            duplicate_message_window_minutes: 120,
            auto_mod_enabled: true,
            auto_mod_red_flags: 4,
            auto_mod_max_skip_reply: 25,
            gold_share: 0.05,
            calibration_tasks: 20,
            calibration_gold_share: 0.25,
            reliability_weights: true,
            show_author_names: false,
        }
    }
}

/// The limits a tree keeps from the day it was created, even if the configuration changes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct TreeLimits {
    pub goal_tree_size: u32,
    pub max_depth: u32,
    pub max_children_count: u32,
    pub num_prompter_replies: u32,
}

impl TreeConfig {
    pub fn limits(&self) -> TreeLimits {
        TreeLimits {
            goal_tree_size: self.goal_tree_size,
            max_depth: self.max_depth,
            max_children_count: self.max_children_count,
            num_prompter_replies: self.num_prompter_replies,
        }
    }
}

impl TreeLimits {
    /// How many replies a message in `role` at `depth` may have under these limits.
    pub fn reply_slots(&self, role: crate::message::Role, depth: u32) -> u32 {
        if depth >= self.max_depth {
            return 0;
        }
        match role {
            crate::message::Role::Prompter => self.max_children_count,
            crate::message::Role::Assistant => {
                self.num_prompter_replies.min(self.max_children_count)
            }
        }
    }
}

/// How many trees grow at once in a language with `active_annotators` (distinct people holding
/// a task there that they asked for in the last ten minutes, or, as far as the server that
/// asks knows, who asked for one in that time and were told there was nothing to do):
///
/// ```text
/// active_trees = min(ceiling, max(max_active_trees, ⌈active_annotators / annotators_per_tree⌉))
/// ```
///
/// A growing tree offers only a few reply slots at a time (its open parents' free children) and
/// the reviews of its new replies; about three annotators keep one busy. Ten trees, the
/// OpenAssistant default, leave a crowd of hundreds without work (`no_task_available`), while
/// thousands of growing trees would finish none. The ceiling bounds the work in progress.
/// Each slot also wants two prompts queued behind it (`Backlog::prompt_need`), so a crowd that
/// arrives at an empty language is asked for about one prompt per person.
pub fn active_trees(config: &TreeConfig, active_annotators: u32) -> u32 {
    let per_tree = config.annotators_per_growing_tree.max(1);
    let wanted = active_annotators.div_ceil(per_tree);
    wanted
        .max(config.max_active_trees)
        .min(config.active_trees_ceiling.max(config.max_active_trees))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::message::Role;

    #[test]
    fn defaults_are_openassistants_production_values() {
        let config = TreeConfig::default();
        assert_eq!(config.goal_tree_size, 15);
        assert_eq!(config.max_depth, 5);
        assert_eq!(config.max_children_count, 3);
        assert_eq!(config.num_reviews_reply, 3);
        assert_eq!(config.num_required_rankings, 3);
        assert!((config.acceptance_threshold_reply - 0.6).abs() < f64::EPSILON);
    }

    #[test]
    fn reply_slots_follow_role_and_depth() {
        let limits = TreeConfig::default().limits();
        assert_eq!(limits.reply_slots(Role::Prompter, 0), 3);
        assert_eq!(limits.reply_slots(Role::Assistant, 1), 1);
        assert_eq!(limits.reply_slots(Role::Prompter, 4), 3);
        assert_eq!(
            limits.reply_slots(Role::Assistant, 5),
            0,
            "depth 5 is the deepest"
        );
    }

    #[test]
    fn more_trees_grow_for_a_crowd_up_to_the_ceiling() {
        let config = TreeConfig::default();
        assert_eq!(active_trees(&config, 0), 10);
        assert_eq!(active_trees(&config, 30), 10);
        assert_eq!(active_trees(&config, 31), 11);
        assert_eq!(active_trees(&config, 200), 67);
        assert_eq!(active_trees(&config, 1000), 334);
        assert_eq!(active_trees(&config, 100_000), 400);
        // a ceiling below the minimum never lowers the minimum
        let small = TreeConfig {
            active_trees_ceiling: 2,
            ..TreeConfig::default()
        };
        assert_eq!(active_trees(&small, 1000), 10);
    }
}
