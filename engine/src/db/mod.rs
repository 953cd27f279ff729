//! Every SQL statement Grove runs, one file per concept. Functions take an executor so the
//! calling use-case owns the transaction.

pub(crate) mod api_keys;
pub(crate) mod audit;
pub(crate) mod candidates;
pub(crate) mod export;
pub(crate) mod gold;
pub(crate) mod health;
pub(crate) mod identities;
pub(crate) mod import;
pub(crate) mod invariants;
pub(crate) mod labels;
pub(crate) mod language_pause;
pub(crate) mod messages;
pub(crate) mod model_data;
pub(crate) mod model_jobs;
pub(crate) mod moderation;
pub(crate) mod names;
pub(crate) mod planner;
pub(crate) mod provision;
pub(crate) mod quality;
pub(crate) mod rankings;
pub(crate) mod rate_limits;
pub(crate) mod reactions;
pub(crate) mod reports;
pub(crate) mod reward_loop;
pub(crate) mod scores;
pub(crate) mod secrets;
pub(crate) mod seed;
pub(crate) mod stats;
pub(crate) mod submissions;
pub(crate) mod tasks;
pub(crate) mod tokens;
pub(crate) mod trees;
pub(crate) mod users;
pub(crate) mod web_sessions;
