//! The reward-model registry: per language, the retraining schedule ("retrain after N new
//! rankings"), the current model, every run with its held-out comparison, and the accuracy over
//! time as a chart; and the disagreement review, where the consensus and the current model
//! order replies differently.

use super::ModerationPage;
use crate::{
    api::models::{disagreements, model_registry, retrain_now, set_retrain_schedule},
    components::{
        chart::{Line, LineChart},
        feedback::ErrorNote,
    },
    error::AppError,
};
use crate::{i18n::*, tr};
use domain::reward_loop::{
    Decision, DisagreementReview, LanguageModels, ReplyBrief, RunState, RunTrigger, RunView,
    ScheduleInput,
};
use domain::training::TrainingSettings;
use leptos::{prelude::*, task::spawn_local};
use leptos_router::components::A;
use std::time::Duration;

fn run_state_name(i18n: crate::I18n, state: RunState) -> &'static str {
    match state {
        RunState::Training => t_string!(i18n, reward_loop.state_training),
        RunState::Scoring => t_string!(i18n, reward_loop.state_scoring),
        RunState::Promoted => t_string!(i18n, reward_loop.state_promoted),
        RunState::Kept => t_string!(i18n, reward_loop.state_kept),
        RunState::Failed => t_string!(i18n, reward_loop.state_failed),
    }
}

fn decision_name(i18n: crate::I18n, decision: Decision) -> &'static str {
    match decision {
        Decision::FirstModel => t_string!(i18n, reward_loop.decision_first_model),
        Decision::NotWorse => t_string!(i18n, reward_loop.decision_not_worse),
        Decision::Worse => t_string!(i18n, reward_loop.decision_worse),
        Decision::NoHeldOut => t_string!(i18n, reward_loop.decision_no_held_out),
    }
}

fn trigger_name(i18n: crate::I18n, trigger: RunTrigger) -> &'static str {
    match trigger {
        RunTrigger::Schedule => t_string!(i18n, reward_loop.trigger_schedule),
        RunTrigger::Manual => t_string!(i18n, reward_loop.trigger_manual),
    }
}

fn accuracy(value: Option<f64>) -> String {
    value.map_or_else(|| "–".to_owned(), |v| format!("{v:.3}"))
}

fn short_time(raw: &str) -> String {
    raw.chars().take(19).collect::<String>().replace('T', " ")
}

#[component]
pub fn RegistryPage() -> impl IntoView {
    let i18n = use_i18n();
    let version = RwSignal::new(0u32);
    let registry = Resource::new(move || version.get(), |_| model_registry());
    // follow runs in flight
    Effect::new(move |_| {
        let busy = registry.get().and_then(Result::ok).is_some_and(|langs| {
            langs
                .iter()
                .any(|l| l.runs.iter().any(|r| r.state.in_flight()))
        });
        if busy {
            set_timeout(
                move || version.try_update(|v| *v += 1).unwrap_or(()),
                Duration::from_secs(2),
            );
        }
    });
    view! {
        <ModerationPage title=t_string!(i18n, reward_loop.registry_title)>
            <ScheduleForm version />
            <Transition fallback=move || view! { <p class="loading">{tr(i18n, |i| t_string!(i, common.loading))}</p> }>
                {move || registry.get().map(|result| match result {
                    Ok(langs) if langs.is_empty() => view! { <p class="muted">{tr(i18n, |i| t_string!(i, reward_loop.none))}</p> }.into_any(),
                    Ok(langs) => langs.into_iter().map(|models| view! { <LanguageCard models version /> }).collect_view().into_any(),
                    Err(error) => view! { <ErrorNote error /> }.into_any(),
                })}
            </Transition>
        </ModerationPage>
    }
}

