//! Token buckets shared by every server (`rate_bucket`).

use crate::Error;
use sqlx::PgExecutor;

/// Takes a token from every bucket that has one, creating missing buckets full; returns how
/// many were taken. Each row is locked by its upsert, so concurrent requests on any server
/// never both take the last token.
pub(crate) async fn take(
    executor: impl PgExecutor<'_>,
    buckets: &[String],
    bursts: &[f64],
    per_seconds: &[f64],
) -> Result<usize, Error> {
    let taken = sqlx::query_scalar!(
        "insert into rate_bucket (bucket, tokens, burst, per_second, updated_at)
         select w.bucket, w.burst - 1, w.burst, w.per_second, now()
         from unnest($1::text[], $2::float8[], $3::float8[]) as w(bucket, burst, per_second)
         where w.burst >= 1
         on conflict (bucket) do update
            set tokens = least(excluded.burst, rate_bucket.tokens
                          + greatest(0, extract(epoch from now() - rate_bucket.updated_at)::float8)
                            * excluded.per_second) - 1,
                burst = excluded.burst, per_second = excluded.per_second, updated_at = now()
            where least(excluded.burst, rate_bucket.tokens
                        + greatest(0, extract(epoch from now() - rate_bucket.updated_at)::float8)
                          * excluded.per_second) >= 1
         returning bucket",
        buckets,
        bursts,
        per_seconds,
    )
    .fetch_all(executor)
    .await?;
    Ok(taken.len())
}

/// Seconds until every one of the buckets has a token again.
pub(crate) async fn wait_seconds(
    executor: impl PgExecutor<'_>,
    buckets: &[String],
    bursts: &[f64],
    per_seconds: &[f64],
) -> Result<f64, Error> {
    Ok(sqlx::query_scalar!(
        "select coalesce(max((1 - least(w.burst, b.tokens
                    + greatest(0, extract(epoch from now() - b.updated_at)::float8) * w.per_second))
                  / nullif(w.per_second, 0)), 0)::float8 as \"wait!\"
         from unnest($1::text[], $2::float8[], $3::float8[]) as w(bucket, burst, per_second)
         join rate_bucket b on b.bucket = w.bucket",
        buckets,
        bursts,
        per_seconds,
    )
    .fetch_one(executor)
    .await?)
}

/// Drops buckets that are full again (they behave exactly like missing ones).
pub(crate) async fn sweep(executor: impl PgExecutor<'_>) -> Result<u64, Error> {
    let result = sqlx::query!(
        "delete from rate_bucket
         where tokens + greatest(0, extract(epoch from now() - updated_at)::float8) * per_second >= burst"
    )
    .execute(executor)
    .await?;
    Ok(result.rows_affected())
}
