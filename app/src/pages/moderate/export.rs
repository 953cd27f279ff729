//! Dataset exports from the dashboard: choose the format and filters, start, watch the
//! progress, download the gzip file.

use super::ModerationPage;
use crate::{
    api::moderation::{
        moderation_export_jobs, moderation_export_left_out, moderation_export_start,
    },
    components::{feedback::ErrorNote, state_names::tree_state},
    error::AppError,
};
use crate::{i18n::*, tr};
use domain::moderation::{
    ExportFilters, ExportJobView, ExportLeftOut, ExportQuery, ExportSplitPart,
};
use domain::tree::TreeState;
use leptos::{prelude::*, task::spawn_local};
use std::time::Duration;

#[component]
pub fn ExportPage() -> impl IntoView {
    let i18n = use_i18n();
    let version = RwSignal::new(0u32);
    let jobs = Resource::new(move || version.get(), |_| moderation_export_jobs());
    view! {
        <ModerationPage title=t_string!(i18n, mod_export.title)>
            <ExportForm version />
            <JobList jobs version />
        </ModerationPage>
    }
}

#[component]
fn ExportForm(version: RwSignal<u32>) -> impl IntoView {
    let i18n = use_i18n();
    let format = RwSignal::new("trees".to_owned());
    let chosen = RwSignal::new(vec![TreeState::ReadyForExport]);
    let langs = RwSignal::new(String::new());
    // what was typed or ticked while the page was still the server's is kept, and applied once
    // the app runs (a change, so the left-out count is asked again)
    crate::drafts::keep_typed("export-langs", langs);
    let ticked = crate::drafts::ticked_before_hydration("export-state");
    // set once the app has taken the form over (effects run only then); the export journey
    // waits for it before it touches the form
    let ready = RwSignal::new(false);
    Effect::new(move |_| ready.set(true));
    Effect::new(move |_| {
        if let Some(ticked) = &ticked {
            let states: Vec<TreeState> = TreeState::ALL
                .into_iter()
                .filter(|state| ticked.iter().any(|value| value == state.as_str()))
                .collect();
            if states != chosen.get_untracked() {
                chosen.set(states);
            }
        }
    });
    // the states as the export's query takes them: a list, or all
    let states = move || {
        let chosen = chosen.get();
        if chosen.len() == TreeState::ALL.len() {
            "all".to_owned()
        } else {
            TreeState::ALL
                .into_iter()
                .filter(|state| chosen.contains(state))
                .map(TreeState::as_str)
                .collect::<Vec<_>>()
                .join(",")
        }
    };
    let none_chosen = move || chosen.with(Vec::is_empty);
    let include_deleted = RwSignal::new(false);
    let include_spam = RwSignal::new(false);
    let include_synthetic = RwSignal::new(false);
    let prompts_only = RwSignal::new(false);
    let reward_scores = RwSignal::new(false);
    let agreement = RwSignal::new(false);
    let split = RwSignal::new(String::new());
    let error = RwSignal::new(None::<AppError>);
    // what these filters leave out, asked again as they change (in the browser only). Each
    // answer keeps the filters it was asked for and is kept only while they are still the
    // form's: an answer that comes late never shows a note about filters changed since. (A
    // resource under a Transition did: after "All states" the note of the filters before
    // stayed on the page when the earlier answer had come while no state was ticked.)
    let left_out_filters = move || {
        (
            states(),
            langs.get(),
            include_deleted.get(),
            include_spam.get(),
            include_synthetic.get(),
        )
    };
    let left_out = RwSignal::new(None::<ExportLeftOut>);
    Effect::new(move |_| {
        let filters = left_out_filters();
        left_out.set(None);
        // with no state ticked nothing can start, and there is nothing to tell
        if none_chosen() {
            return;
        }
        spawn_local(async move {
            let (states, langs, include_deleted, include_spam, include_synthetic) = filters.clone();
            let answer = moderation_export_left_out(ExportQuery {
                format: "trees".to_owned(),
                states: Some(states),
                langs: Some(langs),
                include_deleted,
                include_spam,
                include_synthetic,
                ..ExportQuery::default()
            })
            .await;
            if filters == untrack(left_out_filters) {
                left_out.set(answer.ok());
            }
        });
    });
    let start = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if none_chosen() {
            return;
        }
        let query = ExportQuery {
            format: format.get_untracked(),
            states: Some(untrack(states)),
            langs: Some(langs.get_untracked()),
            include_deleted: include_deleted.get_untracked(),
            include_spam: include_spam.get_untracked(),
            include_synthetic: include_synthetic.get_untracked(),
            prompts_only: prompts_only.get_untracked(),
            include_reward_scores: reward_scores.get_untracked(),
            include_agreement: agreement.get_untracked(),
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
        <form class="card filters" data-test="export-form" data-ready=move || ready.get().to_string() on:submit=start>
            <label>{tr(i18n, |i| t_string!(i, mod_export.format))}
                <select data-test="export-format" on:change=move |ev| format.set(event_target_value(&ev))>
                    <option value="trees">{tr(i18n, |i| t_string!(i, mod_export.trees))}</option>
                    <option value="messages">{tr(i18n, |i| t_string!(i, mod_export.messages))}</option>
                    <option value="pairs">{tr(i18n, |i| t_string!(i, mod_export.pairs))}</option>
                    <option value="pairs_chat">{tr(i18n, |i| t_string!(i, mod_export.pairs_chat))}</option>
                    <option value="sft">{tr(i18n, |i| t_string!(i, mod_export.sft))}</option>
                    <option value="annotator_reliability">{tr(i18n, |i| t_string!(i, mod_export.reliability))}</option>
                </select>
            </label>
            <fieldset class="state-choice" data-test="export-states">
                <legend>{tr(i18n, |i| t_string!(i, mod_export.states))}</legend>
                {TreeState::ALL.into_iter().map(|state| {
                    let ticked = move || chosen.with(|chosen| chosen.contains(&state));
                    view! {
                        <label class="choice"><input type="checkbox" data-test="export-state" value=state.as_str()
                            checked=ticked prop:checked=ticked
                            on:change=move |ev| {
                                let on = event_target_checked(&ev);
                                chosen.update(|chosen| {
                                    chosen.retain(|s| *s != state);
                                    if on { chosen.push(state); }
                                });
                            } />{tree_state(i18n, state)}</label>
                    }
                }).collect_view()}
                <button type="button" class="link-button" data-test="export-all-states"
                    on:click=move |_| chosen.set(TreeState::ALL.to_vec())>{tr(i18n, |i| t_string!(i, mod_export.all_states))}</button>
                {move || none_chosen().then(|| view! { <p class="error-note" role="alert" data-test="export-no-state">{tr(i18n, |i| t_string!(i, mod_export.no_state))}</p> })}
            </fieldset>
            <label>{tr(i18n, |i| t_string!(i, mod_export.languages))} <input data-test="export-langs" bind:value=langs placeholder=tr(i18n, |i| t_string!(i, mod_export.languages_placeholder)) size="10" /></label>
            <label>{tr(i18n, |i| t_string!(i, mod_export.split))}
                <select on:change=move |ev| split.set(event_target_value(&ev))>
                    <option value="">{tr(i18n, |i| t_string!(i, mod_export.everything))}</option>
                    <option value="train">{tr(i18n, |i| t_string!(i, mod_export.train))}</option>
                    <option value="validation">{tr(i18n, |i| t_string!(i, mod_export.validation))}</option>
                </select>
            </label>
            <label class="choice"><input type="checkbox" bind:checked=include_deleted />{tr(i18n, |i| t_string!(i, mod_export.deleted))}</label>
            <label class="choice"><input type="checkbox" bind:checked=include_spam />{tr(i18n, |i| t_string!(i, mod_export.spam))}</label>
            <label class="choice"><input type="checkbox" bind:checked=include_synthetic />{tr(i18n, |i| t_string!(i, mod_export.synthetic))}</label>
            <label class="choice"><input type="checkbox" bind:checked=prompts_only />{tr(i18n, |i| t_string!(i, mod_export.prompts_only))}</label>
            <label class="choice"><input type="checkbox" data-test="export-reward-scores" bind:checked=reward_scores />{tr(i18n, |i| t_string!(i, mod_models.reward))}</label>
            <label class="choice"><input type="checkbox" data-test="export-agreement" bind:checked=agreement />{tr(i18n, |i| t_string!(i, mod_export.agreement))}</label>
            <button type="submit" class="button" data-test="start-export" disabled=none_chosen>{tr(i18n, |i| t_string!(i, mod_export.start))}</button>
        </form>
        {move || left_out.get().filter(|l| !l.is_empty()).map(|left| view! { <LeftOut left /> })}
        {move || error.get().map(|error| view! { <ErrorNote error /> })}
        <p class="hint">{tr(i18n, |i| t_string!(i, mod_export.hint_start))}<code>"GET /api/v1/export"</code>{tr(i18n, |i| t_string!(i, mod_export.hint_middle))}<code>"grove export"</code>"."</p>
    }
}

