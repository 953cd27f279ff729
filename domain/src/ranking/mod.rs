//! Rankings of sibling replies and the consensus merged from them.

pub mod consensus;

pub use consensus::{ranked_pairs, ranked_pairs_weighted};
