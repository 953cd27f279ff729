//! What users say about messages outside tasks: thumbs up or down, reports (red flags), and
//! free labels from the message page. Reports and skips feed auto-moderation.

use crate::{
    contributors::require_contributor,
    db::{self, labels::NewLabel},
    quality::evidence,
    trees::{self},
    Engine, Error,
};
use domain::{
    ids::{MessageId, UserId},
    label::{catalogue, LabelMode, LabelTarget},
    message::Role,
    tree::TreeConfig,
};
use sqlx::PgConnection;
use std::collections::BTreeMap;
use uuid::Uuid;

pub use domain::tree::view::{Thumb, ThumbState};

const MAX_REPORT_CHARS: usize = 2000;

/// Checks a report's text.
pub(crate) fn report_reason(text: Option<&str>) -> Result<String, Error> {
    let text = text.unwrap_or_default().trim();
    if text.is_empty() {
        return Err(Error::bad_input(
            "report_reason_empty",
            "Please say what is wrong with the message.",
        ));
    }
    if text.chars().count() > MAX_REPORT_CHARS {
        return Err(Error::bad_input(
            "report_reason_too_long",
            format!("A report has at most {MAX_REPORT_CHARS} characters."),
        ));
    }
    Ok(text.to_owned())
}

impl Engine {
    /// Toggles the user's thumb on a message: the same thumb again takes it back, the other
    /// thumb replaces it.
    pub async fn toggle_thumb(
        &self,
        user: UserId,
        message: MessageId,
        thumb: Thumb,
    ) -> Result<ThumbState, Error> {
        self.transaction(move |conn| {
            Box::pin(async move {
                require_contributor(conn, user).await?;
                let row = live_message(conn, message.as_uuid()).await?;
                if row.user_id == user.as_uuid() {
                    return Err(Error::forbidden(
                        "own_message",
                        "You cannot vote on your own message.",
                    ));
                }
                trees::lock(conn, row.message_tree_id).await?;
                let (id, me) = (message.as_uuid(), user.as_uuid());
                let removed = db::reactions::remove(&mut *conn, id, me, thumb.as_str()).await?;
                let other = match thumb {
                    Thumb::Up => Thumb::Down,
                    Thumb::Down => Thumb::Up,
                };
                let removed_other =
                    db::reactions::remove(&mut *conn, id, me, other.as_str()).await?;
                let added =
                    !removed && db::reactions::add(&mut *conn, id, me, thumb.as_str()).await?;
                let delta = |t: Thumb| {
                    let mut d = 0;
                    if t == thumb {
                        d += i32::from(added) - i32::from(removed);
                    } else {
                        d -= i32::from(removed_other);
                    }
                    d
                };
                db::messages::add_reaction_counts(
                    &mut *conn,
                    id,
                    delta(Thumb::Up),
                    delta(Thumb::Down),
                    0,
                    0,
                )
                .await?;
                let after = db::messages::get(&mut *conn, id)
                    .await?
                    .ok_or(Error::NotFound("Message"))?;
                Ok(ThumbState {
                    thumbs_up: after.thumbs_up,
                    thumbs_down: after.thumbs_down,
                    mine: added.then_some(thumb),
                })
            })
        })
        .await
    }

    /// Reports a message: files the report and raises a red flag (once per user), which may
    /// trigger auto-moderation.
    pub async fn report_message(
        &self,
        user: UserId,
        message: MessageId,
        reason: &str,
    ) -> Result<(), Error> {
        let reason = report_reason(Some(reason))?;
        let config = self.config.clone();
        self.transaction(move |conn| {
            let config = config.clone();
            let reason = reason.clone();
            Box::pin(async move {
                require_contributor(conn, user).await?;
                live_message(conn, message.as_uuid()).await?;
                file_report(conn, &config, user, message.as_uuid(), &reason).await
            })
        })
        .await
    }

    /// Sets the user's own labels on a message outside a review task (they do not decide
    /// acceptance; they are exported with the message).
    pub async fn label_message(
        &self,
        user: UserId,
        message: MessageId,
        labels: BTreeMap<String, f64>,
    ) -> Result<(), Error> {
        self.transaction(move |conn| {
            let labels = labels.clone();
            Box::pin(async move {
                require_contributor(conn, user).await?;
                let row = live_message(conn, message.as_uuid()).await?;
                if row.user_id == user.as_uuid() {
                    return Err(Error::forbidden(
                        "self_review",
                        "You cannot label your own message.",
                    ));
                }
                let target = LabelTarget::of(
                    Role::parse(&row.role)?,
                    u32::try_from(row.depth).unwrap_or(0),
                );
                let allowed = catalogue::valid_labels(target, LabelMode::Full);
                catalogue::validate(&labels, &allowed, &[])?;
                if labels.is_empty() {
                    return Err(Error::bad_input(
                        "labels_empty",
                        "Choose at least one label.",
                    ));
                }
                trees::lock(conn, row.message_tree_id).await?;
                db::labels::upsert_free(
                    &mut *conn,
                    NewLabel {
                        message_id: row.message_id,
                        message_author_id: row.user_id,
                        user_id: user.as_uuid(),
                        labels: serde_json::to_value(&labels)
                            .map_err(|e| Error::Internal(format!("labels: {e}")))?,
                    },
                )
                .await
            })
        })
        .await
    }
}

async fn live_message(
    conn: &mut PgConnection,
    id: Uuid,
) -> Result<db::messages::MessageRow, Error> {
    match db::messages::get(&mut *conn, id).await? {
        Some(row) if !row.deleted => Ok(row),
        _ => Err(Error::not_found("message_not_found", "No such message.")),
    }
}

/// Files a report and raises the reporter's red flag; auto-moderation may act on it.
pub(crate) async fn file_report(
    conn: &mut PgConnection,
    config: &TreeConfig,
    user: UserId,
    message: Uuid,
    reason: &str,
) -> Result<(), Error> {
    let row = db::messages::get(&mut *conn, message)
        .await?
        .ok_or(Error::NotFound("Message"))?;
    let mut tree = trees::lock(conn, row.message_tree_id).await?;
    db::reactions::insert_report(&mut *conn, message, user.as_uuid(), reason).await?;
    if db::reactions::add(&mut *conn, message, user.as_uuid(), "red_flag").await? {
        db::messages::add_reaction_counts(&mut *conn, message, 0, 0, 1, 0).await?;
    }
    let flags = db::reactions::count(&mut *conn, message, "red_flag").await?;
    let mut ledger = evidence::Ledger::default();
    trees::after_red_flag(conn, config, &mut tree, &row, flags, &mut ledger).await?;
    evidence::settle(conn, ledger, None).await
}

/// Records a skip so the item never returns to this user; mass reply skips halt the tree.
pub(crate) async fn add_skip(
    conn: &mut PgConnection,
    config: &TreeConfig,
    user: UserId,
    message: Uuid,
    kind: &str,
) -> Result<(), Error> {
    let row = db::messages::get(&mut *conn, message)
        .await?
        .ok_or(Error::NotFound("Message"))?;
    let mut tree = trees::lock(conn, row.message_tree_id).await?;
    if db::reactions::add(&mut *conn, message, user.as_uuid(), kind).await? && kind == "skip_reply"
    {
        db::messages::add_reaction_counts(&mut *conn, message, 0, 0, 0, 1).await?;
        let skips = db::reactions::count(&mut *conn, message, "skip_reply").await?;
        trees::after_reply_skip(conn, config, &mut tree, skips).await?;
    }
    Ok(())
}
