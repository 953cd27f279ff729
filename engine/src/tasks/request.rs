//! Requesting a task, and what is available.

use super::{
    survey::{Item, Lottery, Survey, Work},
    view, TaskRequest, TaskView,
};
use crate::{
    contributors::{require_contributor, Caller, Signed},
    db::{
        self,
        candidates::{self, Claim, Limits},
        tasks::{NewTask, TaskRow},
    },
    Engine, Error, ErrorKind,
};
use domain::{
    ids::{MessageId, TaskId, TreeId, UserId},
    label::{catalogue, LabelMode, LabelTarget},
    message::{LanguageTag, Role},
    quality::gold,
    task::{
        chooser::{self, Backlog, NothingToDo, Offer},
        view::{Availability, LabelField, PromptPause},
        TaskCategory, TaskKind,
    },
    tree::{TreeConfig, TreeState},
};
use rand::{rngs::StdRng, seq::SliceRandom, Rng, SeedableRng};
use sqlx::PgConnection;
use std::{collections::BTreeMap, sync::atomic::Ordering};
use time::{Duration, OffsetDateTime};
use tracing::instrument;
use uuid::Uuid;

impl Engine {
    /// Hands the user a task in a language: the one they still hold open if it is still valid
    /// (so a reload never loses a reserved slot), otherwise a new one chosen by
    /// `domain::task::chooser`.
    #[instrument(skip_all, fields(user_id = tracing::field::Empty, lang = %request.lang))]
    pub async fn request_task(
        &self,
        caller: impl Into<Caller>,
        request: TaskRequest,
    ) -> Result<TaskView, Error> {
        let caller = caller.into();
        let lang = LanguageTag::parse(&request.lang)?;
        let asked_lang = lang.clone();
        let started = std::time::Instant::now();
        // counted before it is known who this is (the survey it waits for should count it);
        // taken back below if the session turns out not to be signed in
        let asker = caller.demand_key();
        self.surveys.asking(lang.as_str(), asker);
        // taken (or shared) before the transaction: no connection is held while waiting for it
        let survey = self.survey(lang.as_str()).await?;
        let fresh_enough = survey.taken > started;
        let mut outcome = self.request_with(&caller, &request, &lang, survey).await;
        if !fresh_enough && matches!(&outcome, Err(e) if e.code() == NO_TASK) {
            // nothing in a survey older than the request: look again in one that is not
            self.counters.looked_again();
            let survey = self
                .survey_taken_after(lang.as_str(), Some(started), Lottery::Before)
                .await?;
            outcome = self.request_with(&caller, &request, &lang, survey).await;
        }
        match &outcome {
            Ok(task) => self.counters.served(task.kind.as_str(), &task.lang),
            Err(Error::Unauthenticated) => self.surveys.not_asking(lang.as_str(), asker),
            Err(e) if e.code() == NO_TASK => self.counters.none_available(asked_lang.as_str()),
            Err(_) => {}
        }
        outcome
    }

    async fn request_with(
        &self,
        caller: &Caller,
        request: &TaskRequest,
        lang: &LanguageTag,
        survey: std::sync::Arc<Survey>,
    ) -> Result<TaskView, Error> {
        let config = self.config.clone();
        let lang = lang.clone();
        let kind = request.kind;
        // read after the survey came: the people who arrived while it was taken count too
        let demand = self.surveys.demand(lang.as_str());
        self.transaction(move |conn| {
            let config = config.clone();
            let lang = lang.clone();
            let survey = survey.clone();
            let caller = caller.clone();
            Box::pin(async move {
                let caller = caller.signed_in(conn).await?;
                request_in(conn, &config, caller, kind, &lang, &survey, demand).await
            })
        })
        .await
    }

