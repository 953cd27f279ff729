//! Choosing the next task for an annotator in one language.
//!
//! The engine reports, for the language, how much work of each kind is outstanding (the
//! [`Backlog`]) and how many items of each category this annotator may take (the [`Offer`]:
//! items they wrote, already did or skipped are left out by the engine's queries). The chooser
//! then picks a category with weights that follow the bottleneck:
//!
//! ```text
//! prompt_need        = max(0, 2 · active_trees − prompts_in_review − prompts_waiting)
//! w(initial_prompt)  = BASE_PROMPT · prompt_need / (2 · active_trees)
//! w(c)               = BASE_c · (1 + missing_c / (1 + mean(missing)))   for c in reply, label
//!                      prompt, label reply, ranking
//! ```
//!
//! `active_trees` is the number of trees growing at once for the language's crowd
//! (`tree::config::active_trees`). `missing_c` counts the language's outstanding units of work in category `c` (replies still
//! needed by growing trees, reviews still needed, rankings still needed), and `mean(missing)` is
//! their average over those four categories. A category is weighed only when the annotator has
//! an item in it. New prompts are asked for only while fewer than two per growing slot are
//! queued, so prompts cannot pile up unreviewed and ungrown (63% of OpenAssistant's trees
//! never left the prompt lottery); categories with more outstanding work than average get
//! proportionally more weight, so the pipeline drains where it is blocked. The bases are
//! OpenAssistant's (ranking 10, reviews 5, replies 2); prompts get 5 instead of its 0.01,
//! because here their weight is already zero whenever the pipeline is full.

use super::kind::TaskCategory;
use crate::{tree::TreeConfig, Invalid};
use rand::Rng;
use serde::{Deserialize, Serialize};

const BASE_PROMPT: f64 = 5.0;
const BASE_REPLY: f64 = 2.0;
const BASE_LABEL_PROMPT: f64 = 5.0;
const BASE_LABEL_REPLY: f64 = 5.0;
const BASE_RANKING: f64 = 10.0;

/// Outstanding work in one language.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Backlog {
    /// Trees in `growing`.
    pub growing_trees: u32,
    /// Prompts still being reviewed.
    pub prompts_in_review: u32,
    /// Accepted prompts waiting for the lottery.
    pub prompts_waiting: u32,
    /// Replies growing trees still need to reach their size.
    pub replies_missing: u32,
    /// Reviews prompts still need.
    pub prompt_reviews_missing: u32,
    /// Reviews replies still need.
    pub reply_reviews_missing: u32,
    /// Rankings sibling sets still need.
    pub rankings_missing: u32,
    /// An admin paused new conversations in this language.
    #[serde(default)]
    pub prompts_paused: bool,
    /// People who asked for a task in the language in the last ten minutes.
    #[serde(default)]
    pub active_annotators: u32,
}

/// Items of each category one annotator may take right now.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Offer {
    pub replies: u32,
    /// Of those, replies to a lonely child (a user message with one answer so far).
    pub lonely_replies: u32,
    pub label_prompts: u32,
    pub label_replies: u32,
    pub rankings: u32,
}

/// Why there is nothing to do, so the UI can say so.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum NothingToDo {
    /// Enough prompts are queued; they need reviews and growth first.
    PromptsQueued,
    /// Everything open was written, done or skipped by this annotator, or is reserved.
    AllTaken,
}

impl Backlog {
    /// Trees that grow at once for this language's crowd.
    pub fn active_trees(&self, config: &TreeConfig) -> u32 {
        crate::tree::config::active_trees(config, self.active_annotators)
    }

    /// The prompts the language's pipeline holds when it is full: one growing tree per slot
    /// and two prompts queued (in review or waiting for the lottery) per slot.
    pub fn pipeline_target(&self, config: &TreeConfig) -> u32 {
        self.active_trees(config).saturating_mul(3)
    }

    /// How many new prompts the language needs: the pipeline's target less the trees growing
    /// (up to the slots) and the prompts queued. A crowd that arrives at an empty language
    /// is all asked for prompts: its growing slots are empty too, and a prompt is the only
    /// work there is.
    pub fn prompt_need(&self, config: &TreeConfig) -> u32 {
        if self.prompts_paused {
            return 0;
        }
        let slots = self.active_trees(config);
        let target = self.pipeline_target(config);
        let held = self
            .growing_trees
            .min(slots)
            .saturating_add(self.prompts_in_review)
            .saturating_add(self.prompts_waiting);
        // the caps grow with the crowd: a pipeline feeding hundreds of growing trees needs
        // more prompts in review than one feeding ten
        let under_caps = self.prompts_in_review < config.max_initial_prompt_review.max(target)
            && self.prompts_waiting < config.max_prompt_lottery_waiting.max(target);
        if under_caps {
            target.saturating_sub(held)
        } else {
            0
        }
    }
}

