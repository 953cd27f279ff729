//! The task page: asks for a task of a kind (or any) in a language, shows it, and after a
//! submit or skip loads the next one by itself.

mod skip;
mod workspace;

use crate::{
    api::tasks::request_task,
    auth::use_auth,
    components::{
        feedback::{ErrorNote, InfoNote},
        guard::RequireUser,
    },
    error::AppError,
    i18n::*,
    tr,
};
use domain::task::TaskKind;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::{
    components::A,
    hooks::{use_params_map, use_query_map},
};
use workspace::TaskWorkspace;

/// A task page's title, in the interface language.
pub fn kind_title(i18n: crate::I18n, kind: TaskKind) -> &'static str {
    match kind {
        TaskKind::InitialPrompt => t_string!(i18n, kind.initial_prompt),
        TaskKind::AssistantReply => t_string!(i18n, kind.assistant_reply),
        TaskKind::PrompterReply => t_string!(i18n, kind.prompter_reply),
        TaskKind::RankAssistantReplies => t_string!(i18n, kind.rank_assistant),
        TaskKind::RankPrompterReplies => t_string!(i18n, kind.rank_prompter),
        TaskKind::LabelInitialPrompt => t_string!(i18n, kind.label_initial_prompt),
        TaskKind::LabelAssistantReply => t_string!(i18n, kind.label_assistant),
        TaskKind::LabelPrompterReply => t_string!(i18n, kind.label_prompter),
    }
}

/// One line on what a task of `kind` asks, for the dashboard.
pub fn kind_hint(i18n: crate::I18n, kind: TaskKind) -> &'static str {
    match kind {
        TaskKind::InitialPrompt => t_string!(i18n, kind_hint.initial_prompt),
        TaskKind::AssistantReply => t_string!(i18n, kind_hint.assistant_reply),
        TaskKind::PrompterReply => t_string!(i18n, kind_hint.prompter_reply),
        TaskKind::RankAssistantReplies => t_string!(i18n, kind_hint.rank_assistant),
        TaskKind::RankPrompterReplies => t_string!(i18n, kind_hint.rank_prompter),
        TaskKind::LabelInitialPrompt => t_string!(i18n, kind_hint.label_initial_prompt),
        TaskKind::LabelAssistantReply => t_string!(i18n, kind_hint.label_assistant),
        TaskKind::LabelPrompterReply => t_string!(i18n, kind_hint.label_prompter),
    }
}

#[component]
pub fn TaskPage() -> impl IntoView {
    let i18n = use_i18n();
    let auth = use_auth();
    let params = use_params_map();
    let query = use_query_map();
    let kind = move || {
        params
            .read()
            .get("kind")
            .unwrap_or_else(|| "random".to_owned())
    };
    let lang = move || {
        query.read().get("lang").unwrap_or_else(|| {
            auth.me
                .get()
                .and_then(|me| me.ok().flatten())
                .and_then(|user| user.languages.first().cloned())
                .unwrap_or_else(|| "en".to_owned())
        })
    };
    let round = RwSignal::new(0u32);
    let task = Resource::new(
        move || (kind(), lang(), round.get()),
        |(kind, lang, _)| async move {
            let kind = match kind.as_str() {
                "random" => None,
                other => Some(TaskKind::parse(other).map_err(AppError::from)?),
            };
            request_task(kind, lang).await
        },
    );
    // after a submit, a thank-you stays above the next task for a few seconds
    let saved = RwSignal::new(0u32);
    let next = Callback::new(move |submitted: bool| {
        round.update(|r| *r += 1);
        if submitted {
            let mine = round.get_untracked();
            saved.set(mine);
            set_timeout(
                move || {
                    if saved.try_get_untracked() == Some(mine) {
                        saved.try_set(0);
                    }
                },
                std::time::Duration::from_secs(6),
            );
        }
    });

    // the resource is created outside the guard, so server and browser create resources in
    // one order; for a visitor who may not contribute it fails quietly and the guard redirects
    view! {
        <Title text=move || t_string!(i18n, task.title).to_string() />
        <RequireUser terms=true>
            <Show when=move || saved.get() != 0>
                <p class="notice success" role="status" data-test="saved">{tr(i18n, |i| t_string!(i, workspace.saved))}</p>
            </Show>
            <Transition fallback=move || view! { <p class="loading">{tr(i18n, |i| t_string!(i, task.finding))}</p> }>
                {move || {
                    task.get()
                        .map(|result| match result {
                            Ok(task) => view! { <TaskWorkspace task on_done=next /> }.into_any(),
                            Err(error) => view! { <NoTask error lang=lang() /> }.into_any(),
                        })
                }}
            </Transition>
        </RequireUser>
    }
}

/// Shown when there is no task: why, and where to go instead.
#[component]
fn NoTask(error: AppError, lang: String) -> impl IntoView {
    let i18n = use_i18n();
    let nothing = error.code == "no_task_available";
    view! {
        <section class="card" data-test="no-task">
            <h1>{move || if nothing { t_string!(i18n, task.nothing) } else { t_string!(i18n, task.not_loaded) }}</h1>
            {if nothing {
                view! { <InfoNote error /> }.into_any()
            } else {
                view! { <ErrorNote error /> }.into_any()
            }}
            <div class="actions">
                <A href="/dashboard" attr:class="button">{tr(i18n, |i| t_string!(i, task.back))}</A>
                <A href=format!("/tasks/random?lang={lang}") attr:class="button secondary">{tr(i18n, |i| t_string!(i, task.any_task))}</A>
            </div>
        </section>
    }
}
