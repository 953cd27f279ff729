//! Server functions: thin adapters that find the user, call one engine use-case and map its
//! error. Their bodies compile only on the server.

pub mod accounts;
pub mod dashboard;
pub mod identity;
pub mod mail_links;
pub mod messages;
pub mod models;
pub mod moderation;
pub mod quality;
pub mod stats;
pub mod tasks;
