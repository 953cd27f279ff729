//! Reward-model jobs: what a moderator asks the worker to do, the states a job goes through,
//! and the checks on its settings. The queue itself lives in the engine; the training in the
//! worker.

use crate::{message::LanguageTag, tree::TreeState, Invalid};
use serde::{Deserialize, Serialize};

/// Where a job stands. `queued` → `running` → `succeeded` | `failed` | `cancelled`; a running
/// job whose worker stops renewing its lease goes back to the queue.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum JobState {
    Queued,
    Running,
    Succeeded,
    Failed,
    Cancelled,
}

impl JobState {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Queued => "queued",
            Self::Running => "running",
            Self::Succeeded => "succeeded",
            Self::Failed => "failed",
            Self::Cancelled => "cancelled",
        }
    }

    pub fn parse(raw: &str) -> Result<Self, Invalid> {
        Ok(match raw {
            "queued" => Self::Queued,
            "running" => Self::Running,
            "succeeded" => Self::Succeeded,
            "failed" => Self::Failed,
            "cancelled" => Self::Cancelled,
            other => {
                return Err(Invalid::new(
                    "invalid_job_state",
                    format!("Unknown job state '{other}'."),
                ))
            }
        })
    }

    /// Whether the job is over (nothing will change it any more).
    pub fn is_final(self) -> bool {
        matches!(self, Self::Succeeded | Self::Failed | Self::Cancelled)
    }
}

/// Which rankings make the training examples.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum RankingSource {
    /// The consensus order of each parent's replies (one example per parent).
    #[default]
    Consensus,
    /// Every annotator's own ranking (one example per ranking).
    Raw,
}

/// The settings of a training job, with OpenAssistant-like defaults scaled to small encoders.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct TrainingSettings {
    /// A folder with `config.json`, `model.safetensors` and `tokenizer.json` (empty: the
    /// default base model in the data folder).
    pub base_model: String,
    /// Languages of the trees used (empty: all).
    pub languages: Vec<String>,
    /// Tree states whose rankings are used.
    pub tree_states: Vec<TreeState>,
    pub ranking_source: RankingSource,
    /// Share of trees held out for evaluation, split by tree.
    pub held_out_fraction: f64,
    pub learning_rate: f64,
    pub epochs: u32,
    /// Groups (a parent and its ranked replies) per optimiser step.
    pub batch_groups: u32,
    /// Tokens per reply, conversation included; longer inputs keep their end.
    pub max_tokens: u32,
    /// OpenAssistant's L2 term on scores (keeps them near zero).
    pub score_l2: f64,
    pub seed: u64,
    /// Encoder layers, from the bottom, whose weights stay the base model's (with the
    /// embeddings); 0 trains every layer.
    pub frozen_layers: u32,
    /// Whether the word-embedding table stays the base model's. Unset: frozen when training
    /// on the CPU with a vocabulary above 100,000 pieces (multilingual-e5-small's table holds
    /// 96M of its 118M parameters).
    pub freeze_word_embeddings: Option<bool>,
}

impl Default for TrainingSettings {
    fn default() -> Self {
        Self {
            base_model: String::new(),
            languages: Vec::new(),
            tree_states: vec![TreeState::ReadyForExport],
            ranking_source: RankingSource::Consensus,
            held_out_fraction: 0.1,
            learning_rate: 2e-5,
            epochs: 2,
            batch_groups: 8,
            max_tokens: 256,
            score_l2: 0.001,
            seed: 42,
            frozen_layers: 0,
            freeze_word_embeddings: None,
        }
    }
}

impl TrainingSettings {
    /// Checks every setting; languages come back normalised.
    pub fn validated(mut self) -> Result<Self, Invalid> {
        let bad = |message: String| Err(Invalid::new("invalid_training_settings", message));
        self.languages = self
            .languages
            .iter()
            .map(|raw| LanguageTag::parse(raw).map(|tag| tag.as_str().to_owned()))
            .collect::<Result<_, _>>()?;
        if self.tree_states.is_empty() {
            return bad("Choose at least one tree state.".to_owned());
        }
        if !(0.0..=0.5).contains(&self.held_out_fraction) || self.held_out_fraction.is_nan() {
            return bad("The held-out fraction is between 0 and 0.5.".to_owned());
        }
        if !(self.learning_rate > 0.0 && self.learning_rate <= 1e-2) {
            return bad("The learning rate is above 0 and at most 0.01.".to_owned());
        }
        if !(1..=100).contains(&self.epochs) {
            return bad("Epochs are between 1 and 100.".to_owned());
        }
        if !(1..=1024).contains(&self.batch_groups) {
            return bad("Groups per step are between 1 and 1024.".to_owned());
        }
        if !(16..=4096).contains(&self.max_tokens) {
            return bad("Tokens per reply are between 16 and 4096.".to_owned());
        }
        if !(0.0..=1.0).contains(&self.score_l2) || self.score_l2.is_nan() {
            return bad("The score L2 term is between 0 and 1.".to_owned());
        }
        if self.frozen_layers > 48 {
            return bad("At most 48 layers can be frozen.".to_owned());
        }
        if self.base_model.contains('\0') {
            return bad("The base model path has a NUL character.".to_owned());
        }
        Ok(self)
    }
}

/// What a job is for.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum JobSpec {
    /// Train a reward model from the rankings.
    Train(TrainingSettings),
    /// Score messages with a trained model (the job that trained it): every visible
    /// assistant reply, or those of `scope`.
    Score {
        model_job: crate::ids::JobId,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        scope: Option<ScoreScope>,
    },
}

