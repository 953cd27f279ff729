//! Charts drawn as SVG by the page itself: no chart service, no script library.

use leptos::prelude::*;

const WIDTH: f64 = 640.0;
const HEIGHT: f64 = 200.0;
const PAD: f64 = 28.0;

/// A bar chart of stacked series over labelled columns (days, languages...).
#[component]
pub fn StackedBars(
    /// Column labels.
    labels: Vec<String>,
    /// (series name, css colour, one value per column).
    series: Vec<(String, &'static str, Vec<i64>)>,
    #[prop(into)] title: String,
) -> impl IntoView {
    let columns = labels.len().max(1);
    let totals: Vec<i64> = (0..columns)
        .map(|c| {
            series
                .iter()
                .map(|(_, _, values)| values.get(c).copied().unwrap_or(0))
                .sum()
        })
        .collect();
    let max = totals.iter().copied().max().unwrap_or(0).max(1) as f64;
    let slot = (WIDTH - PAD) / columns as f64;
    let bar = (slot * 0.75).max(1.0);
    let scale = (HEIGHT - 2.0 * PAD) / max;
    let mut rects = Vec::new();
    for column in 0..columns {
        let mut y = HEIGHT - PAD;
        for (name, colour, values) in &series {
            let value = values.get(column).copied().unwrap_or(0);
            if value == 0 {
                continue;
            }
            let h = value as f64 * scale;
            y -= h;
            let label = format!(
                "{}: {} {}",
                labels.get(column).cloned().unwrap_or_default(),
                value,
                name
            );
            rects.push(view! {
                <rect x=format!("{:.1}", PAD + column as f64 * slot) y=format!("{y:.1}") width=format!("{bar:.1}") height=format!("{h:.1}") fill=*colour>
                    <title>{label}</title>
                </rect>
            });
        }
    }
    let every = (columns / 8).max(1);
    let ticks: Vec<_> = labels
        .iter()
        .enumerate()
        .filter(|(i, _)| i % every == 0)
        .map(|(i, label)| view! {
            <text x=format!("{:.1}", PAD + i as f64 * slot) y=format!("{:.1}", HEIGHT - 8.0) class="tick">{label.clone()}</text>
        })
        .collect();
    view! {
        <figure class="chart">
            <figcaption>{title.clone()}</figcaption>
            <svg viewBox=format!("0 0 {WIDTH} {HEIGHT}") role="img" aria-label=title>
                <line x1=PAD y1=HEIGHT - PAD x2=WIDTH y2=HEIGHT - PAD class="axis" />
                <text x="0" y=PAD class="tick">{max as i64}</text>
                {rects}
                {ticks}
            </svg>
            <div class="legend">
                {series.iter().map(|(name, colour, _)| view! {
                    <span><i style:background=*colour></i>{name.clone()}</span>
                }).collect_view()}
            </div>
        </figure>
    }
}
