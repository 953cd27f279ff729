//! Every SQL statement Grove runs, one file per concept. Functions take an executor so the
//! calling use-case owns the transaction.

pub(crate) mod health;
pub(crate) mod provision;
pub(crate) mod users;
