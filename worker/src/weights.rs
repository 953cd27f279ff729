//! Hugging Face layout on disk: a model folder holds `config.json`, `model.safetensors` (the
//! encoder, PyTorch names and layouts) and `tokenizer.json`; a trained reward model adds
//! `reward_head.safetensors` (`weight` [1, hidden], `bias` [1], as `torch.nn.Linear`) and
//! `grove_training.json` (settings and held-out metrics). Python reads the encoder with
//! `AutoModel.from_pretrained(folder)` and the head with `safetensors.torch.load_file`.

use crate::model::{BertConfig, RewardModel};
use burn::tensor::backend::Backend;
use burn_store::{BurnToPyTorchAdapter, ModuleSnapshot, PyTorchToBurnAdapter, SafetensorsStore};
use std::path::{Path, PathBuf};

pub const CONFIG: &str = "config.json";
pub const ENCODER: &str = "model.safetensors";
pub const TOKENIZER: &str = "tokenizer.json";
pub const HEAD: &str = "reward_head.safetensors";
pub const TRAINING: &str = "grove_training.json";

#[derive(Debug, thiserror::Error)]
pub enum WeightsError {
    #[error("{path}: {reason}")]
    File { path: PathBuf, reason: String },
    #[error("{path} lacks encoder weights: {missing}")]
    Missing { path: PathBuf, missing: String },
}

fn file_error(path: &Path, reason: impl ToString) -> WeightsError {
    WeightsError::File {
        path: path.to_owned(),
        reason: reason.to_string(),
    }
}

/// Hugging Face BERT names → ours (applied in order, on load).
const FROM_HF: [(&str, &str); 8] = [
    (r"^bert\.", ""),
    (r"^embeddings\.LayerNorm\.", "embeddings.layer_norm."),
    (
        r"^encoder\.layer\.([0-9]+)\.attention\.self\.(query|key|value)\.",
        "encoder.layers.$1.mha.$2.",
    ),
    (
        r"^encoder\.layer\.([0-9]+)\.attention\.output\.dense\.",
        "encoder.layers.$1.mha.output.",
    ),
    (
        r"^encoder\.layer\.([0-9]+)\.attention\.output\.LayerNorm\.",
        "encoder.layers.$1.norm_1.",
    ),
    (
        r"^encoder\.layer\.([0-9]+)\.intermediate\.dense\.",
        "encoder.layers.$1.pwff.linear_inner.",
    ),
    (
        r"^encoder\.layer\.([0-9]+)\.output\.dense\.",
        "encoder.layers.$1.pwff.linear_outer.",
    ),
    (
        r"^encoder\.layer\.([0-9]+)\.output\.LayerNorm\.",
        "encoder.layers.$1.norm_2.",
    ),
];

/// Ours → Hugging Face (on save, after the adapter named norms `weight`/`bias`).
const TO_HF: [(&str, &str); 7] = [
    (r"^embeddings\.layer_norm\.", "embeddings.LayerNorm."),
    (
        r"^encoder\.layers\.([0-9]+)\.mha\.(query|key|value)\.",
        "encoder.layer.$1.attention.self.$2.",
    ),
    (
        r"^encoder\.layers\.([0-9]+)\.mha\.output\.",
        "encoder.layer.$1.attention.output.dense.",
    ),
    (
        r"^encoder\.layers\.([0-9]+)\.norm_1\.",
        "encoder.layer.$1.attention.output.LayerNorm.",
    ),
    (
        r"^encoder\.layers\.([0-9]+)\.pwff\.linear_inner\.",
        "encoder.layer.$1.intermediate.dense.",
    ),
    (
        r"^encoder\.layers\.([0-9]+)\.pwff\.linear_outer\.",
        "encoder.layer.$1.output.dense.",
    ),
    (
        r"^encoder\.layers\.([0-9]+)\.norm_2\.",
        "encoder.layer.$1.output.LayerNorm.",
    ),
];

pub fn read_config(folder: &Path) -> Result<BertConfig, WeightsError> {
    let path = folder.join(CONFIG);
    let raw = std::fs::read_to_string(&path).map_err(|e| file_error(&path, e))?;
    serde_json::from_str(&raw).map_err(|e| file_error(&path, e))
}

/// Loads a model folder: the encoder, and the head when the folder has one (a base model gets
/// a freshly initialised head).
pub fn load<B: Backend>(
    folder: &Path,
    device: &B::Device,
) -> Result<(BertConfig, RewardModel<B>), WeightsError> {
    let config = read_config(folder)?;
    let mut model = config.init::<B>(device);
    let path = folder.join(ENCODER);
    let mut store = SafetensorsStore::from_file(&path)
        .with_from_adapter(PyTorchToBurnAdapter)
        .allow_partial(true);
    for (from, to) in FROM_HF {
        store = store.with_key_remapping(from, to);
    }
    let result = model
        .bert
        .load_from(&mut store)
        .map_err(|e| file_error(&path, format!("{e:?}")))?;
    if !result.missing.is_empty() || !result.errors.is_empty() {
        let mut missing: Vec<String> = result.missing.iter().map(|(p, _)| p.clone()).collect();
        missing.extend(result.errors.iter().map(|e| format!("{e:?}")));
        return Err(WeightsError::Missing {
            path,
            missing: missing.join(", "),
        });
    }
    let head = folder.join(HEAD);
    if head.exists() {
        let mut store = SafetensorsStore::from_file(&head).with_from_adapter(PyTorchToBurnAdapter);
        model
            .head
            .load_from(&mut store)
            .map_err(|e| file_error(&head, format!("{e:?}")))?;
    }
    Ok((config, model))
}

