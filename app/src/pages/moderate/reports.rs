//! The report queue: filter, take, resolve with an outcome.

use super::ModerationPage;
use crate::{
    api::moderation::{moderation_assign_report, moderation_reports, moderation_resolve_report},
    components::feedback::ErrorNote,
    error::AppError,
};
use domain::moderation::{ReportOutcome, ReportView};
use leptos::{prelude::*, task::spawn_local};
use leptos_router::components::A;

#[component]
pub fn ReportsPage() -> impl IntoView {
    let status = RwSignal::new("open".to_owned());
    let mine = RwSignal::new(false);
    let version = RwSignal::new(0u32);
    let reports = Resource::new(
        move || (status.get(), mine.get(), version.get()),
        |(status, mine, _)| moderation_reports(Some(status).filter(|s| !s.is_empty()), mine, 0),
    );
    let reload = Callback::new(move |()| version.update(|v| *v += 1));
    view! {
        <ModerationPage title="Reports">
            <Queue status mine reports reload />
        </ModerationPage>
    }
}

#[component]
fn Queue(
    status: RwSignal<String>,
    mine: RwSignal<bool>,
    reports: Resource<Result<Vec<ReportView>, AppError>>,
    reload: Callback<()>,
) -> impl IntoView {
    view! {
        <div class="filters card">
            <label>"Status"
                <select data-test="report-status" on:change=move |ev| status.set(event_target_value(&ev))>
                    <option value="open">"open"</option>
                    <option value="assigned">"assigned"</option>
                    <option value="resolved">"resolved"</option>
                    <option value="">"all"</option>
                </select>
            </label>
            <label class="choice"><input type="checkbox" bind:checked=mine />"Assigned to me"</label>
        </div>
        <Transition fallback=|| view! { <p class="loading">"Loading…"</p> }>
            {move || reports.get().map(|result| match result {
                Ok(reports) if reports.is_empty() => view! { <p class="muted" data-test="no-reports">"No reports here."</p> }.into_any(),
                Ok(reports) => view! {
                    <div class="report-list">
                        {reports.into_iter().map(|report| view! { <ReportCard report reload /> }).collect_view()}
                    </div>
                }.into_any(),
                Err(error) => view! { <ErrorNote error /> }.into_any(),
            })}
        </Transition>
    }
}

#[component]
fn ReportCard(report: ReportView, reload: Callback<()>) -> impl IntoView {
    let id = report.report_id;
    let outcome = RwSignal::new(ReportOutcome::NoAction);
    let note = RwSignal::new(String::new());
    let error = RwSignal::new(None::<AppError>);
    let done = move |result: Result<(), AppError>| match result {
        Ok(()) => reload.run(()),
        Err(e) => error.set(Some(e)),
    };
    let take = move |_| spawn_local(async move { done(moderation_assign_report(id).await) });
    let resolve = move |_| {
        spawn_local(async move {
            let note = Some(note.get_untracked()).filter(|n| !n.trim().is_empty());
            done(moderation_resolve_report(id, outcome.get_untracked(), note).await)
        })
    };
    let open = report.status != "resolved";
    view! {
        <article class="card report" data-test="report" data-status=report.status.clone()>
            <header class="message-meta">
                <span class="badge">{report.status.clone()}</span>
                <span>{format!("reported by {}", report.reporter)}</span>
                {report.assigned_to.clone().map(|who| view! { <span class="muted">{format!("· taken by {who}")}</span> })}
                <span class="muted">{report.created_at.chars().take(16).collect::<String>().replace('T', " ")}</span>
            </header>
            <p class="report-reason" data-test="report-reason">{report.reason.clone()}</p>
            <blockquote>
                <A href=format!("/moderation/messages/{}", report.message_id)>{report.message_excerpt.clone()}</A>
                {report.message_deleted.then(|| view! { " " <span class="badge rejected">"deleted"</span> })}
            </blockquote>
            {report.outcome.map(|o| view! { <p data-test="report-outcome">{format!("Outcome: {}", o.as_str().replace('_', " "))}
                {report.resolution_note.clone().map(|n| format!(" ({n})"))}</p> })}
            {move || error.get().map(|error| view! { <ErrorNote error /> })}
            {open.then(|| view! {
                <div class="actions">
                    <button type="button" class="button secondary small" data-test="take-report" on:click=take>"Take"</button>
                    <select data-test="outcome" on:change=move |ev| {
                        if let Ok(o) = ReportOutcome::parse(&event_target_value(&ev)) { outcome.set(o) }
                    }>
                        {ReportOutcome::ALL.into_iter().map(|o| view! {
                            <option value=o.as_str() selected=o == ReportOutcome::NoAction>{o.as_str().replace('_', " ")}</option>
                        }).collect_view()}
                    </select>
                    <input placeholder="note (optional)" bind:value=note />
                    <button type="button" class="button small" data-test="resolve-report" on:click=resolve>"Resolve"</button>
                </div>
            })}
        </article>
    }
}
