//! "My contributions": the user's messages with their review status, rank and tree.

use crate::{
    api::messages::my_contributions,
    components::{
        conversation::role_name, feedback::ErrorNote, guard::RequireUser, state_names::tree_state,
    },
};
use crate::{i18n::*, tr};
use domain::tree::view::Contribution;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::A;

#[component]
pub fn ContributionsPage() -> impl IntoView {
    let i18n = use_i18n();
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
        <Title text=move || t_string!(i18n, contributions.title).to_string() />
        <RequireUser>
            <h1>{tr(i18n, |i| t_string!(i, contributions.title))}</h1>
            <Suspense fallback=move || view! { <p class="loading">{tr(i18n, |i| t_string!(i, common.loading))}</p> }>
                {move || first.get().map(|result| match result {
                    Ok(items) => {
                        if items.is_empty() {
                            return view! { <p class="muted" data-test="no-contributions">{tr(i18n, |i| t_string!(i, contributions.nothing))} <A href="/dashboard">{tr(i18n, |i| t_string!(i, contributions.take_task))}</A></p> }.into_any();
                        }
                        if cursor.get_untracked().is_none() {
                            more.set(items.len() >= 50);
                            cursor.set(items.last().map(|c| c.message.created_at.clone()));
                        }
                        view! {
                            <table class="contributions" data-test="contributions">
                                <thead><tr><th>{tr(i18n, |i| t_string!(i, contributions.message))}</th><th>{tr(i18n, |i| t_string!(i, contributions.role))}</th><th>{tr(i18n, |i| t_string!(i, contributions.review))}</th><th>{tr(i18n, |i| t_string!(i, contributions.rank))}</th><th>{tr(i18n, |i| t_string!(i, contributions.tree))}</th></tr></thead>
                                <tbody>
                                    {items.into_iter().map(|item| view! { <Row item /> }).collect_view()}
                                    <For each=move || pages.get() key=|c| c.message.message_id let:item>
                                        <Row item />
                                    </For>
                                </tbody>
                            </table>
                            <Show when=move || more.get()>
                                <button type="button" class="button secondary" on:click=load_more>{tr(i18n, |i| t_string!(i, contributions.show_older))}</button>
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
    let i18n = use_i18n();
    let message = item.message;
    let excerpt: String = message.text.chars().take(120).collect();
    let review = match message.review_result {
        None => {
            let count = message.review_count;
            view! { {t!(i18n, contributions.in_review, count)} }.into_any()
        }
        Some(true) => view! { {tr(i18n, |i| t_string!(i, contributions.accepted))} }.into_any(),
        Some(false) => view! { {tr(i18n, |i| t_string!(i, contributions.rejected))} }.into_any(),
    };
    view! {
        <tr data-test="contribution">
            <td><A href=format!("/messages/{}", message.message_id)>{excerpt}</A></td>
            <td>{role_name(i18n, message.role)}</td>
            <td>{review}</td>
            <td>{message.rank.map_or_else(|| "–".to_owned(), |rank| format!("#{}", rank + 1))}</td>
            <td>{tree_state(i18n, item.tree_state)}</td>
        </tr>
    }
}
