//! Dataset export: OpenAssistant-compatible trees and flat messages, preference pairs for
//! reward-model training (plain and chat form, as Hugging Face TRL reads them), and SFT
//! threads. Trees are read in batches by id, so memory stays flat whatever the size; each
//! batch becomes a chunk of JSON Lines.

mod assemble;
mod jobs;

pub(crate) use jobs::ExportRunner;
pub use jobs::{ExportDownload, ExportStore, LEASE as EXPORT_LEASE};
mod pseudonym;
mod query;
pub mod schema;

use crate::{
    db::{self, export::TreeFilter},
    Engine, Error,
};
use assemble::Batch;
use domain::tree::TreeState;
use pseudonym::Pseudonyms;
use serde::{Deserialize, Serialize};
use time::Date;
use uuid::Uuid;

/// Trees read per batch.
const BATCH_TREES: i64 = 1000;

/// What an export writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ExportFormat {
    /// One tree per line, replies nested and sorted by rank (oasst `*.trees.jsonl`).
    Trees,
    /// One message per line (oasst `*.messages.jsonl`).
    Messages,
    /// Preference pairs with a plain-text prompt: `prompt`, `chosen`, `rejected`, `rank_gap`.
    Pairs,
    /// Preference pairs in TRL's conversational form: lists of `{role, content}`.
    PairsChat,
    /// Conversations ending in an assistant reply, best-ranked path first, as `messages`.
    Sft,
    /// One line per pseudonymous annotator: agreement, gold accuracy, weights, flag. Joins
    /// with a data export made with the same pseudonym secret.
    AnnotatorReliability,
}

impl ExportFormat {
    pub const ALL: [ExportFormat; 6] = [
        Self::Trees,
        Self::Messages,
        Self::Pairs,
        Self::PairsChat,
        Self::Sft,
        Self::AnnotatorReliability,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Trees => "trees",
            Self::Messages => "messages",
            Self::Pairs => "pairs",
            Self::PairsChat => "pairs_chat",
            Self::Sft => "sft",
            Self::AnnotatorReliability => "annotator_reliability",
        }
    }

    pub fn parse(raw: &str) -> Result<Self, Error> {
        let wanted = raw.replace('-', "_");
        Self::ALL.into_iter().find(|f| f.as_str() == wanted).ok_or_else(|| {
            Error::bad_input(
                "invalid_format",
                format!("Unknown export format '{raw}': use trees, messages, pairs, pairs_chat, sft or annotator_reliability."),
            )
        })
    }
}

/// One part of a train/validation split, made by tree so no tree is in both (the domain's
/// type, so a job's stored options and its line in the list share it).
pub use domain::moderation::ExportSplitPart as SplitPart;

#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Split {
    pub part: SplitPart,
    /// Share of trees in the validation part.
    pub validation_fraction: f64,
    pub seed: u64,
}

/// What to export and how.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ExportOptions {
    pub format: ExportFormat,
    /// Tree states to include; empty for all. The default is ready-for-export trees.
    pub states: Vec<TreeState>,
    /// Languages to include; empty for all.
    pub langs: Vec<String>,
    pub include_deleted: bool,
    /// Include rejected (spam) messages.
    pub include_spam: bool,
    /// Include trees with model-generated messages.
    pub include_synthetic: bool,
    /// Trees whose prompt was written in this date range (inclusive).
    pub from: Option<Date>,
    pub to: Option<Date>,
    /// Only the prompts (roots).
    pub prompts_only: bool,
    /// Each message's latest reward-model score, where it has one.
    pub include_reward_scores: bool,
    /// Each ranked parent's agreement among its rankers (`agreement`).
    #[serde(default)]
    pub include_agreement: bool,
    pub split: Option<Split>,
    /// The key of the user pseudonyms, for tests that need another one; `None` (always in
    /// production) is the instance's (see `pseudonym`). Never saved with a job.
    #[serde(skip)]
    pub pseudonym_secret: Option<String>,
}

impl ExportOptions {
    /// Ready-for-export trees, no deleted, spam or synthetic messages, the instance's
    /// pseudonyms.
    pub fn new(format: ExportFormat) -> Self {
        Self {
            format,
            states: vec![TreeState::ReadyForExport],
            langs: Vec::new(),
            include_deleted: false,
            include_spam: false,
            include_synthetic: false,
            from: None,
            to: None,
            prompts_only: false,
            include_reward_scores: false,
            include_agreement: false,
            split: None,
            pseudonym_secret: None,
        }
    }

