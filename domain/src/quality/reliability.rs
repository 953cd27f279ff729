//! How far each annotator's work can be trusted: the running evidence and the weights and
//! flag derived from it.
//!
//! **The estimator** is an online form of Dawid and Skene's EM for annotator accuracy. Every
//! time a message's reviews are decided, each reviewer's answers to the two questions that
//! decide acceptance (spam, wrong language) are compared with the weighted answers of the
//! *other* reviewers (leave-one-out, the E-step with the current weights), and the reviewer's
//! confusion counts grow (the M-step, done incrementally instead of over all votes again). Gold
//! items add comparisons with a known truth. The same is done for rankings: when a set of
//! sibling replies is scored, each ranking's pairs are compared with the weighted majority of
//! the other rankers, and with a gold order where there is one.
//!
//! - Labels (the two-coin model, "yes" = the message is flagged as spam or wrong language):
//!   `sensitivity = (yes agreed + 4) / (yes seen + 5)` and
//!   `specificity = (no agreed + 4) / (no seen + 5)`: a Beta(4, 1) prior trusts a newcomer as
//!   about 80 % accurate until evidence says otherwise. The label weight is the log-odds of the
//!   balanced accuracy, `ln(b / (1 − b))` with `b = (sens + spec) / 2`, clamped to `0..=3`: a
//!   random clicker (b ≈ 0.5), someone who always answers "no" (sensitivity ≈ 0) and an
//!   adversary (b < 0.5) all get 0.
//! - Rankings: `p = (pairs agreed + 4) / (pairs compared + 5)`, weight `ln(p / (1 − p))`
//!   clamped to `0..=3`. Log-odds are the optimal weights of a weighted majority vote of
//!   independent voters with those accuracies.
//! - **Flagged** (weight 0, listed on the trollboard, off the public leaderboard) when enough
//!   evidence shows the work is no better than chance: the Wilson 95 % upper bound of ranked
//!   pairs agreed is below 0.7 with at least 15 pairs (30 pairs at chance level suffice); or,
//!   with at least 12 "no" seen, the upper bound of specificity is below 0.7 (they flag good
//!   messages often) or, with also 6 "yes" seen, sensitivity + specificity − 1 (Youden's J,
//!   without the prior) is below 0.2 (their flags do not follow the messages); or gold
//!   accuracy's upper bound is below 0.6 with at least 5 gold checks.

use serde::{Deserialize, Serialize};

/// The Beta prior: a newcomer counts as having agreed 4 times and disagreed once.
const PRIOR_AGREED: f64 = 4.0;
const PRIOR_SEEN: f64 = 5.0;
/// The largest weight one annotator's vote can have.
pub const MAX_WEIGHT: f64 = 3.0;
/// Flag rule for rankings: at least this many pairs compared, upper bound below the level.
pub const FLAG_MIN_PAIRS: u32 = 15;
pub const FLAG_PAIR_AGREEMENT: f64 = 0.7;
/// Flag rule for labels: "yes" and "no" seen, and the Youden's J below which.
pub const FLAG_MIN_YES: u32 = 6;
pub const FLAG_MIN_NO: u32 = 12;
pub const FLAG_YOUDEN: f64 = 0.2;
/// Flag rule for labels: the upper bound of specificity below which.
pub const FLAG_SPECIFICITY: f64 = 0.7;
/// Flag rule for gold checks.
pub const FLAG_MIN_GOLD: u32 = 5;
pub const FLAG_GOLD_ACCURACY: f64 = 0.6;
/// z of a two-sided 95 % interval.
const Z: f64 = 1.96;

/// Answers to the deciding questions compared with the others' answers (or gold). "Yes"
/// flags the message (spam, wrong language).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Confusion {
    /// Both said yes.
    pub agreed_yes: u32,
    /// The others said yes, this answer no.
    pub missed_yes: u32,
    /// The others said no, this answer yes.
    pub false_yes: u32,
    /// Both said no.
    pub agreed_no: u32,
}

impl Confusion {
    /// Adds one comparison.
    pub fn record(&mut self, says_yes: bool, others_say_yes: bool) {
        let slot = match (others_say_yes, says_yes) {
            (true, true) => &mut self.agreed_yes,
            (true, false) => &mut self.missed_yes,
            (false, true) => &mut self.false_yes,
            (false, false) => &mut self.agreed_no,
        };
        *slot = slot.saturating_add(1);
    }

    pub fn yes_seen(&self) -> u32 {
        self.agreed_yes + self.missed_yes
    }

    pub fn no_seen(&self) -> u32 {
        self.agreed_no + self.false_yes
    }

    /// Comparisons in all.
    pub fn items(&self) -> u32 {
        self.yes_seen() + self.no_seen()
    }

    /// Share of comparisons that agreed (`None` before the first).
    pub fn agreement(&self) -> Option<f64> {
        let items = self.items();
        (items > 0).then(|| f64::from(self.agreed_yes + self.agreed_no) / f64::from(items))
    }

