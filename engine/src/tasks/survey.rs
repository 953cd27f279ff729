//! The shared survey of available work in a language. Task requests used to run the candidate
//! queries of every kind each; now one request per [`MAX_AGE`] (half a second), language and
//! server runs one query listing every item with work still free
//! ([`db::candidates::open_items`]) plus the backlog, and every request of that half second
//! shares it. A request then checks only what concerns its
//! annotator (authorship from the survey; what they already did or skipped, in one query over
//! a handful of candidates) and claims one candidate under its tree's lock, passing trees
//! other transactions hold (`SKIP LOCKED`). The requests that arrive while a survey is taken
//! wait for it, so it runs on a connection of its own, not one of the pool the crowd's
//! transactions queue for. The prompt lottery (which lets more trees grow) is drawn by the
//! request that took the survey after it has handed the survey to the others (see
//! [`Lottery`]), in a transaction opened only when the lottery has something to do.
//!
//! Staleness: a survey is at most [`MAX_AGE`] old. It can list an item filled or reserved
//! since; the claim re-checks the room under the tree's lock, so nothing is handed out twice.
//! Within a process every handed-out task takes one unit off its item's `free` count at once,
//! so requests sharing a survey do not all try the same last slot. It can miss items that
//! appeared since (for at most [`MAX_AGE`]). A request that finds nothing for its annotator
//! in a survey older than itself takes a new one and tries again, which costs it a second wait
//! for a pooled connection; the older the surveys, the more requests do (under a crowd of 200
//! on two cores: 7 % of requests with surveys of up to a second, 1-2 % with half a second;
//! `BENCHMARKS.md`).

use crate::{
    db::{self, candidates::OpenItem},
    trees::{lottery_due, run_lottery},
    Engine, Error,
};
use domain::{
    message::Role,
    ranking::{
        active::{priority, uncertainty},
        consensus::Ballot,
    },
    task::{chooser::Backlog, TaskCategory},
};
use sqlx::{Connection, PgConnection};
use std::{
    collections::HashMap,
    sync::{
        atomic::{AtomicI64, Ordering},
        Arc, Mutex,
    },
    time::{Duration, Instant},
};
use uuid::Uuid;

/// How old a shared survey may get before a request takes a new one.
pub const MAX_AGE: Duration = Duration::from_millis(500);
/// How long a request waits for a survey at most, the wait for another request's survey
/// included (as long as the pool's wait for a connection): a survey that does not come (a
/// database that stopped answering) fails the requests of the moment with
/// `database_unavailable` instead of holding them, and the next survey starts on a new
/// connection.
pub const SURVEY_TIMEOUT: Duration = Duration::from_secs(10);
/// Items of each kind a survey keeps (drawn at random when a language has more).
const PER_WORK: i64 = 2000;

/// Work of one kind on one message.
pub(crate) struct Item {
    pub message_id: Uuid,
    pub author: Uuid,
    /// The message's role (for ranking work: the parent's, whose replies are ranked).
    pub role: Role,
    pub lonely: bool,
    /// Units still free as far as this process knows.
    pub free: AtomicI64,
    /// The item's draw weight: 1, or for ranking work `1 + weight · uncertainty` of the
    /// language's current reward model (`domain::ranking::active`).
    pub priority: f64,
}

impl Item {
    /// Whether the item has work left that `user` may do as far as the survey knows: one
    /// does not review or answer one's own message; the replies one ranks are under someone's
    /// message, possibly one's own (whether one wrote a reply among them is checked per
    /// request).
    pub(crate) fn open_to(&self, work: Work, user: Uuid) -> bool {
        (work == Work::Rank || self.author != user) && self.free.load(Ordering::Relaxed) > 0
    }
}

/// The kinds of work a survey lists, as the chooser's categories split them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum Work {
    LabelPrompt,
    LabelAssistant,
    LabelPrompter,
    ReplyToPrompter,
    ReplyToAssistant,
    Rank,
}

