//! The training loop: K-wise ranking loss, AdamW with warm-up and linear decay, held-out
//! evaluation before training, after each epoch and at the end. Generic over the backend (CPU
//! or CUDA); it reports through `Events` and stops when `stop` is set.

use crate::kernels::{Kernels, Trainable};
use crate::{
    dataset::{self, Example},
    loss::{kwise_loss, GroupLayout},
    metrics::{ranking_metrics, RankingMetrics},
    model::RewardModel,
    tokens::{self, TextEncoder},
    weights,
};
use burn::{
    grad_clipping::GradientClippingConfig,
    module::{AutodiffModule, Module},
    optim::{AdamWConfig, GradientsParams, Optimizer},
    tensor::{backend::AutodiffBackend, ElementConversion},
};
use domain::training::{JobProgress, RankedGroup, TrainedModel, TrainingSettings};
use rand::{rngs::StdRng, seq::SliceRandom, SeedableRng};
use std::{
    path::PathBuf,
    sync::atomic::{AtomicBool, Ordering},
    time::Instant,
};

/// Replies per forward pass when scoring (no gradients kept).
pub const EVAL_BATCH: usize = 32;
const WARMUP_SHARE: f64 = 0.1;

#[derive(Debug, thiserror::Error)]
pub enum TrainError {
    #[error(transparent)]
    Weights(#[from] weights::WeightsError),
    #[error(transparent)]
    Tokenizer(#[from] tokens::TokenizerError),
    #[error("no training data: {0}")]
    NoData(String),
    #[error("stopped")]
    Stopped,
}

/// What training tells the outside world as it goes.
pub trait Events {
    fn progress(&mut self, progress: &JobProgress);
    /// Metrics at a step (`train_loss`, `learning_rate`, `tokens_per_second`,
    /// `heldout_pairwise_accuracy`...).
    fn metrics(&mut self, step: u64, metrics: &[(&'static str, f64)]);
}

pub struct TrainRequest {
    /// A model folder (see `weights`).
    pub base_model: PathBuf,
    pub groups: Vec<RankedGroup>,
    pub settings: TrainingSettings,
    /// Where the trained model folder goes.
    pub output: PathBuf,
    /// Whether it trains on the CPU (large vocabularies then keep their embeddings frozen).
    pub on_cpu: bool,
}

/// `grove_training.json` in a trained model's folder: how it was made and how it did.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct TrainingRecord {
    pub settings: TrainingSettings,
    pub train_groups: usize,
    pub held_out_groups: usize,
    pub held_out: RankingMetrics,
}

#[derive(Debug, Clone, PartialEq)]
pub struct TrainReport {
    pub train_groups: usize,
    pub held_out_groups: usize,
    /// The trees held out (the engine compares models on them).
    pub held_out_trees: Vec<domain::ids::TreeId>,
    pub steps: u64,
    pub held_out: RankingMetrics,
    pub tokens_per_second: f64,
}

/// Learning rate at `step` (0-based) of `total`: linear warm-up over the first tenth, then
/// linear decay to zero.
pub fn learning_rate(base: f64, step: u64, total: u64) -> f64 {
    let warmup = ((total as f64 * WARMUP_SHARE).ceil() as u64).max(1);
    if step < warmup {
        base * (step + 1) as f64 / warmup as f64
    } else {
        let rest = total.saturating_sub(warmup).max(1) as f64;
        base * (1.0 - (step - warmup) as f64 / rest).max(0.0)
    }
}

fn held_out_metrics(records: &RankingMetrics) -> [(&'static str, f64); 3] {
    [
        ("heldout_pairwise_accuracy", records.pairwise_accuracy),
        (
            "heldout_best_vs_worst_accuracy",
            records.best_vs_worst_accuracy,
        ),
        ("heldout_kendall_tau", records.kendall_tau),
    ]
}

impl TrainReport {
    /// The job result's summary of this training.
    pub fn summary(&self, base_model: String, device: &str, seconds: f64) -> TrainedModel {
        TrainedModel {
            base_model,
            device: device.to_owned(),
            train_groups: self.train_groups as u64,
            held_out_groups: self.held_out_groups as u64,
            steps: self.steps,
            pairwise_accuracy: self.held_out.pairwise_accuracy,
            best_vs_worst_accuracy: self.held_out.best_vs_worst_accuracy,
            kendall_tau: self.held_out.kendall_tau,
            tokens_per_second: self.tokens_per_second,
            seconds,
        }
    }
}

/// Vocabularies above this size keep their embeddings frozen on the CPU by default.
const LARGE_VOCABULARY: usize = 100_000;

/// Marks what the settings freeze as needing no gradient: the word embeddings (see
/// [`TrainingSettings::freeze_word_embeddings`]) and the lowest `frozen_layers` encoder layers
/// with all the embeddings. The optimiser then holds no state for them either.
fn freeze<B: AutodiffBackend>(
    mut model: RewardModel<B>,
    settings: &TrainingSettings,
    vocab_size: usize,
    on_cpu: bool,
) -> RewardModel<B> {
    let words = settings
        .freeze_word_embeddings
        .unwrap_or(on_cpu && vocab_size > LARGE_VOCABULARY);
    let layers = settings.frozen_layers as usize;
    if layers > 0 {
        model.bert.embeddings = model.bert.embeddings.no_grad();
    } else if words {
        model.bert.embeddings.word_embeddings = model.bert.embeddings.word_embeddings.no_grad();
    }
    model.bert.encoder.layers = std::mem::take(&mut model.bert.encoder.layers)
        .into_iter()
        .enumerate()
        .map(|(i, layer)| if i < layers { layer.no_grad() } else { layer })
        .collect();
    model
}

pub fn train<B: Trainable>(
    request: TrainRequest,
    device: &B::Device,
    events: &mut dyn Events,
    stop: &AtomicBool,
) -> Result<TrainReport, TrainError> {
    let settings = &request.settings;
    B::seed(device, settings.seed);
    crate::encoder::seed(settings.seed);
    let (config, model) = weights::load::<B>(&request.base_model, device)?;
    let mut model = freeze(model, settings, config.vocab_size, request.on_cpu);
    let tokenizer = request.base_model.join(weights::TOKENIZER);
    let encoder = TextEncoder::from_file(&tokenizer, settings.max_tokens as usize)?;

    let groups: Vec<RankedGroup> = request
        .groups
        .into_iter()
        .filter(RankedGroup::is_trainable)
        .collect();
    let (train_groups, held_groups) =
        dataset::split_by_tree(groups, settings.held_out_fraction, settings.seed);
    if train_groups.is_empty() {
        return Err(TrainError::NoData(
            "no ranked replies match the job's languages and tree states".to_owned(),
        ));
    }
    let encode_all = |groups: &[RankedGroup]| -> Result<Vec<Example>, TrainError> {
        Ok(groups
            .iter()
            .map(|g| dataset::encode(&encoder, g))
            .collect::<Result<_, _>>()?)
    };
    let mut train_set = encode_all(&train_groups)?;
    let held_set = encode_all(&held_groups)?;
    let held_out_trees: Vec<domain::ids::TreeId> = held_groups
        .iter()
        .map(|g| g.tree)
        .collect::<std::collections::BTreeSet<_>>()
        .into_iter()
        .collect();

    let per_step = settings.batch_groups as usize;
    let steps_per_epoch = train_set.len().div_ceil(per_step) as u64;
    let total = steps_per_epoch * u64::from(settings.epochs);
    let mut optimizer = AdamWConfig::new()
        .with_weight_decay(0.01)
        .with_grad_clipping(Some(GradientClippingConfig::Norm(1.0)))
        .init::<B, RewardModel<B>>();
    let mut rng = StdRng::seed_from_u64(settings.seed);

    let evaluate = |model: &RewardModel<B>| {
        ranking_metrics(&score_examples(
            &model.valid(),
            &held_set,
            encoder.pad_id(),
            device,
        ))
    };
    if !held_set.is_empty() {
        events.metrics(0, &held_out_metrics(&evaluate(&model)));
    }

    let started = Instant::now();
    let mut tokens_seen = 0usize;
    let mut step = 0u64;
    for epoch in 1..=settings.epochs {
        train_set.shuffle(&mut rng);
        for chunk in train_set.chunks(per_step) {
            if stop.load(Ordering::Relaxed) {
                return Err(TrainError::Stopped);
            }
            let rows: Vec<_> = chunk.iter().flat_map(|e| e.replies.iter()).collect();
            let layout = GroupLayout::new(chunk.iter().map(|e| e.tiers.as_slice()));
            let (inputs, real) = tokens::batch::<B>(&rows, encoder.pad_id(), device);
            let loss = kwise_loss(model.forward(inputs), &layout, settings.score_l2);
            let loss_value = f64::from(loss.clone().into_scalar().elem::<f32>());
            let grads = GradientsParams::from_grads(loss.backward(), &model);
            let lr = learning_rate(settings.learning_rate, step, total);
            model = optimizer.step(lr, model, grads);
            step += 1;
            tokens_seen += real;
            let tokens_per_second = tokens_seen as f64 / started.elapsed().as_secs_f64().max(1e-9);
            events.metrics(
                step,
                &[
                    ("train_loss", loss_value),
                    ("learning_rate", lr),
                    ("tokens_per_second", tokens_per_second),
                ],
            );
            events.progress(&JobProgress {
                step,
                total_steps: total,
                epoch,
                loss: loss_value,
                learning_rate: lr,
                tokens_per_second,
            });
        }
        if !held_set.is_empty() && epoch < settings.epochs {
            events.metrics(step, &held_out_metrics(&evaluate(&model)));
        }
    }
    let held_out = if held_set.is_empty() {
        RankingMetrics::default()
    } else {
        evaluate(&model)
    };
    events.metrics(step, &held_out_metrics(&held_out));
    weights::save(
        &model.valid(),
        &weights::read_config(&request.base_model)?,
        &tokenizer,
        &request.output,
    )?;
    let record = TrainingRecord {
        settings: settings.clone(),
        train_groups: train_set.len(),
        held_out_groups: held_set.len(),
        held_out,
    };
    let record_path = request.output.join(weights::TRAINING);
    let json = serde_json::to_string_pretty(&record).unwrap_or_default();
    std::fs::write(&record_path, json).map_err(|e| weights::WeightsError::File {
        path: record_path,
        reason: e.to_string(),
    })?;
    Ok(TrainReport {
        train_groups: train_set.len(),
        held_out_groups: held_set.len(),
        held_out_trees,
        steps: step,
        held_out,
        tokens_per_second: tokens_seen as f64 / started.elapsed().as_secs_f64().max(1e-9),
    })
}

/// Scores every reply of every example; returns (tiers, scores) per example.
pub fn score_examples<B: Kernels>(
    model: &RewardModel<B>,
    examples: &[Example],
    pad: u32,
    device: &B::Device,
) -> Vec<(Vec<u32>, Vec<f32>)> {
    let rows: Vec<_> = examples.iter().flat_map(|e| e.replies.iter()).collect();
    let scores = score_rows(model, &rows, pad, device);
    let mut scores = scores.into_iter();
    examples
        .iter()
        .map(|e| {
            (
                e.tiers.clone(),
                scores.by_ref().take(e.replies.len()).collect(),
            )
        })
        .collect()
}

/// Scores encoded inputs in batches of similar length; scores come back in input order.
pub fn score_rows<B: Kernels>(
    model: &RewardModel<B>,
    rows: &[&tokens::Encoded],
    pad: u32,
    device: &B::Device,
) -> Vec<f32> {
    let mut order: Vec<usize> = (0..rows.len()).collect();
    order.sort_by_key(|&i| rows.get(i).map_or(0, |r| r.ids.len()));
    let mut scores = vec![0.0f32; rows.len()];
    for chunk in order.chunks(EVAL_BATCH) {
        let batch: Vec<_> = chunk.iter().filter_map(|&i| rows.get(i).copied()).collect();
        let (inputs, _) = tokens::batch::<B>(&batch, pad, device);
        let values: Vec<f32> = model
            .forward(inputs)
            .into_data()
            .to_vec::<f32>()
            .unwrap_or_default();
        for (&i, value) in chunk.iter().zip(values) {
            if let Some(slot) = scores.get_mut(i) {
                *slot = value;
            }
        }
    }
    scores
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_learning_rate_warms_up_then_decays_to_zero() {
        let lrs: Vec<f64> = (0..20).map(|s| learning_rate(1.0, s, 20)).collect();
        assert_eq!(lrs.first().copied(), Some(0.5));
        assert_eq!(lrs.get(1).copied(), Some(1.0));
        assert!(lrs
            .iter()
            .skip(1)
            .zip(lrs.iter().skip(2))
            .all(|(a, b)| b <= a));
        assert!(lrs.last().is_some_and(|lr| *lr < 0.1));
    }
}
