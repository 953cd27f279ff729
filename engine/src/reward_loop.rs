//! Reward models in the loop. A language's schedule ("retrain after N new rankings") or a
//! moderator's "retrain now" starts a run: a training job on the language's rankings; once it
//! succeeded, a scoring job for the candidate (its held-out trees and the language's open
//! trees) and, when the language has a current model, one for that model on the same trees;
//! once both succeeded, the candidate's held-out all-pairs accuracy is compared with the
//! current model's on the same held-out trees, and the candidate becomes current only if it
//! is not worse (`domain::reward_loop::Decision`). Any process sharing the database moves
//! runs on with [`Engine::tick_retraining`] (the server every few seconds, the worker after
//! each job); runs another process is moving are skipped, and one advisory lock per language
//! keeps two runs of a language from starting at once.
//!
//! The current model steers the chooser (`tasks::survey`: active learning) and the
//! disagreement review ([`Engine::disagreement_review`]).

use crate::{
    db::{
        self,
        reward_loop::{FlightRow, RunRow},
    },
    moderation::require_moderator,
    quality::report::ballot,
    tasks::view_time,
    Engine, Error, ErrorKind,
};
use domain::{
    ids::{JobId, MessageId, RunId, TreeId, UserId},
    message::LanguageTag,
    quality::agreement::ballot_tau_b,
    ranking::{consensus::Ballot, ranked_pairs},
    reward_loop::{
        all_pairs_accuracy, is_due, Decision, Disagreement, DisagreementReview,
        DissentingAnnotator, LanguageModels, ReplyBrief, RunState, RunTrigger, RunView,
        ScheduleInput, ScheduleView, MAX_EVERY_RANKINGS,
    },
    training::{JobSpec, JobState, ScoreScope, TrainingSettings},
};
use sqlx::PgConnection;
use std::collections::{BTreeMap, HashMap, HashSet};
use uuid::Uuid;

/// Runs the registry lists per language.
const RUNS_LISTED: i64 = 50;
/// Ranked parents the disagreement review compares (the latest ranked).
const REVIEWED_PARENTS: i64 = 2000;
/// Parents and annotators the review lists.
const LISTED: usize = 50;
/// Rankings an annotator needs before the review judges them.
const MIN_RANKINGS: u32 = 3;
/// Characters of a message the review shows.
const SHOWN_CHARS: usize = 280;

fn run_view(row: RunRow) -> Result<RunView, Error> {
    let state = RunState::parse(&row.state)?;
    let (decision, error) = match state {
        RunState::Failed => (None, row.reason),
        _ => (row.reason.as_deref().and_then(Decision::parse), None),
    };
    Ok(RunView {
        id: RunId::from_uuid(row.run_id),
        lang: row.lang,
        trigger: RunTrigger::parse(&row.trigger)?,
        state,
        new_rankings: row.new_rankings,
        train_job: JobId::from_uuid(row.train_job),
        score_job: row.score_job.map(JobId::from_uuid),
        baseline_job: row.baseline_job.map(JobId::from_uuid),
        candidate_accuracy: row.candidate_accuracy,
        baseline_accuracy: row.baseline_accuracy,
        held_out_pairs: row.held_out_pairs,
        decision,
        error,
        created_at: view_time(row.created_at),
        decided_at: row.decided_at.map(view_time),
    })
}

fn run_in_flight(lang: &str) -> Error {
    Error::rule(
        ErrorKind::Conflict,
        "run_in_flight",
        format!("A retraining run for {lang} is still in progress."),
    )
}

/// Queues a training job and its run; the caller holds the language's lock and checked that
/// no run is in flight.
async fn start_run(
    conn: &mut PgConnection,
    lang: &str,
    trigger: RunTrigger,
    settings: TrainingSettings,
    created_by: Uuid,
    new_rankings: i64,
) -> Result<Uuid, Error> {
    let spec = serde_json::to_value(JobSpec::Train(settings))
        .map_err(|e| Error::Internal(format!("job spec not serialisable: {e}")))?;
    let job = db::model_jobs::insert(&mut *conn, "train", &spec, created_by).await?;
    db::reward_loop::insert_run(
        &mut *conn,
        lang,
        trigger.as_str(),
        new_rankings,
        job,
        created_by,
    )
    .await
}

