//! How to write, review and rank well: the writing guidelines the dashboard and every task
//! page link to, in the reader's language.

use crate::{i18n::*, tr};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::A;

/// A catalogue text, chosen once the reader's locale is known.
type Text = fn(I18n) -> &'static str;

#[component]
pub fn GuidelinesPage() -> impl IntoView {
    let i18n = use_i18n();
    // heading, text and anchor (task pages link to their section)
    let sections: [(Text, Text, &str); 6] = [
        (
            |i| t_string!(i, guidelines.prompts_title),
            |i| t_string!(i, guidelines.prompts),
            "prompts",
        ),
        (
            |i| t_string!(i, guidelines.assistant_title),
            |i| t_string!(i, guidelines.assistant),
            "assistant",
        ),
        (
            |i| t_string!(i, guidelines.user_title),
            |i| t_string!(i, guidelines.user),
            "user",
        ),
        (
            |i| t_string!(i, guidelines.review_title),
            |i| t_string!(i, guidelines.review),
            "review",
        ),
        (
            |i| t_string!(i, guidelines.rank_title),
            |i| t_string!(i, guidelines.rank),
            "rank",
        ),
        (
            |i| t_string!(i, guidelines.quality_title),
            |i| t_string!(i, guidelines.quality),
            "quality",
        ),
    ];
    view! {
        <Title text=move || t_string!(i18n, guidelines.title).to_string() />
        <article class="card prose" data-test="guidelines">
            <h1>{tr(i18n, |i| t_string!(i, guidelines.title))}</h1>
            <p>{tr(i18n, |i| t_string!(i, guidelines.intro))}</p>
            {sections
                .into_iter()
                .map(|(title, text, id)| view! {
                    <section id=id>
                        <h2>{tr(i18n, title)}</h2>
                        <p>{tr(i18n, text)}</p>
                    </section>
                })
                .collect_view()}
            <p><A href="/dashboard" attr:class="button">{tr(i18n, |i| t_string!(i, message.gone_back))}</A></p>
        </article>
    }
}
