//! Training examples from ranked groups: encoded once, split into train and held-out by tree
//! (no tree on both sides, so the held-out score measures replies to unseen conversations).

use crate::tokens::{Encoded, TextEncoder, TokenizerError};
use domain::{ids::TreeId, training::RankedGroup};
use rand::{rngs::StdRng, seq::SliceRandom, SeedableRng};
use std::collections::BTreeSet;

/// A group ready for the model: its replies encoded, with their tiers (0 best).
#[derive(Debug, Clone)]
pub struct Example {
    pub replies: Vec<Encoded>,
    pub tiers: Vec<u32>,
}

impl Example {
    pub fn tokens(&self) -> usize {
        self.replies.iter().map(|r| r.ids.len()).sum()
    }
}

pub fn encode(encoder: &TextEncoder, group: &RankedGroup) -> Result<Example, TokenizerError> {
    let conversation = group.conversation_text();
    let replies = group
        .replies
        .iter()
        .map(|reply| encoder.encode(&conversation, &reply.text))
        .collect::<Result<_, _>>()?;
    Ok(Example {
        replies,
        tiers: group.replies.iter().map(|r| r.tier).collect(),
    })
}

/// Splits groups by tree: a seeded shuffle of the trees, the first `fraction` of them (at
/// least one when there are two trees or more and the fraction is above zero) held out.
pub fn split_by_tree(
    groups: Vec<RankedGroup>,
    fraction: f64,
    seed: u64,
) -> (Vec<RankedGroup>, Vec<RankedGroup>) {
    let mut trees: Vec<TreeId> = groups
        .iter()
        .map(|g| g.tree)
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    trees.shuffle(&mut StdRng::seed_from_u64(seed));
    let mut held = (trees.len() as f64 * fraction).round() as usize;
    if fraction > 0.0 && trees.len() >= 2 {
        held = held.clamp(1, trees.len() - 1);
    }
    let held_out: BTreeSet<TreeId> = trees.into_iter().take(held).collect();
    groups
        .into_iter()
        .partition(|group| !held_out.contains(&group.tree))
}

/// Every ordered pair `(better, worse)` of reply positions; ties give no pair.
pub fn pairs(tiers: &[u32]) -> Vec<(usize, usize)> {
    let mut pairs = Vec::new();
    for (i, a) in tiers.iter().enumerate() {
        for (j, b) in tiers.iter().enumerate() {
            if a < b {
                pairs.push((i, j));
            }
        }
    }
    pairs
}

#[cfg(test)]
mod tests {
    use super::*;
    use domain::{
        ids::MessageId,
        training::{RankedReply, Turn},
    };

    fn group(tree: TreeId) -> RankedGroup {
        RankedGroup {
            tree,
            parent: MessageId::from_uuid(uuid::Uuid::new_v4()),
            conversation: vec![Turn {
                role: domain::message::Role::Prompter,
                text: "hi".to_owned(),
            }],
            replies: vec![
                RankedReply {
                    message: MessageId::from_uuid(uuid::Uuid::new_v4()),
                    text: "a".to_owned(),
                    tier: 0,
                },
                RankedReply {
                    message: MessageId::from_uuid(uuid::Uuid::new_v4()),
                    text: "b".to_owned(),
                    tier: 1,
                },
            ],
        }
    }

    #[test]
    fn no_tree_is_on_both_sides_and_the_split_is_seeded() {
        let trees: Vec<TreeId> = (0..20)
            .map(|_| TreeId::from_uuid(uuid::Uuid::new_v4()))
            .collect();
        let groups: Vec<RankedGroup> = trees
            .iter()
            .flat_map(|tree| [group(*tree), group(*tree), group(*tree)])
            .collect();
        let (train, held) = split_by_tree(groups.clone(), 0.25, 7);
        assert_eq!(train.len() + held.len(), 60);
        let train_trees: BTreeSet<_> = train.iter().map(|g| g.tree).collect();
        let held_trees: BTreeSet<_> = held.iter().map(|g| g.tree).collect();
        assert!(train_trees.is_disjoint(&held_trees));
        assert_eq!(held_trees.len(), 5);
        let (_, again) = split_by_tree(groups, 0.25, 7);
        assert_eq!(
            again.iter().map(|g| g.tree).collect::<BTreeSet<_>>(),
            held_trees
        );
    }

    #[test]
    fn a_small_fraction_still_holds_out_one_tree_but_never_all() {
        let groups = vec![
            group(TreeId::from_uuid(uuid::Uuid::new_v4())),
            group(TreeId::from_uuid(uuid::Uuid::new_v4())),
        ];
        let (train, held) = split_by_tree(groups.clone(), 0.01, 1);
        assert_eq!((train.len(), held.len()), (1, 1));
        let (train, held) = split_by_tree(groups, 0.0, 1);
        assert_eq!((train.len(), held.len()), (2, 0));
    }

    #[test]
    fn pairs_are_every_better_worse_order_and_ties_are_skipped() {
        assert_eq!(pairs(&[1, 0, 2]), vec![(0, 2), (1, 0), (1, 2)]);
        assert_eq!(pairs(&[0, 0, 1]), vec![(0, 2), (1, 2)]);
        assert!(pairs(&[3, 3]).is_empty());
    }
}
