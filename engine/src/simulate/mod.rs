//! A simulator that drives the real use-cases with honest and spammy annotators, for tests,
//! demos (`grove simulate`) and load. Honest annotators write replies of a hidden quality,
//! review truthfully and rank by quality; spammers write spam and answer at random. With an
//! annotator mix (`quality`), annotators of known kinds judge against a hidden truth and the
//! run ends with a report of how well the decisions recovered it.

mod active;
mod quality;

pub use active::{ActiveLearningReport, ActiveLearningSimulation, CurvePoint};
pub use quality::{AnnotatorKind, AnnotatorMix, Behaviour, QualityReport};

use crate::{
    accounts::Registration,
    tasks::{TaskAnswer, TaskRequest, TaskView},
    Engine, Error,
};
use domain::{
    account::Role as AccountRole,
    ids::{MessageId, UserId},
    label::Widget,
    task::{TaskCategory, TaskKind},
};
use rand::{rngs::StdRng, seq::SliceRandom, Rng, SeedableRng};
use serde::Serialize;
use std::{
    collections::BTreeMap,
    sync::{
        atomic::{AtomicBool, AtomicU64, Ordering},
        Arc,
    },
    time::{Duration, Instant},
};

/// How a simulation runs.
#[derive(Debug, Clone)]
pub struct Simulation {
    /// Annotators taking part; each works in its own task loop.
    pub users: usize,
    /// Stop once this many trees are ready for export.
    pub trees: usize,
    /// Share of annotators who spam (rounded to a whole number of annotators).
    pub spammer_share: f64,
    pub lang: String,
    pub seed: u64,
    /// Stop after this many task submits in all, whatever happened.
    pub max_submits: u64,
    /// What honest authors write.
    pub writing: Writing,
    /// Annotators of known kinds instead of honest ones and spammers (the quality report).
    pub mix: Option<AnnotatorMix>,
    /// With a mix: the share of written messages that are spam (the hidden truth).
    pub spam_share: f64,
    /// With a mix: finished trees whose answers moderators mark as gold before work starts.
    pub gold_trees: usize,
}

/// What honest authors write, and so what honest rankers prefer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Writing {
    /// Texts that carry their hidden quality (`quality 0.42`); rankers order by it.
    #[default]
    Marked,
    /// A learnable preference for reward-model tests: replies are sensible sentences or the
    /// same words shuffled, half and half; rankers put every sensible reply above every
    /// shuffled one (ties within each kind).
    SensibleOverShuffled,
}

impl Default for Simulation {
    fn default() -> Self {
        Self {
            users: 20,
            trees: 20,
            spammer_share: 0.1,
            lang: "en".to_owned(),
            seed: 1,
            max_submits: 100_000,
            writing: Writing::Marked,
            mix: None,
            spam_share: 0.15,
            gold_trees: 0,
        }
    }
}

/// What a simulation did.
#[derive(Debug, Clone, Default, Serialize)]
pub struct SimulationReport {
    pub submits: u64,
    pub skips: u64,
    pub no_task: u64,
    pub rejected_submits: u64,
    pub trees_by_state: BTreeMap<String, i64>,
    pub elapsed_secs: f64,
    /// Request and submit latencies in microseconds, for the bench command.
    #[serde(skip)]
    pub request_micros: Vec<u64>,
    #[serde(skip)]
    pub submit_micros: Vec<u64>,
    /// With an annotator mix: decisions against the hidden truth, weighted and unweighted.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub quality: Option<QualityReport>,
}

pub(crate) const SPAM_MARK: &str = "BUY NOW";

struct Shared {
    submits: AtomicU64,
    skips: AtomicU64,
    no_task: AtomicU64,
    rejected: AtomicU64,
    done: AtomicBool,
    /// Trees ready for export before the run (gold trees among them).
    ready_before: i64,
}

