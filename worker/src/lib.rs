//! grove-worker: trains reward models from the rankings Grove gathers and scores messages with
//! them. burn (CPU always, CUDA behind the `cuda` feature); the queue and data through the
//! engine, never through the web server.

pub mod archive;
pub mod bench;
pub mod compute;
pub mod convert;
pub mod dataset;
pub mod encoder;
pub mod jobs;
pub mod kernels;
pub mod loss;
pub mod memory;
pub mod metrics;
pub mod model;
pub mod offline;
pub mod score;
pub mod tokens;
pub mod train;
pub mod weights;

#[cfg(test)]
mod gradient_check;
#[cfg(test)]
mod training_check;
