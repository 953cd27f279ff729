//! Grove's use-cases against Postgres. Each public use-case runs in one transaction; every SQL
//! statement lives in the private `db` module, so this is the only crate that talks to the
//! database.

pub mod accounts;
pub mod database;
mod db;
pub mod error;
mod password;

pub use error::{Error, ErrorKind};
use sqlx::{migrate::Migrator, PgPool};

/// The schema, from `migrations/`; applied at start-up and by `grove migrate`.
pub static MIGRATOR: Migrator = sqlx::migrate!("../migrations");

/// The handle every adapter (server functions, REST handlers, CLI, worker) calls use-cases on.
#[derive(Clone, Debug)]
pub struct Engine {
    pool: PgPool,
}

impl Engine {
    pub fn new(pool: PgPool) -> Self {
        Self { pool }
    }

    /// The connection pool, for the session store and migrations.
    pub fn pool(&self) -> &PgPool {
        &self.pool
    }

    /// Brings the schema up to date.
    pub async fn migrate(&self) -> Result<(), Error> {
        MIGRATOR.run(&self.pool).await?;
        Ok(())
    }

    /// Answers only when the database does.
    pub async fn ping(&self) -> Result<(), Error> {
        db::health::ping(&self.pool).await
    }
}
