//! Leaderboards for the last day, week, month and all time, computed live, with the points
//! table and the ranks around the viewer.

use crate::{
    api::stats::load_leaderboard, components::feedback::ErrorNote, pages::dashboard::point_action,
};
use crate::{i18n::*, tr};
use domain::{
    moderation::{LeaderRow, Window},
    scoring::POINTS,
};
use leptos::prelude::*;
use leptos_meta::Title;

#[component]
pub fn LeaderboardPage() -> impl IntoView {
    let i18n = use_i18n();
    let window = RwSignal::new(Window::Week);
    let board = Resource::new(move || window.get(), load_leaderboard);
    view! {
        <Title text=move || t_string!(i18n, leaderboard.title).to_string() />
        <h1>{tr(i18n, |i| t_string!(i, leaderboard.title))}</h1>
        <div class="tabs" role="tablist" data-test="windows">
            {Window::ALL.into_iter().map(|w| view! {
                <button type="button" role="tab" class:active=move || window.get() == w
                    aria-selected=move || (window.get() == w).to_string() on:click=move |_| window.set(w)>
                    {move || match w { Window::Day => t_string!(i18n, leaderboard.today), Window::Week => t_string!(i18n, leaderboard.week), Window::Month => t_string!(i18n, leaderboard.month), Window::Total => t_string!(i18n, leaderboard.total) }}
                </button>
            }).collect_view()}
        </div>
        <Transition fallback=move || view! { <p class="loading">{tr(i18n, |i| t_string!(i, common.loading))}</p> }>
            {move || board.get().map(|result| match result {
                Ok(board) => view! {
                    {(!board.around_me.is_empty()).then(|| view! {
                        <h2>{tr(i18n, |i| t_string!(i, leaderboard.around))}</h2>
                        <Rows rows=board.around_me.clone() test="around-me" />
                    })}
                    <h2>{t!(i18n, leaderboard.top, shown = board.top.len(), participants = board.participants)}</h2>
                    <Rows rows=board.top test="leaderboard" />
                }.into_any(),
                Err(error) => view! { <ErrorNote error /> }.into_any(),
            })}
        </Transition>
        <section class="card" data-test="points-table">
            <h2>{tr(i18n, |i| t_string!(i, leaderboard.how))}</h2>
            <p class="muted">{tr(i18n, |i| t_string!(i, leaderboard.how_text))}</p>
            <table class="data-table"><tbody>
                {POINTS.iter().enumerate().map(|(index, rule)| view! { <tr><td>{move || point_action(i18n, index).unwrap_or(rule.action)}</td><td class="num">{format!("{:+}", rule.points)}</td></tr> }).collect_view()}
            </tbody></table>
        </section>
    }
}

#[component]
fn Rows(rows: Vec<LeaderRow>, test: &'static str) -> impl IntoView {
    let i18n = use_i18n();
    view! {
        <div class="table-scroll" tabindex="0">
        <table class="data-table leaderboard" data-test=test>
            <thead><tr><th>"#"</th><th>{tr(i18n, |i| t_string!(i, leaderboard.name))}</th><th>{tr(i18n, |i| t_string!(i, leaderboard.points))}</th><th>{tr(i18n, |i| t_string!(i, leaderboard.level))}</th><th>{tr(i18n, |i| t_string!(i, leaderboard.written))}</th><th>{tr(i18n, |i| t_string!(i, leaderboard.reviews))}</th><th>{tr(i18n, |i| t_string!(i, leaderboard.rankings))}</th></tr></thead>
            <tbody>
                {rows.into_iter().map(|row| {
                    let c = row.contributions;
                    view! {
                        <tr class:me=row.is_me>
                            <td class="num">{row.rank}</td>
                            <td>{row.display_name}</td>
                            <td class="num" data-test="row-points">{row.points}</td>
                            <td class="num">{row.level}</td>
                            <td class="num">{c.written()}</td>
                            <td class="num">{c.full_reviews + c.quick_reviews}</td>
                            <td class="num">{c.rankings}</td>
                        </tr>
                    }
                }).collect_view()}
            </tbody>
        </table>
        </div>
    }
}
