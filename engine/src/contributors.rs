//! Who may contribute: an active account that accepted the terms.

use crate::{
    accounts::User,
    db::{users, web_sessions},
    web_sessions::SessionKey,
    Error,
};
use domain::ids::UserId;
use sqlx::PgConnection;
use std::hash::{DefaultHasher, Hash, Hasher};

/// Who calls into the task loop.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Caller {
    /// An account (an API key's, whose account the web layer loaded and checked).
    User(UserId),
    /// A browser session, read in the task loop's own transaction rather than loaded by the
    /// web layer first (one pooled connection per call instead of two): an unknown, expired
    /// or signed-out session, and one whose account was banned, deleted or logged out
    /// everywhere since, is unauthenticated.
    Session(SessionKey),
}

impl From<UserId> for Caller {
    fn from(user: UserId) -> Self {
        Self::User(user)
    }
}

impl Caller {
    /// Who this is, read on the transaction's connection.
    pub(crate) async fn signed_in(&self, conn: &mut PgConnection) -> Result<Signed, Error> {
        let signed = match self {
            Self::User(user) => Signed {
                user: *user,
                session_version: None,
            },
            Self::Session(key) => {
                let (user, version) = web_sessions::login(&mut *conn, key.as_str())
                    .await?
                    .ok_or(Error::Unauthenticated)?;
                Signed {
                    user: UserId::from_uuid(user),
                    session_version: Some(version),
                }
            }
        };
        tracing::Span::current().record("user_id", tracing::field::display(signed.user));
        Ok(signed)
    }

    /// A number that tells callers apart (an account, or a session) without the database:
    /// the survey counts the distinct people asking for work by it.
    pub(crate) fn demand_key(&self) -> u64 {
        let mut hasher = DefaultHasher::new();
        match self {
            Self::User(user) => user.as_uuid().hash(&mut hasher),
            Self::Session(key) => key.hash(&mut hasher),
        }
        hasher.finish()
    }
}

/// A caller as the transaction read it: the account, and for a browser session the session
/// version the session was issued for (checked against the account's in the statement the
/// task loop runs first anyway).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Signed {
    pub user: UserId,
    pub session_version: Option<i32>,
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
    pub(crate) fn check_for(self, caller: Signed) -> Result<(), Error> {
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
