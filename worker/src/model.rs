//! The reward model: a BERT-family encoder (embeddings, post-norm transformer layers), masked
//! mean pooling and a scalar head. burn has no BERT, so it is assembled from `burn::nn` and
//! `encoder`; the field names follow Hugging Face's closely so `weights` maps them with a few
//! rules.

use crate::{
    encoder::{Encoder, EncoderShape, MaskDropout},
    kernels::{self, Kernels},
};
use burn::{
    module::Module,
    nn::{Embedding, EmbeddingConfig, LayerNorm, LayerNormConfig, Linear, LinearConfig},
    tensor::{backend::Backend, Bool, Int, Tensor},
};
use serde::{Deserialize, Serialize};

/// The fields of a Hugging Face `config.json` the encoder needs (BERT family).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BertConfig {
    pub vocab_size: usize,
    pub hidden_size: usize,
    pub num_hidden_layers: usize,
    pub num_attention_heads: usize,
    pub intermediate_size: usize,
    pub max_position_embeddings: usize,
    #[serde(default = "two")]
    pub type_vocab_size: usize,
    #[serde(default = "bert_eps")]
    pub layer_norm_eps: f64,
    #[serde(default = "dropout")]
    pub hidden_dropout_prob: f64,
    #[serde(default)]
    pub pad_token_id: usize,
}

fn two() -> usize {
    2
}
fn bert_eps() -> f64 {
    1e-12
}
fn dropout() -> f64 {
    0.1
}

impl BertConfig {
    /// Shapes of the benchmark and of tests: MiniLM-L6 (all-MiniLM-L6-v2) and BERT-base.
    pub fn minilm() -> Self {
        Self::shape(384, 6, 12, 1536)
    }

    pub fn bert_base() -> Self {
        Self::shape(768, 12, 12, 3072)
    }

    /// A small random encoder for tests that only need the mechanics.
    pub fn tiny(vocab_size: usize) -> Self {
        Self {
            vocab_size,
            ..Self::shape(32, 2, 4, 64)
        }
    }

    fn shape(hidden: usize, layers: usize, heads: usize, ff: usize) -> Self {
        Self {
            vocab_size: 30522,
            hidden_size: hidden,
            num_hidden_layers: layers,
            num_attention_heads: heads,
            intermediate_size: ff,
            max_position_embeddings: 512,
            type_vocab_size: 2,
            layer_norm_eps: 1e-12,
            hidden_dropout_prob: 0.1,
            pad_token_id: 0,
        }
    }

    pub fn init<B: Backend>(&self, device: &B::Device) -> RewardModel<B> {
        let embeddings = Embeddings {
            word_embeddings: EmbeddingConfig::new(self.vocab_size, self.hidden_size).init(device),
            position_embeddings: EmbeddingConfig::new(
                self.max_position_embeddings,
                self.hidden_size,
            )
            .init(device),
            token_type_embeddings: EmbeddingConfig::new(self.type_vocab_size, self.hidden_size)
                .init(device),
            layer_norm: LayerNormConfig::new(self.hidden_size)
                .with_epsilon(self.layer_norm_eps)
                .init(device),
            dropout: MaskDropout::new(self.hidden_dropout_prob),
            layer_norm_eps: self.layer_norm_eps,
        };
        let encoder = EncoderShape {
            hidden: self.hidden_size,
            intermediate: self.intermediate_size,
            heads: self.num_attention_heads,
            layers: self.num_hidden_layers,
            dropout: self.hidden_dropout_prob,
            layer_norm_eps: self.layer_norm_eps,
        }
        .init(device);
        RewardModel {
            bert: Bert {
                embeddings,
                encoder,
            },
            head: LinearConfig::new(self.hidden_size, 1).init(device),
        }
    }
}

#[derive(Module, Debug)]
pub struct Embeddings<B: Backend> {
    pub word_embeddings: Embedding<B>,
    pub position_embeddings: Embedding<B>,
    pub token_type_embeddings: Embedding<B>,
    pub layer_norm: LayerNorm<B>,
    pub dropout: MaskDropout,
    pub layer_norm_eps: f64,
}

/// The encoder whose weights come from (and go back to) `model.safetensors`.
#[derive(Module, Debug)]
pub struct Bert<B: Backend> {
    pub embeddings: Embeddings<B>,
    pub encoder: Encoder<B>,
}

/// Encoder plus scalar head (`reward_head.safetensors`).
#[derive(Module, Debug)]
pub struct RewardModel<B: Backend> {
    pub bert: Bert<B>,
    pub head: Linear<B>,
}

/// One padded batch of encoded inputs.
#[derive(Debug, Clone)]
pub struct Inputs<B: Backend> {
    /// `[batch, seq]` token ids.
    pub tokens: Tensor<B, 2, Int>,
    /// `[batch, seq]` segment ids (0 conversation, 1 reply).
    pub segments: Tensor<B, 2, Int>,
    /// `[batch, seq]` true where padding.
    pub padding: Tensor<B, 2, Bool>,
}

impl<B: Kernels> RewardModel<B> {
    /// One scalar reward per row: `[batch]`.
    pub fn forward(&self, inputs: Inputs<B>) -> Tensor<B, 1> {
        self.head.forward(self.pooled(inputs)).squeeze_dim(1)
    }

    /// The encoder's masked mean over the real tokens of each row: `[batch, hidden]`.
    pub fn pooled(&self, inputs: Inputs<B>) -> Tensor<B, 2> {
        let [batch, seq] = inputs.tokens.dims();
        let device = inputs.tokens.device();
        let positions = Tensor::<B, 1, Int>::arange(0..seq as i64, &device)
            .reshape([1, seq])
            .repeat_dim(0, batch);
        let embeddings = &self.bert.embeddings;
        let x = embeddings.word_embeddings.forward(inputs.tokens)
            + embeddings.position_embeddings.forward(positions)
            + embeddings.token_type_embeddings.forward(inputs.segments);
        let x = kernels::norm(&embeddings.layer_norm, embeddings.layer_norm_eps, x);
        let x = embeddings.dropout.forward(x);
        let hidden = self.bert.encoder.forward(x, inputs.padding.clone());
        // masked mean over the real tokens (sentence-transformers' pooling for MiniLM)
        let keep = inputs.padding.bool_not().float().unsqueeze_dim::<3>(2);
        let summed = (hidden * keep.clone()).sum_dim(1);
        let counts = keep.sum_dim(1).clamp_min(1.0);
        (summed / counts).squeeze_dim(1)
    }
}
