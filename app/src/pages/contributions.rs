//! "My contributions": the user's messages with their review status, rank and tree.

use crate::{
    api::messages::my_contributions,
    components::{conversation::role_name, feedback::ErrorNote, guard::RequireUser},
};
use domain::tree::view::Contribution;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::A;

#[component]
pub fn ContributionsPage() -> impl IntoView {
    let pages = RwSignal::new(Vec::<Contribution>::new());
    let cursor = RwSignal::new(None::<String>);
    let more = RwSignal::new(true);
    let first = Resource::new(|| (), |()| my_contributions(None));
    let load_more = move |_| {
        let before = cursor.get_untracked();
        leptos::task::spawn_local(async move {
            if let Ok(next) = my_contributions(before).await {
                more.set(next.len() >= 50);
                cursor.set(next.last().map(|c| c.message.created_at.clone()));
                pages.update(|p| p.extend(next));
            }
        });
    };
    view! {
        <Title text="My contributions" />
        <RequireUser>
            <h1>"My contributions"</h1>
            <Suspense fallback=|| view! { <p class="loading">"Loading…"</p> }>
                {move || first.get().map(|result| match result {
                    Ok(items) => {
                        if items.is_empty() {
                            return view! { <p class="muted" data-test="no-contributions">"Nothing yet. " <A href="/dashboard">"Take a task"</A></p> }.into_any();
                        }
                        if cursor.get_untracked().is_none() {
                            more.set(items.len() >= 50);
                            cursor.set(items.last().map(|c| c.message.created_at.clone()));
                        }
                        view! {
                            <table class="contributions" data-test="contributions">
                                <thead><tr><th>"Message"</th><th>"Role"</th><th>"Review"</th><th>"Rank"</th><th>"Tree"</th></tr></thead>
                                <tbody>
                                    {items.into_iter().map(|item| view! { <Row item /> }).collect_view()}
                                    <For each=move || pages.get() key=|c| c.message.message_id let:item>
                                        <Row item />
                                    </For>
                                </tbody>
                            </table>
                            <Show when=move || more.get()>
                                <button type="button" class="button secondary" on:click=load_more>"Show older"</button>
                            </Show>
                        }.into_any()
                    }
                    Err(error) => view! { <ErrorNote error /> }.into_any(),
                })}
            </Suspense>
        </RequireUser>
    }
}

#[component]
fn Row(item: Contribution) -> impl IntoView {
    let message = item.message;
    let excerpt: String = message.text.chars().take(120).collect();
    let review = match message.review_result {
        None => format!("in review ({}/3)", message.review_count),
        Some(true) => "accepted".to_owned(),
        Some(false) => "rejected".to_owned(),
    };
    view! {
        <tr data-test="contribution">
            <td><A href=format!("/messages/{}", message.message_id)>{excerpt}</A></td>
            <td>{role_name(message.role)}</td>
            <td>{review}</td>
            <td>{message.rank.map_or_else(|| "–".to_owned(), |rank| format!("#{}", rank + 1))}</td>
            <td>{item.tree_state.as_str().replace('_', " ")}</td>
        </tr>
    }
}
