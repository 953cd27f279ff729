//! Users: list, detail, role, ban, notes, leaderboard visibility.

use super::{audit, require_moderator};
use crate::{
    accounts::User,
    db::{self, moderation::UserSummaryRow},
    tasks::view_time,
    Engine, Error,
};
use domain::{
    account::Role,
    ids::UserId,
    moderation::{AuditEntry, UserDetail, UserSort, UserSummary},
};
use serde_json::json;

/// Users per page of the list.
const PAGE: i64 = 50;

impl UserSummaryRow {
    pub(crate) fn into_summary(self) -> Result<UserSummary, Error> {
        Ok(UserSummary {
            id: UserId::from_uuid(self.user_id),
            username: self.username,
            display_name: self.display_name,
            role: Role::parse(&self.role)?,
            banned: self.banned,
            deleted: self.deleted,
            messages: self.messages,
            created_at: view_time(self.created_at),
        })
    }
}

impl Engine {
    /// Users matching `search` (in username or display name), sorted, one page of 50.
    pub async fn moderation_users(
        &self,
        actor: UserId,
        search: Option<String>,
        sort: UserSort,
        page: u32,
    ) -> Result<Vec<UserSummary>, Error> {
        let mut conn = self.pool.acquire().await?;
        require_moderator(&mut conn, actor).await?;
        let sort = match sort {
            UserSort::Newest => "newest",
            UserSort::Username => "username",
            UserSort::DisplayName => "display_name",
            UserSort::MostMessages => "most_messages",
        };
        let search = search
            .map(|s| s.trim().to_owned())
            .filter(|s| !s.is_empty());
        db::moderation::users(
            &mut *conn,
            search.as_deref(),
            sort,
            PAGE,
            i64::from(page) * PAGE,
        )
        .await?
        .into_iter()
        .map(UserSummaryRow::into_summary)
        .collect()
    }

    /// Everything about one account, their messages (deleted ones too) and stats.
    pub async fn moderation_user(
        &self,
        actor: UserId,
        target: UserId,
    ) -> Result<UserDetail, Error> {
        {
            let mut conn = self.pool.acquire().await?;
            require_moderator(&mut conn, actor).await?;
        }
        let summary = db::moderation::user_summary(&self.pool, target.as_uuid())
            .await?
            .ok_or_else(|| Error::not_found("user_not_found", "No such user."))?
            .into_summary()?;
        let user = self.user(target).await?;
        let (notes, show_on_leaderboard) =
            db::moderation::user_extras(&self.pool, target.as_uuid())
                .await?
                .unwrap_or_default();
        let score = self.score_card(target).await?;
        let reliability = self.annotator_reliability(actor, target).await?;
        let messages = self
            .contributions(target, None)
            .await?
            .into_iter()
            .map(|c| c.message)
            .collect();
        Ok(UserDetail {
            summary,
            email: user.email,
            notes,
            show_on_leaderboard,
            terms_accepted_at: user.tos_accepted_at.map(view_time),
            score,
            reliability,
            messages,
        })
    }

    /// Changes a role. Moderators may only make annotators, and only of users below them;
    /// admins may do anything except demote themselves.
    pub async fn moderation_set_role(
        &self,
        actor: UserId,
        target: UserId,
        role: Role,
    ) -> Result<(), Error> {
        self.transaction(move |conn| {
            Box::pin(async move {
                let actor = require_moderator(conn, actor).await?;
                let before = target_user(conn, target).await?;
                if !actor.role.may_grant(role)
                    || !actor.role.may_act_on(before.role)
                    || (actor.id == target && role < actor.role)
                {
                    return Err(Error::forbidden(
                        "role_not_grantable",
                        "Your role may not give this role to this user.",
                    ));
                }
                db::users::set_role(&mut *conn, target.as_uuid(), role.as_str()).await?;
                audit(
                    conn,
                    &actor,
                    "user.role",
                    "user",
                    target.as_uuid(),
                    Some(json!({ "role": before.role })),
                    Some(json!({ "role": role })),
                )
                .await
            })
        })
        .await
    }