/// The replies a retraining run's scoring job scores: the held-out trees of its candidate
/// (to compare models on them) and, for the candidate, the language's trees still open (for
/// the chooser's active learning).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ScoreScope {
    pub lang: String,
    /// The training job whose held-out trees are scored.
    pub held_out_of: crate::ids::JobId,
    pub open_trees: bool,
}

impl JobSpec {
    pub fn kind(&self) -> &'static str {
        match self {
            Self::Train(_) => "train",
            Self::Score { .. } => "score",
        }
    }
}

/// A job as the dashboard lists it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct JobView {
    pub id: crate::ids::JobId,
    pub spec: JobSpec,
    pub state: JobState,
    pub created_by: String,
    pub created_at: String,
    pub started_at: Option<String>,
    pub finished_at: Option<String>,
    /// The worker holding (or that last held) the job.
    pub worker: Option<String>,
    pub attempts: i32,
    pub cancel_requested: bool,
    pub error: Option<String>,
    /// The worker's latest progress report.
    pub progress: Option<JobProgress>,
    /// What a finished job produced.
    pub result: Option<JobResult>,
    /// Size of the trained model's archive, once stored.
    pub artifact_bytes: Option<i64>,
}

/// What a job produced.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum JobResult {
    Trained(TrainedModel),
    Scored { messages: u64 },
}

/// A trained reward model's summary: its data and its held-out metrics.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TrainedModel {
    pub base_model: String,
    /// `cpu` or `cuda`.
    pub device: String,
    pub train_groups: u64,
    pub held_out_groups: u64,
    pub steps: u64,
    pub pairwise_accuracy: f64,
    pub best_vs_worst_accuracy: f64,
    pub kendall_tau: f64,
    pub tokens_per_second: f64,
    pub seconds: f64,
}

/// What a worker reports with each heartbeat.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct JobProgress {
    pub step: u64,
    pub total_steps: u64,
    pub epoch: u32,
    /// Mean training loss over the steps since the last report.
    pub loss: f64,
    pub learning_rate: f64,
    pub tokens_per_second: f64,
}

/// One training example: the conversation up to a parent and its ranked replies.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RankedGroup {
    pub tree: crate::ids::TreeId,
    pub parent: crate::ids::MessageId,
    /// The conversation, oldest message first, ending with the parent.
    pub conversation: Vec<Turn>,
    /// At least two replies with at least two different tiers.
    pub replies: Vec<RankedReply>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Turn {
    pub role: crate::message::Role,
    pub text: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RankedReply {
    pub message: crate::ids::MessageId,
    pub text: String,
    /// 0 is best; equal tiers are ties (no pair is trained between them).
    pub tier: u32,
}

impl RankedGroup {
    /// Whether the group teaches anything: two replies or more, not all tied.
    pub fn is_trainable(&self) -> bool {
        let mut tiers = self.replies.iter().map(|r| r.tier);
        match tiers.next() {
            Some(first) => tiers.any(|t| t != first),
            None => false,
        }
    }

    /// The conversation as one text, the way the model reads it.
    pub fn conversation_text(&self) -> String {
        conversation_text(&self.conversation)
    }
}

/// Turns as one text: `role: text` paragraphs.
pub fn conversation_text(turns: &[Turn]) -> String {
    turns
        .iter()
        .map(|turn| format!("{}: {}", turn.role.as_str(), turn.text))
        .collect::<Vec<_>>()
        .join("\n\n")
}

/// A reply to score: its conversation and its text.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ScoringInput {
    pub message: crate::ids::MessageId,
    pub conversation: String,
    pub text: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_are_valid_and_bad_settings_are_refused_with_one_code() {
        let settings = TrainingSettings {
            languages: vec!["PT-br".to_owned()],
            ..TrainingSettings::default()
        }
        .validated();
        assert_eq!(settings.map(|s| s.languages), Ok(vec!["pt-BR".to_owned()]));
        for bad in [
            TrainingSettings {
                held_out_fraction: 0.9,
                ..TrainingSettings::default()
            },
            TrainingSettings {
                held_out_fraction: f64::NAN,
                ..TrainingSettings::default()
            },
            TrainingSettings {
                learning_rate: 0.0,
                ..TrainingSettings::default()
            },
            TrainingSettings {
                epochs: 0,
                ..TrainingSettings::default()
            },
            TrainingSettings {
                batch_groups: 0,
                ..TrainingSettings::default()
            },
            TrainingSettings {
                max_tokens: 8,
                ..TrainingSettings::default()
            },
            TrainingSettings {
                tree_states: Vec::new(),
                ..TrainingSettings::default()
            },
        ] {
            assert_eq!(
                bad.validated().map_err(|e| e.code),
                Err("invalid_training_settings")
            );
        }
        let unknown_language = TrainingSettings {
            languages: vec!["xx".to_owned()],
            ..TrainingSettings::default()
        };
        assert_eq!(
            unknown_language.validated().map_err(|e| e.code),
            Err("unsupported_language")
        );
    }

    #[test]
    fn job_states_round_trip_and_know_when_they_are_over() {
        for state in [
            JobState::Queued,
            JobState::Running,
            JobState::Succeeded,
            JobState::Failed,
            JobState::Cancelled,
        ] {
            assert_eq!(JobState::parse(state.as_str()), Ok(state));
        }
        assert!(JobState::Cancelled.is_final() && !JobState::Running.is_final());
        assert!(JobState::parse("paused").is_err());
    }

    #[test]
    fn a_spec_serialises_with_its_kind() {
        let spec = JobSpec::Train(TrainingSettings::default());
        let json = serde_json::to_value(&spec).unwrap_or_default();
        assert_eq!(json.get("kind").and_then(|k| k.as_str()), Some("train"));
        let back: Result<JobSpec, _> = serde_json::from_value(json);
        assert_eq!(back.ok(), Some(spec));
    }
}
