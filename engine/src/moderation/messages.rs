//! Messages and trees: search, delete and undelete, edit with history, halt and restart.

use super::{audit, require_moderator};
use crate::{
    db,
    quality::evidence,
    tasks::view_time,
    trees::{self, transition},
    Engine, Error,
};
use domain::{
    ids::{MessageId, TreeId, UserId},
    message::MessageText,
    moderation::{MessageFilter, ModeratedMessage, Revision, TreeSummary},
    tree::{TreeEvent, TreeState},
};
use serde_json::json;
use time::{macros::format_description, Date};

/// Messages per page of a search.
const PAGE: i64 = 50;

/// A `YYYY-MM-DD` filter value; blank means none.
pub(crate) fn parse_date(raw: Option<&str>) -> Result<Option<Date>, Error> {
    match raw.map(str::trim).filter(|s| !s.is_empty()) {
        None => Ok(None),
        Some(raw) => Date::parse(raw, format_description!("[year]-[month]-[day]"))
            .map(Some)
            .map_err(|_| {
                Error::bad_input(
                    "invalid_date",
                    format!("'{raw}' is not a date (YYYY-MM-DD)."),
                )
            }),
    }
}

fn message_gone() -> Error {
    Error::not_found("message_not_found", "No such message.")
}

impl Engine {
    /// Messages matching the filter, newest first (50 per page), deleted ones on request.
    pub async fn moderation_messages(
        &self,
        actor: UserId,
        filter: MessageFilter,
    ) -> Result<Vec<ModeratedMessage>, Error> {
        let mut conn = self.pool.acquire().await?;
        require_moderator(&mut conn, actor).await?;
        let clean = |value: &Option<String>| {
            value
                .as_deref()
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(str::to_owned)
        };
        let lang = match clean(&filter.lang) {
            Some(lang) => Some(
                domain::message::LanguageTag::parse(&lang)?
                    .as_str()
                    .to_owned(),
            ),
            None => None,
        };
        let found = db::moderation::search_messages(
            &mut *conn,
            clean(&filter.query).as_deref(),
            lang.as_deref(),
            clean(&filter.review).as_deref(),
            filter.tree_state.map(TreeState::as_str),
            clean(&filter.author).as_deref(),
            parse_date(filter.from.as_deref())?,
            parse_date(filter.to.as_deref())?,
            filter.reported_only,
            filter.include_deleted,
            PAGE,
            i64::from(filter.page) * PAGE,
        )
        .await?;
        let mut out = Vec::with_capacity(found.len());
        for (id, reports) in found {
            let tree = self
                .tree_of_message(Some(actor), MessageId::from_uuid(id), true)
                .await?;
            if let Some(message) = tree
                .messages
                .into_iter()
                .find(|m| m.message_id.as_uuid() == id)
            {
                out.push(ModeratedMessage {
                    message,
                    tree_state: tree.state,
                    reports,
                });
            }
        }
        Ok(out)
    }

    /// The tree of a message as moderators see it: its state and limits.
    pub async fn moderation_tree(
        &self,
        actor: UserId,
        message: MessageId,
    ) -> Result<TreeSummary, Error> {
        let mut conn = self.pool.acquire().await?;
        require_moderator(&mut conn, actor).await?;
        let (_, _, tree_id) = db::moderation::text_of(&mut *conn, message.as_uuid())
            .await?
            .ok_or_else(message_gone)?;
        let tree = db::trees::get(&mut *conn, tree_id)
            .await?
            .ok_or(Error::NotFound("Tree"))?;
        Ok(TreeSummary {
            message_tree_id: TreeId::from_uuid(tree.message_tree_id),
            state: TreeState::parse(&tree.state)?,
            lang: tree.lang,
            goal_tree_size: tree.goal_tree_size,
            max_depth: tree.max_depth,
            max_children_count: tree.max_children_count,
        })
    }

    /// The edit history of a message, oldest first.
    pub async fn message_revisions(
        &self,
        actor: UserId,
        message: MessageId,
    ) -> Result<Vec<Revision>, Error> {
        let mut conn = self.pool.acquire().await?;
        require_moderator(&mut conn, actor).await?;
        Ok(db::moderation::revisions(&mut *conn, message.as_uuid())
            .await?
            .into_iter()
            .map(|row| Revision {
                editor: row.editor,
                previous_text: row.previous_text,
                new_text: row.new_text,
                created_at: view_time(row.created_at),
            })
            .collect())
    }

    /// Deletes a message and everything below it (softly: the data stays for undeletion).
    pub async fn moderation_delete(&self, actor: UserId, message: MessageId) -> Result<u64, Error> {
        let config = self.config.clone();
        self.transaction(move |conn| {
            let config = config.clone();
            Box::pin(async move {
                let actor = require_moderator(conn, actor).await?;
                let (_, deleted, _) = db::moderation::text_of(&mut *conn, message.as_uuid())
                    .await?
                    .ok_or_else(message_gone)?;
                if deleted {
                    return Err(Error::conflict(
                        "already_deleted",
                        "This message is already deleted.",
                    ));
                }
                delete_if_present(conn, &config, &actor, message).await
            })
        })
        .await
    }

