//! "My contributions": the user's messages with their review status, rank and tree, and their
//! quality checks: gold accuracy and, after the fact, what they missed and why.

use crate::{
    api::{messages::my_contributions, quality::my_gold_report},
    components::{
        conversation::role_name, feedback::ErrorNote, guard::RequireUser, label_text,
        reliability::interval, state_names::tree_state,
    },
};
use crate::{i18n::*, tr};
use domain::{
    label::{catalogue, Widget},
    quality::gold::{GoldOutcome, GoldReport},
    tree::view::Contribution,
};
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
    let checks = Resource::new(|| (), |()| my_gold_report());
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
                                <thead><tr><th>{tr(i18n, |i| t_string!(i, contributions.message))}</th><th>{tr(i18n, |i| t_string!(i, contributions.role))}</th><th>{tr(i18n, |i| t_string!(i, contributions.review))}</th><th>{tr(i18n, |i| t_string!(i, contributions.rank))}</th><th>{tr(i18n, |i| t_string!(i, contributions.tree))}</th><th>{tr(i18n, |i| t_string!(i, contributions.date))}</th></tr></thead>
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
            <Suspense fallback=|| ()>
                {move || checks.get().map(|result| match result {
                    Ok(report) => view! { <Checks report /> }.into_any(),
                    Err(error) => view! { <ErrorNote error /> }.into_any(),
                })}
            </Suspense>
        </RequireUser>
    }
}

/// A label value as the review form shows it.
fn value_text(i18n: crate::I18n, name: &str, value: Option<f64>) -> String {
    let Some(value) = value else {
        return "–".to_owned();
    };
    match catalogue::find(name).map(|spec| spec.widget) {
        Some(Widget::Likert) => format!("{}/5", (value * 4.0).round() as i64 + 1),
        _ if value >= 0.5 => t_string!(i18n, quality.yes).to_owned(),
        _ => t_string!(i18n, quality.no).to_owned(),
    }
}

/// The user's quality checks: accuracy with its interval, and each check, missed ones explained.
#[component]
fn Checks(report: GoldReport) -> impl IntoView {
    let i18n = use_i18n();
    view! {
        <section class="card" data-test="quality-checks">
            <h2>{tr(i18n, |i| t_string!(i, quality.checks_title))}</h2>
            <p class="hint">{tr(i18n, |i| t_string!(i, quality.checks_hint))}</p>
            {match report.accuracy {
                None => view! { <p class="notice" data-test="no-checks">{tr(i18n, |i| t_string!(i, quality.no_checks))}</p> }.into_any(),
                Some(accuracy) => view! {
                    <p data-test="gold-accuracy"><strong>{tr(i18n, |i| t_string!(i, quality.your_accuracy))}</strong> " " {interval(Some(accuracy))}</p>
                }.into_any(),
            }}
            <ul class="checks">
                {report.outcomes.into_iter().map(|outcome| view! { <Check outcome /> }).collect_view()}
            </ul>
        </section>
    }
}

#[component]
fn Check(outcome: GoldOutcome) -> impl IntoView {
    let i18n = use_i18n();
    let correct = outcome.correct;
    let orders = (!outcome.expected_order.is_empty()).then(|| {
        let show = |groups: Vec<Vec<String>>| {
            view! {
                <ol class="order">
                    {groups.into_iter().map(|group| view! { <li dir="auto">{group.join(" = ")}</li> }).collect_view()}
                </ol>
            }
        };
        view! {
            <div class="orders">
                <div><h4>{tr(i18n, |i| t_string!(i, quality.expected))}</h4>{show(outcome.expected_order.clone())}</div>
                <div><h4>{tr(i18n, |i| t_string!(i, quality.your_answer))}</h4>{show(outcome.given_order.clone())}</div>
            </div>
        }
    });
    let labels = (!outcome.labels.is_empty()).then(|| view! {
        <table class="data-table">
            <thead><tr><th>{tr(i18n, |i| t_string!(i, quality.label))}</th><th>{tr(i18n, |i| t_string!(i, quality.expected))}</th><th>{tr(i18n, |i| t_string!(i, quality.your_answer))}</th></tr></thead>
            <tbody>
                {outcome.labels.iter().map(|(name, want, got)| view! {
                    <tr>
                        <td>{label_text::display(i18n, name).unwrap_or(name.as_str()).to_owned()}</td>
                        <td>{value_text(i18n, name, Some(*want))}</td>
                        <td>{value_text(i18n, name, *got)}</td>
                    </tr>
                }).collect_view()}
            </tbody>
        </table>
    });
    view! {
        <li class="check" class:missed=!correct data-test=if correct { "check-right" } else { "check-missed" }>
            <p>
                <span class=if correct { "badge accepted" } else { "badge rejected" }>
                    {if correct { t_string!(i18n, quality.right) } else { t_string!(i18n, quality.missed) }}
                </span>
                " " <span class="muted">{outcome.answered_at.chars().take(10).collect::<String>()}</span>
            </p>
            <blockquote dir="auto">{outcome.excerpt.clone()}</blockquote>
            {(!correct).then(|| view! {
                {labels}
                {orders}
                {(!outcome.explanation.is_empty()).then(|| view! {
                    <p data-test="check-explanation"><strong>{tr(i18n, |i| t_string!(i, quality.why))}</strong> " " <span dir="auto">{outcome.explanation.clone()}</span></p>
                })}
            })}
        </li>
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
    // a removed message has no page to go to: say so instead of linking to nothing
    let message_cell = if message.deleted {
        view! {
            <td>
                <span class="muted">{excerpt}</span> " "
                <span class="badge rejected" data-test="removed">{tr(i18n, |i| t_string!(i, contributions.removed))}</span>
            </td>
        }
        .into_any()
    } else {
        view! { <td><A href=format!("/messages/{}", message.message_id)>{excerpt}</A></td> }
            .into_any()
    };
    view! {
        <tr data-test="contribution" data-deleted=message.deleted.to_string()>
            {message_cell}
            <td>{role_name(i18n, message.role)}</td>
            <td>{review}</td>
            <td>{message.rank.map_or_else(|| "–".to_owned(), |rank| format!("#{}", rank + 1))}</td>
            <td>{tree_state(i18n, item.tree_state)}</td>
            <td class="nowrap">{message.created_at.chars().take(10).collect::<String>()}</td>
        </tr>
    }
}
