//! Trust in the data: how much annotators agree, how they do on gold items, and the
//! reliability weights that decide acceptance and the consensus ranking.
//!
//! - [`agreement`]: Kendall's tau-b between two rankings, its mean over every pair of rankers,
//!   Kendall's W for all rankers of one set of replies, and Krippendorff's alpha for labels.
//! - [`reliability`]: the running evidence about one annotator (votes against the others'
//!   decision, ranked pairs against the others' consensus, gold checks) and the weights and
//!   flag derived from it.
//! - [`gold`]: checking an answer against a gold item, and how often gold items are mixed in.
//! - [`leave_one_out`]: each review and ranking against the decision of the others.
//! - [`view`]: what the dashboard shows.

pub mod agreement;
pub mod gold;
pub mod leave_one_out;
pub mod reliability;
pub mod view;
