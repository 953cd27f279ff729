//! The statistics page: messages and contributors per day, trees by state per language, what
//! each language still needs. Computed when the page loads.

use crate::{
    api::stats::load_statistics,
    components::state_names::tree_state,
    components::{chart::StackedBars, feedback::ErrorNote},
};
use crate::{i18n::*, tr};
use domain::{moderation::Statistics, tree::TreeState};
use leptos::prelude::*;
use leptos_meta::Title;
use std::collections::BTreeSet;

const STATE_COLOURS: [(TreeState, &str); 8] = [
    (TreeState::InitialPromptReview, "#ecc94b"),
    (TreeState::PromptLotteryWaiting, "#a0aec0"),
    (TreeState::Growing, "#68d391"),
    (TreeState::Ranking, "#4299e1"),
    (TreeState::ReadyForExport, "#276749"),
    (TreeState::AbortedLowGrade, "#e53e3e"),
    (TreeState::HaltedByModerator, "#805ad5"),
    (TreeState::BacklogRanking, "#dd6b20"),
];

#[component]
pub fn StatsPage() -> impl IntoView {
    let i18n = use_i18n();
    let stats = Resource::new(|| (), |()| load_statistics());
    view! {
        <Title text=move || t_string!(i18n, stats.title).to_string() />
        <h1>{tr(i18n, |i| t_string!(i, stats.title))}</h1>
        <Suspense fallback=move || view! { <p class="loading">{tr(i18n, |i| t_string!(i, common.loading))}</p> }>
            {move || stats.get().map(|result| match result {
                Ok(stats) => view! { <Charts stats /> }.into_any(),
                Err(error) => view! { <ErrorNote error /> }.into_any(),
            })}
        </Suspense>
    }
}

#[component]
fn Charts(stats: Statistics) -> impl IntoView {
    let i18n = use_i18n();
    let days: Vec<String> = stats
        .messages_per_day
        .iter()
        .map(|(d, _, _)| d.get(5..).unwrap_or(d).to_owned())
        .collect();
    let prompter: Vec<i64> = stats.messages_per_day.iter().map(|(_, p, _)| *p).collect();
    let assistant: Vec<i64> = stats.messages_per_day.iter().map(|(_, _, a)| *a).collect();
    let contributor_days: Vec<String> = stats
        .contributors_per_day
        .iter()
        .map(|(d, _)| d.get(5..).unwrap_or(d).to_owned())
        .collect();
    let contributors: Vec<i64> = stats.contributors_per_day.iter().map(|(_, c)| *c).collect();
    let langs: Vec<String> = stats
        .trees_by_state
        .iter()
        .map(|(l, _, _)| l.clone())
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    let by_state = STATE_COLOURS
        .iter()
        .map(|(state, colour)| {
            let values = langs
                .iter()
                .map(|lang| {
                    stats
                        .trees_by_state
                        .iter()
                        .filter(|(l, s, _)| l == lang && s == state)
                        .map(|(_, _, n)| *n)
                        .sum()
                })
                .collect();
            (tree_state(i18n, *state).to_owned(), *colour, values)
        })
        .collect();
    let backlog_langs: Vec<String> = stats.backlog.iter().map(|(l, _, _)| l.clone()).collect();
    let reviews: Vec<i64> = stats.backlog.iter().map(|(_, r, _)| *r).collect();
    let rankings: Vec<i64> = stats.backlog.iter().map(|(_, _, k)| *k).collect();
    view! {
        <p class="muted">{t!(i18n, stats.computed_at, time = stats.generated_at.chars().take(19).collect::<String>().replace('T', " "))}</p>
        <div class="charts" data-test="charts">
            <StackedBars title=t_string!(i18n, stats.messages_per_day) labels=days
                series=vec![(t_string!(i18n, stats.user).to_owned(), "#4299e1", prompter), (t_string!(i18n, stats.assistant).to_owned(), "#38a169", assistant)] />
            <StackedBars title=t_string!(i18n, stats.contributors_per_day) labels=contributor_days
                series=vec![(t_string!(i18n, stats.contributors).to_owned(), "#805ad5", contributors)] />
            <StackedBars title=t_string!(i18n, stats.trees_by_state) labels=langs series=by_state />
            <StackedBars title=t_string!(i18n, stats.backlog) labels=backlog_langs
                series=vec![(t_string!(i18n, stats.reviews).to_owned(), "#ecc94b", reviews), (t_string!(i18n, stats.rankings).to_owned(), "#dd6b20", rankings)] />
        </div>
    }
}
