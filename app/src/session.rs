//! The typed web session (server only): which account is logged in, and the checks every
//! server function starts with.

use crate::error::AppError;
use domain::{account::Role, ids::UserId};
use engine::{
    accounts::User,
    web_sessions::{SessionKey, SessionLogin, SessionRecord},
    Engine,
};
use leptos::prelude::*;
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use tower_sessions::{
    session::{Id, Record},
    session_store, Session,
};

const LOGIN_KEY: &str = "grove.login";

/// What the session remembers about the login.
#[derive(Debug, Clone, Copy, Serialize, Deserialize)]
struct Login {
    user_id: UserId,
    session_version: i32,
    /// The day (Julian day number, UTC) the session's lifetime (and its cookie's) was last
    /// renewed; none in sessions from before renewals. A number, not a `Date`, so that how
    /// `time` writes dates (a feature of that crate) cannot make stored sessions unreadable.
    #[serde(default)]
    renewed_on: Option<i32>,
}

fn today() -> i32 {
    OffsetDateTime::now_utc().date().to_julian_day()
}

/// The session of the current request, wrapped so the rest of the code never handles raw keys.
pub struct UserSession(Session);

impl UserSession {
    pub fn new(session: Session) -> Self {
        Self(session)
    }

    /// The session of the request the current server function answers.
    pub async fn from_request() -> Result<Self, AppError> {
        leptos_axum::extract::<Session>()
            .await
            .map(Self)
            .map_err(|_| AppError::internal())
    }

    /// Logs the user in, under a new session id so a planted id is worthless.
    pub async fn log_in(&self, user: &User) -> Result<(), AppError> {
        self.0.cycle_id().await.map_err(session_failed)?;
        self.remember(user.id, user.session_version).await
    }

    /// Keeps the session valid after the user changed their own password.
    pub async fn remember(&self, user_id: UserId, session_version: i32) -> Result<(), AppError> {
        let login = Login {
            user_id,
            session_version,
            renewed_on: Some(today()),
        };
        self.0
            .insert(LOGIN_KEY, login)
            .await
            .map_err(session_failed)
    }

    /// A value kept in the session under `key` (a sign-in flow in progress, say).
    pub async fn get_value<T: serde::de::DeserializeOwned>(
        &self,
        key: &str,
    ) -> Result<Option<T>, AppError> {
        self.0.get(key).await.map_err(session_failed)
    }

    pub async fn insert_value<T: Serialize>(&self, key: &str, value: T) -> Result<(), AppError> {
        self.0.insert(key, value).await.map_err(session_failed)
    }

    /// Takes the value out: it can be used once.
    pub async fn remove_value<T: serde::de::DeserializeOwned>(
        &self,
        key: &str,
    ) -> Result<Option<T>, AppError> {
        self.0.remove(key).await.map_err(session_failed)
    }

    pub async fn log_out(&self) -> Result<(), AppError> {
        self.0.flush().await.map_err(session_failed)
    }

    /// The task loop's caller: the session named by the request's cookie, neither loaded nor
    /// checked here (the task loop reads it in its own transaction), or none without a cookie.
    pub fn caller(&self) -> Option<engine::Caller> {
        self.0
            .id()
            .map(|id| engine::Caller::Session(SessionKey::new(id.to_string())))
    }

    /// The logged-in account, if the session names one that is still allowed in. A ban, a
    /// deletion or a password change elsewhere ends the session here.
    pub async fn user(&self, engine: &Engine) -> Result<Option<User>, AppError> {
        let Some(login) = self
            .0
            .get::<Login>(LOGIN_KEY)
            .await
            .map_err(session_failed)?
        else {
            return Ok(None);
        };
        let user = match engine.user(login.user_id).await {
            Ok(user) => user,
            Err(engine::Error::NotFound(_)) => return Ok(None),
            Err(e) => return Err(e.into()),
        };
        if !user.is_active() || user.session_version != login.session_version {
            self.0.flush().await.map_err(session_failed)?;
            return Ok(None);
        }
        // a session lasts while it is used: its lifetime (and its cookie's) starts again
        // with the first visit of each day, one write a day rather than one per request
        if login.renewed_on != Some(today()) {
            self.remember(login.user_id, login.session_version).await?;
        }
        Ok(Some(user))
    }
}

/// The session store is Postgres: when it fails, the database is (briefly) away, which the
/// user is told like any other outage rather than as a bug.
fn session_failed(error: tower_sessions::session::Error) -> AppError {
    tracing::error!(error.cause_chain = ?error, "session store failed");
    match error {
        tower_sessions::session::Error::Store(_) => AppError::new(
            503,
            "database_unavailable",
            "The database is briefly unavailable. Please try again in a moment.",
        ),
        _ => AppError::internal(),
    }
}