    /// How many tasks of each kind the user could get now in a language.
    pub async fn task_availability(&self, user: UserId, lang: &str) -> Result<Availability, Error> {
        let lang = LanguageTag::parse(lang)?;
        let config = self.config.clone();
        self.transaction(move |conn| {
            let config = config.clone();
            let lang = lang.clone();
            Box::pin(async move {
                require_contributor(conn, user).await?;
                let survey = user_survey(conn, &config, user.as_uuid(), lang.as_str()).await?;
                let mut counts = BTreeMap::new();
                counts.insert(TaskKind::InitialPrompt, survey.backlog.prompt_need(&config));
                counts.insert(TaskKind::AssistantReply, survey.assistant_parents);
                counts.insert(TaskKind::PrompterReply, survey.prompter_parents);
                counts.insert(TaskKind::LabelInitialPrompt, survey.prompt_reviews);
                counts.insert(TaskKind::LabelAssistantReply, survey.assistant_reviews);
                counts.insert(TaskKind::LabelPrompterReply, survey.prompter_reviews);
                counts.insert(TaskKind::RankAssistantReplies, survey.rankings);
                let total = counts.values().sum();
                let backlog = &survey.backlog;
                let pause = if backlog.prompts_paused {
                    Some(PromptPause::Admin)
                } else {
                    (backlog.prompt_need(&config) == 0).then_some(PromptPause::Queue {
                        in_review: backlog.prompts_in_review,
                        waiting: backlog.prompts_waiting,
                    })
                };
                let reason = pause.as_ref().map(|pause| match pause {
                    PromptPause::Admin => format!(
                        "New conversations in {} are paused by the admins for now. \
                         Replies, reviews and rankings go on.",
                        lang.english_name()
                    ),
                    PromptPause::Queue { in_review, waiting } => format!(
                        "Enough new conversations are queued in {}: {in_review} wait for reviews \
                         and {waiting} to grow. Reviewing and replying gets them going.",
                        lang.english_name(),
                    ),
                });
                Ok(Availability {
                    lang: lang.as_str().to_owned(),
                    counts,
                    total,
                    initial_prompt_paused_reason: reason,
                    initial_prompt_pause: pause,
                })
            })
        })
        .await
    }
}

pub(super) fn limits(config: &TreeConfig) -> Limits {
    Limits {
        span_secs: f64::from(config.task_reservation_secs),
        reviews_prompt: i32::try_from(config.num_reviews_initial_prompt).unwrap_or(i32::MAX),
        reviews_reply: i32::try_from(config.num_reviews_reply).unwrap_or(i32::MAX),
        rankings: i64::from(config.num_required_rankings),
        lonely_children: i32::try_from(config.lonely_children_count).unwrap_or(i32::MAX),
        rank_prompter_replies: config.rank_prompter_replies,
    }
}

/// Everything the chooser needs about a language and a user, counted exactly (for the
/// availability page; task requests use the shared survey).
struct UserSurvey {
    backlog: Backlog,
    prompt_reviews: u32,
    assistant_reviews: u32,
    prompter_reviews: u32,
    assistant_parents: u32,
    prompter_parents: u32,
    rankings: u32,
}

async fn user_survey(
    conn: &mut PgConnection,
    config: &TreeConfig,
    user: Uuid,
    lang: &str,
) -> Result<UserSurvey, Error> {
    let limits = limits(config);
    let backlog = candidates::backlog(&mut *conn, lang, &limits).await?;
    let prompt_reviews = candidates::reviews(&mut *conn, user, lang, None, &limits).await?;
    let assistant_reviews =
        candidates::reviews(&mut *conn, user, lang, Some("assistant"), &limits).await?;
    let prompter_reviews =
        candidates::reviews(&mut *conn, user, lang, Some("prompter"), &limits).await?;
    let assistant_parents =
        candidates::parents(&mut *conn, user, lang, "prompter", &limits).await?;
    let prompter_parents =
        candidates::parents(&mut *conn, user, lang, "assistant", &limits).await?;
    let rankings = candidates::rankings(&mut *conn, user, lang, &limits).await?;
    Ok(UserSurvey {
        backlog,
        prompt_reviews,
        assistant_reviews,
        prompter_reviews,
        assistant_parents,
        prompter_parents,
        rankings,
    })
}

