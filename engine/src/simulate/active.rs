//! The active-learning simulation (`grove bench active-learning`): does handing out the ranking
//! tasks a reward model is least sure about first (`domain::ranking::active`) reach the same
//! consensus accuracy with fewer rankings than handing them out at random?
//!
//! Parents each have `replies` replies of a hidden quality drawn uniformly from 0..1; the true
//! order is by quality. Annotators are of the quality simulation's kinds in its default mix
//! (55 % careful: quality + N(0, 0.03) noise; 15 % noisy: N(0, 0.25); 10 % each random,
//! always-first, adversarial). A reward model scores every reply `scale · (quality + N(0,
//! model_noise))`: an imperfect model, in logits. Rankings are spent one at a time, up to
//! `quota` per parent (Grove's `num_required_rankings`): the random policy picks a parent with
//! room uniformly, the guided one with probability proportional to its priority. After every
//! `parents / 4` rankings the consensus (ranked pairs over the parent's ballots) of every
//! parent is compared pair by pair with the truth; a parent without rankings counts as a coin
//! toss (0.5).
//!
//! The saving: the rankings the guided policy spends to reach the accuracy the random one
//! reaches at `target_per_parent` rankings per parent.

use super::quality::{AnnotatorKind, AnnotatorMix};
use domain::ranking::{
    active::{priority, uncertainty},
    consensus::Ballot,
    ranked_pairs,
};
use rand::{rngs::StdRng, seq::SliceRandom, Rng, SeedableRng};
use serde::Serialize;
use std::collections::HashMap;

/// The simulation's settings.
#[derive(Debug, Clone, Serialize)]
pub struct ActiveLearningSimulation {
    pub parents: usize,
    pub replies: usize,
    /// Rankings each parent may get.
    pub quota: u32,
    /// The reward model's error, in quality units (quality spans 0..1).
    pub model_noise: f64,
    /// Logits per quality unit of the model's scores.
    pub scale: f64,
    /// The priority weight of the guided policy.
    pub weight: f64,
    /// Rankings per parent at which the random policy's accuracy is the target.
    pub target_per_parent: f64,
    pub seeds: u64,
}

impl Default for ActiveLearningSimulation {
    fn default() -> Self {
        Self {
            parents: 400,
            replies: 4,
            quota: 3,
            model_noise: 0.1,
            scale: 10.0,
            weight: domain::ranking::active::DEFAULT_WEIGHT,
            target_per_parent: 2.0,
            seeds: 5,
        }
    }
}

/// Accuracy after a number of rankings, averaged over the seeds.
#[derive(Debug, Clone, Serialize)]
pub struct CurvePoint {
    pub rankings: u64,
    pub random: f64,
    pub guided: f64,
}

/// What the simulation found.
#[derive(Debug, Clone, Serialize)]
pub struct ActiveLearningReport {
    pub settings: ActiveLearningSimulation,
    pub curve: Vec<CurvePoint>,
    /// The random policy's accuracy at `target_per_parent` rankings per parent.
    pub target_accuracy: f64,
    pub random_rankings: f64,
    /// Rankings the guided policy needs to reach the target (interpolated between points).
    pub guided_rankings: f64,
    /// `1 − guided / random`.
    pub saving: f64,
}

struct Parent {
    quality: Vec<f64>,
    scores: HashMap<usize, f64>,
    ballots: Vec<Ballot<usize>>,
}

fn gaussian(rng: &mut StdRng) -> f64 {
    let u1: f64 = rng.gen_range(f64::EPSILON..1.0);
    let u2: f64 = rng.gen();
    (-2.0 * u1.ln()).sqrt() * (std::f64::consts::TAU * u2).cos()
}

/// The hidden quality of reply `i`.
fn q(quality: &[f64], i: usize) -> f64 {
    quality.get(i).copied().unwrap_or(0.0)
}

fn ballot(quality: &[f64], kind: AnnotatorKind, rng: &mut StdRng) -> Ballot<usize> {
    let mut shown: Vec<usize> = (0..quality.len()).collect();
    shown.shuffle(rng);
    let noisy = |sigma: f64, rng: &mut StdRng, shown: &mut Vec<usize>| {
        let mut keyed: Vec<(usize, f64)> = shown
            .iter()
            .map(|&i| (i, q(quality, i) + sigma * gaussian(rng)))
            .collect();
        keyed.sort_by(|a, b| b.1.total_cmp(&a.1));
        *shown = keyed.into_iter().map(|(i, _)| i).collect();
    };
    match kind {
        AnnotatorKind::Careful => noisy(0.03, rng, &mut shown),
        AnnotatorKind::Noisy => noisy(0.25, rng, &mut shown),
        AnnotatorKind::Random => shown.shuffle(rng),
        AnnotatorKind::AlwaysFirst => {}
        AnnotatorKind::Adversarial => {
            shown.sort_by(|a, b| q(quality, *a).total_cmp(&q(quality, *b)))
        }
    }
    shown.into_iter().map(|i| vec![i]).collect()
}

/// Pairwise accuracy of a parent's consensus against the truth (0.5 without rankings).
fn accuracy(parent: &Parent) -> f64 {
    if parent.ballots.is_empty() {
        return 0.5;
    }
    let order = ranked_pairs(&parent.ballots);
    let (mut right, mut pairs) = (0u32, 0u32);
    for (i, a) in order.iter().enumerate() {
        for b in order.iter().skip(i + 1) {
            pairs += 1;
            if q(&parent.quality, *a) > q(&parent.quality, *b) {
                right += 1;
            }
        }
    }
    if pairs == 0 {
        0.5
    } else {
        f64::from(right) / f64::from(pairs)
    }
}

