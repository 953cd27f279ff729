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
            match result {
                Err(error) if error.retry_reason().is_some() && attempt < MAX_ATTEMPTS => {
                    let reason = error.retry_reason().unwrap_or("conflict");
                    self.counters.retried(reason);
                    tracing::debug!(attempt, reason, "retrying transaction");
                    tokio::time::sleep(Duration::from_millis(5 * u64::from(attempt * attempt)))
                        .await;
                }
                other => return other,
            }
        }
    }
}
