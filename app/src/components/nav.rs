//! The navigation bar: sections for everyone, moderation for moderators, account links.

use crate::{auth::Auth, i18n::*, tr};
use domain::account::Role;
use leptos::prelude::*;
use leptos_router::components::A;

#[component]
pub fn NavBar(auth: Auth) -> impl IntoView {
    let i18n = use_i18n();
    let menu_open = RwSignal::new(false);
    let user = move || auth.me.get().and_then(|me| me.ok().flatten());

    view! {
        <header class="nav">
            <A href="/" attr:class="brand">
                <img class="brand-mark" src="/favicon.svg" alt="" width="28" height="28" />
                "Grove"
            </A>
            <button
                class="nav-toggle"
                aria-label=tr(i18n, |i| t_string!(i, nav.menu))
                aria-expanded=move || menu_open.get().to_string()
                on:click=move |_| menu_open.update(|open| *open = !*open)
            >
                "☰"
            </button>
            <nav class="nav-links" class:open=move || menu_open.get() on:click=move |_| menu_open.set(false)>
                <A href="/dashboard">{tr(i18n, |i| t_string!(i, nav.tasks))}</A>
                <A href="/contributions">{tr(i18n, |i| t_string!(i, nav.contributions))}</A>
                <A href="/leaderboard">{tr(i18n, |i| t_string!(i, nav.leaderboard))}</A>
                <A href="/stats">{tr(i18n, |i| t_string!(i, nav.stats))}</A>
                <Transition fallback=|| ()>
                    {move || {
                        user()
                            .filter(|u| u.role.at_least(Role::Moderator))
                            .map(|_| view! { <A href="/moderation">{tr(i18n, |i| t_string!(i, nav.moderation))}</A> })
                    }}
                </Transition>
                <span class="nav-spacer"></span>
                <Transition fallback=|| ()>
                    {move || match user() {
                        Some(user) => {
                            view! {
                                <A href="/account" attr:data-test="nav-account">
                                    {tr(i18n, |i| t_string!(i, nav.account))}
                                    <span data-test="nav-username">{user.display_name}</span>
                                </A>
                                <ActionForm action=auth.log_out attr:class="inline-form">
                                    <button type="submit" class="link-button" data-test="logout">
                                        {tr(i18n, |i| t_string!(i, nav.log_out))}
                                    </button>
                                </ActionForm>
                            }
                                .into_any()
                        }
                        None => {
                            view! {
                                <A href="/login">{tr(i18n, |i| t_string!(i, nav.log_in))}</A>
                                <A href="/register" attr:class="button small">{tr(i18n, |i| t_string!(i, nav.join))}</A>
                            }
                                .into_any()
                        }
                    }}
                </Transition>
            </nav>
        </header>
    }
}