impl Work {
    fn parse(raw: &str) -> Option<Self> {
        Some(match raw {
            "label_prompt" => Self::LabelPrompt,
            "label_assistant" => Self::LabelAssistant,
            "label_prompter" => Self::LabelPrompter,
            "reply_to_prompter" => Self::ReplyToPrompter,
            "reply_to_assistant" => Self::ReplyToAssistant,
            "rank" => Self::Rank,
            _ => return None,
        })
    }

    pub(crate) fn category(self) -> TaskCategory {
        match self {
            Self::LabelPrompt => TaskCategory::LabelPrompt,
            Self::LabelAssistant | Self::LabelPrompter => TaskCategory::LabelReply,
            Self::ReplyToPrompter | Self::ReplyToAssistant => TaskCategory::Reply,
            Self::Rank => TaskCategory::Ranking,
        }
    }

    /// What [`db::candidates::eligible`] checks for this work.
    pub(crate) fn exclusion(self) -> db::candidates::Exclusion {
        use db::candidates::Exclusion;
        match self.category() {
            TaskCategory::LabelPrompt | TaskCategory::LabelReply => Exclusion::Label,
            TaskCategory::Reply | TaskCategory::InitialPrompt => Exclusion::Reply,
            TaskCategory::Ranking => Exclusion::Rank,
        }
    }
}

/// Available work in a language at one moment, shared by the requests of the next [`MAX_AGE`].
pub(crate) struct Survey {
    pub taken: Instant,
    pub backlog: Backlog,
    /// Prompt tasks handed out since the survey (they count as queued prompts).
    pub prompts_handed: AtomicI64,
    pub items: HashMap<Work, Vec<Item>>,
}

impl Survey {
    pub(crate) fn items(&self, work: Work) -> &[Item] {
        self.items.get(&work).map_or(&[], Vec::as_slice)
    }

    /// Items of `work` with something free that `user` did not write.
    pub(crate) fn count_for(&self, work: Work, user: Uuid) -> u32 {
        let n = self
            .items(work)
            .iter()
            .filter(|i| i.open_to(work, user))
            .count();
        u32::try_from(n).unwrap_or(u32::MAX)
    }
}

/// When a survey's request draws the prompt lottery (which can take a tenth of a second under
/// load: it waits for the language's lottery lock, which submits that accept a prompt or finish
/// a tree hold while they draw).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Lottery {
    /// After the survey is handed to the requests waiting for it (the usual refresh): the
    /// trees it lets grow are in the next survey, within [`MAX_AGE`].
    After,
    /// Before the survey (a request that found nothing to do: the trees the lottery lets grow
    /// may be its work).
    Before,
}

/// What runs on the surveys' connection.
#[derive(Debug, Clone, Copy)]
enum Step {
    Lottery,
    Survey,
}

/// A language's current survey; the lock lets one request at a time take a new one.
type Slot = Arc<tokio::sync::Mutex<Option<Arc<Survey>>>>;

/// This process's surveys, one per language, each refreshed by one request at a time, and
/// the people who asked this process for a task in each language lately.
#[derive(Default)]
pub(crate) struct Surveys {
    languages: Mutex<HashMap<String, Slot>>,
    demand: Mutex<HashMap<String, HashMap<u64, Instant>>>,
    /// The connection surveys run on, apart from the pool (see
    /// [`Engine::on_survey_connection`]).
    connection: tokio::sync::Mutex<Option<PgConnection>>,
    /// [`SURVEY_TIMEOUT`], shorter in tests.
    timeout: Option<Duration>,
    /// [`MAX_AGE`], longer in tests that must not depend on the machine's speed.
    max_age: Option<Duration>,
}

/// How long a request counts as demand (the window of `active_annotators`).
const DEMAND_WINDOW: Duration = Duration::from_secs(600);

impl Surveys {
    /// Notes that `who` ([`crate::Caller::demand_key`]) asked for a task in `lang` now ([`Surveys::demand`] counts the
    /// distinct people within [`DEMAND_WINDOW`]; a few may be a little older: the window is
    /// swept when a survey is taken).
    ///
    /// The database counts the people *holding* a task; this counts everybody who asked,
    /// those waiting for their first task and those told there is nothing to do included,
    /// which is what lets a crowd that arrives at once at an empty language be asked for
    /// enough prompts in the first second rather than ten trees' worth. With several
    /// servers each sees only the people who asked it, so the chooser takes the larger of
    /// the two counts (a lower bound of the crowd).
    pub(crate) fn asking(&self, lang: &str, who: u64) {
        if let Ok(mut demand) = self.demand.lock() {
            demand
                .entry(lang.to_owned())
                .or_default()
                .insert(who, Instant::now());
        }
    }

