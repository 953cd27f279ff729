//! The users list: search and sort.

use super::ModerationPage;
use crate::{api::moderation::moderation_users, components::feedback::ErrorNote};
use domain::moderation::UserSort;
use leptos::prelude::*;
use leptos_router::components::A;

type UserQuery = (Option<String>, UserSort, u32);

#[component]
pub fn UsersPage() -> impl IntoView {
    let query = RwSignal::new((None::<String>, UserSort::Newest, 0u32));
    let users = Resource::new(
        move || query.get(),
        |(search, sort, page)| moderation_users(search, sort, page),
    );
    view! {
        <ModerationPage title="Users">
            <UserList query users />
        </ModerationPage>
    }
}

#[component]
fn UserList(
    query: RwSignal<UserQuery>,
    users: Resource<Result<Vec<domain::moderation::UserSummary>, crate::error::AppError>>,
) -> impl IntoView {
    let search = RwSignal::new(String::new());
    let sort = RwSignal::new(UserSort::Newest);
    let page = RwSignal::new(0u32);
    let run = move || {
        query.set((
            Some(search.get_untracked()).filter(|s| !s.trim().is_empty()),
            sort.get_untracked(),
            page.get_untracked(),
        ))
    };
    view! {
        <form class="filters card" on:submit=move |ev| { ev.prevent_default(); page.set(0); run(); }>
            <label class="grow">"Search" <input type="search" bind:value=search placeholder="username or display name" data-test="user-search" /></label>
            <label>"Sort"
                <select on:change=move |ev| {
                    sort.set(match event_target_value(&ev).as_str() {
                        "username" => UserSort::Username,
                        "display_name" => UserSort::DisplayName,
                        "most_messages" => UserSort::MostMessages,
                        _ => UserSort::Newest,
                    });
                    run();
                }>
                    <option value="newest">"newest"</option>
                    <option value="username">"username"</option>
                    <option value="display_name">"display name"</option>
                    <option value="most_messages">"most messages"</option>
                </select>
            </label>
            <button type="submit" class="button">"Search"</button>
        </form>
        <Transition fallback=|| view! { <p class="loading">"Loading…"</p> }>
            {move || users.get().map(|result| match result {
                Ok(users) => view! {
                    <table class="data-table" data-test="users">
                        <thead><tr><th>"Username"</th><th>"Display name"</th><th>"Role"</th><th>"State"</th><th>"Messages"</th><th>"Joined"</th></tr></thead>
                        <tbody>
                            {users.into_iter().map(|u| view! {
                                <tr>
                                    <td><A href=format!("/moderation/users/{}", u.id)>{u.username}</A></td>
                                    <td>{u.display_name}</td>
                                    <td>{u.role.as_str()}</td>
                                    <td>{if u.deleted { "deleted" } else if u.banned { "banned" } else { "active" }}</td>
                                    <td class="num">{u.messages}</td>
                                    <td>{u.created_at.chars().take(10).collect::<String>()}</td>
                                </tr>
                            }).collect_view()}
                        </tbody>
                    </table>
                    <div class="actions">
                        <button type="button" class="button secondary" disabled=move || page.get() == 0
                            on:click=move |_| { page.update(|p| *p = p.saturating_sub(1)); run(); }>"Previous"</button>
                        <button type="button" class="button secondary" on:click=move |_| { page.update(|p| *p += 1); run(); }>"Next"</button>
                    </div>
                }.into_any(),
                Err(error) => view! { <ErrorNote error /> }.into_any(),
            })}
        </Transition>
    }
}
