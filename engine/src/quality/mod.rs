//! Trust in the data, against Postgres: the running evidence behind every annotator's
//! reliability weights (`evidence`, updated as reviews are decided, replies scored and gold items
//! answered), gold items (`gold`), and the agreement report of the moderation dashboard
//! (`report`). The formulas and rules are in `domain::quality`.

pub(crate) mod evidence;
pub mod gold;
pub mod report;

#[cfg(test)]
mod tests;