    /// Takes back [`Surveys::asking`] for a caller who turned out not to be signed in: a
    /// made-up session is not a person (the crowd's size decides how many trees grow).
    pub(crate) fn not_asking(&self, lang: &str, who: u64) {
        if let Ok(mut demand) = self.demand.lock() {
            if let Some(people) = demand.get_mut(lang) {
                people.remove(&who);
            }
        }
    }

    /// How many people asked this process for a task in `lang` lately.
    pub(crate) fn demand(&self, lang: &str) -> u32 {
        self.demand.lock().map_or(0, |demand| {
            demand
                .get(lang)
                .map_or(0, |people| u32::try_from(people.len()).unwrap_or(u32::MAX))
        })
    }

    /// Forgets requests older than [`DEMAND_WINDOW`]; the people left in `lang`.
    fn sweep_demand(&self, lang: &str) -> u32 {
        let Ok(mut demand) = self.demand.lock() else {
            return 0;
        };
        let Some(people) = demand.get_mut(lang) else {
            return 0;
        };
        if let Some(oldest) = Instant::now().checked_sub(DEMAND_WINDOW) {
            people.retain(|_, asked| *asked > oldest);
        }
        u32::try_from(people.len()).unwrap_or(u32::MAX)
    }
}

impl std::fmt::Debug for Surveys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Surveys")
    }
}

impl Engine {
    /// The language's survey: the shared one if it is fresh, otherwise a new one (taken by
    /// one request while the others of the moment wait for it). Holds no connection while
    /// waiting, so waiting requests cannot starve the refresh of connections.
    pub(crate) async fn survey(&self, lang: &str) -> Result<Arc<Survey>, Error> {
        let oldest = Instant::now().checked_sub(self.surveys.max_age.unwrap_or(MAX_AGE));
        self.survey_taken_after(lang, oldest, Lottery::After).await
    }

    /// A survey taken after `oldest` (a new one if the shared one is older). A request that
    /// found nothing in its survey asks for one taken after it started (with the lottery
    /// [`Lottery::Before`] it): either another request refreshed it meanwhile, or it takes one
    /// itself. So "nothing to do" is never older than the request, and a crowd that runs out
    /// of work refreshes the survey at most once per refresh, not once per request.
    pub(crate) async fn survey_taken_after(
        &self,
        lang: &str,
        oldest: Option<Instant>,
        lottery: Lottery,
    ) -> Result<Arc<Survey>, Error> {
        let deadline = tokio::time::Instant::now() + self.surveys.timeout.unwrap_or(SURVEY_TIMEOUT);
        let slot = {
            let mut languages = self
                .surveys
                .languages
                .lock()
                .map_err(|_| Error::Internal("survey cache poisoned".to_owned()))?;
            languages.entry(lang.to_owned()).or_default().clone()
        };
        let mut current = match slot.try_lock() {
            Ok(current) => current,
            // another request is taking the survey: wait for it, within the time allowed
            Err(_) => tokio::time::timeout_at(deadline, slot.lock())
                .await
                .map_err(|_| survey_timed_out())?,
        };
        if let Some(survey) = current.as_ref() {
            if oldest.is_some_and(|oldest| survey.taken > oldest) {
                return Ok(survey.clone());
            }
        }
        let started = Instant::now();
        if lottery == Lottery::Before {
            self.on_survey_connection(deadline, lang, Step::Lottery)
                .await?;
        }
        let fresh = self
            .on_survey_connection(deadline, lang, Step::Survey)
            .await?
            .map(Arc::new)
            .ok_or_else(|| Error::Internal("a survey step gave no survey".to_owned()))?;
        self.counters.survey_taken(started.elapsed().as_secs_f64());
        *current = Some(fresh.clone());
        // the requests waiting for the survey go on; this one draws the lottery
        drop(current);
        if lottery == Lottery::After {
            self.on_survey_connection(deadline, lang, Step::Lottery)
                .await?;
        }
        Ok(fresh)
    }

