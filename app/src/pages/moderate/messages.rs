//! Message search: full text in the message's language, filters by language, review state,
//! tree state, author, dates and reports.

use super::ModerationPage;
use crate::{
    api::moderation::moderation_messages,
    components::{conversation::role_name, feedback::ErrorNote, state_names::tree_state},
};
use crate::{i18n::*, tr};
use domain::moderation::MessageFilter;
use leptos::prelude::*;
use leptos_router::components::A;

#[component]
pub fn MessagesPage() -> impl IntoView {
    let i18n = use_i18n();
    let submitted = RwSignal::new(MessageFilter::default());
    let results = Resource::new(move || submitted.get(), moderation_messages);
    view! {
        <ModerationPage title=t_string!(i18n, mod_messages.title)>
            <MessageSearch submitted results />
        </ModerationPage>
    }
}

#[component]
fn MessageSearch(
    submitted: RwSignal<MessageFilter>,
    results: Resource<Result<Vec<domain::moderation::ModeratedMessage>, crate::error::AppError>>,
) -> impl IntoView {
    let i18n = use_i18n();
    let query = RwSignal::new(String::new());
    let lang = RwSignal::new(String::new());
    let review = RwSignal::new(String::new());
    let author = RwSignal::new(String::new());
    let from = RwSignal::new(String::new());
    let to = RwSignal::new(String::new());
    let reported = RwSignal::new(false);
    let deleted = RwSignal::new(false);
    let page = RwSignal::new(0u32);
    let search = move || {
        let text = |s: RwSignal<String>| Some(s.get_untracked()).filter(|v| !v.trim().is_empty());
        submitted.set(MessageFilter {
            query: text(query),
            lang: text(lang),
            review: text(review),
            tree_state: None,
            author: text(author),
            from: text(from),
            to: text(to),
            reported_only: reported.get_untracked(),
            include_deleted: deleted.get_untracked(),
            page: page.get_untracked(),
        });
    };
    view! {
        <form class="filters card" data-test="message-filters" on:submit=move |ev| { ev.prevent_default(); page.set(0); search(); }>
            <label class="grow">{tr(i18n, |i| t_string!(i, mod_messages.search_text))} <input type="search" bind:value=query data-test="search-query" placeholder=tr(i18n, |i| t_string!(i, mod_messages.search_placeholder)) /></label>
            <label>{tr(i18n, |i| t_string!(i, mod_messages.language))} <input bind:value=lang placeholder="en" size="5" data-test="search-lang" /></label>
            <label>{tr(i18n, |i| t_string!(i, mod_messages.review))}
                <select on:change=move |ev| review.set(event_target_value(&ev))>
                    <option value="">{tr(i18n, |i| t_string!(i, mod_messages.any))}</option>
                    <option value="pending">{tr(i18n, |i| t_string!(i, mod_messages.pending))}</option>
                    <option value="accepted">{tr(i18n, |i| t_string!(i, mod_messages.accepted))}</option>
                    <option value="rejected">{tr(i18n, |i| t_string!(i, mod_messages.rejected))}</option>
                </select>
            </label>
            <label>{tr(i18n, |i| t_string!(i, mod_messages.author))} <input bind:value=author placeholder=tr(i18n, |i| t_string!(i, mod_messages.author_placeholder)) size="12" /></label>
            <label>{tr(i18n, |i| t_string!(i, mod_messages.from))} <input type="date" bind:value=from /></label>
            <label>{tr(i18n, |i| t_string!(i, mod_messages.to))} <input type="date" bind:value=to /></label>
            <label class="choice"><input type="checkbox" bind:checked=reported />{tr(i18n, |i| t_string!(i, mod_messages.reported))}</label>
            <label class="choice"><input type="checkbox" bind:checked=deleted data-test="include-deleted" />{tr(i18n, |i| t_string!(i, mod_messages.deleted))}</label>
            <button type="submit" class="button" data-test="search">{tr(i18n, |i| t_string!(i, mod_messages.search))}</button>
        </form>
        <Transition fallback=move || view! { <p class="loading">{tr(i18n, |i| t_string!(i, mod_messages.searching))}</p> }>
            {move || results.get().map(|result| match result {
                Ok(found) if found.is_empty() => view! { <p class="muted" data-test="no-results">{tr(i18n, |i| t_string!(i, mod_messages.none))}</p> }.into_any(),
                Ok(found) => view! {
                    <table class="data-table" data-test="message-results">
                        <thead><tr><th>{tr(i18n, |i| t_string!(i, mod_messages.message))}</th><th>{tr(i18n, |i| t_string!(i, mod_messages.role))}</th><th>{tr(i18n, |i| t_string!(i, mod_messages.author))}</th><th>{tr(i18n, |i| t_string!(i, mod_messages.lang))}</th><th>{tr(i18n, |i| t_string!(i, mod_messages.review))}</th><th>{tr(i18n, |i| t_string!(i, mod_messages.tree))}</th><th>{tr(i18n, |i| t_string!(i, mod_messages.reports))}</th></tr></thead>
                        <tbody>
                            {found.into_iter().map(|item| {
                                let m = item.message;
                                let excerpt: String = m.text.chars().take(100).collect();
                                view! {
                                    <tr class:deleted=m.deleted data-test="message-row">
                                        <td><A href=format!("/moderation/messages/{}", m.message_id)>{excerpt}</A>
                                            {m.deleted.then(|| view! { " " <span class="badge rejected">{tr(i18n, |i| t_string!(i, mod_messages.deleted_badge))}</span> })}</td>
                                        <td>{role_name(i18n, m.role)}</td>
                                        <td>{m.author}</td>
                                        <td>{m.lang}</td>
                                        <td>{match m.review_result { None => t_string!(i18n, mod_messages.pending), Some(true) => t_string!(i18n, mod_messages.accepted), Some(false) => t_string!(i18n, mod_messages.rejected) }}</td>
                                        <td>{tree_state(i18n, item.tree_state)}</td>
                                        <td>{item.reports}</td>
                                    </tr>
                                }
                            }).collect_view()}
                        </tbody>
                    </table>
                    <div class="actions">
                        <button type="button" class="button secondary" disabled=move || page.get() == 0
                            on:click=move |_| { page.update(|p| *p = p.saturating_sub(1)); search(); }>{tr(i18n, |i| t_string!(i, mod_messages.newer))}</button>
                        <button type="button" class="button secondary"
                            on:click=move |_| { page.update(|p| *p += 1); search(); }>{tr(i18n, |i| t_string!(i, mod_messages.older))}</button>
                    </div>
                }.into_any(),
                Err(error) => view! { <ErrorNote error /> }.into_any(),
            })}
        </Transition>
    }
}
