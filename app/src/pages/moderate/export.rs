//! Dataset exports from the dashboard: choose the format and filters, start, watch the
//! progress, download the gzip file.

use super::ModerationPage;
use crate::{
    api::moderation::{moderation_export_jobs, moderation_export_start},
    components::feedback::ErrorNote,
    error::AppError,
};
use domain::moderation::{ExportJobView, ExportQuery};
use leptos::{prelude::*, task::spawn_local};
use std::time::Duration;

#[component]
pub fn ExportPage() -> impl IntoView {
    let version = RwSignal::new(0u32);
    let jobs = Resource::new(move || version.get(), |_| moderation_export_jobs());
    view! {
        <ModerationPage title="Export the dataset">
            <ExportForm version />
            <JobList jobs version />
        </ModerationPage>
    }
}

#[component]
fn ExportForm(version: RwSignal<u32>) -> impl IntoView {
    let format = RwSignal::new("trees".to_owned());
    let states = RwSignal::new("ready_for_export".to_owned());
    let langs = RwSignal::new(String::new());
    let include_deleted = RwSignal::new(false);
    let include_spam = RwSignal::new(false);
    let include_synthetic = RwSignal::new(false);
    let prompts_only = RwSignal::new(false);
    let split = RwSignal::new(String::new());
    let error = RwSignal::new(None::<AppError>);
    let start = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let query = ExportQuery {
            format: format.get_untracked(),
            states: Some(states.get_untracked()),
            langs: Some(langs.get_untracked()),
            include_deleted: include_deleted.get_untracked(),
            include_spam: include_spam.get_untracked(),
            include_synthetic: include_synthetic.get_untracked(),
            prompts_only: prompts_only.get_untracked(),
            split: Some(split.get_untracked()).filter(|s| !s.is_empty()),
            ..ExportQuery::default()
        };
        spawn_local(async move {
            match moderation_export_start(query).await {
                Ok(_) => {
                    error.set(None);
                    version.update(|v| *v += 1);
                }
                Err(e) => error.set(Some(e)),
            }
        });
    };
    view! {
        <form class="card filters" data-test="export-form" on:submit=start>
            <label>"Format"
                <select data-test="export-format" on:change=move |ev| format.set(event_target_value(&ev))>
                    <option value="trees">"trees (oasst JSONL)"</option>
                    <option value="messages">"messages (flat)"</option>
                    <option value="pairs">"preference pairs"</option>
                    <option value="pairs_chat">"preference pairs, chat form"</option>
                    <option value="sft">"SFT threads"</option>
                </select>
            </label>
            <label>"Tree states" <input data-test="export-states" bind:value=states placeholder="ready_for_export, or all" /></label>
            <label>"Languages" <input data-test="export-langs" bind:value=langs placeholder="all, or en,de" size="10" /></label>
            <label>"Split"
                <select on:change=move |ev| split.set(event_target_value(&ev))>
                    <option value="">"everything"</option>
                    <option value="train">"train (95%)"</option>
                    <option value="validation">"validation (5%)"</option>
                </select>
            </label>
            <label class="choice"><input type="checkbox" bind:checked=include_deleted />"deleted"</label>
            <label class="choice"><input type="checkbox" bind:checked=include_spam />"spam"</label>
            <label class="choice"><input type="checkbox" bind:checked=include_synthetic />"synthetic"</label>
            <label class="choice"><input type="checkbox" bind:checked=prompts_only />"prompts only"</label>
            <button type="submit" class="button" data-test="start-export">"Start export"</button>
        </form>
        {move || error.get().map(|error| view! { <ErrorNote error /> })}
        <p class="hint">"User ids are pseudonyms, the same within one export; no names or e-mail addresses leave Grove. The same exports are at "<code>"GET /api/v1/export"</code>" (API key with the export scope) and "<code>"grove export"</code>"."</p>
    }
}

#[component]
fn JobList(
    jobs: Resource<Result<Vec<ExportJobView>, AppError>>,
    version: RwSignal<u32>,
) -> impl IntoView {
    // while a job runs, look again every second
    Effect::new(move |_| {
        let running = jobs
            .get()
            .and_then(Result::ok)
            .is_some_and(|jobs| jobs.iter().any(|j| j.status == "running"));
        if running {
            set_timeout(move || version.update(|v| *v += 1), Duration::from_secs(1));
        }
    });
    view! {
        <Transition fallback=|| view! { <p class="loading">"Loading…"</p> }>
            {move || jobs.get().map(|result| match result {
                Ok(jobs) if jobs.is_empty() => view! { <p class="muted">"No exports yet."</p> }.into_any(),
                Ok(jobs) => view! {
                    <table class="data-table" data-test="export-jobs">
                        <thead><tr><th>"Started"</th><th>"Format"</th><th>"Progress"</th><th>"Records"</th><th>"File"</th></tr></thead>
                        <tbody>
                            {jobs.into_iter().map(|job| {
                                let percent = if job.trees_total > 0 { job.trees_done * 100 / job.trees_total } else { 100 };
                                view! {
                                    <tr data-test="export-job" data-status=job.status.clone()>
                                        <td>{job.created_at.chars().take(19).collect::<String>().replace('T', " ")}</td>
                                        <td>{job.format.clone()}</td>
                                        <td>
                                            <div class="progress"><span style:width=format!("{}%", percent.clamp(0, 100))></span></div>
                                            <span class="muted">{format!("{} · {} of {} trees", job.status, job.trees_done, job.trees_total)}</span>
                                        </td>
                                        <td class="num">{job.records}</td>
                                        <td>{match (job.status.as_str(), job.file_name.clone()) {
                                            ("done", Some(name)) => view! {
                                                <a href=format!("/moderation/exports/{}/download", job.id) download=name data-test="download">"Download"</a>
                                            }.into_any(),
                                            ("failed", _) => view! { <span class="error-note">{job.error.clone().unwrap_or_default()}</span> }.into_any(),
                                            _ => view! { <span class="muted">"…"</span> }.into_any(),
                                        }}</td>
                                    </tr>
                                }
                            }).collect_view()}
                        </tbody>
                    </table>
                }.into_any(),
                Err(error) => view! { <ErrorNote error /> }.into_any(),
            })}
        </Transition>
    }
}
