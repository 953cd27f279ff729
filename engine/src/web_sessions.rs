//! Browser sessions, kept in Postgres so that any server answers any request. The web layer
//! stores whole sessions here; the login a session carries (the account, and the session
//! version it was issued for) is kept apart, so the task loop checks it on the connection of
//! its own transaction (see [`crate::Caller::Session`]).

use crate::{
    db::{self, web_sessions::NewSession},
    Engine, Error,
};
use domain::ids::UserId;
use time::OffsetDateTime;

/// The id a session cookie names (as the web layer writes it).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct SessionKey(String);

impl SessionKey {
    pub fn new(id: impl Into<String>) -> Self {
        Self(id.into())
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// Who a session is signed in as.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SessionLogin {
    pub user: UserId,
    /// The account's session version when the session signed in (a logout everywhere, a ban
    /// or a password change raises the account's, which ends the session).
    pub session_version: i32,
}

/// A session as stored.
#[derive(Debug, Clone, PartialEq)]
pub struct StoredSession {
    /// Everything the web layer keeps in the session, the login included.
    pub data: serde_json::Value,
    pub expires_at: OffsetDateTime,
}

/// A session to store.
#[derive(Debug, Clone, Copy)]
pub struct SessionWrite<'a> {
    pub key: &'a SessionKey,
    pub login: Option<SessionLogin>,
    pub data: &'a serde_json::Value,
    pub expires_at: OffsetDateTime,
}

impl SessionWrite<'_> {
    fn row(&self) -> NewSession<'_> {
        NewSession {
            id: self.key.as_str(),
            login: self
                .login
                .map(|login| (login.user.as_uuid(), login.session_version)),
            data: self.data,
            expires_at: self.expires_at,
        }
    }
}

impl Engine {
    /// The session with this key, unless it expired.
    pub async fn load_session(&self, key: &SessionKey) -> Result<Option<StoredSession>, Error> {
        Ok(db::web_sessions::load(&self.pool, key.as_str())
            .await?
            .map(|row| StoredSession {
                data: row.data,
                expires_at: row.expires_at,
            }))
    }

    /// Stores a new session; false (and nothing written) when its key is taken.
    pub async fn create_session(&self, session: SessionWrite<'_>) -> Result<bool, Error> {
        db::web_sessions::insert(&self.pool, session.row()).await
    }

    /// Stores a session, new or not.
    pub async fn save_session(&self, session: SessionWrite<'_>) -> Result<(), Error> {
        db::web_sessions::upsert(&self.pool, session.row()).await
    }

    pub async fn delete_session(&self, key: &SessionKey) -> Result<(), Error> {
        db::web_sessions::delete(&self.pool, key.as_str()).await
    }

    /// Deletes the expired sessions; how many.
    pub async fn delete_expired_sessions(&self) -> Result<u64, Error> {
        db::web_sessions::delete_expired(&self.pool).await
    }

    /// Carries the sessions of the store Grove used before its own over, out of its table
    /// (each decoded by `decode`, the web layer's knowledge of that format; one that does not
    /// decode is left out), in one transaction; servers that start together do it once. How
    /// many sessions came over, and how many were left out.
    pub async fn adopt_legacy_sessions<F>(&self, decode: F) -> Result<(u64, u64), Error>
    where
        F: Fn(&[u8]) -> Option<SessionRecord>,
    {
        let mut tx = self.pool.begin().await?;
        let rows = db::web_sessions::take_legacy(&mut tx).await?;
        let (mut adopted, mut left_out) = (0, 0);
        for row in rows {
            let Some(session) = decode(&row) else {
                left_out += 1;
                continue;
            };
            if db::web_sessions::insert(&mut *tx, session.write().row()).await? {
                adopted += 1;
            }
        }
        tx.commit().await?;
        Ok((adopted, left_out))
    }
}

/// A whole session, owned (as the web layer turns its record into one).
#[derive(Debug, Clone)]
pub struct SessionRecord {
    pub key: SessionKey,
    pub login: Option<SessionLogin>,
    pub data: serde_json::Value,
    pub expires_at: OffsetDateTime,
}

impl SessionRecord {
    /// The session to store.
    pub fn write(&self) -> SessionWrite<'_> {
        SessionWrite {
            key: &self.key,
            login: self.login,
            data: &self.data,
            expires_at: self.expires_at,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::contributor;
    use sqlx::PgPool;

    fn write<'a>(
        key: &'a SessionKey,
        login: Option<SessionLogin>,
        data: &'a serde_json::Value,
        minutes: i64,
    ) -> SessionWrite<'a> {
        SessionWrite {
            key,
            login,
            data,
            expires_at: OffsetDateTime::now_utc() + time::Duration::minutes(minutes),
        }
    }

    /// A session is created once per key, saved over, loaded until it expires, and gone once
    /// deleted or swept.
    #[sqlx::test(migrator = "crate::MIGRATOR")]
    async fn sessions_are_stored_until_they_expire(pool: PgPool) -> Result<(), Error> {
        let engine = Engine::new(pool);
        let ada = contributor(&engine, "ada").await?;
        let key = SessionKey::new("k1");
        let flow = serde_json::json!({"grove.sso": {"state": "abc"}});
        assert!(engine.create_session(write(&key, None, &flow, 10)).await?);
        let other = serde_json::json!({"x": 1});
        assert!(
            !engine.create_session(write(&key, None, &other, 10)).await?,
            "a taken key is refused, and nothing is written"
        );
        assert_eq!(engine.load_session(&key).await?.map(|s| s.data), Some(flow));
        let login = SessionLogin {
            user: ada,
            session_version: 3,
        };
        let signed = serde_json::json!({"grove.login": {"user_id": ada, "session_version": 3}});
        engine
            .save_session(write(&key, Some(login), &signed, 10))
            .await?;
        let loaded = engine.load_session(&key).await?.expect("stored");
        assert_eq!(loaded.data, signed);
        // expired: not loaded, and swept
        let old = SessionKey::new("k2");
        engine.save_session(write(&old, None, &other, -1)).await?;
        assert_eq!(engine.load_session(&old).await?, None);
        assert_eq!(engine.delete_expired_sessions().await?, 1);
        engine.delete_session(&key).await?;
        assert_eq!(engine.load_session(&key).await?, None);
        Ok(())
    }
}
