//! The typed web session (server only): which account is logged in, and the checks every
//! server function starts with.

use crate::error::AppError;
use domain::{account::Role, ids::UserId};
use engine::{accounts::User, Engine};
use leptos::prelude::*;
use serde::{Deserialize, Serialize};
use tower_sessions::Session;

const LOGIN_KEY: &str = "grove.login";

/// What the session remembers about the login.
#[derive(Debug, Clone, Copy, Serialize, Deserialize)]
struct Login {
    user_id: UserId,
    session_version: i32,
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

    /// Who the session says is logged in, without loading the account: for the task loop,
    /// which checks the account (and the session version) in its own first statement.
    pub async fn caller(&self) -> Result<Option<engine::Caller>, AppError> {
        Ok(self
            .0
            .get::<Login>(LOGIN_KEY)
            .await
            .map_err(session_failed)?
            .map(|login| engine::Caller {
                user: login.user_id,
                session_version: Some(login.session_version),
            }))
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

/// Who the session says is logged in, for the task loop (which checks the account itself),
/// or `unauthenticated`.
pub async fn require_caller() -> Result<engine::Caller, AppError> {
    UserSession::from_request()
        .await?
        .caller()
        .await?
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