impl Engine {
    /// Runs annotators until `trees` trees are ready for export or `max_submits` is reached.
    pub async fn simulate(&self, sim: Simulation) -> Result<SimulationReport, Error> {
        let started = Instant::now();
        let run = uuid::Uuid::new_v4().simple().to_string();
        let mut annotators = Vec::with_capacity(sim.users);
        let mut seeder = StdRng::seed_from_u64(sim.seed);
        let spammers = (sim.users as f64 * sim.spammer_share.clamp(0.0, 1.0)).round() as usize;
        let kinds = sim.mix.map(|mix| mix.assign(sim.users));
        if sim.mix.is_some() && sim.gold_trees > 0 {
            quality::seed_gold(self, &sim, &run, &mut seeder).await?;
        }
        let ready_before = self
            .tree_state_counts()
            .await?
            .get("ready_for_export")
            .copied()
            .unwrap_or(0);
        for n in 0..sim.users {
            let user = self
                .register(Registration {
                    username: format!("sim{}-{n}", run.get(..8).unwrap_or("x")),
                    email: String::new(),
                    password: "simulated-annotator-pass".to_owned(),
                    role: Some(AccountRole::Annotator),
                })
                .await?;
            self.accept_terms(user.id).await?;
            let behaviour = match &kinds {
                Some(kinds) => {
                    Behaviour::Judge(kinds.get(n).copied().unwrap_or(AnnotatorKind::Careful))
                }
                None if n < spammers => Behaviour::Spammer,
                None => Behaviour::Honest,
            };
            annotators.push((user.id, behaviour, seeder.gen::<u64>()));
        }
        let shared = Arc::new(Shared {
            submits: AtomicU64::new(0),
            skips: AtomicU64::new(0),
            no_task: AtomicU64::new(0),
            rejected: AtomicU64::new(0),
            done: AtomicBool::new(false),
            ready_before,
        });
        let mut workers = Vec::new();
        for (user, behaviour, seed) in annotators.iter().copied() {
            let engine = self.clone();
            let shared = shared.clone();
            let sim = sim.clone();
            workers.push(tokio::spawn(async move {
                annotate(engine, sim, user, behaviour, seed, shared).await
            }));
        }
        let mut report = SimulationReport::default();
        for worker in workers {
            let (requests, submits) = worker
                .await
                .map_err(|e| Error::Internal(format!("simulated annotator crashed: {e}")))??;
            report.request_micros.extend(requests);
            report.submit_micros.extend(submits);
        }
        report.submits = shared.submits.load(Ordering::Relaxed);
        report.skips = shared.skips.load(Ordering::Relaxed);
        report.no_task = shared.no_task.load(Ordering::Relaxed);
        report.rejected_submits = shared.rejected.load(Ordering::Relaxed);
        report.trees_by_state = self.tree_state_counts().await?;
        if sim.mix.is_some() {
            report.quality = Some(quality::report(self, &annotators).await?);
        }
        report.elapsed_secs = started.elapsed().as_secs_f64();
        Ok(report)
    }

    /// Trees per state, over all languages.
    pub async fn tree_state_counts(&self) -> Result<BTreeMap<String, i64>, Error> {
        crate::db::trees::state_counts(&self.pool).await
    }
}

