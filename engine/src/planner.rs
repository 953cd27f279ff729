//! Keeping the planner's statistics up with tables that grow fast.
//!
//! Grove's statements are prepared once per connection and planned generically
//! (`plan_cache_mode = force_generic_plan`, see [`crate::database`]), from the statistics of
//! the moment. A new deployment's tables start empty; at a launch they grow by thousands of
//! rows a minute while autovacuum analyses a database at most once a minute (and a table only
//! after 10 % of it changed), so plans made for a nearly empty table (a sequential scan of
//! `message` in every step of a conversation's path, say) stay in use on a table a hundred
//! times larger. Any server analyses the task loop's tables that have grown to more than twice
//! the rows the planner believes they have; the analysis invalidates the cached plans, which
//! are made again for the table as it is. A table that grows slowly is left to autovacuum.
//!
//! Growth, not change, and a factor, not a share: every analysis makes every connection plan
//! its statements on that table again at once, which stalled nearly every request for a few
//! hundred milliseconds (BENCHMARKS.md, "A stall every five seconds"). The earlier rule (a fifth
//! of the rows changed) analysed the task table on every tick of a busy launch (a task is an
//! insert and an update); doubling analyses a table growing from 500 to a million rows 11
//! times, and plans do not turn bad within a factor of two.

use crate::{db, Engine, Error};

/// A table is analysed once it holds more than this many times the rows the planner believes
/// it has...
const GROWTH: f64 = 2.0;
/// ...and at least this many rows.
const FLOOR: i64 = 500;

impl Engine {
    /// Analyses the task loop's tables that outgrew their statistics (one server at a time);
    /// returns how many it analysed.
    pub async fn refresh_planner_statistics(&self) -> Result<usize, Error> {
        self.transaction(|conn| {
            Box::pin(async move {
                if !db::planner::try_lock(&mut *conn).await? {
                    return Ok(0);
                }
                let grown = db::planner::grown(&mut *conn, GROWTH, FLOOR).await?;
                for table in &grown {
                    db::planner::analyze(&mut *conn, *table).await?;
                }
                Ok(grown.len())
            })
        })
        .await
    }
}

#[cfg(test)]
mod tests {
    use crate::{Engine, Error};
    use sqlx::PgPool;

    /// A table that grew from empty is analysed once, then again only when it has doubled:
    /// changes without growth, and growth short of double, leave it alone.
    #[sqlx::test(migrator = "crate::MIGRATOR")]
    async fn grown_tables_are_analysed_when_they_double(pool: PgPool) -> Result<(), Error> {
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
        // a statement, then its counts reported at once (a backend reports them when idle)
        let run = |sql: &'static str, n: i32| {
            let pool = pool.clone();
            async move {
                let mut conn = pool.acquire().await?;
                sqlx::query(sql).bind(n).execute(&mut *conn).await?;
                sqlx::query("select pg_stat_force_next_flush()")
                    .execute(&mut *conn)
                    .await?;
                sqlx::query("select 1").execute(&mut *conn).await?;
                Ok::<_, Error>(())
            }
        };
        let trees = |n: i32| {
            run(
                "insert into message_tree (message_tree_id, state, lang, goal_tree_size,
                                           max_depth, max_children_count, num_prompter_replies)
                 select gen_random_uuid(), 'growing', 'en', 3, 2, 2, 1
                 from generate_series(1, $1)",
                n,
            )
        };
        let before = analysed().await?;
        engine.refresh_planner_statistics().await?;
        assert_eq!(analysed().await?, before, "an empty table is left alone");
        // 600 trees: more than the floor, and far more than the none it had
        trees(600).await?;
        assert!(engine.refresh_planner_statistics().await? >= 1);
        assert_eq!(
            analysed().await?,
            before + 1,
            "the grown table was analysed"
        );
        engine.refresh_planner_statistics().await?;
        assert_eq!(analysed().await?, before + 1, "and not again");
        // every row changed, none added: the plans' sizes still hold
        run("update message_tree set goal_tree_size = $1", 4).await?;
        // and 500 more rows: 1,100, short of twice 600
        trees(500).await?;
        engine.refresh_planner_statistics().await?;
        assert_eq!(
            analysed().await?,
            before + 1,
            "changed and grown, not doubled"
        );
        // 1,300: more than twice what it had at its analysis
        trees(200).await?;
        assert!(engine.refresh_planner_statistics().await? >= 1);
        assert_eq!(analysed().await?, before + 2, "doubled, analysed again");
        Ok(())
    }
}
