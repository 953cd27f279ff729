//! Browser defences and operations endpoints: cross-site writes are refused, pages carry a
//! nonce-based Content-Security-Policy that matches their scripts, `/metrics` counts requests
//! and tasks, and an `annotate` API key works tasks for its user.

use crate::helpers::{TestApp, PASSWORD};
use axum::{
    body::Body,
    http::{header, Request, StatusCode},
};
use domain::account::Role;
use engine::{accounts::Registration, Engine};
use sqlx::PgPool;

fn login_from(
    origin: Option<&'static str>,
    fetch_site: Option<&'static str>,
) -> axum::http::request::Builder {
    let mut request = Request::post("/api/login")
        .header(header::HOST, "grove.test")
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .header(header::ACCEPT, "application/json");
    if let Some(origin) = origin {
        request = request.header(header::ORIGIN, origin);
    }
    if let Some(site) = fetch_site {
        request = request.header("sec-fetch-site", site);
    }
    request
}

#[sqlx::test(migrator = "engine::MIGRATOR")]
async fn writes_from_another_site_are_refused(pool: PgPool) {
    let mut app = TestApp::new(pool);
    app.contributor("ada").await;
    let body = || Body::from(format!("username=ada&password={PASSWORD}"));

    for (origin, site) in [
        (Some("https://evil.test"), None),
        (Some("null"), None),
        (None, Some("cross-site")),
        (Some("http://grove.test"), Some("same-site")),
    ] {
        let response = app.send(login_from(origin, site), body()).await;
        assert_eq!(
            response.status,
            StatusCode::FORBIDDEN,
            "{origin:?} {site:?}"
        );
        assert_eq!(response.json()["code"], "cross_site_request");
    }
    for (origin, site) in [
        (Some("http://grove.test"), Some("same-origin")),
        (Some("http://grove.test"), None),
        (None, None),
    ] {
        let response = app.send(login_from(origin, site), body()).await;
        assert_eq!(
            response.status,
            StatusCode::OK,
            "{origin:?} {site:?}: {}",
            response.body
        );
    }
    // reading is never refused
    let page = app
        .send(
            Request::get("/").header("sec-fetch-site", "cross-site"),
            Body::empty(),
        )
        .await;
    assert_eq!(page.status, StatusCode::OK);
}

#[sqlx::test(migrator = "engine::MIGRATOR")]
async fn pages_allow_only_scripts_with_their_nonce(pool: PgPool) {
    let mut app = TestApp::new(pool);
    let page = app.get("/login").await;
    assert_eq!(page.status, StatusCode::OK);
    let policy = page
        .headers
        .get(header::CONTENT_SECURITY_POLICY)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_else(|| panic!("no CSP on a page"))
        .to_owned();
    let nonce = policy
        .split("'nonce-")
        .nth(1)
        .and_then(|rest| rest.split('\'').next())
        .unwrap_or_else(|| panic!("no nonce in {policy}"));
    assert!(
        policy.contains("object-src 'none'") && policy.contains("frame-ancestors 'none'"),
        "{policy}"
    );
    assert!(
        !policy.contains(" 'unsafe-eval'") && !policy.contains("script-src 'self' 'unsafe-inline'"),
        "{policy}"
    );
    // every script in the page carries that nonce
    let scripts = page.body.matches("<script").count();
    assert!(scripts > 0);
    assert_eq!(
        page.body
            .matches(&format!("<script nonce=\"{nonce}\""))
            .count()
            + page
                .body
                .matches(&format!("<script type=\"module\" nonce=\"{nonce}\""))
                .count(),
        scripts,
        "{}",
        page.body
    );
    // a second page gets a fresh nonce
    let again = app.get("/login").await;
    let second = again
        .headers
        .get(header::CONTENT_SECURITY_POLICY)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    assert!(!second.contains(nonce));
    for name in [
        "x-content-type-options",
        "x-frame-options",
        "referrer-policy",
    ] {
        assert!(page.headers.contains_key(name), "{name}");
    }
    let json = app.get("/healthz").await;
    assert_eq!(
        json.headers
            .get(header::CONTENT_SECURITY_POLICY)
            .and_then(|v| v.to_str().ok()),
        Some("default-src 'none'; frame-ancestors 'none'; base-uri 'none'")
    );
}

