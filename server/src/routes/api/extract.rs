//! Extractors that answer bad input with our error format instead of axum's plain text.

use app::{error::AppError, session::UserSession};
use axum::{
    extract::{rejection::JsonRejection, FromRef, FromRequest, FromRequestParts, Query, Request},
    http::request::Parts,
    response::{IntoResponse, Response},
};
use domain::ids::UserId;
use engine::Engine;
use serde::de::DeserializeOwned;
use tower_sessions::Session;

/// An error answered as `{"code", "message"}` with its status.
#[derive(Debug)]
pub struct ApiError(pub AppError);

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        self.0.into_response()
    }
}

impl From<engine::Error> for ApiError {
    fn from(error: engine::Error) -> Self {
        Self(error.into())
    }
}

impl From<AppError> for ApiError {
    fn from(error: AppError) -> Self {
        Self(error)
    }
}

/// A JSON body; malformed JSON, a wrong content type or wrong field types are a 400 with the
/// code `invalid_json`.
pub struct ApiJson<T>(pub T);

impl<S, T> FromRequest<S> for ApiJson<T>
where
    T: DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request(request: Request, state: &S) -> Result<Self, Self::Rejection> {
        match axum::Json::<T>::from_request(request, state).await {
            Ok(axum::Json(value)) => Ok(Self(value)),
            Err(rejection) => {
                let (status, detail) = match &rejection {
                    JsonRejection::MissingJsonContentType(_) => {
                        (415, "send the body as application/json".to_owned())
                    }
                    other => (400, other.body_text()),
                };
                Err(ApiError(AppError::new(status, "invalid_json", detail)))
            }
        }
    }
}

/// A URL query; missing or malformed parameters are a 400 with the code `invalid_query`.
pub struct ApiQuery<T>(pub T);

impl<S, T> FromRequestParts<S> for ApiQuery<T>
where
    T: DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        match Query::<T>::from_request_parts(parts, state).await {
            Ok(Query(value)) => Ok(Self(value)),
            Err(rejection) => Err(ApiError(AppError::new(
                400,
                "invalid_query",
                rejection.body_text(),
            ))),
        }
    }
}

/// The user of an API call: the logged-in session, or the account an API key with the
/// `annotate` scope acts for (`Authorization: Bearer <key>`, for bots and integrations).
pub struct ApiUser(pub UserId);

impl<S> FromRequestParts<S> for ApiUser
where
    S: Send + Sync,
    Engine: FromRef<S>,
{
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let engine = Engine::from_ref(state);
        if let Some(key) = crate::routes::export::bearer(parts) {
            let holder = engine.api_key_holder(&key).await?.ok_or_else(|| {
                AppError::new(401, "invalid_api_key", "Unknown or revoked API key.")
            })?;
            let user = match holder.user_id {
                Some(user) if holder.allows("annotate") => engine.user(user).await?,
                _ => {
                    return Err(ApiError(AppError::new(
                        403,
                        "scope_missing",
                        "This key may not act for a user (it needs the annotate scope).",
                    )))
                }
            };
            if user.banned || user.deleted {
                return Err(ApiError(AppError::new(
                    403,
                    "account_banned",
                    "The key's account is banned or deleted.",
                )));
            }
            return Ok(Self(user.id));
        }
        let session = Session::from_request_parts(parts, state)
            .await
            .map_err(|_| ApiError(AppError::internal()))?;
        let user = UserSession::new(session)
            .user(&engine)
            .await?
            .ok_or_else(AppError::unauthenticated)?;
        Ok(Self(user.id))
    }
}

/// The caller of a task-loop call (request or submit): like [`ApiUser`], but a session is
/// neither loaded nor checked here; the engine reads it, and checks its account (banned,
/// deleted, logged out everywhere), in the call's own transaction: one pooled connection
/// per call instead of two.
pub struct ApiCaller(pub engine::Caller);

impl<S> FromRequestParts<S> for ApiCaller
where
    S: Send + Sync,
    Engine: FromRef<S>,
{
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        if crate::routes::export::bearer(parts).is_some() {
            let ApiUser(user) = ApiUser::from_request_parts(parts, state).await?;
            return Ok(Self(user.into()));
        }
        let session = Session::from_request_parts(parts, state)
            .await
            .map_err(|_| ApiError(AppError::internal()))?;
        let caller = UserSession::new(session)
            .caller()
            .ok_or_else(AppError::unauthenticated)?;
        Ok(Self(caller))
    }
}

/// Parses an id from the path, answering a malformed one with `invalid_id`.
pub fn parse_id<T: std::str::FromStr>(raw: &str) -> Result<T, ApiError> {
    raw.parse().map_err(|_| {
        ApiError(AppError::new(
            400,
            "invalid_id",
            format!("'{raw}' is not a valid id."),
        ))
    })
}
