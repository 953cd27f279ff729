//! Counts the engine keeps for monitoring (served as Prometheus metrics by the server): which
//! tasks are handed out, per kind and language, how often none was left, how often a
//! transaction was run again after a conflict Postgres reported, and what the surveys of
//! available work cost.

use std::{collections::BTreeMap, sync::Mutex};

/// Submits whose evidence time is kept for `grove bench tasks`, at most.
const KEPT_TIMINGS: usize = 1 << 20;

#[derive(Debug, Default)]
pub struct TaskCounters {
    served: Mutex<BTreeMap<(String, String), u64>>,
    none_available: Mutex<BTreeMap<String, u64>>,
    quality_micros: Mutex<Vec<u64>>,
    retried: Mutex<BTreeMap<&'static str, u64>>,
    surveys: Mutex<SurveyCounts>,
}

/// Surveys of available work this process took, and their time.
#[derive(Debug, Default, Clone, Copy, PartialEq)]
pub struct SurveyCounts {
    pub taken: u64,
    pub seconds: f64,
    /// Task requests that found nothing for their annotator in a survey older than
    /// themselves and looked again in a newer one (a second pass through the pool).
    pub looked_again: u64,
}

impl TaskCounters {
    pub(crate) fn served(&self, kind: &str, lang: &str) {
        if let Ok(mut served) = self.served.lock() {
            *served
                .entry((kind.to_owned(), lang.to_owned()))
                .or_default() += 1;
        }
    }

    pub(crate) fn none_available(&self, lang: &str) {
        if let Ok(mut none) = self.none_available.lock() {
            *none.entry(lang.to_owned()).or_default() += 1;
        }
    }

    /// Counts a transaction run again after a conflict (`reason`: deadlock or serialization
    /// failure).
    pub(crate) fn retried(&self, reason: &'static str) {
        if let Ok(mut retried) = self.retried.lock() {
            *retried.entry(reason).or_default() += 1;
        }
    }

    /// `(reason, count)` of transactions run again after a conflict, since start.
    pub fn retried_snapshot(&self) -> Vec<(&'static str, u64)> {
        self.retried
            .lock()
            .map(|retried| retried.iter().map(|(r, n)| (*r, *n)).collect())
            .unwrap_or_default()
    }

    pub(crate) fn survey_taken(&self, seconds: f64) {
        if let Ok(mut surveys) = self.surveys.lock() {
            surveys.taken += 1;
            surveys.seconds += seconds;
        }
    }

    pub(crate) fn looked_again(&self) {
        if let Ok(mut surveys) = self.surveys.lock() {
            surveys.looked_again += 1;
        }
    }

    /// The surveys taken since start, and their time.
    pub fn surveys_snapshot(&self) -> SurveyCounts {
        self.surveys.lock().map(|s| *s).unwrap_or_default()
    }

    /// Records the time a submit spent keeping reliability evidence and weights current.
    pub(crate) fn quality_update(&self, micros: u64) {
        if let Ok(mut kept) = self.quality_micros.lock() {
            if kept.len() < KEPT_TIMINGS {
                kept.push(micros);
            }
        }
    }

    /// Microseconds each submit (of the first million) spent on reliability evidence.
    pub fn quality_update_micros(&self) -> Vec<u64> {
        self.quality_micros
            .lock()
            .map(|kept| kept.clone())
            .unwrap_or_default()
    }

    /// `(kind, lang, count)` of every task handed out since start.
    pub fn served_snapshot(&self) -> Vec<(String, String, u64)> {
        self.served
            .lock()
            .map(|served| {
                served
                    .iter()
                    .map(|((k, l), n)| (k.clone(), l.clone(), *n))
                    .collect()
            })
            .unwrap_or_default()
    }

    /// `(lang, count)` of requests that found no task.
    pub fn none_available_snapshot(&self) -> Vec<(String, u64)> {
        self.none_available
            .lock()
            .map(|none| none.iter().map(|(l, n)| (l.clone(), *n)).collect())
            .unwrap_or_default()
    }
}
