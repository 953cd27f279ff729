//! Moderator use-cases. Every one checks the actor's role first and writes an audit entry
//! (who, what, when, before and after) in the same transaction as the change.

mod messages;

pub(crate) use messages::parse_date;
mod languages;
mod purge;
mod reports;
mod users;

use crate::{
    accounts::User,
    db::{self, audit::NewEntry},
    Error,
};
use domain::{account::Role, ids::UserId};
use sqlx::PgConnection;
use uuid::Uuid;

/// The acting user, if they are an active moderator or admin.
pub(crate) async fn require_moderator(
    conn: &mut PgConnection,
    actor: UserId,
) -> Result<User, Error> {
    let user = db::users::by_id(&mut *conn, actor.as_uuid())
        .await?
        .ok_or(Error::Unauthenticated)
        .and_then(User::try_from)?;
    if !user.is_active() {
        return Err(Error::Unauthenticated);
    }
    if !user.role.at_least(Role::Moderator) {
        return Err(Error::Forbidden);
    }
    Ok(user)
}

/// Writes one audit entry.
pub(crate) async fn audit(
    conn: &mut PgConnection,
    actor: &User,
    action: &str,
    target_type: &str,
    target_id: Uuid,
    before: Option<serde_json::Value>,
    after: Option<serde_json::Value>,
) -> Result<(), Error> {
    db::audit::record(
        conn,
        NewEntry {
            actor: actor.id.as_uuid(),
            action,
            target_type,
            target_id,
            before,
            after,
        },
    )
    .await
}

#[cfg(test)]
mod tests;
