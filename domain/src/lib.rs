//! Grove's rules without I/O: identifiers, accounts, and (in later modules) the tree lifecycle,
//! task choice, ranking consensus and scoring. Nothing here touches a database or the network,
//! so the same code runs on the server and in the browser.

pub mod account;
pub mod error;
pub mod ids;

pub use error::Invalid;
