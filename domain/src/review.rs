//! Whether a reviewed message is accepted: OpenAssistant's acceptance rule, and its
//! reliability-weighted form.
//!
//! Plain (OpenAssistant): `acceptance = 1 − (mean(spam) + mean(lang_mismatch))` over the
//! task-based reviews; a message with enough reviews is accepted when the score exceeds the
//! threshold. Only these two questions decide; quality and the rest are recorded for the
//! dataset. A wrong-language flag a reviewer did not raise counts as 0.
//!
//! Weighted (Dawid–Skene, one coin per reviewer): each mean is replaced by the posterior
//! probability that the answer is "yes", given every review and its reviewer's weight
//! `w = ln(b / (1 − b))` (`domain::quality::reliability`, `b` the reviewer's balanced
//! accuracy): `P(yes) = σ(ln(1/4) + Σ_j w_j · (2·x_j − 1))`, the prior saying one message in
//! five is flagged. With every reviewer at the newcomer's accuracy of 0.8, two "yes" of three
//! reject and one does not, as in the plain rule; a reliable reviewer's answer then outweighs
//! unreliable ones, and a flagged reviewer (weight 0) adds nothing. The number of reviews
//! needed stays the same; when every reviewer of a question has weight zero, the plain mean
//! decides.

use crate::tree::TreeConfig;

/// Prior log-odds that a deciding question is answered "yes" (one message in five).
pub const PRIOR_YES_LOG_ODDS: f64 = -1.386_294_361_119_890_6;

/// One review's answers to the two deciding questions (absent means "not answered"; an absent
/// wrong-language flag was not raised).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ReviewVote {
    pub spam: Option<f64>,
    pub lang_mismatch: Option<f64>,
}

impl ReviewVote {
    /// The two answers, an unraised flag read as "no".
    fn answers(&self) -> [Option<f64>; 2] {
        [self.spam, Some(self.lang_mismatch.unwrap_or(0.0))]
    }
}

/// The plain mean answer to a question (0 spam, 1 wrong language) over the reviews that
/// answered it.
fn plain_mean(votes: &[(ReviewVote, f64)], question: usize) -> f64 {
    let values: Vec<f64> = votes
        .iter()
        .filter_map(|(v, _)| v.answers().get(question).copied().flatten())
        .collect();
    if values.is_empty() {
        0.0
    } else {
        values.iter().sum::<f64>() / values.len() as f64
    }
}

/// The plain acceptance score of a set of reviews (1 when nothing was flagged).
pub fn acceptance_score(votes: &[ReviewVote]) -> f64 {
    let votes: Vec<(ReviewVote, f64)> = votes.iter().map(|v| (*v, 1.0)).collect();
    1.0 - (plain_mean(&votes, 0) + plain_mean(&votes, 1))
}

/// The probability that a question's answer is "yes", from weighted answers (the module
/// notes); `None` when no answer has weight.
pub fn yes_probability(answers: &[(f64, f64)]) -> Option<f64> {
    let total: f64 = answers.iter().map(|(_, w)| w.max(0.0)).sum();
    if total <= 0.0 {
        return None;
    }
    let evidence: f64 = answers
        .iter()
        .map(|(x, w)| w.max(0.0) * (2.0 * x.clamp(0.0, 1.0) - 1.0))
        .sum();
    Some(1.0 / (1.0 + (-(PRIOR_YES_LOG_ODDS + evidence)).exp()))
}

/// The acceptance score with each review weighted by its reviewer's reliability.
pub fn weighted_acceptance_score(votes: &[(ReviewVote, f64)]) -> f64 {
    let probability = |question: usize| {
        let answers: Vec<(f64, f64)> = votes
            .iter()
            .filter_map(|(v, w)| {
                v.answers()
                    .get(question)
                    .copied()
                    .flatten()
                    .map(|x| (x, *w))
            })
            .collect();
        if answers.is_empty() {
            return 0.0;
        }
        yes_probability(&answers).unwrap_or_else(|| plain_mean(votes, question))
    };
    1.0 - (probability(0) + probability(1))
}

fn rule(is_prompt: bool, config: &TreeConfig) -> (u32, f64) {
    if is_prompt {
        (
            config.num_reviews_initial_prompt,
            config.acceptance_threshold_initial_prompt,
        )
    } else {
        (config.num_reviews_reply, config.acceptance_threshold_reply)
    }
}

