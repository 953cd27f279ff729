//! The report queue: filter, take, resolve with an outcome.

use super::ModerationPage;
use crate::components::state_names::report_outcome;
use crate::{
    api::moderation::{moderation_assign_report, moderation_reports, moderation_resolve_report},
    components::feedback::ErrorNote,
    error::AppError,
};
use crate::{i18n::*, tr};
use domain::moderation::{ReportOutcome, ReportStatus, ReportView};
use leptos::{prelude::*, task::spawn_local};
use leptos_router::components::A;

#[component]
pub fn ReportsPage() -> impl IntoView {
    let i18n = use_i18n();
    // unresolved by default: a report just taken stays in view
    let status = RwSignal::new("unresolved".to_owned());
    let mine = RwSignal::new(false);
    let version = RwSignal::new(0u32);
    let reports = Resource::new(
        move || (status.get(), mine.get(), version.get()),
        |(status, mine, _)| moderation_reports(Some(status), mine, 0),
    );
    let reload = Callback::new(move |()| version.update(|v| *v += 1));
    view! {
        <ModerationPage title=t_string!(i18n, mod_reports.title)>
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
    let i18n = use_i18n();
    view! {
        <div class="filters card">
            <label>{tr(i18n, |i| t_string!(i, mod_reports.status))}
                <select data-test="report-status" on:change=move |ev| status.set(event_target_value(&ev))>
                    <option value="unresolved">{tr(i18n, |i| t_string!(i, mod_reports.unresolved))}</option>
                    <option value="open">{tr(i18n, |i| t_string!(i, mod_reports.open))}</option>
                    <option value="assigned">{tr(i18n, |i| t_string!(i, mod_reports.assigned))}</option>
                    <option value="resolved">{tr(i18n, |i| t_string!(i, mod_reports.resolved))}</option>
                    <option value="all">{tr(i18n, |i| t_string!(i, mod_reports.all))}</option>
                </select>
            </label>
            <label class="choice"><input type="checkbox" bind:checked=mine />{tr(i18n, |i| t_string!(i, mod_reports.mine))}</label>
        </div>
        <Transition fallback=move || view! { <p class="loading">{tr(i18n, |i| t_string!(i, common.loading))}</p> }>
            {move || reports.get().map(|result| match result {
                Ok(reports) if reports.is_empty() => view! { <p class="muted" data-test="no-reports">{tr(i18n, |i| t_string!(i, mod_reports.none))}</p> }.into_any(),
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
    let i18n = use_i18n();
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
            done(
                moderation_resolve_report(id, outcome.get_untracked(), note)
                    .await
                    .map(|_| ()),
            )
        })
    };
    let open = report.status != ReportStatus::Resolved;
    let takeable = open && !report.assigned_to_me;
    let status_text = move || match report.status {
        ReportStatus::Open => t_string!(i18n, mod_reports.open),
        ReportStatus::Assigned => t_string!(i18n, mod_reports.assigned),
        ReportStatus::Resolved => t_string!(i18n, mod_reports.resolved),
    };
    view! {
        <article class="card report" data-test="report" data-status=report.status.as_str() data-mine=report.assigned_to_me.to_string()>
            <header class="message-meta">
                <span class="badge">{status_text}</span>
                <span>{t!(i18n, mod_reports.reported_by, reporter = report.reporter.clone())}</span>
                {report.assigned_to.clone().map(|who| view! { <span class="muted">{t!(i18n, mod_reports.taken_by, moderator = who.clone())}</span> })}
                <span class="muted">{report.created_at.chars().take(16).collect::<String>().replace('T', " ")}</span>
            </header>
            <p class="report-reason" data-test="report-reason">{report.reason.clone()}</p>
            <blockquote>
                <A href=format!("/moderation/messages/{}", report.message_id)>{report.message_excerpt.clone()}</A>
                {report.message_deleted.then(|| view! { " " <span class="badge rejected">{tr(i18n, |i| t_string!(i, mod_reports.deleted))}</span> })}
            </blockquote>
            {report.outcome.map(|o| view! { <p data-test="report-outcome">{tr(i18n, |i| t_string!(i, mod_reports.outcome))}{report_outcome(i18n, o)}
                {report.resolution_note.clone().map(|n| format!(" ({n})"))}</p> })}
            {move || error.get().map(|error| view! { <ErrorNote error /> })}
            {open.then(|| view! {
                <div class="actions">
                    {takeable.then(|| view! {
                        <button type="button" class="button secondary small" data-test="take-report" on:click=take>{tr(i18n, |i| t_string!(i, mod_reports.take))}</button>
                    })}
                    <select data-test="outcome" aria-label=tr(i18n, |i| t_string!(i, mod_reports.outcome)) on:change=move |ev| {
                        if let Ok(o) = ReportOutcome::parse(&event_target_value(&ev)) { outcome.set(o) }
                    }>
                        {ReportOutcome::ALL.into_iter().map(|o| view! {
                            <option value=o.as_str() selected=o == ReportOutcome::NoAction>{report_outcome(i18n, o)}</option>
                        }).collect_view()}
                    </select>
                    <input placeholder=tr(i18n, |i| t_string!(i, mod_reports.note)) bind:value=note />
                    <button type="button" class="button small" data-test="resolve-report" on:click=resolve>{tr(i18n, |i| t_string!(i, mod_reports.resolve))}</button>
                </div>
                <Show when=move || outcome.get() == ReportOutcome::ContentRemoved>
                    <p class="hint" data-test="removes-hint">{tr(i18n, |i| t_string!(i, mod_reports.removes))}</p>
                </Show>
            })}
        </article>
    }
}
