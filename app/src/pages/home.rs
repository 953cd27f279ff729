//! The landing page: what Grove is and how to start.

use crate::auth::use_auth;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::{components::A, hooks::use_query_map};

#[component]
pub fn HomePage() -> impl IntoView {
    let auth = use_auth();
    let query = use_query_map();
    let deleted = move || query.read().get("account").as_deref() == Some("deleted");
    let logged_in = move || auth.me.get().and_then(|me| me.ok().flatten()).is_some();

    view! {
        <Title text="" />
        <Show when=deleted>
            <div class="notice success" data-test="account-deleted">
                "Your account was deleted. Your contributions stay in the dataset without your name."
            </div>
        </Show>
        <section class="hero">
            <h1>"Grow conversations that teach models to help."</h1>
            <p class="lead">
                "Grove collects human feedback for aligning language models. Volunteers write prompts and replies, review each other's messages and rank answers; the result is an open dataset and reward models anyone can train on."
            </p>
            <Suspense fallback=|| ()>
                {move || {
                    if logged_in() {
                        view! { <A href="/dashboard" attr:class="button">"Go to your tasks"</A> }.into_any()
                    } else {
                        view! {
                            <div class="actions">
                                <A href="/register" attr:class="button">"Join Grove"</A>
                                <A href="/login" attr:class="button secondary">"Log in"</A>
                            </div>
                        }
                            .into_any()
                    }
                }}
            </Suspense>
        </section>
        <section class="steps">
            <article class="card">
                <h2>"Write"</h2>
                <p>"Start a conversation with a prompt, answer as the assistant, or continue as the user. Every message becomes a branch of a conversation tree."</p>
            </article>
            <article class="card">
                <h2>"Review"</h2>
                <p>"Label other volunteers' messages: spam, wrong language, quality. Three reviews decide whether a message stays."</p>
            </article>
            <article class="card">
                <h2>"Rank"</h2>
                <p>"Order sibling replies from best to worst. Rankings are merged into a consensus that trains reward models."</p>
            </article>
        </section>
    }
}
