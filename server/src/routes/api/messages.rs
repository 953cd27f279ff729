//! `/api/v1/messages/{id}`: thumbs, reports and free labels.

use super::extract::{parse_id, ApiError, ApiJson, ApiUser};
use app::error::AppError;
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
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use utoipa::{OpenApi, ToSchema};

/// The message endpoints, for the OpenAPI document.
#[derive(OpenApi)]
#[openapi(paths(thumb, report, labels))]
pub(super) struct MessageApi;

#[derive(Serialize, ToSchema)]
pub(super) struct MessageReported {
    message_id: MessageId,
    reported: bool,
}

#[derive(Serialize, ToSchema)]
pub(super) struct MessageLabelled {
    message_id: MessageId,
    labelled: bool,
}

pub fn router() -> Router<Engine> {
    Router::new()
        .route("/messages/{message_id}/thumb", post(thumb))
        .route("/messages/{message_id}/report", post(report))
        .route("/messages/{message_id}/labels", post(labels))
}

#[derive(Deserialize, ToSchema)]
pub(super) struct ThumbBody {
    /// Sending the caller's current thumb again takes it back.
    thumb: Thumb,
}

/// Gives, changes or takes back the caller's thumb on a message.
#[utoipa::path(
    post, path = "/messages/{message_id}/thumb", tag = "messages",
    params(("message_id" = String, Path, format = "uuid")),
    request_body = ThumbBody,
    responses(
        (status = 200, description = "The message's thumbs now", body = ThumbState),
        (status = 404, description = "`message_not_found`", body = AppError),
    ),
)]
async fn thumb(
    State(engine): State<Engine>,
    ApiUser(user): ApiUser,
    Path(message_id): Path<String>,
    ApiJson(body): ApiJson<ThumbBody>,
) -> Result<Json<ThumbState>, ApiError> {
    let message: MessageId = parse_id(&message_id)?;
    Ok(Json(engine.toggle_thumb(user, message, body.thumb).await?))
}

#[derive(Deserialize, ToSchema)]
pub(super) struct ReportBody {
    reason: String,
}

/// Reports a message to the moderators.
#[utoipa::path(
    post, path = "/messages/{message_id}/report", tag = "messages",
    params(("message_id" = String, Path, format = "uuid")),
    request_body = ReportBody,
    responses(
        (status = 200, description = "Reported", body = MessageReported),
        (status = 400, description = "`report_reason_empty`, `report_reason_too_long`", body = AppError),
        (status = 404, description = "`message_not_found`", body = AppError),
    ),
)]
async fn report(
    State(engine): State<Engine>,
    ApiUser(user): ApiUser,
    Path(message_id): Path<String>,
    ApiJson(body): ApiJson<ReportBody>,
) -> Result<Json<MessageReported>, ApiError> {
    let message: MessageId = parse_id(&message_id)?;
    engine.report_message(user, message, &body.reason).await?;
    Ok(Json(MessageReported {
        message_id: message,
        reported: true,
    }))
}

#[derive(Deserialize, ToSchema)]
pub(super) struct LabelsBody {
    /// Label name to value in [0, 1]; see the label catalogue for the names.
    labels: BTreeMap<String, f64>,
}

/// Labels a message outside a task (the free label form).
#[utoipa::path(
    post, path = "/messages/{message_id}/labels", tag = "messages",
    params(("message_id" = String, Path, format = "uuid")),
    request_body = LabelsBody,
    responses(
        (status = 200, description = "Labelled", body = MessageLabelled),
        (status = 400, description = "`labels_empty`, `invalid_label`, `invalid_label_value`", body = AppError),
        (status = 404, description = "`message_not_found`", body = AppError),
    ),
)]
async fn labels(
    State(engine): State<Engine>,
    ApiUser(user): ApiUser,
    Path(message_id): Path<String>,
    ApiJson(body): ApiJson<LabelsBody>,
) -> Result<Json<MessageLabelled>, ApiError> {
    let message: MessageId = parse_id(&message_id)?;
    engine.label_message(user, message, body.labels).await?;
    Ok(Json(MessageLabelled {
        message_id: message,
        labelled: true,
    }))
}
