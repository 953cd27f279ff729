//! OpenAssistant's K-wise ranking loss: for each group, the mean over its ordered pairs of
//! `-log σ(r_better − r_worse)`, averaged over groups, plus a small L2 term on all scores that
//! keeps rewards near zero. Ties give no pair.

use crate::dataset::pairs;
use burn::tensor::{activation::log_sigmoid, backend::Backend, Int, Tensor, TensorData};

/// Where each group's replies sit in the flat score vector, and their tiers.
#[derive(Debug, Clone, Default)]
pub struct GroupLayout {
    better: Vec<i64>,
    worse: Vec<i64>,
    /// 1 / (pairs in the pair's group), so each group weighs the same.
    weight: Vec<f32>,
    groups: usize,
}

impl GroupLayout {
    /// Lays out groups whose replies are consecutive in the batch, in order.
    pub fn new<'a>(tiers: impl IntoIterator<Item = &'a [u32]>) -> Self {
        let mut layout = Self::default();
        let mut offset = 0i64;
        for tiers in tiers {
            let group_pairs = pairs(tiers);
            if !group_pairs.is_empty() {
                layout.groups += 1;
                let weight = 1.0 / group_pairs.len() as f32;
                for (better, worse) in group_pairs {
                    layout.better.push(offset + better as i64);
                    layout.worse.push(offset + worse as i64);
                    layout.weight.push(weight);
                }
            }
            offset += tiers.len() as i64;
        }
        layout
    }

    pub fn pair_count(&self) -> usize {
        self.better.len()
    }
}

/// The loss of one batch; `scores` is `[replies]` in layout order.
pub fn kwise_loss<B: Backend>(
    scores: Tensor<B, 1>,
    layout: &GroupLayout,
    score_l2: f64,
) -> Tensor<B, 1> {
    let device = scores.device();
    let l2 = scores.clone().powi_scalar(2).mean().mul_scalar(score_l2);
    if layout.pair_count() == 0 {
        return l2;
    }
    let index = |values: &[i64]| {
        Tensor::<B, 1, Int>::from_data(TensorData::new(values.to_vec(), [values.len()]), &device)
    };
    let better = scores.clone().select(0, index(&layout.better));
    let worse = scores.select(0, index(&layout.worse));
    let weight = Tensor::<B, 1>::from_data(
        TensorData::new(layout.weight.clone(), [layout.weight.len()]),
        &device,
    );
    let pair_loss = log_sigmoid(better - worse).neg() * weight;
    pair_loss.sum().div_scalar(layout.groups as f64) + l2
}

#[cfg(test)]
mod tests {
    use super::*;
    use burn::backend::Flex;

    fn loss(scores: Vec<f32>, tiers: &[&[u32]], l2: f64) -> f32 {
        let device = Default::default();
        let n = scores.len();
        let scores = Tensor::<Flex, 1>::from_data(TensorData::new(scores, [n]), &device);
        let layout = GroupLayout::new(tiers.iter().copied());
        kwise_loss(scores, &layout, l2).into_scalar()
    }

    fn nll(diff: f32) -> f32 {
        (1.0 + (-diff).exp()).ln()
    }

    #[test]
    fn matches_the_formula_group_by_group() {
        // group 1: three replies, ranks 0 < 1 < 2; group 2: two replies, tied → no pairs
        let got = loss(vec![2.0, 1.0, -1.0, 0.5, 0.5], &[&[0, 1, 2], &[0, 0]], 0.0);
        let want = (nll(1.0) + nll(3.0) + nll(2.0)) / 3.0;
        assert!((got - want).abs() < 1e-5, "{got} vs {want}");
    }

    #[test]
    fn each_group_weighs_the_same_and_the_l2_term_is_added() {
        let got = loss(vec![1.0, 0.0, 0.0, 1.0, 2.0], &[&[0, 1], &[2, 1, 0]], 0.001);
        let group_two = (nll(1.0) + nll(2.0) + nll(1.0)) / 3.0;
        let l2 = 0.001 * (1.0 + 0.0 + 0.0 + 1.0 + 4.0) / 5.0;
        let want = (nll(1.0) + group_two) / 2.0 + l2;
        assert!((got - want).abs() < 1e-5, "{got} vs {want}");
    }

    #[test]
    fn a_right_order_costs_less_than_a_wrong_one() {
        assert!(loss(vec![3.0, -3.0], &[&[0, 1]], 0.0) < loss(vec![-3.0, 3.0], &[&[0, 1]], 0.0));
    }
}
