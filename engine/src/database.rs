//! Connecting to Postgres and creating Grove's database on a server that lacks it.

use crate::{Engine, Error};
use sqlx::{
    postgres::{PgConnectOptions, PgPoolOptions},
    Connection, PgConnection,
};
use std::time::Duration;

impl Engine {
    /// Connects a pool of at most `max_connections` to `url`.
    pub async fn connect(url: &str, max_connections: u32) -> Result<Self, Error> {
        // Grove's statements are prepared once per connection; Postgres would plan many of them
        // again on every execution (custom plans for their parameters), which cost more CPU
        // than running them (BENCHMARKS.md, "Annotators over HTTP")
        // and with sqlx's default of 100 prepared statements per connection, the ~180 that a
        // busy server uses pushed each other out and were prepared again and again
        let options = url
            .parse::<PgConnectOptions>()?
            .options([("plan_cache_mode", "force_generic_plan")])
            .statement_cache_capacity(1024);
        let pool = PgPoolOptions::new()
            .max_connections(max_connections)
            .acquire_timeout(Duration::from_secs(10))
            .connect_with(options)
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

/// Where the embedded cluster under `root` (`<data folder>/postgres`) puts its Unix socket: in
/// the folder itself, or in a temporary folder named after it when the path is too long for a
/// socket address. Shared by the server, which runs the cluster, and the worker, which joins it.
pub fn embedded_socket_dir(root: &std::path::Path) -> std::path::PathBuf {
    const SOCKET_NAME_LEN: usize = ".s.PGSQL.5432".len() + 1;
    if root.as_os_str().len() + SOCKET_NAME_LEN < 100 {
        return root.to_owned();
    }
    use std::hash::{DefaultHasher, Hash, Hasher};
    let mut hasher = DefaultHasher::new();
    root.hash(&mut hasher);
    std::env::temp_dir().join(format!("grove-pg-{:016x}", hasher.finish()))
}

/// The URL of Grove's database in the embedded cluster of the data folder `data_dir`.
pub fn embedded_url(data_dir: &std::path::Path) -> std::io::Result<String> {
    let root = std::fs::canonicalize(data_dir)?.join("postgres");
    Ok(format!(
        "postgres://postgres@localhost/grove?host={}",
        embedded_socket_dir(&root).display()
    ))
}
