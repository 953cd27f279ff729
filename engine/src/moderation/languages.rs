//! Per-language switches: admins pause and resume new conversations in a language.

use super::{audit, require_moderator};
use crate::{db, tasks::view_time, Engine, Error};
use domain::{account::Role, ids::UserId, message::LanguageTag, moderation::LanguagePause};
use serde_json::json;
use uuid::Uuid;

impl Engine {
    /// Pauses (or resumes) new conversations in a language: no initial-prompt tasks are handed
    /// out there while paused; replies, reviews and rankings go on. Admins only; audited when
    /// something changed.
    pub async fn set_prompts_paused(
        &self,
        actor: UserId,
        lang: &str,
        paused: bool,
    ) -> Result<(), Error> {
        let lang = LanguageTag::parse(lang)?;
        self.transaction(move |conn| {
            let lang = lang.clone();
            Box::pin(async move {
                let actor = require_moderator(conn, actor).await?;
                if actor.role != Role::Admin {
                    return Err(Error::Forbidden);
                }
                let changed = if paused {
                    db::language_pause::pause(&mut *conn, lang.as_str(), actor.id.as_uuid()).await?
                } else {
                    db::language_pause::resume(&mut *conn, lang.as_str()).await?
                };
                if changed {
                    let (action, before, after) = if paused {
                        ("language.pause_prompts", false, true)
                    } else {
                        ("language.resume_prompts", true, false)
                    };
                    audit(
                        conn,
                        &actor,
                        action,
                        "language",
                        Uuid::nil(),
                        Some(json!({ "lang": lang.as_str(), "prompts_paused": before })),
                        Some(json!({ "lang": lang.as_str(), "prompts_paused": after })),
                    )
                    .await?;
                }
                Ok(())
            })
        })
        .await
    }

    /// The languages where new conversations are paused (moderators and admins).
    pub async fn paused_languages(&self, actor: UserId) -> Result<Vec<LanguagePause>, Error> {
        self.transaction(move |conn| {
            Box::pin(async move {
                require_moderator(conn, actor).await?;
                Ok(db::language_pause::all(&mut *conn)
                    .await?
                    .into_iter()
                    .map(|row| LanguagePause {
                        lang: row.lang,
                        paused_by: row.paused_by,
                        paused_at: view_time(row.paused_at),
                    })
                    .collect())
            })
        })
        .await
    }
}
