//! Purging a user's contributions: their messages (with the replies below them), reviews,
//! rankings and reactions. A preview runs the very same purge and rolls it back.

use super::{audit, require_moderator};
use crate::{db, quality::evidence, trees, Engine, Error};
use domain::{ids::UserId, moderation::PurgeSummary};
use serde_json::json;
use tracing::instrument;

impl Engine {
    /// Purges (or, with `preview`, reports what a purge would remove), optionally banning the
    /// user too.
    #[instrument(skip(self))]
    pub async fn moderation_purge(
        &self,
        actor: UserId,
        target: UserId,
        ban: bool,
        preview: bool,
    ) -> Result<PurgeSummary, Error> {
        let mut tx = self.pool.begin().await?;
        let moderator = require_moderator(&mut tx, actor).await?;
        let user = self
            .user(target)
            .await
            .map_err(|_| Error::not_found("user_not_found", "No such user."))?;
        if moderator.id == target || !moderator.role.may_act_on(user.role) {
            return Err(Error::forbidden(
                "not_allowed_on_user",
                "You may not purge this user.",
            ));
        }
        let scope = db::moderation::purge_scope(&mut *tx, target.as_uuid()).await?;
        let mut trees_sorted = scope.trees.clone();
        trees_sorted.sort();
        for tree_id in &trees_sorted {
            trees::lock(&mut tx, *tree_id).await?;
        }
        let reviews_needed = i64::from(self.config.num_reviews_reply);
        db::moderation::purge_judgements(&mut tx, target.as_uuid(), reviews_needed).await?;
        db::moderation::delete_all_of(&mut *tx, target.as_uuid()).await?;
        let mut ledger = evidence::Ledger::default();
        for tree_id in &trees_sorted {
            db::messages::recount_children(&mut *tx, *tree_id).await?;
            let mut tree = trees::lock(&mut tx, *tree_id).await?;
            trees::advance(&mut tx, &self.config, &mut tree, &mut ledger).await?;
        }
        evidence::settle(&mut tx, ledger, None).await?;
        if ban {
            db::users::set_banned(&mut *tx, target.as_uuid(), true).await?;
        }
        let summary = PurgeSummary {
            messages: scope.messages,
            descendants: scope.descendants,
            labels: scope.labels,
            rankings: scope.rankings,
            reactions: scope.reactions,
            trees_affected: i64::try_from(trees_sorted.len()).unwrap_or(i64::MAX),
            preview,
        };
        if preview {
            tx.rollback().await?;
            return Ok(summary);
        }
        audit(
            &mut tx,
            &moderator,
            "user.purge",
            "user",
            target.as_uuid(),
            None,
            Some(json!({ "summary": summary, "banned": ban })),
        )
        .await?;
        tx.commit().await?;
        Ok(summary)
    }
}
