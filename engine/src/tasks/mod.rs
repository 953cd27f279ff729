//! The task use-cases: request, acknowledge, skip and submit. Each runs in one transaction.

mod request;
mod skip;
mod submit;
pub(crate) mod survey;
mod view;

pub(crate) use survey::Surveys;
pub use survey::MAX_AGE as SURVEY_MAX_AGE;
pub(crate) use view::rfc3339 as view_time;

pub use domain::task::view::{
    Availability, TaskAnswer, TaskOutcome, TaskRequest, TaskSkip, TaskView,
};

use crate::{db::tasks::TaskRow, Error};
use domain::{ids::UserId, task::TaskKind};
use time::OffsetDateTime;

/// A task loaded for an answer, checked to belong to the user and still be open.
pub(crate) struct OpenTask {
    pub row: TaskRow,
    pub kind: TaskKind,
}

impl OpenTask {
    pub(crate) fn check(row: TaskRow, user: UserId, now: OffsetDateTime) -> Result<Self, Error> {
        if row.user_id != user.as_uuid() {
            return Err(Error::forbidden(
                "task_not_yours",
                "This task belongs to someone else.",
            ));
        }
        if row.done_at.is_some() {
            return Err(Error::conflict(
                "task_already_done",
                "This task was already completed.",
            ));
        }
        if row.skipped_at.is_some() {
            return Err(Error::conflict("task_skipped", "This task was skipped."));
        }
        if row.expires_at <= now {
            return Err(Error::rule(
                crate::ErrorKind::Gone,
                "task_expired",
                "This task has expired. Please take a new one.",
            ));
        }
        let kind = TaskKind::parse(&row.kind)
            .map_err(|_| Error::Internal(format!("unknown task kind {:?}", row.kind)))?;
        Ok(Self { row, kind })
    }
}

pub(crate) fn task_not_found() -> Error {
    Error::not_found("task_not_found", "No such task.")
}

#[cfg(test)]
mod tests;
