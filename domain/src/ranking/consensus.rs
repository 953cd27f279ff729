//! Ranked pairs (Tideman): merges several voters' rankings of the same replies into one order.
//!
//! A ballot lists groups of candidates best first; candidates in one group are tied. Only the
//! candidates every ballot ranks take part (replies added or deleted between rankings drop out).
//! Pairs are locked in order of their winning margin unless they would close a cycle; the order
//! is then read off the locked graph. Where that leaves a choice (ties, equal margins), it is
//! broken by the net margin over all rivals and finally by candidate order, so the same ballots
//! always give the same consensus. (OpenAssistant broke such ties arbitrarily.)
//!
//! Weighted: each ballot counts with its ranker's reliability weight in the pairwise wins
//! (`domain::quality::reliability`), so a margin is the weight of the rankers preferring one
//! reply minus the weight of those preferring the other. Ballots of weight zero take no part;
//! if every ballot has weight zero, each counts once.

use std::collections::BTreeSet;

/// A voter's ranking: groups of tied candidates, best group first.
pub type Ballot<T> = Vec<Vec<T>>;

/// The consensus order of the candidates all ballots share, best first (every ballot counts
/// once).
pub fn ranked_pairs<T: Ord + Clone>(ballots: &[Ballot<T>]) -> Vec<T> {
    ranked_pairs_weighted(ballots, &vec![1.0; ballots.len()])
}

/// The consensus order with each ballot counting `weights[i]` (see the module notes); a
/// missing weight counts as 1.
pub fn ranked_pairs_weighted<T: Ord + Clone>(ballots: &[Ballot<T>], weights: &[f64]) -> Vec<T> {
    let weight_of = |i: usize| weights.get(i).copied().unwrap_or(1.0);
    let mut voting: Vec<(&Ballot<T>, f64)> = ballots
        .iter()
        .enumerate()
        .filter(|(i, ballot)| !ballot.is_empty() && weight_of(*i) > 0.0)
        .map(|(i, ballot)| (ballot, weight_of(i)))
        .collect();
    if voting.is_empty() {
        voting = ballots
            .iter()
            .filter(|ballot| !ballot.is_empty())
            .map(|ballot| (ballot, 1.0))
            .collect();
    }
    let owned: Vec<Ballot<T>> = voting.iter().map(|(b, _)| (*b).clone()).collect();
    let candidates = shared_candidates(&owned);
    let n = candidates.len();
    if n < 2 {
        return candidates;
    }

    let mut wins = Matrix::new(n);
    for (ballot, weight) in &voting {
        // integer millionths keep the arithmetic exact, so equal weights order pairs exactly
        // as counting does
        let units = (weight * 1e6).round().clamp(1.0, 1e12) as i64;
        let positions = positions_of(ballot, &candidates);
        for i in 0..n {
            for j in 0..n {
                if positions.get(i) < positions.get(j) {
                    wins.add(i, j, units);
                }
            }
        }
    }
    let margin = |i: usize, j: usize| wins.get(i, j) - wins.get(j, i);

    let mut pairs: Vec<(usize, usize)> = (0..n)
        .flat_map(|i| (0..n).map(move |j| (i, j)))
        .filter(|&(i, j)| margin(i, j) > 0)
        .collect();
    pairs.sort_by(|&(a, b), &(c, d)| {
        margin(c, d)
            .cmp(&margin(a, b))
            .then(wins.get(c, d).cmp(&wins.get(a, b)))
            .then((a, b).cmp(&(c, d)))
    });

    let mut locked = Matrix::new(n);
    for (winner, loser) in pairs {
        if !reaches(&locked, loser, winner) {
            locked.add(winner, loser, 1);
        }
    }

    let net: Vec<i64> = (0..n).map(|i| (0..n).map(|j| margin(i, j)).sum()).collect();
    let net_of = |c: usize| net.get(c).copied().unwrap_or(0);
    let mut remaining: Vec<usize> = (0..n).collect();
    let mut order = Vec::with_capacity(n);
    while !remaining.is_empty() {
        let is_source = |c: usize| !remaining.iter().any(|&o| locked.get(o, c) > 0);
        let next = remaining
            .iter()
            .copied()
            .filter(|&c| is_source(c))
            .max_by(|&a, &b| net_of(a).cmp(&net_of(b)).then(b.cmp(&a)));
        // the locked graph is acyclic, so a source always exists; the fallback keeps the
        // function total without a panic
        let next = next
            .or_else(|| remaining.first().copied())
            .unwrap_or_default();
        remaining.retain(|&c| c != next);
        if let Some(candidate) = candidates.get(next) {
            order.push(candidate.clone());
        }
    }
    order
}

