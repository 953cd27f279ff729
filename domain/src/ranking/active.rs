//! Active learning: which sibling sets the current reward model is least sure about, so the
//! chooser can hand out those ranking tasks first.
//!
//! For a parent whose replies the model scored `s_1 … s_n` (reward logits, trained with the
//! pairwise logistic loss, so the model believes `P(a ≻ b) = σ(s_a − s_b)`), and the consensus
//! of the rankings so far (ranked pairs):
//!
//! ```text
//! wrong(a, b)  = σ(s_worse − s_better)   where the consensus puts `better` above `worse`
//!              = 0.5                      where no ranking orders the pair yet
//! uncertainty  = mean over the pairs of scored replies of wrong(a, b)       (0 … 1)
//! priority     = 1 + weight · uncertainty
//! ```
//!
//! So a set nobody ranked yet counts 0.5, a set whose rankings agree with a confident model
//! counts near 0, a set whose replies the model can hardly tell apart stays near 0.5 however
//! it is ranked (small margins), and a set whose rankings contradict a confident model counts
//! near 1 (the model's order disagrees with the rankings). It is the share of the consensus's
//! pairs the model expects to be wrong: where one more ranking is likeliest to change it.
//!
//! The chooser draws ranking tasks with probability proportional to `priority`; weight 0
//! turns the preference off (every ranking task equally likely, as without a model). Replies
//! the model has not scored yet take no part; with fewer than two scored, the model has no
//! opinion and the priority is 1.

use super::consensus::{ranked_pairs, Ballot};
use std::collections::HashMap;
use std::hash::Hash;

/// The default weight of the model's uncertainty in the choice of ranking tasks
/// (`GROVE_ACTIVE_LEARNING_WEIGHT`). Chosen with `grove bench active-learning`: at weight 8 the
/// most uncertain sets are drawn nine times as often as sets the model is sure of.
pub const DEFAULT_WEIGHT: f64 = 8.0;

/// The model's uncertainty about a sibling set (see the module notes), or None when fewer
/// than two replies have a score.
pub fn uncertainty<T: Ord + Hash + Clone>(
    scores: &HashMap<T, f64>,
    ballots: &[Ballot<T>],
) -> Option<f64> {
    let scored: Vec<(&T, f64)> = scores
        .iter()
        .filter(|(_, s)| s.is_finite())
        .map(|(reply, s)| (reply, *s))
        .collect();
    if scored.len() < 2 {
        return None;
    }
    // the consensus so far, as positions of the scored replies it orders
    let consensus = if ballots.is_empty() {
        Vec::new()
    } else {
        ranked_pairs(ballots)
    };
    let position: HashMap<&T, usize> = consensus.iter().enumerate().map(|(i, r)| (r, i)).collect();
    let (mut total, mut pairs) = (0.0, 0u32);
    for (i, (a, score_a)) in scored.iter().enumerate() {
        for (b, score_b) in scored.iter().skip(i + 1) {
            pairs += 1;
            total += match (position.get(a), position.get(b)) {
                (Some(pa), Some(pb)) if split(ballots, a, b) => {
                    // the model's probability that the consensus has this pair the wrong way
                    let (better, worse) = if pa < pb {
                        (score_a, score_b)
                    } else {
                        (score_b, score_a)
                    };
                    against(*better, *worse)
                }
                _ => 0.5,
            };
        }
    }
    Some((total / f64::from(pairs)).clamp(0.0, 1.0))
}

/// Whether some ballot puts `a` and `b` in different tiers (the consensus breaks pairs every
/// ballot ties by candidate order, which says nothing).
fn split<T: Ord>(ballots: &[Ballot<T>], a: &T, b: &T) -> bool {
    ballots.iter().any(|ballot| {
        let tier = |x: &T| ballot.iter().position(|group| group.contains(x));
        matches!((tier(a), tier(b)), (Some(ta), Some(tb)) if ta != tb)
    })
}

/// `σ(worse − better)`: the model's probability that `worse` is in fact the better reply.
pub fn against(better: f64, worse: f64) -> f64 {
    1.0 / (1.0 + (better - worse).exp())
}

/// A ranking task's weight in the draw: `1 + weight · uncertainty` (1 where the model has no
/// opinion, and for every task when the weight is 0).
pub fn priority(uncertainty: Option<f64>, weight: f64) -> f64 {
    let weight = if weight.is_finite() {
        weight.max(0.0)
    } else {
        0.0
    };
    1.0 + weight * uncertainty.unwrap_or(0.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scores(pairs: &[(u32, f64)]) -> HashMap<u32, f64> {
        pairs.iter().copied().collect()
    }

    #[test]
    fn unranked_sets_count_half_and_rankings_move_the_uncertainty_by_the_models_belief() {
        let model = scores(&[(1, 6.0), (2, 0.0), (3, -6.0)]);
        assert_eq!(uncertainty(&model, &[]), Some(0.5));
        let agreeing = uncertainty(&model, &[vec![vec![1], vec![2], vec![3]]]);
        let reversed = uncertainty(&model, &[vec![vec![3], vec![2], vec![1]]]);
        assert!(agreeing.unwrap_or(1.0) < 0.01, "{agreeing:?}");
        assert!(reversed.unwrap_or(0.0) > 0.99, "{reversed:?}");
        // replies the model can hardly tell apart stay unsure however they are ranked
        let close = scores(&[(1, 0.1), (2, 0.0), (3, -0.1)]);
        let ranked = uncertainty(&close, &[vec![vec![1], vec![2], vec![3]]]);
        assert!(ranked.unwrap_or(0.0) > 0.45, "{ranked:?}");
        // a consensus that ties everything orders no pair
        assert_eq!(uncertainty(&model, &[vec![vec![1, 2, 3]]]), Some(0.5));
    }

    #[test]
    fn unscored_replies_take_no_part_and_no_opinion_means_priority_one() {
        let one = scores(&[(1, 1.0)]);
        assert_eq!(uncertainty(&one, &[vec![vec![2], vec![1]]]), None);
        assert_eq!(priority(None, 8.0), 1.0);
        let two = scores(&[(1, 6.0), (3, -6.0)]);
        // reply 2 has no score: only the pair of 1 and 3 counts
        let u = uncertainty(&two, &[vec![vec![2], vec![1], vec![3]]]);
        assert!(u.unwrap_or(1.0) < 0.01);
        assert!((against(0.0, 0.0) - 0.5).abs() < 1e-12);
    }

    #[test]
    fn the_weight_scales_the_preference_and_zero_turns_it_off() {
        assert_eq!(priority(Some(1.0), 0.0), 1.0);
        assert_eq!(priority(Some(0.5), 8.0), 5.0);
        assert_eq!(priority(Some(1.0), f64::NAN), 1.0);
        assert_eq!(priority(Some(1.0), -3.0), 1.0);
    }
}
