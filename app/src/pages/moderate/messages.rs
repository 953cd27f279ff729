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

/// The search is the page's URL (`?q=…&lang=…&page=…`): a search can be bookmarked or
/// shared, a reload keeps it, and Back returns to the one before.
#[component]
pub fn MessagesPage() -> impl IntoView {
    let i18n = use_i18n();
    let query = leptos_router::hooks::use_query_map();
    let submitted = Memo::new(move |_| query.with(|q| MessageFilter::from_query(|key| q.get(key))));
    let results = Resource::new(move || submitted.get(), moderation_messages);
    view! {
        <ModerationPage title=t_string!(i18n, mod_messages.title)>
            <MessageSearch submitted results />
        </ModerationPage>
    }
}

#[component]
fn MessageSearch(
    submitted: Memo<MessageFilter>,
    results: Resource<Result<Vec<domain::moderation::ModeratedMessage>, crate::error::AppError>>,
) -> impl IntoView {
    let i18n = use_i18n();
    let navigate = StoredValue::new(leptos_router::hooks::use_navigate());
    let shown = submitted.get_untracked();
    let field = |value: &Option<String>| RwSignal::new(value.clone().unwrap_or_default());
    let query = field(&shown.query);
    let lang = field(&shown.lang);
    let review = field(&shown.review);
    let author = field(&shown.author);
    let from = field(&shown.from);
    let to = field(&shown.to);
    let reported = RwSignal::new(shown.reported_only);
    let deleted = RwSignal::new(shown.include_deleted);
    // Back and Forward change the URL: the form follows
    Effect::new(move |_| {
        let shown = submitted.get();
        let set =
            |signal: RwSignal<String>, value: Option<String>| signal.set(value.unwrap_or_default());
        set(query, shown.query);
        set(lang, shown.lang);
        set(review, shown.review);
        set(author, shown.author);
        set(from, shown.from);
        set(to, shown.to);
        reported.set(shown.reported_only);
        deleted.set(shown.include_deleted);
    });
    let go = move |filter: MessageFilter| {
        // the search shown again: fetched anew (the URL stays)
        if filter == submitted.get_untracked() {
            results.refetch();
            return;
        }
        let link = filter.to_query(leptos_router::location::Url::escape);
        navigate.with_value(|navigate| {
            navigate(&format!("/moderation/messages{link}"), Default::default())
        });
    };
    let search = move || {
        let text = |s: RwSignal<String>| Some(s.get_untracked()).filter(|v| !v.trim().is_empty());
        go(MessageFilter {
            query: text(query),
            lang: text(lang),
            review: text(review),
            tree_state: submitted.get_untracked().tree_state,
            author: text(author),
            from: text(from),
            to: text(to),
            reported_only: reported.get_untracked(),
            include_deleted: deleted.get_untracked(),
            page: 0,
        });
    };
    // the pages of the search shown (not of what was typed since)
    let turn = move |forward: bool| {
        let mut filter = submitted.get_untracked();
        filter.page = if forward {
            filter.page.saturating_add(1)
        } else {
            filter.page.saturating_sub(1)
        };
        go(filter);
    };
    view! {
        <form class="filters card" data-test="message-filters" on:submit=move |ev| { ev.prevent_default(); search(); }>
            <label class="grow">{tr(i18n, |i| t_string!(i, mod_messages.search_text))} <input type="search" bind:value=query data-test="search-query" placeholder=tr(i18n, |i| t_string!(i, mod_messages.search_placeholder)) /></label>
            <label>{tr(i18n, |i| t_string!(i, mod_messages.language))} <input bind:value=lang placeholder="en" size="5" data-test="search-lang" /></label>
            <label>{tr(i18n, |i| t_string!(i, mod_messages.review))}
                <select prop:value=move || review.get() on:change=move |ev| review.set(event_target_value(&ev))>
                    <option value="" selected=move || review.get().is_empty()>{tr(i18n, |i| t_string!(i, mod_messages.any))}</option>
                    <option value="pending" selected=move || review.get() == "pending">{tr(i18n, |i| t_string!(i, mod_messages.pending))}</option>
                    <option value="accepted" selected=move || review.get() == "accepted">{tr(i18n, |i| t_string!(i, mod_messages.accepted))}</option>
                    <option value="rejected" selected=move || review.get() == "rejected">{tr(i18n, |i| t_string!(i, mod_messages.rejected))}</option>
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
                        <button type="button" class="button secondary" disabled=move || submitted.get().page == 0
                            on:click=move |_| turn(false)>{tr(i18n, |i| t_string!(i, mod_messages.newer))}</button>
                        <button type="button" class="button secondary"
                            on:click=move |_| turn(true)>{tr(i18n, |i| t_string!(i, mod_messages.older))}</button>
                    </div>
                }.into_any(),
                Err(error) => view! { <ErrorNote error /> }.into_any(),
            })}
        </Transition>
    }
}