async fn queue_score(
    conn: &mut PgConnection,
    model_job: Uuid,
    scope: ScoreScope,
    created_by: Uuid,
) -> Result<Uuid, Error> {
    let spec = serde_json::to_value(JobSpec::Score {
        model_job: JobId::from_uuid(model_job),
        scope: Some(scope),
    })
    .map_err(|e| Error::Internal(format!("job spec not serialisable: {e}")))?;
    db::model_jobs::insert(&mut *conn, "score", &spec, created_by).await
}

/// A run whose jobs all succeeded, waiting for its decision.
struct Pending {
    run: Uuid,
    train_job: Uuid,
    baseline_job: Option<Uuid>,
}

impl Engine {
    /// Sets a language's retraining schedule (moderators and admins).
    pub async fn set_retrain_schedule(
        &self,
        actor: UserId,
        input: ScheduleInput,
    ) -> Result<(), Error> {
        let input = input.validated()?;
        let settings = serde_json::to_value(&input.settings)
            .map_err(|e| Error::Internal(format!("settings not serialisable: {e}")))?;
        let every = i32::try_from(input.every_rankings.min(MAX_EVERY_RANKINGS)).unwrap_or(i32::MAX);
        self.transaction(move |conn| {
            let (input, settings) = (input.clone(), settings.clone());
            Box::pin(async move {
                let actor = require_moderator(conn, actor).await?;
                db::reward_loop::upsert_schedule(
                    &mut *conn,
                    &input.lang,
                    every,
                    input.enabled,
                    &settings,
                    actor.id.as_uuid(),
                )
                .await
            })
        })
        .await
    }

    /// Starts a run for a language now (moderators and admins), with its schedule's training
    /// settings or the defaults. `run_in_flight` while one is still going.
    pub async fn retrain_now(&self, actor: UserId, lang: &str) -> Result<RunId, Error> {
        let lang = LanguageTag::parse(lang)?.as_str().to_owned();
        self.transaction(move |conn| {
            let lang = lang.clone();
            Box::pin(async move {
                let actor = require_moderator(conn, actor).await?;
                db::reward_loop::lock_language(conn, &lang).await?;
                if db::reward_loop::in_flight(&mut *conn, &lang).await? {
                    return Err(run_in_flight(&lang));
                }
                let settings = match db::reward_loop::schedule(&mut *conn, &lang).await? {
                    Some(schedule) => serde_json::from_value(schedule.settings)
                        .map_err(|e| Error::Internal(format!("stored settings unreadable: {e}")))?,
                    None => TrainingSettings {
                        languages: vec![lang.clone()],
                        ..TrainingSettings::default()
                    },
                };
                let new = db::reward_loop::new_rankings(&mut *conn, &lang, i64::MAX).await?;
                let run = start_run(
                    conn,
                    &lang,
                    RunTrigger::Manual,
                    settings,
                    actor.id.as_uuid(),
                    new,
                )
                .await?;
                Ok(RunId::from_uuid(run))
            })
        })
        .await
    }

    /// Moves retraining on: starts the runs of due schedules, queues the scoring of trained
    /// candidates, and decides on scored ones. Returns how many runs it started or moved.
    pub async fn tick_retraining(&self) -> Result<u32, Error> {
        let mut moved = 0;
        for schedule in db::reward_loop::schedules(&self.pool).await? {
            if !schedule.enabled {
                continue;
            }
            let (every, by) = (i64::from(schedule.every_rankings), schedule.updated_by);
            let (lang_of, settings_of) = (schedule.lang.clone(), schedule.settings.clone());
            let started = self
                .transaction(move |conn| {
                    let (lang, settings) = (lang_of.clone(), settings_of.clone());
                    Box::pin(async move {
                        if !db::reward_loop::lock_schedule(conn, &lang).await? {
                            return Ok(false);
                        }
                        db::reward_loop::lock_language(conn, &lang).await?;
                        let in_flight = db::reward_loop::in_flight(&mut *conn, &lang).await?;
                        let new = db::reward_loop::new_rankings(&mut *conn, &lang, every).await?;
                        let every = u32::try_from(every).unwrap_or(u32::MAX);
                        if !is_due(true, in_flight, u64::try_from(new).unwrap_or(0), every) {
                            return Ok(false);
                        }
                        let settings: TrainingSettings =
                            serde_json::from_value(settings).map_err(|e| {
                                Error::Internal(format!("stored settings unreadable: {e}"))
                            })?;
                        start_run(conn, &lang, RunTrigger::Schedule, settings, by, new).await?;
                        Ok(true)
                    })
                })
                .await?;
            if started {
                tracing::info!(lang = %schedule.lang, "retraining run started by its schedule");
                moved += 1;
            }
        }
        let (advanced, pending) = self
            .transaction(|conn| Box::pin(async move { advance(conn).await }))
            .await?;
        moved += advanced;
        for run in pending {
            self.decide(run).await?;
            moved += 1;
        }
        Ok(moved)
    }

