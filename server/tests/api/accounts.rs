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

/// The task loop reads the session in its own transaction (the web layer does not load it):
/// a session that logged out, or one the cookie merely names, cannot work there.
#[sqlx::test(migrator = "engine::MIGRATOR")]
async fn the_task_loop_refuses_sessions_that_ended(pool: PgPool) {
    let mut app = TestApp::new(pool);
    app.contributor("ada").await;
    let signed_in = app.cookie.clone();
    let task = app.post_json("/api/v1/tasks", r#"{"lang":"en"}"#).await;
    assert_eq!(task.status, StatusCode::OK, "{}", task.body);
    app.call("logout", &[]).await;
    // the browser forgot the cookie; somebody who kept a copy tries it
    app.cookie = signed_in;
    let after = app.post_json("/api/v1/tasks", r#"{"lang":"en"}"#).await;
    assert_eq!(after.status, StatusCode::UNAUTHORIZED, "{}", after.body);
    assert_eq!(after.json()["code"], "unauthenticated");
    app.cookie = Some("grove_session=AAAAAAAAAAAAAAAAAAAAAA".to_owned());
    let made_up = app.post_json("/api/v1/tasks", r#"{"lang":"en"}"#).await;
    assert_eq!(made_up.status, StatusCode::UNAUTHORIZED, "{}", made_up.body);
}

/// A session lasts while it is used: the first visit of a day starts its lifetime (and its
/// cookie's) again; later visits that day write nothing.
#[sqlx::test(migrator = "engine::MIGRATOR")]
async fn a_used_session_is_renewed_once_a_day(pool: PgPool) -> Result<(), sqlx::Error> {
    let mut app = TestApp::new(pool.clone());
    app.contributor("ada").await;
    // as if signed in six days ago, and not renewed since
    sqlx::query(
        "update web_session
         set expires_at = now() + interval '1 day',
             data = jsonb_set(data, '{grove.login,renewed_on}', 'null')",
    )
    .execute(&pool)
    .await?;
    let me = app.call("me", &[]).await;
    assert_eq!(me.json()["username"], "ada");
    let cookie = me.set_cookie().unwrap_or_default().to_owned();
    assert!(cookie.contains("Max-Age=604800"), "{cookie}");
    let left: f64 = sqlx::query_scalar(
        "select extract(epoch from expires_at - now())::float8 from web_session",
    )
    .fetch_one(&pool)
    .await?;
    assert!(left > 6.9 * 86400.0, "renewed for a week: {left}");
    let again = app.call("me", &[]).await;
    assert_eq!(again.json()["username"], "ada");
    assert_eq!(again.set_cookie(), None, "renewed once a day");
    Ok(())
}

/// Sessions of the store Grove used before its own are carried over at start-up: nobody is
/// signed out by the upgrade, and the old table is emptied.
#[sqlx::test(migrator = "engine::MIGRATOR")]
async fn sessions_of_the_old_store_are_carried_over(pool: PgPool) -> Result<(), sqlx::Error> {
    use tower_sessions::session::{Id, Record};
    let mut app = TestApp::new(pool.clone());
    app.contributor("ada").await;
    app.call("logout", &[]).await;
    let (user_id, version): (uuid::Uuid, i32) =
        sqlx::query_as("select user_id, session_version from app_user where username = 'ada'")
            .fetch_one(&pool)
            .await?;
    // a signed-in session in the old store's format (its table stays, emptied)
    let id = Id::default();
    let mut data = std::collections::HashMap::new();
    data.insert(
        "grove.login".to_owned(),
        serde_json::json!({"user_id": user_id, "session_version": version}),
    );
    let record = Record {
        id,
        data,
        expiry_date: time::OffsetDateTime::now_utc() + time::Duration::days(3),
    };
    let encoded = rmp_serde::to_vec(&record).map_err(|e| sqlx::Error::Protocol(e.to_string()))?;
    for (key, bytes) in [
        (id.to_string(), encoded),
        ("junk".to_owned(), vec![1, 2, 3]),
    ] {
        sqlx::query(
            "insert into tower_sessions.session values ($1, $2, now() + interval '3 days')",
        )
        .bind(key)
        .bind(bytes)
        .execute(&pool)
        .await?;
    }
    let store = app::session::WebSessions::new(Engine::new(pool.clone()));
    let carried = store.adopt_legacy().await;
    assert!(matches!(carried, Ok((1, 1))), "{carried:?}");
    let left: i64 = sqlx::query_scalar("select count(*) from tower_sessions.session")
        .fetch_one(&pool)
        .await?;
    assert_eq!(left, 0);
    assert!(matches!(store.adopt_legacy().await, Ok((0, 0))), "once");
    // the old cookie works, on pages and in the task loop
    app.cookie = Some(format!("grove_session={id}"));
    assert_eq!(app.call("me", &[]).await.json()["username"], "ada");
    let task = app.post_json("/api/v1/tasks", r#"{"lang":"en"}"#).await;
    assert_eq!(task.status, StatusCode::OK, "{}", task.body);
    Ok(())
}