async fn request_in(
    conn: &mut PgConnection,
    config: &TreeConfig,
    caller: Signed,
    kind: Option<TaskKind>,
    lang: &LanguageTag,
    survey: &Survey,
    demand: u32,
) -> Result<TaskView, Error> {
    let user = caller.user.as_uuid();
    let now = OffsetDateTime::now_utc();

    let kinds: Vec<String> = match kind {
        Some(kind) => vec![kind.as_str().to_owned()],
        None => TaskKind::ALL
            .iter()
            .map(|k| k.as_str().to_owned())
            .collect(),
    };
    // the held task, the pending count and the finished count in one round trip
    let mine = db::tasks::user_tasks(
        &mut *conn,
        user,
        lang.as_str(),
        &kinds,
        i32::try_from(config.recent_tasks_span_secs).unwrap_or(i32::MAX),
    )
    .await?;
    mine.standing.check_for(caller)?;
    let mut pending = mine.pending;
    if let Some(open) = mine.open {
        if still_valid(conn, &open).await? {
            return serde_json::from_value(open.payload)
                .map_err(|e| Error::Internal(format!("stored task unreadable: {e}")));
        }
        db::tasks::mark_skipped(&mut *conn, open.task_id, "stale").await?;
        // rare: count again without the task just skipped
        pending = db::tasks::pending_count(
            &mut *conn,
            user,
            i32::try_from(config.recent_tasks_span_secs).unwrap_or(i32::MAX),
        )
        .await?;
    }
    chooser::check_pending(u32::try_from(pending.max(0)).unwrap_or(u32::MAX), config)
        .map_err(|invalid| Error::rule(ErrorKind::TooMany, invalid.code, invalid.message))?;

    let mut rng = StdRng::from_entropy();
    let done = u32::try_from(mine.done).unwrap_or(0);
    if rng.gen_bool(gold::gold_share(done, config)) {
        if let Some(task) = gold_task(conn, config, user, kind, lang, now, &mut rng).await? {
            return Ok(task);
        }
    }
    let (task_kind, target) = choose_and_claim(
        conn,
        config,
        user,
        kind,
        survey,
        &survey.backlog_now(demand),
        &mut rng,
    )
    .await?
    .map_err(|nothing| no_task(nothing, lang))?;
    let random_request = kind.is_none();
    create_task(
        conn,
        config,
        user,
        lang,
        task_kind,
        target,
        random_request,
        now,
        &mut rng,
        None,
    )
    .await
}

