//! Labels reviewers put on messages.

pub mod catalogue;

pub use catalogue::{LabelMode, LabelSpec, LabelTarget, Widget};