    /// Sensitivity and specificity with the prior (see the module notes).
    fn smoothed(&self) -> (f64, f64) {
        let sensitivity =
            (f64::from(self.agreed_yes) + PRIOR_AGREED) / (f64::from(self.yes_seen()) + PRIOR_SEEN);
        let specificity =
            (f64::from(self.agreed_no) + PRIOR_AGREED) / (f64::from(self.no_seen()) + PRIOR_SEEN);
        (sensitivity, specificity)
    }

    /// Youden's J from the counts alone (`None` until both kinds were seen).
    pub fn youden(&self) -> Option<f64> {
        let (yes, no) = (self.yes_seen(), self.no_seen());
        (yes > 0 && no > 0).then(|| {
            f64::from(self.agreed_yes) / f64::from(yes) + f64::from(self.agreed_no) / f64::from(no)
                - 1.0
        })
    }
}

/// Everything known about one annotator's agreement.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Evidence {
    /// Review votes against the other reviewers' decision and gold labels.
    pub labels: Confusion,
    /// Ranked pairs against the other rankers' consensus and gold orders.
    pub pairs_agreed: u32,
    pub pairs_reversed: u32,
    /// Rankings those pairs come from.
    pub rankings: u32,
    pub gold_correct: u32,
    pub gold_total: u32,
}

/// A proportion with its Wilson 95 % interval.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Interval {
    pub estimate: f64,
    pub low: f64,
    pub high: f64,
    /// Observations it rests on.
    pub n: u32,
}

/// The Wilson score interval of `successes` out of `n` (`None` for no observations).
pub fn wilson(successes: u32, n: u32) -> Option<Interval> {
    if n == 0 {
        return None;
    }
    let n_f = f64::from(n);
    let p = f64::from(successes.min(n)) / n_f;
    let z2 = Z * Z;
    let centre = p + z2 / (2.0 * n_f);
    let spread = Z * (p * (1.0 - p) / n_f + z2 / (4.0 * n_f * n_f)).sqrt();
    let scale = 1.0 + z2 / n_f;
    Some(Interval {
        estimate: p,
        low: ((centre - spread) / scale).max(0.0),
        high: ((centre + spread) / scale).min(1.0),
        n,
    })
}

/// Why an annotator is flagged.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FlagReason {
    /// Their rankings agree with the others' no better than chance.
    Rankings,
    /// Their reviews do not separate spam from good messages.
    Labels,
    /// They fail gold checks.
    Gold,
}

impl FlagReason {
    pub const ALL: [FlagReason; 3] = [Self::Rankings, Self::Labels, Self::Gold];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Rankings => "rankings",
            Self::Labels => "labels",
            Self::Gold => "gold",
        }
    }

    /// The reason a stored name stands for.
    pub fn parse(raw: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|reason| reason.as_str() == raw)
    }
}

/// The weights and flag of one annotator.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Reliability {
    pub label_weight: f64,
    pub ranking_weight: f64,
    /// Balanced accuracy of reviews, with the prior.
    pub label_accuracy: f64,
    /// Share of ranked pairs agreed, with the prior.
    pub ranking_accuracy: f64,
    pub flag: Option<FlagReason>,
}

fn log_odds(p: f64) -> f64 {
    let p = p.clamp(1e-6, 1.0 - 1e-6);
    (p / (1.0 - p)).ln().clamp(0.0, MAX_WEIGHT)
}

impl Evidence {
    /// Adds new evidence to this one.
    pub fn add(&mut self, more: &Evidence) {
        let sum = |a: &mut u32, b: u32| *a = a.saturating_add(b);
        sum(&mut self.labels.agreed_yes, more.labels.agreed_yes);
        sum(&mut self.labels.missed_yes, more.labels.missed_yes);
        sum(&mut self.labels.false_yes, more.labels.false_yes);
        sum(&mut self.labels.agreed_no, more.labels.agreed_no);
        sum(&mut self.pairs_agreed, more.pairs_agreed);
        sum(&mut self.pairs_reversed, more.pairs_reversed);
        sum(&mut self.rankings, more.rankings);
        sum(&mut self.gold_correct, more.gold_correct);
        sum(&mut self.gold_total, more.gold_total);
    }

    /// Share of ranked pairs that agreed, with its interval.
    pub fn pair_agreement(&self) -> Option<Interval> {
        wilson(self.pairs_agreed, self.pairs_agreed + self.pairs_reversed)
    }

    /// Gold accuracy with its interval.
    pub fn gold_accuracy(&self) -> Option<Interval> {
        wilson(self.gold_correct, self.gold_total)
    }

    /// Leave-one-out ranking agreement as a tau (`(agreed − reversed) / compared`).
    pub fn ranking_tau(&self) -> Option<f64> {
        let compared = self.pairs_agreed + self.pairs_reversed;
        (compared > 0).then(|| {
            (f64::from(self.pairs_agreed) - f64::from(self.pairs_reversed)) / f64::from(compared)
        })
    }