/// What the filters leave out, and the setting that brings each back.
#[component]
fn LeftOut(left: ExportLeftOut) -> impl IntoView {
    let i18n = use_i18n();
    let trees: i64 = left.other_states.iter().map(|(_, n)| n).sum();
    let states = left
        .other_states
        .iter()
        .map(|(state, n)| match TreeState::parse(state) {
            Ok(state) => format!("{} {n}", tree_state(i18n, state)),
            Err(_) => format!("{state} {n}"),
        })
        .collect::<Vec<_>>()
        .join(", ");
    let line = |count: i64, text: Box<dyn Fn() -> String + Send + Sync>| {
        (count > 0).then(|| view! { <li>{text}</li> })
    };
    view! {
        <div class="notice info" role="status" data-test="export-left-out">
            <p>{tr(i18n, |i| t_string!(i, mod_export.left_out))}</p>
            <ul>
                {line(trees, Box::new(t!(i18n, mod_export.left_states, count = trees, states)))}
                {line(left.synthetic_trees, Box::new(t!(i18n, mod_export.left_synthetic, count = left.synthetic_trees, option = t_string!(i18n, mod_export.synthetic))))}
                {line(left.deleted_messages, Box::new(t!(i18n, mod_export.left_deleted, count = left.deleted_messages, option = t_string!(i18n, mod_export.deleted))))}
                {line(left.spam_messages, Box::new(t!(i18n, mod_export.left_spam, count = left.spam_messages, option = t_string!(i18n, mod_export.spam))))}
            </ul>
        </div>
    }
}

