//! An annotator's ranking answer: checked against the replies the task showed, and read back
//! from its stored form (the ranked ids in order, each with its tie group).

use super::consensus::Ballot;
use crate::{ids::MessageId, task::view::ConversationMessage, Invalid};
use std::collections::BTreeSet;

/// Why a ranking answer cannot be taken.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RankingRejected {
    /// It does not place every shown reply exactly once (`invalid_ranking`).
    Invalid(Invalid),
    /// One of the shown replies is the annotator's own (`self_ranking`): nobody ranks their
    /// own reply.
    OwnReply,
}

/// The answer as groups of tied replies, best first: empty groups dropped, and "not
/// rankable" without an order (all bad) taken as one group of ties. Every reply in `shown`
/// must be placed exactly once and no other; a set that holds the annotator's own reply is
/// refused whatever the answer.
pub fn answer_groups(
    shown: &[ConversationMessage],
    ranking: &[Vec<MessageId>],
    not_rankable: bool,
) -> Result<Vec<Vec<MessageId>>, RankingRejected> {
    let expected: BTreeSet<MessageId> = shown.iter().map(|reply| reply.message_id).collect();
    let groups: Vec<Vec<MessageId>> = if ranking.is_empty() && not_rankable {
        vec![shown.iter().map(|reply| reply.message_id).collect()]
    } else {
        ranking
            .iter()
            .filter(|group| !group.is_empty())
            .cloned()
            .collect()
    };
    let placed = groups.iter().map(Vec::len).sum::<usize>();
    let distinct: BTreeSet<MessageId> = groups.iter().flatten().copied().collect();
    if placed != distinct.len() || distinct != expected {
        return Err(RankingRejected::Invalid(Invalid::new(
            "invalid_ranking",
            "A ranking must place every reply of the task exactly once.",
        )));
    }
    if shown.iter().any(|reply| reply.is_own) {
        return Err(RankingRejected::OwnReply);
    }
    Ok(groups)
}

/// A stored ranking as a ballot: `ids` best first, `groups[i]` the tie group of `ids[i]`
/// (neighbours of one group tie). Only the ids that `keep` accepts take part (a reply deleted
/// since drops out, the others keep their order). `None` when the two lists differ in length.
pub fn stored_ballot<T: Copy>(
    ids: &[T],
    groups: &[i32],
    keep: impl Fn(&T) -> bool,
) -> Option<Ballot<T>> {
    if ids.len() != groups.len() {
        return None;
    }
    let mut ballot: Ballot<T> = Vec::new();
    let mut last_group = None;
    for (id, group) in ids.iter().zip(groups) {
        if !keep(id) {
            continue;
        }
        match ballot.last_mut() {
            Some(current) if last_group == Some(*group) => current.push(*id),
            _ => ballot.push(vec![*id]),
        }
        last_group = Some(*group);
    }
    Some(ballot)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::message::Role;
    use std::sync::atomic::{AtomicU64, Ordering};
    use uuid::Uuid;

    fn id() -> MessageId {
        static NEXT: AtomicU64 = AtomicU64::new(1);
        MessageId::from_uuid(Uuid::from_u128(u128::from(
            NEXT.fetch_add(1, Ordering::Relaxed),
        )))
    }

    fn reply(is_own: bool) -> ConversationMessage {
        ConversationMessage {
            message_id: id(),
            role: Role::Assistant,
            text: "a reply".to_owned(),
            lang: "en".to_owned(),
            is_own,
            synthetic: false,
        }
    }

    fn ids(shown: &[ConversationMessage]) -> Vec<MessageId> {
        shown.iter().map(|reply| reply.message_id).collect()
    }

    fn invalid(result: Result<Vec<Vec<MessageId>>, RankingRejected>) -> bool {
        matches!(result, Err(RankingRejected::Invalid(ref e)) if e.code == "invalid_ranking")
    }

    #[test]
    fn a_full_order_and_ties_are_taken_as_groups() {
        let shown = vec![reply(false), reply(false), reply(false)];
        let [a, b, c] = ids(&shown)[..] else { panic!() };
        assert_eq!(
            answer_groups(&shown, &[vec![b], vec![a], vec![c]], false),
            Ok(vec![vec![b], vec![a], vec![c]])
        );
        assert_eq!(
            answer_groups(&shown, &[vec![c, a], vec![], vec![b]], false),
            Ok(vec![vec![c, a], vec![b]])
        );
    }

    #[test]
    fn not_rankable_without_an_order_ties_every_reply() {
        let shown = vec![reply(false), reply(false)];
        assert_eq!(answer_groups(&shown, &[], true), Ok(vec![ids(&shown)]));
        // with an order, the order is kept
        let [a, b] = ids(&shown)[..] else { panic!() };
        assert_eq!(
            answer_groups(&shown, &[vec![b], vec![a]], true),
            Ok(vec![vec![b], vec![a]])
        );
    }

    #[test]
    fn every_shown_reply_exactly_once_and_no_other() {
        let shown = vec![reply(false), reply(false), reply(false)];
        let [a, b, c] = ids(&shown)[..] else { panic!() };
        let stranger = id();
        assert!(invalid(answer_groups(&shown, &[vec![a], vec![b]], false)));
        assert!(invalid(answer_groups(
            &shown,
            &[vec![a], vec![b], vec![c], vec![a]],
            false
        )));
        assert!(invalid(answer_groups(
            &shown,
            &[vec![a, a], vec![b, c]],
            false
        )));
        assert!(invalid(answer_groups(
            &shown,
            &[vec![a], vec![b], vec![stranger]],
            false
        )));
        assert!(invalid(answer_groups(
            &shown,
            &[vec![a], vec![b], vec![c], vec![stranger]],
            false
        )));
        assert!(invalid(answer_groups(&shown, &[], false)));
    }

    #[test]
    fn a_set_with_the_annotators_own_reply_is_refused() {
        let shown = vec![reply(false), reply(true)];
        let [a, b] = ids(&shown)[..] else { panic!() };
        assert_eq!(
            answer_groups(&shown, &[vec![a], vec![b]], false),
            Err(RankingRejected::OwnReply)
        );
        assert_eq!(
            answer_groups(&shown, &[], true),
            Err(RankingRejected::OwnReply)
        );
        // a malformed answer is told first
        assert!(invalid(answer_groups(&shown, &[vec![a]], false)));
    }

    #[test]
    fn a_stored_ranking_reads_back_as_tie_groups() {
        assert_eq!(
            stored_ballot(&['a', 'b', 'c', 'd'], &[0, 1, 1, 2], |_| true),
            Some(vec![vec!['a'], vec!['b', 'c'], vec!['d']])
        );
        assert_eq!(stored_ballot::<char>(&[], &[], |_| true), Some(Vec::new()));
        // replies that left drop out; their neighbours keep their groups
        assert_eq!(
            stored_ballot(&['a', 'b', 'c', 'd'], &[0, 1, 1, 2], |id| *id != 'c'),
            Some(vec![vec!['a'], vec!['b'], vec!['d']])
        );
        assert_eq!(
            stored_ballot(&['a', 'b', 'c'], &[0, 1, 2], |id| *id != 'b'),
            Some(vec![vec!['a'], vec!['c']])
        );
        assert_eq!(stored_ballot(&['a', 'b'], &[0], |_| true), None);
    }
}
