//! Whether a reviewed message is accepted: OpenAssistant's acceptance rule.
//!
//! `acceptance = 1 − (mean(spam) + mean(lang_mismatch))` over the task-based reviews; a message
//! with enough reviews is accepted when the score exceeds the threshold. Only these two labels
//! decide; quality and the rest are recorded for the dataset.

use crate::tree::TreeConfig;

/// One review's answers to the two deciding questions (absent means "not answered").
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ReviewVote {
    pub spam: Option<f64>,
    pub lang_mismatch: Option<f64>,
}

/// The acceptance score of a set of reviews (1 when nothing was flagged).
pub fn acceptance_score(votes: &[ReviewVote]) -> f64 {
    let mean = |values: Vec<f64>| {
        if values.is_empty() {
            0.0
        } else {
            values.iter().sum::<f64>() / values.len() as f64
        }
    };
    let spam = mean(votes.iter().filter_map(|v| v.spam).collect());
    let mismatch = mean(votes.iter().filter_map(|v| v.lang_mismatch).collect());
    1.0 - (spam + mismatch)
}

/// The verdict on a message once it has the reviews it needs; `None` while it waits for more.
pub fn verdict(votes: &[ReviewVote], is_prompt: bool, config: &TreeConfig) -> Option<bool> {
    let (needed, threshold) = if is_prompt {
        (
            config.num_reviews_initial_prompt,
            config.acceptance_threshold_initial_prompt,
        )
    } else {
        (config.num_reviews_reply, config.acceptance_threshold_reply)
    };
    (votes.len() >= needed as usize).then(|| acceptance_score(votes) > threshold)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vote(spam: f64, lang_mismatch: Option<f64>) -> ReviewVote {
        ReviewVote {
            spam: Some(spam),
            lang_mismatch,
        }
    }

    #[test]
    fn a_message_waits_for_its_reviews() {
        let config = TreeConfig::default();
        assert_eq!(
            verdict(&[vote(0.0, None), vote(0.0, None)], false, &config),
            None
        );
        assert_eq!(
            verdict(
                &[vote(0.0, None), vote(0.0, None), vote(0.0, None)],
                false,
                &config
            ),
            Some(true)
        );
    }

    #[test]
    fn spam_votes_reject() {
        let config = TreeConfig::default();
        let votes = [vote(1.0, None), vote(1.0, None), vote(0.0, None)];
        assert_eq!(verdict(&votes, true, &config), Some(false));
        // one spam vote of three: 1 − 1/3 ≈ 0.67 > 0.6
        let votes = [vote(1.0, None), vote(0.0, None), vote(0.0, None)];
        assert_eq!(verdict(&votes, true, &config), Some(true));
    }

    #[test]
    fn a_language_mismatch_counts_against_acceptance() {
        let config = TreeConfig::default();
        let votes = [
            vote(0.0, Some(1.0)),
            vote(1.0, Some(0.0)),
            vote(0.0, Some(0.0)),
        ];
        // 1 − (1/3 + 1/3) ≈ 0.33
        assert_eq!(verdict(&votes, false, &config), Some(false));
        assert!((acceptance_score(&[]) - 1.0).abs() < f64::EPSILON);
    }
}
