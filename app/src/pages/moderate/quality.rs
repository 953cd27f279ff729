//! The quality page: agreement per language and week (table and chart), the annotators with
//! their reliability, and the gold items with an import of a gold file.

use super::ModerationPage;
use crate::{
    api::quality::{gold_items, import_gold, load_agreement_report, retire_gold},
    components::{
        chart::{Line, LineChart},
        feedback::ErrorNote,
        gold::{describe, short_id},
        language_name,
        reliability::{decimal, ReliabilityTable},
    },
    error::AppError,
};
use crate::{i18n::*, tr};
use domain::{
    ids::GoldId,
    quality::{
        gold::{Expected, GoldItemView},
        view::{AgreementReport, AgreementRow},
    },
};
use leptos::{prelude::*, task::spawn_local};
use leptos_router::components::A;
use std::collections::BTreeMap;

#[component]
pub fn QualityPage() -> impl IntoView {
    let i18n = use_i18n();
    let lang = RwSignal::new(String::new());
    let weeks = RwSignal::new("12".to_owned());
    let version = RwSignal::new(0u32);
    let report = Resource::new(
        move || (lang.get(), weeks.get()),
        |(lang, weeks)| {
            load_agreement_report(
                (!lang.is_empty()).then_some(lang),
                weeks.parse().unwrap_or(12),
            )
        },
    );
    let gold = Resource::new(move || version.get(), |_| gold_items(None));
    let reload = Callback::new(move |()| version.update(|v| *v += 1));
    view! {
        <ModerationPage title=t_string!(i18n, quality.title)>
            <div class="filters card">
                <label>{tr(i18n, |i| t_string!(i, quality.language))}
                    <select bind:value=lang data-test="quality-lang">
                        <option value="">{tr(i18n, |i| t_string!(i, quality.all_languages))}</option>
                        {domain::message::LANGUAGES.iter().map(|(tag, _, native)| view! {
                            <option value=*tag>{*native}</option>
                        }).collect_view()}
                    </select>
                </label>
                <label>{tr(i18n, |i| t_string!(i, quality.weeks))}
                    <select bind:value=weeks>
                        <option value="4">"4"</option>
                        <option value="12">"12"</option>
                        <option value="26">"26"</option>
                        <option value="52">"52"</option>
                    </select>
                </label>
            </div>
            <p class="hint">{tr(i18n, |i| t_string!(i, quality.hint))}</p>
            <Transition fallback=move || view! { <p class="loading">{tr(i18n, |i| t_string!(i, common.loading))}</p> }>
                {move || report.get().map(|result| match result {
                    Ok(report) => view! { <Agreement report /> }.into_any(),
                    Err(error) => view! { <ErrorNote error /> }.into_any(),
                })}
            </Transition>
            <h2>{tr(i18n, |i| t_string!(i, quality.gold_title))}</h2>
            <p class="hint">{tr(i18n, |i| t_string!(i, quality.gold_hint))}</p>
            <Transition fallback=move || view! { <p class="loading">{tr(i18n, |i| t_string!(i, common.loading))}</p> }>
                {move || gold.get().map(|result| match result {
                    Ok(items) => view! { <GoldList items reload /> }.into_any(),
                    Err(error) => view! { <ErrorNote error /> }.into_any(),
                })}
            </Transition>
            <GoldImport reload />
        </ModerationPage>
    }
}

/// The mean of the defined values.
fn mean(values: impl Iterator<Item = Option<f64>>) -> Option<f64> {
    let defined: Vec<f64> = values.flatten().collect();
    (!defined.is_empty()).then(|| defined.iter().sum::<f64>() / defined.len() as f64)
}

