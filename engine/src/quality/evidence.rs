//! Keeping each annotator's evidence current: when a message's reviews are decided, when a set
//! of replies is scored, when a gold item is answered. The decision rules are in
//! `domain::quality`; this module loads, adds and stores.

use crate::{
    db::{self, quality::WeightedReview},
    Error,
};
use domain::{
    quality::{agreement, leave_one_out, reliability::Evidence},
    ranking::consensus::Ballot,
    review::{self, ReviewVote},
    tree::TreeConfig,
};
use sqlx::PgConnection;
use std::{cell::Cell, collections::BTreeMap, future::Future, time::Instant};
use uuid::Uuid;

tokio::task_local! {
    /// Microseconds the current submit spent keeping evidence and weights current.
    static SPENT: Cell<u64>;
}

/// Runs `work` (a submit), returning its result and the microseconds it spent on evidence.
pub(crate) async fn measured<T>(work: impl Future<Output = T>) -> (T, u64) {
    SPENT
        .scope(Cell::new(0), async {
            let result = work.await;
            (result, SPENT.with(Cell::get))
        })
        .await
}

/// Adds the time since `start` to the current submit's evidence time.
pub(crate) fn charge(start: Instant) {
    let micros = u64::try_from(start.elapsed().as_micros()).unwrap_or(u64::MAX);
    let _ = SPENT.try_with(|spent| spent.set(spent.get().saturating_add(micros)));
}

/// The weight of a newcomer, who has no evidence yet.
fn newcomer() -> domain::quality::reliability::Reliability {
    Evidence::default().assess()
}

/// A reviewer's label weight as decisions use it (1 for everyone when weights are off).
pub(crate) fn label_weight(config: &TreeConfig, stored: Option<f64>) -> f64 {
    if config.reliability_weights {
        stored.unwrap_or_else(|| newcomer().label_weight)
    } else {
        1.0
    }
}

/// A ranker's weight as the consensus uses it.
pub(crate) fn ranking_weight(config: &TreeConfig, stored: Option<f64>) -> f64 {
    if config.reliability_weights {
        stored.unwrap_or_else(|| newcomer().ranking_weight)
    } else {
        1.0
    }
}

/// The evidence one transaction's decisions taught about annotators, kept until the
/// transaction applies it all at once with [`settle`]. Applying it as each decision is made
/// would lock annotators' rows in several rounds (one per decided message or scored parent,
/// then the submitter's task count), and two transactions that lock overlapping sets in
/// different rounds deadlock.
#[derive(Debug, Default)]
#[must_use = "evidence must be settled before the transaction commits"]
pub(crate) struct Ledger {
    deltas: BTreeMap<Uuid, Evidence>,
}

impl Ledger {
    pub(crate) fn record(&mut self, user: Uuid, delta: &Evidence) {
        self.deltas.entry(user).or_default().add(delta);
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.deltas.is_empty()
    }
}

/// Applies a transaction's evidence and stores the annotators' new weights and flags; with
/// `finished_task`, that user's count of finished tasks goes up by one in the same step. Every
/// row is locked in one statement, in id order, and no annotator row is locked anywhere else in
/// the transaction, so transactions that touch overlapping sets of annotators wait for each
/// other and never deadlock.
pub(crate) async fn settle(
    conn: &mut PgConnection,
    ledger: Ledger,
    finished_task: Option<Uuid>,
) -> Result<(), Error> {
    if ledger.is_empty() && finished_task.is_none() {
        return Ok(());
    }
    let start = Instant::now();
    let mut users: Vec<Uuid> = ledger.deltas.keys().copied().collect();
    users.extend(finished_task);
    for row in db::quality::lock(&mut *conn, &users).await? {
        let mut evidence = row.evidence;
        if let Some(delta) = ledger.deltas.get(&row.user_id) {
            evidence.add(delta);
        }
        let reliability = evidence.assess();
        if reliability.flag.is_some() && row.flag.is_none() {
            tracing::info!(user_id = %row.user_id, flag = ?reliability.flag, "annotator flagged");
        }
        let tasks = i32::from(finished_task == Some(row.user_id));
        db::quality::store(&mut *conn, row.user_id, &evidence, &reliability, tasks).await?;
    }
    charge(start);
    Ok(())
}

/// The votes of stored reviews with the weights decisions use.
pub(crate) fn weighted_votes(
    config: &TreeConfig,
    reviews: &[WeightedReview],
) -> Vec<(ReviewVote, f64)> {
    reviews
        .iter()
        .map(|r| {
            (
                ReviewVote {
                    spam: r.spam,
                    lang_mismatch: r.lang_mismatch,
                },
                label_weight(config, r.weight),
            )
        })
        .collect()
}

/// After a message's verdict: marks which reviews agreed with it and adds each reviewer's
/// comparison with the others' decision to their evidence.
pub(crate) async fn review_decided(
    conn: &mut PgConnection,
    config: &TreeConfig,
    is_prompt: bool,
    accepted: bool,
    reviews: &[WeightedReview],
    ledger: &mut Ledger,
) -> Result<(), Error> {
    let start = Instant::now();
    let votes = weighted_votes(config, reviews);
    let ids: Vec<Uuid> = reviews.iter().map(|r| r.label_id).collect();
    let agrees: Vec<bool> = votes
        .iter()
        .map(|(vote, _)| review::accepts(*vote, is_prompt, config) == accepted)
        .collect();
    db::quality::set_review_agreement(&mut *conn, &ids, &agrees).await?;
    for (review, comparisons) in reviews.iter().zip(leave_one_out::reviews(&votes)) {
        let mut delta = Evidence::default();
        for (says_yes, others_say_yes) in comparisons {
            delta.labels.record(says_yes, others_say_yes);
        }
        ledger.record(review.user_id, &delta);
    }
    charge(start);
    Ok(())
}

/// After a set of replies is scored: each ranking's tau-b with the consensus, and each ranker's
/// pairs against the others' weighted majority.
pub(crate) async fn parent_scored(
    conn: &mut PgConnection,
    rankings: &[(Uuid, Uuid)],
    ballots: &[Ballot<Uuid>],
    weights: &[f64],
    consensus: &[Uuid],
    ledger: &mut Ledger,
) -> Result<(), Error> {
    let start = Instant::now();
    let consensus: Ballot<Uuid> = consensus.iter().map(|id| vec![*id]).collect();
    let ids: Vec<Uuid> = rankings.iter().map(|(ranking, _)| *ranking).collect();
    let taus: Vec<Option<f64>> = ballots
        .iter()
        .map(|ballot| {
            if consensus.len() < 2 {
                None
            } else {
                agreement::ballot_tau_b(ballot, &consensus)
            }
        })
        .collect();
    db::quality::set_ranking_agreement(&mut *conn, &ids, &taus).await?;
    for ((_, user), (agreed, reversed)) in rankings
        .iter()
        .zip(leave_one_out::rankings(ballots, weights))
    {
        if agreed + reversed > 0 {
            let delta = Evidence {
                pairs_agreed: agreed,
                pairs_reversed: reversed,
                rankings: 1,
                ..Evidence::default()
            };
            ledger.record(*user, &delta);
        }
    }
    charge(start);
    Ok(())
}
