//! Typed identifiers: a bare `Uuid` never crosses a crate boundary.

use serde::{Deserialize, Serialize};
use std::{fmt, str::FromStr};
use uuid::Uuid;

/// Ids travel as UUID strings.
#[cfg(feature = "openapi")]
fn uuid_schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
    use utoipa::openapi::schema::{ObjectBuilder, SchemaFormat, Type};
    ObjectBuilder::new()
        .schema_type(Type::String)
        .format(Some(SchemaFormat::Custom("uuid".to_owned())))
        .into()
}

macro_rules! id_type {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(transparent)]
        pub struct $name(Uuid);

        impl $name {
            /// Wraps a raw id read from storage.
            pub const fn from_uuid(id: Uuid) -> Self {
                Self(id)
            }

            /// The raw id, for storage.
            pub const fn as_uuid(&self) -> Uuid {
                self.0
            }
        }

        #[cfg(feature = "openapi")]
        impl utoipa::PartialSchema for $name {
            fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
                uuid_schema()
            }
        }

        #[cfg(feature = "openapi")]
        impl utoipa::ToSchema for $name {}

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                self.0.fmt(f)
            }
        }

        impl FromStr for $name {
            type Err = uuid::Error;

            fn from_str(s: &str) -> Result<Self, Self::Err> {
                Uuid::parse_str(s).map(Self)
            }
        }
    };
}

id_type!(
    /// A registered account.
    UserId
);

id_type!(
    /// A message (a prompt or a reply).
    MessageId
);

id_type!(
    /// A conversation tree; the same value as its root message's id.
    TreeId
);

id_type!(
    /// A task handed to an annotator.
    TaskId
);

id_type!(
    /// A report about a message.
    ReportId
);

id_type!(
    /// A reward-model job (training or scoring) in the worker queue.
    JobId
);

id_type!(
    /// A gold item: a message's expected labels or a parent's expected ranking.
    GoldId
);

id_type!(
    /// A retraining run (train a candidate, score, promote or keep).
    RunId
);
