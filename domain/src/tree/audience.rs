//! Who may read which messages of a tree, and whose names. Exported messages carry only
//! pseudonyms; these rules keep the public pages from mapping a message back to a person.

use super::view::MessageView;
use std::collections::HashSet;

/// Who is looking at a tree.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Audience {
    /// Not signed in: accepted, live messages whose whole thread is accepted; no names.
    Visitor,
    /// A signed-in contributor: every live message but rejected ones (their own aside); other
    /// people's names only where the instance shows them (`show_authors`).
    Contributor { show_authors: bool },
    /// A moderator or admin: every message given, with names.
    Moderator,
}

impl Audience {
    /// Whether the audience reads `message` for itself (its parent aside).
    fn reads(self, message: &MessageView) -> bool {
        match self {
            Self::Visitor => message.review_result == Some(true) && !message.deleted,
            Self::Contributor { .. } => {
                !message.deleted && (message.review_result != Some(false) || message.is_own)
            }
            Self::Moderator => true,
        }
    }

    /// Whether the audience sees the author's name of `message`.
    fn names(self, message: &MessageView) -> bool {
        match self {
            Self::Visitor => false,
            Self::Contributor { show_authors } => show_authors || message.is_own,
            Self::Moderator => true,
        }
    }

    /// What the audience may see of a tree (`messages` parents before children): a message
    /// is kept when the audience reads it and its parent is kept; names it may not see are
    /// blanked.
    pub fn filter(self, messages: Vec<MessageView>) -> Vec<MessageView> {
        let mut kept = HashSet::new();
        messages
            .into_iter()
            .filter(|message| {
                let parent_kept = message.parent_id.is_none_or(|p| kept.contains(&p));
                let keep = parent_kept && self.reads(message);
                if keep {
                    kept.insert(message.message_id);
                }
                keep
            })
            .map(|mut message| {
                if !self.names(&message) {
                    message.author = None;
                }
                message
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{
        ids::{MessageId, TreeId},
        message::Role,
    };
    use uuid::Uuid;

    fn message(id: u128, parent: Option<u128>, review: Option<bool>, own: bool) -> MessageView {
        MessageView {
            message_id: MessageId::from_uuid(Uuid::from_u128(id)),
            message_tree_id: TreeId::from_uuid(Uuid::from_u128(1)),
            parent_id: parent.map(|p| MessageId::from_uuid(Uuid::from_u128(p))),
            role: Role::Prompter,
            depth: 0,
            lang: "en".to_owned(),
            text: format!("message {id}"),
            author: Some(format!("author {id}")),
            is_own: own,
            review_count: 3,
            review_result: review,
            ranking_count: 0,
            rank: None,
            children_count: 0,
            deleted: false,
            synthetic: false,
            model_name: None,
            edited: false,
            thumbs_up: 0,
            thumbs_down: 0,
            red_flags: 0,
            my_thumb: None,
            created_at: String::new(),
            reward_score: None,
        }
    }

    fn ids(messages: &[MessageView]) -> Vec<u128> {
        messages
            .iter()
            .map(|m| m.message_id.as_uuid().as_u128())
            .collect()
    }

    /// 10 accepted ← 11 accepted ← 12 in review; 10 ← 13 rejected (by the viewer) ← 14
    /// accepted; 10 ← 15 accepted but deleted.
    fn tree() -> Vec<MessageView> {
        let mut deleted = message(15, Some(10), Some(true), false);
        deleted.deleted = true;
        vec![
            message(10, None, Some(true), false),
            message(11, Some(10), Some(true), false),
            message(12, Some(11), None, false),
            message(13, Some(10), Some(false), true),
            message(14, Some(13), Some(true), false),
            deleted,
        ]
    }

    #[test]
    fn visitors_read_only_accepted_threads_without_names() {
        let seen = Audience::Visitor.filter(tree());
        assert_eq!(ids(&seen), vec![10, 11]);
        assert!(seen.iter().all(|m| m.author.is_none()));
    }

    #[test]
    fn contributors_read_work_in_review_and_their_own_rejected_messages() {
        let seen = Audience::Contributor {
            show_authors: false,
        }
        .filter(tree());
        assert_eq!(ids(&seen), vec![10, 11, 12, 13, 14]);
        let named: Vec<u128> = seen
            .iter()
            .filter(|m| m.author.is_some())
            .map(|m| m.message_id.as_uuid().as_u128())
            .collect();
        assert_eq!(named, vec![13], "only their own name");
        let shown = Audience::Contributor { show_authors: true }.filter(tree());
        assert!(shown.iter().all(|m| m.author.is_some()));
    }

    #[test]
    fn someone_elses_rejected_message_hides_its_replies_too() {
        let mut messages = tree();
        if let Some(rejected) = messages.get_mut(3) {
            rejected.is_own = false;
        }
        let seen = Audience::Contributor { show_authors: true }.filter(messages);
        assert_eq!(ids(&seen), vec![10, 11, 12]);
    }

    #[test]
    fn moderators_read_everything_they_are_given_with_names() {
        let seen = Audience::Moderator.filter(tree());
        assert_eq!(seen.len(), 6);
        assert!(seen.iter().all(|m| m.author.is_some()));
    }
}