    /// Whether a retraining run waits only for a tick to move it on (its jobs have finished):
    /// another process may be moving it right now, and may then queue more work.
    pub async fn retraining_ready_to_move(&self) -> Result<bool, Error> {
        for row in db::reward_loop::peek_in_flight(&self.pool).await? {
            if next_step(&row)? != NextStep::Wait {
                return Ok(true);
            }
        }
        Ok(false)
    }

    /// Compares a scored candidate with the current model on the candidate's held-out trees
    /// and records the decision.
    async fn decide(&self, run: Pending) -> Result<(), Error> {
        let settings = match db::model_jobs::by_id(&self.pool, run.train_job).await? {
            Some(row) => match serde_json::from_value::<JobSpec>(row.spec) {
                Ok(JobSpec::Train(settings)) => settings,
                _ => {
                    return Err(Error::Internal(
                        "a run's training job has no settings".into(),
                    ))
                }
            },
            None => return Err(Error::Internal("a run's training job is gone".into())),
        };
        let held_out: HashSet<TreeId> = db::reward_loop::held_out_trees(&self.pool, run.train_job)
            .await?
            .into_iter()
            .map(TreeId::from_uuid)
            .collect();
        let groups: Vec<_> = self
            .ranked_groups(&settings)
            .await?
            .into_iter()
            .filter(|g| held_out.contains(&g.tree) && g.is_trainable())
            .collect();
        let messages: Vec<Uuid> = groups
            .iter()
            .flat_map(|g| g.replies.iter().map(|r| r.message.as_uuid()))
            .collect();
        let accuracy_of = |scores: HashMap<Uuid, f32>| {
            let scored: Vec<Vec<(u32, Option<f32>)>> = groups
                .iter()
                .map(|g| {
                    g.replies
                        .iter()
                        .map(|r| (r.tier, scores.get(&r.message.as_uuid()).copied()))
                        .collect()
                })
                .collect();
            all_pairs_accuracy(&scored)
        };
        let candidate = accuracy_of(
            db::reward_loop::scores_by(&self.pool, run.train_job, &messages)
                .await?
                .into_iter()
                .collect(),
        );
        let baseline = match run.baseline_job {
            Some(job) => accuracy_of(
                db::reward_loop::scores_by(&self.pool, job, &messages)
                    .await?
                    .into_iter()
                    .collect(),
            ),
            None => None,
        };
        let decision = Decision::decide(
            run.baseline_job.is_some(),
            candidate.map(|(acc, _)| acc),
            baseline.map(|(acc, _)| acc),
        );
        let state = if decision.promotes() {
            RunState::Promoted
        } else {
            RunState::Kept
        };
        let pairs = candidate.map(|(_, pairs)| i32::try_from(pairs).unwrap_or(i32::MAX));
        let run_id = run.run;
        self.transaction(move |conn| {
            Box::pin(async move {
                // still scoring and ours to decide (another process may have decided it)
                if !db::reward_loop::lock_scoring(conn, run_id).await? {
                    return Ok(());
                }
                db::reward_loop::decide(
                    &mut *conn,
                    run_id,
                    state.as_str(),
                    decision.as_str(),
                    candidate.map(|(acc, _)| acc),
                    baseline.map(|(acc, _)| acc),
                    pairs,
                )
                .await
            })
        })
        .await?;
        tracing::info!(run = %run_id, decision = decision.as_str(), ?candidate, ?baseline, "retraining run decided");
        Ok(())
    }