/// Chooses a category with the chooser's weights over the shared survey (its backlog as
/// `backlog`), then claims an item of it for the user; a category where nothing is left for
/// them is dropped and the choice made again (no new survey).
async fn choose_and_claim(
    conn: &mut PgConnection,
    config: &TreeConfig,
    user: Uuid,
    kind: Option<TaskKind>,
    survey: &Survey,
    backlog: &Backlog,
    rng: &mut StdRng,
) -> Result<Result<(TaskKind, Option<Uuid>), NothingToDo>, Error> {
    // a ranking asked for by kind takes either ranking work; other kinds name their work
    let wanted = |work: Work| match (kind, work) {
        (None, _) => true,
        (Some(k), Work::Rank) => k.category() == TaskCategory::Ranking,
        // (the role names only ranking work's kind)
        (Some(k), _) => work_kind(work, Role::Prompter) == k,
    };
    let count = |work: Work| {
        if wanted(work) {
            survey.count_for(work, user)
        } else {
            0
        }
    };
    let mut offer = Offer {
        replies: count(Work::ReplyToPrompter) + count(Work::ReplyToAssistant),
        lonely_replies: if wanted(Work::ReplyToPrompter) {
            u32::try_from(
                survey
                    .items(Work::ReplyToPrompter)
                    .iter()
                    .filter(|i| i.lonely && i.open_to(Work::ReplyToPrompter, user))
                    .count(),
            )
            .unwrap_or(u32::MAX)
        } else {
            0
        },
        label_prompts: count(Work::LabelPrompt),
        label_replies: count(Work::LabelAssistant) + count(Work::LabelPrompter),
        rankings: count(Work::Rank),
    };
    // whether this transaction keeps the lock of a tree it found full: from then on it must not
    // wait for another tree's lock, or two requests that each hold one could wait for each other
    let mut holds_tree = false;
    loop {
        let category = match chooser::choose_category(
            kind.map(TaskKind::category),
            backlog,
            &offer,
            config,
            rng,
        ) {
            Ok(category) => category,
            Err(nothing) => return Ok(Err(nothing)),
        };
        if category == TaskCategory::InitialPrompt {
            survey.prompts_handed.fetch_add(1, Ordering::Relaxed);
            return Ok(Ok((TaskKind::InitialPrompt, None)));
        }
        // the works of the category in the order to try them
        let mut works: Vec<(Work, bool)> = match category {
            TaskCategory::Reply => {
                let lonely = chooser::prefer_lonely_child(&offer, config, rng);
                let prompter = count(Work::ReplyToPrompter);
                let assistant = count(Work::ReplyToAssistant);
                let mut order = if rng.gen_range(0..(prompter + assistant).max(1)) < prompter {
                    vec![
                        (Work::ReplyToPrompter, false),
                        (Work::ReplyToAssistant, false),
                    ]
                } else {
                    vec![
                        (Work::ReplyToAssistant, false),
                        (Work::ReplyToPrompter, false),
                    ]
                };
                if lonely {
                    order.insert(0, (Work::ReplyToPrompter, true));
                }
                order
            }
            TaskCategory::LabelReply => {
                let assistant = count(Work::LabelAssistant);
                let prompter = count(Work::LabelPrompter);
                if rng.gen_range(0..(assistant + prompter).max(1)) < assistant {
                    vec![(Work::LabelAssistant, false), (Work::LabelPrompter, false)]
                } else {
                    vec![(Work::LabelPrompter, false), (Work::LabelAssistant, false)]
                }
            }
            TaskCategory::LabelPrompt => vec![(Work::LabelPrompt, false)],
            TaskCategory::Ranking => vec![(Work::Rank, false)],
            TaskCategory::InitialPrompt => Vec::new(),
        };
        works.retain(|(work, _)| wanted(*work));
        for work in works {
            if let Some(claimed) =
                claim_from(conn, config, user, survey, work, &mut holds_tree, rng).await?
            {
                return Ok(Ok(claimed));
            }
        }
        // nothing of this category is left for the user: choose among the others
        match category {
            TaskCategory::Reply => {
                offer.replies = 0;
                offer.lonely_replies = 0;
            }
            TaskCategory::LabelPrompt => offer.label_prompts = 0,
            TaskCategory::LabelReply => offer.label_replies = 0,
            TaskCategory::Ranking => offer.rankings = 0,
            TaskCategory::InitialPrompt => {}
        }
    }
}

/// Candidates checked for the user per query.
const BATCH: usize = 8;

