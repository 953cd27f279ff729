//! Grove's use-cases against Postgres. Each public use-case runs in one transaction; every SQL
//! statement lives in the private `db` module, so this is the only crate that talks to the
//! database.

pub mod accounts;
pub mod api_keys;
mod contributors;
pub mod counters;
pub mod database;
mod db;
pub mod error;
pub mod export;
pub mod identities;
pub mod import;
mod invariants;
pub mod language;
pub mod mail_links;
pub mod messages;
pub mod model_data;
pub mod model_jobs;
pub mod moderation;
mod password;
mod planner;
pub mod quality;
pub mod rate_limits;
pub mod reactions;
pub mod reward_loop;
pub mod seed;
pub mod simulate;
pub mod stats;
pub mod tasks;
#[cfg(test)]
mod testing;
mod transaction;
pub mod trees;
pub mod web_sessions;

pub use contributors::Caller;
pub use domain::tree::TreeConfig;
pub use error::{Error, ErrorKind};
use sqlx::{migrate::Migrator, PgPool};
use std::sync::Arc;

/// The schema, from `migrations/`; applied at start-up and by `grove migrate`.
pub static MIGRATOR: Migrator = sqlx::migrate!("../migrations");

/// The handle every adapter (server functions, REST handlers, CLI, worker) calls use-cases on.
#[derive(Clone, Debug)]
pub struct Engine {
    pool: PgPool,
    config: Arc<TreeConfig>,
    counters: Arc<counters::TaskCounters>,
    /// This process's shared surveys of available work, per language.
    surveys: Arc<tasks::Surveys>,
    /// The key of the export pseudonyms, when configured (`GROVE_EXPORT_SECRET`); without
    /// one the instance makes its own (`export`).
    export_secret: Option<Redacted>,
    /// Where export files go, and this process's export job runners.
    exports: export::ExportRunner,
}

/// A secret that debug output does not show.
#[derive(Clone)]
struct Redacted(Arc<str>);

impl std::fmt::Debug for Redacted {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("<redacted>")
    }
}

impl std::ops::Deref for Redacted {
    type Target = str;

    fn deref(&self) -> &str {
        &self.0
    }
}

impl Engine {
    /// An engine with OpenAssistant's production thresholds.
    pub fn new(pool: PgPool) -> Self {
        Self::with_config(pool, TreeConfig::default())
    }

    pub fn with_config(pool: PgPool, config: TreeConfig) -> Self {
        Self {
            pool,
            config: Arc::new(config),
            counters: Arc::default(),
            surveys: Arc::default(),
            export_secret: None,
            exports: export::ExportRunner::default(),
        }
    }

    /// The same engine keeping export files in `store`.
    pub fn with_export_store(self, store: export::ExportStore) -> Self {
        Self {
            exports: export::ExportRunner {
                store,
                ..self.exports
            },
            ..self
        }
    }

    /// The same engine with other thresholds.
    pub fn with_tree_config(self, config: TreeConfig) -> Self {
        Self {
            config: Arc::new(config),
            ..self
        }
    }

    /// The same engine with a configured key for the export pseudonyms.
    pub fn with_export_secret(self, secret: Option<String>) -> Self {
        Self {
            export_secret: secret
                .filter(|s| !s.is_empty())
                .map(|s| Redacted(Arc::from(s))),
            ..self
        }
    }

    /// What this engine counted since it was made (for monitoring).
    pub fn counters(&self) -> &counters::TaskCounters {
        &self.counters
    }

    /// The thresholds this engine works with.
    pub fn config(&self) -> &TreeConfig {
        &self.config
    }

    /// The connection pool, for the session store and migrations.
    pub fn pool(&self) -> &PgPool {
        &self.pool
    }

    /// Brings the schema up to date.
    pub async fn migrate(&self) -> Result<(), Error> {
        MIGRATOR.run(&self.pool).await?;
        self.claim_missing_name_forms().await?;
        Ok(())
    }

    /// Answers only when the database does.
    pub async fn ping(&self) -> Result<(), Error> {
        db::health::ping(&self.pool).await
    }
}