#[component]
fn ScheduleForm(version: RwSignal<u32>) -> impl IntoView {
    let i18n = use_i18n();
    let defaults = TrainingSettings::default();
    let lang = RwSignal::new("en".to_owned());
    let every = RwSignal::new("500".to_owned());
    let enabled = RwSignal::new(true);
    let epochs = RwSignal::new(defaults.epochs.to_string());
    let max_tokens = RwSignal::new(defaults.max_tokens.to_string());
    let held_out = RwSignal::new(defaults.held_out_fraction.to_string());
    let base_model = RwSignal::new(String::new());
    let error = RwSignal::new(None::<AppError>);
    let saved = RwSignal::new(false);
    let save = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let bad =
            |what: &str| AppError::new(400, "invalid_schedule", format!("{what} is not a number."));
        let input = (|| -> Result<ScheduleInput, AppError> {
            Ok(ScheduleInput {
                lang: lang.get_untracked().trim().to_owned(),
                every_rankings: every
                    .get_untracked()
                    .trim()
                    .parse()
                    .map_err(|_| bad("The number of rankings"))?,
                enabled: enabled.get_untracked(),
                settings: TrainingSettings {
                    base_model: base_model.get_untracked().trim().to_owned(),
                    epochs: epochs
                        .get_untracked()
                        .trim()
                        .parse()
                        .map_err(|_| bad("Epochs"))?,
                    max_tokens: max_tokens
                        .get_untracked()
                        .trim()
                        .parse()
                        .map_err(|_| bad("Tokens per reply"))?,
                    held_out_fraction: held_out
                        .get_untracked()
                        .trim()
                        .parse()
                        .map_err(|_| bad("The held-out fraction"))?,
                    ..TrainingSettings::default()
                },
            })
        })();
        match input {
            Err(e) => error.set(Some(e)),
            Ok(input) => spawn_local(async move {
                match set_retrain_schedule(input).await {
                    Ok(()) => {
                        error.set(None);
                        saved.set(true);
                        version.update(|v| *v += 1);
                    }
                    Err(e) => {
                        saved.set(false);
                        error.set(Some(e));
                    }
                }
            }),
        }
    };
    view! {
        <h2>{tr(i18n, |i| t_string!(i, reward_loop.schedule_title))}</h2>
        <form class="card filters" data-test="schedule-form" on:submit=save>
            <label>{tr(i18n, |i| t_string!(i, reward_loop.language))} <input data-test="schedule-lang" bind:value=lang size="6" required /></label>
            <label>{tr(i18n, |i| t_string!(i, reward_loop.every))} <input data-test="schedule-every" bind:value=every size="6" inputmode="numeric" required /></label>
            <label class="choice"><input type="checkbox" data-test="schedule-enabled" bind:checked=enabled />{tr(i18n, |i| t_string!(i, reward_loop.enabled))}</label>
            <label>{tr(i18n, |i| t_string!(i, mod_models.epochs))} <input data-test="schedule-epochs" bind:value=epochs size="3" /></label>
            <label>{tr(i18n, |i| t_string!(i, mod_models.max_tokens))} <input data-test="schedule-max-tokens" bind:value=max_tokens size="4" /></label>
            <label>{tr(i18n, |i| t_string!(i, mod_models.held_out))} <input data-test="schedule-held-out" bind:value=held_out size="4" /></label>
            <label>{tr(i18n, |i| t_string!(i, mod_models.base_model))} <input data-test="schedule-base-model" bind:value=base_model placeholder=tr(i18n, |i| t_string!(i, mod_models.base_model_placeholder)) size="24" /></label>
            <button type="submit" class="button" data-test="save-schedule">{tr(i18n, |i| t_string!(i, reward_loop.save))}</button>
        </form>
        {move || saved.get().then(|| view! { <p class="notice" role="status" data-test="schedule-saved">{tr(i18n, |i| t_string!(i, reward_loop.saved))}</p> })}
        {move || error.get().map(|error| view! { <ErrorNote error /> })}
        <p class="hint">{tr(i18n, |i| t_string!(i, reward_loop.hint))}</p>
    }
}

