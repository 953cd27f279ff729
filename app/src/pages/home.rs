//! The landing page: what Grove is and how to start.

use crate::{auth::use_auth, i18n::*, tr};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::{components::A, hooks::use_query_map};

#[component]
pub fn HomePage() -> impl IntoView {
    let i18n = use_i18n();
    let auth = use_auth();
    let query = use_query_map();
    let deleted = move || query.read().get("account").as_deref() == Some("deleted");
    let logged_in = move || auth.me.get().and_then(|me| me.ok().flatten()).is_some();

    view! {
        <Title text="" />
        <Show when=deleted>
            <div class="notice success" data-test="account-deleted">
                {tr(i18n, |i| t_string!(i, home.deleted))}
            </div>
        </Show>
        <section class="hero">
            <h1>{tr(i18n, |i| t_string!(i, home.headline))}</h1>
            <p class="lead">
                {tr(i18n, |i| t_string!(i, home.lead))}
            </p>
            <Suspense fallback=|| ()>
                {move || {
                    if logged_in() {
                        view! { <A href="/dashboard" attr:class="button">{tr(i18n, |i| t_string!(i, home.go_to_tasks))}</A> }.into_any()
                    } else {
                        view! {
                            <div class="actions">
                                <A href="/register" attr:class="button">{tr(i18n, |i| t_string!(i, home.join))}</A>
                                <A href="/login" attr:class="button secondary">{tr(i18n, |i| t_string!(i, home.log_in))}</A>
                            </div>
                        }
                            .into_any()
                    }
                }}
            </Suspense>
        </section>
        <section class="steps">
            <article class="card">
                <h2>{tr(i18n, |i| t_string!(i, home.write))}</h2>
                <p>{tr(i18n, |i| t_string!(i, home.write_text))}</p>
            </article>
            <article class="card">
                <h2>{tr(i18n, |i| t_string!(i, home.review))}</h2>
                <p>{tr(i18n, |i| t_string!(i, home.review_text))}</p>
            </article>
            <article class="card">
                <h2>{tr(i18n, |i| t_string!(i, home.rank))}</h2>
                <p>{tr(i18n, |i| t_string!(i, home.rank_text))}</p>
            </article>
        </section>
    }
}
