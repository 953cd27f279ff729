//! Reward models from the dashboard: start a training job (base model, data filter,
//! hyper-parameters), follow the jobs the workers run, open one for its progress, loss and
//! held-out curves and final metrics, download the trained model or score messages with it.

use super::ModerationPage;
use crate::{
    api::models::{
        cancel_model_job, model_job_detail, model_jobs, start_scoring, start_training,
        ModelJobReport,
    },
    components::{chart::LineChart, feedback::ErrorNote},
    error::AppError,
};
use crate::{i18n::*, tr};
use domain::{
    ids::JobId,
    training::{JobResult, JobSpec, JobState, JobView, RankingSource, TrainingSettings},
    tree::TreeState,
};
use leptos::{prelude::*, task::spawn_local};
use leptos_router::{components::A, hooks::use_params_map};
use std::time::Duration;

fn state_name(i18n: crate::I18n, state: JobState) -> &'static str {
    match state {
        JobState::Queued => t_string!(i18n, mod_models.queued),
        JobState::Running => t_string!(i18n, mod_models.running),
        JobState::Succeeded => t_string!(i18n, mod_models.succeeded),
        JobState::Failed => t_string!(i18n, mod_models.failed),
        JobState::Cancelled => t_string!(i18n, mod_models.cancelled),
    }
}

fn kind_name(i18n: crate::I18n, spec: &JobSpec) -> &'static str {
    match spec {
        JobSpec::Train(_) => t_string!(i18n, mod_models.kind_train),
        JobSpec::Score { .. } => t_string!(i18n, mod_models.kind_score),
    }
}

fn percent(job: &JobView) -> u64 {
    match (&job.state, &job.progress) {
        (JobState::Succeeded, _) => 100,
        (_, Some(p)) if p.total_steps > 0 => (p.step * 100 / p.total_steps).min(100),
        _ => 0,
    }
}

fn short_time(raw: &str) -> String {
    raw.chars().take(19).collect::<String>().replace('T', " ")
}

/// Asks for `version` to move on every 2 s while `busy` says a job is still moving.
fn refresh_while(busy: impl Fn() -> bool + 'static, version: RwSignal<u32>) {
    Effect::new(move |_| {
        if busy() {
            set_timeout(
                move || version.try_update(|v| *v += 1).unwrap_or(()),
                Duration::from_secs(2),
            );
        }
    });
}

#[component]
pub fn ModelsPage() -> impl IntoView {
    let i18n = use_i18n();
    let version = RwSignal::new(0u32);
    let jobs = Resource::new(move || version.get(), |_| model_jobs());
    refresh_while(
        move || {
            jobs.get()
                .and_then(Result::ok)
                .is_some_and(|jobs| jobs.iter().any(|j| !j.state.is_final()))
        },
        version,
    );
    view! {
        <ModerationPage title=t_string!(i18n, mod_models.title)>
            <TrainingForm version />
            <Transition fallback=move || view! { <p class="loading">{tr(i18n, |i| t_string!(i, common.loading))}</p> }>
                {move || jobs.get().map(|result| match result {
                    Ok(jobs) if jobs.is_empty() => view! { <p class="muted">{tr(i18n, |i| t_string!(i, mod_models.none))}</p> }.into_any(),
                    Ok(jobs) => view! { <JobTable jobs /> }.into_any(),
                    Err(error) => view! { <ErrorNote error /> }.into_any(),
                })}
            </Transition>
        </ModerationPage>
    }
}

fn split_list(raw: &str) -> Vec<String> {
    raw.split([',', ' '])
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
        .collect()
}