    /// Every language with a schedule or a run: its schedule, current model and runs
    /// (moderators and admins).
    pub async fn model_registry(&self, actor: UserId) -> Result<Vec<LanguageModels>, Error> {
        self.transaction(move |conn| {
            Box::pin(async move {
                require_moderator(conn, actor).await?;
                let mut languages: BTreeMap<String, LanguageModels> = BTreeMap::new();
                for schedule in db::reward_loop::schedules(&mut *conn).await? {
                    let settings = serde_json::from_value(schedule.settings)
                        .map_err(|e| Error::Internal(format!("stored settings unreadable: {e}")))?;
                    slot(&mut languages, &schedule.lang).schedule = Some(ScheduleView {
                        every_rankings: u32::try_from(schedule.every_rankings).unwrap_or(0),
                        enabled: schedule.enabled,
                        settings,
                        updated_by: UserId::from_uuid(schedule.updated_by),
                        updated_at: view_time(schedule.updated_at),
                    });
                }
                for row in db::reward_loop::runs(&mut *conn, RUNS_LISTED).await? {
                    let lang = row.lang.clone();
                    slot(&mut languages, &lang).runs.push(run_view(row)?);
                }
                for row in db::reward_loop::current_runs(&mut *conn).await? {
                    let lang = row.lang.clone();
                    slot(&mut languages, &lang).current = Some(run_view(row)?);
                }
                for models in languages.values_mut() {
                    models.new_rankings = db::reward_loop::new_rankings(
                        &mut *conn,
                        &models.lang,
                        i64::from(MAX_EVERY_RANKINGS),
                    )
                    .await?;
                }
                Ok(languages.into_values().collect())
            })
        })
        .await
    }

    /// Where the language's consensus and its current model disagree most, with both orders,
    /// and the annotators whose rankings disagree with both (moderators and admins).
    pub async fn disagreement_review(
        &self,
        actor: UserId,
        lang: &str,
    ) -> Result<DisagreementReview, Error> {
        let lang = LanguageTag::parse(lang)?.as_str().to_owned();
        self.transaction(move |conn| {
            let lang = lang.clone();
            Box::pin(async move {
                require_moderator(conn, actor).await?;
                let Some(model) = db::reward_loop::current_model(&mut *conn, &lang).await? else {
                    return Ok(DisagreementReview {
                        lang,
                        model: None,
                        parents: Vec::new(),
                        annotators: Vec::new(),
                    });
                };
                let parents = db::reward_loop::scored_ranked_parents(
                    &mut *conn,
                    &lang,
                    model,
                    REVIEWED_PARENTS,
                )
                .await?;
                review(conn, lang, model, &parents).await
            })
        })
        .await
    }
}

/// A language's entry in the registry being assembled.
fn slot<'a>(
    languages: &'a mut BTreeMap<String, LanguageModels>,
    lang: &str,
) -> &'a mut LanguageModels {
    languages
        .entry(lang.to_owned())
        .or_insert_with(|| LanguageModels {
            lang: lang.to_owned(),
            schedule: None,
            current: None,
            runs: Vec::new(),
            new_rankings: 0,
        })
}

/// What a run in flight needs next, from the states of its jobs.
#[derive(Debug, Clone, PartialEq)]
enum NextStep {
    /// Its jobs are still queued or running.
    Wait,
    /// Its candidate is trained: queue the scoring.
    QueueScoring,
    /// A job of it failed or was cancelled: the run fails, for this reason.
    Fail(String),
    /// Its scoring jobs succeeded: compare and decide.
    Decide,
}