/// How many items of a category the annotator could be given now.
pub fn available(
    category: TaskCategory,
    backlog: &Backlog,
    offer: &Offer,
    config: &TreeConfig,
) -> u32 {
    match category {
        TaskCategory::InitialPrompt => backlog.prompt_need(config),
        TaskCategory::Reply => offer.replies,
        TaskCategory::LabelPrompt => offer.label_prompts,
        TaskCategory::LabelReply => offer.label_replies,
        TaskCategory::Ranking => offer.rankings,
    }
}

/// The weight of every category the annotator has work in (zero-weight ones left out).
pub fn weights(backlog: &Backlog, offer: &Offer, config: &TreeConfig) -> Vec<(TaskCategory, f64)> {
    let missing = [
        backlog.replies_missing,
        backlog.prompt_reviews_missing,
        backlog.reply_reviews_missing,
        backlog.rankings_missing,
    ];
    let mean = f64::from(missing.iter().sum::<u32>()) / missing.len() as f64;
    let pressure = |missing: u32| 1.0 + f64::from(missing) / (1.0 + mean);
    let target = f64::from(backlog.pipeline_target(config).max(1));
    let candidates = [
        (
            TaskCategory::InitialPrompt,
            BASE_PROMPT * f64::from(backlog.prompt_need(config)) / target,
        ),
        (
            TaskCategory::Reply,
            BASE_REPLY * pressure(backlog.replies_missing),
        ),
        (
            TaskCategory::LabelPrompt,
            BASE_LABEL_PROMPT * pressure(backlog.prompt_reviews_missing),
        ),
        (
            TaskCategory::LabelReply,
            BASE_LABEL_REPLY * pressure(backlog.reply_reviews_missing),
        ),
        (
            TaskCategory::Ranking,
            BASE_RANKING * pressure(backlog.rankings_missing),
        ),
    ];
    candidates
        .into_iter()
        .filter(|(category, weight)| {
            *weight > 0.0 && available(*category, backlog, offer, config) > 0
        })
        .collect()
}

/// Picks the category of the next task: the requested one if it has work, else by weight.
pub fn choose_category(
    requested: Option<TaskCategory>,
    backlog: &Backlog,
    offer: &Offer,
    config: &TreeConfig,
    rng: &mut impl Rng,
) -> Result<TaskCategory, NothingToDo> {
    let nothing = |category: Option<TaskCategory>| match category {
        Some(TaskCategory::InitialPrompt) => NothingToDo::PromptsQueued,
        _ => NothingToDo::AllTaken,
    };
    if let Some(category) = requested {
        return if available(category, backlog, offer, config) > 0 {
            Ok(category)
        } else {
            Err(nothing(Some(category)))
        };
    }
    let weighted = weights(backlog, offer, config);
    let total: f64 = weighted.iter().map(|(_, weight)| weight).sum();
    if total <= 0.0 {
        return Err(nothing(None));
    }
    let mut roll = rng.gen_range(0.0..total);
    for (category, weight) in &weighted {
        if roll < *weight {
            return Ok(*category);
        }
        roll -= weight;
    }
    weighted
        .last()
        .map(|(category, _)| *category)
        .ok_or(NothingToDo::AllTaken)
}

/// Whether a reply task should go to a lonely child (so its siblings become rankable sooner).
pub fn prefer_lonely_child(offer: &Offer, config: &TreeConfig, rng: &mut impl Rng) -> bool {
    offer.lonely_replies > 0 && rng.gen_bool(config.p_lonely_child_extension.clamp(0.0, 1.0))
}

