//! `grove-worker bench`: training steps on random tokens, the shapes of
//! `shared/bench/torch_rm_baseline.py` (P pairs = 2P sequences of S tokens, forward, pairwise
//! loss, backward, AdamW step), so the figures compare directly with PyTorch's.

use crate::kernels::Trainable;
use crate::{
    compute::OnBackend,
    loss::{kwise_loss, GroupLayout},
    model::{BertConfig, Inputs, RewardModel},
};
use burn::{
    optim::{AdamWConfig, GradientsParams, Optimizer},
    tensor::{backend::Backend, Bool, Distribution, Int, Tensor, TensorData},
};
use serde::Serialize;
use std::time::Instant;

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Shape {
    /// all-MiniLM-L6-v2: 6 layers, 384 hidden, 22.7M parameters.
    Minilm,
    /// BERT-base: 12 layers, 768 hidden, 110M parameters.
    BertBase,
}

#[derive(Debug, Clone)]
pub struct Bench {
    pub shape: Shape,
    pub pairs: usize,
    pub seq: usize,
    pub steps: usize,
    pub warmup: usize,
    /// Dropout of the encoder (0.1 as in training and in PyTorch's `model.train()`; 0 measures
    /// what drawing the masks costs).
    pub dropout: f64,
    pub device_name: &'static str,
    /// The backend the device's work runs on (`Compute::backend`).
    pub backend: &'static str,
}

#[derive(Debug, Clone, Serialize)]
pub struct BenchResult {
    pub model: &'static str,
    pub device: &'static str,
    pub backend: &'static str,
    pub params_m: f64,
    pub pairs: usize,
    pub seq: usize,
    pub steps: usize,
    pub step_ms: f64,
    pub pairs_per_s: f64,
    pub tokens_per_s: f64,
    /// Peak resident memory of the process (CPU); on CUDA the device memory is not included.
    pub peak_rss_gib: f64,
}

fn peak_rss_gib() -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|status| {
            status
                .lines()
                .find(|line| line.starts_with("VmHWM:"))
                .and_then(|line| line.split_whitespace().nth(1))
                .and_then(|kb| kb.parse::<f64>().ok())
        })
        .map_or(0.0, |kb| kb / 1024.0 / 1024.0)
}

fn parameters<B: Backend>(model: &RewardModel<B>) -> usize {
    use burn::module::Module;
    model.num_params()
}

impl OnBackend for Bench {
    type Output = BenchResult;

    fn run<B: Trainable>(self, device: B::Device) -> BenchResult {
        let config = BertConfig {
            hidden_dropout_prob: self.dropout.clamp(0.0, 0.9),
            ..match self.shape {
                Shape::Minilm => BertConfig::minilm(),
                Shape::BertBase => BertConfig::bert_base(),
            }
        };
        let mut model = config.init::<B>(&device);
        let params = parameters(&model);
        let mut optimizer = AdamWConfig::new().init::<B, RewardModel<B>>();
        let rows = 2 * self.pairs;
        let tokens = Tensor::<B, 2>::random(
            [rows, self.seq],
            Distribution::Uniform(5.0, (config.vocab_size - 1) as f64),
            &device,
        )
        .int();
        let inputs = Inputs {
            tokens,
            segments: Tensor::<B, 2, Int>::zeros([rows, self.seq], &device),
            padding: Tensor::<B, 2, Bool>::from_data(
                TensorData::new(vec![false; rows * self.seq], [rows, self.seq]),
                &device,
            ),
        };
        // pair i: row i better than row pairs + i
        let tiers: Vec<[u32; 2]> = vec![[0, 1]; self.pairs];
        let layout = GroupLayout::new(tiers.iter().map(|t| t.as_slice()));
        let order: Vec<i64> = (0..self.pairs as i64)
            .flat_map(|i| [i, self.pairs as i64 + i])
            .collect();
        let order = Tensor::<B, 1, Int>::from_data(TensorData::new(order, [rows]), &device);
        let mut step = |model: RewardModel<B>| {
            let scores = model.forward(inputs.clone()).select(0, order.clone());
            let loss = kwise_loss(scores, &layout, 0.001);
            let grads = GradientsParams::from_grads(loss.backward(), &model);
            let model = optimizer.step(1e-5, model, grads);
            // wait for the device: reading one value forces the step to finish
            let _ = model.head.bias.as_ref().map(|b| b.val().into_data());
            model
        };
        for _ in 0..self.warmup {
            model = step(model);
        }
        let started = Instant::now();
        for _ in 0..self.steps {
            model = step(model);
        }
        let seconds = started.elapsed().as_secs_f64() / self.steps.max(1) as f64;
        BenchResult {
            model: match self.shape {
                Shape::Minilm => "minilm-l6 (22M)",
                Shape::BertBase => "bert-base (110M)",
            },
            device: self.device_name,
            backend: self.backend,
            params_m: (params as f64 / 1e6 * 10.0).round() / 10.0,
            pairs: self.pairs,
            seq: self.seq,
            steps: self.steps,
            step_ms: seconds * 1e3,
            pairs_per_s: self.pairs as f64 / seconds,
            tokens_per_s: (rows * self.seq) as f64 / seconds,
            peak_rss_gib: peak_rss_gib(),
        }
    }
}
