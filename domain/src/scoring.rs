//! Points, levels and streaks.
//!
//! Points reward work that helps the dataset, and more so work that others confirmed: a reply
//! earns points when written and again when reviewers accept it and when the consensus ranks it
//! high (the consensus, not single rankings, so one friendly ranker cannot inflate it).
//! Prompts earn little because the task chooser only asks for them when trees need them.

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
    pub full_reviews: i64,
    pub quick_reviews: i64,
    pub rankings: i64,
    /// Replies of theirs the consensus ranked first, second, third.
    pub ranked_first: i64,
    pub ranked_second: i64,
    pub ranked_third: i64,
}

/// One line of the points table: what earns how much.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct PointRule {
    pub action: &'static str,
    pub points: i64,
}

/// The points table, shown in the app as it is applied.
pub const POINTS: &[PointRule] = &[
    PointRule {
        action: "Write a prompt",
        points: 1,
    },
    PointRule {
        action: "Your prompt is accepted by reviewers",
        points: 2,
    },
    PointRule {
        action: "Write an assistant reply",
        points: 4,
    },
    PointRule {
        action: "Your assistant reply is accepted",
        points: 4,
    },
    PointRule {
        action: "Write a user reply",
        points: 1,
    },
    PointRule {
        action: "Your user reply is accepted",
        points: 1,
    },
    PointRule {
        action: "Full review",
        points: 2,
    },
    PointRule {
        action: "Quick spam check",
        points: 1,
    },
    PointRule {
        action: "Rank replies",
        points: 1,
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
];

impl Contributions {
    /// Points for this work: each count times its line of [`POINTS`].
    pub fn points(&self) -> i64 {
        let counts = [
            self.prompts,
            self.accepted_prompts,
            self.assistant_replies,
            self.accepted_assistant_replies,
            self.prompter_replies,
            self.accepted_prompter_replies,
            self.full_reviews,
            self.quick_reviews,
            self.rankings,
            self.ranked_first,
            self.ranked_second,
            self.ranked_third,
        ];
        counts
            .iter()
            .zip(POINTS)
            .map(|(count, rule)| count * rule.points)
            .sum()
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
    fn confirmed_work_earns_more() {
        let written = Contributions {
            assistant_replies: 1,
            ..Default::default()
        };
        let confirmed = Contributions {
            assistant_replies: 1,
            accepted_assistant_replies: 1,
            ranked_first: 1,
            ..Default::default()
        };
        assert_eq!(written.points(), 4);
        assert_eq!(confirmed.points(), 17);
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
