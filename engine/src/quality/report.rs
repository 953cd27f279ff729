//! The agreement report: per language and week, agreement among rankers (mean pairwise tau-b,
//! Kendall's W) and reviewers (Krippendorff's alpha per label), how often the reliability
//! weights changed a decision, and each annotator's leave-one-out agreement.

use crate::{
    db::{self, quality::QualityRow},
    moderation::require_moderator,
    tasks::view_time,
    Engine, Error,
};
use domain::{
    ids::UserId,
    label::catalogue,
    quality::{
        agreement::{label_alpha, set_agreement},
        reliability::{wilson, FlagReason},
        view::{AgreementReport, AgreementRow, AnnotatorReliability},
    },
    ranking::{consensus::Ballot, ranked_pairs},
    review::{self, ReviewVote},
};
use std::collections::{BTreeMap, HashMap};
use time::{Duration, OffsetDateTime};
use uuid::Uuid;

/// Weeks the report reaches back, at most.
pub const MAX_WEEKS: u32 = 52;
/// Annotators listed in the report.
const ANNOTATORS: i64 = 200;

/// An annotator's evidence as the dashboard shows it.
pub(crate) fn reliability_view(row: &QualityRow, username: String) -> AnnotatorReliability {
    let evidence = &row.evidence;
    AnnotatorReliability {
        user_id: UserId::from_uuid(row.user_id),
        username,
        label_agreement: evidence.labels.agreement(),
        label_items: evidence.labels.items(),
        label_youden: evidence.labels.youden(),
        ranking_agreement: evidence.ranking_tau(),
        ranking_pairs: evidence.pairs_agreed + evidence.pairs_reversed,
        rankings: evidence.rankings,
        gold: wilson(evidence.gold_correct, evidence.gold_total),
        label_weight: row.label_weight,
        ranking_weight: row.ranking_weight,
        flag: row.flag.as_deref().and_then(FlagReason::parse),
        flagged_at: row.flagged_at.map(view_time),
        tasks_done: u32::try_from(row.tasks_done.max(0)).unwrap_or(0),
    }
}

fn week_key(week: OffsetDateTime) -> String {
    week.date().to_string()
}

/// A stored ranking as tie groups, best first (the table's `ranking_shape` check keeps its two
/// arrays of one length).
pub(crate) fn ballot(ids: &[Uuid], groups: &[i32]) -> Ballot<Uuid> {
    domain::ranking::stored_ballot(ids, groups, |_| true).unwrap_or_default()
}

/// A reviewed message of the report: its depth, verdict and the label values of each review.
type Reviewed = (i32, Option<bool>, Vec<BTreeMap<String, f64>>);

#[derive(Default)]
struct Cell {
    messages: BTreeMap<Uuid, Reviewed>,
    /// parent → ballots
    parents: BTreeMap<Uuid, Vec<Ballot<Uuid>>>,
}

