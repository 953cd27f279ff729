//! Filling a database with finished trees, for benchmarks and demos (`grove seed`).

use crate::{db, Engine, Error};
use domain::message::LanguageTag;
use tracing::instrument;

/// Messages in one seeded tree.
pub const MESSAGES_PER_TREE: i64 = 16;

impl Engine {
    /// Adds finished trees (16 messages each, ranks set) until the database holds at least
    /// `messages` messages; returns how many it holds. Trees go in batches of 1,000, one
    /// transaction each.
    #[instrument(skip(self))]
    pub async fn seed_messages(&self, messages: i64, lang: &str) -> Result<i64, Error> {
        let lang = LanguageTag::parse(lang)?;
        let run = uuid::Uuid::new_v4().simple().to_string();
        let run = run.get(..12).unwrap_or("seed").to_owned();
        let mut conn = self.pool.acquire().await?;
        let mut have = db::seed::message_count(&mut conn).await?;
        if have >= messages {
            return Ok(have);
        }
        const AUTHORS: i32 = 500;
        db::seed::authors(&mut conn, &run, AUTHORS).await?;
        let mut next_tree = 0i32;
        while have < messages {
            let missing_trees = (messages - have + MESSAGES_PER_TREE - 1) / MESSAGES_PER_TREE;
            let batch = i32::try_from(missing_trees.min(1000)).unwrap_or(1000);
            let mut tx = self.pool.begin().await?;
            db::seed::finished_trees(&mut tx, &run, next_tree, batch, AUTHORS, lang.as_str())
                .await?;
            tx.commit().await?;
            next_tree += batch;
            have += i64::from(batch) * MESSAGES_PER_TREE;
            tracing::info!(messages = have, "seeded");
        }
        db::seed::message_count(&mut conn).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use sqlx::PgPool;

    #[sqlx::test(migrator = "crate::MIGRATOR")]
    async fn seeded_trees_are_well_formed(pool: PgPool) -> Result<(), Error> {
        let engine = Engine::new(pool);
        let total = engine.seed_messages(100, "en").await?;
        assert_eq!(total, 7 * MESSAGES_PER_TREE);
        assert_eq!(engine.check_invariants().await?, Vec::<String>::new());
        assert_eq!(
            engine.tree_state_counts().await?.get("ready_for_export"),
            Some(&7)
        );
        Ok(())
    }
}