fn next_step(row: &FlightRow) -> Result<NextStep, Error> {
    let failed = |state: &str| {
        JobState::parse(state).is_ok_and(|s| matches!(s, JobState::Failed | JobState::Cancelled))
    };
    let succeeded = |state: &str| JobState::parse(state) == Ok(JobState::Succeeded);
    Ok(match RunState::parse(&row.state)? {
        RunState::Training if succeeded(&row.train_state) => NextStep::QueueScoring,
        RunState::Training if failed(&row.train_state) => NextStep::Fail(format!(
            "training job {}: {}",
            row.train_state,
            row.train_error.as_deref().unwrap_or("no error given")
        )),
        RunState::Scoring => {
            let states = [
                row.score_state.as_deref(),
                row.baseline_score_state.as_deref(),
            ];
            if states.iter().flatten().any(|s| failed(s)) {
                NextStep::Fail(format!(
                    "scoring job failed: {}",
                    row.score_error.as_deref().unwrap_or("cancelled")
                ))
            } else if row.score_state.as_deref().is_some_and(succeeded)
                && (row.baseline_score_job.is_none()
                    || row.baseline_score_state.as_deref().is_some_and(succeeded))
            {
                NextStep::Decide
            } else {
                NextStep::Wait
            }
        }
        _ => NextStep::Wait,
    })
}

/// Moves in-flight runs on; returns how many moved and the runs ready for their decision.
async fn advance(conn: &mut PgConnection) -> Result<(u32, Vec<Pending>), Error> {
    let mut moved = 0;
    let mut pending = Vec::new();
    for row in db::reward_loop::lock_in_flight(&mut *conn).await? {
        match next_step(&row)? {
            NextStep::QueueScoring => {
                let by = row.created_by;
                let current = db::reward_loop::current_model(&mut *conn, &row.lang).await?;
                let scope = |open_trees| ScoreScope {
                    lang: row.lang.clone(),
                    held_out_of: JobId::from_uuid(row.train_job),
                    open_trees,
                };
                let score = queue_score(conn, row.train_job, scope(true), by).await?;
                let baseline_score = match current {
                    Some(current) => Some(queue_score(conn, current, scope(true), by).await?),
                    None => None,
                };
                db::reward_loop::start_scoring(
                    &mut *conn,
                    row.run_id,
                    score,
                    current,
                    baseline_score,
                )
                .await?;
                moved += 1;
            }
            NextStep::Fail(reason) => {
                db::reward_loop::decide(
                    &mut *conn, row.run_id, "failed", &reason, None, None, None,
                )
                .await?;
                moved += 1;
            }
            NextStep::Decide => pending.push(Pending {
                run: row.run_id,
                train_job: row.train_job,
                baseline_job: row.baseline_job,
            }),
            NextStep::Wait => {}
        }
    }
    Ok((moved, pending))
}

/// Text cut to what the review shows.
fn shortened(text: &str) -> String {
    if text.chars().count() <= SHOWN_CHARS {
        return text.to_owned();
    }
    let mut cut: String = text.chars().take(SHOWN_CHARS).collect();
    cut.push('…');
    cut
}

/// One reply per group, in order.
fn strict(order: &[Uuid]) -> Ballot<Uuid> {
    order.iter().map(|id| vec![*id]).collect()
}

