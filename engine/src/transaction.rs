//! Running a use-case in one transaction, retried when Postgres reports a serialisation failure
//! or a deadlock, so such conflicts never reach users.

use crate::{Engine, Error};
use sqlx::PgConnection;
use std::{future::Future, pin::Pin, time::Duration};

/// The future a transaction body returns; it borrows the connection.
pub(crate) type TxFuture<'c, T> = Pin<Box<dyn Future<Output = Result<T, Error>> + Send + 'c>>;

const MAX_ATTEMPTS: u32 = 5;

impl Engine {
    /// Runs `work` in a transaction and commits it; on a retryable conflict, rolls back and runs
    /// it again (at most five times, with a short growing pause).
    pub(crate) async fn transaction<T, F>(&self, mut work: F) -> Result<T, Error>
    where
        F: for<'c> FnMut(&'c mut PgConnection) -> TxFuture<'c, T>,
        T: Send,
    {
        let mut attempt = 0;
        loop {
            attempt += 1;
            let mut tx = self.pool.begin().await?;
            let result = match work(&mut tx).await {
                Ok(value) => tx.commit().await.map(|()| value).map_err(Error::from),
                Err(error) => {
                    // dropping the transaction rolls it back; an explicit rollback frees the
                    // connection sooner
                    let _ = tx.rollback().await;
                    Err(error)
                }
            };
            let retry = match &result {
                Err(error) if attempt < MAX_ATTEMPTS => error.retry_reason(),
                _ => None,
            };
            let Some(reason) = retry else {
                return result;
            };
            self.counters.retried(reason);
            tracing::debug!(attempt, reason, "retrying transaction");
            tokio::time::sleep(Duration::from_millis(5 * u64::from(attempt * attempt))).await;
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::{testing::contributor, Engine, Error};
    use sqlx::PgPool;
    use std::sync::{
        atomic::{AtomicU32, Ordering},
        Arc,
    };
    use tokio::sync::Barrier;
    use uuid::Uuid;

    /// Locks `first`, then (after both transactions hold their first row, on a first attempt)
    /// `second`.
    async fn cross(
        engine: &Engine,
        barrier: Arc<Barrier>,
        attempts: Arc<AtomicU32>,
        first: Uuid,
        second: Uuid,
    ) -> Result<(), Error> {
        engine
            .transaction(move |conn| {
                let (barrier, attempts) = (barrier.clone(), attempts.clone());
                Box::pin(async move {
                    for (n, id) in [first, second].into_iter().enumerate() {
                        if n == 1 && attempts.fetch_add(1, Ordering::SeqCst) < 2 {
                            barrier.wait().await;
                        }
                        sqlx::query!(
                            "select user_id from app_user where user_id = $1 for update",
                            id
                        )
                        .fetch_one(&mut *conn)
                        .await?;
                    }
                    Ok(())
                })
            })
            .await
    }

    /// Two transactions that lock two rows in opposite orders deadlock: Postgres aborts one,
    /// which runs again and succeeds, and the retry is counted by its reason.
    #[sqlx::test(migrator = "crate::MIGRATOR")]
    async fn a_deadlocked_transaction_runs_again_and_is_counted(pool: PgPool) -> Result<(), Error> {
        let engine = Engine::new(pool);
        let a = contributor(&engine, "first").await?.as_uuid();
        let b = contributor(&engine, "second").await?.as_uuid();
        let barrier = Arc::new(Barrier::new(2));
        let attempts = Arc::new(AtomicU32::new(0));
        let (one, two) = tokio::join!(
            cross(&engine, barrier.clone(), attempts.clone(), a, b),
            cross(&engine, barrier, attempts.clone(), b, a),
        );
        one?;
        two?;
        assert_eq!(
            attempts.load(Ordering::SeqCst),
            3,
            "one of the two ran again"
        );
        assert_eq!(engine.counters().retried_snapshot(), vec![("deadlock", 1)]);
        Ok(())
    }
}
