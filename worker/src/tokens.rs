//! Text to token ids with the base model's `tokenizer.json`, and padded batches for the model.
//!
//! An input is `[CLS] conversation [SEP] reply [SEP]` (segments 0 and 1; `<s>` and `</s>` with
//! a SentencePiece vocabulary). When it is too long
//! the reply keeps its beginning and the conversation its end (the turns nearest the reply),
//! the reply getting at least half of the room.

use crate::model::Inputs;
use burn::tensor::{backend::Backend, Bool, Int, Tensor, TensorData};
use std::path::Path;
use tokenizers::Tokenizer;

#[derive(Debug, thiserror::Error)]
pub enum TokenizerError {
    #[error("cannot read tokenizer {path}: {reason}")]
    Load { path: String, reason: String },
    #[error("the tokenizer has no {0} token")]
    MissingSpecial(&'static str),
    #[error("cannot tokenize: {0}")]
    Encode(String),
}

/// One encoded input.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Encoded {
    pub ids: Vec<u32>,
    /// Where the reply's segment starts.
    pub reply_start: usize,
}

pub struct TextEncoder {
    tokenizer: Tokenizer,
    cls: u32,
    sep: u32,
    pad: u32,
    max_tokens: usize,
}

impl TextEncoder {
    pub fn from_file(path: &Path, max_tokens: usize) -> Result<Self, TokenizerError> {
        let mut tokenizer = Tokenizer::from_file(path).map_err(|e| TokenizerError::Load {
            path: path.display().to_string(),
            reason: e.to_string(),
        })?;
        // truncation and padding are ours (see the module note)
        tokenizer.with_padding(None);
        tokenizer
            .with_truncation(None)
            .map_err(|e| TokenizerError::Encode(e.to_string()))?;
        // BERT's WordPiece names, or SentencePiece's (XLM-R's vocabulary, multilingual-e5)
        let special = |names: [&'static str; 2]| {
            names
                .iter()
                .find_map(|name| tokenizer.token_to_id(name))
                .ok_or(TokenizerError::MissingSpecial(names[0]))
        };
        Ok(Self {
            cls: special(["[CLS]", "<s>"])?,
            sep: special(["[SEP]", "</s>"])?,
            pad: special(["[PAD]", "<pad>"])?,
            tokenizer,
            max_tokens: max_tokens.max(8),
        })
    }

    pub fn vocab_size(&self) -> usize {
        self.tokenizer.get_vocab_size(true)
    }

    fn ids(&self, text: &str) -> Result<Vec<u32>, TokenizerError> {
        Ok(self
            .tokenizer
            .encode(text, false)
            .map_err(|e| TokenizerError::Encode(e.to_string()))?
            .get_ids()
            .to_vec())
    }

    /// Encodes a reply after its conversation (empty for none).
    pub fn encode(&self, conversation: &str, reply: &str) -> Result<Encoded, TokenizerError> {
        let context = if conversation.is_empty() {
            Vec::new()
        } else {
            self.ids(conversation)?
        };
        let reply = self.ids(reply)?;
        let room = self.max_tokens - 3;
        let reply_len = reply
            .len()
            .min(room.saturating_sub(context.len()).max(room / 2));
        let context_len = context.len().min(room - reply_len);
        let mut ids = Vec::with_capacity(context_len + reply_len + 3);
        ids.push(self.cls);
        ids.extend(context.iter().skip(context.len() - context_len));
        ids.push(self.sep);
        let reply_start = ids.len();
        ids.extend(reply.iter().take(reply_len));
        ids.push(self.sep);
        Ok(Encoded { ids, reply_start })
    }

    pub fn pad_id(&self) -> u32 {
        self.pad
    }
}

/// Pads encoded inputs to the longest one into model inputs; returns them with the number of
/// real tokens (for throughput).
pub fn batch<B: Backend>(rows: &[&Encoded], pad: u32, device: &B::Device) -> (Inputs<B>, usize) {
    let seq = rows.iter().map(|r| r.ids.len()).max().unwrap_or(1).max(1);
    let mut tokens = Vec::with_capacity(rows.len() * seq);
    let mut segments = Vec::with_capacity(rows.len() * seq);
    let mut padding = Vec::with_capacity(rows.len() * seq);
    let mut real = 0;
    for row in rows {
        real += row.ids.len();
        for position in 0..seq {
            let id = row.ids.get(position).copied();
            tokens.push(i64::from(id.unwrap_or(pad)));
            segments.push(i64::from(position >= row.reply_start && id.is_some()));
            padding.push(id.is_none());
        }
    }
    let shape = [rows.len(), seq];
    let inputs = Inputs {
        tokens: Tensor::<B, 2, Int>::from_data(TensorData::new(tokens, shape), device),
        segments: Tensor::<B, 2, Int>::from_data(TensorData::new(segments, shape), device),
        padding: Tensor::<B, 2, Bool>::from_data(TensorData::new(padding, shape), device),
    };
    (inputs, real)
}