    /// Restores a deleted message together with its ancestors.
    pub async fn moderation_undelete(
        &self,
        actor: UserId,
        message: MessageId,
    ) -> Result<u64, Error> {
        self.transaction(move |conn| {
            Box::pin(async move {
                let actor = require_moderator(conn, actor).await?;
                let (_, deleted, tree_id) = db::moderation::text_of(&mut *conn, message.as_uuid()).await?.ok_or_else(message_gone)?;
                if !deleted {
                    return Err(Error::conflict("not_deleted", "This message is not deleted."));
                }
                trees::lock(conn, tree_id).await?;
                let count = db::moderation::undelete_with_ancestors(&mut *conn, message.as_uuid())
                    .await
                    .map_err(|e| match e {
                        Error::Database(db_error) => crate::error::on_constraint(db_error, |c| {
                            (c == "message_one_reply_per_user").then(|| Error::conflict(
                                "undelete_conflict",
                                "Its author has written another reply in the same place since; delete that one first.",
                            ))
                        }),
                        other => other,
                    })?;
                db::messages::recount_children(&mut *conn, tree_id).await?;
                audit(conn, &actor, "message.undelete", "message", message.as_uuid(),
                    Some(json!({ "deleted": true })), Some(json!({ "deleted": false, "messages": count }))).await?;
                Ok(count)
            })
        })
        .await
    }

    /// Replaces a message's text; the previous text is kept in the revision history.
    pub async fn moderation_edit(
        &self,
        actor: UserId,
        message: MessageId,
        text: String,
    ) -> Result<(), Error> {
        let text = MessageText::parse(&text, self.config.max_message_chars)?;
        self.transaction(move |conn| {
            let text = text.clone();
            Box::pin(async move {
                let actor = require_moderator(conn, actor).await?;
                let (previous, _, tree_id) = db::moderation::text_of(&mut *conn, message.as_uuid())
                    .await?
                    .ok_or_else(message_gone)?;
                if previous == text.as_str() {
                    return Err(Error::bad_input(
                        "unchanged",
                        "The text is the same as before.",
                    ));
                }
                trees::lock(conn, tree_id).await?;
                db::moderation::edit(
                    conn,
                    message.as_uuid(),
                    actor.id.as_uuid(),
                    &previous,
                    text.as_str(),
                )
                .await?;
                audit(
                    conn,
                    &actor,
                    "message.edit",
                    "message",
                    message.as_uuid(),
                    Some(json!({ "text": previous })),
                    Some(json!({ "text": text.as_str() })),
                )
                .await
            })
        })
        .await
    }

    /// Halts a tree (no more tasks come from it) or restarts it where it left off.
    pub async fn moderation_set_halted(
        &self,
        actor: UserId,
        message: MessageId,
        halted: bool,
    ) -> Result<TreeState, Error> {
        let config = self.config.clone();
        self.transaction(move |conn| {
            let config = config.clone();
            Box::pin(async move {
                let actor = require_moderator(conn, actor).await?;
                let (_, _, tree_id) = db::moderation::text_of(&mut *conn, message.as_uuid())
                    .await?
                    .ok_or_else(message_gone)?;
                let mut tree = trees::lock(conn, tree_id).await?;
                let before = tree.state;
                if halted {
                    transition(conn, &mut tree, TreeEvent::Halt).await?;
                } else {
                    let won_lottery = tree.won_lottery;
                    transition(conn, &mut tree, TreeEvent::Restart { won_lottery }).await?;
                    // a restarted tree may already have what it needs to move on
                    let mut ledger = evidence::Ledger::default();
                    trees::advance(conn, &config, &mut tree, &mut ledger).await?;
                    evidence::settle(conn, ledger, None).await?;
                }
                audit(
                    conn,
                    &actor,
                    if halted { "tree.halt" } else { "tree.restart" },
                    "tree",
                    tree_id,
                    Some(json!({ "state": before })),
                    Some(json!({ "state": tree.state })),
                )
                .await?;
                Ok(tree.state)
            })
        })
        .await
    }
}

/// Deletes `message` and everything below it, audited, unless it is deleted already; how many
/// messages went.
pub(super) async fn delete_if_present(
    conn: &mut sqlx::PgConnection,
    config: &domain::tree::TreeConfig,
    actor: &crate::accounts::User,
    message: MessageId,
) -> Result<u64, Error> {
    let (_, deleted, tree_id) = db::moderation::text_of(&mut *conn, message.as_uuid())
        .await?
        .ok_or_else(message_gone)?;
    if deleted {
        return Ok(0);
    }
    let mut tree = trees::lock(conn, tree_id).await?;
    let mut ledger = evidence::Ledger::default();
    let count =
        trees::delete_subtree(conn, config, &mut tree, message.as_uuid(), &mut ledger).await?;
    evidence::settle(conn, ledger, None).await?;
    audit(
        conn,
        actor,
        "message.delete",
        "message",
        message.as_uuid(),
        Some(json!({ "deleted": false })),
        Some(json!({ "deleted": true, "messages": count })),
    )
    .await?;
    Ok(count)
}
