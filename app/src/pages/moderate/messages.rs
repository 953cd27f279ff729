//! Message search: full text in the message's language, filters by language, review state,
//! tree state, author, dates and reports.

use super::ModerationPage;
use crate::{
    api::moderation::moderation_messages,
    components::{conversation::role_name, feedback::ErrorNote},
};
use domain::moderation::MessageFilter;
use leptos::prelude::*;
use leptos_router::components::A;

#[component]
pub fn MessagesPage() -> impl IntoView {
    let submitted = RwSignal::new(MessageFilter::default());
    let results = Resource::new(move || submitted.get(), moderation_messages);
    view! {
        <ModerationPage title="Messages">
            <MessageSearch submitted results />
        </ModerationPage>
    }
}

#[component]
fn MessageSearch(
    submitted: RwSignal<MessageFilter>,
    results: Resource<Result<Vec<domain::moderation::ModeratedMessage>, crate::error::AppError>>,
) -> impl IntoView {
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
            <label class="grow">"Search text" <input type="search" bind:value=query data-test="search-query" placeholder="words, \"a phrase\", -excluded" /></label>
            <label>"Language" <input bind:value=lang placeholder="en" size="5" data-test="search-lang" /></label>
            <label>"Review"
                <select on:change=move |ev| review.set(event_target_value(&ev))>
                    <option value="">"any"</option>
                    <option value="pending">"in review"</option>
                    <option value="accepted">"accepted"</option>
                    <option value="rejected">"rejected"</option>
                </select>
            </label>
            <label>"Author" <input bind:value=author placeholder="username" size="12" /></label>
            <label>"From" <input type="date" bind:value=from /></label>
            <label>"To" <input type="date" bind:value=to /></label>
            <label class="choice"><input type="checkbox" bind:checked=reported />"Reported only"</label>
            <label class="choice"><input type="checkbox" bind:checked=deleted data-test="include-deleted" />"Include deleted"</label>
            <button type="submit" class="button" data-test="search">"Search"</button>
        </form>
        <Transition fallback=|| view! { <p class="loading">"Searching…"</p> }>
            {move || results.get().map(|result| match result {
                Ok(found) if found.is_empty() => view! { <p class="muted" data-test="no-results">"No messages match."</p> }.into_any(),
                Ok(found) => view! {
                    <table class="data-table" data-test="message-results">
                        <thead><tr><th>"Message"</th><th>"Role"</th><th>"Author"</th><th>"Lang"</th><th>"Review"</th><th>"Tree"</th><th>"Reports"</th></tr></thead>
                        <tbody>
                            {found.into_iter().map(|item| {
                                let m = item.message;
                                let excerpt: String = m.text.chars().take(100).collect();
                                view! {
                                    <tr class:deleted=m.deleted data-test="message-row">
                                        <td><A href=format!("/moderation/messages/{}", m.message_id)>{excerpt}</A>
                                            {m.deleted.then(|| view! { " " <span class="badge rejected">"deleted"</span> })}</td>
                                        <td>{role_name(m.role)}</td>
                                        <td>{m.author}</td>
                                        <td>{m.lang}</td>
                                        <td>{match m.review_result { None => "pending", Some(true) => "accepted", Some(false) => "rejected" }}</td>
                                        <td>{item.tree_state.as_str().replace('_', " ")}</td>
                                        <td>{item.reports}</td>
                                    </tr>
                                }
                            }).collect_view()}
                        </tbody>
                    </table>
                    <div class="actions">
                        <button type="button" class="button secondary" disabled=move || page.get() == 0
                            on:click=move |_| { page.update(|p| *p = p.saturating_sub(1)); search(); }>"Newer"</button>
                        <button type="button" class="button secondary"
                            on:click=move |_| { page.update(|p| *p += 1); search(); }>"Older"</button>
                    </div>
                }.into_any(),
                Err(error) => view! { <ErrorNote error /> }.into_any(),
            })}
        </Transition>
    }
}
