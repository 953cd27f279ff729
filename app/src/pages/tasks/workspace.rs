//! One task on screen: the conversation, the editor / rank board / review form, and the
//! controls (skip, review, submit). The draft is saved in the browser on every change and
//! restored after a reload; a submit that fails on the network is retried with the same key.

use super::{kind_title, skip::SkipDialog};
use crate::{
    api::tasks::submit_task,
    components::{
        conversation::Conversation,
        editor::{MarkdownEditor, MAX_CHARS},
        feedback::ErrorNote,
        label_form::{chosen_before_hydration, complete, LabelForm},
        language_name,
        rank_board::{RankBoard, RankState},
    },
    drafts,
    error::AppError,
    i18n::*,
    tr,
};
use domain::task::{
    view::{TaskAnswer, TaskView},
    TaskCategory, TaskKind,
};
use leptos::{ev::KeyboardEvent, prelude::*, task::spawn_local};
use serde::{Deserialize, Serialize};
use std::{collections::BTreeMap, time::Duration};

/// Everything typed or chosen so far, saved in the browser per task.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
struct Draft {
    text: String,
    rank: Option<RankState>,
    labels: BTreeMap<String, f64>,
    /// The idempotency key of this task's submit: every retry sends the same.
    client_key: String,
}

/// Where a submit stands.
#[derive(Debug, Clone, PartialEq)]
enum Status {
    Editing,
    Submitting,
    Retrying(u32),
    Failed(AppError),
    Done,
}

/// Network retries before giving up (the draft stays either way).
const MAX_RETRIES: u32 = 8;

fn instruction(i18n: crate::I18n, kind: TaskKind) -> &'static str {
    match kind {
        TaskKind::InitialPrompt => t_string!(i18n, workspace.instruction_initial_prompt),
        TaskKind::AssistantReply => t_string!(i18n, workspace.instruction_assistant),
        TaskKind::PrompterReply => t_string!(i18n, workspace.instruction_prompter),
        TaskKind::RankAssistantReplies | TaskKind::RankPrompterReplies => {
            t_string!(i18n, workspace.instruction_rank)
        }
        TaskKind::LabelInitialPrompt
        | TaskKind::LabelAssistantReply
        | TaskKind::LabelPrompterReply => t_string!(i18n, workspace.instruction_label),
    }
}

async fn sleep(duration: Duration) {
    let (done, wait) = futures::channel::oneshot::channel::<()>();
    set_timeout(
        move || {
            let _ = done.send(());
        },
        duration,
    );
    let _ = wait.await;
}