#[component]
fn TrainingForm(version: RwSignal<u32>) -> impl IntoView {
    let i18n = use_i18n();
    let defaults = TrainingSettings::default();
    let base_model = RwSignal::new(String::new());
    let langs = RwSignal::new(String::new());
    let states = RwSignal::new("ready_for_export".to_owned());
    let raw = RwSignal::new(false);
    let held_out = RwSignal::new(defaults.held_out_fraction.to_string());
    let learning_rate = RwSignal::new(defaults.learning_rate.to_string());
    let epochs = RwSignal::new(defaults.epochs.to_string());
    let batch = RwSignal::new(defaults.batch_groups.to_string());
    let max_tokens = RwSignal::new(defaults.max_tokens.to_string());
    let error = RwSignal::new(None::<AppError>);
    let start = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let bad = |what: &str| {
            AppError::new(
                400,
                "invalid_training_settings",
                format!("{what} is not a number."),
            )
        };
        let settings = (|| -> Result<TrainingSettings, AppError> {
            Ok(TrainingSettings {
                base_model: base_model.get_untracked().trim().to_owned(),
                languages: split_list(&langs.get_untracked()),
                tree_states: split_list(&states.get_untracked())
                    .iter()
                    .map(|s| TreeState::parse(s).map_err(|e| AppError::new(400, e.code, e.message)))
                    .collect::<Result<_, _>>()?,
                ranking_source: if raw.get_untracked() {
                    RankingSource::Raw
                } else {
                    RankingSource::Consensus
                },
                held_out_fraction: held_out
                    .get_untracked()
                    .trim()
                    .parse()
                    .map_err(|_| bad("The held-out fraction"))?,
                learning_rate: learning_rate
                    .get_untracked()
                    .trim()
                    .parse()
                    .map_err(|_| bad("The learning rate"))?,
                epochs: epochs
                    .get_untracked()
                    .trim()
                    .parse()
                    .map_err(|_| bad("Epochs"))?,
                batch_groups: batch
                    .get_untracked()
                    .trim()
                    .parse()
                    .map_err(|_| bad("Groups per step"))?,
                max_tokens: max_tokens
                    .get_untracked()
                    .trim()
                    .parse()
                    .map_err(|_| bad("Tokens per reply"))?,
                ..TrainingSettings::default()
            })
        })();
        match settings {
            Err(e) => error.set(Some(e)),
            Ok(settings) => spawn_local(async move {
                match start_training(settings).await {
                    Ok(_) => {
                        error.set(None);
                        version.update(|v| *v += 1);
                    }
                    Err(e) => error.set(Some(e)),
                }
            }),
        }
    };
    view! {
        <form class="card filters" data-test="training-form" on:submit=start>
            <label>{tr(i18n, |i| t_string!(i, mod_models.base_model))} <input data-test="base-model" bind:value=base_model placeholder=tr(i18n, |i| t_string!(i, mod_models.base_model_placeholder)) size="28" /></label>
            <label>{tr(i18n, |i| t_string!(i, mod_export.languages))} <input data-test="training-langs" bind:value=langs placeholder=tr(i18n, |i| t_string!(i, mod_export.languages_placeholder)) size="10" /></label>
            <label>{tr(i18n, |i| t_string!(i, mod_export.states))} <input data-test="training-states" bind:value=states size="18" /></label>
            <label class="choice"><input type="checkbox" bind:checked=raw />{tr(i18n, |i| t_string!(i, mod_models.raw_rankings))}</label>
            <label>{tr(i18n, |i| t_string!(i, mod_models.held_out))} <input data-test="held-out" bind:value=held_out size="4" /></label>
            <label>{tr(i18n, |i| t_string!(i, mod_models.learning_rate))} <input data-test="learning-rate" bind:value=learning_rate size="6" /></label>
            <label>{tr(i18n, |i| t_string!(i, mod_models.epochs))} <input data-test="epochs" bind:value=epochs size="3" /></label>
            <label>{tr(i18n, |i| t_string!(i, mod_models.batch_groups))} <input bind:value=batch size="3" /></label>
            <label>{tr(i18n, |i| t_string!(i, mod_models.max_tokens))} <input data-test="max-tokens" bind:value=max_tokens size="4" /></label>
            <button type="submit" class="button" data-test="start-training">{tr(i18n, |i| t_string!(i, mod_models.start))}</button>
        </form>
        {move || error.get().map(|error| view! { <ErrorNote error /> })}
        <p class="hint">{tr(i18n, |i| t_string!(i, mod_models.hint))}<code>"grove-worker run"</code>"."</p>
    }
}

