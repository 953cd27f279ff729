//! `/api/v1/tasks`: request, availability, acknowledge, skip, submit.

use super::extract::{parse_id, ApiCaller, ApiError, ApiJson, ApiQuery, ApiUser};
use app::error::AppError;
use axum::{
    extract::{Path, State},
    http::HeaderMap,
    routing::{get, post},
    Json, Router,
};
use domain::{ids::TaskId, task::TaskKind};
use engine::{
    tasks::{Availability, TaskAnswer, TaskOutcome, TaskRequest, TaskSkip, TaskView},
    Engine,
};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, OpenApi, ToSchema};

/// The task endpoints, for the OpenAPI document.
#[derive(OpenApi)]
#[openapi(paths(request_task, availability, acknowledge, skip, submit))]
pub(super) struct TaskApi;

#[derive(Serialize, ToSchema)]
pub(super) struct TaskAck {
    task_id: TaskId,
}

#[derive(Serialize, ToSchema)]
pub(super) struct TaskSkipped {
    task_id: TaskId,
    skipped: bool,
}

pub fn router() -> Router<Engine> {
    Router::new()
        .route("/tasks", post(request_task))
        .route("/tasks/availability", get(availability))
        .route("/tasks/{task_id}/ack", post(acknowledge))
        .route("/tasks/{task_id}/skip", post(skip))
        .route("/tasks/{task_id}/submit", post(submit))
}

#[derive(Deserialize, ToSchema)]
pub(super) struct TaskRequestBody {
    /// A specific kind, or leave it out to let Grove choose.
    kind: Option<TaskKind>,
    lang: String,
}

/// Hands out the next task in a language: the chooser picks the kind unless one is asked for.
#[utoipa::path(
    post, path = "/tasks", tag = "tasks",
    request_body = TaskRequestBody,
    responses(
        (status = 200, description = "A task, valid until `expires_at`", body = TaskView),
        (status = 404, description = "`no_task_available`", body = AppError),
    ),
)]
async fn request_task(
    State(engine): State<Engine>,
    ApiCaller(user): ApiCaller,
    ApiJson(body): ApiJson<TaskRequestBody>,
) -> Result<Json<TaskView>, ApiError> {
    let request = TaskRequest {
        kind: body.kind,
        lang: body.lang,
    };
    Ok(Json(engine.request_task(user, request).await?))
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub(super) struct LangQuery {
    /// A contribution language (BCP 47).
    lang: String,
}

/// How many tasks of each kind the caller could get now in a language.
#[utoipa::path(
    get, path = "/tasks/availability", tag = "tasks",
    params(LangQuery),
    responses((status = 200, description = "Counts by task kind", body = Availability)),
)]
async fn availability(
    State(engine): State<Engine>,
    ApiUser(user): ApiUser,
    ApiQuery(query): ApiQuery<LangQuery>,
) -> Result<Json<Availability>, ApiError> {
    Ok(Json(engine.task_availability(user, &query.lang).await?))
}

/// Confirms that a task was shown (the Discord bot's ack); optional for the browser.
#[utoipa::path(
    post, path = "/tasks/{task_id}/ack", tag = "tasks",
    params(("task_id" = String, Path, format = "uuid")),
    responses(
        (status = 200, description = "Acknowledged", body = TaskAck),
        (status = 404, description = "`task_not_found`", body = AppError),
        (status = 409, description = "`task_already_done`, `task_expired`, `task_skipped`", body = AppError),
    ),
)]
async fn acknowledge(
    State(engine): State<Engine>,
    ApiUser(user): ApiUser,
    Path(task_id): Path<String>,
) -> Result<Json<TaskAck>, ApiError> {
    let task: TaskId = parse_id(&task_id)?;
    engine.acknowledge_task(user, task).await?;
    Ok(Json(TaskAck { task_id: task }))
}

/// Skips a task with a reason; the item is never offered to the caller again.
#[utoipa::path(
    post, path = "/tasks/{task_id}/skip", tag = "tasks",
    params(("task_id" = String, Path, format = "uuid")),
    request_body = TaskSkip,
    responses(
        (status = 200, description = "Skipped", body = TaskSkipped),
        (status = 409, description = "`task_already_done`, `task_skipped`", body = AppError),
    ),
)]
async fn skip(
    State(engine): State<Engine>,
    ApiUser(user): ApiUser,
    Path(task_id): Path<String>,
    ApiJson(body): ApiJson<TaskSkip>,
) -> Result<Json<TaskSkipped>, ApiError> {
    let task: TaskId = parse_id(&task_id)?;
    engine.skip_task(user, task, body).await?;
    Ok(Json(TaskSkipped {
        task_id: task,
        skipped: true,
    }))
}

#[derive(Deserialize, ToSchema)]
pub(super) struct SubmitBody {
    answer: TaskAnswer,
    /// Same key, same answer: a retried submit is answered from the first.
    client_key: Option<String>,
}

/// Answers a task. A retry with the same `client_key` (or `Idempotency-Key` header) gets the
/// first answer's outcome instead of a duplicate.
#[utoipa::path(
    post, path = "/tasks/{task_id}/submit", tag = "tasks",
    params(
        ("task_id" = String, Path, format = "uuid"),
        ("Idempotency-Key" = Option<String>, Header, description = "Alternative to `client_key`"),
    ),
    request_body = SubmitBody,
    responses(
        (status = 200, description = "What the answer produced", body = TaskOutcome),
        (status = 400, description = "`invalid_json`, `wrong_answer_type`, a text, label or ranking error (`invalid_label`, `mandatory_label_missing`, `invalid_ranking`...)", body = AppError),
        (status = 409, description = "`task_already_done`, `task_expired`, `task_skipped`, `parent_full`, `duplicate_message`...", body = AppError),
    ),
)]
async fn submit(
    State(engine): State<Engine>,
    ApiCaller(user): ApiCaller,
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