#[component]
pub fn TaskWorkspace(
    task: TaskView,
    /// Called when the task is over: `true` when it was submitted, `false` when skipped.
    on_done: Callback<bool>,
) -> impl IntoView {
    let i18n = use_i18n();
    let task = StoredValue::new(task);
    let (task_id, kind, lang) = task.with_value(|t| (t.task_id, t.kind, t.lang.clone()));
    let category = kind.category();
    let draft_key = task_id.to_string();

    let text = RwSignal::new(String::new());
    // text typed into the server-rendered editor while the WebAssembly was still loading; set
    // once the page is live, so everything that follows the text (counters, buttons) updates
    let typed = StoredValue::new(typed_before_hydration());
    // and answers chosen in the server-rendered review form meanwhile
    let chosen = StoredValue::new(chosen_before_hydration());
    let rank = RwSignal::new(task.with_value(|t| RankState::new(&t.replies)));
    let labels = RwSignal::new(BTreeMap::<String, f64>::new());
    let client_key = StoredValue::new(String::new());
    let reviewing = RwSignal::new(false);
    let unchanged_warning = RwSignal::new(false);
    let status = RwSignal::new(Status::Editing);
    let skipping = RwSignal::new(false);
    let restored = RwSignal::new(false);

    // restore the draft (browser only), then save every change
    {
        let draft_key = draft_key.clone();
        Effect::new(move |_| {
            let draft: Draft = drafts::load(&draft_key).unwrap_or_default();
            // what was just typed wins over an older draft
            if let Some(typed) = typed.get_value() {
                text.set(typed);
            } else if !draft.text.is_empty() {
                text.set(draft.text.clone());
            }
            if let Some(saved) = draft.rank.clone() {
                if saved.order.len() == rank.with_untracked(|r| r.order.len()) {
                    rank.set(saved);
                }
            }
            if chosen.with_value(|chosen| !chosen.is_empty()) {
                labels.set(chosen.get_value());
            } else if !draft.labels.is_empty() {
                labels.set(draft.labels.clone());
            }
            let key = if draft.client_key.is_empty() {
                format!("{task_id}-{}", drafts::token())
            } else {
                draft.client_key
            };
            client_key.set_value(key);
            restored.set(true);
        });
    }
    {
        let draft_key = draft_key.clone();
        Effect::new(move |_| {
            let draft = Draft {
                text: text.get(),
                rank: Some(rank.get()),
                labels: labels.get(),
                client_key: client_key.get_value(),
            };
            if restored.get() && status.get_untracked() != Status::Done {
                drafts::save(&draft_key, &draft);
            }
        });
    }

    let answer = move || match category {
        TaskCategory::InitialPrompt | TaskCategory::Reply => TaskAnswer::Text {
            text: text.get_untracked(),
        },
        TaskCategory::Ranking => {
            let state = rank.get_untracked();
            TaskAnswer::Ranking {
                ranking: if state.not_rankable && !state.touched {
                    Vec::new()
                } else {
                    state.groups()
                },
                not_rankable: state.not_rankable,
            }
        }
        TaskCategory::LabelPrompt | TaskCategory::LabelReply => TaskAnswer::Labels {
            labels: labels.get_untracked(),
        },
    };
    let ready = move || match category {
        TaskCategory::InitialPrompt | TaskCategory::Reply => {
            text.with(|t| !t.trim().is_empty() && t.chars().count() <= MAX_CHARS)
        }
        TaskCategory::Ranking => true,
        TaskCategory::LabelPrompt | TaskCategory::LabelReply => {
            task.with_value(|t| labels.with(|values| complete(&t.labels, values)))
        }
    };
    let busy = move || {
        matches!(
            status.get(),
            Status::Submitting | Status::Retrying(_) | Status::Done
        )
    };

    let submit = {
        let draft_key = draft_key.clone();
        move || {
            if busy() {
                return;
            }
            let answer = answer();
            let key = client_key.get_value();
            let draft_key = draft_key.clone();
            status.set(Status::Submitting);
            spawn_local(async move {
                let mut attempt = 0;
                loop {
                    match submit_task(task_id, answer.clone(), Some(key.clone())).await {
                        Ok(_) => {
                            status.set(Status::Done);
                            drafts::remove(&draft_key);
                            on_done.run(true);
                            break;
                        }
                        Err(error) if error.code == "network" && attempt < MAX_RETRIES => {
                            attempt += 1;
                            status.set(Status::Retrying(attempt));
                            sleep(Duration::from_millis(500 * u64::from(attempt.min(6)))).await;
                        }
                        Err(error) => {
                            status.set(Status::Failed(error));
                            reviewing.set(false);
                            break;
                        }
                    }
                }
            });
        }
    };
    let submit = StoredValue::new(submit);
    let review = move || {
        if !ready() {
            return;
        }
        let untouched = category == TaskCategory::Ranking
            && rank.with_untracked(|r| !r.touched && !r.not_rankable);
        unchanged_warning.set(untouched);
        reviewing.set(true);
    };
    let advance = Callback::new(move |()| {
        if reviewing.get_untracked() {
            submit.with_value(|submit| submit());
        } else {
            review();
        }
    });
    // Ctrl/Cmd+Enter anywhere on the page: review, then submit
    let shortcut = window_event_listener(leptos::ev::keydown, move |ev: KeyboardEvent| {
        if ev.key() == "Enter" && (ev.ctrl_key() || ev.meta_key()) && !skipping.get_untracked() {
            ev.prevent_default();
            advance.run(());
        }
    });
    on_cleanup(move || shortcut.remove());
    let skipped = Callback::new(move |()| {
        drafts::remove(&task_id.to_string());
        on_done.run(false);
    });

    // the focus goes to the first thing to do: the text, the first reply, the first question;
    // in review to Submit, and back to the first thing after Edit
    Effect::new(move |_| focus_first(category, reviewing.get()));

    let language = language_name(&lang);
    let (conversation, replies, fields) =
        task.with_value(|t| (t.conversation.clone(), t.replies.clone(), t.labels.clone()));

    view! {
        <section class="task" data-test="task" data-kind=kind.as_str() data-task-id=task_id.to_string()>
            <header class="task-header">
                <div>
                    <h1>{move || kind_title(i18n, kind)}</h1>
                    <p class="muted">
                        {move || instruction(i18n, kind)} " "
                        <a href=guidelines_anchor(category) data-test="task-guidelines">{tr(i18n, |i| t_string!(i, footer.guidelines))}</a>
                    </p>
                </div>
                <div class="task-meta">
                    <span class="badge lang" data-test="task-language">{language}</span>
                    <span class="badge" title=tr(i18n, |i| t_string!(i, workspace.task_id))>{task_id.to_string().chars().take(8).collect::<String>()}</span>
                </div>
            </header>
            {(!conversation.is_empty()).then(|| view! { <Conversation messages=conversation highlight_last=true /> })}
            <div class="task-body">
                {match category {
                    TaskCategory::InitialPrompt | TaskCategory::Reply => view! {
                        <MarkdownEditor text lang=lang.clone() locked=reviewing
                            placeholder=if kind == TaskKind::AssistantReply { t_string!(i18n, workspace.placeholder_assistant) } else { t_string!(i18n, workspace.placeholder_user) } />
                    }.into_any(),
                    TaskCategory::Ranking => view! { <RankBoard replies state=rank locked=reviewing /> }.into_any(),
                    TaskCategory::LabelPrompt | TaskCategory::LabelReply => view! { <LabelForm fields values=labels locked=reviewing /> }.into_any(),
                }}
            </div>
            <Show when=move || reviewing.get() && category != TaskCategory::InitialPrompt && category != TaskCategory::Reply>
                <p class="notice" data-test="review-summary">{tr(i18n, |i| t_string!(i, workspace.review_summary))}</p>
            </Show>
            <Show when=move || reviewing.get() && unchanged_warning.get()>
                <div class="notice warning" role="alert" data-test="unchanged-warning">
                    <strong>{tr(i18n, |i| t_string!(i, workspace.unchanged))}</strong>
                    {tr(i18n, |i| t_string!(i, workspace.unchanged_text))}
                </div>
            </Show>
            {move || match status.get() {
                Status::Retrying(attempt) => Some(view! {
                    <p class="notice warning" role="status" data-test="retrying">
                        {t!(i18n, workspace.retrying, attempt)}
                    </p>
                }.into_any()),
                Status::Failed(error) => Some(view! { <ErrorNote error /> }.into_any()),
                Status::Done => Some(view! { <p class="notice success" data-test="submitted">{tr(i18n, |i| t_string!(i, workspace.submitted))}</p> }.into_any()),
                Status::Editing | Status::Submitting => None,
            }}
            <footer class="task-controls">
                <button type="button" class="button secondary" data-test="skip" disabled=busy on:click=move |_| skipping.set(true)>
                    {tr(i18n, |i| t_string!(i, workspace.skip))}
                </button>
                <span class="shortcut-hint"><kbd>"Ctrl"</kbd>" / "<kbd>"⌘"</kbd>" + "<kbd>"Enter"</kbd>{tr(i18n, |i| t_string!(i, workspace.shortcut))}</span>
                <Show
                    when=move || reviewing.get()
                    fallback=move || view! {
                        <button type="button" class="button" data-test="review" disabled=move || !ready() on:click=move |_| review()>
                            {tr(i18n, |i| t_string!(i, workspace.review))}
                        </button>
                    }
                >
                    <button type="button" class="button secondary" data-test="edit" disabled=busy on:click=move |_| reviewing.set(false)>
                        {tr(i18n, |i| t_string!(i, workspace.edit))}
                    </button>
                    <button type="button" class="button" data-test="submit" disabled=busy on:click=move |_| submit.with_value(|submit| submit())>
                        {move || if unchanged_warning.get() { t_string!(i18n, workspace.submit_anyway) } else { t_string!(i18n, workspace.submit) }}
                    </button>
                </Show>
            </footer>
            <SkipDialog task_id kind open=skipping on_skipped=skipped />
        </section>
        <Show when=move || reviewing.get() && (category == TaskCategory::InitialPrompt || category == TaskCategory::Reply)>
            <aside class="sr-only" aria-live="polite">{tr(i18n, |i| t_string!(i, workspace.review_mode))}</aside>
        </Show>
    }
}

