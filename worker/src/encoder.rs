//! The BERT encoder's transformer layers, written out rather than taken from
//! `burn::nn::transformer`, for two reasons measured in BENCHMARKS.md ("Reward-model training"):
//!
//! - **BERT's dropout, not burn's.** burn 0.21's encoder drops attention *scores* (before the
//!   softmax) and also the feed-forward's inner activations; BERT (and the PyTorch reference)
//!   drops attention *probabilities* and only the two sub-layer outputs. These layers do what
//!   BERT does, so fine-tuning a pretrained model sees the regularisation it was trained with,
//!   and a step draws about 40 % fewer random numbers.
//! - **Cheap masks.** A mask is drawn here with a counter-based generator (SplitMix64, four
//!   16-bit draws per call) into one tensor that already holds `0` or `1 / keep`, so dropout is
//!   one multiplication; burn's `Dropout` asks the backend for a Bernoulli tensor (one ChaCha20
//!   draw per element on `flex`, a serial kernel on LibTorch) and multiplies twice.
//!
//! Field names are those of `burn::nn::transformer` (`layers.N.mha.query`, `norm_1`,
//! `pwff.linear_inner`, ...), so `weights`' name mapping and saved models stay as they were.

use crate::kernels::{self, Kernels};
use burn::{
    module::Module,
    nn::{LayerNorm, LayerNormConfig, Linear, LinearConfig},
    tensor::{activation, backend::Backend, Bool, Tensor, TensorData},
};
use std::sync::atomic::{AtomicU64, Ordering};

/// Seed and draw counter of the dropout masks: every mask takes the next stream.
static STREAM: AtomicU64 = AtomicU64::new(0);
static SEED: AtomicU64 = AtomicU64::new(0x9e37_79b9_7f4a_7c15);

/// Makes the following masks a function of `seed` (training calls it with the job's seed).
pub fn seed(seed: u64) {
    SEED.store(seed, Ordering::Relaxed);
    STREAM.store(0, Ordering::Relaxed);
}

