//! Leaderboards for the last day, week, month and all time, computed live, with the points
//! table and the ranks around the viewer.

use crate::{api::stats::load_leaderboard, components::feedback::ErrorNote};
use domain::{
    moderation::{LeaderRow, Window},
    scoring::POINTS,
};
use leptos::prelude::*;
use leptos_meta::Title;

#[component]
pub fn LeaderboardPage() -> impl IntoView {
    let window = RwSignal::new(Window::Week);
    let board = Resource::new(move || window.get(), load_leaderboard);
    view! {
        <Title text="Leaderboard" />
        <h1>"Leaderboard"</h1>
        <div class="tabs" role="tablist" data-test="windows">
            {Window::ALL.into_iter().map(|w| view! {
                <button type="button" role="tab" class:active=move || window.get() == w
                    aria-selected=move || (window.get() == w).to_string() on:click=move |_| window.set(w)>
                    {match w { Window::Day => "Today", Window::Week => "This week", Window::Month => "This month", Window::Total => "All time" }}
                </button>
            }).collect_view()}
        </div>
        <Transition fallback=|| view! { <p class="loading">"Loading…"</p> }>
            {move || board.get().map(|result| match result {
                Ok(board) => view! {
                    {(!board.around_me.is_empty()).then(|| view! {
                        <h2>"Around you"</h2>
                        <Rows rows=board.around_me.clone() test="around-me" />
                    })}
                    <h2>{format!("Top {} of {}", board.top.len(), board.participants)}</h2>
                    <Rows rows=board.top test="leaderboard" />
                }.into_any(),
                Err(error) => view! { <ErrorNote error /> }.into_any(),
            })}
        </Transition>
        <section class="card" data-test="points-table">
            <h2>"How points are counted"</h2>
            <p class="muted">"Points are counted live from the work itself: what you write earns points at once, and more when reviewers accept it and when the consensus ranks it among the best."</p>
            <table class="data-table"><tbody>
                {POINTS.iter().map(|rule| view! { <tr><td>{rule.action}</td><td class="num">{format!("+{}", rule.points)}</td></tr> }).collect_view()}
            </tbody></table>
        </section>
    }
}

#[component]
fn Rows(rows: Vec<LeaderRow>, test: &'static str) -> impl IntoView {
    view! {
        <table class="data-table leaderboard" data-test=test>
            <thead><tr><th>"#"</th><th>"Name"</th><th>"Points"</th><th>"Level"</th><th>"Written"</th><th>"Reviews"</th><th>"Rankings"</th></tr></thead>
            <tbody>
                {rows.into_iter().map(|row| {
                    let c = row.contributions;
                    view! {
                        <tr class:me=row.is_me>
                            <td class="num">{row.rank}</td>
                            <td>{row.display_name}</td>
                            <td class="num" data-test="row-points">{row.points}</td>
                            <td class="num">{row.level}</td>
                            <td class="num">{c.prompts + c.assistant_replies + c.prompter_replies}</td>
                            <td class="num">{c.full_reviews + c.quick_reviews}</td>
                            <td class="num">{c.rankings}</td>
                        </tr>
                    }
                }).collect_view()}
            </tbody>
        </table>
    }
}
