//! The instance's own secrets, made once and kept.

use crate::Error;
use sqlx::PgExecutor;

/// The secret called `name`, made from `candidate` if there is none yet (the first writer
/// wins; every process then reads the same value).
pub(crate) async fn get_or_create(
    executor: impl PgExecutor<'_> + Copy,
    name: &str,
    candidate: &[u8],
) -> Result<Vec<u8>, Error> {
    sqlx::query!(
        "insert into instance_secret (name, value) values ($1, $2) on conflict (name) do nothing",
        name,
        candidate
    )
    .execute(executor)
    .await?;
    Ok(
        sqlx::query_scalar!("select value from instance_secret where name = $1", name)
            .fetch_one(executor)
            .await?,
    )
}
