//! Prometheus metrics at `/metrics`: HTTP requests and their latency by route, the tasks the
//! engine handed out by kind and language, and the database pool. Kept in memory (one process,
//! counters since start), rendered in the text exposition format.

use axum::{
    extract::{MatchedPath, Request, State},
    http::header,
    middleware::Next,
    response::{IntoResponse, Response},
};
use engine::Engine;
use std::{
    collections::BTreeMap,
    fmt::Write,
    sync::{Arc, Mutex},
    time::Instant,
};

/// Upper bounds (seconds) of the latency histogram buckets.
const BUCKETS: [f64; 11] = [
    0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
];

#[derive(Default)]
struct Histogram {
    counts: [u64; BUCKETS.len()],
    count: u64,
    sum: f64,
}

impl Histogram {
    fn observe(&mut self, seconds: f64) {
        for (count, bound) in self.counts.iter_mut().zip(BUCKETS) {
            if seconds <= bound {
                *count += 1;
            }
        }
        self.count += 1;
        self.sum += seconds;
    }
}

/// `(method, route)` → status counts and latency.
#[derive(Default)]
struct RouteStats {
    statuses: BTreeMap<u16, u64>,
    latency: Histogram,
}

#[derive(Clone, Default)]
pub struct HttpMetrics {
    routes: Arc<Mutex<BTreeMap<(String, String), RouteStats>>>,
}

impl HttpMetrics {
    fn record(&self, method: &str, route: &str, status: u16, seconds: f64) {
        if let Ok(mut routes) = self.routes.lock() {
            let stats = routes
                .entry((method.to_owned(), route.to_owned()))
                .or_default();
            *stats.statuses.entry(status).or_default() += 1;
            stats.latency.observe(seconds);
        }
    }
}

/// Times every request. Routes are the matched patterns (`/api/v1/tasks/{id}/submit`), never raw
/// paths, so ids do not blow up the number of series; unmatched paths count as `unmatched`.
pub async fn track(State(metrics): State<HttpMetrics>, request: Request, next: Next) -> Response {
    let started = Instant::now();
    let method = request.method().as_str().to_owned();
    let path = request.uri().path();
    let route = match request.extensions().get::<MatchedPath>() {
        // server functions share one catch-all pattern: their own paths are few and fixed
        Some(matched) if !matched.as_str().contains("{*") => matched.as_str().to_owned(),
        _ => route_of_unmatched(path),
    };
    let response = next.run(request).await;
    metrics.record(
        &method,
        &route,
        response.status().as_u16(),
        started.elapsed().as_secs_f64(),
    );
    response
}

/// Server functions and static files have no pattern of their own but a small, fixed set of
/// paths; anything else (404s) is one series.
fn route_of_unmatched(path: &str) -> String {
    if path.starts_with("/api/") && !path.starts_with("/api/v1/") {
        path.to_owned()
    } else if path.starts_with("/pkg/") {
        "/pkg/*".to_owned()
    } else {
        "unmatched".to_owned()
    }
}

/// `GET /metrics`.
pub async fn render(State((metrics, engine)): State<(HttpMetrics, Engine)>) -> Response {
    let mut out = String::new();
    write_http(&mut out, &metrics);
    write_tasks(&mut out, &engine);
    write_pool(&mut out, &engine);
    ([(header::CONTENT_TYPE, "text/plain; version=0.0.4")], out).into_response()
}

