//! The annotator's start page: points, level and streak, and the tasks waiting in each of
//! their languages.

use crate::{
    api::dashboard::load_dashboard,
    auth::use_auth,
    components::{feedback::ErrorNote, guard::RequireUser},
    pages::tasks::kind_title,
};
use domain::{
    message::LanguageTag,
    scoring::{ScoreCard, POINTS},
    task::{view::Availability, TaskKind},
};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::A;

#[component]
pub fn DashboardPage() -> impl IntoView {
    let auth = use_auth();
    let name = move || {
        auth.me
            .get()
            .and_then(|me| me.ok().flatten())
            .map(|user| user.display_name)
    };
    // created here, outside the guard, so server and browser create resources in one order
    let data = Resource::new(|| (), |()| load_dashboard());
    view! {
        <Title text="Tasks" />
        <RequireUser terms=true>
            <section data-test="dashboard">
                <h1>"Welcome, " {name}</h1>
                <DashboardBody data />
            </section>
        </RequireUser>
    }
}

#[component]
fn DashboardBody(
    data: Resource<Result<crate::api::dashboard::DashboardData, crate::error::AppError>>,
) -> impl IntoView {
    view! {
                <Suspense fallback=|| view! { <p class="loading">"Loading your tasks…"</p> }>
                    {move || {
                        data.get()
                            .map(|result| match result {
                                Ok(data) => view! {
                                    <ScorePanel score=data.score />
                                    {data.availability.into_iter().map(|availability| view! { <LanguageTasks availability /> }).collect_view()}
                                    <p class="muted">
                                        "Tasks come in the languages you chose. "
                                        <A href="/account">"Change your languages"</A>
                                    </p>
                                }.into_any(),
                                Err(error) => view! { <ErrorNote error /> }.into_any(),
                            })
                    }}
                </Suspense>
    }
}

#[component]
fn ScorePanel(score: ScoreCard) -> impl IntoView {
    let progress = score.next_level_at.map(|next| {
        let start = domain::scoring::level_thresholds()
            .get(score.level.saturating_sub(1) as usize)
            .copied()
            .unwrap_or(0);
        let span = (next - start).max(1);
        ((score.points - start) * 100 / span).clamp(0, 100)
    });
    view! {
        <div class="score-panel card" data-test="score">
            <div class="stat"><span class="stat-value" data-test="points">{score.points}</span><span class="stat-label">"points"</span></div>
            <div class="stat"><span class="stat-value" data-test="level">{score.level}</span><span class="stat-label">"level"</span></div>
            <div class="stat"><span class="stat-value" data-test="streak">{score.streak_days}</span><span class="stat-label">"day streak"</span></div>
            <div class="level-progress">
                {match (score.next_level_at, progress) {
                    (Some(next), Some(percent)) => view! {
                        <div class="progress"><span style:width=format!("{percent}%")></span></div>
                        <span class="muted">{format!("{} points to level {}", next - score.points, score.level + 1)}</span>
                    }.into_any(),
                    _ => view! { <span class="muted">"Top level reached"</span> }.into_any(),
                }}
            </div>
            <details class="points-table">
                <summary>"How points work"</summary>
                <table>
                    <tbody>
                        {POINTS.iter().map(|rule| view! { <tr><td>{rule.action}</td><td class="num">{format!("+{}", rule.points)}</td></tr> }).collect_view()}
                    </tbody>
                </table>
            </details>
        </div>
    }
}

#[component]
fn LanguageTasks(availability: Availability) -> impl IntoView {
    let lang = availability.lang.clone();
    let name = LanguageTag::parse(&lang)
        .map(|t| t.english_name().to_owned())
        .unwrap_or_else(|_| lang.clone());
    let kinds: Vec<(TaskKind, u32)> = availability
        .counts
        .iter()
        .filter(|(_, count)| **count > 0)
        .map(|(kind, count)| (*kind, *count))
        .collect();
    view! {
        <section class="card language-tasks" data-test=format!("tasks-{lang}")>
            <header class="row">
                <h2>{name.clone()}</h2>
                <A href=format!("/tasks/random?lang={lang}") attr:class="button" attr:data-test="random-task">
                    "Any task"
                </A>
            </header>
            {if kinds.is_empty() {
                view! { <p class="muted">{format!("Nothing is waiting in {name} right now. Come back later, or add another language.")}</p> }.into_any()
            } else {
                view! {
                    <ul class="task-kinds">
                        {kinds.into_iter().map(|(kind, count)| view! {
                            <li>
                                <A href=format!("/tasks/{}?lang={lang}", kind.as_str()) attr:data-test=format!("kind-{}", kind.as_str())>
                                    {kind_title(kind)}
                                </A>
                                <span class="count">{count}</span>
                            </li>
                        }).collect_view()}
                    </ul>
                }.into_any()
            }}
            {availability.initial_prompt_paused_reason.map(|reason| view! { <p class="hint" data-test="prompts-paused">{reason}</p> })}
        </section>
    }
}