    fn states(&self) -> Vec<String> {
        self.states.iter().map(|s| s.as_str().to_owned()).collect()
    }
}

/// What an export has written so far.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExportStats {
    /// Trees read so far, before the split (for progress).
    pub trees_read: u64,
    /// Trees written.
    pub trees: u64,
    pub messages: u64,
    /// Lines written.
    pub records: u64,
}

/// An export in progress: call [`ExportCursor::next_chunk`] until it returns `None`.
///
/// While one batch is turned into JSON, the next one is already being read from the database
/// (one batch ahead, so memory stays bounded): the two halves of the work overlap.
pub struct ExportCursor {
    options: ExportOptions,
    reader: BatchReader,
    /// Made at the first chunk, once the secret is known.
    pseudonyms: Option<Pseudonyms>,
    /// The configured secret (the options', else `GROVE_EXPORT_SECRET`); none: the instance's.
    secret: Option<String>,
    ahead: Option<tokio::task::JoinHandle<Result<Fetched, Error>>>,
    finished: bool,
    stats: ExportStats,
}

/// What one batch read brought back.
struct Fetched {
    /// Trees read, before the split.
    trees_read: usize,
    /// The last tree id read: where the next batch starts.
    last: Option<Uuid>,
    heads: Vec<db::export::TreeHead>,
    rows: Vec<db::export::ExportRow>,
    labels: Vec<(Uuid, String, f64, i64)>,
    scores: Vec<(Uuid, f32)>,
    rankings: Vec<(Uuid, Vec<Uuid>, Vec<i32>)>,
}

/// Everything needed to read a batch, owned so a read can run as its own task.
#[derive(Clone)]
struct BatchReader {
    pool: sqlx::PgPool,
    states: Vec<String>,
    langs: Vec<String>,
    include_synthetic: bool,
    from: Option<Date>,
    to: Option<Date>,
    split: Option<Split>,
    reward_scores: bool,
    agreement: bool,
}

impl BatchReader {
    async fn read(self, after: Option<Uuid>) -> Result<Fetched, Error> {
        let filter = TreeFilter {
            states: &self.states,
            langs: &self.langs,
            include_synthetic: self.include_synthetic,
            from: self.from,
            to: self.to,
        };
        let heads = db::export::trees_after(&self.pool, &filter, after, BATCH_TREES).await?;
        let trees_read = heads.len();
        let last = heads.last().map(|h| h.message_tree_id);
        let heads: Vec<_> = heads
            .into_iter()
            .filter(|head| in_split(self.split, head.message_tree_id))
            .collect();
        let ids: Vec<Uuid> = heads.iter().map(|h| h.message_tree_id).collect();
        let scores = async {
            if self.reward_scores {
                db::model_data::latest_scores_of_trees(&self.pool, &ids).await
            } else {
                Ok(Vec::new())
            }
        };
        let rankings = async {
            if self.agreement {
                db::quality::rankings_of_trees(&self.pool, &ids).await
            } else {
                Ok(Vec::new())
            }
        };
        let (rows, labels, scores, rankings) = tokio::try_join!(
            db::export::messages_of(&self.pool, &ids),
            db::export::labels_of(&self.pool, &ids),
            scores,
            rankings,
        )?;
        Ok(Fetched {
            trees_read,
            last,
            heads,
            rows,
            labels,
            scores,
            rankings,
        })
    }
}

impl ExportCursor {
    /// The JSON Lines of the next batch of trees (possibly empty when every tree of the batch
    /// was filtered out), or `None` at the end.
    pub async fn next_chunk(&mut self) -> Result<Option<Vec<u8>>, Error> {
        if self.finished {
            return Ok(None);
        }
        let mut pseudonyms = match self.pseudonyms.take() {
            Some(pseudonyms) => pseudonyms,
            None => Pseudonyms::new(&match &self.secret {
                Some(secret) => secret.as_bytes().to_vec(),
                None => instance_secret(&self.reader.pool).await?,
            }),
        };
        let chunk = self.chunk(&mut pseudonyms).await;
        self.pseudonyms = Some(pseudonyms);
        chunk
    }

