//! An annotator's reliability as moderators see it: a table of annotators (quality page,
//! trollboard) and the facts of one (user page).

use crate::{i18n::*, tr};
use domain::quality::{
    reliability::{FlagReason, Interval},
    view::AnnotatorReliability,
};
use leptos::prelude::*;
use leptos_router::components::A;

/// A share as a whole percentage, or a dash.
pub fn percent(value: Option<f64>) -> String {
    value.map_or_else(|| "–".to_owned(), |v| format!("{:.0} %", v * 100.0))
}

/// A number with two decimals, or a dash.
pub fn decimal(value: Option<f64>) -> String {
    value.map_or_else(|| "–".to_owned(), |v| format!("{v:.2}"))
}

/// "78 % (45–94 %, n = 9)", or a dash.
pub fn interval(value: Option<Interval>) -> String {
    value.map_or_else(
        || "–".to_owned(),
        |i| {
            format!(
                "{:.0} % ({:.0}–{:.0} %, n = {})",
                i.estimate * 100.0,
                i.low * 100.0,
                i.high * 100.0,
                i.n
            )
        },
    )
}

/// Why an annotator is flagged, in the interface language.
pub fn flag_reason(i18n: crate::I18n, reason: FlagReason) -> &'static str {
    match reason {
        FlagReason::Rankings => t_string!(i18n, quality.flag_rankings),
        FlagReason::Labels => t_string!(i18n, quality.flag_labels),
        FlagReason::Gold => t_string!(i18n, quality.flag_gold),
    }
}

/// Annotators with their leave-one-out agreement, gold accuracy, weights and flag.
#[component]
pub fn ReliabilityTable(rows: Vec<AnnotatorReliability>, test: &'static str) -> impl IntoView {
    let i18n = use_i18n();
    view! {
        <div class="table-scroll" tabindex="0">
            <table class="data-table symbols" data-test=test>
                <thead><tr>
                    <th>{tr(i18n, |i| t_string!(i, quality.user))}</th>
                    <th>{tr(i18n, |i| t_string!(i, quality.tasks))}</th>
                    <th>{tr(i18n, |i| t_string!(i, quality.label_agreement))}</th>
                    <th>{tr(i18n, |i| t_string!(i, quality.youden))}</th>
                    <th>{tr(i18n, |i| t_string!(i, quality.ranking_agreement))}</th>
                    <th>{tr(i18n, |i| t_string!(i, quality.gold))}</th>
                    <th>{tr(i18n, |i| t_string!(i, quality.weights))}</th>
                    <th>{tr(i18n, |i| t_string!(i, quality.flag))}</th>
                </tr></thead>
                <tbody>
                    {rows.into_iter().map(|row| view! {
                        <tr class:flagged=row.flag.is_some() data-test="annotator-row">
                            <td><A href=format!("/moderation/users/{}", row.user_id)>{row.username.clone()}</A></td>
                            <td class="num">{row.tasks_done}</td>
                            <td class="num">{format!("{} ({})", percent(row.label_agreement), row.label_items)}</td>
                            <td class="num">{decimal(row.label_youden)}</td>
                            <td class="num">{format!("{} ({})", decimal(row.ranking_agreement), row.ranking_pairs)}</td>
                            <td class="num">{interval(row.gold)}</td>
                            <td class="num">{format!("{:.2} / {:.2}", row.label_weight, row.ranking_weight)}</td>
                            <td data-test="flag">{row.flag.map(|reason| flag_reason(i18n, reason)).unwrap_or("")}</td>
                        </tr>
                    }).collect_view()}
                </tbody>
            </table>
        </div>
    }
}

/// One annotator's reliability as a list of facts.
#[component]
pub fn ReliabilityFacts(row: AnnotatorReliability) -> impl IntoView {
    let i18n = use_i18n();
    view! {
        <dl class="facts" data-test="reliability">
            <dt>{tr(i18n, |i| t_string!(i, quality.flag))}</dt>
            <dd data-test="reliability-flag">{row.flag.map_or_else(
                || t_string!(i18n, quality.not_flagged).to_owned(),
                |reason| format!("{} ({})", flag_reason(i18n, reason), row.flagged_at.clone().unwrap_or_default().chars().take(10).collect::<String>()),
            )}</dd>
            <dt>{tr(i18n, |i| t_string!(i, quality.label_agreement))}</dt>
            <dd>{format!("{} ({}); J = {}", percent(row.label_agreement), row.label_items, decimal(row.label_youden))}</dd>
            <dt>{tr(i18n, |i| t_string!(i, quality.ranking_agreement))}</dt>
            <dd>{format!("{} ({}, {})", decimal(row.ranking_agreement), row.ranking_pairs, row.rankings)}</dd>
            <dt>{tr(i18n, |i| t_string!(i, quality.gold))}</dt>
            <dd>{interval(row.gold)}</dd>
            <dt>{tr(i18n, |i| t_string!(i, quality.weights))}</dt>
            <dd data-test="reliability-weights">{format!("{:.2} / {:.2}", row.label_weight, row.ranking_weight)}</dd>
        </dl>
    }
}
