//! The error every server function returns and every REST handler answers with: a stable code
//! the UI matches on, and a message for people. Internal failures never show their cause.

use leptos::server_fn::{
    codec::JsonEncoding,
    error::{FromServerFnError, ServerFnErrorErr},
};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[error("{message}")]
pub struct AppError {
    pub code: String,
    pub message: String,
    /// The HTTP status this error is answered with; not part of the wire format.
    #[serde(skip)]
    pub status: u16,
}

impl AppError {
    /// An error with its HTTP status. Made inside a server function call on the server, it
    /// also sets that call's status (server functions otherwise answer every error with 500).
    /// A page render is left alone: pages set their own status (guards, not-found).
    pub fn new(status: u16, code: impl Into<String>, message: impl Into<String>) -> Self {
        let error = Self {
            code: code.into(),
            message: message.into(),
            status,
        };
        #[cfg(feature = "ssr")]
        error.set_response_status();
        error
    }

    pub fn unauthenticated() -> Self {
        Self::new(401, "unauthenticated", "Please log in first.")
    }

    pub fn forbidden() -> Self {
        Self::new(403, "forbidden", "You are not allowed to do that.")
    }

    pub fn internal() -> Self {
        Self::new(
            500,
            "internal",
            "Something went wrong on our side. Please try again.",
        )
    }
}

impl FromServerFnError for AppError {
    type Encoder = JsonEncoding;

    fn from_server_fn_error(value: ServerFnErrorErr) -> Self {
        match value {
            // arguments that do not decode (a wrong type, a missing field, a form body or
            // `null` where JSON was expected) are the caller's mistake
            ServerFnErrorErr::Args(detail)
            | ServerFnErrorErr::MissingArg(detail)
            | ServerFnErrorErr::Deserialization(detail) => Self::new(
                400,
                "bad_request",
                format!("The request could not be read: {detail}"),
            ),
            ServerFnErrorErr::Request(_) => Self::new(
                0,
                "network",
                "The server could not be reached. Check your connection and try again.",
            ),
            ServerFnErrorErr::Registration(_) | ServerFnErrorErr::UnsupportedRequestMethod(_) => {
                Self::new(404, "not_found", "No such endpoint.")
            }
            _ => Self::internal(),
        }
    }
}

impl From<domain::Invalid> for AppError {
    fn from(invalid: domain::Invalid) -> Self {
        Self::new(400, invalid.code, invalid.message)
    }
}

#[cfg(feature = "ssr")]
mod server {
    use super::AppError;
    use axum::{
        http::StatusCode,
        response::{IntoResponse, Response},
        Json,
    };
    use engine::ErrorKind;

    impl From<engine::Error> for AppError {
        fn from(error: engine::Error) -> Self {
            let status = match error.kind() {
                ErrorKind::BadInput => 400,
                ErrorKind::Unauthenticated => 401,
                ErrorKind::Forbidden => 403,
                ErrorKind::NotFound => 404,
                ErrorKind::Conflict => 409,
                ErrorKind::Gone => 410,
                ErrorKind::TooMany => 429,
                ErrorKind::Unavailable => {
                    tracing::warn!(error.cause_chain = ?error, "database unavailable");
                    503
                }
                ErrorKind::Internal => {
                    tracing::error!(error.cause_chain = ?error, "request failed");
                    500
                }
            };
            Self::new(status, error.code(), error.public_message())
        }
    }

    impl AppError {
        pub(super) fn set_response_status(&self) {
            let server_fn_call = leptos::prelude::use_context::<axum::http::request::Parts>()
                .is_some_and(|parts| parts.uri.path().starts_with("/api/"));
            if !server_fn_call {
                return;
            }
            if let (Some(options), Ok(status)) = (
                leptos::prelude::use_context::<leptos_axum::ResponseOptions>(),
                StatusCode::from_u16(self.status),
            ) {
                options.set_status(status);
            }
        }
    }

    impl IntoResponse for AppError {
        fn into_response(self) -> Response {
            let status =
                StatusCode::from_u16(self.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
            (status, Json(self)).into_response()
        }
    }
}
