//! Leave-one-out comparisons: each annotator's answer against the weighted decision of the
//! *other* annotators of the same item, the evidence behind the reliability weights.
//!
//! - A review is compared question by question on the two that decide acceptance (spam and
//!   wrong language): its answer against the weighted mean answer of the other reviews, which
//!   counts as "yes" above 0.5, "no" below, and not at all at exactly 0.5. An unset flag is a
//!   "no". With no other review there is nothing to compare.
//! - A ranking is compared pair by pair with the weighted majority of the other rankings: every
//!   pair of replies it orders strictly counts as agreed when the others prefer the same reply
//!   by a positive weighted margin, as reversed when they prefer the other, and not at all when
//!   their margin is zero.

use crate::{ranking::consensus::Ballot, review::ReviewVote};
use std::collections::BTreeMap;

/// The two questions that decide acceptance, read from a review (an unset flag is "no").
fn deciding(vote: &ReviewVote) -> [Option<f64>; 2] {
    [vote.spam, Some(vote.lang_mismatch.unwrap_or(0.0))]
}

/// For each review, one (its answer is "yes", the others' answer is "yes") per deciding question
/// that can be compared.
pub fn reviews(votes: &[(ReviewVote, f64)]) -> Vec<Vec<(bool, bool)>> {
    votes
        .iter()
        .enumerate()
        .map(|(i, (vote, _))| {
            deciding(vote)
                .into_iter()
                .enumerate()
                .filter_map(|(question, mine)| {
                    let mine = mine?;
                    let (mut sum, mut total) = (0.0, 0.0);
                    for (j, (other, weight)) in votes.iter().enumerate() {
                        if j == i {
                            continue;
                        }
                        if let Some(Some(value)) = deciding(other).get(question) {
                            sum += value * weight.max(0.0);
                            total += weight.max(0.0);
                        }
                    }
                    if total <= 0.0 {
                        return None;
                    }
                    let theirs = sum / total;
                    ((theirs - 0.5).abs() > 1e-9).then_some((mine >= 0.5, theirs > 0.5))
                })
                .collect()
        })
        .collect()
}

/// For each ranking: (pairs agreed, pairs reversed) against the others' weighted majority.
pub fn rankings<T: Ord + Clone>(ballots: &[Ballot<T>], weights: &[f64]) -> Vec<(u32, u32)> {
    let positions: Vec<BTreeMap<T, usize>> = ballots
        .iter()
        .map(|ballot| {
            ballot
                .iter()
                .enumerate()
                .flat_map(|(group, members)| members.iter().map(move |m| (m.clone(), group)))
                .collect()
        })
        .collect();
    let weight = |j: usize| weights.get(j).copied().unwrap_or(1.0).max(0.0);
    positions
        .iter()
        .enumerate()
        .map(|(i, mine)| {
            let mut agreed = 0u32;
            let mut reversed = 0u32;
            let items: Vec<(&T, &usize)> = mine.iter().collect();
            for (a_index, (a, a_group)) in items.iter().enumerate() {
                for (b, b_group) in items.iter().skip(a_index + 1) {
                    if a_group == b_group {
                        continue;
                    }
                    // the others' weighted margin for "a above b"
                    let margin: f64 = positions
                        .iter()
                        .enumerate()
                        .filter(|(j, _)| *j != i)
                        .map(|(j, theirs)| match (theirs.get(*a), theirs.get(*b)) {
                            (Some(x), Some(y)) if x < y => weight(j),
                            (Some(x), Some(y)) if x > y => -weight(j),
                            _ => 0.0,
                        })
                        .sum();
                    let mine_says_a = a_group < b_group;
                    if margin.abs() < 1e-12 {
                        continue;
                    }
                    if (margin > 0.0) == mine_says_a {
                        agreed += 1;
                    } else {
                        reversed += 1;
                    }
                }
            }
            (agreed, reversed)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vote(spam: f64) -> ReviewVote {
        ReviewVote {
            spam: Some(spam),
            lang_mismatch: None,
        }
    }

    #[test]
    fn each_review_meets_the_others_answers() {
        let votes = [(vote(0.0), 1.0), (vote(0.0), 1.0), (vote(1.0), 1.0)];
        let compared = reviews(&votes);
        // the first: others say spam 0.5 on average (not compared), wrong language 0
        assert_eq!(compared[0], vec![(false, false)]);
        // the third: others say no spam and the right language
        assert_eq!(compared[2], vec![(true, false), (false, false)]);
        // a weightless reviewer's answers do not count
        let weighted = reviews(&[(vote(0.0), 1.0), (vote(1.0), 0.0), (vote(1.0), 1.0)]);
        assert_eq!(weighted[0], vec![(false, true), (false, false)]);
        assert_eq!(reviews(&votes[..1]), vec![Vec::<(bool, bool)>::new()]);
    }

    #[test]
    fn rankings_meet_the_others_weighted_majority() {
        let strict = |order: &[u8]| -> Ballot<u8> { order.iter().map(|c| vec![*c]).collect() };
        let ballots = [strict(&[1, 2, 3]), strict(&[1, 2, 3]), strict(&[3, 2, 1])];
        let plain = rankings(&ballots, &[1.0, 1.0, 1.0]);
        // the first: others are [1,2,3] and [3,2,1]: every margin is 0
        assert_eq!(plain[0], (0, 0));
        // the inverted one: others agree on 1 > 2 > 3, all three pairs reversed
        assert_eq!(plain[2], (0, 3));
        // the inverted ranker weighs nothing: the first now meets a clear majority
        let weighted = rankings(&ballots, &[1.0, 1.0, 0.0]);
        assert_eq!(weighted[0], (3, 0));
        // ties in one's own ranking are not compared
        let tied: Ballot<u8> = vec![vec![1, 2], vec![3]];
        assert_eq!(
            rankings(&[tied, strict(&[2, 1, 3])], &[1.0, 1.0])[0],
            (2, 0)
        );
    }
}
