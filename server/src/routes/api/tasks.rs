//! `/api/v1/tasks`: request, availability, acknowledge, skip, submit.

use super::extract::{parse_id, ApiError, ApiJson, ApiUser};
use axum::{
    extract::{Path, Query, State},
    http::HeaderMap,
    routing::{get, post},
    Json, Router,
};
use domain::{ids::TaskId, task::TaskKind};
use engine::{
    tasks::{Availability, TaskAnswer, TaskOutcome, TaskRequest, TaskSkip, TaskView},
    Engine,
};
use serde::Deserialize;

pub fn router() -> Router<Engine> {
    Router::new()
        .route("/tasks", post(request_task))
        .route("/tasks/availability", get(availability))
        .route("/tasks/{task_id}/ack", post(acknowledge))
        .route("/tasks/{task_id}/skip", post(skip))
        .route("/tasks/{task_id}/submit", post(submit))
}

#[derive(Deserialize)]
struct TaskRequestBody {
    kind: Option<TaskKind>,
    lang: String,
}

async fn request_task(
    State(engine): State<Engine>,
    ApiUser(user): ApiUser,
    ApiJson(body): ApiJson<TaskRequestBody>,
) -> Result<Json<TaskView>, ApiError> {
    let request = TaskRequest {
        kind: body.kind,
        lang: body.lang,
    };
    Ok(Json(engine.request_task(user, request).await?))
}

#[derive(Deserialize)]
struct LangQuery {
    lang: String,
}

async fn availability(
    State(engine): State<Engine>,
    ApiUser(user): ApiUser,
    Query(query): Query<LangQuery>,
) -> Result<Json<Availability>, ApiError> {
    Ok(Json(engine.task_availability(user, &query.lang).await?))
}

async fn acknowledge(
    State(engine): State<Engine>,
    ApiUser(user): ApiUser,
    Path(task_id): Path<String>,
) -> Result<Json<serde_json::Value>, ApiError> {
    let task: TaskId = parse_id(&task_id)?;
    engine.acknowledge_task(user, task).await?;
    Ok(Json(serde_json::json!({ "task_id": task })))
}

async fn skip(
    State(engine): State<Engine>,
    ApiUser(user): ApiUser,
    Path(task_id): Path<String>,
    ApiJson(body): ApiJson<TaskSkip>,
) -> Result<Json<serde_json::Value>, ApiError> {
    let task: TaskId = parse_id(&task_id)?;
    engine.skip_task(user, task, body).await?;
    Ok(Json(
        serde_json::json!({ "task_id": task, "skipped": true }),
    ))
}

#[derive(Deserialize)]
struct SubmitBody {
    answer: TaskAnswer,
    /// Same key, same answer: a retried submit is answered from the first.
    client_key: Option<String>,
}

async fn submit(
    State(engine): State<Engine>,
    ApiUser(user): ApiUser,
    Path(task_id): Path<String>,
    headers: HeaderMap,
    ApiJson(body): ApiJson<SubmitBody>,
) -> Result<Json<TaskOutcome>, ApiError> {
    let task: TaskId = parse_id(&task_id)?;
    let header_key = headers
        .get("idempotency-key")
        .and_then(|value| value.to_str().ok())
        .map(str::to_owned);
    let key = body.client_key.or(header_key);
    Ok(Json(
        engine.submit_task(user, task, body.answer, key).await?,
    ))
}
