//! The liveness probe.

use crate::Error;
use sqlx::PgExecutor;

pub(crate) async fn ping(executor: impl PgExecutor<'_>) -> Result<(), Error> {
    sqlx::query_scalar!("select 1 as \"one!\"")
        .fetch_one(executor)
        .await?;
    Ok(())
}
