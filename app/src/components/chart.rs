//! Charts drawn as SVG by the page itself: no chart service, no script library.

use leptos::prelude::*;

const WIDTH: f64 = 640.0;
const HEIGHT: f64 = 200.0;
const PAD: f64 = 28.0;
/// The widest bar, in the chart's units.
const MAX_BAR: f64 = 48.0;

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
    // a few columns stay bars, not slabs
    let bar = (slot * 0.75).clamp(1.0, MAX_BAR);
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

/// One line: its name, css colour and (x, y) points in x order.
pub type Line = (String, &'static str, Vec<(f64, f64)>);

/// A line chart of one or more series over a shared x axis (training steps...).
#[component]
pub fn LineChart(
    series: Vec<Line>,
    #[prop(into)] title: String,
    /// Labels of the first and last x value (dates...), instead of the numbers.
    #[prop(optional)]
    x_ends: Option<(String, String)>,
) -> impl IntoView {
    let all = series.iter().flat_map(|(_, _, points)| points.iter());
    let (mut x_max, mut y_min, mut y_max) = (f64::MIN, f64::MAX, f64::MIN);
    let mut x_min = f64::MAX;
    for (x, y) in all {
        x_min = x_min.min(*x);
        x_max = x_max.max(*x);
        y_min = y_min.min(*y);
        y_max = y_max.max(*y);
    }
    if x_min > x_max {
        (x_min, x_max, y_min, y_max) = (0.0, 1.0, 0.0, 1.0);
    }
    let x_span = (x_max - x_min).max(1e-9);
    let y_span = (y_max - y_min).max(1e-9);
    let to_x = move |x: f64| PAD + (x - x_min) / x_span * (WIDTH - 2.0 * PAD);
    let to_y = move |y: f64| HEIGHT - PAD - (y - y_min) / y_span * (HEIGHT - 2.0 * PAD);
    let lines: Vec<_> = series
        .iter()
        .map(|(name, colour, points)| {
            let path = points
                .iter()
                .map(|(x, y)| format!("{:.1},{:.1}", to_x(*x), to_y(*y)))
                .collect::<Vec<_>>()
                .join(" ");
            // a lone point draws no line: mark it
            let dot = (points.len() == 1).then(|| {
                points.first().map(|(x, y)| view! {
                    <circle cx=format!("{:.1}", to_x(*x)) cy=format!("{:.1}", to_y(*y)) r="4" fill=*colour />
                })
            });
            view! {
                <polyline points=path fill="none" stroke=*colour stroke-width="2">
                    <title>{name.clone()}</title>
                </polyline>
                {dot}
            }
        })
        .collect();
    view! {
        <figure class="chart">
            <figcaption>{title.clone()}</figcaption>
            <svg viewBox=format!("0 0 {WIDTH} {HEIGHT}") role="img" aria-label=title>
                <line x1=PAD y1=HEIGHT - PAD x2=WIDTH - PAD y2=HEIGHT - PAD class="axis" />
                <text x="0" y=PAD class="tick">{format!("{y_max:.3}")}</text>
                <text x="0" y=HEIGHT - PAD class="tick">{format!("{y_min:.3}")}</text>
                <text x=PAD y=HEIGHT - 8.0 class="tick">{x_ends.as_ref().map_or_else(|| format!("{x_min:.0}"), |(first, _)| first.clone())}</text>
                <text x=WIDTH - 2.0 * PAD y=HEIGHT - 8.0 class="tick" text-anchor="end">{x_ends.as_ref().map_or_else(|| format!("{x_max:.0}"), |(_, last)| last.clone())}</text>
                {lines}
            </svg>
            <div class="legend">
                {series.iter().map(|(name, colour, _)| view! {
                    <span><i style:background=*colour></i>{name.clone()}</span>
                }).collect_view()}
            </div>
        </figure>
    }
}