#[component]
fn JobTable(jobs: Vec<JobView>) -> impl IntoView {
    let i18n = use_i18n();
    view! {
        <table class="data-table" data-test="model-jobs">
            <thead><tr>
                <th>{tr(i18n, |i| t_string!(i, mod_models.created))}</th>
                <th>{tr(i18n, |i| t_string!(i, mod_models.kind))}</th>
                <th>{tr(i18n, |i| t_string!(i, mod_models.state))}</th>
                <th>{tr(i18n, |i| t_string!(i, mod_models.progress))}</th>
                <th>{tr(i18n, |i| t_string!(i, mod_models.pairwise))}</th>
                <th></th>
            </tr></thead>
            <tbody>
                {jobs.into_iter().map(|job| {
                    let accuracy = match &job.result {
                        Some(JobResult::Trained(model)) => format!("{:.3}", model.pairwise_accuracy).into_any(),
                        Some(JobResult::Scored { messages }) => {
                            let count = *messages;
                            view! { {t!(i18n, mod_models.scored, count = count)} }.into_any()
                        }
                        None => ().into_any(),
                    };
                    view! {
                        <tr data-test="model-job" data-state=job.state.as_str()>
                            <td>{short_time(&job.created_at)}</td>
                            <td>{kind_name(i18n, &job.spec)}</td>
                            <td>{state_name(i18n, job.state)}</td>
                            <td><div class="progress"><span style:width=format!("{}%", percent(&job))></span></div></td>
                            <td class="num">{accuracy}</td>
                            <td><A href=format!("/moderation/models/{}", job.id)>{tr(i18n, |i| t_string!(i, mod_models.open))}</A></td>
                        </tr>
                    }
                }).collect_view()}
            </tbody>
        </table>
    }
}

#[component]
pub fn ModelJobPage() -> impl IntoView {
    let i18n = use_i18n();
    let params = use_params_map();
    let id = move || {
        params
            .read()
            .get("id")
            .and_then(|raw| raw.parse::<JobId>().ok())
    };
    let version = RwSignal::new(0u32);
    let detail = Resource::new(
        move || (id(), version.get()),
        |(id, _)| async move {
            match id {
                Some(id) => model_job_detail(id).await,
                None => Err(AppError::new(404, "job_not_found", "No such model job.")),
            }
        },
    );
    refresh_while(
        move || {
            detail
                .get()
                .and_then(Result::ok)
                .is_some_and(|d| !d.job.state.is_final())
        },
        version,
    );
    view! {
        <ModerationPage title=t_string!(i18n, mod_models.job_title)>
            <p><A href="/moderation/models">{tr(i18n, |i| t_string!(i, mod_models.back))}</A></p>
            <Transition fallback=move || view! { <p class="loading">{tr(i18n, |i| t_string!(i, common.loading))}</p> }>
                {move || detail.get().map(|result| match result {
                    Ok(detail) => view! { <JobDetail detail version /> }.into_any(),
                    Err(error) => view! { <ErrorNote error /> }.into_any(),
                })}
            </Transition>
        </ModerationPage>
    }
}

fn points(detail: &ModelJobReport, name: &str) -> Vec<(f64, f64)> {
    detail
        .series
        .iter()
        .find(|(n, _)| n == name)
        .map(|(_, points)| points.iter().map(|(x, y)| (*x as f64, *y)).collect())
        .unwrap_or_default()
}