/// One annotator's loop: ask, answer, repeat, until the simulation is done.
async fn annotate(
    engine: Engine,
    sim: Simulation,
    user: UserId,
    behaviour: Behaviour,
    seed: u64,
    shared: Arc<Shared>,
) -> Result<(Vec<u64>, Vec<u64>), Error> {
    let mut rng = StdRng::seed_from_u64(seed);
    let mut requests = Vec::new();
    let mut submits = Vec::new();
    let mut idle_rounds = 0u32;
    while !shared.done.load(Ordering::Relaxed) {
        let started = Instant::now();
        let request = TaskRequest {
            kind: None,
            lang: sim.lang.clone(),
        };
        let task = match engine.request_task(user, request).await {
            Ok(task) => task,
            Err(error) if error.code() == "no_task_available" => {
                shared.no_task.fetch_add(1, Ordering::Relaxed);
                idle_rounds += 1;
                if idle_rounds > 200 {
                    break;
                }
                tokio::time::sleep(Duration::from_millis(rng.gen_range(1..10))).await;
                finished(&engine, &sim, &shared).await?;
                continue;
            }
            Err(error) => return Err(error),
        };
        requests.push(micros(started));
        idle_rounds = 0;
        // a few honest annotators skip now and then, as real ones do
        if behaviour != Behaviour::Spammer && rng.gen_bool(0.03) {
            let skip = domain::task::view::TaskSkip {
                reason: domain::task::SkipReason::CantAnswer,
                report_text: None,
            };
            engine.skip_task(user, task.task_id, skip).await?;
            shared.skips.fetch_add(1, Ordering::Relaxed);
            continue;
        }
        let answer = match behaviour {
            Behaviour::Judge(kind) => quality::answer(&task, kind, sim.spam_share, &mut rng),
            Behaviour::Spammer => answer(&task, true, sim.writing, &mut rng),
            Behaviour::Honest => answer(&task, false, sim.writing, &mut rng),
        };
        let started = Instant::now();
        let key = format!("sim-{}", task.task_id);
        match engine
            .submit_task(user, task.task_id, answer, Some(key))
            .await
        {
            Ok(_) => {
                submits.push(micros(started));
                let total = shared.submits.fetch_add(1, Ordering::Relaxed) + 1;
                if total >= sim.max_submits {
                    shared.done.store(true, Ordering::Relaxed);
                }
            }
            // races the engine refuses by rule (a slot filled meanwhile, a duplicate text)
            Err(error) if error.kind() != crate::ErrorKind::Internal => {
                shared.rejected.fetch_add(1, Ordering::Relaxed);
                let skip = domain::task::view::TaskSkip {
                    reason: domain::task::SkipReason::Other,
                    report_text: None,
                };
                // the task may already be closed; either way it is out of the way
                let _ = engine.skip_task(user, task.task_id, skip).await;
            }
            Err(error) => return Err(error),
        }
        if shared.submits.load(Ordering::Relaxed).is_multiple_of(25) {
            finished(&engine, &sim, &shared).await?;
        }
    }
    Ok((requests, submits))
}

async fn finished(engine: &Engine, sim: &Simulation, shared: &Shared) -> Result<(), Error> {
    let ready = engine
        .tree_state_counts()
        .await?
        .get("ready_for_export")
        .copied()
        .unwrap_or(0);
    if ready - shared.ready_before >= i64::try_from(sim.trees).unwrap_or(i64::MAX) {
        shared.done.store(true, Ordering::Relaxed);
    }
    Ok(())
}

fn micros(since: Instant) -> u64 {
    u64::try_from(since.elapsed().as_micros()).unwrap_or(u64::MAX)
}

/// The hidden quality an honest author gave a reply, read back by honest rankers.
pub(crate) fn quality_of(text: &str) -> f64 {
    if text.contains(SPAM_MARK) {
        return -1.0;
    }
    text.split("(quality ")
        .nth(1)
        .and_then(|rest| rest.split(')').next())
        .and_then(|q| q.parse().ok())
        .unwrap_or(0.0)
}

