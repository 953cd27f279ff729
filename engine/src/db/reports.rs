//! The report queue.

use crate::Error;
use sqlx::PgExecutor;
use time::OffsetDateTime;
use uuid::Uuid;

pub(crate) struct ReportRow {
    pub report_id: Uuid,
    pub message_id: Uuid,
    pub excerpt: String,
    pub message_deleted: bool,
    pub reporter: String,
    pub reason: String,
    pub status: String,
    pub assigned_to: Option<String>,
    pub assignee_id: Option<Uuid>,
    pub outcome: Option<String>,
    pub resolution_note: Option<String>,
    pub created_at: OffsetDateTime,
    pub resolved_at: Option<OffsetDateTime>,
}

/// Reports, newest first, optionally by status (`unresolved`: open or assigned), assignee or
/// message.
pub(crate) async fn list(
    executor: impl PgExecutor<'_>,
    status: Option<&str>,
    assignee: Option<Uuid>,
    message: Option<Uuid>,
    limit: i64,
    offset: i64,
) -> Result<Vec<ReportRow>, Error> {
    Ok(sqlx::query_as!(
        ReportRow,
        "select r.report_id, r.message_id, left(m.text, 200) as \"excerpt!\", m.deleted as message_deleted,
                u.display_name as reporter, r.reason, r.status, a.display_name as \"assigned_to?\",
                r.assigned_to as assignee_id, r.outcome, r.resolution_note, r.created_at, r.resolved_at
         from report r
         join message m on m.message_id = r.message_id
         join app_user u on u.user_id = r.user_id
         left join app_user a on a.user_id = r.assigned_to
         where ($1::text is null or r.status = $1 or ($1 = 'unresolved' and r.status <> 'resolved'))
           and ($2::uuid is null or r.assigned_to = $2)
           and ($3::uuid is null or r.message_id = $3)
         order by r.created_at desc
         limit $4 offset $5",
        status,
        assignee,
        message,
        limit,
        offset,
    )
    .fetch_all(executor)
    .await?)
}

/// A report as its resolution needs it, locked.
pub(crate) struct LockedReport {
    pub status: String,
    pub assigned_to: Option<Uuid>,
    pub message_id: Uuid,
}

/// The report's status, assignee and message, locked.
pub(crate) async fn lock(
    executor: impl PgExecutor<'_>,
    id: Uuid,
) -> Result<Option<LockedReport>, Error> {
    Ok(sqlx::query_as!(
        LockedReport,
        "select status, assigned_to, message_id from report where report_id = $1 for update",
        id
    )
    .fetch_optional(executor)
    .await?)
}

pub(crate) async fn assign(executor: impl PgExecutor<'_>, id: Uuid, to: Uuid) -> Result<(), Error> {
    sqlx::query!(
        "update report set status = 'assigned', assigned_to = $2 where report_id = $1",
        id,
        to
    )
    .execute(executor)
    .await?;
    Ok(())
}

pub(crate) async fn resolve(
    executor: impl PgExecutor<'_>,
    id: Uuid,
    by: Uuid,
    outcome: &str,
    note: Option<&str>,
) -> Result<(), Error> {
    sqlx::query!(
        "update report
         set status = 'resolved', resolved_by = $2, outcome = $3, resolution_note = $4, resolved_at = now(),
             assigned_to = coalesce(assigned_to, $2)
         where report_id = $1",
        id,
        by,
        outcome,
        note,
    )
    .execute(executor)
    .await?;
    Ok(())
}

pub(crate) async fn open_count(executor: impl PgExecutor<'_>) -> Result<i64, Error> {
    Ok(
        sqlx::query_scalar!("select count(*) as \"n!\" from report where status <> 'resolved'")
            .fetch_one(executor)
            .await?,
    )
}
