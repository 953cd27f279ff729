//! Who may contribute: an active account that accepted the terms.

use crate::{accounts::User, db::users, Error};
use domain::ids::UserId;
use sqlx::PgConnection;

/// Loads the user and checks they may contribute right now.
pub(crate) async fn require_contributor(
    conn: &mut PgConnection,
    id: UserId,
) -> Result<User, Error> {
    let user = users::by_id(&mut *conn, id.as_uuid())
        .await?
        .ok_or(Error::Unauthenticated)
        .and_then(User::try_from)?;
    if user.deleted {
        return Err(Error::Unauthenticated);
    }
    if user.banned {
        return Err(Error::Banned);
    }
    if !user.has_accepted_terms() {
        return Err(Error::TermsNotAccepted);
    }
    Ok(user)
}
