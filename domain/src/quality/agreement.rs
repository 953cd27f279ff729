//! Agreement measures, each with its formula:
//!
//! - **Kendall's tau-b** of two rankings of the same items, ties allowed:
//!   `tau_b = (C − D) / sqrt((P − T_a) · (P − T_b))`, where `P = n(n−1)/2` is the number of item
//!   pairs, `C` and `D` the pairs both rankings order the same way and the opposite way, and
//!   `T_a`, `T_b` the pairs tied in the first and in the second ranking. Undefined (`None`) when
//!   one ranking ties everything.
//! - **Mean pairwise tau-b** of a set of rankers: the mean of tau-b over every pair of rankers,
//!   each pair on the items both ranked, leaving out pairs where tau-b is undefined.
//! - **Kendall's W** (coefficient of concordance) of `m` rankers on the `n` items all of them
//!   ranked, with tied items given their average rank:
//!   `W = 12·S / (m²(n³ − n) − m·Σ T)`, `S = Σ_i (R_i − m(n+1)/2)²`, `R_i` the rank sum of item
//!   `i`, and `T = Σ (t³ − t)` over every ranker's groups of `t` tied items. 1 is full agreement,
//!   0 none.
//! - **Krippendorff's alpha** of label values, over the units (messages) with at least two
//!   values; missing votes simply are not there. From the coincidence matrix
//!   `o_ck = Σ_u (pairs of values c, k in unit u) / (m_u − 1)`, with `n_c = Σ_k o_ck`:
//!   `alpha = 1 − (n − 1) · Σ o_ck δ²_ck / Σ n_c n_k δ²_ck`. Nominal: `δ² = 1` when `c ≠ k`.
//!   Ordinal: `δ²_ck = (Σ_{g=c..k} n_g − (n_c + n_k)/2)²`. Undefined when every value is the
//!   same.

use crate::{
    label::Widget,
    ranking::consensus::{positions_of, shared_candidates, Ballot},
};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};

/// How two rankings of the same items relate, pair by pair.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PairCounts {
    pub concordant: u64,
    pub discordant: u64,
    /// Pairs tied in the first ranking (whatever the second says).
    pub tied_first: u64,
    /// Pairs tied in the second ranking (whatever the first says).
    pub tied_second: u64,
    pub pairs: u64,
}

impl PairCounts {
    /// Kendall's tau-b, or `None` when either ranking ties every pair.
    pub fn tau_b(&self) -> Option<f64> {
        let left = self.pairs.saturating_sub(self.tied_first) as f64;
        let right = self.pairs.saturating_sub(self.tied_second) as f64;
        let denominator = (left * right).sqrt();
        (denominator > 0.0).then(|| (self.concordant as f64 - self.discordant as f64) / denominator)
    }
}

/// Pair counts of two rankings given as the tie group (0 = best) of each item, item by item.
pub fn pair_counts(first: &[usize], second: &[usize]) -> PairCounts {
    let n = first.len().min(second.len());
    let mut counts = PairCounts::default();
    for i in 0..n {
        for j in (i + 1)..n {
            let (Some(a_i), Some(a_j), Some(b_i), Some(b_j)) =
                (first.get(i), first.get(j), second.get(i), second.get(j))
            else {
                continue;
            };
            counts.pairs += 1;
            let a = a_i.cmp(a_j);
            let b = b_i.cmp(b_j);
            if a.is_eq() {
                counts.tied_first += 1;
            }
            if b.is_eq() {
                counts.tied_second += 1;
            }
            if a.is_ne() && b.is_ne() {
                if a == b {
                    counts.concordant += 1;
                } else {
                    counts.discordant += 1;
                }
            }
        }
    }
    counts
}

/// Pair counts of two ballots on the items both of them rank.
pub fn ballot_pairs<T: Ord + Clone>(first: &Ballot<T>, second: &Ballot<T>) -> PairCounts {
    let both = [first.clone(), second.clone()];
    let items = shared_candidates(&both);
    pair_counts(&positions_of(first, &items), &positions_of(second, &items))
}

/// Kendall's tau-b of two ballots on the items both rank.
pub fn ballot_tau_b<T: Ord + Clone>(first: &Ballot<T>, second: &Ballot<T>) -> Option<f64> {
    ballot_pairs(first, second).tau_b()
}