/// Held-out accuracy of each decided run, oldest first: the candidate's, and the current
/// model's on the same trees.
fn history(runs: &[RunView]) -> Vec<Line> {
    let decided: Vec<&RunView> = runs
        .iter()
        .rev()
        .filter(|r| r.candidate_accuracy.is_some())
        .collect();
    let candidate = decided
        .iter()
        .enumerate()
        .filter_map(|(i, r)| r.candidate_accuracy.map(|a| (i as f64 + 1.0, a)))
        .collect::<Vec<_>>();
    let baseline = decided
        .iter()
        .enumerate()
        .filter_map(|(i, r)| r.baseline_accuracy.map(|a| (i as f64 + 1.0, a)))
        .collect::<Vec<_>>();
    [
        ("candidate", "#2b7a4b", candidate),
        ("current", "#3867d6", baseline),
    ]
    .into_iter()
    .filter(|(_, _, points)| !points.is_empty())
    .map(|(name, colour, points)| (name.to_owned(), colour, points))
    .collect()
}

#[component]
fn LanguageCard(models: LanguageModels, version: RwSignal<u32>) -> impl IntoView {
    let i18n = use_i18n();
    let lang = models.lang.clone();
    let error = RwSignal::new(None::<AppError>);
    let retrain = {
        let lang = lang.clone();
        move |_| {
            let lang = lang.clone();
            spawn_local(async move {
                match retrain_now(lang).await {
                    Ok(_) => {
                        error.set(None);
                        version.update(|v| *v += 1);
                    }
                    Err(e) => error.set(Some(e)),
                }
            })
        }
    };
    let in_flight = models.runs.iter().any(|r| r.state.in_flight());
    let schedule = models.schedule.clone().map(|s| {
        let count = s.every_rankings;
        if s.enabled {
            view! { <span data-test="schedule-summary">{t!(i18n, reward_loop.schedule_every, count = count)}</span> }.into_any()
        } else {
            view! { <span data-test="schedule-summary">{tr(i18n, |i| t_string!(i, reward_loop.schedule_off))}</span> }.into_any()
        }
    });
    let mut lines = history(&models.runs);
    for line in lines.iter_mut() {
        line.0 = if line.0 == "candidate" {
            t_string!(i18n, reward_loop.chart_candidate).to_owned()
        } else {
            t_string!(i18n, reward_loop.chart_current).to_owned()
        };
    }
    let new_rankings = models.new_rankings;
    view! {
        <section class="card" data-test="registry-lang" data-lang=lang.clone()>
            <h2>{lang.clone()}</h2>
            <p>
                {schedule.unwrap_or_else(|| view! { <span data-test="schedule-summary">{tr(i18n, |i| t_string!(i, reward_loop.no_schedule))}</span> }.into_any())}
                " · " {tr(i18n, |i| t_string!(i, reward_loop.new_rankings))} " " <strong data-test="new-rankings">{new_rankings}</strong>
            </p>
            {match models.current.clone() {
                Some(current) => view! {
                    <p data-test="current-model" data-job=current.train_job.to_string()>
                        {tr(i18n, |i| t_string!(i, reward_loop.current))} ": "
                        <A href=format!("/moderation/models/{}", current.train_job)><code>{current.train_job.to_string().chars().take(8).collect::<String>()}</code></A>
                        " · " {tr(i18n, |i| t_string!(i, reward_loop.candidate_accuracy))} " "
                        <strong data-test="current-accuracy">{accuracy(current.candidate_accuracy)}</strong>
                        " · " {current.decided_at.as_deref().map(short_time)}
                    </p>
                }.into_any(),
                None => view! { <p class="muted" data-test="no-current-model">{tr(i18n, |i| t_string!(i, reward_loop.no_current))}</p> }.into_any(),
            }}
            <p>
                <button class="button secondary" data-test="retrain-now" on:click=retrain disabled=in_flight>{tr(i18n, |i| t_string!(i, reward_loop.retrain_now))}</button>
                " "
                <A href=format!("/moderation/disagreements?lang={lang}")>{tr(i18n, |i| t_string!(i, reward_loop.nav_disagreements))}</A>
            </p>
            {move || error.get().map(|error| view! { <ErrorNote error /> })}
            {(!lines.is_empty()).then(|| view! {
                <LineChart title=t_string!(i18n, reward_loop.chart) series=lines />
            })}
            {(!models.runs.is_empty()).then(|| view! { <RunTable runs=models.runs.clone() /> })}
        </section>
    }
}

