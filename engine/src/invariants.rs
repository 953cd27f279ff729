//! A consistency check of the whole database, used by tests and by `grove check`.

use crate::{db, Engine, Error};

impl Engine {
    /// Every broken invariant, described; empty when all hold. The checks: reply slots never
    /// exceed the tree's limits; one reply per user per parent; roles alternate and depths
    /// follow parents; review, ranking, child and reaction counters match their rows; nobody
    /// reviewed or ranked their own message; growing trees won the lottery; every done task
    /// left its message, label or ranking; exported trees have their siblings ranked. Imported
    /// history is exempt from the limits of growth (reply slots, depth, one reply per user).
    pub async fn check_invariants(&self) -> Result<Vec<String>, Error> {
        db::invariants::violations(&self.pool).await
    }
}