    /// Bans or unbans; moderators only act on annotators.
    pub async fn moderation_set_banned(
        &self,
        actor: UserId,
        target: UserId,
        banned: bool,
    ) -> Result<(), Error> {
        self.transaction(move |conn| {
            Box::pin(async move {
                let actor = require_moderator(conn, actor).await?;
                let before = target_user(conn, target).await?;
                if actor.id == target || !actor.role.may_act_on(before.role) {
                    return Err(Error::forbidden(
                        "not_allowed_on_user",
                        "You may not ban or unban this user.",
                    ));
                }
                db::users::set_banned(&mut *conn, target.as_uuid(), banned).await?;
                audit(
                    conn,
                    &actor,
                    if banned { "user.ban" } else { "user.unban" },
                    "user",
                    target.as_uuid(),
                    Some(json!({ "banned": before.banned })),
                    Some(json!({ "banned": banned })),
                )
                .await
            })
        })
        .await
    }

    /// Sets the moderators' private notes on a user.
    pub async fn moderation_set_notes(
        &self,
        actor: UserId,
        target: UserId,
        notes: String,
    ) -> Result<(), Error> {
        if notes.chars().count() > 2000 {
            return Err(Error::bad_input(
                "notes_too_long",
                "Notes have at most 2000 characters.",
            ));
        }
        self.transaction(move |conn| {
            let notes = notes.clone();
            Box::pin(async move {
                let actor = require_moderator(conn, actor).await?;
                let user = target_user(conn, target).await?;
                if !actor.role.may_act_on(user.role) {
                    return Err(Error::forbidden(
                        "not_allowed_on_user",
                        "You may not change the notes of this user.",
                    ));
                }
                let (before, _) = db::moderation::user_extras(&mut *conn, target.as_uuid())
                    .await?
                    .unwrap_or_default();
                db::moderation::set_notes(&mut *conn, target.as_uuid(), &notes).await?;
                audit(
                    conn,
                    &actor,
                    "user.notes",
                    "user",
                    target.as_uuid(),
                    Some(json!({ "notes": before })),
                    Some(json!({ "notes": notes })),
                )
                .await
            })
        })
        .await
    }

    pub async fn moderation_set_leaderboard(
        &self,
        actor: UserId,
        target: UserId,
        show: bool,
    ) -> Result<(), Error> {
        self.transaction(move |conn| {
            Box::pin(async move {
                let actor = require_moderator(conn, actor).await?;
                let user = target_user(conn, target).await?;
                if !actor.role.may_act_on(user.role) {
                    return Err(Error::forbidden(
                        "not_allowed_on_user",
                        "You may not change where this user is shown.",
                    ));
                }
                let (_, before) = db::moderation::user_extras(&mut *conn, target.as_uuid())
                    .await?
                    .unwrap_or_default();
                db::moderation::set_show_on_leaderboard(&mut *conn, target.as_uuid(), show).await?;
                audit(
                    conn,
                    &actor,
                    "user.leaderboard",
                    "user",
                    target.as_uuid(),
                    Some(json!({ "show_on_leaderboard": before })),
                    Some(json!({ "show_on_leaderboard": show })),
                )
                .await
            })
        })
        .await
    }

    /// The audit log, newest first (of one target, or all).
    pub async fn audit_log(
        &self,
        actor: UserId,
        target: Option<uuid::Uuid>,
    ) -> Result<Vec<AuditEntry>, Error> {
        let mut conn = self.pool.acquire().await?;
        require_moderator(&mut conn, actor).await?;
        Ok(db::audit::recent(&mut *conn, target, 200)
            .await?
            .into_iter()
            .map(|row| AuditEntry {
                actor: row.actor,
                action: row.action,
                target_type: row.target_type,
                target_id: row.target_id.to_string(),
                before: row.before.map(|v| v.to_string()),
                after: row.after.map(|v| v.to_string()),
                created_at: view_time(row.created_at),
            })
            .collect())
    }
}

async fn target_user(conn: &mut sqlx::PgConnection, target: UserId) -> Result<User, Error> {
    db::users::by_id(&mut *conn, target.as_uuid())
        .await?
        .ok_or_else(|| Error::not_found("user_not_found", "No such user."))
        .and_then(User::try_from)
}