    /// How long requests wait for a survey at most ([`SURVEY_TIMEOUT`] unless a test sets it).
    #[cfg(test)]
    pub(crate) fn set_survey_timeout(&mut self, timeout: Duration) {
        if let Some(surveys) = Arc::get_mut(&mut self.surveys) {
            surveys.timeout = Some(timeout);
        }
    }

    /// How old a survey may get ([`MAX_AGE`] unless a test sets it).
    #[cfg(test)]
    pub(crate) fn set_survey_max_age(&mut self, max_age: Duration) {
        if let Some(surveys) = Arc::get_mut(&mut self.surveys) {
            surveys.max_age = Some(max_age);
        }
    }

    /// Forgets this process's surveys (tests that change the data under them).
    pub fn forget_surveys(&self) {
        if let Ok(mut languages) = self.surveys.languages.lock() {
            languages.clear();
        }
    }

    /// Runs a step of a survey on the surveys' own connection (opened on first use, opened
    /// again after an error); the survey itself for [`Step::Survey`]. Requests waiting for a
    /// survey wait for all of it, so it must not queue for a connection of the pool behind the
    /// crowd's transactions: under load that wait was most of a survey's time (40-220 ms
    /// against about 10 ms of statements; `BENCHMARKS.md`). Gives up at `deadline`
    /// ([`SURVEY_TIMEOUT`]).
    async fn on_survey_connection(
        &self,
        deadline: tokio::time::Instant,
        lang: &str,
        step: Step,
    ) -> Result<Option<Survey>, Error> {
        let mut held = tokio::time::timeout_at(deadline, self.surveys.connection.lock())
            .await
            .map_err(|_| survey_timed_out())?;
        // the connection is put back only after work that went through: whatever went wrong
        // (a statement cut off by the deadline included), the next survey starts on a new one
        tokio::time::timeout_at(deadline, async {
            let mut conn = match held.take() {
                Some(conn) => conn,
                None => PgConnection::connect_with(&self.pool.connect_options()).await?,
            };
            let survey = match step {
                Step::Survey => Some(self.take_survey_on(&mut conn, lang).await?),
                Step::Lottery => {
                    self.survey_lottery(&mut conn, lang).await?;
                    None
                }
            };
            *held = Some(conn);
            Ok(survey)
        })
        .await
        .unwrap_or_else(|_| Err(survey_timed_out()))
    }

    /// The prompt lottery lets more trees grow when the crowd grew, in its own transaction,
    /// opened only when the lottery has something to do; one that fails on a conflict is
    /// drawn again by the next survey.
    async fn survey_lottery(&self, conn: &mut PgConnection, lang: &str) -> Result<(), Error> {
        let demand = self.surveys.sweep_demand(lang);
        if !lottery_due(conn, &self.config, lang, demand)
            .await?
            .has_room()
        {
            return Ok(());
        }
        let mut tx = conn.begin().await?;
        match run_lottery(&mut tx, &self.config, lang, 16, demand).await {
            Ok(_) => tx.commit().await?,
            Err(e) => {
                let Some(reason) = e.retry_reason() else {
                    return Err(e);
                };
                tx.rollback().await?;
                self.counters.retried(reason);
                tracing::debug!(error = %e, lang, "prompt lottery left for the next survey");
            }
        }
        Ok(())
    }

    async fn take_survey_on(&self, conn: &mut PgConnection, lang: &str) -> Result<Survey, Error> {
        let started = Instant::now();
        let limits = super::request::limits(&self.config);
        let backlog = db::candidates::backlog(&mut *conn, lang, &limits).await?;
        let rows = db::candidates::open_items(&mut *conn, lang, &limits, PER_WORK).await?;
        let priorities =
            ranking_priorities(conn, lang, &rows, self.config.active_learning_weight).await?;
        Ok(assemble(backlog, rows, &priorities, started))
    }
}