    async fn chunk(&mut self, pseudonyms: &mut Pseudonyms) -> Result<Option<Vec<u8>>, Error> {
        if self.options.format == ExportFormat::AnnotatorReliability {
            self.finished = true;
            let rows = db::quality::all(&self.reader.pool).await?;
            let mut out = Vec::with_capacity(rows.len() * 256);
            self.stats.records += assemble::reliability(&rows, pseudonyms, &mut out)?;
            return Ok(Some(out));
        }
        let fetched = match self.ahead.take() {
            Some(reading) => reading
                .await
                .map_err(|e| Error::Internal(format!("export read failed: {e}")))??,
            None => self.reader.clone().read(None).await?,
        };
        let Some(last) = fetched.last else {
            self.finished = true;
            return Ok(None);
        };
        if i64::try_from(fetched.trees_read).unwrap_or(i64::MAX) < BATCH_TREES {
            self.finished = true;
        } else {
            self.ahead = Some(tokio::spawn(self.reader.clone().read(Some(last))));
        }
        self.stats.trees_read += fetched.trees_read as u64;
        let batch = Batch::new(
            fetched.heads,
            fetched.rows,
            fetched.labels,
            fetched.scores,
            fetched.rankings,
        );
        let mut out = Vec::with_capacity(1 << 16);
        let written = batch.write(&self.options, pseudonyms, &mut out)?;
        self.stats.trees += written.trees;
        self.stats.messages += written.messages;
        self.stats.records += written.records;
        Ok(Some(out))
    }

    pub fn stats(&self) -> ExportStats {
        self.stats
    }
}

impl Drop for ExportCursor {
    fn drop(&mut self) {
        // an abandoned download need not finish reading
        if let Some(reading) = self.ahead.take() {
            reading.abort();
        }
    }
}

/// The key the instance made for its pseudonyms: 32 random bytes, made by the first export
/// and kept in Postgres, so every server and every export of one instance agree.
async fn instance_secret(pool: &sqlx::PgPool) -> Result<Vec<u8>, Error> {
    use rand::RngCore;
    let mut candidate = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut candidate);
    db::secrets::get_or_create(pool, "export_pseudonyms", &candidate).await
}

fn in_split(split: Option<Split>, tree: Uuid) -> bool {
    match split {
        None => true,
        Some(split) => {
            let validation = pseudonym::unit_hash(split.seed, tree) < split.validation_fraction;
            validation == (split.part == SplitPart::Validation)
        }
    }
}

impl Engine {
    /// Starts an export.
    /// What the options' filters leave out (those the options already include count as
    /// nothing), so that the caller can say which setting brings it back.
    pub async fn export_left_out(
        &self,
        options: &ExportOptions,
    ) -> Result<domain::moderation::ExportLeftOut, Error> {
        let (other_states, synthetic, deleted, spam) =
            db::export::left_out(&self.pool, &options.states(), &options.langs).await?;
        Ok(domain::moderation::ExportLeftOut {
            other_states,
            synthetic_trees: if options.include_synthetic {
                0
            } else {
                synthetic
            },
            deleted_messages: if options.include_deleted { 0 } else { deleted },
            spam_messages: if options.include_spam { 0 } else { spam },
        })
    }

    pub fn export(&self, options: ExportOptions) -> ExportCursor {
        let reader = BatchReader {
            pool: self.pool.clone(),
            states: options.states(),
            langs: options.langs.clone(),
            include_synthetic: options.include_synthetic,
            from: options.from,
            to: options.to,
            split: options.split,
            reward_scores: options.include_reward_scores,
            agreement: options.include_agreement,
        };
        ExportCursor {
            reader,
            pseudonyms: None,
            secret: options
                .pseudonym_secret
                .clone()
                .or_else(|| self.export_secret.as_deref().map(str::to_owned)),
            options,
            ahead: None,
            finished: false,
            stats: ExportStats::default(),
        }
    }

    /// How many trees the export reads, before any split (for progress).
    pub async fn export_tree_count(&self, options: &ExportOptions) -> Result<i64, Error> {
        let states = options.states();
        let filter = TreeFilter {
            states: &states,
            langs: &options.langs,
            include_synthetic: options.include_synthetic,
            from: options.from,
            to: options.to,
        };
        db::export::count_trees(&self.pool, &filter).await
    }
}

#[cfg(test)]
mod tests;