#[component]
fn Agreement(report: AgreementReport) -> impl IntoView {
    let i18n = use_i18n();
    if report.rows.is_empty() {
        return view! {
            <p class="notice" data-test="no-agreement">{tr(i18n, |i| t_string!(i, quality.no_data))}</p>
            <h2>{tr(i18n, |i| t_string!(i, quality.annotators))}</h2>
            <ReliabilityTable rows=report.annotators test="annotators" />
        }
        .into_any();
    }
    // the chart: per week, the mean over languages of each measure
    let mut by_week: BTreeMap<String, Vec<&AgreementRow>> = BTreeMap::new();
    for row in &report.rows {
        by_week.entry(row.week.clone()).or_default().push(row);
    }
    let series = |pick: &dyn Fn(&AgreementRow) -> Option<f64>| -> Vec<(f64, f64)> {
        by_week
            .values()
            .enumerate()
            .filter_map(|(x, rows)| mean(rows.iter().map(|r| pick(r))).map(|y| (x as f64, y)))
            .collect()
    };
    let lines: Vec<Line> = vec![
        (
            t_string!(i18n, quality.tau).to_owned(),
            "#1b7f4b",
            series(&|r| r.mean_tau_b),
        ),
        (
            t_string!(i18n, quality.kendall_w).to_owned(),
            "#2c6fb7",
            series(&|r| r.kendalls_w),
        ),
        (
            t_string!(i18n, quality.alpha_spam).to_owned(),
            "#c0392b",
            series(&|r| r.alpha.get("spam").copied()),
        ),
        (
            t_string!(i18n, quality.alpha_quality).to_owned(),
            "#8e44ad",
            series(&|r| r.alpha.get("quality").copied()),
        ),
    ];
    let ends = (
        by_week.keys().next().cloned().unwrap_or_default(),
        by_week.keys().last().cloned().unwrap_or_default(),
    );
    let alpha = |row: &AgreementRow, name: &str| decimal(row.alpha.get(name).copied());
    view! {
        <LineChart title=t_string!(i18n, quality.chart_title) series=lines x_ends=ends />
        <h2>{tr(i18n, |i| t_string!(i, quality.agreement))}</h2>
        <div class="table-scroll" tabindex="0">
            <table class="data-table symbols" data-test="agreement">
                <thead><tr>
                    <th>{tr(i18n, |i| t_string!(i, quality.week))}</th>
                    <th>{tr(i18n, |i| t_string!(i, quality.language))}</th>
                    <th>{tr(i18n, |i| t_string!(i, quality.ranked_sets))}</th>
                    <th>{tr(i18n, |i| t_string!(i, quality.tau))}</th>
                    <th>{tr(i18n, |i| t_string!(i, quality.kendall_w))}</th>
                    <th>{tr(i18n, |i| t_string!(i, quality.reviewed))}</th>
                    <th>{tr(i18n, |i| t_string!(i, quality.alpha_spam))}</th>
                    <th>{tr(i18n, |i| t_string!(i, quality.alpha_lang))}</th>
                    <th>{tr(i18n, |i| t_string!(i, quality.alpha_quality))}</th>
                    <th>{tr(i18n, |i| t_string!(i, quality.changed))}</th>
                </tr></thead>
                <tbody>
                    {report.rows.iter().rev().map(|row| view! {
                        <tr data-test="agreement-row">
                            <td>{row.week.clone()}</td>
                            <td>{language_name(&row.lang)}</td>
                            <td class="num">{row.ranked_parents}</td>
                            <td class="num" data-test="tau">{decimal(row.mean_tau_b)}</td>
                            <td class="num">{decimal(row.kendalls_w)}</td>
                            <td class="num">{row.reviewed_messages}</td>
                            <td class="num" data-test="alpha-spam">{alpha(row, "spam")}</td>
                            <td class="num">{alpha(row, "lang_mismatch")}</td>
                            <td class="num">{alpha(row, "quality")}</td>
                            <td class="num">{format!("{}/{} · {}/{}", row.verdicts_changed_by_weights, row.verdicts, row.consensus_changed_by_weights, row.consensus_sets)}</td>
                        </tr>
                    }).collect_view()}
                </tbody>
            </table>
        </div>
        <p class="hint">{tr(i18n, |i| t_string!(i, quality.changed_hint))}</p>
        <h2>{tr(i18n, |i| t_string!(i, quality.annotators))}</h2>
        <p class="hint">{tr(i18n, |i| t_string!(i, quality.annotators_hint))}</p>
        <ReliabilityTable rows=report.annotators test="annotators" />
    }
    .into_any()
}

