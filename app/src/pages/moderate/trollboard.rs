//! The trollboard: users ranked by the bad signals their messages received.

use super::ModerationPage;
use crate::{
    api::{moderation::load_trollboard, quality::flagged_annotators},
    components::{feedback::ErrorNote, reliability::ReliabilityTable},
};
use crate::{i18n::*, tr};
use domain::moderation::Window;
use leptos::prelude::*;
use leptos_router::components::A;

#[component]
pub fn TrollboardPage() -> impl IntoView {
    let i18n = use_i18n();
    let window = RwSignal::new(Window::Week);
    let banned = RwSignal::new(false);
    let rows = Resource::new(
        move || (window.get(), banned.get()),
        |(w, b)| load_trollboard(w, b),
    );
    let flagged = Resource::new(|| (), |()| flagged_annotators());
    view! {
        <ModerationPage title=t_string!(i18n, mod_trollboard.title)>
            <h2>{tr(i18n, |i| t_string!(i, quality.flagged_title))}</h2>
            <p class="hint">{tr(i18n, |i| t_string!(i, quality.flagged_hint))}</p>
            <Transition fallback=move || view! { <p class="loading">{tr(i18n, |i| t_string!(i, common.loading))}</p> }>
                {move || flagged.get().map(|result| match result {
                    Ok(rows) if rows.is_empty() => view! { <p class="notice" data-test="no-flagged">{tr(i18n, |i| t_string!(i, quality.no_flagged))}</p> }.into_any(),
                    Ok(rows) => view! { <ReliabilityTable rows test="flagged" /> }.into_any(),
                    Err(error) => view! { <ErrorNote error /> }.into_any(),
                })}
            </Transition>
            <h2>{tr(i18n, |i| t_string!(i, quality.signals_title))}</h2>
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
    let i18n = use_i18n();
    view! {
        <div class="filters card">
            <div class="tabs" role="tablist">
                {Window::ALL.into_iter().map(|w| view! {
                    <button type="button" role="tab" class:active=move || window.get() == w
                        aria-selected=move || (window.get() == w).to_string() on:click=move |_| window.set(w)>{w.as_str()}</button>
                }).collect_view()}
            </div>
            <label class="choice"><input type="checkbox" bind:checked=banned />{tr(i18n, |i| t_string!(i, mod_trollboard.banned))}</label>
        </div>
        <p class="hint">{tr(i18n, |i| t_string!(i, mod_trollboard.hint))}</p>
        <Transition fallback=move || view! { <p class="loading">{tr(i18n, |i| t_string!(i, common.loading))}</p> }>
            {move || rows.get().map(|result| match result {
                Ok(rows) => view! {
                    <table class="data-table" data-test="trollboard">
                        <thead><tr><th>{tr(i18n, |i| t_string!(i, mod_trollboard.user))}</th><th>{tr(i18n, |i| t_string!(i, mod_trollboard.score))}</th><th>{tr(i18n, |i| t_string!(i, mod_trollboard.red_flags))}</th><th><span aria-hidden="true">"👎"</span><span class="sr-only">{tr(i18n, |i| t_string!(i, message.thumbs_down))}</span></th><th><span aria-hidden="true">"👍"</span><span class="sr-only">{tr(i18n, |i| t_string!(i, message.thumbs_up))}</span></th><th>{tr(i18n, |i| t_string!(i, mod_trollboard.spam_prompts))}</th><th>{tr(i18n, |i| t_string!(i, mod_trollboard.flag_labels))}</th></tr></thead>
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
