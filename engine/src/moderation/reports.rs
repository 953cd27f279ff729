//! The report queue: list, assign, resolve.

use super::{audit, require_moderator};
use crate::{db, tasks::view_time, Engine, Error};
use domain::{
    ids::{MessageId, ReportId, UserId},
    moderation::{ReportFilter, ReportOutcome, ReportStatus, ReportView},
};
use serde_json::json;

const PAGE: i64 = 50;

impl Engine {
    /// Reports, newest first: unresolved ones, one status or all; only those assigned to the
    /// actor; or those about one message.
    pub async fn moderation_reports(
        &self,
        actor: UserId,
        filter: ReportFilter,
        mine: bool,
        message: Option<MessageId>,
        page: u32,
    ) -> Result<Vec<ReportView>, Error> {
        let mut conn = self.pool.acquire().await?;
        let moderator = require_moderator(&mut conn, actor).await?;
        let status = match filter {
            ReportFilter::Unresolved => Some("unresolved"),
            ReportFilter::Only(status) => Some(status.as_str()),
            ReportFilter::All => None,
        };
        let rows = db::reports::list(
            &mut *conn,
            status,
            mine.then(|| moderator.id.as_uuid()),
            message.map(|m| m.as_uuid()),
            PAGE,
            i64::from(page) * PAGE,
        )
        .await?;
        rows.into_iter()
            .map(|row| {
                Ok(ReportView {
                    report_id: ReportId::from_uuid(row.report_id),
                    message_id: MessageId::from_uuid(row.message_id),
                    message_excerpt: row.excerpt,
                    message_deleted: row.message_deleted,
                    reporter: row.reporter,
                    reason: row.reason,
                    status: ReportStatus::parse(&row.status)?,
                    assigned_to: row.assigned_to,
                    assigned_to_me: row.assignee_id == Some(moderator.id.as_uuid()),
                    outcome: row
                        .outcome
                        .as_deref()
                        .map(ReportOutcome::parse)
                        .transpose()?,
                    resolution_note: row.resolution_note,
                    created_at: view_time(row.created_at),
                    resolved_at: row.resolved_at.map(view_time),
                })
            })
            .collect()
    }

    /// Unresolved reports, for the moderation overview.
    pub async fn open_report_count(&self, actor: UserId) -> Result<i64, Error> {
        let mut conn = self.pool.acquire().await?;
        require_moderator(&mut conn, actor).await?;
        db::reports::open_count(&mut *conn).await
    }

    /// Takes a report (assigns it to the actor).
    pub async fn moderation_assign_report(
        &self,
        actor: UserId,
        report: ReportId,
    ) -> Result<(), Error> {
        self.transaction(move |conn| {
            Box::pin(async move {
                let actor = require_moderator(conn, actor).await?;
                let locked = db::reports::lock(&mut *conn, report.as_uuid())
                    .await?
                    .ok_or_else(|| Error::not_found("report_not_found", "No such report."))?;
                let (status, assignee) = (locked.status, locked.assigned_to);
                if status == ReportStatus::Resolved.as_str() {
                    return Err(Error::conflict(
                        "report_resolved",
                        "This report is already resolved.",
                    ));
                }
                db::reports::assign(&mut *conn, report.as_uuid(), actor.id.as_uuid()).await?;
                audit(
                    conn,
                    &actor,
                    "report.assign",
                    "report",
                    report.as_uuid(),
                    Some(json!({ "status": status, "assigned_to": assignee })),
                    Some(json!({ "status": "assigned", "assigned_to": actor.id })),
                )
                .await
            })
        })
        .await
    }

    /// Resolves a report with an outcome and an optional note. "Content removed" removes the
    /// reported message and the replies below it in the same transaction (as deleting it on
    /// the message page does; undelete brings them back), unless it is gone already; the
    /// number of messages it removed is returned.
    pub async fn moderation_resolve_report(
        &self,
        actor: UserId,
        report: ReportId,
        outcome: ReportOutcome,
        note: Option<String>,
    ) -> Result<u64, Error> {
        let note = note.map(|n| n.trim().to_owned()).filter(|n| !n.is_empty());
        let config = self.config.clone();
        if note.as_ref().is_some_and(|n| n.chars().count() > 2000) {
            return Err(Error::bad_input(
                "note_too_long",
                "A note has at most 2000 characters.",
            ));
        }
        self.transaction(move |conn| {
            let note = note.clone();
            let config = config.clone();
            Box::pin(async move {
                let actor = require_moderator(conn, actor).await?;
                let locked = db::reports::lock(&mut *conn, report.as_uuid())
                    .await?
                    .ok_or_else(|| Error::not_found("report_not_found", "No such report."))?;
                let status = locked.status;
                if status == ReportStatus::Resolved.as_str() {
                    return Err(Error::conflict(
                        "report_resolved",
                        "This report is already resolved.",
                    ));
                }
                db::reports::resolve(
                    &mut *conn,
                    report.as_uuid(),
                    actor.id.as_uuid(),
                    outcome.as_str(),
                    note.as_deref(),
                )
                .await?;
                audit(
                    conn,
                    &actor,
                    "report.resolve",
                    "report",
                    report.as_uuid(),
                    Some(json!({ "status": status })),
                    Some(json!({ "status": "resolved", "outcome": outcome, "note": note })),
                )
                .await?;
                if outcome != ReportOutcome::ContentRemoved {
                    return Ok(0);
                }
                let message = MessageId::from_uuid(locked.message_id);
                super::messages::delete_if_present(conn, &config, &actor, message).await
            })
        })
        .await
    }
}