fn splitmix64(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9e37_79b9_7f4a_7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

/// The next mask of `len` values.
fn mask_values(len: usize, prob: f64) -> Vec<f32> {
    let stream = STREAM.fetch_add(1, Ordering::Relaxed);
    draw_mask(SEED.load(Ordering::Relaxed), stream, len, prob)
}

/// `len` mask values of a seed's stream: `0` with probability `prob`, else `1 / (1 - prob)`.
/// Value `i` comes from draw `i / 4` of the stream, so chunks are drawn in parallel and the
/// mask is the same whatever the number of threads.
fn draw_mask(seed: u64, stream: u64, len: usize, prob: f64) -> Vec<f32> {
    use rayon::prelude::*;
    /// values per parallel chunk (a multiple of 4)
    const CHUNK: usize = 1 << 16;
    let base = splitmix64(seed ^ splitmix64(stream));
    // an element is dropped when its 16-bit draw is below this (prob to within 1/65,536)
    let threshold = (prob * 65_536.0).round().clamp(0.0, 65_536.0) as u64;
    let kept = (1.0 / (1.0 - prob)) as f32;
    let mut values = vec![0.0f32; len];
    values
        .par_chunks_mut(CHUNK)
        .enumerate()
        .for_each(|(chunk, values)| {
            let first_draw = (chunk * CHUNK / 4) as u64;
            for (draw, lanes) in values.chunks_mut(4).enumerate() {
                let bits = splitmix64(base.wrapping_add(first_draw + draw as u64));
                for (lane, value) in lanes.iter_mut().enumerate() {
                    let draw = (bits >> (16 * lane)) & 0xffff;
                    *value = if draw < threshold { 0.0 } else { kept };
                }
            }
        });
    values
}

/// Dropout as in training (`prob` of the elements zeroed, the rest scaled by `1 / (1 - prob)`);
/// the identity outside autodiff (evaluation, scoring) or at `prob` 0.
#[derive(Module, Clone, Debug)]
pub struct MaskDropout {
    pub prob: f64,
}

impl MaskDropout {
    pub fn new(prob: f64) -> Self {
        Self {
            prob: prob.clamp(0.0, 0.9),
        }
    }

    pub fn forward<B: Backend, const D: usize>(&self, x: Tensor<B, D>) -> Tensor<B, D> {
        let device = x.device();
        if self.prob <= 0.0 || !B::ad_enabled(&device) {
            return x;
        }
        let shape = x.shape();
        let mask = Tensor::<B, D>::from_data(
            TensorData::new(mask_values(shape.num_elements(), self.prob), shape),
            &device,
        );
        x * mask
    }
}

/// Self-attention of one layer (BERT's `attention.self` and `attention.output.dense`).
#[derive(Module, Debug)]
pub struct SelfAttention<B: Backend> {
    pub query: Linear<B>,
    pub key: Linear<B>,
    pub value: Linear<B>,
    pub output: Linear<B>,
    pub dropout: MaskDropout,
    pub n_heads: usize,
}

impl<B: Kernels> SelfAttention<B> {
    /// `x`: `[batch × seq, hidden]`; `bias`: `[batch, 1, 1, seq]`, 0 for real tokens and a
    /// large negative number for padding.
    fn forward(&self, x: Tensor<B, 2>, batch: usize, bias: Tensor<B, 4>) -> Tensor<B, 2> {
        let [rows, hidden] = x.dims();
        let seq = rows / batch;
        let head = hidden / self.n_heads;
        let heads = |t: Tensor<B, 2>| t.reshape([batch, seq, self.n_heads, head]).swap_dims(1, 2);
        // scaling the queries costs `seq × hidden` multiplications, the scores `seq × seq × heads`
        let query = heads(
            self.query
                .forward(x.clone())
                .mul_scalar(1.0 / (head as f64).sqrt()),
        );
        let key = heads(self.key.forward(x.clone()));
        let value = heads(self.value.forward(x));
        let scores = query.matmul(key.swap_dims(2, 3)) + bias;
        let weights = self.dropout.forward(kernels::softmax(scores));
        let context = weights
            .matmul(value)
            .swap_dims(1, 2)
            .reshape([rows, hidden]);
        self.output.forward(context)
    }
}

/// The feed-forward block (BERT's `intermediate.dense`, GELU, `output.dense`).
#[derive(Module, Debug)]
pub struct FeedForward<B: Backend> {
    pub linear_inner: Linear<B>,
    pub linear_outer: Linear<B>,
}

/// One post-norm layer: `norm_1(x + drop(attention(x)))`, then `norm_2(x + drop(ff(x)))`.
#[derive(Module, Debug)]
pub struct EncoderLayer<B: Backend> {
    pub mha: SelfAttention<B>,
    pub pwff: FeedForward<B>,
    pub norm_1: LayerNorm<B>,
    pub norm_2: LayerNorm<B>,
    pub dropout: MaskDropout,
    pub layer_norm_eps: f64,
}

impl<B: Kernels> EncoderLayer<B> {
    fn forward(&self, x: Tensor<B, 2>, batch: usize, bias: Tensor<B, 4>) -> Tensor<B, 2> {
        let attended = self
            .dropout
            .forward(self.mha.forward(x.clone(), batch, bias));
        let x = kernels::norm(&self.norm_1, self.layer_norm_eps, x + attended);
        let inner = activation::gelu(self.pwff.linear_inner.forward(x.clone()));
        let fed = self.dropout.forward(self.pwff.linear_outer.forward(inner));
        kernels::norm(&self.norm_2, self.layer_norm_eps, x + fed)
    }
}

/// The stack of layers.
#[derive(Module, Debug)]
pub struct Encoder<B: Backend> {
    pub layers: Vec<EncoderLayer<B>>,
}

/// Shapes and settings of an [`Encoder`].
#[derive(Debug, Clone, Copy)]
pub struct EncoderShape {
    pub hidden: usize,
    pub intermediate: usize,
    pub heads: usize,
    pub layers: usize,
    pub dropout: f64,
    pub layer_norm_eps: f64,
}

impl EncoderShape {
    pub fn init<B: Backend>(&self, device: &B::Device) -> Encoder<B> {
        let linear = |from: usize, to: usize| LinearConfig::new(from, to).init(device);
        let norm = || {
            LayerNormConfig::new(self.hidden)
                .with_epsilon(self.layer_norm_eps)
                .init(device)
        };
        Encoder {
            layers: (0..self.layers)
                .map(|_| EncoderLayer {
                    mha: SelfAttention {
                        query: linear(self.hidden, self.hidden),
                        key: linear(self.hidden, self.hidden),
                        value: linear(self.hidden, self.hidden),
                        output: linear(self.hidden, self.hidden),
                        dropout: MaskDropout::new(self.dropout),
                        n_heads: self.heads,
                    },
                    pwff: FeedForward {
                        linear_inner: linear(self.hidden, self.intermediate),
                        linear_outer: linear(self.intermediate, self.hidden),
                    },
                    norm_1: norm(),
                    norm_2: norm(),
                    dropout: MaskDropout::new(self.dropout),
                    layer_norm_eps: self.layer_norm_eps,
                })
                .collect(),
        }
    }
}

impl<B: Kernels> Encoder<B> {
    /// `x`: `[batch, seq, hidden]` embeddings; `padding`: `[batch, seq]`, true where padding.
    ///
    /// Between the layers the activations are `[batch × seq, hidden]`: every linear layer is then
    /// one matrix product (with a third dimension, burn multiplies each sequence on its own, and
    /// its weight gradient is a sum of `batch` products).
    pub fn forward(&self, x: Tensor<B, 3>, padding: Tensor<B, 2, Bool>) -> Tensor<B, 3> {
        let [batch, seq, hidden] = x.dims();
        // padding keys get a score far below any real one (burn's encoder used -10,000 too)
        let bias = padding
            .float()
            .mul_scalar(-1.0e4)
            .reshape([batch, 1, 1, seq]);
        let mut x = x.reshape([batch * seq, hidden]);
        for layer in &self.layers {
            x = layer.forward(x, batch, bias.clone());
        }
        x.reshape([batch, seq, hidden])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn masks_drop_the_asked_share_and_keep_the_expected_value() {
        let values = draw_mask(3, 0, 200_003, 0.1);
        assert_eq!(values.len(), 200_003);
        let dropped = values.iter().filter(|v| **v == 0.0).count() as f64 / values.len() as f64;
        assert!((dropped - 0.1).abs() < 0.005, "dropped {dropped}");
        let mean = values.iter().map(|v| f64::from(*v)).sum::<f64>() / values.len() as f64;
        assert!((mean - 1.0).abs() < 0.01, "mean {mean}");
        // every stream and seed has its own masks, and a seed's stream is always the same
        assert_ne!(draw_mask(3, 1, 1000, 0.1), values[..1000]);
        assert_ne!(draw_mask(4, 0, 1000, 0.1), values[..1000]);
        assert_eq!(draw_mask(3, 0, 200_003, 0.1), values);
        assert!(draw_mask(3, 0, 1000, 0.0).iter().all(|v| *v == 1.0));
    }
}
