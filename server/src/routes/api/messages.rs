//! `/api/v1/messages/{id}`: thumbs, reports and free labels.

use super::extract::{parse_id, ApiError, ApiJson, ApiUser};
use axum::{
    extract::{Path, State},
    routing::post,
    Json, Router,
};
use domain::ids::MessageId;
use engine::{
    reactions::{Thumb, ThumbState},
    Engine,
};
use serde::Deserialize;
use std::collections::BTreeMap;

pub fn router() -> Router<Engine> {
    Router::new()
        .route("/messages/{message_id}/thumb", post(thumb))
        .route("/messages/{message_id}/report", post(report))
        .route("/messages/{message_id}/labels", post(labels))
}

#[derive(Deserialize)]
struct ThumbBody {
    thumb: Thumb,
}

async fn thumb(
    State(engine): State<Engine>,
    ApiUser(user): ApiUser,
    Path(message_id): Path<String>,
    ApiJson(body): ApiJson<ThumbBody>,
) -> Result<Json<ThumbState>, ApiError> {
    let message: MessageId = parse_id(&message_id)?;
    Ok(Json(engine.toggle_thumb(user, message, body.thumb).await?))
}

#[derive(Deserialize)]
struct ReportBody {
    reason: String,
}

async fn report(
    State(engine): State<Engine>,
    ApiUser(user): ApiUser,
    Path(message_id): Path<String>,
    ApiJson(body): ApiJson<ReportBody>,
) -> Result<Json<serde_json::Value>, ApiError> {
    let message: MessageId = parse_id(&message_id)?;
    engine.report_message(user, message, &body.reason).await?;
    Ok(Json(
        serde_json::json!({ "message_id": message, "reported": true }),
    ))
}

#[derive(Deserialize)]
struct LabelsBody {
    labels: BTreeMap<String, f64>,
}

async fn labels(
    State(engine): State<Engine>,
    ApiUser(user): ApiUser,
    Path(message_id): Path<String>,
    ApiJson(body): ApiJson<LabelsBody>,
) -> Result<Json<serde_json::Value>, ApiError> {
    let message: MessageId = parse_id(&message_id)?;
    engine.label_message(user, message, body.labels).await?;
    Ok(Json(
        serde_json::json!({ "message_id": message, "labelled": true }),
    ))
}
