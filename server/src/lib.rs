//! The `grove` binary's library: configuration, start-up, routes, the embedded database and the
//! admin commands. `main.rs` only parses the command line and calls in here; tests build the
//! same router.

// the app's view types are deep; checking them for Send needs more room than the default
#![recursion_limit = "512"]

pub mod bench;
pub mod cli;
pub mod config;
pub mod dataset;
pub mod dev_db;
pub mod limits;
pub mod mail;
pub mod metrics;
pub mod routes;
pub mod sso;
pub mod startup;
pub mod telemetry;