/// Claims one item of `work` (only items with a lonely reply with `lonely_only`) for the user:
/// candidates from a random place in the survey's list, the user's exclusions checked a batch
/// at a time, each claimed under its tree's lock without waiting for a tree another
/// transaction holds. If every candidate's tree was busy, waits for the first one's, unless
/// the transaction already holds a tree it found full (`holds_tree`, set here when it does):
/// a transaction never waits for a second tree.
async fn claim_from(
    conn: &mut PgConnection,
    config: &TreeConfig,
    user: Uuid,
    survey: &Survey,
    (work, lonely_only): (Work, bool),
    holds_tree: &mut bool,
    rng: &mut StdRng,
) -> Result<Option<(TaskKind, Option<Uuid>)>, Error> {
    let items = survey.items(work);
    if items.is_empty() {
        return Ok(None);
    }
    let limits = limits(config);
    let mut open = draw_order(items, rng)
        .into_iter()
        .filter(|i| i.open_to(work, user) && (!lonely_only || i.lonely));
    let mut busy: Option<&Item> = None;
    for _ in 0..2 {
        let batch: Vec<&Item> = open.by_ref().take(BATCH).collect();
        if batch.is_empty() {
            break;
        }
        let ids: Vec<Uuid> = batch.iter().map(|i| i.message_id).collect();
        let eligible = db::candidates::eligible(&mut *conn, user, &ids, work.exclusion()).await?;
        for item in batch
            .into_iter()
            .filter(|i| eligible.contains(&i.message_id))
        {
            let kind = work_kind(work, item.role);
            match db::candidates::try_claim(&mut *conn, user, item.message_id, kind, &limits)
                .await?
            {
                Claim::Taken => {
                    item.free.fetch_sub(1, Ordering::Relaxed);
                    return Ok(Some((kind, Some(item.message_id))));
                }
                Claim::Busy => {
                    busy.get_or_insert(item);
                }
                Claim::Full => {
                    *holds_tree = true;
                    item.free.store(0, Ordering::Relaxed);
                }
            }
        }
    }
    if let Some(item) = busy.filter(|_| !*holds_tree) {
        let kind = work_kind(work, item.role);
        if db::candidates::claim(&mut *conn, user, item.message_id, kind, &limits).await? {
            item.free.fetch_sub(1, Ordering::Relaxed);
            return Ok(Some((kind, Some(item.message_id))));
        }
        *holds_tree = true;
        item.free.store(0, Ordering::Relaxed);
    }
    Ok(None)
}

/// The order in which a request tries the survey's items: from a random place onwards when
/// every item weighs the same; otherwise a draw without replacement in proportion to the
/// items' priorities (Efraimidis–Spirakis: the largest `u^(1/priority)` first), of which only
/// the first [`BATCH`]` · 2` are ever tried.
fn draw_order<'a>(items: &'a [Item], rng: &mut StdRng) -> Vec<&'a Item> {
    let start = rng.gen_range(0..items.len().max(1));
    if items.iter().all(|i| i.priority == 1.0) {
        return items.iter().cycle().skip(start).take(items.len()).collect();
    }
    let mut keyed: Vec<(f64, &Item)> = items
        .iter()
        .map(|i| {
            let u: f64 = rng.gen_range(f64::MIN_POSITIVE..1.0);
            (u.ln() / i.priority.max(1e-9), i)
        })
        .collect();
    keyed.sort_unstable_by(|a, b| b.0.total_cmp(&a.0));
    keyed.into_iter().map(|(_, i)| i).collect()
}

/// The task kind for an item of `work` whose message has `role`.
fn work_kind(work: Work, role: Role) -> TaskKind {
    match work {
        Work::LabelPrompt => TaskKind::LabelInitialPrompt,
        Work::LabelAssistant => TaskKind::LabelAssistantReply,
        Work::LabelPrompter => TaskKind::LabelPrompterReply,
        Work::ReplyToPrompter => TaskKind::AssistantReply,
        Work::ReplyToAssistant => TaskKind::PrompterReply,
        Work::Rank => TaskKind::rank_children_of(role),
    }
}

/// A gold item for the user as a task of its kind (`kind`, when one was asked for), if any is
/// left for them in the language. It looks like any other task of that kind.
async fn gold_task(
    conn: &mut PgConnection,
    config: &TreeConfig,
    user: Uuid,
    kind: Option<TaskKind>,
    lang: &LanguageTag,
    now: OffsetDateTime,
    rng: &mut StdRng,
) -> Result<Option<TaskView>, Error> {
    let Some((gold_id, gold_kind, target)) =
        db::gold::pick(&mut *conn, user, lang.as_str(), kind.map(TaskKind::as_str)).await?
    else {
        return Ok(None);
    };
    let Some(message) = db::messages::get(&mut *conn, target).await? else {
        return Ok(None);
    };
    let role = Role::parse(&message.role)?;
    let task_kind = if gold_kind == "labels" {
        TaskKind::label_for(role, u32::try_from(message.depth).unwrap_or(0))
    } else {
        TaskKind::rank_children_of(role)
    };
    let task = create_task(
        conn,
        config,
        user,
        lang,
        task_kind,
        Some(target),
        kind.is_none(),
        now,
        rng,
        Some(gold_id),
    )
    .await?;
    // a ranking gold item whose replies changed since it was marked is not served
    if task_kind.category() == TaskCategory::Ranking && task.replies.len() < 2 {
        db::tasks::mark_skipped(&mut *conn, task.task_id.as_uuid(), "stale").await?;
        return Ok(None);
    }
    Ok(Some(task))
}

