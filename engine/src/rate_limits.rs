//! Rate limits every server shares: token buckets in Postgres, so a client that spreads its
//! attempts over several servers behind a proxy is counted once. The rules (which requests,
//! how many) belong to the HTTP layer; this takes tokens.

use crate::{db, Engine, Error};
use std::time::Duration;

/// One bucket a request draws from: a key naming action, scope and client, `burst` tokens at
/// most, refilled at `per_second`.
#[derive(Debug, Clone, PartialEq)]
pub struct Draw {
    pub bucket: String,
    pub burst: f64,
    pub per_second: f64,
}

impl Engine {
    /// Takes one token from each bucket, or none at all: `Err(wait)` when any bucket is empty,
    /// with the time until all of them have a token again.
    pub async fn take_rate_tokens(&self, draws: &[Draw]) -> Result<Result<(), Duration>, Error> {
        if draws.is_empty() {
            return Ok(Ok(()));
        }
        // a fixed order, so two requests on overlapping buckets lock them in the same order
        let mut draws = draws.to_vec();
        draws.sort_by(|a, b| a.bucket.cmp(&b.bucket));
        draws.dedup_by(|a, b| a.bucket == b.bucket);
        let buckets: Vec<String> = draws.iter().map(|d| d.bucket.clone()).collect();
        let bursts: Vec<f64> = draws.iter().map(|d| d.burst).collect();
        let rates: Vec<f64> = draws.iter().map(|d| d.per_second).collect();
        let mut tx = self.pool.begin().await?;
        let taken = db::rate_limits::take(&mut *tx, &buckets, &bursts, &rates).await?;
        if taken == draws.len() {
            tx.commit().await?;
            return Ok(Ok(()));
        }
        // no token is charged anywhere when one bucket is empty
        tx.rollback().await?;
        let wait = db::rate_limits::wait_seconds(&self.pool, &buckets, &bursts, &rates).await?;
        Ok(Err(Duration::from_secs_f64(wait.clamp(0.001, 86_400.0))))
    }

    /// Forgets buckets that have refilled (run now and then by every server).
    pub async fn sweep_rate_buckets(&self) -> Result<u64, Error> {
        db::rate_limits::sweep(&self.pool).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use sqlx::PgPool;

    fn draw(bucket: &str, burst: f64, per_second: f64) -> Draw {
        Draw {
            bucket: bucket.to_owned(),
            burst,
            per_second,
        }
    }

    #[sqlx::test(migrations = "../migrations")]
    async fn buckets_are_shared_and_all_or_nothing(pool: PgPool) {
        // two engines on one database stand for two servers
        let one = Engine::new(pool.clone());
        let two = Engine::new(pool);
        let user = draw("login|user|ada", 3.0, 0.001);
        let address = |n: &str| draw(&format!("login|address|{n}"), 100.0, 1.0);
        assert_eq!(
            one.take_rate_tokens(&[user.clone(), address("a")])
                .await
                .unwrap(),
            Ok(())
        );
        assert_eq!(
            two.take_rate_tokens(&[user.clone(), address("b")])
                .await
                .unwrap(),
            Ok(())
        );
        assert_eq!(
            one.take_rate_tokens(&[user.clone(), address("a")])
                .await
                .unwrap(),
            Ok(())
        );
        // the fourth attempt at the name is refused on either server, with a long wait
        let wait = two
            .take_rate_tokens(&[user.clone(), address("b")])
            .await
            .unwrap()
            .unwrap_err();
        assert!(wait > Duration::from_secs(900), "{wait:?}");
        // and the refused attempt charged no other bucket: "b" still has 99 of 100
        let full = |n: &str| draw(&format!("login|address|{n}"), 99.0, 0.0);
        assert_eq!(two.take_rate_tokens(&[full("b")]).await.unwrap(), Ok(()));
        let left: f64 =
            sqlx::query_scalar("select tokens from rate_bucket where bucket = 'login|address|b'")
                .fetch_one(&two.pool)
                .await
                .unwrap();
        assert!((left - 98.0).abs() < 0.01, "{left}");
    }

    #[sqlx::test(migrations = "../migrations")]
    async fn concurrent_takes_never_overdraw(pool: PgPool) {
        let engine = Engine::new(pool);
        let mut handles = Vec::new();
        for _ in 0..40 {
            let engine = engine.clone();
            handles.push(tokio::spawn(async move {
                engine
                    .take_rate_tokens(&[draw("submit|client|s", 10.0, 0.0001)])
                    .await
                    .unwrap()
                    .is_ok()
            }));
        }
        let mut granted = 0;
        for handle in handles {
            granted += usize::from(handle.await.unwrap());
        }
        assert_eq!(granted, 10);
    }

    #[sqlx::test(migrations = "../migrations")]
    async fn full_buckets_are_swept(pool: PgPool) {
        let engine = Engine::new(pool);
        engine
            .take_rate_tokens(&[draw("fast", 2.0, 1000.0), draw("slow", 2.0, 0.0001)])
            .await
            .unwrap()
            .unwrap();
        tokio::time::sleep(Duration::from_millis(20)).await;
        assert_eq!(engine.sweep_rate_buckets().await.unwrap(), 1);
    }
}