async fn review(
    conn: &mut PgConnection,
    lang: String,
    model: Uuid,
    parents: &[Uuid],
) -> Result<DisagreementReview, Error> {
    let rows = db::reward_loop::ballots(&mut *conn, parents).await?;
    let mut by_parent: BTreeMap<Uuid, Vec<(Uuid, Ballot<Uuid>)>> = BTreeMap::new();
    let mut replies: HashSet<Uuid> = HashSet::new();
    for row in rows {
        replies.extend(row.ranked_ids.iter().copied());
        by_parent
            .entry(row.parent_id)
            .or_default()
            .push((row.user_id, ballot(&row.ranked_ids, &row.tie_groups)));
    }
    let replies: Vec<Uuid> = replies.into_iter().collect();
    let scores: HashMap<Uuid, f32> = db::reward_loop::scores_by(&mut *conn, model, &replies)
        .await?
        .into_iter()
        .collect();
    let model_order = |ids: &[Uuid]| -> Vec<Uuid> {
        let mut scored: Vec<(Uuid, f32)> = ids
            .iter()
            .filter_map(|id| scores.get(id).map(|s| (*id, *s)))
            .collect();
        scored.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
        scored.into_iter().map(|(id, _)| id).collect()
    };
    // (tau, parent, consensus order, model order, rankings)
    type Found = (f64, Uuid, Vec<Uuid>, Vec<Uuid>, u32);
    let mut found: Vec<Found> = Vec::new();
    // per annotator: (rankings, sum of tau with the others' consensus, sum of tau with the model)
    let mut annotators: HashMap<Uuid, (u32, f64, f64)> = HashMap::new();
    for (parent, ballots) in &by_parent {
        let all: Vec<Ballot<Uuid>> = ballots.iter().map(|(_, b)| b.clone()).collect();
        let consensus = ranked_pairs(&all);
        let model = model_order(&consensus);
        if model.len() < 2 {
            continue;
        }
        let consensus: Vec<Uuid> = consensus
            .into_iter()
            .filter(|id| scores.contains_key(id))
            .collect();
        if let Some(tau) = ballot_tau_b(&strict(&consensus), &strict(&model)) {
            found.push((tau, *parent, consensus, model.clone(), all.len() as u32));
        }
        for (i, (user, own)) in ballots.iter().enumerate() {
            // the consensus of the others: an annotator's own ranking does not vouch for it
            let others: Vec<Ballot<Uuid>> = all
                .iter()
                .enumerate()
                .filter(|(j, _)| *j != i)
                .map(|(_, b)| b.clone())
                .collect();
            if others.is_empty() {
                continue;
            }
            let (Some(with_consensus), Some(with_model)) = (
                ballot_tau_b(own, &strict(&ranked_pairs(&others))),
                ballot_tau_b(own, &strict(&model)),
            ) else {
                continue;
            };
            let entry = annotators.entry(*user).or_default();
            entry.0 += 1;
            entry.1 += with_consensus;
            entry.2 += with_model;
        }
    }
    found.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
    found.retain(|(tau, ..)| *tau < 1.0);
    found.truncate(LISTED);
    let mut dissenting: Vec<(Uuid, u32, f64, f64)> = annotators
        .into_iter()
        .filter(|(_, (n, ..))| *n >= MIN_RANKINGS)
        .map(|(user, (n, c, m))| (user, n, c / f64::from(n), m / f64::from(n)))
        .filter(|(_, _, c, m)| *c < 0.0 && *m < 0.0)
        .collect();
    dissenting.sort_by(|a, b| (a.2 + a.3).total_cmp(&(b.2 + b.3)).then(a.0.cmp(&b.0)));
    dissenting.truncate(LISTED);

    let mut wanted: Vec<Uuid> = Vec::new();
    for (_, parent, consensus, ..) in &found {
        wanted.push(*parent);
        wanted.extend(consensus.iter().copied());
    }
    let texts: HashMap<Uuid, String> = db::reward_loop::texts(&mut *conn, &wanted)
        .await?
        .into_iter()
        .collect();
    let users: Vec<Uuid> = dissenting.iter().map(|(u, ..)| *u).collect();
    let names: HashMap<Uuid, String> = db::reward_loop::display_names(&mut *conn, &users)
        .await?
        .into_iter()
        .collect();
    let brief = |id: &Uuid| ReplyBrief {
        message: MessageId::from_uuid(*id),
        text: texts.get(id).map(|t| shortened(t)).unwrap_or_default(),
        score: scores.get(id).copied(),
    };
    Ok(DisagreementReview {
        lang,
        model: Some(JobId::from_uuid(model)),
        parents: found
            .iter()
            .map(|(tau, parent, consensus, model, rankings)| Disagreement {
                parent: MessageId::from_uuid(*parent),
                parent_text: texts.get(parent).map(|t| shortened(t)).unwrap_or_default(),
                rankings: *rankings,
                tau: *tau,
                consensus: consensus.iter().map(brief).collect(),
                model: model.iter().map(brief).collect(),
            })
            .collect(),
        annotators: dissenting
            .into_iter()
            .map(
                |(user, rankings, tau_consensus, tau_model)| DissentingAnnotator {
                    user: UserId::from_uuid(user),
                    display_name: names.get(&user).cloned().unwrap_or_default(),
                    rankings,
                    tau_consensus,
                    tau_model,
                },
            )
            .collect(),
    })
}

#[cfg(test)]
mod tests;
