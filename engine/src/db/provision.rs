//! Database creation, the one place where SQL is built at run time (an identifier cannot be a
//! bind parameter); the caller has checked the name.

use crate::Error;
use sqlx::PgConnection;

pub(crate) async fn database_exists(
    connection: &mut PgConnection,
    name: &str,
) -> Result<bool, Error> {
    Ok(sqlx::query_scalar!(
        "select exists (select 1 from pg_database where datname = $1) as \"exists!\"",
        name,
    )
    .fetch_one(connection)
    .await?)
}

pub(crate) async fn create_database(
    connection: &mut PgConnection,
    name: &str,
) -> Result<(), Error> {
    let statement = format!("create database \"{name}\"");
    sqlx::raw_sql(&statement).execute(connection).await?;
    Ok(())
}