const NO_TASK: &str = "no_task_available";

fn no_task(nothing: NothingToDo, lang: &LanguageTag) -> Error {
    let message = match nothing {
        NothingToDo::PromptsQueued => format!(
            "Enough new conversations are waiting in {}; please help review and answer them first.",
            lang.english_name()
        ),
        NothingToDo::AllTaken => format!(
            "There is no task of this kind for you in {} right now. Try another kind or come back later.",
            lang.english_name()
        ),
    };
    Error::not_found(NO_TASK, message)
}

/// Whether a held task can still be done (its message may have been deleted, its slot filled,
/// or its tree moved on).
async fn still_valid(conn: &mut PgConnection, task: &TaskRow) -> Result<bool, Error> {
    let Some(target) = task.message_id else {
        return Ok(true);
    };
    let Some(message) = db::messages::get(&mut *conn, target).await? else {
        return Ok(false);
    };
    if task.gold_id.is_some() {
        return Ok(!message.deleted);
    }
    let tree = db::trees::get(&mut *conn, message.message_tree_id).await?;
    let state = tree.and_then(|t| TreeState::parse(&t.state).ok());
    let kind = TaskKind::parse(&task.kind)?;
    Ok(!message.deleted
        && match kind.category() {
            TaskCategory::Reply => state == Some(TreeState::Growing),
            TaskCategory::LabelPrompt => {
                state == Some(TreeState::InitialPromptReview) && message.review_result.is_none()
            }
            TaskCategory::LabelReply => {
                state == Some(TreeState::Growing) && message.review_result.is_none()
            }
            TaskCategory::Ranking => state == Some(TreeState::Ranking),
            TaskCategory::InitialPrompt => true,
        })
}

