//! Grove's rules without I/O: identifiers, accounts, messages and languages, the tree
//! lifecycle, review acceptance, ranking consensus, labels and task choice. Nothing here touches
//! a database or the network, so the same code runs on the server and in the browser; time and
//! randomness come in as arguments.

pub mod account;
pub mod error;
pub mod identity;
pub mod ids;
pub mod label;
pub mod message;
pub mod moderation;
pub mod quality;
pub mod ranking;
pub mod review;
pub mod reward_loop;
pub mod scoring;
pub mod task;
pub mod training;
pub mod tree;

pub use error::Invalid;