impl Engine {
    /// Agreement per language and week over the last `weeks` weeks (moderators).
    pub async fn agreement_report(
        &self,
        moderator: UserId,
        lang: Option<String>,
        weeks: u32,
    ) -> Result<AgreementReport, Error> {
        let weeks = weeks.clamp(1, MAX_WEEKS);
        let mut conn = self.pool.acquire().await?;
        require_moderator(&mut conn, moderator).await?;
        let lang = lang
            .filter(|l| !l.trim().is_empty())
            .map(|l| domain::message::LanguageTag::parse(&l).map(|t| t.as_str().to_owned()))
            .transpose()?;
        let now = OffsetDateTime::now_utc();
        let from = now - Duration::weeks(i64::from(weeks));
        let reviews = db::quality::reviews_between(&mut *conn, from, now, lang.as_deref()).await?;
        let rankings =
            db::quality::rankings_between(&mut *conn, from, now, lang.as_deref()).await?;

        let mut cells: BTreeMap<(String, String), Cell> = BTreeMap::new();
        for review in reviews {
            let values: BTreeMap<String, f64> =
                serde_json::from_value(review.labels).unwrap_or_default();
            let cell = cells
                .entry((review.lang, week_key(review.week)))
                .or_default();
            cell.messages
                .entry(review.message_id)
                .or_insert_with(|| (review.depth, review.review_result, Vec::new()))
                .2
                .push(values);
        }
        let mut parent_ids = Vec::new();
        for ranking in rankings {
            parent_ids.push(ranking.parent_id);
            cells
                .entry((ranking.lang, week_key(ranking.week)))
                .or_default()
                .parents
                .entry(ranking.parent_id)
                .or_default()
                .push(ballot(&ranking.ranked_ids, &ranking.tie_groups));
        }
        parent_ids.dedup();
        let stored: HashMap<Uuid, Vec<Uuid>> =
            db::quality::consensus_orders(&mut *conn, &parent_ids)
                .await?
                .into_iter()
                .collect();

        let config = &self.config;
        let mut rows = Vec::with_capacity(cells.len());
        for ((lang, week), cell) in cells {
            let mut taus = Vec::new();
            let mut ws = Vec::new();
            let mut consensus_sets = 0;
            let mut consensus_changed = 0;
            for (parent, ballots) in &cell.parents {
                if ballots.len() >= 2 {
                    let agreement = set_agreement(ballots);
                    taus.extend(agreement.mean_tau_b);
                    ws.extend(agreement.kendalls_w);
                }
                if let Some(order) = stored.get(parent) {
                    let plain = ranked_pairs(ballots);
                    let shared: Vec<Uuid> = order
                        .iter()
                        .filter(|id| plain.contains(id))
                        .copied()
                        .collect();
                    if shared.len() >= 2 {
                        consensus_sets += 1;
                        consensus_changed += u32::from(shared != plain);
                    }
                }
            }
            let mean = |values: &[f64]| {
                (!values.is_empty()).then(|| values.iter().sum::<f64>() / values.len() as f64)
            };
            let mut alpha = BTreeMap::new();
            for spec in catalogue::LABELS {
                let units: Vec<Vec<f64>> = cell
                    .messages
                    .values()
                    .map(|(_, _, reviews)| {
                        reviews
                            .iter()
                            .filter_map(|values| values.get(spec.name).copied())
                            .collect::<Vec<f64>>()
                    })
                    .filter(|values| values.len() >= 2)
                    .collect();
                if let Some(value) = label_alpha(spec.widget, &units) {
                    alpha.insert(spec.name.to_owned(), value);
                }
            }
            let mut verdicts = 0;
            let mut verdicts_changed = 0;
            for (depth, result, reviews) in cell.messages.values() {
                let Some(result) = result else { continue };
                let votes: Vec<ReviewVote> = reviews
                    .iter()
                    .map(|values| ReviewVote {
                        spam: values.get("spam").copied(),
                        lang_mismatch: values.get("lang_mismatch").copied(),
                    })
                    .collect();
                if let Some(plain) = review::verdict(&votes, *depth == 0, config) {
                    verdicts += 1;
                    verdicts_changed += u32::from(plain != *result);
                }
            }
            rows.push(AgreementRow {
                lang,
                week,
                ranked_parents: u32::try_from(taus.len().max(ws.len())).unwrap_or(u32::MAX),
                mean_tau_b: mean(&taus),
                kendalls_w: mean(&ws),
                reviewed_messages: u32::try_from(
                    cell.messages
                        .values()
                        .filter(|(_, _, r)| r.len() >= 2)
                        .count(),
                )
                .unwrap_or(u32::MAX),
                alpha,
                verdicts_changed_by_weights: verdicts_changed,
                verdicts,
                consensus_changed_by_weights: consensus_changed,
                consensus_sets,
            });
        }
        let annotators = db::quality::annotators(&mut *conn, ANNOTATORS)
            .await?
            .into_iter()
            .map(|(row, username)| reliability_view(&row, username))
            .collect();
        Ok(AgreementReport {
            rows,
            annotators,
            weeks,
            generated_at: view_time(now),
        })
    }

    /// Annotators flagged as unreliable, newest flag first (moderators).
    pub async fn flagged_annotators(
        &self,
        moderator: UserId,
    ) -> Result<Vec<AnnotatorReliability>, Error> {
        let mut conn = self.pool.acquire().await?;
        require_moderator(&mut conn, moderator).await?;
        let rows = db::quality::flagged(&mut *conn).await?;
        let mut views = Vec::with_capacity(rows.len());
        for row in rows {
            let username = db::users::by_id(&mut *conn, row.user_id)
                .await?
                .map(|u| u.username)
                .unwrap_or_default();
            views.push(reliability_view(&row, username));
        }
        Ok(views)
    }

    /// One annotator's reliability (moderators), or `None` before they did any work.
    pub async fn annotator_reliability(
        &self,
        moderator: UserId,
        user: UserId,
    ) -> Result<Option<AnnotatorReliability>, Error> {
        let mut conn = self.pool.acquire().await?;
        require_moderator(&mut conn, moderator).await?;
        let Some(row) = db::quality::of_user(&mut *conn, user.as_uuid()).await? else {
            return Ok(None);
        };
        let username = db::users::by_id(&mut *conn, user.as_uuid())
            .await?
            .map(|u| u.username)
            .unwrap_or_default();
        Ok(Some(reliability_view(&row, username)))
    }
}
