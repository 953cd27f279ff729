//! Tasks: what an annotator is asked to do, and how the next one is chosen.

pub mod chooser;
pub mod kind;
pub mod view;

pub use kind::{SkipReason, TaskCategory, TaskKind};
