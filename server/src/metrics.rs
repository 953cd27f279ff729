//! Prometheus metrics at `/metrics`: HTTP requests and their latency by route, the tasks the
//! engine handed out by kind and language, and the database pool. Kept in memory (one process,
//! counters since start), rendered in the text exposition format. The number of series is
//! bounded whatever clients send: routes are patterns or one of the server functions' fixed
//! paths, everything else is one `unmatched` series; methods outside the standard few are
//! `other`. With `GROVE_METRICS_ADDR` the page is served on that (internal) address only.

use axum::{
    extract::{MatchedPath, Request, State},
    http::{header, Method},
    middleware::Next,
    response::{IntoResponse, Response},
};
use engine::Engine;
use std::{
    collections::{BTreeMap, HashSet},
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
    routes: Arc<Mutex<BTreeMap<(&'static str, String), RouteStats>>>,
    /// The paths of the server functions (fixed at build time).
    server_fns: Arc<HashSet<String>>,
}

impl HttpMetrics {
    /// Metrics that know the server functions' paths, so those get a series each.
    pub fn new(server_fns: impl IntoIterator<Item = String>) -> Self {
        Self {
            routes: Arc::default(),
            server_fns: Arc::new(server_fns.into_iter().collect()),
        }
    }

    fn record(&self, method: &'static str, route: &str, status: u16, seconds: f64) {
        if let Ok(mut routes) = self.routes.lock() {
            let stats = routes.entry((method, route.to_owned())).or_default();
            *stats.statuses.entry(status).or_default() += 1;
            stats.latency.observe(seconds);
        }
    }
}

/// Times every request. Routes are the matched patterns (`/api/v1/tasks/{id}/submit`), never raw
/// paths, so ids do not blow up the number of series; unmatched paths count as `unmatched`.
pub async fn track(State(metrics): State<HttpMetrics>, request: Request, next: Next) -> Response {
    let started = Instant::now();
    let method = method_label(request.method());
    let path = request.uri().path();
    let route = match request.extensions().get::<MatchedPath>() {
        // server functions share one catch-all pattern: their own paths are few and fixed
        Some(matched) if !matched.as_str().contains("{*") => matched.as_str().to_owned(),
        _ => route_of_unmatched(path, &metrics.server_fns),
    };
    let response = next.run(request).await;
    metrics.record(
        method,
        &route,
        response.status().as_u16(),
        started.elapsed().as_secs_f64(),
    );
    response
}

/// The method as a label: the standard ones, anything else `other`.
fn method_label(method: &Method) -> &'static str {
    match *method {
        Method::GET => "GET",
        Method::POST => "POST",
        Method::PUT => "PUT",
        Method::DELETE => "DELETE",
        Method::PATCH => "PATCH",
        Method::HEAD => "HEAD",
        Method::OPTIONS => "OPTIONS",
        _ => "other",
    }
}

/// Server functions and static files have no pattern of their own but a small, fixed set of
/// paths; anything else (404s, made-up `/api/...` paths) is one series.
fn route_of_unmatched(path: &str, server_fns: &HashSet<String>) -> String {
    if server_fns.contains(path) {
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
    write_retries(&mut out, &engine);
    write_surveys(&mut out, &engine);
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

fn write_retries(out: &mut String, engine: &Engine) {
    out.push_str("# HELP grove_transaction_retries_total Transactions run again after a conflict Postgres reported, by reason.\n");
    out.push_str("# TYPE grove_transaction_retries_total counter\n");
    for (reason, count) in engine.counters().retried_snapshot() {
        let _ = writeln!(
            out,
            "grove_transaction_retries_total{{reason=\"{reason}\"}} {count}"
        );
    }
}

fn write_surveys(out: &mut String, engine: &Engine) {
    let surveys = engine.counters().surveys_snapshot();
    out.push_str("# HELP grove_surveys_total Surveys of available work taken (one per half second and language at most, shared by the task requests of that half second).\n");
    out.push_str("# TYPE grove_surveys_total counter\n");
    let _ = writeln!(out, "grove_surveys_total {}", surveys.taken);
    out.push_str(
        "# HELP grove_survey_seconds_total Time spent taking surveys of available work (the part the task requests of the moment wait for; without the prompt lottery drawn after it).\n",
    );
    out.push_str("# TYPE grove_survey_seconds_total counter\n");
    let _ = writeln!(out, "grove_survey_seconds_total {:.6}", surveys.seconds);
    out.push_str(
        "# HELP grove_survey_second_looks_total Task requests that found nothing for their annotator in a survey older than themselves and looked again in a newer one.\n",
    );
    out.push_str("# TYPE grove_survey_second_looks_total counter\n");
    let _ = writeln!(
        out,
        "grove_survey_second_looks_total {}",
        surveys.looked_again
    );
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
        let known: HashSet<String> = ["/api/tasks/submit".to_owned()].into();
        assert_eq!(
            route_of_unmatched("/api/tasks/submit", &known),
            "/api/tasks/submit"
        );
        assert_eq!(route_of_unmatched("/pkg/grove.wasm", &known), "/pkg/*");
        assert_eq!(route_of_unmatched("/no/such/page/123", &known), "unmatched");
        assert_eq!(route_of_unmatched("/api/junk-1", &known), "unmatched");
        assert_eq!(route_of_unmatched("/api/v1/junk", &known), "unmatched");
    }

    #[test]
    fn junk_requests_add_no_series() {
        let metrics = HttpMetrics::new(["/api/tasks/submit".to_owned()]);
        for i in 0..1000 {
            let route = route_of_unmatched(&format!("/api/junk{i}"), &metrics.server_fns);
            metrics.record(method_label(&Method::POST), &route, 404, 0.001);
            let odd = Method::from_bytes(format!("X{i}").as_bytes()).unwrap();
            metrics.record(method_label(&odd), &route, 404, 0.001);
        }
        assert_eq!(metrics.routes.lock().unwrap().len(), 2);
    }

    #[test]
    fn label_values_are_escaped() {
        assert_eq!(escape("a\"b\\c\nd"), "a\\\"b\\\\c\\nd");
    }
}
