//! One module per page.

pub mod account;
pub mod contributions;
pub mod dashboard;
pub mod guidelines;
pub mod home;
pub mod leaderboard;
pub mod login;
pub mod message;
pub mod moderate;
pub mod not_found;
pub mod providers;
pub mod recovery;
pub mod register;
pub mod stats;
pub mod tasks;
pub mod terms;
