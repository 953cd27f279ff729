//! Moderation from the browser. Every function opens with the role check; the engine checks
//! again and writes the audit log.

use crate::error::AppError;
use domain::{
    account::Role,
    ids::{MessageId, ReportId, UserId},
    moderation::{
        AuditEntry, LanguagePause, LanguageStatistics, MessageFilter, ModeratedMessage,
        PurgeSummary, ReportOutcome, ReportView, Revision, TreeSummary, TrollRow, UserDetail,
        UserSort, UserSummary, Window,
    },
    tree::{view::DeletePreview, TreeState},
};
use leptos::{prelude::*, server_fn::codec::Json};
use serde::{Deserialize, Serialize};

#[cfg(feature = "ssr")]
use crate::session::{engine, require_role};

/// The moderation overview.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Overview {
    pub open_reports: i64,
    pub recent: Vec<AuditEntry>,
    /// Languages where new conversations are paused.
    pub paused_languages: Vec<LanguagePause>,
    /// Whether the viewer may pause and resume languages (admins).
    pub may_pause_languages: bool,
    /// Trees by state and outstanding work, per language.
    pub languages: LanguageStatistics,
}

#[server(endpoint = "moderation/overview", input = Json)]
pub async fn moderation_overview() -> Result<Overview, AppError> {
    let me = require_role(Role::Moderator).await?;
    let engine = engine()?;
    Ok(Overview {
        open_reports: engine.open_report_count(me.id).await?,
        recent: engine
            .audit_log(me.id, None)
            .await?
            .into_iter()
            .take(20)
            .collect(),
        paused_languages: engine.paused_languages(me.id).await?,
        may_pause_languages: me.role == Role::Admin,
        languages: engine.language_statistics().await?,
    })
}

/// Pauses or resumes new conversations in a language (admins).
#[server(endpoint = "moderation/language_pause", input = Json)]
pub async fn set_prompts_paused(lang: String, paused: bool) -> Result<(), AppError> {
    let me = require_role(Role::Admin).await?;
    Ok(engine()?.set_prompts_paused(me.id, &lang, paused).await?)
}

#[server(endpoint = "moderation/users", input = Json)]
pub async fn moderation_users(
    search: Option<String>,
    sort: UserSort,
    page: u32,
) -> Result<Vec<UserSummary>, AppError> {
    let me = require_role(Role::Moderator).await?;
    Ok(engine()?
        .moderation_users(me.id, search, sort, page)
        .await?)
}

#[server(endpoint = "moderation/user", input = Json)]
pub async fn moderation_user(user_id: UserId) -> Result<UserDetail, AppError> {
    let me = require_role(Role::Moderator).await?;
    Ok(engine()?.moderation_user(me.id, user_id).await?)
}

#[server(endpoint = "moderation/set_role", input = Json)]
pub async fn moderation_set_role(user_id: UserId, role: Role) -> Result<(), AppError> {
    let me = require_role(Role::Moderator).await?;
    Ok(engine()?.moderation_set_role(me.id, user_id, role).await?)
}

#[server(endpoint = "moderation/set_banned", input = Json)]
pub async fn moderation_set_banned(user_id: UserId, banned: bool) -> Result<(), AppError> {
    let me = require_role(Role::Moderator).await?;
    Ok(engine()?
        .moderation_set_banned(me.id, user_id, banned)
        .await?)
}

#[server(endpoint = "moderation/set_notes", input = Json)]
pub async fn moderation_set_notes(user_id: UserId, notes: String) -> Result<(), AppError> {
    let me = require_role(Role::Moderator).await?;
    Ok(engine()?
        .moderation_set_notes(me.id, user_id, notes)
        .await?)
}

#[server(endpoint = "moderation/set_leaderboard", input = Json)]
pub async fn moderation_set_leaderboard(user_id: UserId, show: bool) -> Result<(), AppError> {
    let me = require_role(Role::Moderator).await?;
    Ok(engine()?
        .moderation_set_leaderboard(me.id, user_id, show)
        .await?)
}

#[server(endpoint = "moderation/purge", input = Json)]
pub async fn moderation_purge(
    user_id: UserId,
    ban: bool,
    preview: bool,
) -> Result<PurgeSummary, AppError> {
    let me = require_role(Role::Moderator).await?;
    Ok(engine()?
        .moderation_purge(me.id, user_id, ban, preview)
        .await?)
}

#[server(endpoint = "moderation/messages", input = Json)]
pub async fn moderation_messages(filter: MessageFilter) -> Result<Vec<ModeratedMessage>, AppError> {
    let me = require_role(Role::Moderator).await?;
    Ok(engine()?.moderation_messages(me.id, filter).await?)
}

/// A message with all a moderator needs around it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MessageDossier {
    pub tree: TreeSummary,
    pub message: ModeratedMessage,
    pub revisions: Vec<Revision>,
    pub reports: Vec<ReportView>,
    pub audit: Vec<AuditEntry>,
    /// What deleting the message would remove.
    pub delete_preview: DeletePreview,
}