    /// The flag rule of the module notes.
    pub fn flag(&self) -> Option<FlagReason> {
        let pairs = self.pairs_agreed + self.pairs_reversed;
        if pairs >= FLAG_MIN_PAIRS
            && self
                .pair_agreement()
                .is_some_and(|i| i.high < FLAG_PAIR_AGREEMENT)
        {
            return Some(FlagReason::Rankings);
        }
        let labels = &self.labels;
        let enough_no = labels.no_seen() >= FLAG_MIN_NO;
        let false_alarms = enough_no
            && wilson(labels.agreed_no, labels.no_seen())
                .is_some_and(|i| i.high < FLAG_SPECIFICITY);
        let uninformative = enough_no
            && labels.yes_seen() >= FLAG_MIN_YES
            && labels.youden().is_some_and(|j| j < FLAG_YOUDEN);
        if false_alarms || uninformative {
            return Some(FlagReason::Labels);
        }
        if self.gold_total >= FLAG_MIN_GOLD
            && self
                .gold_accuracy()
                .is_some_and(|i| i.high < FLAG_GOLD_ACCURACY)
        {
            return Some(FlagReason::Gold);
        }
        None
    }

    /// Weights and flag (see the module notes).
    pub fn assess(&self) -> Reliability {
        let (sensitivity, specificity) = self.labels.smoothed();
        let label_accuracy = (sensitivity + specificity) / 2.0;
        let ranking_accuracy = (f64::from(self.pairs_agreed) + PRIOR_AGREED)
            / (f64::from(self.pairs_agreed + self.pairs_reversed) + PRIOR_SEEN);
        let flag = self.flag();
        let (label_weight, ranking_weight) = if flag.is_some() {
            (0.0, 0.0)
        } else {
            (log_odds(label_accuracy), log_odds(ranking_accuracy))
        };
        Reliability {
            label_weight,
            ranking_weight,
            label_accuracy,
            ranking_accuracy,
            flag,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(a: f64, b: f64) -> bool {
        (a - b).abs() < 1e-3
    }

    #[test]
    fn wilson_by_hand() {
        // 8 of 10: centre 0.8 + 0.192, spread 1.96·sqrt(0.016 + 0.0096) = 0.3136, scale 1.384
        let interval = wilson(8, 10).map(|i| (i.estimate, i.low, i.high));
        let (estimate, low, high) = interval.unwrap_or_default();
        assert!(close(estimate, 0.8));
        assert!(close(low, (0.992 - 0.31357) / 1.38416), "{low}");
        assert!(close(high, (0.992 + 0.31357) / 1.38416), "{high}");
        assert_eq!(wilson(0, 0), None);
        assert!(wilson(0, 3).is_some_and(|i| i.low == 0.0 && i.high < 0.6));
    }

    #[test]
    fn a_newcomer_gets_a_moderate_weight_and_no_flag() {
        let fresh = Evidence::default().assess();
        assert!(close(fresh.label_accuracy, 0.8));
        assert!(close(fresh.label_weight, 4.0_f64.ln()));
        assert!(close(fresh.ranking_weight, 4.0_f64.ln()));
        assert_eq!(fresh.flag, None);
    }

    #[test]
    fn careful_work_weighs_more_than_chance_and_chance_is_flagged() {
        let mut careful = Evidence {
            pairs_agreed: 57,
            pairs_reversed: 3,
            ..Evidence::default()
        };
        for i in 0..40 {
            careful.labels.record(i % 5 == 0, i % 5 == 0);
        }
        let careful = careful.assess();
        assert_eq!(careful.flag, None);
        assert!(careful.ranking_weight > 2.0 && careful.label_weight > 2.0);

        let random = Evidence {
            pairs_agreed: 15,
            pairs_reversed: 15,
            ..Evidence::default()
        };
        assert_eq!(random.flag(), Some(FlagReason::Rankings));
        assert_eq!(random.assess().ranking_weight, 0.0);
    }

    #[test]
    fn always_saying_no_is_caught_by_sensitivity() {
        let mut lazy = Evidence::default();
        for i in 0..30 {
            // a fifth of the messages are rejected; this reviewer never rejects
            lazy.labels.record(false, i % 5 == 0);
        }
        assert!(lazy.labels.agreement().is_some_and(|a| a > 0.75));
        assert_eq!(lazy.flag(), Some(FlagReason::Labels));
    }

    #[test]
    fn failing_gold_flags_and_inverted_rankings_weigh_nothing() {
        let gold = Evidence {
            gold_correct: 0,
            gold_total: 5,
            ..Evidence::default()
        };
        assert_eq!(gold.flag(), Some(FlagReason::Gold));
        let inverted = Evidence {
            pairs_agreed: 1,
            pairs_reversed: 8,
            ..Evidence::default()
        };
        assert_eq!(inverted.flag(), None, "too little evidence to flag yet");
        assert_eq!(inverted.assess().ranking_weight, 0.0);
        assert!(inverted
            .ranking_tau()
            .is_some_and(|tau| close(tau, -7.0 / 9.0)));
    }
}
