//! Who may contribute: an active account that accepted the terms.

use crate::{accounts::User, db::users, Error};
use domain::ids::UserId;
use sqlx::PgConnection;

/// Who calls into the task loop: the user, and for a browser session the account's session
/// version the session was issued for (the task loop then checks the session in the statement
/// it runs anyway, so the web layer need not load the account first).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Caller {
    pub user: UserId,
    pub session_version: Option<i32>,
}

impl From<UserId> for Caller {
    fn from(user: UserId) -> Self {
        Self {
            user,
            session_version: None,
        }
    }
}

/// What decides whether an account may contribute, as read alongside other data (the task
/// loop reads it in the statement it needs anyway, rather than loading the whole account).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Standing {
    /// Whether the account exists at all.
    pub exists: bool,
    pub deleted: bool,
    pub banned: bool,
    pub accepted_terms: bool,
    /// The account's current session version (a logout everywhere raises it).
    pub session_version: i32,
}

impl Standing {
    /// `caller` may contribute right now, or the error that says why not. A session caller
    /// whose account was banned, deleted or logged out everywhere is no longer signed in (as
    /// the web layer's session check has it).
    pub(crate) fn check_for(self, caller: Caller) -> Result<(), Error> {
        if let Some(version) = caller.session_version {
            if !self.exists || self.deleted || self.banned || self.session_version != version {
                return Err(Error::Unauthenticated);
            }
        }
        self.check()
    }

    /// The account may contribute right now, or the error that says why not.
    pub(crate) fn check(self) -> Result<(), Error> {
        if !self.exists || self.deleted {
            return Err(Error::Unauthenticated);
        }
        if self.banned {
            return Err(Error::Banned);
        }
        if !self.accepted_terms {
            return Err(Error::TermsNotAccepted);
        }
        Ok(())
    }
}

/// Loads the user and checks they may contribute right now.
pub(crate) async fn require_contributor(
    conn: &mut PgConnection,
    id: UserId,
) -> Result<User, Error> {
    let user = users::by_id(&mut *conn, id.as_uuid())
        .await?
        .ok_or(Error::Unauthenticated)
        .and_then(User::try_from)?;
    Standing {
        exists: true,
        deleted: user.deleted,
        banned: user.banned,
        accepted_terms: user.has_accepted_terms(),
        session_version: user.session_version,
    }
    .check()?;
    Ok(user)
}
