//! Message trees: their thresholds and their lifecycle.

pub mod audience;
pub mod config;
pub mod state;
pub mod view;

pub use config::TreeConfig;
pub use state::{TreeEvent, TreeState};