/// The parts sensible sentences are made of, in one language: subject, verb, object, reason,
/// always in that order; and the short question of the prompts.
struct Bank {
    parts: [[&'static str; 8]; 4],
    /// "Question" and the question asked.
    question: (&'static str, &'static str),
}

const ENGLISH: Bank = Bank {
    parts: [
        [
            "The farmer",
            "A good teacher",
            "The old bridge",
            "My neighbour",
            "The river",
            "A careful driver",
            "The small library",
            "Every gardener",
        ],
        [
            "waters", "explains", "carries", "repairs", "protects", "collects", "opens", "paints",
        ],
        [
            "the tomato plants",
            "every difficult lesson",
            "heavy wooden carts",
            "the broken fence",
            "the quiet valley",
            "fresh morning bread",
            "the heavy doors",
            "the tall windows",
        ],
        [
            "before the summer heat arrives",
            "so that nobody gets lost",
            "because the season demands it",
            "when the weather turns cold",
            "after the long market day",
            "while the children are asleep",
            "since the town depends on it",
            "as the old custom requires",
        ],
    ],
    question: ("Question", "what happens in town?"),
};

const GERMAN: Bank = Bank {
    parts: [
        [
            "Der Bauer",
            "Eine gute Lehrerin",
            "Die alte Brücke",
            "Mein Nachbar",
            "Der Fluss",
            "Eine vorsichtige Fahrerin",
            "Die kleine Bibliothek",
            "Jeder Gärtner",
        ],
        [
            "gießt",
            "erklärt",
            "trägt",
            "repariert",
            "schützt",
            "sammelt",
            "öffnet",
            "streicht",
        ],
        [
            "die Tomatenpflanzen",
            "jede schwierige Lektion",
            "schwere hölzerne Karren",
            "den kaputten Zaun",
            "das stille Tal",
            "frisches Morgenbrot",
            "die schweren Türen",
            "die hohen Fenster",
        ],
        [
            "bevor die Sommerhitze kommt",
            "damit sich niemand verirrt",
            "weil die Jahreszeit es verlangt",
            "wenn das Wetter kalt wird",
            "nach dem langen Markttag",
            "während die Kinder schlafen",
            "da die Stadt davon abhängt",
            "wie es der alte Brauch verlangt",
        ],
    ],
    question: ("Frage", "was passiert in der Stadt?"),
};

const SPANISH: Bank = Bank {
    parts: [
        [
            "El granjero",
            "Una buena maestra",
            "El viejo puente",
            "Mi vecino",
            "El río",
            "Una conductora prudente",
            "La pequeña biblioteca",
            "Cada jardinero",
        ],
        [
            "riega", "explica", "lleva", "repara", "protege", "recoge", "abre", "pinta",
        ],
        [
            "las tomateras",
            "cada lección difícil",
            "pesados carros de madera",
            "la valla rota",
            "el valle tranquilo",
            "el pan fresco de la mañana",
            "las puertas pesadas",
            "las ventanas altas",
        ],
        [
            "antes de que llegue el calor del verano",
            "para que nadie se pierda",
            "porque la estación lo exige",
            "cuando el tiempo se vuelve frío",
            "después del largo día de mercado",
            "mientras los niños duermen",
            "ya que el pueblo depende de ello",
            "como manda la vieja costumbre",
        ],
    ],
    question: ("Pregunta", "¿qué pasa en el pueblo?"),
};

/// The sentence bank of a language: German and Spanish have their own (a non-English
/// preference to learn), every other language writes English.
fn bank(lang: &str) -> &'static Bank {
    match lang.split('-').next().unwrap_or(lang) {
        "de" => &GERMAN,
        "es" => &SPANISH,
        _ => &ENGLISH,
    }
}

fn sensible_sentence(lang: &str, rng: &mut StdRng) -> String {
    let [subjects, verbs, objects, reasons] = &bank(lang).parts;
    let pick = |list: &[&'static str], rng: &mut StdRng| *list.choose(rng).unwrap_or(&"");
    format!(
        "{} {} {} {}.",
        pick(subjects, rng),
        pick(verbs, rng),
        pick(objects, rng),
        pick(reasons, rng)
    )
}

/// Whether a reply is one of `sensible_sentence`'s (in any bank's language), words in order
/// (what honest rankers of `Writing::SensibleOverShuffled` check).
pub fn is_sensible(text: &str) -> bool {
    [&ENGLISH, &GERMAN, &SPANISH].iter().any(|bank| {
        let mut rest = text.trim();
        for list in &bank.parts {
            match list.iter().find_map(|part| {
                rest.strip_prefix(part)
                    .filter(|after| after.starts_with(' ') || *after == ".")
            }) {
                Some(after) => rest = after.trim_start(),
                None => return false,
            }
        }
        rest == "."
    })
}

fn shuffled(sentence: &str, rng: &mut StdRng) -> String {
    let mut words: Vec<String> = sentence
        .trim_end_matches('.')
        .split_whitespace()
        .map(str::to_lowercase)
        .collect();
    words.shuffle(rng);
    let mut text = words.join(" ");
    if let Some(first) = text.get(..1).map(str::to_uppercase) {
        text.replace_range(..1, &first);
    }
    text + "."
}

fn answer(task: &TaskView, spammer: bool, writing: Writing, rng: &mut StdRng) -> TaskAnswer {
    let nonce: u32 = rng.gen();
    if writing == Writing::SensibleOverShuffled && !spammer {
        match task.kind {
            // short prompts: the replies carry the preference
            TaskKind::InitialPrompt | TaskKind::PrompterReply => {
                return TaskAnswer::Text {
                    text: {
                        let (word, question) = bank(&task.lang).question;
                        format!("{word} {}: {question}", nonce % 100_000)
                    },
                };
            }
            TaskKind::AssistantReply => {
                let sentence = sensible_sentence(&task.lang, rng);
                let text = if rng.gen_bool(0.5) {
                    sentence
                } else {
                    shuffled(&sentence, rng)
                };
                return TaskAnswer::Text { text };
            }
            TaskKind::RankAssistantReplies => {
                let (sensible, other): (Vec<_>, Vec<_>) = task
                    .replies
                    .iter()
                    .partition(|reply| is_sensible(&reply.text));
                let ranking = [sensible, other]
                    .into_iter()
                    .filter(|tier| !tier.is_empty())
                    .map(|tier| tier.iter().map(|reply| reply.message_id).collect())
                    .collect();
                return TaskAnswer::Ranking {
                    ranking,
                    not_rankable: false,
                };
            }
            _ => {}
        }
    }
    match task.kind.category() {
        TaskCategory::InitialPrompt | TaskCategory::Reply => {
            let text = if spammer {
                format!("{SPAM_MARK}!!! cheap watches at example dot com #{nonce}")
            } else {
                let what = match task.kind {
                    TaskKind::InitialPrompt => "Question",
                    TaskKind::AssistantReply => "Answer",
                    _ => "Follow-up",
                };
                format!(
                    "{what} #{nonce}: a thoughtful message written for the simulation (quality {:.3})",
                    rng.gen::<f64>()
                )
            };
            TaskAnswer::Text { text }
        }
        TaskCategory::LabelPrompt | TaskCategory::LabelReply => {
            let target = task
                .conversation
                .last()
                .map(|m| m.text.as_str())
                .unwrap_or_default();
            let is_spam = target.contains(SPAM_MARK);
            let mut labels = BTreeMap::new();
            for field in &task.labels {
                let value = match (field.name.as_str(), field.widget) {
                    ("spam", _) if spammer => f64::from(u8::from(rng.gen_bool(0.5))),
                    ("spam", _) => f64::from(u8::from(is_spam)),
                    (_, Widget::Likert) if rng.gen_bool(0.5) => {
                        f64::from(rng.gen_range(0..=4u8)) / 4.0
                    }
                    (_, Widget::YesNo | Widget::Flag) if field.mandatory => 0.0,
                    // untouched questions stay absent
                    _ => continue,
                };
                labels.insert(field.name.clone(), value);
            }
            TaskAnswer::Labels { labels }
        }
        TaskCategory::Ranking => {
            let mut replies: Vec<(MessageId, f64)> = task
                .replies
                .iter()
                .map(|reply| (reply.message_id, quality_of(&reply.text)))
                .collect();
            if spammer {
                replies.shuffle(rng);
            } else {
                replies.sort_by(|a, b| b.1.total_cmp(&a.1));
            }
            TaskAnswer::Ranking {
                ranking: replies.into_iter().map(|(id, _)| vec![id]).collect(),
                not_rankable: false,
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sensible_sentences_are_recognised_and_their_shuffles_are_not() {
        let mut rng = StdRng::seed_from_u64(3);
        for lang in ["en", "de", "es", "pt-BR"] {
            for _ in 0..200 {
                let sentence = sensible_sentence(lang, &mut rng);
                assert!(is_sensible(&sentence), "{sentence}");
                let mixed = shuffled(&sentence, &mut rng);
                assert!(!is_sensible(&mixed), "{mixed}");
            }
        }
        assert_ne!(bank("de").question, bank("en").question);
    }
    use crate::TreeConfig;
    use sqlx::{postgres::PgPoolOptions, PgPool};

    /// Trees of six messages finish quickly; everything else is the production configuration.
    fn config() -> TreeConfig {
        TreeConfig {
            goal_tree_size: 6,
            ..TreeConfig::default()
        }
    }

    #[sqlx::test(migrator = "crate::MIGRATOR")]
    async fn simulated_annotators_grow_twenty_trees_to_export(pool: PgPool) -> Result<(), Error> {
        let engine = Engine::with_config(pool.clone(), config());
        // one spammer: every spam prompt is reviewed by honest annotators only
        let sim = Simulation {
            users: 12,
            trees: 20,
            spammer_share: 0.1,
            seed: 7,
            ..Simulation::default()
        };
        let report = engine.simulate(sim).await?;
        let ready = report
            .trees_by_state
            .get("ready_for_export")
            .copied()
            .unwrap_or(0);
        assert!(ready >= 20, "{report:?}");

        let roots = sqlx::query_scalar!("select count(*) as \"n!\" from message where depth = 0")
            .fetch_one(&pool)
            .await?;
        assert_eq!(
            report.trees_by_state.values().sum::<i64>(),
            roots,
            "every prompt has one tree"
        );
        let spam_exported = sqlx::query_scalar!(
            "select count(*) as \"n!\" from message m join message_tree t on t.message_tree_id = m.message_tree_id
             where m.depth = 0 and m.text like '%BUY NOW%' and t.state = 'ready_for_export'"
        )
        .fetch_one(&pool)
        .await?;
        let spam_aborted = sqlx::query_scalar!(
            "select count(*) as \"n!\" from message m join message_tree t on t.message_tree_id = m.message_tree_id
             where m.depth = 0 and m.text like '%BUY NOW%' and t.state = 'aborted_low_grade'"
        )
        .fetch_one(&pool)
        .await?;
        assert_eq!(spam_exported, 0, "no spam prompt reaches the dataset");
        assert!(spam_aborted > 0, "spam prompts are aborted: {report:?}");
        let unranked = sqlx::query_scalar!(
            "select count(*) as \"n!\" from message c join message_tree t on t.message_tree_id = c.message_tree_id
             where t.state = 'ready_for_export' and c.role = 'assistant' and c.review_result and not c.deleted
               and c.rank is null
               and (select count(*) from message s where s.parent_id = c.parent_id and s.review_result
                    and not s.deleted and s.role = 'assistant') >= 2"
        )
        .fetch_one(&pool)
        .await?;
        assert_eq!(unranked, 0, "exported trees have consensus ranks");
        assert_eq!(engine.check_invariants().await?, Vec::<String>::new());
        Ok(())
    }

    /// An engine on its own pool of `connections` to the test's database (the test pool is
    /// smaller than a crowd needs).
    async fn wide_engine(
        pool: &PgPool,
        connections: u32,
        config: TreeConfig,
    ) -> Result<Engine, Error> {
        let wide = PgPoolOptions::new()
            .max_connections(connections)
            .connect_with(pool.connect_options().as_ref().clone())
            .await?;
        Ok(Engine::with_config(wide, config))
    }

    fn assert_no_deadlock(engine: &Engine) {
        let retried = engine.counters().retried_snapshot();
        assert!(
            !retried.iter().any(|(reason, _)| *reason == "deadlock"),
            "transactions retried: {retried:?}"
        );
    }

    /// Eight annotators growing six trees: reviews and rankings decided every few submits add
    /// evidence about annotators whom other submits judge at the same time (this once
    /// deadlocked every few seconds, each deadlock a second's wait and a retry).
    #[sqlx::test(migrator = "crate::MIGRATOR")]
    async fn annotators_judging_each_other_at_once_never_deadlock(
        pool: PgPool,
    ) -> Result<(), Error> {
        let engine = wide_engine(&pool, 12, TreeConfig::default()).await?;
        let sim = Simulation {
            users: 8,
            trees: 6,
            spammer_share: 0.0,
            seed: 3,
            ..Simulation::default()
        };
        let report = engine.simulate(sim).await?;
        assert!(report.submits > 100, "{report:?}");
        assert_no_deadlock(&engine);
        assert_eq!(engine.check_invariants().await?, Vec::<String>::new());
        Ok(())
    }

    #[sqlx::test(migrator = "crate::MIGRATOR")]
    async fn two_hundred_parallel_annotators_break_no_invariant(pool: PgPool) -> Result<(), Error> {
        let engine = wide_engine(&pool, 40, config()).await?;
        let sim = Simulation {
            users: 200,
            trees: usize::MAX,
            spammer_share: 0.1,
            seed: 11,
            max_submits: 1500,
            ..Simulation::default()
        };
        let report = engine.simulate(sim).await?;
        assert!(report.submits >= 1500, "{report:?}");
        assert_no_deadlock(&engine);
        assert_eq!(engine.check_invariants().await?, Vec::<String>::new());
        Ok(())
    }
}
