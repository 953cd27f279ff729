//! Messages from the browser: the tree view, thumbs, reports, free labels, contributions.

use crate::error::AppError;
use domain::{
    ids::MessageId,
    tree::view::{Contribution, Thumb, ThumbState, TreeView},
};
use leptos::{prelude::*, server_fn::codec::Json};
use std::collections::BTreeMap;

#[cfg(feature = "ssr")]
use crate::session::{engine, require_user, UserSession};

/// The tree around a message (anyone may read accepted data; deleted messages are hidden).
#[server(endpoint = "messages/tree", input = Json)]
pub async fn message_tree(message_id: MessageId) -> Result<TreeView, AppError> {
    let engine = engine()?;
    let viewer = UserSession::from_request().await?.user(&engine).await?;
    Ok(engine
        .tree_of_message(viewer.map(|user| user.id), message_id, false)
        .await?)
}

#[server(endpoint = "messages/thumb", input = Json)]
pub async fn toggle_thumb(message_id: MessageId, thumb: Thumb) -> Result<ThumbState, AppError> {
    let user = require_user().await?;
    Ok(engine()?.toggle_thumb(user.id, message_id, thumb).await?)
}

#[server(endpoint = "messages/report", input = Json)]
pub async fn report_message(message_id: MessageId, reason: String) -> Result<(), AppError> {
    let user = require_user().await?;
    Ok(engine()?
        .report_message(user.id, message_id, &reason)
        .await?)
}

#[server(endpoint = "messages/labels", input = Json)]
pub async fn label_message(
    message_id: MessageId,
    labels: BTreeMap<String, f64>,
) -> Result<(), AppError> {
    let user = require_user().await?;
    Ok(engine()?.label_message(user.id, message_id, labels).await?)
}

/// The user's messages, newest first; `before` is the RFC 3339 time of the last one seen.
#[server(endpoint = "contributions", input = Json)]
pub async fn my_contributions(before: Option<String>) -> Result<Vec<Contribution>, AppError> {
    let user = require_user().await?;
    let before = match before {
        Some(raw) => Some(
            time::OffsetDateTime::parse(&raw, &time::format_description::well_known::Rfc3339)
                .map_err(|_| {
                    AppError::new(400, "invalid_cursor", "The page cursor is not a time.")
                })?,
        ),
        None => None,
    };
    Ok(engine()?.contributions(user.id, before).await?)
}
