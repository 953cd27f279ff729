//! Held-out metrics of a reward model, from its scores on ranked groups.

use crate::dataset::pairs;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize, Deserialize)]
pub struct RankingMetrics {
    /// Share of all ordered (better, worse) pairs scored in the right order.
    pub pairwise_accuracy: f64,
    /// Share of groups whose best reply outscores their worst (OpenAssistant's accuracy).
    pub best_vs_worst_accuracy: f64,
    /// Mean Kendall tau between the ranking and the scores, over groups.
    pub kendall_tau: f64,
    pub groups: usize,
    pub pairs: usize,
}

/// `scored` holds, per group, the tiers (0 best) and the model's scores, in the same order.
pub fn ranking_metrics(scored: &[(Vec<u32>, Vec<f32>)]) -> RankingMetrics {
    let (mut right, mut all) = (0usize, 0usize);
    let (mut best_right, mut groups) = (0.0f64, 0usize);
    let mut tau_sum = 0.0;
    for (tiers, scores) in scored {
        let group_pairs = pairs(tiers);
        if group_pairs.is_empty() || tiers.len() != scores.len() {
            continue;
        }
        groups += 1;
        let score = |i: usize| scores.get(i).copied().unwrap_or(0.0);
        let mut concordant = 0i64;
        for &(better, worse) in &group_pairs {
            all += 1;
            if score(better) > score(worse) {
                right += 1;
                concordant += 1;
            } else if score(better) < score(worse) {
                concordant -= 1;
            }
        }
        tau_sum += concordant as f64 / group_pairs.len() as f64;
        // best vs worst: every reply of the best tier against every reply of the worst
        let best = tiers.iter().min().copied().unwrap_or(0);
        let worst = tiers.iter().max().copied().unwrap_or(0);
        let extremes: Vec<_> = group_pairs
            .iter()
            .filter(|(b, w)| tiers.get(*b) == Some(&best) && tiers.get(*w) == Some(&worst))
            .collect();
        let wins = extremes
            .iter()
            .filter(|(b, w)| score(*b) > score(*w))
            .count();
        best_right += wins as f64 / extremes.len().max(1) as f64;
    }
    let share = |part: f64, whole: usize| if whole == 0 { 0.0 } else { part / whole as f64 };
    RankingMetrics {
        pairwise_accuracy: share(right as f64, all),
        best_vs_worst_accuracy: share(best_right, groups),
        kendall_tau: share(tau_sum, groups),
        groups,
        pairs: all,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn perfect_reversed_and_mixed_orders() {
        let perfect = ranking_metrics(&[(vec![0, 1, 2], vec![3.0, 2.0, 1.0])]);
        assert_eq!(
            (
                perfect.pairwise_accuracy,
                perfect.best_vs_worst_accuracy,
                perfect.kendall_tau
            ),
            (1.0, 1.0, 1.0)
        );
        let reversed = ranking_metrics(&[(vec![0, 1, 2], vec![1.0, 2.0, 3.0])]);
        assert_eq!(
            (reversed.pairwise_accuracy, reversed.kendall_tau),
            (0.0, -1.0)
        );
        // best and worst right, the middle one misplaced: 2 of 3 pairs, tau 1/3
        let mixed = ranking_metrics(&[(vec![0, 1, 2], vec![3.0, 0.0, 1.0])]);
        assert!((mixed.pairwise_accuracy - 2.0 / 3.0).abs() < 1e-9);
        assert!((mixed.kendall_tau - 1.0 / 3.0).abs() < 1e-9);
        assert_eq!(mixed.best_vs_worst_accuracy, 1.0);
    }

    #[test]
    fn pairs_pool_across_groups_and_tied_groups_are_skipped() {
        let m = ranking_metrics(&[
            (vec![0, 1], vec![1.0, 0.0]),
            (vec![0, 1, 2], vec![0.0, 1.0, 2.0]),
            (vec![0, 0], vec![1.0, 2.0]),
        ]);
        assert_eq!((m.groups, m.pairs), (2, 4));
        assert!((m.pairwise_accuracy - 0.25).abs() < 1e-9);
        assert!((m.best_vs_worst_accuracy - 0.5).abs() < 1e-9);
    }
}
