//! The REST API under `/api/v1/`: JSON in and out, the same use-cases and error codes as the
//! browser's server functions, for bots and integrations.

mod extract;
mod messages;
pub mod openapi;
mod tasks;

use axum::Router;
use engine::Engine;

pub use extract::{parse_id, ApiError, ApiJson, ApiQuery, ApiUser};

pub fn router() -> Router<Engine> {
    Router::new()
        .merge(tasks::router())
        .merge(messages::router())
        .route("/export", axum::routing::get(super::export::stream))
        .route("/openapi.json", axum::routing::get(openapi::serve))
        .fallback(not_found)
}

async fn not_found() -> ApiError {
    ApiError(app::error::AppError::new(
        404,
        "not_found",
        "No such endpoint.",
    ))
}