/// Refuses a new task while the annotator holds too many open ones (an exploit OpenAssistant
/// closed: requesting many tasks to pick the easy ones).
pub fn check_pending(pending: u32, config: &TreeConfig) -> Result<(), Invalid> {
    if pending >= config.max_pending_tasks_per_user {
        return Err(Invalid::new(
            "too_many_pending_tasks",
            format!("You have {pending} open tasks. Finish or skip some before asking for more."),
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::{rngs::StdRng, SeedableRng};

    fn config() -> TreeConfig {
        TreeConfig::default()
    }

    #[test]
    fn an_empty_language_asks_for_prompts() {
        let mut rng = StdRng::seed_from_u64(1);
        let choice = choose_category(
            None,
            &Backlog::default(),
            &Offer::default(),
            &config(),
            &mut rng,
        );
        assert_eq!(choice, Ok(TaskCategory::InitialPrompt));
    }

    #[test]
    fn a_crowd_wants_more_prompts_queued() {
        let queued = Backlog {
            growing_trees: 10,
            prompts_in_review: 100,
            prompts_waiting: 10,
            ..Backlog::default()
        };
        // ten trees for a few annotators: 100 prompts in review is the cap
        assert_eq!(queued.prompt_need(&config()), 0);
        // 600 annotators at work keep 200 trees busy: 200 growing and 400 prompts queued
        let crowd = Backlog {
            active_annotators: 600,
            ..queued
        };
        assert_eq!(crowd.prompt_need(&config()), 600 - 10 - 110);
    }

    #[test]
    fn a_crowd_at_an_empty_language_is_all_asked_for_prompts() {
        // 1,000 people arrive at once: 334 slots, each a growing tree and two queued prompts
        let arrival = Backlog {
            active_annotators: 1000,
            ..Backlog::default()
        };
        assert_eq!(arrival.prompt_need(&config()), 1002);
        // more trees growing than the crowd needs now take no prompts from the queue's share
        let shrunk = Backlog {
            growing_trees: 50,
            prompts_in_review: 5,
            ..Backlog::default()
        };
        assert_eq!(shrunk.prompt_need(&config()), 30 - 10 - 5);
        // the slots are full and two prompts per slot are queued: no more prompts
        let full = Backlog {
            growing_trees: 10,
            prompts_in_review: 12,
            prompts_waiting: 8,
            ..Backlog::default()
        };
        assert_eq!(full.prompt_need(&config()), 0);
    }

    #[test]
    fn a_paused_language_asks_for_no_prompts_but_keeps_the_rest() {
        let backlog = Backlog {
            prompts_paused: true,
            replies_missing: 5,
            ..Backlog::default()
        };
        assert_eq!(backlog.prompt_need(&config()), 0);
        let offer = Offer {
            replies: 3,
            ..Offer::default()
        };
        let weights = weights(&backlog, &offer, &config());
        assert!(weights
            .iter()
            .all(|(category, _)| *category != TaskCategory::InitialPrompt));
        assert!(weights
            .iter()
            .any(|(category, _)| *category == TaskCategory::Reply));
    }

    #[test]
    fn a_full_prompt_pipeline_stops_asking_for_prompts() {
        let backlog = Backlog {
            growing_trees: 10,
            prompts_in_review: 12,
            prompts_waiting: 8,
            ..Backlog::default()
        };
        assert_eq!(backlog.prompt_need(&config()), 0);
        let mut rng = StdRng::seed_from_u64(1);
        assert_eq!(
            choose_category(
                Some(TaskCategory::InitialPrompt),
                &backlog,
                &Offer::default(),
                &config(),
                &mut rng
            ),
            Err(NothingToDo::PromptsQueued)
        );
        assert_eq!(
            choose_category(None, &backlog, &Offer::default(), &config(), &mut rng),
            Err(NothingToDo::AllTaken)
        );
    }

    #[test]
    fn the_bottleneck_gets_the_weight() {
        let offer = Offer {
            replies: 5,
            label_replies: 5,
            rankings: 5,
            ..Offer::default()
        };
        let reviews_blocked = Backlog {
            growing_trees: 10,
            reply_reviews_missing: 90,
            replies_missing: 10,
            ..Backlog::default()
        };
        let replies_blocked = Backlog {
            growing_trees: 10,
            reply_reviews_missing: 10,
            replies_missing: 90,
            ..Backlog::default()
        };
        let weight = |backlog: &Backlog, category| {
            weights(backlog, &offer, &config())
                .into_iter()
                .find(|(c, _)| *c == category)
                .map_or(0.0, |(_, w)| w)
        };
        assert!(
            weight(&reviews_blocked, TaskCategory::LabelReply)
                > weight(&replies_blocked, TaskCategory::LabelReply)
        );
        assert!(
            weight(&replies_blocked, TaskCategory::Reply)
                > weight(&reviews_blocked, TaskCategory::Reply)
        );
        assert!(
            weights(&reviews_blocked, &offer, &config())
                .iter()
                .all(|(c, _)| *c != TaskCategory::LabelPrompt),
            "no weight without an item to take"
        );
    }

    #[test]
    fn choices_follow_the_weights() {
        let offer = Offer {
            replies: 5,
            label_replies: 5,
            ..Offer::default()
        };
        let backlog = Backlog {
            growing_trees: 10,
            prompts_waiting: 30,
            reply_reviews_missing: 200,
            replies_missing: 2,
            ..Backlog::default()
        };
        let mut rng = StdRng::seed_from_u64(7);
        let labels = (0..2000)
            .filter(|_| {
                choose_category(None, &backlog, &offer, &config(), &mut rng)
                    == Ok(TaskCategory::LabelReply)
            })
            .count();
        // w(label reply) = 5·(1 + 200/51.5) ≈ 24.4, w(reply) = 2·(1 + 2/51.5) ≈ 2.1
        assert!((1750..1920).contains(&labels), "{labels}");
    }

    #[test]
    fn a_requested_category_without_work_is_refused() {
        let mut rng = StdRng::seed_from_u64(1);
        let backlog = Backlog {
            prompts_waiting: 30,
            ..Backlog::default()
        };
        assert_eq!(
            choose_category(
                Some(TaskCategory::Ranking),
                &backlog,
                &Offer::default(),
                &config(),
                &mut rng
            ),
            Err(NothingToDo::AllTaken)
        );
    }

    #[test]
    fn the_pending_cap_refuses_the_ninth_open_task() {
        assert!(check_pending(7, &config()).is_ok());
        assert_eq!(
            check_pending(8, &config()).map_err(|e| e.code),
            Err("too_many_pending_tasks")
        );
    }
}
