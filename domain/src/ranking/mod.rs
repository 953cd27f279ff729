//! Rankings of sibling replies, the consensus merged from them, and how unsure a reward model
//! is about them.

pub mod active;
pub mod answer;
pub mod consensus;

pub use answer::{answer_groups, stored_ballot, RankingRejected};
pub use consensus::{ranked_pairs, ranked_pairs_weighted};