#[component]
fn RunTable(runs: Vec<RunView>) -> impl IntoView {
    let i18n = use_i18n();
    view! {
        <table class="data-table" data-test="runs">
            <caption>{tr(i18n, |i| t_string!(i, reward_loop.runs))}</caption>
            <thead><tr>
                <th scope="col">{tr(i18n, |i| t_string!(i, reward_loop.started))}</th>
                <th scope="col">{tr(i18n, |i| t_string!(i, reward_loop.trigger))}</th>
                <th scope="col">{tr(i18n, |i| t_string!(i, reward_loop.state))}</th>
                <th scope="col">{tr(i18n, |i| t_string!(i, reward_loop.chart_candidate))}</th>
                <th scope="col">{tr(i18n, |i| t_string!(i, reward_loop.chart_current))}</th>
                <th scope="col">{tr(i18n, |i| t_string!(i, reward_loop.held_out_pairs))}</th>
                <th scope="col">{tr(i18n, |i| t_string!(i, reward_loop.decision))}</th>
            </tr></thead>
            <tbody>
                {runs.into_iter().map(|run| {
                    let why = match (&run.decision, &run.error) {
                        (Some(d), _) => decision_name(i18n, *d).to_owned(),
                        (None, Some(e)) => e.clone(),
                        _ => String::new(),
                    };
                    view! {
                        <tr data-test="run" data-state=run.state.as_str()>
                            <td><A href=format!("/moderation/models/{}", run.train_job)>{short_time(&run.created_at)}</A></td>
                            <td>{trigger_name(i18n, run.trigger)}</td>
                            <td>{run_state_name(i18n, run.state)}</td>
                            <td class="num" data-test="run-candidate">{accuracy(run.candidate_accuracy)}</td>
                            <td class="num">{accuracy(run.baseline_accuracy)}</td>
                            <td class="num">{run.held_out_pairs.map(|p| p.to_string()).unwrap_or_default()}</td>
                            <td data-test="run-decision">{why}</td>
                        </tr>
                    }
                }).collect_view()}
            </tbody>
        </table>
    }
}

#[component]
pub fn DisagreementsPage() -> impl IntoView {
    let i18n = use_i18n();
    let query = leptos_router::hooks::use_query_map();
    let initial = query
        .read_untracked()
        .get("lang")
        .unwrap_or_else(|| "en".to_owned());
    let lang = RwSignal::new(initial.clone());
    let shown = RwSignal::new(initial);
    let review = Resource::new(move || shown.get(), disagreements);
    let show = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        shown.set(lang.get_untracked().trim().to_owned());
    };
    view! {
        <ModerationPage title=t_string!(i18n, reward_loop.disagreements_title)>
            <form class="card filters" data-test="disagreements-form" on:submit=show>
                <label>{tr(i18n, |i| t_string!(i, reward_loop.language))} <input data-test="disagreements-lang" bind:value=lang size="6" /></label>
                <button type="submit" class="button">{tr(i18n, |i| t_string!(i, reward_loop.show))}</button>
            </form>
            <Transition fallback=move || view! { <p class="loading">{tr(i18n, |i| t_string!(i, common.loading))}</p> }>
                {move || review.get().map(|result| match result {
                    Ok(review) => view! { <Review review /> }.into_any(),
                    Err(error) => view! { <ErrorNote error /> }.into_any(),
                })}
            </Transition>
        </ModerationPage>
    }
}

