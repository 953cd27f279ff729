//! `GET /healthz`: ok only when the database answers.

use axum::{extract::State, http::StatusCode, Json};
use engine::Engine;
use serde_json::{json, Value};

pub async fn health(State(engine): State<Engine>) -> (StatusCode, Json<Value>) {
    match engine.ping().await {
        Ok(()) => (StatusCode::OK, Json(json!({ "status": "ok" }))),
        Err(error) => {
            tracing::warn!(error.cause_chain = ?error, "health check: database unavailable");
            (
                StatusCode::SERVICE_UNAVAILABLE,
                Json(json!({ "status": "unavailable" })),
            )
        }
    }
}
