//! The `web_session` table: browser sessions, with the login they carry in columns.

use crate::Error;
use sqlx::PgExecutor;
use time::OffsetDateTime;
use uuid::Uuid;

pub(crate) struct SessionRow {
    pub data: serde_json::Value,
    pub expires_at: OffsetDateTime,
}

/// The session with this id unless it expired.
pub(crate) async fn load(
    executor: impl PgExecutor<'_>,
    id: &str,
) -> Result<Option<SessionRow>, Error> {
    Ok(sqlx::query_as!(
        SessionRow,
        "select data, expires_at from web_session where session_id = $1 and expires_at > now()",
        id,
    )
    .fetch_optional(executor)
    .await?)
}

/// Who the session with this id is signed in as, and the session version it was issued for;
/// none for an unknown, expired or signed-out session.
pub(crate) async fn login(
    executor: impl PgExecutor<'_>,
    id: &str,
) -> Result<Option<(Uuid, i32)>, Error> {
    let row = sqlx::query!(
        "select user_id as \"user_id!\", session_version as \"session_version!\"
         from web_session
         where session_id = $1 and expires_at > now() and user_id is not null",
        id,
    )
    .fetch_optional(executor)
    .await?;
    Ok(row.map(|row| (row.user_id, row.session_version)))
}

/// What a session row holds.
pub(crate) struct NewSession<'a> {
    pub id: &'a str,
    pub login: Option<(Uuid, i32)>,
    pub data: &'a serde_json::Value,
    pub expires_at: OffsetDateTime,
}

/// Inserts a new session; false when the id is taken.
pub(crate) async fn insert(
    executor: impl PgExecutor<'_>,
    session: NewSession<'_>,
) -> Result<bool, Error> {
    let (user, version) = session.login.unzip();
    let inserted = sqlx::query!(
        "insert into web_session (session_id, user_id, session_version, data, expires_at)
         values ($1, $2, $3, $4, $5)
         on conflict (session_id) do nothing",
        session.id,
        user,
        version,
        session.data,
        session.expires_at,
    )
    .execute(executor)
    .await?
    .rows_affected();
    Ok(inserted == 1)
}

/// Writes a session, new or not.
pub(crate) async fn upsert(
    executor: impl PgExecutor<'_>,
    session: NewSession<'_>,
) -> Result<(), Error> {
    let (user, version) = session.login.unzip();
    sqlx::query!(
        "insert into web_session (session_id, user_id, session_version, data, expires_at)
         values ($1, $2, $3, $4, $5)
         on conflict (session_id) do update
         set user_id = excluded.user_id, session_version = excluded.session_version,
             data = excluded.data, expires_at = excluded.expires_at",
        session.id,
        user,
        version,
        session.data,
        session.expires_at,
    )
    .execute(executor)
    .await?;
    Ok(())
}

pub(crate) async fn delete(executor: impl PgExecutor<'_>, id: &str) -> Result<(), Error> {
    sqlx::query!("delete from web_session where session_id = $1", id)
        .execute(executor)
        .await?;
    Ok(())
}

/// Deletes the expired sessions; how many.
pub(crate) async fn delete_expired(executor: impl PgExecutor<'_>) -> Result<u64, Error> {
    Ok(
        sqlx::query!("delete from web_session where expires_at <= now()")
            .execute(executor)
            .await?
            .rows_affected(),
    )
}

/// Takes a transaction-wide lock on carrying over the previous store's sessions (servers that
/// start together do it once) and takes them out of that store's table (left in place, empty,
/// by the migration that brought `web_session`): the unexpired ones.
pub(crate) async fn take_legacy(conn: &mut sqlx::PgConnection) -> Result<Vec<Vec<u8>>, Error> {
    sqlx::query!("select pg_advisory_xact_lock(hashtext('grove.legacy_sessions'))")
        .execute(&mut *conn)
        .await?;
    Ok(sqlx::query_scalar!(
        "with taken as (delete from tower_sessions.session returning data, expiry_date)
         select data as \"data!\" from taken where expiry_date > now()"
    )
    .fetch_all(&mut *conn)
    .await?)
}