#[component]
fn JobList(
    jobs: Resource<Result<Vec<ExportJobView>, AppError>>,
    version: RwSignal<u32>,
) -> impl IntoView {
    let i18n = use_i18n();
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
        <Transition fallback=move || view! { <p class="loading">{tr(i18n, |i| t_string!(i, common.loading))}</p> }>
            {move || jobs.get().map(|result| match result {
                Ok(jobs) if jobs.is_empty() => view! { <p class="muted">{tr(i18n, |i| t_string!(i, mod_export.none))}</p> }.into_any(),
                Ok(jobs) => view! {
                    <table class="data-table" data-test="export-jobs">
                        <thead><tr><th>{tr(i18n, |i| t_string!(i, mod_export.started))}</th><th>{tr(i18n, |i| t_string!(i, mod_export.format))}</th><th>{tr(i18n, |i| t_string!(i, mod_export.progress))}</th><th>{tr(i18n, |i| t_string!(i, mod_export.records))}</th><th>{tr(i18n, |i| t_string!(i, mod_export.file))}</th></tr></thead>
                        <tbody>
                            {jobs.into_iter().map(|job| {
                                let percent = if job.trees_total > 0 { job.trees_done * 100 / job.trees_total } else { 100 };
                                view! {
                                    <tr data-test="export-job" data-status=job.status.clone()>
                                        <td>{job.created_at.chars().take(19).collect::<String>().replace('T', " ")}</td>
                                        <td>{job.format.clone()}
                                            <div class="job-filters" data-test="export-job-filters">{filters_line(i18n, &job.filters)}</div></td>
                                        <td>
                                            <div class="progress"><span style:width=format!("{}%", percent.clamp(0, 100))></span></div>
                                            <span class="muted">{t!(i18n, mod_export.job_progress, status = job.status.clone(), done = job.trees_done, total = job.trees_total)}</span>
                                        </td>
                                        <td class="num">{job.records}</td>
                                        <td>{match (job.status.as_str(), job.file_name.clone()) {
                                            ("done", Some(name)) => view! {
                                                <a href=format!("/moderation/exports/{}/download", job.id) download=name data-test="download">{tr(i18n, |i| t_string!(i, mod_export.download))}</a>
                                                " " <span class="muted" data-test="export-job-size">{file_size(job.bytes)}</span>
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

/// A job's filters in one line: the states and languages it was limited to (none named: all),
/// its split part, its dates, and what it let in beyond the defaults.
fn filters_line(i18n: crate::I18n, filters: &ExportFilters) -> String {
    let mut parts: Vec<String> = Vec::new();
    if !filters.states.is_empty() {
        let states: Vec<&str> = filters
            .states
            .iter()
            .map(|s| tree_state(i18n, *s))
            .collect();
        parts.push(format!(
            "{}: {}",
            t_string!(i18n, mod_export.states),
            states.join(", ")
        ));
    }
    if !filters.langs.is_empty() {
        parts.push(format!(
            "{}: {}",
            t_string!(i18n, mod_export.languages),
            filters.langs.join(", ")
        ));
    }
    if let Some(part) = filters.split {
        let part = match part {
            ExportSplitPart::Train => t_string!(i18n, mod_export.train),
            ExportSplitPart::Validation => t_string!(i18n, mod_export.validation),
        };
        parts.push(format!("{}: {part}", t_string!(i18n, mod_export.split)));
    }
    match (&filters.from, &filters.to) {
        (None, None) => {}
        (from, to) => parts.push(format!(
            "{} – {}",
            from.as_deref().unwrap_or("…"),
            to.as_deref().unwrap_or("…")
        )),
    }
    for (on, name) in [
        (filters.include_deleted, t_string!(i18n, mod_export.deleted)),
        (filters.include_spam, t_string!(i18n, mod_export.spam)),
        (
            filters.include_synthetic,
            t_string!(i18n, mod_export.synthetic),
        ),
    ] {
        if on {
            parts.push(format!("+ {name}"));
        }
    }
    if filters.prompts_only {
        parts.push(t_string!(i18n, mod_export.prompts_only).to_owned());
    }
    parts.join(" · ")
}

/// A file's size for people: bytes, kB, MB or GB (powers of 1000), one decimal past bytes.
fn file_size(bytes: i64) -> String {
    if bytes < 1000 {
        return format!("{} B", bytes.max(0));
    }
    let mut value = bytes as f64 / 1000.0;
    for unit in ["kB", "MB"] {
        if value < 1000.0 {
            return format!("{value:.1} {unit}");
        }
        value /= 1000.0;
    }
    format!("{value:.1} GB")
}

#[cfg(test)]
mod tests {
    use super::file_size;

    #[test]
    fn file_sizes_read_as_people_write_them() {
        assert_eq!(file_size(0), "0 B");
        assert_eq!(file_size(999), "999 B");
        assert_eq!(file_size(1_000), "1.0 kB");
        assert_eq!(file_size(12_345), "12.3 kB");
        assert_eq!(file_size(4_200_000), "4.2 MB");
        assert_eq!(file_size(7_300_000_000), "7.3 GB");
        assert_eq!(file_size(7_300_000_000_000), "7300.0 GB");
    }
}