/// The mean of tau-b over every pair of ballots (pairs where it is undefined left out).
pub fn mean_pairwise_tau_b<T: Ord + Clone>(ballots: &[Ballot<T>]) -> Option<f64> {
    let mut sum = 0.0;
    let mut count = 0u32;
    for (i, first) in ballots.iter().enumerate() {
        for second in ballots.iter().skip(i + 1) {
            if let Some(tau) = ballot_tau_b(first, second) {
                sum += tau;
                count += 1;
            }
        }
    }
    (count > 0).then(|| sum / f64::from(count))
}

/// Kendall's W of the ballots on the items all of them rank (ties corrected).
pub fn kendalls_w<T: Ord + Clone>(ballots: &[Ballot<T>]) -> Option<f64> {
    let ballots: Vec<&Ballot<T>> = ballots.iter().filter(|b| !b.is_empty()).collect();
    let owned: Vec<Ballot<T>> = ballots.iter().map(|b| (*b).clone()).collect();
    let items = shared_candidates(&owned);
    let n = items.len() as f64;
    let m = ballots.len() as f64;
    if ballots.len() < 2 || items.len() < 2 {
        return None;
    }
    let mut rank_sums = vec![0.0; items.len()];
    let mut ties = 0.0;
    for ballot in &ballots {
        // average ranks over the shared items only
        let mut before = 0.0;
        for group in ballot.iter() {
            let members: Vec<usize> = group
                .iter()
                .filter_map(|c| items.binary_search(c).ok())
                .collect();
            let t = members.len() as f64;
            if t == 0.0 {
                continue;
            }
            let rank = before + (t + 1.0) / 2.0;
            for index in members {
                if let Some(sum) = rank_sums.get_mut(index) {
                    *sum += rank;
                }
            }
            ties += t * t * t - t;
            before += t;
        }
    }
    let mean = m * (n + 1.0) / 2.0;
    let s: f64 = rank_sums.iter().map(|r| (r - mean).powi(2)).sum();
    let denominator = m * m * (n * n * n - n) - m * ties;
    (denominator > 0.0).then(|| 12.0 * s / denominator)
}

/// Agreement among the rankers of one set of sibling replies.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SetAgreement {
    pub rankers: u32,
    /// Mean Kendall tau-b over every pair of rankers.
    pub mean_tau_b: Option<f64>,
    /// Kendall's coefficient of concordance.
    pub kendalls_w: Option<f64>,
}

/// Both measures for one set of rankings.
pub fn set_agreement<T: Ord + Clone>(ballots: &[Ballot<T>]) -> SetAgreement {
    SetAgreement {
        rankers: u32::try_from(ballots.len()).unwrap_or(u32::MAX),
        mean_tau_b: mean_pairwise_tau_b(ballots),
        kendalls_w: kendalls_w(ballots),
    }
}

/// Which distance Krippendorff's alpha uses between two values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Scale {
    /// Categories: equal or not (yes/no questions, flags).
    Nominal,
    /// Ordered steps (the five-point scales).
    Ordinal,
}

impl Scale {
    /// The scale of a label's widget.
    pub fn of(widget: Widget) -> Self {
        match widget {
            Widget::Likert => Self::Ordinal,
            Widget::YesNo | Widget::Flag => Self::Nominal,
        }
    }

    /// The category of a stored value (0..1): 0/1 for yes/no and flags, 0..4 for scales.
    pub fn category(self, value: f64) -> u32 {
        let steps = match self {
            Self::Nominal => 1.0,
            Self::Ordinal => 4.0,
        };
        (value.clamp(0.0, 1.0) * steps).round() as u32
    }
}

