//! Accounts over HTTP: registration, login, sessions, bans, error codes.

use crate::helpers::{TestApp, PASSWORD};
use axum::http::StatusCode;
use engine::Engine;
use sqlx::PgPool;

#[sqlx::test(migrator = "engine::MIGRATOR")]
async fn registering_logs_in_and_leads_to_the_terms(pool: PgPool) {
    let mut app = TestApp::new(pool);
    let response = app.register("ada").await;
    assert_eq!(response.status, StatusCode::OK);
    assert_eq!(response.json(), "/terms");
    let me = app.call("me", &[]).await;
    assert_eq!(me.json()["username"], "ada");
    assert_eq!(me.json()["terms_accepted_on"], serde_json::Value::Null);
}

#[sqlx::test(migrator = "engine::MIGRATOR")]
async fn the_session_cookie_is_http_only_and_same_site_lax(pool: PgPool) {
    let mut app = TestApp::new(pool);
    let response = app.register("ada").await;
    let cookie = response.set_cookie().unwrap_or_default().to_owned();
    assert!(cookie.starts_with("grove_session="), "{cookie}");
    assert!(cookie.contains("HttpOnly"), "{cookie}");
    assert!(cookie.contains("SameSite=Lax"), "{cookie}");
    assert!(!cookie.contains("Secure"), "plain http in tests: {cookie}");
}

#[sqlx::test(migrator = "engine::MIGRATOR")]
async fn logging_in_gets_a_new_session_id(pool: PgPool) {
    let mut app = TestApp::new(pool);
    app.register("ada").await;
    let before = app.cookie.clone();
    let response = app
        .call("login", &[("username", "ada"), ("password", PASSWORD)])
        .await;
    assert_eq!(response.status, StatusCode::OK);
    assert!(app.cookie.is_some());
    assert_ne!(app.cookie, before);
}

#[sqlx::test(migrator = "engine::MIGRATOR")]
async fn unknown_user_and_wrong_password_get_one_answer(pool: PgPool) {
    let mut app = TestApp::new(pool);
    app.register("ada").await;
    app.call("logout", &[]).await;
    let wrong = app
        .call(
            "login",
            &[("username", "ada"), ("password", "not-it-at-all")],
        )
        .await;
    let unknown = app
        .call("login", &[("username", "nobody"), ("password", PASSWORD)])
        .await;
    assert_eq!(wrong.status, StatusCode::UNAUTHORIZED);
    assert_eq!(wrong.json()["code"], "invalid_credentials");
    assert_eq!(wrong.body, unknown.body);
    assert_eq!(wrong.status, unknown.status);
}

#[sqlx::test(migrator = "engine::MIGRATOR")]
async fn a_ban_ends_existing_sessions_and_blocks_login(pool: PgPool) -> Result<(), engine::Error> {
    let mut app = TestApp::new(pool.clone());
    app.register("mallory").await;
    let engine = Engine::new(pool);
    let user = engine.user_by_username("mallory").await?;
    engine.set_banned(user.id, true).await?;
    let me = app.call("me", &[]).await;
    assert_eq!(
        me.json(),
        serde_json::Value::Null,
        "the old session no longer counts"
    );
    let login = app
        .call("login", &[("username", "mallory"), ("password", PASSWORD)])
        .await;
    assert_eq!(login.status, StatusCode::FORBIDDEN);
    assert_eq!(login.json()["code"], "account_banned");
    Ok(())
}

#[sqlx::test(migrator = "engine::MIGRATOR")]
async fn account_functions_need_a_login(pool: PgPool) {
    let mut app = TestApp::new(pool);
    for endpoint in [
        "accept_terms",
        "account/display_name",
        "account/password",
        "account/delete",
    ] {
        let response = app
            .call(
                endpoint,
                &[
                    ("display_name", "x"),
                    ("current_password", "x"),
                    ("new_password", "x"),
                    ("password", "x"),
                ],
            )
            .await;
        assert_eq!(response.status, StatusCode::UNAUTHORIZED, "{endpoint}");
        assert_eq!(response.json()["code"], "unauthenticated", "{endpoint}");
    }
}

#[sqlx::test(migrator = "engine::MIGRATOR")]
async fn bad_input_gets_a_4xx_with_a_stable_code(pool: PgPool) {
    let mut app = TestApp::new(pool);
    let missing = app.call("login", &[("username", "ada")]).await;
    assert_eq!(missing.status, StatusCode::BAD_REQUEST, "{}", missing.body);
    assert_eq!(missing.json()["code"], "bad_request");
    let weak = app
        .call(
            "register",
            &[("username", "ada"), ("email", ""), ("password", "short")],
        )
        .await;
    assert_eq!(weak.status, StatusCode::BAD_REQUEST);
    assert_eq!(weak.json()["code"], "weak_password");
    app.register("ada").await;
    app.call("logout", &[]).await;
    let taken = app.register("ADA").await;
    assert_eq!(taken.status, StatusCode::CONFLICT);
    assert_eq!(taken.json()["code"], "username_taken");
}

#[sqlx::test(migrator = "engine::MIGRATOR")]
async fn a_plain_form_login_is_answered_with_a_redirect(pool: PgPool) {
    let mut app = TestApp::new(pool);
    app.register("ada").await;
    app.call("logout", &[]).await;
    let response = app
        .post_plain_form("login", &[("username", "ada"), ("password", PASSWORD)])
        .await;
    assert_eq!(response.status, StatusCode::SEE_OTHER);
    assert_eq!(
        response
            .headers
            .get("location")
            .and_then(|v| v.to_str().ok()),
        Some("/terms")
    );
}

#[sqlx::test(migrator = "engine::MIGRATOR")]
async fn accepting_the_terms_opens_the_dashboard(pool: PgPool) {
    let mut app = TestApp::new(pool);
    app.register("ada").await;
    let before = app.get("/dashboard").await;
    assert_eq!(before.status, StatusCode::FOUND, "sent to the terms first");
    let accepted = app.call("accept_terms", &[]).await;
    assert_eq!(accepted.json(), "/dashboard");
    let dashboard = app.get("/dashboard").await;
    assert_eq!(dashboard.status, StatusCode::OK);
    assert!(dashboard.body.contains("Welcome, "), "{}", dashboard.body);
}

#[sqlx::test(migrator = "engine::MIGRATOR")]
async fn changing_the_password_keeps_this_session(pool: PgPool) {
    let mut app = TestApp::new(pool);
    app.register("ada").await;
    let response = app
        .call(
            "account/password",
            &[
                ("current_password", PASSWORD),
                ("new_password", "orange-grove-42"),
            ],
        )
        .await;
    assert_eq!(response.status, StatusCode::OK, "{}", response.body);
    let me = app.call("me", &[]).await;
    assert_eq!(me.json()["username"], "ada");
}

#[sqlx::test(migrator = "engine::MIGRATOR")]
async fn deleting_the_account_logs_out(pool: PgPool) {
    let mut app = TestApp::new(pool);
    app.register("ada").await;
    let response = app.call("account/delete", &[("password", PASSWORD)]).await;
    assert_eq!(response.status, StatusCode::OK, "{}", response.body);
    let me = app.call("me", &[]).await;
    assert_eq!(me.json(), serde_json::Value::Null);
}