/// The section of the guidelines about a task's category.
fn guidelines_anchor(category: TaskCategory) -> &'static str {
    match category {
        TaskCategory::InitialPrompt => "/guidelines#prompts",
        TaskCategory::Reply => "/guidelines#assistant",
        TaskCategory::Ranking => "/guidelines#rank",
        TaskCategory::LabelPrompt | TaskCategory::LabelReply => "/guidelines#review",
    }
}

/// Puts the focus on the first thing to do in the task (browser only, after the next paint).
fn focus_first(category: TaskCategory, reviewing: bool) {
    #[cfg(feature = "hydrate")]
    request_animation_frame(move || {
        use leptos::wasm_bindgen::JsCast;
        let selector = if reviewing {
            "[data-test=\"task\"] [data-test=\"submit\"]"
        } else {
            match category {
                TaskCategory::InitialPrompt | TaskCategory::Reply => {
                    "[data-test=\"task\"] textarea[data-test=\"editor\"]"
                }
                TaskCategory::Ranking => "[data-test=\"task\"] .rank-card",
                TaskCategory::LabelPrompt | TaskCategory::LabelReply => {
                    "[data-test=\"task\"] .label-form input, [data-test=\"task\"] .label-form button"
                }
            }
        };
        if let Some(element) = document()
            .query_selector(selector)
            .ok()
            .flatten()
            .and_then(|element| element.dyn_into::<web_sys::HtmlElement>().ok())
        {
            let _ = element.focus();
        }
    });
    #[cfg(not(feature = "hydrate"))]
    let _ = (category, reviewing);
}

/// The text in the server-rendered editor when the WebAssembly takes the page over: what the
/// volunteer typed while it loaded. An editor the app rendered or took over is marked
/// `data-live`, so a task that follows another in the browser finds nothing here.
fn typed_before_hydration() -> Option<String> {
    #[cfg(feature = "hydrate")]
    {
        use leptos::wasm_bindgen::JsCast;
        let value = document()
            .query_selector("textarea[data-test=\"editor\"]:not([data-live])")
            .ok()
            .flatten()?
            .dyn_into::<web_sys::HtmlTextAreaElement>()
            .ok()?
            .value();
        (!value.trim().is_empty()).then_some(value)
    }
    #[cfg(not(feature = "hydrate"))]
    {
        None
    }
}