#[expect(
    clippy::too_many_arguments,
    reason = "one call site; the pieces are all different"
)]
async fn create_task(
    conn: &mut PgConnection,
    config: &TreeConfig,
    user: Uuid,
    lang: &LanguageTag,
    kind: TaskKind,
    target: Option<Uuid>,
    random_request: bool,
    now: OffsetDateTime,
    rng: &mut StdRng,
    gold_id: Option<Uuid>,
) -> Result<TaskView, Error> {
    let task_id = Uuid::new_v4();
    let expires_at = now + Duration::minutes(i64::from(config.task_validity_minutes));
    let mut view = TaskView {
        task_id: TaskId::from_uuid(task_id),
        kind,
        lang: lang.as_str().to_owned(),
        message_tree_id: None,
        target_message_id: target.map(MessageId::from_uuid),
        conversation: Vec::new(),
        replies: Vec::new(),
        labels: Vec::new(),
        mode: None,
        created_at: view::rfc3339(now),
        expires_at: view::rfc3339(expires_at),
    };
    let mut tree_id = None;
    if let Some(target) = target {
        let thread = db::messages::thread(&mut *conn, target).await?;
        tree_id = thread.first().map(|root| root.message_tree_id);
        view.message_tree_id = tree_id.map(TreeId::from_uuid);
        view.conversation = view::messages(&thread, user)?;
        let target_row = thread.last().ok_or(Error::NotFound("Message"))?;
        match kind.category() {
            TaskCategory::Ranking => {
                let siblings =
                    db::messages::of_tree(&mut *conn, target_row.message_tree_id).await?;
                let ranked_role = Role::parse(&target_row.role)?.reply_role();
                let mut replies: Vec<_> = siblings
                    .iter()
                    .filter(|m| {
                        m.parent_id == Some(target)
                            && !m.deleted
                            && m.review_result == Some(true)
                            && m.role == ranked_role.as_str()
                    })
                    .collect();
                replies.shuffle(rng);
                view.replies = replies
                    .into_iter()
                    .map(|row| view::message(row, user))
                    .collect::<Result<_, _>>()?;
            }
            TaskCategory::LabelPrompt | TaskCategory::LabelReply => {
                let role = Role::parse(&target_row.role)?;
                let target_kind =
                    LabelTarget::of(role, u32::try_from(target_row.depth).unwrap_or(0));
                let p_full = match target_kind {
                    LabelTarget::InitialPrompt => config.p_full_labeling_review_prompt,
                    LabelTarget::AssistantReply => config.p_full_labeling_review_reply_assistant,
                    LabelTarget::PrompterReply => config.p_full_labeling_review_reply_prompter,
                };
                // a review asked for by kind is always full; the quick spam check only comes
                // from "any task"
                let full = !random_request || rng.gen_bool(p_full.clamp(0.0, 1.0));
                let mode = if full {
                    LabelMode::Full
                } else {
                    LabelMode::Simple
                };
                let mandatory = catalogue::mandatory_labels();
                view.mode = Some(mode);
                view.labels = catalogue::valid_labels(target_kind, mode)
                    .into_iter()
                    .map(|spec| LabelField::from_spec(spec, mandatory.contains(&spec.name)))
                    .collect();
            }
            TaskCategory::Reply | TaskCategory::InitialPrompt => {}
        }
    }
    let payload =
        serde_json::to_value(&view).map_err(|e| Error::Internal(format!("task payload: {e}")))?;
    db::tasks::insert(
        &mut *conn,
        NewTask {
            task_id,
            kind: kind.as_str(),
            user_id: user,
            lang: lang.as_str(),
            message_tree_id: tree_id,
            message_id: target,
            payload,
            created_at: now,
            expires_at,
            gold_id,
        },
    )
    .await?;
    Ok(view)
}

#[cfg(test)]
mod draw_tests {
    use super::{draw_order, Item};
    use rand::{rngs::StdRng, SeedableRng};
    use std::sync::atomic::AtomicI64;
    use uuid::Uuid;

    fn items(priorities: &[f64]) -> Vec<Item> {
        priorities
            .iter()
            .map(|p| Item {
                message_id: Uuid::new_v4(),
                author: Uuid::nil(),
                role: domain::message::Role::Prompter,
                lonely: false,
                free: AtomicI64::new(1),
                priority: *p,
            })
            .collect()
    }

    /// How often the first item comes first in `draws` draws.
    fn first_share(items: &[Item], draws: u32) -> f64 {
        let mut rng = StdRng::seed_from_u64(3);
        let first = items.first().map(|i| i.message_id);
        let hits = (0..draws)
            .filter(|_| draw_order(items, &mut rng).first().map(|i| i.message_id) == first)
            .count();
        hits as f64 / f64::from(draws)
    }

    #[test]
    fn ranking_work_is_drawn_in_proportion_to_its_priority() {
        // one item of weight 9 among nine of weight 1: first half of the time
        let mut weighted = vec![9.0];
        weighted.extend([1.0; 9]);
        let share = first_share(&items(&weighted), 4000);
        assert!((share - 0.5).abs() < 0.04, "{share}");
        // equal weights: every item first equally often, and every item is in the order
        let equal = items(&[1.0; 10]);
        let share = first_share(&equal, 4000);
        assert!((share - 0.1).abs() < 0.03, "{share}");
        let mut rng = StdRng::seed_from_u64(1);
        assert_eq!(draw_order(&equal, &mut rng).len(), 10);
        assert_eq!(draw_order(&items(&weighted), &mut rng).len(), 10);
    }
}
