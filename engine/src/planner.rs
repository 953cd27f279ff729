//! Keeping the planner's statistics up with tables that grow fast.
//!
//! Grove's statements are prepared once per connection and planned generically
//! (`plan_cache_mode = force_generic_plan`, see [`crate::database`]), from the statistics of
//! the moment. A new deployment's tables start empty; at a launch they grow by thousands of
//! rows a minute while autovacuum analyses a database at most once a minute (and a table only
//! after 10 % of it changed), so plans made for a nearly empty table (a sequential scan of
//! `message` in every step of a conversation's path, say) stay in use on a table a hundred
//! times larger. Any server analyses the task loop's tables that changed by more than a fifth
//! since their last analysis; the analysis invalidates the cached plans, which are made again
//! for the table as it is. A table that grows slowly is left to autovacuum.

use crate::{db, Engine, Error};

/// A table is analysed once the rows changed since its last analysis exceed this share of the
/// rows the planner believes it has...
const STALE_SHARE: f64 = 0.2;
/// ...and this many rows.
const STALE_FLOOR: i64 = 500;

impl Engine {
    /// Analyses the task loop's tables whose statistics fell behind (one server at a time);
    /// returns how many it analysed.
    pub async fn refresh_planner_statistics(&self) -> Result<usize, Error> {
        self.transaction(|conn| {
            Box::pin(async move {
                if !db::planner::try_lock(&mut *conn).await? {
                    return Ok(0);
                }
                let stale = db::planner::stale(&mut *conn, STALE_SHARE, STALE_FLOOR).await?;
                for table in &stale {
                    db::planner::analyze(&mut *conn, *table).await?;
                }
                Ok(stale.len())
            })
        })
        .await
    }
}

#[cfg(test)]
mod tests {
    use crate::{Engine, Error};
    use sqlx::PgPool;

    /// A table that grew from empty is analysed once, and not again until it grows again.
    #[sqlx::test(migrator = "crate::MIGRATOR")]
    async fn grown_tables_are_analysed_once(pool: PgPool) -> Result<(), Error> {
        let engine = Engine::new(pool.clone());
        let analysed = || async {
            sqlx::query_scalar::<_, i64>(
                "select analyze_count from pg_stat_user_tables where relname = 'message_tree'",
            )
            .fetch_one(&pool)
            .await
        };
        let mut conn = pool.acquire().await?;
        // autovacuum stays out of this table, so every analysis counted is the refresh's
        sqlx::query("alter table message_tree set (autovacuum_enabled = false)")
            .execute(&mut *conn)
            .await?;
        let before = analysed().await?;
        engine.refresh_planner_statistics().await?;
        assert_eq!(analysed().await?, before, "an empty table is left alone");
        // 600 trees: more than the floor, and far more than the none it had
        sqlx::query(
            "insert into message_tree (message_tree_id, state, lang, goal_tree_size, max_depth,
                                       max_children_count, num_prompter_replies)
             select gen_random_uuid(), 'growing', 'en', 3, 2, 2, 1 from generate_series(1, 600)",
        )
        .execute(&mut *conn)
        .await?;
        // a backend reports its counts when idle; this makes it report at once
        sqlx::query("select pg_stat_force_next_flush()")
            .execute(&mut *conn)
            .await?;
        sqlx::query("select 1").execute(&mut *conn).await?;
        assert!(engine.refresh_planner_statistics().await? >= 1);
        assert_eq!(
            analysed().await?,
            before + 1,
            "the grown table was analysed"
        );
        engine.refresh_planner_statistics().await?;
        assert_eq!(analysed().await?, before + 1, "and not again");
        Ok(())
    }
}