fn write_http(out: &mut String, metrics: &HttpMetrics) {
    let Ok(routes) = metrics.routes.lock() else {
        return;
    };
    out.push_str("# HELP grove_http_requests_total HTTP requests answered, by route and status.\n");
    out.push_str("# TYPE grove_http_requests_total counter\n");
    for ((method, route), stats) in routes.iter() {
        for (status, count) in &stats.statuses {
            let _ = writeln!(
                out,
                "grove_http_requests_total{{method=\"{method}\",route=\"{}\",status=\"{status}\"}} {count}",
                escape(route)
            );
        }
    }
    out.push_str("# HELP grove_http_request_duration_seconds Time to answer, by route.\n");
    out.push_str("# TYPE grove_http_request_duration_seconds histogram\n");
    for ((method, route), stats) in routes.iter() {
        let labels = format!("method=\"{method}\",route=\"{}\"", escape(route));
        for (bound, count) in BUCKETS.iter().zip(stats.latency.counts) {
            let _ = writeln!(
                out,
                "grove_http_request_duration_seconds_bucket{{{labels},le=\"{bound}\"}} {count}"
            );
        }
        let h = &stats.latency;
        let _ = writeln!(
            out,
            "grove_http_request_duration_seconds_bucket{{{labels},le=\"+Inf\"}} {}",
            h.count
        );
        let _ = writeln!(
            out,
            "grove_http_request_duration_seconds_sum{{{labels}}} {}",
            h.sum
        );
        let _ = writeln!(
            out,
            "grove_http_request_duration_seconds_count{{{labels}}} {}",
            h.count
        );
    }
}

fn write_tasks(out: &mut String, engine: &Engine) {
    out.push_str("# HELP grove_tasks_served_total Tasks handed out, by kind and language.\n");
    out.push_str("# TYPE grove_tasks_served_total counter\n");
    for (kind, lang, count) in engine.counters().served_snapshot() {
        let _ = writeln!(
            out,
            "grove_tasks_served_total{{kind=\"{kind}\",lang=\"{}\"}} {count}",
            escape(&lang)
        );
    }
    out.push_str("# HELP grove_tasks_none_available_total Task requests that found nothing to do, by language.\n");
    out.push_str("# TYPE grove_tasks_none_available_total counter\n");
    for (lang, count) in engine.counters().none_available_snapshot() {
        let _ = writeln!(
            out,
            "grove_tasks_none_available_total{{lang=\"{}\"}} {count}",
            escape(&lang)
        );
    }
}

fn write_pool(out: &mut String, engine: &Engine) {
    let pool = engine.pool();
    let open = pool.size();
    let idle = u32::try_from(pool.num_idle()).unwrap_or(u32::MAX);
    let max = pool.options().get_max_connections();
    out.push_str("# HELP grove_db_connections Database connections: open, in use, idle, and the most allowed.\n");
    out.push_str("# TYPE grove_db_connections gauge\n");
    let _ = writeln!(out, "grove_db_connections{{state=\"open\"}} {open}");
    let _ = writeln!(
        out,
        "grove_db_connections{{state=\"in_use\"}} {}",
        open.saturating_sub(idle)
    );
    let _ = writeln!(out, "grove_db_connections{{state=\"idle\"}} {idle}");
    let _ = writeln!(out, "grove_db_connections{{state=\"max\"}} {max}");
}

/// Label values escape backslash, quote and newline.
fn escape(value: &str) -> String {
    value
        .replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_histogram_counts_into_every_bucket_at_or_above_the_value() {
        let mut h = Histogram::default();
        h.observe(0.02);
        h.observe(3.0);
        assert_eq!(h.counts.first(), Some(&0));
        assert_eq!(h.counts.get(2), Some(&1), "0.025 bucket");
        assert_eq!(h.counts.last(), Some(&2), "10 s bucket");
        assert_eq!(h.count, 2);
    }

    #[test]
    fn unmatched_paths_collapse_to_few_series() {
        assert_eq!(route_of_unmatched("/api/tasks/submit"), "/api/tasks/submit");
        assert_eq!(route_of_unmatched("/pkg/grove.wasm"), "/pkg/*");
        assert_eq!(route_of_unmatched("/no/such/page/123"), "unmatched");
    }

    #[test]
    fn label_values_are_escaped() {
        assert_eq!(escape("a\"b\\c\nd"), "a\\\"b\\\\c\\nd");
    }
}
