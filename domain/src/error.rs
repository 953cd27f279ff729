//! The error a parser returns when input breaks a rule: a stable code plus a human message.

use serde::{Deserialize, Serialize};

/// Input that breaks a rule. `code` is stable and meant for programs (the UI matches on it);
/// `message` is for people.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
#[error("{message}")]
pub struct Invalid {
    pub code: &'static str,
    pub message: String,
}

impl Invalid {
    /// A rule violation with its stable code.
    pub fn new(code: &'static str, message: impl Into<String>) -> Self {
        Self {
            code,
            message: message.into(),
        }
    }
}