/// The candidates every non-empty ballot ranks, in order.
pub(crate) fn shared_candidates<T: Ord + Clone>(ballots: &[Ballot<T>]) -> Vec<T> {
    let mut sets = ballots
        .iter()
        .filter(|ballot| !ballot.is_empty())
        .map(|ballot| ballot.iter().flatten().cloned().collect::<BTreeSet<T>>());
    let Some(first) = sets.next() else {
        return Vec::new();
    };
    sets.fold(first, |shared, set| {
        shared.intersection(&set).cloned().collect()
    })
    .into_iter()
    .collect()
}

/// Each candidate's group index in the ballot (candidates are all in it).
pub(crate) fn positions_of<T: Ord>(ballot: &Ballot<T>, candidates: &[T]) -> Vec<usize> {
    candidates
        .iter()
        .map(|candidate| {
            ballot
                .iter()
                .position(|group| group.contains(candidate))
                .unwrap_or(usize::MAX)
        })
        .collect()
}

fn reaches(graph: &Matrix, from: usize, to: usize) -> bool {
    let mut seen = vec![false; graph.n];
    let mut stack = vec![from];
    while let Some(node) = stack.pop() {
        if node == to {
            return true;
        }
        if let Some(slot) = seen.get_mut(node) {
            if *slot {
                continue;
            }
            *slot = true;
        }
        stack.extend((0..graph.n).filter(|&next| graph.get(node, next) > 0));
    }
    false
}

/// A square matrix of (weighted) counts.
struct Matrix {
    n: usize,
    cells: Vec<i64>,
}

impl Matrix {
    fn new(n: usize) -> Self {
        Self {
            n,
            cells: vec![0; n * n],
        }
    }

    fn get(&self, i: usize, j: usize) -> i64 {
        self.cells.get(i * self.n + j).copied().unwrap_or(0)
    }