/// Writes a model folder: config, encoder, head and the tokenizer copied from `tokenizer`.
pub fn save<B: Backend>(
    model: &RewardModel<B>,
    config: &BertConfig,
    tokenizer: &Path,
    folder: &Path,
) -> Result<(), WeightsError> {
    std::fs::create_dir_all(folder).map_err(|e| file_error(folder, e))?;
    let config_path = folder.join(CONFIG);
    let mut config_json = serde_json::to_value(config).map_err(|e| file_error(&config_path, e))?;
    if let Some(fields) = config_json.as_object_mut() {
        fields.insert("model_type".to_owned(), "bert".into());
        fields.insert("architectures".to_owned(), vec!["BertModel"].into());
        fields.insert("hidden_act".to_owned(), "gelu".into());
    }
    let text =
        serde_json::to_string_pretty(&config_json).map_err(|e| file_error(&config_path, e))?;
    std::fs::write(&config_path, text).map_err(|e| file_error(&config_path, e))?;

    let path = folder.join(ENCODER);
    let mut store = SafetensorsStore::from_file(&path)
        .with_to_adapter(BurnToPyTorchAdapter)
        .overwrite(true);
    for (from, to) in TO_HF {
        store = store.with_key_remapping(from, to);
    }
    model
        .bert
        .save_into(&mut store)
        .map_err(|e| file_error(&path, format!("{e:?}")))?;
    let head = folder.join(HEAD);
    let mut store = SafetensorsStore::from_file(&head)
        .with_to_adapter(BurnToPyTorchAdapter)
        .overwrite(true);
    model
        .head
        .save_into(&mut store)
        .map_err(|e| file_error(&head, format!("{e:?}")))?;
    let tokenizer_copy = folder.join(TOKENIZER);
    if tokenizer != tokenizer_copy {
        std::fs::copy(tokenizer, &tokenizer_copy).map_err(|e| file_error(&tokenizer_copy, e))?;
    }
    Ok(())
}

/// The default base model in this checkout's data folder (./scripts/setup.sh fetches it), or
/// `GROVE_BASE_MODEL`.
#[cfg(test)]
pub(crate) fn test_base_model() -> PathBuf {
    let folder = std::env::var_os("GROVE_BASE_MODEL").map_or_else(
        || Path::new(env!("CARGO_MANIFEST_DIR")).join("../data/base-models/all-MiniLM-L6-v2"),
        PathBuf::from,
    );
    assert!(
        folder.join(ENCODER).is_file(),
        "no base model at {}: run ./scripts/setup.sh",
        folder.display()
    );
    folder
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{
        tokens::{batch, TextEncoder},
        train::score_rows,
    };
    use burn::backend::Flex;

    fn scores(folder: &Path) -> Result<Vec<f32>, Box<dyn std::error::Error>> {
        let device = Default::default();
        let (_, model) = load::<Flex>(folder, &device)?;
        let encoder = TextEncoder::from_file(&folder.join(TOKENIZER), 64)?;
        let rows = [
            encoder.encode("prompter: What is rust?", "A language.")?,
            encoder.encode("", "Iron oxide forms when iron meets water and air.")?,
        ];
        let rows: Vec<_> = rows.iter().collect();
        let (_, real) = batch::<Flex>(&rows, encoder.pad_id(), &device);
        assert!(real > 10);
        Ok(score_rows(&model, &rows, encoder.pad_id(), &device))
    }

    #[test]
    fn minilm_loads_and_a_saved_model_reloads_with_the_same_scores_and_hugging_face_names(
    ) -> Result<(), Box<dyn std::error::Error>> {
        let base = test_base_model();
        let device = Default::default();
        let (config, model) = load::<Flex>(&base, &device)?;
        assert_eq!((config.hidden_size, config.num_hidden_layers), (384, 6));
        let out = std::env::temp_dir().join(format!("grove-weights-{}", uuid::Uuid::new_v4()));
        save(&model, &config, &base.join(TOKENIZER), &out)?;
        // same weights → same scores (head included: it is saved too)
        let first = scores(&out)?;
        assert_eq!(first, scores(&out)?);
        assert!(first.iter().all(|s| s.is_finite()));

        // the saved encoder has exactly the base model's tensor names and shapes
        type Shapes = Vec<(String, Vec<usize>)>;
        let names = |path: &Path| -> Result<Shapes, Box<dyn std::error::Error>> {
            let bytes = std::fs::read(path)?;
            let tensors = safetensors::SafeTensors::deserialize(&bytes)?;
            let mut names: Vec<_> = tensors
                .tensors()
                .into_iter()
                .filter(|(name, _)| {
                    name != "embeddings.position_ids" && !name.starts_with("pooler.")
                })
                .map(|(name, view)| (name, view.shape().to_vec()))
                .collect();
            names.sort();
            Ok(names)
        };
        assert_eq!(names(&out.join(ENCODER))?, names(&base.join(ENCODER))?);
        let head = names(&out.join(HEAD))?;
        assert_eq!(
            head,
            vec![
                ("bias".to_owned(), vec![1]),
                ("weight".to_owned(), vec![1, 384])
            ]
        );
        // and the encoder weights are the base model's, value for value
        let tensor = |path: &Path, name: &str| -> Result<Vec<u8>, Box<dyn std::error::Error>> {
            let bytes = std::fs::read(path)?;
            let tensors = safetensors::SafeTensors::deserialize(&bytes)?;
            Ok(tensors.tensor(name)?.data().to_vec())
        };
        for name in [
            "encoder.layer.3.attention.self.query.weight",
            "encoder.layer.5.output.LayerNorm.weight",
            "embeddings.word_embeddings.weight",
        ] {
            assert!(
                tensor(&out.join(ENCODER), name)? == tensor(&base.join(ENCODER), name)?,
                "{name} changed"
            );
        }
        std::fs::remove_dir_all(out)?;
        Ok(())
    }
}
