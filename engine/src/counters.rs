//! Counts the engine keeps for monitoring (served as Prometheus metrics by the server): which
//! tasks are handed out, per kind and language, and how often none was left.

use std::{collections::BTreeMap, sync::Mutex};

#[derive(Debug, Default)]
pub struct TaskCounters {
    served: Mutex<BTreeMap<(String, String), u64>>,
    none_available: Mutex<BTreeMap<String, u64>>,
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