#[component]
fn JobDetail(detail: ModelJobReport, version: RwSignal<u32>) -> impl IntoView {
    let i18n = use_i18n();
    let job = detail.job.clone();
    let id = job.id;
    let error = RwSignal::new(None::<AppError>);
    let done = move |result: Result<(), AppError>| match result {
        Ok(()) => {
            error.set(None);
            version.update(|v| *v += 1);
        }
        Err(e) => error.set(Some(e)),
    };
    let cancel = move |_| spawn_local(async move { done(cancel_model_job(id).await.map(|_| ())) });
    let navigate = leptos_router::hooks::use_navigate();
    let score = move |_| {
        let navigate = navigate.clone();
        spawn_local(async move {
            match start_scoring(id).await {
                Ok(new_job) => {
                    navigate(&format!("/moderation/models/{new_job}"), Default::default())
                }
                Err(e) => error.set(Some(e)),
            }
        })
    };
    let progress = job.progress.clone().unwrap_or_default();
    let loss = points(&detail, "train_loss");
    let held_out: Vec<_> = [
        (
            "heldout_pairwise_accuracy",
            "#2b7a4b",
            t_string!(i18n, mod_models.pairwise),
        ),
        (
            "heldout_best_vs_worst_accuracy",
            "#3867d6",
            t_string!(i18n, mod_models.best_vs_worst),
        ),
        (
            "heldout_kendall_tau",
            "#b8860b",
            t_string!(i18n, mod_models.kendall),
        ),
    ]
    .into_iter()
    .map(|(name, colour, label)| (label.to_owned(), colour, points(&detail, name)))
    .filter(|(_, _, points)| !points.is_empty())
    .collect();
    let settings = match &job.spec {
        JobSpec::Train(settings) => Some(settings.clone()),
        JobSpec::Score { .. } => None,
    };
    view! {
        <div class="card" data-test="model-job-detail" data-state=job.state.as_str()>
            <p>
                <strong>{kind_name(i18n, &job.spec)}</strong>" · "
                <span data-test="job-state">{state_name(i18n, job.state)}</span>
                {job.cancel_requested.then(|| view! { " · " {tr(i18n, |i| t_string!(i, mod_models.cancel_requested))} })}
            </p>
            <div class="progress" data-test="job-progress"><span style:width=format!("{}%", percent(&job))></span></div>
            <p class="muted">
                {t!(i18n, mod_models.steps, step = progress.step, total = progress.total_steps, epoch = progress.epoch)}
                " · " {format!("{:.0}", progress.tokens_per_second)} " " {tr(i18n, |i| t_string!(i, mod_models.tokens_per_second))}
                {job.worker.clone().map(|w| view! { " · " {tr(i18n, |i| t_string!(i, mod_models.worker))} " " <code>{w}</code> })}
            </p>
            {job.error.clone().map(|e| view! { <p class="error-note" data-test="job-error">{e}</p> })}
            {(!job.state.is_final()).then(|| view! {
                <button class="button secondary" data-test="cancel-job" on:click=cancel>{tr(i18n, |i| t_string!(i, mod_models.cancel))}</button>
            })}
        </div>
        {move || error.get().map(|error| view! { <ErrorNote error /> })}
        {match &job.result {
            Some(JobResult::Trained(model)) => view! {
                <table class="data-table" data-test="model-metrics">
                    <tbody>
                        <tr><th>{tr(i18n, |i| t_string!(i, mod_models.pairwise))}</th><td class="num" data-test="pairwise-accuracy">{format!("{:.3}", model.pairwise_accuracy)}</td></tr>
                        <tr><th>{tr(i18n, |i| t_string!(i, mod_models.best_vs_worst))}</th><td class="num">{format!("{:.3}", model.best_vs_worst_accuracy)}</td></tr>
                        <tr><th>{tr(i18n, |i| t_string!(i, mod_models.kendall))}</th><td class="num">{format!("{:.3}", model.kendall_tau)}</td></tr>
                        <tr><th>{tr(i18n, |i| t_string!(i, mod_models.groups))}</th><td class="num">{format!("{} / {}", model.train_groups, model.held_out_groups)}</td></tr>
                        <tr><th>{tr(i18n, |i| t_string!(i, mod_models.base_model))}</th><td><code>{model.base_model.clone()}</code>" · "{model.device.clone()}" · "{format!("{:.0} s", model.seconds)}</td></tr>
                    </tbody>
                </table>
                <p>
                    <a class="button" href=format!("/moderation/models/{id}/download") download="" data-test="download-model">
                        {tr(i18n, |i| t_string!(i, mod_models.download))}
                        {job.artifact_bytes.map(|b| format!(" ({:.1} MB)", b as f64 / 1e6))}
                    </a>
                    " "
                    <button class="button secondary" data-test="score-messages" on:click=score>{tr(i18n, |i| t_string!(i, mod_models.score))}</button>
                </p>
            }.into_any(),
            Some(JobResult::Scored { messages }) => view! {
                <p data-test="scored">{let count = *messages; t!(i18n, mod_models.scored, count = count)}</p>
            }.into_any(),
            None => ().into_any(),
        }}
        {(!loss.is_empty()).then(|| view! {
            <LineChart title=t_string!(i18n, mod_models.loss_chart) series=vec![(t_string!(i18n, mod_models.loss).to_owned(), "#c0392b", loss)] />
        })}
        {(!held_out.is_empty()).then(|| view! {
            <LineChart title=t_string!(i18n, mod_models.held_out_chart) series=held_out />
        })}
        {settings.map(|s| view! {
            <details><summary>{tr(i18n, |i| t_string!(i, mod_models.settings))}</summary>
                <pre>{serde_json::to_string_pretty(&s).unwrap_or_default()}</pre>
            </details>
        })}
    }
}