#[sqlx::test(migrator = "engine::MIGRATOR")]
async fn metrics_count_requests_tasks_and_connections(pool: PgPool) {
    let mut app = TestApp::new(pool);
    app.contributor("ada").await;
    let task = app
        .post_json("/api/v1/tasks", r#"{"kind":"initial_prompt","lang":"en"}"#)
        .await;
    assert_eq!(task.status, StatusCode::OK, "{}", task.body);
    let missing = app.post_json("/api/v1/tasks/not-an-id/submit", "{}").await;
    assert_eq!(missing.status, StatusCode::BAD_REQUEST);
    // made-up paths add no series of their own
    for i in 0..50 {
        app.post_json(&format!("/api/junk{i}"), "{}").await;
        app.get(&format!("/api/v1/junk/{i}")).await;
    }

    let metrics = app.get("/metrics").await;
    assert_eq!(metrics.status, StatusCode::OK);
    let text = metrics.body;
    for line in [
        r#"grove_http_requests_total{method="POST",route="/api/v1/tasks",status="200"} 1"#,
        r#"grove_http_requests_total{method="POST",route="/api/v1/tasks/{task_id}/submit",status="400"} 1"#,
        r#"grove_http_requests_total{method="POST",route="/api/register",status="200"} 1"#,
        r#"grove_tasks_served_total{kind="initial_prompt",lang="en"} 1"#,
        r#"grove_http_request_duration_seconds_count{method="POST",route="/api/v1/tasks"} 1"#,
        // the one task request took the language's survey
        "grove_surveys_total 1\n",
    ] {
        assert!(text.contains(line), "missing {line} in\n{text}");
    }
    assert!(
        text.contains(r#"grove_db_connections{state="max"} "#),
        "{text}"
    );
    assert!(!text.contains("junk"), "{text}");
    assert!(
        text.contains(r#"grove_http_requests_total{method="POST",route="unmatched",status="#),
        "{text}"
    );
}

#[sqlx::test(migrator = "engine::MIGRATOR")]
async fn an_annotate_key_works_tasks_for_its_user(pool: PgPool) {
    let engine = Engine::new(pool.clone());
    let register = |name: &str, role| Registration {
        username: name.to_owned(),
        email: String::new(),
        password: PASSWORD.to_owned(),
        role: Some(role),
    };
    let admin = engine
        .register(register("root", Role::Admin))
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let bot = engine
        .register(register("chatbot", Role::Annotator))
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    engine
        .accept_terms(bot.id)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let key = engine
        .create_api_key(admin.id, "discord", &["annotate".to_owned()], Some(bot.id))
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let export_key = engine
        .create_api_key(admin.id, "exports", &["export".to_owned()], None)
        .await
        .unwrap_or_else(|e| panic!("{e}"));

    let mut app = TestApp::new(pool.clone());
    let post = |key: &str| {
        Request::post("/api/v1/tasks")
            .header(header::CONTENT_TYPE, "application/json")
            .header(header::AUTHORIZATION, format!("Bearer {key}"))
    };
    let body = || Body::from(r#"{"kind":"initial_prompt","lang":"en"}"#);
    let task = app.send(post(&key), body()).await;
    assert_eq!(task.status, StatusCode::OK, "{}", task.body);
    let holder: String =
        sqlx::query_scalar("select user_id::text from task where task_id::text = $1")
            .bind(task.json()["task_id"].as_str().unwrap_or_default())
            .fetch_one(&pool)
            .await
            .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(holder, bot.id.to_string());

    let wrong_scope = app.send(post(&export_key), body()).await;
    assert_eq!(
        (wrong_scope.status, wrong_scope.json()["code"].as_str()),
        (StatusCode::FORBIDDEN, Some("scope_missing"))
    );
    let unknown = app.send(post("grove_not_a_key"), body()).await;
    assert_eq!(
        (unknown.status, unknown.json()["code"].as_str()),
        (StatusCode::UNAUTHORIZED, Some("invalid_api_key"))
    );
}

#[sqlx::test(migrator = "engine::MIGRATOR")]
async fn password_guessing_is_slowed_down(pool: PgPool) {
    let mut app = TestApp::new(pool);
    app.contributor("ada").await;
    let mut statuses = Vec::new();
    for _ in 0..11 {
        let response = app
            .call(
                "login",
                &[("username", "Ada"), ("password", "wrong-guess-1")],
            )
            .await;
        statuses.push(response.status);
        if response.status == StatusCode::TOO_MANY_REQUESTS {
            assert_eq!(response.json()["code"], "rate_limited");
            let retry: u64 = response
                .headers
                .get(header::RETRY_AFTER)
                .and_then(|v| v.to_str().ok())
                .and_then(|v| v.parse().ok())
                .unwrap_or_else(|| panic!("no Retry-After"));
            assert!((1..=60).contains(&retry), "{retry}");
        }
    }
    // ten guesses, then one a minute for that username, whatever the case it is typed in
    assert!(
        statuses[..10]
            .iter()
            .all(|s| *s == StatusCode::UNAUTHORIZED),
        "{statuses:?}"
    );
    assert_eq!(statuses[10], StatusCode::TOO_MANY_REQUESTS);
    // another account from the same client is not locked out
    let other = app
        .call(
            "login",
            &[("username", "bob"), ("password", "wrong-guess-1")],
        )
        .await;
    assert_eq!(other.status, StatusCode::UNAUTHORIZED);
}

#[sqlx::test(migrator = "engine::MIGRATOR")]
async fn huge_bodies_are_refused_with_a_code(pool: PgPool) {
    let mut app = TestApp::new(pool);
    app.contributor("ada").await;
    let huge = format!(
        r#"{{"answer":{{"type":"text","text":"{}"}}}}"#,
        "a".repeat(2 << 20)
    );
    let response = app
        .send(
            Request::post("/api/v1/tasks/00000000-0000-0000-0000-000000000000/submit")
                .header(header::CONTENT_TYPE, "application/json")
                .header(header::CONTENT_LENGTH, huge.len()),
            Body::from(huge),
        )
        .await;
    assert_eq!(response.status, StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(response.json()["code"], "body_too_large");
}
