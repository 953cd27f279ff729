//! The trollboard: users ranked by the bad signals their messages received.

use super::ModerationPage;
use crate::{api::moderation::load_trollboard, components::feedback::ErrorNote};
use domain::moderation::Window;
use leptos::prelude::*;
use leptos_router::components::A;

#[component]
pub fn TrollboardPage() -> impl IntoView {
    let window = RwSignal::new(Window::Week);
    let banned = RwSignal::new(false);
    let rows = Resource::new(
        move || (window.get(), banned.get()),
        |(w, b)| load_trollboard(w, b),
    );
    view! {
        <ModerationPage title="Trollboard">
            <Board window banned rows />
        </ModerationPage>
    }
}

#[component]
fn Board(
    window: RwSignal<Window>,
    banned: RwSignal<bool>,
    rows: Resource<Result<Vec<domain::moderation::TrollRow>, crate::error::AppError>>,
) -> impl IntoView {
    view! {
        <div class="filters card">
            <div class="tabs" role="tablist">
                {Window::ALL.into_iter().map(|w| view! {
                    <button type="button" role="tab" class:active=move || window.get() == w
                        aria-selected=move || (window.get() == w).to_string() on:click=move |_| window.set(w)>{w.as_str()}</button>
                }).collect_view()}
            </div>
            <label class="choice"><input type="checkbox" bind:checked=banned />"Banned users"</label>
        </div>
        <p class="hint">"Score = 3 × red flags − thumbs up + thumbs down + prompts aborted as spam + flag labels received (spam, wrong language, PII, inappropriate, hate speech, sexual content)."</p>
        <Transition fallback=|| view! { <p class="loading">"Loading…"</p> }>
            {move || rows.get().map(|result| match result {
                Ok(rows) => view! {
                    <table class="data-table" data-test="trollboard">
                        <thead><tr><th>"User"</th><th>"Score"</th><th>"Red flags"</th><th>"👎"</th><th>"👍"</th><th>"Spam prompts"</th><th>"Flag labels"</th></tr></thead>
                        <tbody>
                            {rows.into_iter().map(|r| view! {
                                <tr>
                                    <td><A href=format!("/moderation/users/{}", r.user.id)>{r.user.username}</A></td>
                                    <td class="num">{r.score}</td>
                                    <td class="num">{r.red_flags}</td>
                                    <td class="num">{r.thumbs_down}</td>
                                    <td class="num">{r.thumbs_up}</td>
                                    <td class="num">{r.spam_prompts}</td>
                                    <td class="num">{r.flag_labels}</td>
                                </tr>
                            }).collect_view()}
                        </tbody>
                    </table>
                }.into_any(),
                Err(error) => view! { <ErrorNote error /> }.into_any(),
            })}
        </Transition>
    }
}