/// One run of one policy: accuracy after every checkpoint.
fn run(sim: &ActiveLearningSimulation, seed: u64, guided: bool, step: usize) -> Vec<f64> {
    // the world (parents, model scores, annotators) depends on the seed only, so both
    // policies face the same one
    let mut world = StdRng::seed_from_u64(seed);
    let kinds = AnnotatorMix::default().assign(100);
    let mut parents: Vec<Parent> = (0..sim.parents)
        .map(|_| {
            let quality: Vec<f64> = (0..sim.replies).map(|_| world.gen()).collect();
            let scores = quality
                .iter()
                .enumerate()
                .map(|(i, q)| (i, sim.scale * (q + sim.model_noise * gaussian(&mut world))))
                .collect();
            Parent {
                quality,
                scores,
                ballots: Vec::new(),
            }
        })
        .collect();
    let mut rng = StdRng::seed_from_u64(seed.wrapping_mul(0x9E37_79B9).wrapping_add(1));
    let weight = if guided { sim.weight } else { 0.0 };
    let mut weights: Vec<f64> = parents
        .iter()
        .map(|p| priority(uncertainty(&p.scores, &p.ballots), weight))
        .collect();
    let total = sim.parents * sim.quota as usize;
    let mut out = vec![0.5];
    for spent in 1..=total {
        let sum: f64 = weights.iter().sum();
        if sum <= 0.0 {
            break;
        }
        let mut roll = rng.gen_range(0.0..sum);
        let mut chosen = weights.len() - 1;
        for (i, w) in weights.iter().enumerate() {
            if roll < *w {
                chosen = i;
                break;
            }
            roll -= w;
        }
        let kind = kinds
            .get(rng.gen_range(0..kinds.len()))
            .copied()
            .unwrap_or(AnnotatorKind::Careful);
        if let (Some(parent), Some(slot)) = (parents.get_mut(chosen), weights.get_mut(chosen)) {
            let new = ballot(&parent.quality, kind, &mut rng);
            parent.ballots.push(new);
            *slot = if parent.ballots.len() >= sim.quota as usize {
                0.0
            } else {
                priority(uncertainty(&parent.scores, &parent.ballots), weight)
            };
        }
        if spent % step == 0 {
            let mean = parents.iter().map(accuracy).sum::<f64>() / parents.len() as f64;
            out.push(mean);
        }
    }
    out
}

/// Rankings at which a curve (points every `step`) first reaches `target`, interpolated.
fn reaching(curve: &[f64], step: usize, target: f64) -> Option<f64> {
    curve
        .iter()
        .zip(curve.iter().skip(1))
        .enumerate()
        .find_map(|(i, (before, after))| {
            (*after >= target).then(|| {
                let within = if after > before {
                    ((target - before) / (after - before)).clamp(0.0, 1.0)
                } else {
                    1.0
                };
                (i as f64 + within) * step as f64
            })
        })
}

impl ActiveLearningSimulation {
    /// Runs both policies on `seeds` worlds and compares them.
    pub fn run(&self) -> ActiveLearningReport {
        let step = (self.parents / 4).max(1);
        let seeds = self.seeds.max(1);
        let mut random = Vec::new();
        let mut guided = Vec::new();
        for seed in 1..=seeds {
            random.push(run(self, seed, false, step));
            guided.push(run(self, seed, true, step));
        }
        let mean = |runs: &[Vec<f64>]| -> Vec<f64> {
            let len = runs.iter().map(Vec::len).min().unwrap_or(0);
            (0..len)
                .map(|i| runs.iter().filter_map(|r| r.get(i)).sum::<f64>() / runs.len() as f64)
                .collect()
        };
        let (random, guided) = (mean(&random), mean(&guided));
        let random_rankings = self.target_per_parent * self.parents as f64;
        let at = (random_rankings / step as f64).round() as usize;
        let target_accuracy = random.get(at).copied().unwrap_or(0.5);
        let guided_rankings = reaching(&guided, step, target_accuracy).unwrap_or(f64::INFINITY);
        ActiveLearningReport {
            settings: self.clone(),
            curve: random
                .iter()
                .zip(&guided)
                .enumerate()
                .map(|(i, (r, g))| CurvePoint {
                    rankings: (i * step) as u64,
                    random: *r,
                    guided: *g,
                })
                .collect(),
            target_accuracy,
            random_rankings,
            guided_rankings,
            saving: 1.0 - guided_rankings / random_rankings,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn model_guided_choice_reaches_the_random_choice_accuracy_with_fewer_rankings() {
        let report = ActiveLearningSimulation {
            parents: 120,
            seeds: 3,
            ..ActiveLearningSimulation::default()
        }
        .run();
        assert!(report.saving > 0.05, "{report:#?}");
        // the same quota spent in full gives both policies the same rankings in the end
        let last = report.curve.last().map(|p| (p.random - p.guided).abs());
        assert!(last.unwrap_or(1.0) < 0.02, "{report:#?}");
    }

    #[test]
    fn weight_zero_is_the_random_policy() {
        let report = ActiveLearningSimulation {
            parents: 40,
            seeds: 1,
            weight: 0.0,
            ..ActiveLearningSimulation::default()
        }
        .run();
        for point in &report.curve {
            assert_eq!(point.random, point.guided);
        }
    }
}
