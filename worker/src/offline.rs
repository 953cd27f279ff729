//! Training without the queue: `grove-worker groups` writes the ranked groups of a database as
//! JSON, `grove-worker train` trains on such a file and prints the trained model's summary.
//! For machines without Grove's database (a lent GPU machine), and for experiments.

use crate::kernels::Trainable;
use crate::{
    compute::OnBackend,
    train::{self, Events, TrainError, TrainRequest},
};
use domain::training::{JobProgress, TrainedModel};
use std::{sync::atomic::AtomicBool, time::Instant};

/// Progress on standard error, one line per report.
struct Log;

impl Events for Log {
    fn progress(&mut self, p: &JobProgress) {
        eprintln!(
            "step {}/{} epoch {} loss {:.4} lr {:.2e} {:.0} tokens/s",
            p.step, p.total_steps, p.epoch, p.loss, p.learning_rate, p.tokens_per_second
        );
    }
    fn metrics(&mut self, step: u64, metrics: &[(&'static str, f64)]) {
        if metrics.iter().any(|(name, _)| name.starts_with("heldout")) {
            let text: Vec<String> = metrics
                .iter()
                .map(|(name, value)| format!("{name} {value:.4}"))
                .collect();
            eprintln!("step {step}: {}", text.join(", "));
        }
    }
}

/// One training run on the backend it is given.
pub struct OfflineTraining {
    pub request: TrainRequest,
    pub device_name: &'static str,
}

impl OnBackend for OfflineTraining {
    type Output = Result<TrainedModel, TrainError>;

    fn run<B: Trainable>(self, device: B::Device) -> Self::Output {
        let started = Instant::now();
        let base_model = self.request.base_model.display().to_string();
        let report = train::train::<B>(self.request, &device, &mut Log, &AtomicBool::new(false))?;
        Ok(report.summary(
            base_model,
            self.device_name,
            started.elapsed().as_secs_f64(),
        ))
    }
}
