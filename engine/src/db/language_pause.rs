//! The `language_pause` table: languages where new conversations are paused.

use crate::Error;
use sqlx::PgExecutor;
use time::OffsetDateTime;
use uuid::Uuid;

pub(crate) struct PauseRow {
    pub lang: String,
    pub paused_by: String,
    pub paused_at: OffsetDateTime,
}

/// Pauses a language; pausing it again keeps the first pause. True when the row is new.
pub(crate) async fn pause(
    executor: impl PgExecutor<'_>,
    lang: &str,
    admin: Uuid,
) -> Result<bool, Error> {
    let result = sqlx::query!(
        "insert into language_pause (lang, paused_by) values ($1, $2) on conflict (lang) do nothing",
        lang,
        admin,
    )
    .execute(executor)
    .await?;
    Ok(result.rows_affected() == 1)
}

/// Resumes a language. True when it was paused.
pub(crate) async fn resume(executor: impl PgExecutor<'_>, lang: &str) -> Result<bool, Error> {
    let result = sqlx::query!("delete from language_pause where lang = $1", lang)
        .execute(executor)
        .await?;
    Ok(result.rows_affected() == 1)
}

/// Every paused language with who paused it, by language.
pub(crate) async fn all(executor: impl PgExecutor<'_>) -> Result<Vec<PauseRow>, Error> {
    Ok(sqlx::query_as!(
        PauseRow,
        "select p.lang, u.username as paused_by, p.paused_at
         from language_pause p join app_user u on u.user_id = p.paused_by
         order by p.lang",
    )
    .fetch_all(executor)
    .await?)
}