/// The engine, as provided to every server function by the server.
pub fn engine() -> Result<Engine, AppError> {
    use_context::<Engine>().ok_or_else(AppError::internal)
}

/// The logged-in user, or `unauthenticated`.
pub async fn require_user() -> Result<User, AppError> {
    let session = UserSession::from_request().await?;
    session
        .user(&engine()?)
        .await?
        .ok_or_else(AppError::unauthenticated)
}

/// The session, for the task loop (which reads and checks it itself), or `unauthenticated`
/// without one.
pub async fn require_caller() -> Result<engine::Caller, AppError> {
    UserSession::from_request()
        .await?
        .caller()
        .ok_or_else(AppError::unauthenticated)
}

/// The logged-in user if their role is at least `role`, or `forbidden`.
pub async fn require_role(role: Role) -> Result<User, AppError> {
    let user = require_user().await?;
    if user.role.at_least(role) {
        Ok(user)
    } else {
        Err(AppError::forbidden())
    }
}

/// Sends a browser without JavaScript (a plain form post) to `path` with a 303; the hydrated
/// app gets the path in the server function's result instead and navigates itself.
pub fn redirect_plain_form(path: &str) {
    use axum::http::{header, HeaderValue, StatusCode};
    let plain_form = use_context::<axum::http::request::Parts>().is_some_and(|parts| {
        parts
            .headers
            .get(header::ACCEPT)
            .and_then(|accept| accept.to_str().ok())
            .is_some_and(|accept| accept.contains("text/html"))
    });
    if let (true, Some(response), Ok(location)) = (
        plain_form,
        use_context::<leptos_axum::ResponseOptions>(),
        HeaderValue::from_str(path),
    ) {
        response.set_status(StatusCode::SEE_OTHER);
        response.insert_header(header::LOCATION, location);
    }
}

/// The session store: sessions in Postgres through the engine, so that any server answers any
/// request. The login a session carries is stored apart from the rest (see
/// [`engine::web_sessions`]): the task loop reads it in its own transaction.
#[derive(Clone)]
pub struct WebSessions(Engine);

impl WebSessions {
    pub fn new(engine: Engine) -> Self {
        Self(engine)
    }
}

impl std::fmt::Debug for WebSessions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("WebSessions")
    }
}

fn store_failed(error: engine::Error) -> session_store::Error {
    session_store::Error::Backend(error.to_string())
}

/// `record` as stored: the login apart, everything (the login included) as data.
fn stored(record: &Record) -> session_store::Result<SessionRecord> {
    let login = match record.data.get(LOGIN_KEY) {
        Some(value) => {
            let login: Login = serde_json::from_value(value.clone())
                .map_err(|e| session_store::Error::Encode(e.to_string()))?;
            Some(SessionLogin {
                user: login.user_id,
                session_version: login.session_version,
            })
        }
        None => None,
    };
    let data = serde_json::to_value(&record.data)
        .map_err(|e| session_store::Error::Encode(e.to_string()))?;
    Ok(SessionRecord {
        key: SessionKey::new(record.id.to_string()),
        login,
        data,
        expires_at: record.expiry_date,
    })
}

impl WebSessions {
    /// Carries the sessions of the store Grove used before its own over (see
    /// [`Engine::adopt_legacy_sessions`]): nobody is signed out by the upgrade.
    pub async fn adopt_legacy(&self) -> Result<(u64, u64), engine::Error> {
        self.0
            .adopt_legacy_sessions(|bytes| {
                // that store kept each session as its record, encoded with MessagePack
                let record: Record = rmp_serde::from_slice(bytes).ok()?;
                stored(&record).ok()
            })
            .await
    }
}

#[async_trait::async_trait]
impl session_store::SessionStore for WebSessions {
    async fn create(&self, record: &mut Record) -> session_store::Result<()> {
        loop {
            let session = stored(record)?;
            if self
                .0
                .create_session(session.write())
                .await
                .map_err(store_failed)?
            {
                return Ok(());
            }
            // the random id is taken: draw another
            record.id = Id::default();
        }
    }

    async fn save(&self, record: &Record) -> session_store::Result<()> {
        self.0
            .save_session(stored(record)?.write())
            .await
            .map_err(store_failed)
    }

    async fn load(&self, id: &Id) -> session_store::Result<Option<Record>> {
        let key = SessionKey::new(id.to_string());
        let Some(session) = self.0.load_session(&key).await.map_err(store_failed)? else {
            return Ok(None);
        };
        let data = serde_json::from_value(session.data)
            .map_err(|e| session_store::Error::Decode(e.to_string()))?;
        Ok(Some(Record {
            id: *id,
            data,
            expiry_date: session.expires_at,
        }))
    }

    async fn delete(&self, id: &Id) -> session_store::Result<()> {
        self.0
            .delete_session(&SessionKey::new(id.to_string()))
            .await
            .map_err(store_failed)
    }
}