fn order_list(replies: Vec<ReplyBrief>) -> impl IntoView {
    view! {
        <ol class="order">
            {replies.into_iter().map(|r| view! {
                <li>
                    <A href=format!("/moderation/messages/{}", r.message)>{r.text}</A>
                    {r.score.map(|s| view! { " " <span class="muted num">{format!("({s:.2})")}</span> })}
                </li>
            }).collect_view()}
        </ol>
    }
}

#[component]
fn Review(review: DisagreementReview) -> impl IntoView {
    let i18n = use_i18n();
    if review.model.is_none() {
        return view! { <p class="muted" data-test="no-model">{tr(i18n, |i| t_string!(i, reward_loop.no_model))}</p> }.into_any();
    }
    let parents = review.parents;
    let annotators = review.annotators;
    view! {
        <h2>{tr(i18n, |i| t_string!(i, reward_loop.parents_title))}</h2>
        {if parents.is_empty() {
            view! { <p class="muted" data-test="no-disagreements">{tr(i18n, |i| t_string!(i, reward_loop.no_disagreements))}</p> }.into_any()
        } else {
            view! {
                <table class="data-table" data-test="disagreements">
                    <thead><tr>
                        <th scope="col">{tr(i18n, |i| t_string!(i, reward_loop.parent))}</th>
                        <th scope="col">{tr(i18n, |i| t_string!(i, reward_loop.consensus_order))}</th>
                        <th scope="col">{tr(i18n, |i| t_string!(i, reward_loop.model_order))}</th>
                        <th scope="col">{tr(i18n, |i| t_string!(i, reward_loop.tau))}</th>
                    </tr></thead>
                    <tbody>
                        {parents.into_iter().map(|d| view! {
                            <tr data-test="disagreement">
                                <td><A href=format!("/moderation/messages/{}", d.parent)>{d.parent_text}</A>
                                    <br /><span class="muted">{t!(i18n, reward_loop.rankings, count = d.rankings)}</span></td>
                                <td>{order_list(d.consensus)}</td>
                                <td>{order_list(d.model)}</td>
                                <td class="num" data-test="tau">{format!("{:.2}", d.tau)}</td>
                            </tr>
                        }).collect_view()}
                    </tbody>
                </table>
            }.into_any()
        }}
        <h2>{tr(i18n, |i| t_string!(i, reward_loop.annotators_title))}</h2>
        <p class="hint">{tr(i18n, |i| t_string!(i, reward_loop.annotators_hint))}</p>
        {if annotators.is_empty() {
            view! { <p class="muted" data-test="no-dissenters">{tr(i18n, |i| t_string!(i, reward_loop.no_annotators))}</p> }.into_any()
        } else {
            view! {
                <table class="data-table" data-test="dissenters">
                    <thead><tr>
                        <th scope="col">{tr(i18n, |i| t_string!(i, reward_loop.annotator))}</th>
                        <th scope="col">{tr(i18n, |i| t_string!(i, reward_loop.rankings_column))}</th>
                        <th scope="col">{tr(i18n, |i| t_string!(i, reward_loop.with_consensus))}</th>
                        <th scope="col">{tr(i18n, |i| t_string!(i, reward_loop.with_model))}</th>
                    </tr></thead>
                    <tbody>
                        {annotators.into_iter().map(|a| view! {
                            <tr data-test="dissenter">
                                <td><A href=format!("/moderation/users/{}", a.user)>{a.display_name}</A></td>
                                <td class="num">{a.rankings}</td>
                                <td class="num">{format!("{:.2}", a.tau_consensus)}</td>
                                <td class="num">{format!("{:.2}", a.tau_model)}</td>
                            </tr>
                        }).collect_view()}
                    </tbody>
                </table>
            }.into_any()
        }}
    }
    .into_any()
}
