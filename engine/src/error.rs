//! The engine's error type. Every variant has a stable snake_case code; the HTTP layer maps the
//! kind to a status in one place.

use domain::Invalid;

/// What went wrong in a use-case.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error(transparent)]
    Invalid(#[from] Invalid),
    #[error("Unknown username or wrong password.")]
    InvalidCredentials,
    #[error("This account is banned.")]
    Banned,
    #[error("Please log in first.")]
    Unauthenticated,
    #[error("You are not allowed to do that.")]
    Forbidden,
    #[error("Please accept the terms of service before contributing.")]
    TermsNotAccepted,
    #[error("That username is taken.")]
    UsernameTaken,
    #[error("That e-mail address is already registered.")]
    EmailTaken,
    #[error("That name is taken, or looks too much like one that is.")]
    NameTaken,
    #[error("{0} not found.")]
    NotFound(&'static str),
    /// A rule of the task engine, with its own code and HTTP family.
    #[error("{message}")]
    Rule {
        code: &'static str,
        message: String,
        kind: ErrorKind,
    },
    #[error("database error")]
    Database(#[from] sqlx::Error),
    #[error("migration error")]
    Migration(#[from] sqlx::migrate::MigrateError),
    #[error("internal error: {0}")]
    Internal(String),
}

/// The family of an error, which decides its HTTP status.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorKind {
    BadInput,
    Unauthenticated,
    Forbidden,
    NotFound,
    Conflict,
    /// The thing existed but is no longer usable (an expired task).
    Gone,
    /// Too much at once (open tasks, rate limits).
    TooMany,
    /// The database cannot be reached right now (restarting, overloaded): try again soon.
    Unavailable,
    Internal,
}

impl Error {
    /// The stable code on the wire.
    pub fn code(&self) -> &'static str {
        match self {
            Self::Invalid(invalid) => invalid.code,
            Self::InvalidCredentials => "invalid_credentials",
            Self::Banned => "account_banned",
            Self::Unauthenticated => "unauthenticated",
            Self::Forbidden => "forbidden",
            Self::TermsNotAccepted => "terms_not_accepted",
            Self::UsernameTaken => "username_taken",
            Self::EmailTaken => "email_taken",
            Self::NameTaken => "name_taken",
            Self::NotFound(_) => "not_found",
            Self::Rule { code, .. } => code,
            Self::Database(error) if is_unstorable_text(error) => "invalid_text",
            Self::Database(_) if self.kind() == ErrorKind::Unavailable => "database_unavailable",
            Self::Database(_) | Self::Migration(_) | Self::Internal(_) => "internal",
        }
    }

    pub fn kind(&self) -> ErrorKind {
        match self {
            Self::Invalid(_) => ErrorKind::BadInput,
            Self::InvalidCredentials | Self::Unauthenticated => ErrorKind::Unauthenticated,
            Self::Banned | Self::Forbidden | Self::TermsNotAccepted => ErrorKind::Forbidden,
            Self::UsernameTaken | Self::EmailTaken | Self::NameTaken => ErrorKind::Conflict,
            Self::NotFound(_) => ErrorKind::NotFound,
            Self::Rule { kind, .. } => *kind,
            Self::Database(error) if is_connection_failure(error) => ErrorKind::Unavailable,
            Self::Database(error) if is_unstorable_text(error) => ErrorKind::BadInput,
            Self::Database(_) | Self::Migration(_) | Self::Internal(_) => ErrorKind::Internal,
        }
    }

    /// A rule violation of the given family.
    pub fn rule(kind: ErrorKind, code: &'static str, message: impl Into<String>) -> Self {
        Self::Rule {
            code,
            message: message.into(),
            kind,
        }
    }

    pub fn conflict(code: &'static str, message: impl Into<String>) -> Self {
        Self::rule(ErrorKind::Conflict, code, message)
    }

    pub fn bad_input(code: &'static str, message: impl Into<String>) -> Self {
        Self::rule(ErrorKind::BadInput, code, message)
    }

    pub fn not_found(code: &'static str, message: impl Into<String>) -> Self {
        Self::rule(ErrorKind::NotFound, code, message)
    }

    pub fn forbidden(code: &'static str, message: impl Into<String>) -> Self {
        Self::rule(ErrorKind::Forbidden, code, message)
    }

    /// Why running the transaction again may succeed: `"serialization_failure"` or
    /// `"deadlock"`; `None` for every other error.
    pub fn retry_reason(&self) -> Option<&'static str> {
        match self {
            Self::Database(sqlx::Error::Database(db)) => match db.code().as_deref() {
                Some("40001") => Some("serialization_failure"),
                Some("40P01") => Some("deadlock"),
                _ => None,
            },
            _ => None,
        }
    }

    /// The text shown to the user; internal failures say nothing about their cause.
    pub fn public_message(&self) -> String {
        match self.kind() {
            ErrorKind::Unavailable => {
                "The database is briefly unavailable. Please try again in a moment.".to_owned()
            }
            ErrorKind::Internal => "Something went wrong on our side. Please try again.".to_owned(),
            _ if matches!(self, Self::Database(_)) => {
                "The text contains a character that cannot be stored (such as a NUL byte)."
                    .to_owned()
            }
            _ => self.to_string(),
        }
    }
}

/// Whether the database could not be reached (as opposed to refusing a query): the connection
/// broke, the pool found none in time, or the server is shutting down or starting up.
fn is_connection_failure(error: &sqlx::Error) -> bool {
    match error {
        sqlx::Error::Io(_)
        | sqlx::Error::PoolTimedOut
        | sqlx::Error::PoolClosed
        | sqlx::Error::WorkerCrashed => true,
        // 08: connection exception; 57P01-03: admin shutdown, crash shutdown, cannot connect now
        sqlx::Error::Database(db) => db.code().is_some_and(|code| {
            code.starts_with("08") || matches!(code.as_ref(), "57P01" | "57P02" | "57P03")
        }),
        _ => false,
    }
}

/// Whether Postgres refused a text value itself (a NUL byte, which no text column can hold):
/// the sender's mistake wherever a check before the query missed it.
fn is_unstorable_text(error: &sqlx::Error) -> bool {
    matches!(error, sqlx::Error::Database(db) if db.code().is_some_and(|code| matches!(code.as_ref(), "22021" | "22P05")))
}

/// Maps a named unique constraint to the conflict it means, leaving other errors as they are.
pub(crate) fn on_constraint(error: sqlx::Error, map: impl Fn(&str) -> Option<Error>) -> Error {
    if let sqlx::Error::Database(db_error) = &error {
        if let Some(mapped) = db_error.constraint().and_then(&map) {
            return mapped;
        }
    }
    Error::Database(error)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_lost_database_is_unavailable_not_internal() {
        let lost = Error::Database(sqlx::Error::PoolTimedOut);
        assert_eq!(
            (lost.kind(), lost.code()),
            (ErrorKind::Unavailable, "database_unavailable")
        );
        let broken = Error::Database(sqlx::Error::Io(std::io::Error::from(
            std::io::ErrorKind::ConnectionReset,
        )));
        assert_eq!(broken.kind(), ErrorKind::Unavailable);
        let bug = Error::Database(sqlx::Error::RowNotFound);
        assert_eq!((bug.kind(), bug.code()), (ErrorKind::Internal, "internal"));
    }
}
