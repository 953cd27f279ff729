//! Requesting a task, and what is available.

use super::{view, TaskRequest, TaskView};
use crate::{
    contributors::require_contributor,
    db::{
        self,
        candidates::{self, Limits, ParentPick, Pick},
        tasks::{NewTask, TaskRow},
    },
    trees::run_lottery,
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
use std::collections::BTreeMap;
use time::{Duration, OffsetDateTime};
use tracing::instrument;
use uuid::Uuid;

impl Engine {
    /// Hands the user a task in a language: the one they still hold open if it is still valid
    /// (so a reload never loses a reserved slot), otherwise a new one chosen by
    /// `domain::task::chooser`.
    #[instrument(skip_all, fields(user_id = %user, lang = %request.lang))]
    pub async fn request_task(
        &self,
        user: UserId,
        request: TaskRequest,
    ) -> Result<TaskView, Error> {
        let lang = LanguageTag::parse(&request.lang)?;
        let config = self.config.clone();
        let asked_lang = lang.clone();
        let outcome = self
            .transaction(move |conn| {
                let config = config.clone();
                let lang = lang.clone();
                Box::pin(async move { request_in(conn, &config, user, request.kind, &lang).await })
            })
            .await;
        match &outcome {
            Ok(task) => self.counters.served(task.kind.as_str(), &task.lang),
            Err(e) if e.code() == "no_task_available" => {
                self.counters.none_available(asked_lang.as_str())
            }
            Err(_) => {}
        }
        outcome
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
                let survey = survey(conn, &config, user.as_uuid(), lang.as_str(), None).await?;
                let mut counts = BTreeMap::new();
                counts.insert(TaskKind::InitialPrompt, survey.backlog.prompt_need(&config));
                counts.insert(TaskKind::AssistantReply, survey.assistant_parents.count);
                counts.insert(TaskKind::PrompterReply, survey.prompter_parents.count);
                counts.insert(TaskKind::LabelInitialPrompt, survey.prompt_reviews.count);
                counts.insert(
                    TaskKind::LabelAssistantReply,
                    survey.assistant_reviews.count,
                );
                counts.insert(TaskKind::LabelPrompterReply, survey.prompter_reviews.count);
                counts.insert(TaskKind::RankAssistantReplies, survey.rankings.count);
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

fn limits(config: &TreeConfig) -> Limits {
    Limits {
        span_secs: f64::from(config.task_reservation_secs),
        reviews_prompt: i32::try_from(config.num_reviews_initial_prompt).unwrap_or(i32::MAX),
        reviews_reply: i32::try_from(config.num_reviews_reply).unwrap_or(i32::MAX),
        rankings: i64::from(config.num_required_rankings),
        lonely_children: i32::try_from(config.lonely_children_count).unwrap_or(i32::MAX),
        rank_prompter_replies: config.rank_prompter_replies,
    }
}

/// Everything the chooser needs about a language and a user.
struct Survey {
    backlog: Backlog,
    prompt_reviews: Pick,
    assistant_reviews: Pick,
    prompter_reviews: Pick,
    assistant_parents: ParentPick,
    prompter_parents: ParentPick,
    rankings: Pick,
}

impl Survey {
    fn offer(&self) -> Offer {
        Offer {
            replies: self.assistant_parents.count + self.prompter_parents.count,
            lonely_replies: self.assistant_parents.lonely,
            label_prompts: self.prompt_reviews.count,
            label_replies: self.assistant_reviews.count + self.prompter_reviews.count,
            rankings: self.rankings.count,
        }
    }
}

async fn survey(
    conn: &mut PgConnection,
    config: &TreeConfig,
    user: Uuid,
    lang: &str,
    only: Option<TaskKind>,
) -> Result<Survey, Error> {
    let limits = limits(config);
    let wants = |kind: TaskKind| only.is_none_or(|only| only == kind);
    let empty = || Pick {
        count: 0,
        pick: None,
    };
    let no_parents = || ParentPick {
        count: 0,
        lonely: 0,
        any: None,
        lonely_pick: None,
    };
    let backlog = candidates::backlog(&mut *conn, lang, &limits).await?;
    let prompt_reviews = if wants(TaskKind::LabelInitialPrompt) {
        candidates::reviews(&mut *conn, user, lang, None, &limits).await?
    } else {
        empty()
    };
    let assistant_reviews = if wants(TaskKind::LabelAssistantReply) {
        candidates::reviews(&mut *conn, user, lang, Some("assistant"), &limits).await?
    } else {
        empty()
    };
    let prompter_reviews = if wants(TaskKind::LabelPrompterReply) {
        candidates::reviews(&mut *conn, user, lang, Some("prompter"), &limits).await?
    } else {
        empty()
    };
    let assistant_parents = if wants(TaskKind::AssistantReply) {
        candidates::parents(&mut *conn, user, lang, "prompter", &limits).await?
    } else {
        no_parents()
    };
    let prompter_parents = if wants(TaskKind::PrompterReply) {
        candidates::parents(&mut *conn, user, lang, "assistant", &limits).await?
    } else {
        no_parents()
    };
    let rankings = if wants(TaskKind::RankAssistantReplies) || wants(TaskKind::RankPrompterReplies)
    {
        candidates::rankings(&mut *conn, user, lang, &limits).await?
    } else {
        empty()
    };
    Ok(Survey {
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
    user_id: UserId,
    kind: Option<TaskKind>,
    lang: &LanguageTag,
) -> Result<TaskView, Error> {
    require_contributor(conn, user_id).await?;
    let user = user_id.as_uuid();
    let now = OffsetDateTime::now_utc();

    let kinds: Vec<String> = match kind {
        Some(kind) => vec![kind.as_str().to_owned()],
        None => TaskKind::ALL
            .iter()
            .map(|k| k.as_str().to_owned())
            .collect(),
    };
    if let Some(open) = db::tasks::open_for_user(&mut *conn, user, lang.as_str(), &kinds).await? {
        if still_valid(conn, &open).await? {
            return serde_json::from_value(open.payload)
                .map_err(|e| Error::Internal(format!("stored task unreadable: {e}")));
        }
        db::tasks::mark_skipped(&mut *conn, open.task_id, "stale").await?;
    }
    let pending = db::tasks::pending_count(
        &mut *conn,
        user,
        i32::try_from(config.recent_tasks_span_secs).unwrap_or(i32::MAX),
    )
    .await?;
    chooser::check_pending(u32::try_from(pending).unwrap_or(u32::MAX), config)
        .map_err(|invalid| Error::rule(ErrorKind::TooMany, invalid.code, invalid.message))?;

    let mut rng = StdRng::from_entropy();
    let done = u32::try_from(db::quality::tasks_done(&mut *conn, user).await?).unwrap_or(0);
    if rng.gen_bool(gold::gold_share(done, config)) {
        if let Some(task) = gold_task(conn, config, user, kind, lang, now, &mut rng).await? {
            return Ok(task);
        }
    }
    run_lottery(conn, config, lang.as_str(), 2).await?;
    // The choice reads counts without locks, so two annotators can pick the last free slot of
    // the same message at once; the claim below settles it under the tree's lock, and the
    // loser chooses again rather than write a reply that would be refused as `parent_full`.
    let mut attempts = 0;
    let (task_kind, target) = loop {
        attempts += 1;
        let survey = survey(conn, config, user, lang.as_str(), kind).await?;
        let category = chooser::choose_category(
            kind.map(TaskKind::category),
            &survey.backlog,
            &survey.offer(),
            config,
            &mut rng,
        )
        .map_err(|nothing| no_task(nothing, lang))?;

        let (task_kind, target) = match category {
            TaskCategory::InitialPrompt => (TaskKind::InitialPrompt, None),
            TaskCategory::Reply => {
                let lonely = chooser::prefer_lonely_child(
                    &Offer {
                        lonely_replies: survey.assistant_parents.lonely,
                        ..survey.offer()
                    },
                    config,
                    &mut rng,
                );
                let assistant_share = survey.assistant_parents.count;
                let total = assistant_share + survey.prompter_parents.count;
                let pick = if lonely {
                    survey
                        .assistant_parents
                        .lonely_pick
                        .map(|id| (TaskKind::AssistantReply, id))
                } else if rng.gen_range(0..total.max(1)) < assistant_share {
                    survey
                        .assistant_parents
                        .any
                        .map(|id| (TaskKind::AssistantReply, id))
                } else {
                    survey
                        .prompter_parents
                        .any
                        .map(|id| (TaskKind::PrompterReply, id))
                };
                let (kind, id) = pick.ok_or_else(|| no_task(NothingToDo::AllTaken, lang))?;
                (kind, Some(id))
            }
            TaskCategory::LabelPrompt => (TaskKind::LabelInitialPrompt, survey.prompt_reviews.pick),
            TaskCategory::LabelReply => {
                let assistant_share = survey.assistant_reviews.count;
                let total = assistant_share + survey.prompter_reviews.count;
                if rng.gen_range(0..total.max(1)) < assistant_share {
                    (TaskKind::LabelAssistantReply, survey.assistant_reviews.pick)
                } else {
                    (TaskKind::LabelPrompterReply, survey.prompter_reviews.pick)
                }
            }
            TaskCategory::Ranking => (TaskKind::RankAssistantReplies, survey.rankings.pick),
        };
        if task_kind != TaskKind::InitialPrompt && target.is_none() {
            return Err(no_task(NothingToDo::AllTaken, lang));
        }
        match target {
            Some(target)
                if !db::candidates::claim(&mut *conn, user, target, task_kind, &limits(config))
                    .await? =>
            {
                if attempts >= 3 {
                    return Err(no_task(NothingToDo::AllTaken, lang));
                }
            }
            _ => break (task_kind, target),
        }
    };
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
    Error::not_found("no_task_available", message)
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
