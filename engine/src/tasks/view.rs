//! Turning stored messages into what a task shows.

use crate::{db::messages::MessageRow, Error};
use domain::{ids::MessageId, message::Role, task::view::ConversationMessage};
use time::{format_description::well_known::Rfc3339, OffsetDateTime};
use uuid::Uuid;

pub(crate) fn message(row: &MessageRow, viewer: Uuid) -> Result<ConversationMessage, Error> {
    Ok(ConversationMessage {
        message_id: MessageId::from_uuid(row.message_id),
        role: Role::parse(&row.role)?,
        text: row.text.clone(),
        lang: row.lang.clone(),
        is_own: row.user_id == viewer,
        synthetic: row.synthetic,
    })
}

pub(crate) fn messages(
    rows: &[MessageRow],
    viewer: Uuid,
) -> Result<Vec<ConversationMessage>, Error> {
    rows.iter().map(|row| message(row, viewer)).collect()
}

pub(crate) fn rfc3339(at: OffsetDateTime) -> String {
    at.format(&Rfc3339).unwrap_or_else(|_| at.to_string())
}