#[component]
fn GoldList(items: Vec<GoldItemView>, reload: Callback<()>) -> impl IntoView {
    let i18n = use_i18n();
    let error = RwSignal::new(None::<AppError>);
    let retire = move |gold: GoldId| {
        spawn_local(async move {
            match retire_gold(gold).await {
                Ok(()) => reload.run(()),
                Err(e) => error.set(Some(e)),
            }
        });
    };
    if items.is_empty() {
        return view! { <p class="notice" data-test="no-gold">{tr(i18n, |i| t_string!(i, quality.no_gold))}</p> }.into_any();
    }
    view! {
        <div class="table-scroll" tabindex="0">
            <table class="data-table" data-test="gold-items">
                <thead><tr>
                    <th>{tr(i18n, |i| t_string!(i, quality.message))}</th>
                    <th>{tr(i18n, |i| t_string!(i, quality.expected))}</th>
                    <th>{tr(i18n, |i| t_string!(i, quality.explanation_short))}</th>
                    <th>{tr(i18n, |i| t_string!(i, quality.right_answers))}</th>
                    <th></th>
                </tr></thead>
                <tbody>
                    {items.into_iter().map(|item| {
                        let gold = item.gold_id;
                        let kind = match item.expected {
                            Expected::Labels { .. } => t_string!(i18n, quality.kind_labels),
                            Expected::Ranking { .. } => t_string!(i18n, quality.kind_ranking),
                        };
                        view! {
                            <tr data-test="gold-row">
                                <td><A href=format!("/messages/{}", item.message_id)>{item.excerpt.clone()}</A> " " <span class="badge">{kind}</span></td>
                                <td>{describe(&item.expected, &short_id)}</td>
                                <td dir="auto">{item.explanation.clone()}</td>
                                <td class="num">{format!("{}/{}", item.correct, item.answers)}</td>
                                <td><button type="button" class="link-button" on:click=move |_| retire(gold)>{tr(i18n, |i| t_string!(i, quality.retire))}</button></td>
                            </tr>
                        }
                    }).collect_view()}
                </tbody>
            </table>
        </div>
        {move || error.get().map(|error| view! { <ErrorNote error /> })}
    }
    .into_any()
}

/// Two lines of a gold file: a message's labels, and the order of a parent's replies.
const GOLD_EXAMPLE: &str = r#"{"message_id": "…", "kind": "labels", "labels": {"spam": 0, "quality": 0.75}, "tolerance": 0.25, "explanation": "…"}
{"message_id": "…", "kind": "ranking", "ranking": [["…"], ["…", "…"]], "explanation": "…"}"#;

/// Reads the chosen file into the text box.
fn read_file(event: leptos::ev::Event, into: RwSignal<String>) {
    use leptos::wasm_bindgen::JsCast;
    let Some(input) = event
        .target()
        .and_then(|target| target.dyn_into::<web_sys::HtmlInputElement>().ok())
    else {
        return;
    };
    let Some(file) = input.files().and_then(|files| files.get(0)) else {
        return;
    };
    spawn_local(async move {
        if let Ok(text) = wasm_bindgen_futures::JsFuture::from(file.text()).await {
            into.set(text.as_string().unwrap_or_default());
        }
    });
}

#[component]
fn GoldImport(reload: Callback<()>) -> impl IntoView {
    let i18n = use_i18n();
    let lines = RwSignal::new(String::new());
    let result = RwSignal::new(None::<Result<u32, AppError>>);
    let submit = move |_| {
        let text = lines.get_untracked();
        spawn_local(async move {
            let outcome = import_gold(text).await.map(|report| report.items);
            if outcome.is_ok() {
                reload.run(());
            }
            result.set(Some(outcome));
        });
    };
    view! {
        <section class="card form" data-test="gold-import">
            <h3>{tr(i18n, |i| t_string!(i, quality.import_title))}</h3>
            <p class="hint">{tr(i18n, |i| t_string!(i, quality.import_hint))}</p>
            <pre class="example"><code>{GOLD_EXAMPLE}</code></pre>
            <label>{tr(i18n, |i| t_string!(i, quality.choose_file))}
                <input type="file" accept=".jsonl,.json,.txt" on:change=move |event| read_file(event, lines) />
            </label>
            <label>{tr(i18n, |i| t_string!(i, quality.import_lines))}
                <textarea rows="4" bind:value=lines data-test="gold-lines"></textarea>
            </label>
            <button type="button" class="button" data-test="import-gold" on:click=submit>{tr(i18n, |i| t_string!(i, quality.import_button))}</button>
            {move || result.get().map(|outcome| match outcome {
                Ok(items) => view! { <p class="notice success" role="status">{t!(i18n, quality.imported, items)}</p> }.into_any(),
                Err(error) => view! { <ErrorNote error /> }.into_any(),
            })}
        </section>
    }
}