/// Krippendorff's alpha over units of category values (see the module notes); units with
/// fewer than two values are left out.
pub fn krippendorff_alpha(units: &[Vec<u32>], scale: Scale) -> Option<f64> {
    let mut coincidences: BTreeMap<(u32, u32), f64> = BTreeMap::new();
    for unit in units.iter().filter(|unit| unit.len() >= 2) {
        let share = 1.0 / (unit.len() - 1) as f64;
        for (i, c) in unit.iter().enumerate() {
            for (j, k) in unit.iter().enumerate() {
                if i != j {
                    *coincidences.entry((*c, *k)).or_default() += share;
                }
            }
        }
    }
    let categories: BTreeSet<u32> = coincidences.keys().map(|(c, _)| *c).collect();
    let marginal: BTreeMap<u32, f64> = categories
        .iter()
        .map(|c| {
            let total = coincidences
                .iter()
                .filter(|((from, _), _)| from == c)
                .map(|(_, o)| o)
                .sum();
            (*c, total)
        })
        .collect();
    let n: f64 = marginal.values().sum();
    let delta = |c: u32, k: u32| -> f64 {
        if c == k {
            return 0.0;
        }
        match scale {
            Scale::Nominal => 1.0,
            Scale::Ordinal => {
                let (low, high) = (c.min(k), c.max(k));
                let between: f64 = marginal.range(low..=high).map(|(_, n_g)| n_g).sum();
                let ends = (marginal.get(&c).copied().unwrap_or(0.0)
                    + marginal.get(&k).copied().unwrap_or(0.0))
                    / 2.0;
                (between - ends).powi(2)
            }
        }
    };
    let observed: f64 = coincidences
        .iter()
        .map(|((c, k), o)| o * delta(*c, *k))
        .sum();
    let expected: f64 = marginal
        .iter()
        .flat_map(|(c, n_c)| marginal.iter().map(move |(k, n_k)| (*c, *k, n_c * n_k)))
        .map(|(c, k, weight)| weight * delta(c, k))
        .sum();
    (expected > 0.0 && n > 1.0).then(|| 1.0 - (n - 1.0) * observed / expected)
}

