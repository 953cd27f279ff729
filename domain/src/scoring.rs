//! Points, levels and streaks.
//!
//! Points reward work once it is decided, not its volume: a message earns when reviewers accept
//! it and when the consensus ranks it high, and costs points when it is rejected; a review earns
//! when it agrees with the decision on its message, a ranking when it agrees with the consensus
//! of its replies (Kendall tau-b above 0), and a gold check when it is passed; a failed gold
//! check costs points. Writing, reviewing or ranking alone earns nothing, so volume without
//! quality does not climb the leaderboard.

use serde::{Deserialize, Serialize};

/// What a user did in some period, counted from the stored rows.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Contributions {
    pub prompts: i64,
    pub accepted_prompts: i64,
    pub assistant_replies: i64,
    pub accepted_assistant_replies: i64,
    pub prompter_replies: i64,
    pub accepted_prompter_replies: i64,
    /// Messages of theirs reviewers rejected.
    #[serde(default)]
    pub rejected_messages: i64,
    pub full_reviews: i64,
    pub quick_reviews: i64,
    /// Reviews that agreed with the decision on their message.
    #[serde(default)]
    pub agreeing_full_reviews: i64,
    #[serde(default)]
    pub agreeing_quick_reviews: i64,
    pub rankings: i64,
    /// Rankings that agreed with the consensus.
    #[serde(default)]
    pub agreeing_rankings: i64,
    /// Replies of theirs the consensus ranked first, second, third.
    pub ranked_first: i64,
    pub ranked_second: i64,
    pub ranked_third: i64,
    #[serde(default)]
    pub gold_passed: i64,
    #[serde(default)]
    pub gold_failed: i64,
}

/// One line of the points table: what earns (or costs) how much.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct PointRule {
    pub action: &'static str,
    pub points: i64,
}

/// The points table, shown in the app as it is applied.
pub const POINTS: &[PointRule] = &[
    PointRule {
        action: "Your prompt is accepted by reviewers",
        points: 3,
    },
    PointRule {
        action: "Your assistant reply is accepted",
        points: 8,
    },
    PointRule {
        action: "Your user reply is accepted",
        points: 2,
    },
    PointRule {
        action: "A message of yours is rejected",
        points: -5,
    },
    PointRule {
        action: "A full review that agrees with the decision",
        points: 2,
    },
    PointRule {
        action: "A quick spam check that agrees with the decision",
        points: 1,
    },
    PointRule {
        action: "A ranking that agrees with the consensus",
        points: 2,
    },
    PointRule {
        action: "Your reply ranked best by the consensus",
        points: 9,
    },
    PointRule {
        action: "Your reply ranked second",
        points: 3,
    },
    PointRule {
        action: "Your reply ranked third",
        points: 1,
    },
    PointRule {
        action: "A quality check answered right",
        points: 2,
    },
    PointRule {
        action: "A quality check answered wrong",
        points: -3,
    },
];

impl Contributions {
    /// Points for this work: each decided count times its line of [`POINTS`].
    pub fn points(&self) -> i64 {
        let counts = [
            self.accepted_prompts,
            self.accepted_assistant_replies,
            self.accepted_prompter_replies,
            self.rejected_messages,
            self.agreeing_full_reviews,
            self.agreeing_quick_reviews,
            self.agreeing_rankings,
            self.ranked_first,
            self.ranked_second,
            self.ranked_third,
            self.gold_passed,
            self.gold_failed,
        ];
        counts
            .iter()
            .zip(POINTS)
            .map(|(count, rule)| count * rule.points)
            .sum()
    }

    /// Messages written, whatever became of them.
    pub fn written(&self) -> i64 {
        self.prompts + self.assistant_replies + self.prompter_replies
    }
}

/// Points needed for each level: OpenAssistant's curve, `round(Σ_{i≤n} (1.1521·i + 3))`.
pub fn level_thresholds() -> Vec<i64> {
    let mut thresholds = vec![0];
    let mut sum = 0.0;
    for i in 1..=99 {
        sum += f64::from(i) * 1.1521 + 3.0;
        thresholds.push(sum.round() as i64);
    }
    thresholds
}

/// A user's level, and the points where the next one starts (`None` at the top).
pub fn level(points: i64) -> (u32, Option<i64>) {
    let thresholds = level_thresholds();
    let reached = thresholds.iter().filter(|t| **t <= points).count();
    let level = u32::try_from(reached).unwrap_or(u32::MAX);
    (level, thresholds.get(reached).copied())
}

/// Updates a streak of consecutive active days (days numbered, e.g. days since 1970, UTC).
pub fn extend_streak(streak_days: u32, last_active_day: Option<i64>, today: i64) -> u32 {
    match last_active_day {
        Some(last) if last == today => streak_days.max(1),
        Some(last) if last == today - 1 => streak_days + 1,
        _ => 1,
    }
}

/// The streak as shown on a day: it lapses when yesterday had no activity.
pub fn current_streak(streak_days: u32, last_active_day: Option<i64>, today: i64) -> u32 {
    match last_active_day {
        Some(last) if today - last <= 1 => streak_days,
        _ => 0,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn levels_follow_openassistants_curve() {
        let thresholds = level_thresholds();
        assert_eq!(&thresholds[..6], &[0, 4, 9, 16, 24, 32]);
        assert_eq!(thresholds[20], 302);
        assert_eq!(level(0), (1, Some(4)));
        assert_eq!(level(4), (2, Some(9)));
        assert_eq!(level(10), (3, Some(16)));
    }

    #[test]
    fn only_decided_work_earns_and_spam_costs() {
        let volume = Contributions {
            assistant_replies: 40,
            full_reviews: 40,
            rankings: 40,
            ..Default::default()
        };
        assert_eq!(volume.points(), 0, "volume alone earns nothing");
        let confirmed = Contributions {
            assistant_replies: 1,
            accepted_assistant_replies: 1,
            ranked_first: 1,
            full_reviews: 2,
            agreeing_full_reviews: 1,
            ..Default::default()
        };
        assert_eq!(confirmed.points(), 8 + 9 + 2);
        let spammer = Contributions {
            prompts: 10,
            accepted_prompts: 2,
            rejected_messages: 8,
            gold_failed: 2,
            ..Default::default()
        };
        assert_eq!(spammer.points(), 6 - 40 - 6);
        assert_eq!(POINTS.len(), 12);
    }

    #[test]
    fn streaks_count_consecutive_days() {
        assert_eq!(extend_streak(0, None, 100), 1);
        assert_eq!(extend_streak(1, Some(100), 100), 1);
        assert_eq!(extend_streak(1, Some(100), 101), 2);
        assert_eq!(extend_streak(5, Some(100), 103), 1);
        assert_eq!(current_streak(5, Some(100), 101), 5);
        assert_eq!(current_streak(5, Some(100), 102), 0);
    }
}

/// A user's standing, for the dashboard.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ScoreCard {
    pub points: i64,
    pub level: u32,
    /// Points where the next level starts.
    pub next_level_at: Option<i64>,
    pub streak_days: u32,
    pub contributions: Contributions,
}

impl ScoreCard {
    pub fn new(contributions: Contributions, streak_days: u32) -> Self {
        let points = contributions.points();
        let (level, next_level_at) = level(points);
        Self {
            points,
            level,
            next_level_at,
            streak_days,
            contributions,
        }
    }
}