/// A survey that did not come within [`SURVEY_TIMEOUT`]: the database did not answer in time,
/// which the requests waiting for it report as `database_unavailable`.
fn survey_timed_out() -> Error {
    Error::Database(sqlx::Error::Io(std::io::Error::new(
        std::io::ErrorKind::TimedOut,
        "no survey of available work within the time allowed",
    )))
}

/// The draw weight of each ranking item whose replies the language's current reward model
/// scored (items left out weigh 1). Nothing is read when the weight is 0.
async fn ranking_priorities(
    conn: &mut PgConnection,
    lang: &str,
    rows: &[OpenItem],
    weight: f64,
) -> Result<HashMap<Uuid, f64>, Error> {
    let parents: Vec<Uuid> = rows
        .iter()
        .filter(|row| Work::parse(&row.work) == Some(Work::Rank))
        .map(|row| row.message_id)
        .collect();
    if weight <= 0.0 || parents.is_empty() {
        return Ok(HashMap::new());
    }
    let mut scores: HashMap<Uuid, HashMap<Uuid, f64>> = HashMap::new();
    for row in db::reward_loop::reply_scores(&mut *conn, lang, &parents).await? {
        if let Some(score) = row.score {
            scores
                .entry(row.parent_id)
                .or_default()
                .insert(row.message_id, f64::from(score));
        }
    }
    if scores.is_empty() {
        return Ok(HashMap::new());
    }
    let scored: Vec<Uuid> = scores.keys().copied().collect();
    let mut ballots: HashMap<Uuid, Vec<Ballot<Uuid>>> = HashMap::new();
    for row in db::reward_loop::ballots(&mut *conn, &scored).await? {
        ballots
            .entry(row.parent_id)
            .or_default()
            .push(crate::quality::report::ballot(
                &row.ranked_ids,
                &row.tie_groups,
            ));
    }
    Ok(scores
        .into_iter()
        .map(|(parent, scores)| {
            let ballots = ballots.get(&parent).map_or(&[][..], Vec::as_slice);
            (parent, priority(uncertainty(&scores, ballots), weight))
        })
        .collect())
}

fn assemble(
    backlog: Backlog,
    rows: Vec<OpenItem>,
    priorities: &HashMap<Uuid, f64>,
    taken: Instant,
) -> Survey {
    let mut items: HashMap<Work, Vec<Item>> = HashMap::new();
    for row in rows {
        // a work or role this build does not know is left out rather than guessed
        let (Some(work), Ok(role)) = (Work::parse(&row.work), Role::parse(&row.role)) else {
            continue;
        };
        items.entry(work).or_default().push(Item {
            message_id: row.message_id,
            author: row.author,
            role,
            lonely: row.lonely,
            free: AtomicI64::new(row.free),
            priority: if work == Work::Rank {
                priorities.get(&row.message_id).copied().unwrap_or(1.0)
            } else {
                1.0
            },
        });
    }
    Survey {
        taken,
        prompts_handed: AtomicI64::new(0),
        backlog,
        items,
    }
}

impl Survey {
    /// The backlog as the chooser should see it now: prompts handed out since the survey
    /// count as queued, so a second of requests does not all get prompts; the active
    /// annotators are at least the `demand` this process sees ([`Surveys::asking`]).
    pub(crate) fn backlog_now(&self, demand: u32) -> Backlog {
        let handed = self.prompts_handed.load(Ordering::Relaxed);
        Backlog {
            active_annotators: self.backlog.active_annotators.max(demand),
            prompts_in_review: self
                .backlog
                .prompts_in_review
                .saturating_add(u32::try_from(handed.max(0)).unwrap_or(u32::MAX)),
            ..self.backlog
        }
    }
}

/// [`ranking_priorities`] on a connection of the engine's pool (engine tests).
#[cfg(test)]
pub(crate) async fn ranking_priorities_for_test(
    engine: &Engine,
    lang: &str,
    rows: &[OpenItem],
    weight: f64,
) -> Result<HashMap<Uuid, f64>, Error> {
    let mut conn = engine.pool.acquire().await?;
    ranking_priorities(&mut conn, lang, rows, weight).await
}