/// Whether a message with `reviews` reviews has the number its verdict needs.
pub fn has_enough_reviews(reviews: usize, is_prompt: bool, config: &TreeConfig) -> bool {
    reviews >= rule(is_prompt, config).0 as usize
}

/// The verdict on a message once it has the reviews it needs; `None` while it waits for more.
pub fn verdict(votes: &[ReviewVote], is_prompt: bool, config: &TreeConfig) -> Option<bool> {
    let (needed, threshold) = rule(is_prompt, config);
    (votes.len() >= needed as usize).then(|| acceptance_score(votes) > threshold)
}

/// The verdict with each review weighted by its reviewer's reliability.
pub fn weighted_verdict(
    votes: &[(ReviewVote, f64)],
    is_prompt: bool,
    config: &TreeConfig,
) -> Option<bool> {
    let (_, threshold) = rule(is_prompt, config);
    has_enough_reviews(votes.len(), is_prompt, config)
        .then(|| weighted_acceptance_score(votes) > threshold)
}

/// What one review says on its own: whether it would accept the message.
pub fn accepts(vote: ReviewVote, is_prompt: bool, config: &TreeConfig) -> bool {
    let (_, threshold) = rule(is_prompt, config);
    acceptance_score(&[vote]) > threshold
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
    fn enough_reviews_is_the_count_of_the_message_kind() {
        let config = TreeConfig {
            num_reviews_initial_prompt: 3,
            num_reviews_reply: 2,
            ..TreeConfig::default()
        };
        assert!(!has_enough_reviews(2, true, &config));
        assert!(has_enough_reviews(3, true, &config));
        assert!(!has_enough_reviews(1, false, &config));
        assert!(has_enough_reviews(2, false, &config));
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
    fn weights_decide_between_disagreeing_reviewers() {
        let config = TreeConfig::default();
        // two unreliable reviewers call a good message spam
        let votes = [
            (vote(0.0, None), 2.5),
            (vote(1.0, None), 0.5),
            (vote(1.0, None), 0.5),
        ];
        let plain: Vec<ReviewVote> = votes.iter().map(|(v, _)| *v).collect();
        assert_eq!(verdict(&plain, false, &config), Some(false));
        // P(spam) = σ(ln(1/4) − 2.5 + 0.5 + 0.5) ≈ 0.05: accepted
        assert_eq!(weighted_verdict(&votes, false, &config), Some(true));
        // newcomers (weight ln 4 each) decide as the plain rule: two "yes" of three reject
        // (P = σ(0) = 0.5), one does not (P = σ(−2 ln 4) ≈ 0.06)
        let newcomer = 4.0_f64.ln();
        let two = [
            (vote(1.0, None), newcomer),
            (vote(1.0, None), newcomer),
            (vote(0.0, None), newcomer),
        ];
        assert_eq!(weighted_verdict(&two, false, &config), Some(false));
        let one = [
            (vote(1.0, None), newcomer),
            (vote(0.0, None), newcomer),
            (vote(0.0, None), newcomer),
        ];
        assert_eq!(weighted_verdict(&one, false, &config), Some(true));
        // one reliable reviewer's slip does not outweigh two fair ones who disagree
        let slip = [
            (vote(1.0, None), 2.9),
            (vote(0.0, None), 1.3),
            (vote(0.0, None), 1.3),
        ];
        assert_eq!(weighted_verdict(&slip, false, &config), Some(true));
        // all weights zero: the plain means decide
        let zero: Vec<(ReviewVote, f64)> = plain.iter().map(|v| (*v, 0.0)).collect();
        assert_eq!(weighted_verdict(&zero, false, &config), Some(false));
        assert!(accepts(vote(0.0, Some(0.0)), false, &config));
        assert!(!accepts(vote(1.0, None), false, &config));
    }

    #[test]
    fn an_unraised_flag_counts_as_no() {
        let config = TreeConfig::default();
        // one wrong-language flag among three reviews is a mean of 1/3, not 1
        let votes = [vote(0.0, Some(1.0)), vote(0.0, None), vote(0.0, None)];
        assert!((acceptance_score(&votes) - 2.0 / 3.0).abs() < 1e-9);
        assert_eq!(verdict(&votes, false, &config), Some(true));
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