    fn add(&mut self, i: usize, j: usize, value: i64) {
        if let Some(cell) = self.cells.get_mut(i * self.n + j) {
            *cell += value;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn strict(order: &[u8]) -> Ballot<u8> {
        order.iter().map(|&c| vec![c]).collect()
    }

    #[test]
    fn a_single_ballot_is_the_consensus() {
        assert_eq!(ranked_pairs(&[strict(&[3, 1, 2])]), vec![3, 1, 2]);
    }

    #[test]
    fn the_majority_decides_each_pair() {
        let ballots = [strict(&[1, 2, 3]), strict(&[1, 3, 2]), strict(&[2, 1, 3])];
        assert_eq!(ranked_pairs(&ballots), vec![1, 2, 3]);
    }

    #[test]
    fn a_cycle_is_broken_at_its_weakest_pair() {
        // 1>2 by 5-4... classic: 1>2 (margin 3), 2>3 (margin 5), 3>1 (margin 1): lock 2>3, 1>2, drop 3>1
        let mut ballots = Vec::new();
        ballots.extend(std::iter::repeat_n(strict(&[1, 2, 3]), 4));
        ballots.extend(std::iter::repeat_n(strict(&[2, 3, 1]), 3));
        ballots.extend(std::iter::repeat_n(strict(&[3, 1, 2]), 2));
        assert_eq!(ranked_pairs(&ballots), vec![1, 2, 3]);
    }

    #[test]
    fn ties_are_allowed_and_broken_deterministically() {
        let ballots = [vec![vec![2, 1], vec![3]], vec![vec![1, 2, 3]]];
        assert_eq!(ranked_pairs(&ballots), vec![1, 2, 3]);
        assert_eq!(
            ranked_pairs(&ballots),
            ranked_pairs(&[ballots[1].clone(), ballots[0].clone()])
        );
    }

    #[test]
    fn only_candidates_every_ballot_ranks_count() {
        let ballots = [strict(&[4, 1, 2]), strict(&[2, 1])];
        assert_eq!(ranked_pairs(&ballots), vec![1, 2]);
        assert_eq!(ranked_pairs::<u8>(&[]), Vec::<u8>::new());
    }

    #[test]
    fn weights_decide_between_disagreeing_rankers() {
        let careful = strict(&[1, 2, 3]);
        let inverted = strict(&[3, 2, 1]);
        let ballots = [careful.clone(), inverted.clone(), inverted.clone()];
        // unweighted, two inverted ballots win every pair
        assert_eq!(ranked_pairs(&ballots), vec![3, 2, 1]);
        // the careful ranker weighs more than both others together
        assert_eq!(
            ranked_pairs_weighted(&ballots, &[2.5, 1.0, 1.0]),
            vec![1, 2, 3]
        );
        // weight zero takes no part, and does not restrict the candidates
        let partial = strict(&[9, 1]);
        assert_eq!(
            ranked_pairs_weighted(&[careful, partial], &[1.0, 0.0]),
            vec![1, 2, 3]
        );
        // all zero: each counts once
        assert_eq!(ranked_pairs_weighted(&ballots, &[0.0; 3]), vec![3, 2, 1]);
    }

    /// Random ballots over candidates 0..n, with random ties.
    fn ballots() -> impl Strategy<Value = (usize, Vec<Ballot<u8>>)> {
        (2usize..6).prop_flat_map(|n| {
            let ballot = (
                Just((0..n as u8).collect::<Vec<u8>>()).prop_shuffle(),
                proptest::collection::vec(any::<bool>(), n),
            )
                .prop_map(|(order, cuts)| {
                    let mut groups: Ballot<u8> = Vec::new();
                    for (candidate, new_group) in order.into_iter().zip(cuts) {
                        match groups.last_mut() {
                            Some(group) if !new_group => group.push(candidate),
                            _ => groups.push(vec![candidate]),
                        }
                    }
                    groups
                });
            (Just(n), proptest::collection::vec(ballot, 1..9))
        })
    }

    proptest! {
        #[test]
        fn equal_weights_give_the_unweighted_consensus(
            (_n, ballots) in ballots(),
            weight in 0.1f64..5.0,
        ) {
            let weights = vec![weight; ballots.len()];
            prop_assert_eq!(ranked_pairs_weighted(&ballots, &weights), ranked_pairs(&ballots));
        }

        #[test]
        fn the_consensus_is_a_permutation_of_the_candidates((n, ballots) in ballots()) {
            let mut consensus = ranked_pairs(&ballots);
            consensus.sort_unstable();
            prop_assert_eq!(consensus, (0..n as u8).collect::<Vec<_>>());
        }

        #[test]
        fn unanimous_rankings_are_reproduced_exactly(
            order in Just((0u8..6).collect::<Vec<u8>>()).prop_shuffle(),
            voters in 1usize..7,
        ) {
            let ballots = vec![strict(&order); voters];
            prop_assert_eq!(ranked_pairs(&ballots), order);
        }

        #[test]
        fn a_condorcet_winner_always_ranks_first((n, ballots) in ballots()) {
            let beats = |a: u8, b: u8| {
                let pos = |ballot: &Ballot<u8>, c: u8| ballot.iter().position(|g| g.contains(&c));
                let a_wins = ballots.iter().filter(|bl| pos(bl, a) < pos(bl, b)).count();
                let b_wins = ballots.iter().filter(|bl| pos(bl, b) < pos(bl, a)).count();
                a_wins > b_wins
            };
            let winner = (0..n as u8).find(|&c| (0..n as u8).all(|o| o == c || beats(c, o)));
            if let Some(winner) = winner {
                prop_assert_eq!(ranked_pairs(&ballots).first().copied(), Some(winner));
            }
        }
    }
}
