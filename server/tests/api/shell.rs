//! The app shell over HTTP: health, pages, not-found, guards.

use crate::helpers::TestApp;
use axum::http::StatusCode;
use sqlx::PgPool;

#[sqlx::test(migrator = "engine::MIGRATOR")]
async fn health_answers_ok_while_the_database_does(pool: PgPool) {
    let mut app = TestApp::new(pool.clone());
    let response = app.get("/healthz").await;
    assert_eq!(response.status, StatusCode::OK);
    assert_eq!(response.json(), serde_json::json!({ "status": "ok" }));
    // a pool of its own, closed: the test's pool shares connection permits with other tests
    let own = sqlx::postgres::PgPoolOptions::new()
        .connect_lazy_with(pool.connect_options().as_ref().clone());
    let mut unreachable = TestApp::new(own.clone());
    own.close().await;
    let response = unreachable.get("/healthz").await;
    assert_eq!(response.status, StatusCode::SERVICE_UNAVAILABLE);
}

#[sqlx::test(migrator = "engine::MIGRATOR")]
async fn pages_render_on_the_server_with_hydration_scripts(pool: PgPool) {
    let mut app = TestApp::new(pool);
    let response = app.get("/").await;
    assert_eq!(response.status, StatusCode::OK);
    assert!(response.body.contains("Grow conversations"));
    // grove.js, or grove.<hash>.js once scripts/build.sh recorded a hashed build
    for ext in [".js\"", ".wasm\"", ".css\""] {
        let loaded = response.body.split("/pkg/grove").skip(1).any(|rest| {
            rest.split('"')
                .next()
                .is_some_and(|name| format!("{name}\"").ends_with(ext))
        });
        assert!(loaded, "{ext} in {}", response.body);
    }
}

#[sqlx::test(migrator = "engine::MIGRATOR")]
async fn unknown_pages_are_404(pool: PgPool) {
    let mut app = TestApp::new(pool);
    let response = app.get("/no/such/page").await;
    assert_eq!(response.status, StatusCode::NOT_FOUND);
    assert!(response.body.contains("Page not found"));
}

#[sqlx::test(migrator = "engine::MIGRATOR")]
async fn guarded_pages_redirect_anonymous_visitors_to_login(pool: PgPool) {
    let mut app = TestApp::new(pool);
    for path in ["/dashboard", "/account", "/moderation"] {
        let response = app.get(path).await;
        assert_eq!(response.status, StatusCode::FOUND, "{path}");
        assert_eq!(
            response
                .headers
                .get("location")
                .and_then(|v| v.to_str().ok()),
            Some("/login"),
            "{path}"
        );
    }
}

#[sqlx::test(migrator = "engine::MIGRATOR")]
async fn annotators_are_refused_the_moderation_page(pool: PgPool) {
    let mut app = TestApp::new(pool);
    app.register("ada").await;
    let response = app.get("/moderation").await;
    assert_eq!(response.status, StatusCode::FORBIDDEN);
}

#[sqlx::test(migrator = "engine::MIGRATOR")]
async fn task_pages_need_a_login_and_accepted_terms(pool: PgPool) {
    let mut app = TestApp::new(pool);
    let anonymous = app.get("/tasks/random?lang=en").await;
    assert_eq!(anonymous.status, StatusCode::FOUND);
    app.register("ada").await;
    let no_terms = app.get("/tasks/random?lang=en").await;
    assert_eq!(no_terms.status, StatusCode::FOUND);
    assert_eq!(
        no_terms
            .headers
            .get("location")
            .and_then(|v| v.to_str().ok()),
        Some("/terms")
    );
    app.call("accept_terms", &[]).await;
    let page = app.get("/tasks/initial_prompt?lang=en").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("Start a conversation"), "{}", page.body);
}

#[sqlx::test(migrator = "engine::MIGRATOR")]
async fn a_session_read_while_the_database_is_away_is_a_503(pool: PgPool) {
    // a pool of its own, closed once the user is logged in (see the health test)
    let own = sqlx::postgres::PgPoolOptions::new()
        .connect_lazy_with(pool.connect_options().as_ref().clone());
    let mut app = TestApp::new(own.clone());
    app.register("ada").await;
    own.close().await;
    let response = app.post_json("/api/v1/tasks", r#"{"lang":"en"}"#).await;
    assert_eq!(response.status, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(response.json()["code"], "database_unavailable");
}
