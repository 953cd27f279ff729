//! A scoring job: a trained reward model scores every visible assistant reply (with its
//! conversation); scores go out in batches as they are computed.

use crate::kernels::Kernels;
use crate::{
    tokens::{TextEncoder, TokenizerError},
    train::{score_rows, Events},
    weights::{self, WeightsError},
};
use domain::{
    ids::{JobId, MessageId},
    training::{JobProgress, JobResult, ScoringInput, TrainingSettings},
};
use std::{
    path::PathBuf,
    sync::atomic::{AtomicBool, Ordering},
    time::Instant,
};

/// Replies scored between two reports.
const REPORT_EVERY: usize = 256;

#[derive(Debug, thiserror::Error)]
pub enum ScoreError {
    #[error(transparent)]
    Weights(#[from] WeightsError),
    #[error(transparent)]
    Tokenizer(#[from] TokenizerError),
    #[error("stopped")]
    Stopped,
}

pub struct ScoreRequest {
    /// The training job whose model scores.
    pub model_job: JobId,
    /// Its model folder.
    pub model: PathBuf,
    pub inputs: Vec<ScoringInput>,
}

pub trait ScoreSink {
    fn scores(&mut self, model_job: JobId, scores: Vec<(MessageId, f32)>);
}

/// The tokens per input the model was trained with (its `grove_training.json`), else the
/// default.
fn max_tokens(request: &ScoreRequest) -> usize {
    std::fs::read_to_string(request.model.join(weights::TRAINING))
        .ok()
        .and_then(|raw| serde_json::from_str::<crate::train::TrainingRecord>(&raw).ok())
        .map_or_else(TrainingSettings::default, |record| record.settings)
        .max_tokens as usize
}

pub fn score<B: Kernels>(
    request: ScoreRequest,
    device: &B::Device,
    sink: &mut (impl ScoreSink + Events),
    stop: &AtomicBool,
) -> Result<JobResult, ScoreError> {
    let (_, model) = weights::load::<B>(&request.model, device)?;
    let encoder = TextEncoder::from_file(
        &request.model.join(weights::TOKENIZER),
        max_tokens(&request),
    )?;
    let started = Instant::now();
    let total = request.inputs.len().div_ceil(REPORT_EVERY) as u64;
    let mut tokens = 0usize;
    for (index, chunk) in request.inputs.chunks(REPORT_EVERY).enumerate() {
        if stop.load(Ordering::Relaxed) {
            return Err(ScoreError::Stopped);
        }
        let encoded = chunk
            .iter()
            .map(|input| encoder.encode(&input.conversation, &input.text))
            .collect::<Result<Vec<_>, _>>()?;
        tokens += encoded.iter().map(|e| e.ids.len()).sum::<usize>();
        let rows: Vec<_> = encoded.iter().collect();
        let scores = score_rows(&model, &rows, encoder.pad_id(), device);
        sink.scores(
            request.model_job,
            chunk
                .iter()
                .map(|input| input.message)
                .zip(scores)
                .collect(),
        );
        sink.progress(&JobProgress {
            step: index as u64 + 1,
            total_steps: total,
            epoch: 1,
            loss: 0.0,
            learning_rate: 0.0,
            tokens_per_second: tokens as f64 / started.elapsed().as_secs_f64().max(1e-9),
        });
    }
    Ok(JobResult::Scored {
        messages: request.inputs.len() as u64,
    })
}
