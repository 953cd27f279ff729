//! Connecting to Postgres and creating Grove's database on a server that lacks it.

use crate::{Engine, Error};
use sqlx::{postgres::PgPoolOptions, Connection, PgConnection};
use std::time::Duration;

impl Engine {
    /// Connects a pool of at most `max_connections` to `url`.
    pub async fn connect(url: &str, max_connections: u32) -> Result<Self, Error> {
        let pool = PgPoolOptions::new()
            .max_connections(max_connections)
            .acquire_timeout(Duration::from_secs(10))
            .connect(url)
            .await?;
        Ok(Self::new(pool))
    }
}

/// Creates database `name` through the server's maintenance database unless it exists.
pub async fn create_database_if_missing(admin_url: &str, name: &str) -> Result<(), Error> {
    // Identifiers cannot be bound as parameters, so the name is checked instead.
    if name.is_empty() || !name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
        return Err(Error::Internal(format!("unusable database name {name:?}")));
    }
    let mut connection = PgConnection::connect(admin_url).await?;
    let exists = crate::db::provision::database_exists(&mut connection, name).await?;
    if !exists {
        crate::db::provision::create_database(&mut connection, name).await?;
    }
    connection.close().await?;
    Ok(())
}