/// Krippendorff's alpha of one label's stored values (0..1) per message, on the label's scale.
pub fn label_alpha(widget: Widget, units: &[Vec<f64>]) -> Option<f64> {
    let scale = Scale::of(widget);
    let units: Vec<Vec<u32>> = units
        .iter()
        .map(|values| values.iter().map(|v| scale.category(*v)).collect())
        .collect();
    krippendorff_alpha(&units, scale)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn close(a: Option<f64>, b: f64) -> bool {
        a.is_some_and(|a| (a - b).abs() < 1e-3)
    }

    #[test]
    fn tau_b_of_strict_rankings_counts_pairs() {
        // pairs of [a b c d] vs [a c b d]: only (b, c) swaps: (5 − 1) / 6
        let counts = pair_counts(&[0, 1, 2, 3], &[0, 2, 1, 3]);
        assert_eq!((counts.concordant, counts.discordant), (5, 1));
        assert!(close(counts.tau_b(), 4.0 / 6.0));
        assert!(close(pair_counts(&[0, 1, 2], &[2, 1, 0]).tau_b(), -1.0));
    }

    #[test]
    fn tau_b_corrects_for_ties() {
        // first ties a and b, second ties c and d: C = 4, D = 0, P = 6, T = 1 each:
        // 4 / sqrt(5 · 5) = 0.8
        assert!(close(
            pair_counts(&[0, 0, 1, 2], &[0, 1, 2, 2]).tau_b(),
            0.8
        ));
        // a ranking that ties everything says nothing
        assert_eq!(pair_counts(&[0, 0, 0], &[0, 1, 2]).tau_b(), None);
    }

    #[test]
    fn ballots_are_compared_on_the_items_both_rank() {
        let first: Ballot<char> = vec![vec!['a'], vec!['b'], vec!['x']];
        let second: Ballot<char> = vec![vec!['b'], vec!['a']];
        assert!(close(ballot_tau_b(&first, &second), -1.0));
        let third: Ballot<char> = vec![vec!['a'], vec!['b']];
        // pairs (1,2) = -1, (1,3) = 1, (2,3) = -1
        assert!(close(
            mean_pairwise_tau_b(&[first, second, third]),
            -1.0 / 3.0
        ));
    }

    #[test]
    fn kendalls_w_by_hand() {
        let strict = |order: &[char]| -> Ballot<char> { order.iter().map(|c| vec![*c]).collect() };
        // rank sums a 3, b 3, c 6; mean 4; S = 6; W = 12·6 / (4 · 24) = 0.75
        assert!(close(
            kendalls_w(&[strict(&['a', 'b', 'c']), strict(&['b', 'a', 'c'])]),
            0.75
        ));
        // ties: rank sums a 2.5, b 3.5, c 6; S = 6.5; T = 6; W = 78 / (96 − 12) = 0.9286
        let tied: Ballot<char> = vec![vec!['a', 'b'], vec!['c']];
        assert!(close(
            kendalls_w(&[tied, strict(&['a', 'b', 'c'])]),
            78.0 / 84.0
        ));
        assert!(close(
            kendalls_w(&[strict(&['c', 'a', 'b']), strict(&['c', 'a', 'b'])]),
            1.0
        ));
        assert_eq!(kendalls_w(&[strict(&['a', 'b'])]), None);
    }

    #[test]
    fn alpha_by_hand() {
        // units (0,0) and (0,1): o00 = 2, o01 = o10 = 1; n0 = 3, n1 = 1, n = 4:
        // 1 − 3 · 2 / (3·1 + 1·3) = 0
        assert!(close(
            krippendorff_alpha(&[vec![0, 0], vec![0, 1]], Scale::Nominal),
            0.0
        ));
        // adding (1,1): n0 = n1 = 3, n = 6: 1 − 5 · 2 / 18
        assert!(close(
            krippendorff_alpha(&[vec![0, 0], vec![1, 1], vec![0, 1]], Scale::Nominal),
            1.0 - 10.0 / 18.0
        ));
        assert!(close(
            krippendorff_alpha(&[vec![1, 1], vec![0, 0, 0]], Scale::Nominal),
            1.0
        ));
        // no variation at all: undefined
        assert_eq!(
            krippendorff_alpha(&[vec![1, 1], vec![1, 1]], Scale::Nominal),
            None
        );
    }

    /// Krippendorff (2011), "Computing Krippendorff's Alpha-Reliability", the example with four
    /// observers, twelve units and missing values: nominal 0.743, ordinal 0.815.
    #[test]
    fn alpha_matches_krippendorffs_worked_example() {
        let units: Vec<Vec<u32>> = vec![
            vec![1, 1, 1],
            vec![2, 2, 3, 2],
            vec![3, 3, 3, 3],
            vec![3, 3, 3, 3],
            vec![2, 2, 2, 2],
            vec![1, 2, 3, 4],
            vec![4, 4, 4, 4],
            vec![1, 1, 2, 1],
            vec![2, 2, 2, 2],
            vec![5, 5, 5],
            vec![1, 1],
            vec![3],
        ];
        assert!(close(krippendorff_alpha(&units, Scale::Nominal), 0.743));
        assert!(close(krippendorff_alpha(&units, Scale::Ordinal), 0.815));
    }

    #[test]
    fn label_values_become_categories_of_their_scale() {
        assert_eq!(Scale::of(Widget::Likert).category(0.75), 3);
        assert_eq!(Scale::of(Widget::Flag).category(1.0), 1);
        // three reviewers agree on spam, two of three on quality
        assert!(close(
            label_alpha(Widget::YesNo, &[vec![1.0, 1.0, 1.0], vec![0.0, 0.0]]),
            1.0
        ));
    }

    proptest! {
        #[test]
        fn tau_b_is_symmetric_and_bounded(
            a in proptest::collection::vec(0usize..4, 2..7),
            b in proptest::collection::vec(0usize..4, 2..7),
        ) {
            let n = a.len().min(b.len());
            let (a, b) = (&a[..n], &b[..n]);
            let forward = pair_counts(a, b).tau_b();
            prop_assert_eq!(forward, pair_counts(b, a).tau_b());
            if let Some(tau) = forward {
                prop_assert!((-1.0 - 1e-9..=1.0 + 1e-9).contains(&tau));
            }
            if pair_counts(a, a).tau_b().is_some() {
                prop_assert!(close(pair_counts(a, a).tau_b(), 1.0));
            }
        }

        #[test]
        fn kendalls_w_is_between_zero_and_one(
            orders in proptest::collection::vec(Just(vec![0u8, 1, 2, 3]).prop_shuffle(), 2..6)
        ) {
            let ballots: Vec<Ballot<u8>> = orders.iter().map(|o| o.iter().map(|c| vec![*c]).collect()).collect();
            let w = kendalls_w(&ballots);
            prop_assert!(w.is_some_and(|w| (-1e-9..=1.0 + 1e-9).contains(&w)));
        }

        #[test]
        fn alpha_of_perfect_agreement_is_one(
            units in proptest::collection::vec((0u32..5, 2usize..5), 2..8)
        ) {
            let units: Vec<Vec<u32>> = units.iter().map(|(value, coders)| vec![*value; *coders]).collect();
            let distinct: BTreeSet<u32> = units.iter().flatten().copied().collect();
            let alpha = krippendorff_alpha(&units, Scale::Ordinal);
            if distinct.len() > 1 {
                prop_assert!(close(alpha, 1.0));
            } else {
                prop_assert_eq!(alpha, None);
            }
        }
    }
}
