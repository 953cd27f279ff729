//! The annotator's start page: points, level and streak, and the tasks waiting in each of
//! their languages.

use crate::{
    api::dashboard::load_dashboard,
    auth::use_auth,
    components::{feedback::ErrorNote, guard::RequireUser, language_name},
    i18n::*,
    pages::tasks::{kind_hint, kind_title},
    tr,
};
use domain::{
    scoring::{ScoreCard, POINTS},
    task::{
        view::{Availability, PromptPause},
        TaskKind,
    },
};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::A;

#[component]
pub fn DashboardPage() -> impl IntoView {
    let i18n = use_i18n();
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
        <Title text=move || t_string!(i18n, dashboard.title).to_string() />
        <RequireUser terms=true>
            <section data-test="dashboard">
                <h1>{tr(i18n, |i| t_string!(i, dashboard.welcome))} {name}</h1>
                <DashboardBody data />
            </section>
        </RequireUser>
    }
}

#[component]
fn DashboardBody(
    data: Resource<Result<crate::api::dashboard::DashboardData, crate::error::AppError>>,
) -> impl IntoView {
    let i18n = use_i18n();
    view! {
                <Suspense fallback=move || view! { <p class="loading">{tr(i18n, |i| t_string!(i, dashboard.loading))}</p> }>
                    {move || {
                        data.get()
                            .map(|result| match result {
                                Ok(data) => view! {
                                    <ScorePanel score=data.score />
                                    {data.availability.into_iter().map(|availability| view! { <LanguageTasks availability /> }).collect_view()}
                                    <p class="muted">
                                        {tr(i18n, |i| t_string!(i, dashboard.languages_hint))}
                                        <A href="/account">{tr(i18n, |i| t_string!(i, dashboard.change_languages))}</A>
                                        " · "
                                        <A href="/guidelines" attr:data-test="guidelines-link">{tr(i18n, |i| t_string!(i, dashboard.guidelines))}</A>
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
    let i18n = use_i18n();
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
            <div class="stat"><span class="stat-value" data-test="points">{score.points}</span><span class="stat-label">{tr(i18n, |i| t_string!(i, dashboard.points))}</span></div>
            <div class="stat"><span class="stat-value" data-test="level">{score.level}</span><span class="stat-label">{tr(i18n, |i| t_string!(i, dashboard.level))}</span></div>
            <div class="stat"><span class="stat-value" data-test="streak">{score.streak_days}</span><span class="stat-label">{tr(i18n, |i| t_string!(i, dashboard.streak))}</span></div>
            <div class="level-progress">
                {match (score.next_level_at, progress) {
                    (Some(next), Some(percent)) => view! {
                        <div class="progress"><span style:width=format!("{percent}%")></span></div>
                        <span class="muted">{t!(i18n, dashboard.to_next_level, points = next - score.points, level = score.level + 1)}</span>
                    }.into_any(),
                    _ => view! { <span class="muted">{tr(i18n, |i| t_string!(i, dashboard.top_level))}</span> }.into_any(),
                }}
            </div>
            <details class="points-table">
                <summary>{tr(i18n, |i| t_string!(i, dashboard.how_points))}</summary>
                <p class="muted" data-test="points-rule">{tr(i18n, |i| t_string!(i, leaderboard.how_text))}</p>
                <table>
                    <tbody>
                        {POINTS.iter().enumerate().map(|(index, rule)| view! { <tr><td>{move || point_action(i18n, index).unwrap_or(rule.action)}</td><td class="num">{format!("{:+}", rule.points)}</td></tr> }).collect_view()}
                    </tbody>
                </table>
            </details>
        </div>
    }
}

#[component]
fn LanguageTasks(availability: Availability) -> impl IntoView {
    let i18n = use_i18n();
    let lang = availability.lang.clone();
    let name = language_name(&lang);
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
                    {tr(i18n, |i| t_string!(i, dashboard.any_task))}
                </A>
            </header>
            {if kinds.is_empty() {
                view! { <p class="muted">{t!(i18n, dashboard.nothing_waiting, language = name.clone())}</p> }.into_any()
            } else {
                view! {
                    <ul class="task-kinds">
                        {kinds.into_iter().map(|(kind, count)| view! {
                            <li>
                                <span class="kind">
                                    <A href=format!("/tasks/{}?lang={lang}", kind.as_str()) attr:data-test=format!("kind-{}", kind.as_str())>
                                        {move || kind_title(i18n, kind)}
                                    </A>
                                    <span class="hint" data-test="kind-hint">{move || kind_hint(i18n, kind)}</span>
                                </span>
                                <span class="count">{count}</span>
                            </li>
                        }).collect_view()}
                    </ul>
                }.into_any()
            }}
            {availability.initial_prompt_pause.map(|pause| {
                let language = name.clone();
                let reason = match pause {
                    PromptPause::Admin => view! { {t!(i18n, pause.admin_paused, language)} }.into_any(),
                    PromptPause::Queue { in_review, waiting } => {
                        view! { {t!(i18n, pause.queue_full, language, in_review, waiting)} }.into_any()
                    }
                };
                view! { <p class="hint" data-test="prompts-paused">{reason}</p> }
            })}
        </section>
    }
}

/// The translated line of the points table, by its position in [`POINTS`].
pub fn point_action(i18n: crate::I18n, index: usize) -> Option<&'static str> {
    Some(match index {
        0 => t_string!(i18n, points.prompt_accepted),
        1 => t_string!(i18n, points.assistant_accepted),
        2 => t_string!(i18n, points.user_accepted),
        3 => t_string!(i18n, points.rejected),
        4 => t_string!(i18n, points.full_review),
        5 => t_string!(i18n, points.quick_review),
        6 => t_string!(i18n, points.rank),
        7 => t_string!(i18n, points.ranked_first),
        8 => t_string!(i18n, points.ranked_second),
        9 => t_string!(i18n, points.ranked_third),
        10 => t_string!(i18n, points.gold_passed),
        11 => t_string!(i18n, points.gold_failed),
        _ => return None,
    })
}
