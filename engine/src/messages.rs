//! Reading messages and trees: the message page, the tree view and "my contributions".

use crate::{
    db::{self, messages::MessageViewRow},
    tasks::view_time,
    Engine, Error,
};
use domain::{
    ids::{MessageId, TreeId, UserId},
    message::Role,
    tree::{
        audience::Audience,
        view::{Contribution, MessageView, Thumb, TreeView},
        TreeState,
    },
};
use time::OffsetDateTime;

/// Contributions per page.
const PAGE: i64 = 50;

impl MessageViewRow {
    fn into_view(self, viewer: Option<UserId>) -> Result<MessageView, Error> {
        Ok(MessageView {
            message_id: MessageId::from_uuid(self.message_id),
            message_tree_id: TreeId::from_uuid(self.message_tree_id),
            parent_id: self.parent_id.map(MessageId::from_uuid),
            role: Role::parse(&self.role)?,
            depth: self.depth,
            lang: self.lang,
            text: self.text,
            author: Some(self.author),
            is_own: viewer.is_some_and(|viewer| viewer.as_uuid() == self.user_id),
            review_count: self.review_count,
            review_result: self.review_result,
            ranking_count: self.ranking_count,
            rank: self.rank,
            children_count: self.children_count,
            deleted: self.deleted,
            synthetic: self.synthetic,
            model_name: self.model_name,
            edited: self.edited,
            thumbs_up: self.thumbs_up,
            thumbs_down: self.thumbs_down,
            red_flags: self.red_flags,
            my_thumb: match self.my_thumb.as_deref() {
                Some("thumbs_up") => Some(Thumb::Up),
                Some("thumbs_down") => Some(Thumb::Down),
                _ => None,
            },
            created_at: view_time(self.created_at),
            reward_score: None,
        })
    }
}

impl Engine {
    /// Whether the viewer is an active moderator or admin (who see reward scores).
    async fn is_moderator(&self, viewer: Option<UserId>) -> Result<bool, Error> {
        let Some(viewer) = viewer else {
            return Ok(false);
        };
        let user = db::users::by_id(&self.pool, viewer.as_uuid())
            .await?
            .map(crate::accounts::User::try_from)
            .transpose()?;
        Ok(
            user.is_some_and(|u| {
                u.is_active() && u.role.at_least(domain::account::Role::Moderator)
            }),
        )
    }

    /// The tree a message belongs to, as `viewer` sees it (`tree::audience`: visitors read
    /// accepted threads without names, contributors live work without other people's names
    /// unless the instance shows them, moderators everything). Deleted messages are left out
    /// unless `include_deleted` (for moderators). A message the viewer may not read is "not
    /// found".
    pub async fn tree_of_message(
        &self,
        viewer: Option<UserId>,
        message: MessageId,
        include_deleted: bool,
    ) -> Result<TreeView, Error> {
        let row = db::messages::get(&self.pool, message.as_uuid())
            .await?
            .filter(|row| include_deleted || !row.deleted)
            .ok_or_else(|| Error::not_found("message_not_found", "No such message."))?;
        let tree = db::trees::get(&self.pool, row.message_tree_id)
            .await?
            .ok_or(Error::NotFound("Tree"))?;
        let rows = db::messages::views_of_tree(
            &self.pool,
            row.message_tree_id,
            viewer.map(|viewer| viewer.as_uuid()),
        )
        .await?;
        let messages: Vec<MessageView> = rows
            .into_iter()
            .filter(|row| include_deleted || !row.deleted)
            .map(|row| row.into_view(viewer))
            .collect::<Result<_, _>>()?;
        let moderator = self.is_moderator(viewer).await?;
        let audience = match viewer {
            _ if moderator => Audience::Moderator,
            Some(_) => Audience::Contributor {
                show_authors: self.config.show_author_names,
            },
            None => Audience::Visitor,
        };
        let mut messages = audience.filter(messages);
        if !messages.iter().any(|m| m.message_id == message) {
            return Err(Error::not_found("message_not_found", "No such message."));
        }
        if moderator {
            let ids: Vec<MessageId> = messages.iter().map(|m| m.message_id).collect();
            let scores = self.message_scores(&ids).await?;
            for message in &mut messages {
                message.reward_score = scores.get(&message.message_id).map(|(score, _)| *score);
            }
        }
        Ok(TreeView {
            message_tree_id: TreeId::from_uuid(tree.message_tree_id),
            state: TreeState::parse(&tree.state)?,
            lang: tree.lang,
            goal_tree_size: tree.goal_tree_size,
            max_depth: tree.max_depth,
            max_children_count: tree.max_children_count,
            messages,
        })
    }

    /// The user's messages, newest first; pass the last one's time to get the next page.
    pub async fn contributions(
        &self,
        user: UserId,
        before: Option<OffsetDateTime>,
    ) -> Result<Vec<Contribution>, Error> {
        db::messages::views_by_author(&self.pool, user.as_uuid(), before, PAGE)
            .await?
            .into_iter()
            .map(|row| {
                let tree_state = TreeState::parse(&row.tree_state)?;
                Ok(Contribution {
                    message: row.into_view(Some(user))?,
                    tree_state,
                })
            })
            .collect()
    }
}