#[server(endpoint = "moderation/message", input = Json)]
pub async fn moderation_message(message_id: MessageId) -> Result<MessageDossier, AppError> {
    let me = require_role(Role::Moderator).await?;
    let engine = engine()?;
    let tree = engine.moderation_tree(me.id, message_id).await?;
    let view = engine
        .tree_of_message(Some(me.id), message_id, true)
        .await?;
    let subtree = view.subtree(message_id);
    let mut authors: Vec<String> = Vec::new();
    // a moderator's view names every author
    for author in subtree.iter().filter_map(|m| m.author.as_ref()) {
        if !authors.contains(author) {
            authors.push(author.clone());
        }
    }
    let delete_preview = DeletePreview {
        messages: u32::try_from(subtree.len()).unwrap_or(u32::MAX),
        authors,
    };
    let message = view
        .messages
        .into_iter()
        .find(|m| m.message_id == message_id)
        .ok_or_else(|| AppError::new(404, "message_not_found", "No such message."))?;
    let reports = engine
        .moderation_reports(
            me.id,
            domain::moderation::ReportFilter::All,
            false,
            Some(message_id),
            0,
        )
        .await?;
    Ok(MessageDossier {
        message: ModeratedMessage {
            message,
            tree_state: tree.state,
            reports: i64::try_from(reports.len()).unwrap_or(0),
        },
        tree,
        revisions: engine.message_revisions(me.id, message_id).await?,
        reports,
        audit: engine.audit_log(me.id, Some(message_id.as_uuid())).await?,
        delete_preview,
    })
}

#[server(endpoint = "moderation/delete", input = Json)]
pub async fn moderation_delete(message_id: MessageId) -> Result<u64, AppError> {
    let me = require_role(Role::Moderator).await?;
    Ok(engine()?.moderation_delete(me.id, message_id).await?)
}

#[server(endpoint = "moderation/undelete", input = Json)]
pub async fn moderation_undelete(message_id: MessageId) -> Result<u64, AppError> {
    let me = require_role(Role::Moderator).await?;
    Ok(engine()?.moderation_undelete(me.id, message_id).await?)
}

#[server(endpoint = "moderation/edit", input = Json)]
pub async fn moderation_edit(message_id: MessageId, text: String) -> Result<(), AppError> {
    let me = require_role(Role::Moderator).await?;
    Ok(engine()?.moderation_edit(me.id, message_id, text).await?)
}

#[server(endpoint = "moderation/halt", input = Json)]
pub async fn moderation_set_halted(
    message_id: MessageId,
    halted: bool,
) -> Result<TreeState, AppError> {
    let me = require_role(Role::Moderator).await?;
    Ok(engine()?
        .moderation_set_halted(me.id, message_id, halted)
        .await?)
}

/// The queue: `status` is `unresolved` (open or taken; the default), `open`, `assigned`,
/// `resolved` or `all`.
#[server(endpoint = "moderation/reports", input = Json)]
pub async fn moderation_reports(
    status: Option<String>,
    mine: bool,
    page: u32,
) -> Result<Vec<ReportView>, AppError> {
    let me = require_role(Role::Moderator).await?;
    let filter =
        domain::moderation::ReportFilter::parse(status.as_deref().unwrap_or("unresolved"))?;
    Ok(engine()?
        .moderation_reports(me.id, filter, mine, None, page)
        .await?)
}

#[server(endpoint = "moderation/assign_report", input = Json)]
pub async fn moderation_assign_report(report_id: ReportId) -> Result<(), AppError> {
    let me = require_role(Role::Moderator).await?;
    Ok(engine()?.moderation_assign_report(me.id, report_id).await?)
}

#[server(endpoint = "moderation/resolve_report", input = Json)]
pub async fn moderation_resolve_report(
    report_id: ReportId,
    outcome: ReportOutcome,
    note: Option<String>,
) -> Result<u64, AppError> {
    let me = require_role(Role::Moderator).await?;
    Ok(engine()?
        .moderation_resolve_report(me.id, report_id, outcome, note)
        .await?)
}

#[server(endpoint = "moderation/trollboard", input = Json)]
pub async fn load_trollboard(window: Window, banned: bool) -> Result<Vec<TrollRow>, AppError> {
    let me = require_role(Role::Moderator).await?;
    Ok(engine()?.trollboard(me.id, window, banned).await?)
}

#[server(endpoint = "moderation/export_start", input = Json)]
pub async fn moderation_export_start(
    query: domain::moderation::ExportQuery,
) -> Result<String, AppError> {
    let me = require_role(Role::Moderator).await?;
    let options = engine::export::ExportOptions::from_query(&query)?;
    Ok(engine()?
        .start_export_job(me.id, options)
        .await?
        .to_string())
}

/// What the export filters would leave out (the form says which setting brings it back).
#[server(endpoint = "moderation/export_left_out", input = Json)]
pub async fn moderation_export_left_out(
    query: domain::moderation::ExportQuery,
) -> Result<domain::moderation::ExportLeftOut, AppError> {
    require_role(Role::Moderator).await?;
    let options = engine::export::ExportOptions::from_query(&query)?;
    Ok(engine()?.export_left_out(&options).await?)
}

#[server(endpoint = "moderation/export_jobs", input = Json)]
pub async fn moderation_export_jobs() -> Result<Vec<domain::moderation::ExportJobView>, AppError> {
    let me = require_role(Role::Moderator).await?;
    Ok(engine()?.export_jobs(me.id).await?)
}
