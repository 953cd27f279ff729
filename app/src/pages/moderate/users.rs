//! The users list: search and sort.

use super::ModerationPage;
use crate::{api::moderation::moderation_users, components::feedback::ErrorNote};
use crate::{i18n::*, tr};
use domain::moderation::UserSort;
use leptos::prelude::*;
use leptos_router::components::A;

type UserQuery = (Option<String>, UserSort, u32);

#[component]
pub fn UsersPage() -> impl IntoView {
    let i18n = use_i18n();
    let query = RwSignal::new((None::<String>, UserSort::Newest, 0u32));
    let users = Resource::new(
        move || query.get(),
        |(search, sort, page)| moderation_users(search, sort, page),
    );
    view! {
        <ModerationPage title=t_string!(i18n, mod_users.title)>
            <UserList query users />
        </ModerationPage>
    }
}

#[component]
fn UserList(
    query: RwSignal<UserQuery>,
    users: Resource<Result<Vec<domain::moderation::UserSummary>, crate::error::AppError>>,
) -> impl IntoView {
    let i18n = use_i18n();
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
            <label class="grow">{tr(i18n, |i| t_string!(i, mod_users.search))} <input type="search" bind:value=search placeholder=tr(i18n, |i| t_string!(i, mod_users.search_placeholder)) data-test="user-search" /></label>
            <label>{tr(i18n, |i| t_string!(i, mod_users.sort))}
                <select on:change=move |ev| {
                    sort.set(match event_target_value(&ev).as_str() {
                        "username" => UserSort::Username,
                        "display_name" => UserSort::DisplayName,
                        "most_messages" => UserSort::MostMessages,
                        _ => UserSort::Newest,
                    });
                    run();
                }>
                    <option value="newest">{tr(i18n, |i| t_string!(i, mod_users.newest))}</option>
                    <option value="username">{tr(i18n, |i| t_string!(i, mod_users.username))}</option>
                    <option value="display_name">{tr(i18n, |i| t_string!(i, mod_users.display_name))}</option>
                    <option value="most_messages">{tr(i18n, |i| t_string!(i, mod_users.most_messages))}</option>
                </select>
            </label>
            <button type="submit" class="button">{tr(i18n, |i| t_string!(i, mod_users.search))}</button>
        </form>
        <Transition fallback=move || view! { <p class="loading">{tr(i18n, |i| t_string!(i, common.loading))}</p> }>
            {move || users.get().map(|result| match result {
                Ok(users) => view! {
                    <table class="data-table" data-test="users">
                        <thead><tr><th>{tr(i18n, |i| t_string!(i, mod_users.username_col))}</th><th>{tr(i18n, |i| t_string!(i, mod_users.display_name_col))}</th><th>{tr(i18n, |i| t_string!(i, mod_users.role))}</th><th>{tr(i18n, |i| t_string!(i, mod_users.state))}</th><th>{tr(i18n, |i| t_string!(i, mod_users.messages))}</th><th>{tr(i18n, |i| t_string!(i, mod_users.joined))}</th></tr></thead>
                        <tbody>
                            {users.into_iter().map(|u| view! {
                                <tr>
                                    <td><A href=format!("/moderation/users/{}", u.id)>{u.username}</A></td>
                                    <td>{u.display_name}</td>
                                    <td>{u.role.as_str()}</td>
                                    <td>{if u.deleted { t_string!(i18n, mod_users.deleted) } else if u.banned { t_string!(i18n, mod_users.banned) } else { t_string!(i18n, mod_users.active) }}</td>
                                    <td class="num">{u.messages}</td>
                                    <td>{u.created_at.chars().take(10).collect::<String>()}</td>
                                </tr>
                            }).collect_view()}
                        </tbody>
                    </table>
                    <div class="actions">
                        <button type="button" class="button secondary" disabled=move || page.get() == 0
                            on:click=move |_| { page.update(|p| *p = p.saturating_sub(1)); run(); }>{tr(i18n, |i| t_string!(i, mod_users.previous))}</button>
                        <button type="button" class="button secondary" on:click=move |_| { page.update(|p| *p += 1); run(); }>{tr(i18n, |i| t_string!(i, mod_users.next))}</button>
                    </div>
                }.into_any(),
                Err(error) => view! { <ErrorNote error /> }.into_any(),
            })}
        </Transition>
    }
}
