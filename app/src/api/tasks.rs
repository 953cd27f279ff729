//! Tasks from the browser: request, availability, acknowledge, skip, submit.

use crate::error::AppError;
use domain::{
    ids::TaskId,
    task::{
        view::{Availability, TaskAnswer, TaskOutcome, TaskSkip, TaskView},
        TaskKind,
    },
};
use leptos::{prelude::*, server_fn::codec::Json};

#[cfg(feature = "ssr")]
use crate::session::{engine, require_caller, require_user};

#[server(endpoint = "tasks/request", input = Json)]
pub async fn request_task(kind: Option<TaskKind>, lang: String) -> Result<TaskView, AppError> {
    let caller = require_caller().await?;
    let request = domain::task::view::TaskRequest { kind, lang };
    Ok(engine()?.request_task(caller, request).await?)
}

#[server(endpoint = "tasks/availability", input = Json)]
pub async fn task_availability(lang: String) -> Result<Availability, AppError> {
    let user = require_user().await?;
    Ok(engine()?.task_availability(user.id, &lang).await?)
}

#[server(endpoint = "tasks/ack", input = Json)]
pub async fn acknowledge_task(task_id: TaskId) -> Result<(), AppError> {
    let user = require_user().await?;
    Ok(engine()?.acknowledge_task(user.id, task_id).await?)
}

#[server(endpoint = "tasks/skip", input = Json)]
pub async fn skip_task(task_id: TaskId, skip: TaskSkip) -> Result<(), AppError> {
    let user = require_user().await?;
    Ok(engine()?.skip_task(user.id, task_id, skip).await?)
}

#[server(endpoint = "tasks/submit", input = Json)]
pub async fn submit_task(
    task_id: TaskId,
    answer: TaskAnswer,
    client_key: Option<String>,
) -> Result<TaskOutcome, AppError> {
    let caller = require_caller().await?;
    Ok(engine()?
        .submit_task(caller, task_id, answer, client_key)
        .await?)
}
