//! Acknowledging and skipping tasks.

use super::{task_not_found, OpenTask, TaskSkip};
use crate::{contributors::require_contributor, db, reactions, Engine, Error};
use domain::{
    ids::{TaskId, UserId},
    task::{SkipReason, TaskCategory},
};
use time::OffsetDateTime;
use tracing::instrument;

impl Engine {
    /// Confirms the task was shown (it stays the user's until done, skipped or expired).
    pub async fn acknowledge_task(&self, user: UserId, task: TaskId) -> Result<(), Error> {
        self.transaction(move |conn| {
            Box::pin(async move {
                let row = db::tasks::lock(&mut *conn, task.as_uuid())
                    .await?
                    .ok_or_else(task_not_found)?;
                OpenTask::check(row, user, OffsetDateTime::now_utc())?;
                db::tasks::mark_acked(&mut *conn, task.as_uuid()).await
            })
        })
        .await
    }

    /// Skips a task. The item never comes back to this user; a `report` skip also files a
    /// report about the message with the given text.
    #[instrument(skip_all, fields(user_id = %user, task_id = %task))]
    pub async fn skip_task(&self, user: UserId, task: TaskId, skip: TaskSkip) -> Result<(), Error> {
        let report_text = match skip.reason {
            SkipReason::Report => Some(reactions::report_reason(skip.report_text.as_deref())?),
            _ => None,
        };
        let config = self.config.clone();
        self.transaction(move |conn| {
            let config = config.clone();
            let report_text = report_text.clone();
            Box::pin(async move {
                let row = db::tasks::lock(&mut *conn, task.as_uuid())
                    .await?
                    .ok_or_else(task_not_found)?;
                let open = OpenTask::check(row, user, OffsetDateTime::now_utc())?;
                require_contributor(conn, user).await?;
                db::tasks::mark_skipped(&mut *conn, task.as_uuid(), skip.reason.as_str()).await?;
                let Some(target) = open.row.message_id else {
                    return Ok(());
                };
                let kind = match open.kind.category() {
                    TaskCategory::Reply => "skip_reply",
                    TaskCategory::Ranking => "skip_ranking",
                    TaskCategory::LabelPrompt | TaskCategory::LabelReply => "skip_labeling",
                    TaskCategory::InitialPrompt => return Ok(()),
                };
                reactions::add_skip(conn, &config, user, target, kind).await?;
                if let Some(text) = report_text {
                    reactions::file_report(conn, &config, user, target, &text).await?;
                }
                Ok(())
            })
        })
        .await
    }
}
