//! The outside attack run's remaining findings, each answered correctly now.

use crate::helpers::{TestApp, PASSWORD};
use axum::{
    body::Body,
    http::{header, Request, StatusCode},
};
use domain::account::Role;
use engine::{accounts::Registration, Engine};
use sqlx::PgPool;

async fn account(engine: &Engine, name: &str, role: Role) -> engine::accounts::User {
    engine
        .register(Registration {
            username: name.to_owned(),
            email: String::new(),
            password: PASSWORD.to_owned(),
            role: Some(role),
        })
        .await
        .unwrap_or_else(|e| panic!("{e}"))
}

async fn logged_in(pool: &PgPool, name: &str) -> TestApp {
    let mut app = TestApp::new(pool.clone());
    let response = app
        .call("login", &[("username", name), ("password", PASSWORD)])
        .await;
    assert_eq!(response.status, StatusCode::OK, "{}", response.body);
    app
}

#[sqlx::test(migrator = "engine::MIGRATOR")]
async fn a_moderator_may_not_touch_an_admins_notes_or_leaderboard_place(pool: PgPool) {
    let engine = Engine::new(pool.clone());
    let admin = account(&engine, "root", Role::Admin).await;
    let annotator = account(&engine, "ada", Role::Annotator).await;
    account(&engine, "mod", Role::Moderator).await;
    let mut moderator = logged_in(&pool, "mod").await;
    for (endpoint, body) in [
        (
            "moderation/set_notes",
            format!("{{\"user_id\":\"{}\",\"notes\":\"x\"}}", admin.id),
        ),
        (
            "moderation/set_leaderboard",
            format!("{{\"user_id\":\"{}\",\"show\":false}}", admin.id),
        ),
    ] {
        let response = moderator
            .post_json(&format!("/api/{endpoint}"), &body)
            .await;
        assert_eq!(
            response.status,
            StatusCode::FORBIDDEN,
            "{endpoint}: {}",
            response.body
        );
        assert_eq!(response.json()["code"], "not_allowed_on_user");
    }
    // on an annotator both still work
    let notes = moderator
        .post_json(
            "/api/moderation/set_notes",
            &format!("{{\"user_id\":\"{}\",\"notes\":\"checked\"}}", annotator.id),
        )
        .await;
    assert_eq!(notes.status, StatusCode::OK, "{}", notes.body);
}

#[sqlx::test(migrator = "engine::MIGRATOR")]
async fn a_banned_users_key_exports_nothing(pool: PgPool) {
    let engine = Engine::new(pool.clone());
    engine
        .seed_messages(16, "en")
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let admin = account(&engine, "root", Role::Admin).await;
    let ada = account(&engine, "ada", Role::Annotator).await;
    let key = engine
        .create_api_key(
            admin.id,
            "annexp",
            &["annotate".to_owned(), "export".to_owned()],
            Some(ada.id),
        )
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let mut app = TestApp::new(pool.clone());
    let before = app
        .get_with_bearer("/api/v1/export?format=messages&gzip=false", &key)
        .await;
    assert_eq!(before.status, StatusCode::OK);
    engine
        .moderation_set_banned(admin.id, ada.id, true)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let after = app
        .get_with_bearer("/api/v1/export?format=messages&gzip=false", &key)
        .await;
    assert_eq!(after.status, StatusCode::FORBIDDEN, "{}", after.body);
    assert_eq!(after.json()["code"], "account_banned");
}

#[sqlx::test(migrator = "engine::MIGRATOR")]
async fn malformed_server_function_arguments_are_a_bad_request(pool: PgPool) {
    let mut app = TestApp::new(pool.clone());
    app.contributor("ada").await;
    for body in [
        "{\"kind\":\"bogus\",\"lang\":\"en\"}",
        "{}",
        "null",
        "[1, 2]",
        "{\"kind\": 7}",
    ] {
        let response = app.post_json("/api/tasks/request", body).await;
        assert_eq!(
            response.status,
            StatusCode::BAD_REQUEST,
            "{body}: {}",
            response.body
        );
        assert_eq!(response.json()["code"], "bad_request", "{body}");
    }
    let engine = Engine::new(pool.clone());
    account(&engine, "mod", Role::Moderator).await;
    let mut moderator = logged_in(&pool, "mod").await;
    let page = moderator
        .post_json(
            "/api/moderation/reports",
            "{\"status\":null,\"mine\":false,\"page\":-1}",
        )
        .await;
    assert_eq!(page.status, StatusCode::BAD_REQUEST, "{}", page.body);
}

#[sqlx::test(migrator = "engine::MIGRATOR")]
async fn a_decoy_session_cookie_does_not_escape_the_per_session_throttle(pool: PgPool) {
    let mut app = TestApp::new(pool.clone());
    app.contributor("ada").await;
    let real = app.cookie.clone().unwrap_or_default();
    let mut statuses = Vec::new();
    for i in 0..36 {
        let request = Request::post("/api/tasks/request")
            .header(header::CONTENT_TYPE, "application/json")
            .header(header::ACCEPT, "application/json")
            .header(header::COOKIE, format!("grove_session=decoy{i}; {real}"));
        let body = Body::from("{\"kind\":\"label_assistant_reply\",\"lang\":\"en\"}");
        let response = app.send(request, body).await;
        statuses.push(response.status);
    }
    assert!(
        statuses.contains(&StatusCode::TOO_MANY_REQUESTS),
        "36 requests of one session went through: {statuses:?}"
    );
}

#[sqlx::test(migrator = "engine::MIGRATOR")]
async fn behind_a_proxy_the_client_is_the_right_most_outside_hop(pool: PgPool) {
    let mut app = TestApp::with_flags(pool, &["--trust-forwarded-for"]);
    let mut statuses = Vec::new();
    for i in 0..40 {
        let request = Request::post("/api/login")
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .header(header::ACCEPT, "application/json")
            // the client writes the left entry; the proxy appends what it saw
            .header(
                "x-forwarded-for",
                format!("198.51.100.{i}, 203.0.113.9, 10.0.0.2"),
            );
        let body = Body::from(format!("username=nobody{i}&password=Guess-1234-aa"));
        statuses.push(app.send(request, body).await.status);
    }
    assert_eq!(
        statuses
            .iter()
            .filter(|s| **s == StatusCode::TOO_MANY_REQUESTS)
            .count(),
        10,
        "the 31st guess from 203.0.113.9 on is refused: {statuses:?}"
    );
}

#[sqlx::test(migrator = "engine::MIGRATOR")]
async fn the_current_password_check_is_throttled_like_a_login(pool: PgPool) {
    let mut app = TestApp::new(pool);
    app.contributor("ada").await;
    let mut statuses = Vec::new();
    for i in 0..12 {
        let response = app
            .call(
                "account/password",
                &[
                    ("current_password", &format!("guess-{i}-Xx")),
                    ("new_password", "Kelp-Forest-Heron-57-Quartz"),
                ],
            )
            .await;
        statuses.push(response.status);
    }
    assert!(
        statuses[..10].iter().all(|s| *s == StatusCode::BAD_REQUEST),
        "{statuses:?}"
    );
    assert_eq!(statuses[10], StatusCode::TOO_MANY_REQUESTS);
    // deleting the account checks the same password, under the same limit
    let delete = app
        .call("account/delete", &[("password", "guess-x-Xx")])
        .await;
    assert_eq!(delete.status, StatusCode::TOO_MANY_REQUESTS);
}

#[sqlx::test(migrator = "engine::MIGRATOR")]
async fn weak_passwords_and_impostor_names_are_refused_with_a_reason(pool: PgPool) {
    let mut app = TestApp::new(pool.clone());
    for (weak, code) in [
        ("password1234", "password_common"),
        ("Password1!", "password_common"),
        ("12345678901", "password_common"),
    ] {
        let response = app
            .call(
                "register",
                &[("username", "weakpw1"), ("email", ""), ("password", weak)],
            )
            .await;
        assert_eq!(
            response.status,
            StatusCode::BAD_REQUEST,
            "{weak}: {}",
            response.body
        );
        assert_eq!(response.json()["code"], code, "{weak}");
    }
    // the form asks the same question while the user types
    let advice = app
        .post_json(
            "/api/password/check",
            "{\"password\":\"qwertyuiop1\",\"username\":\"ada\"}",
        )
        .await;
    assert_eq!(advice.status, StatusCode::BAD_REQUEST);
    assert!(advice.json()["code"]
        .as_str()
        .is_some_and(|c| c.starts_with("password_")));
    let fine = app
        .post_json(
            "/api/password/check",
            "{\"password\":\"Kelp-Forest-Heron-57\",\"username\":\"ada\"}",
        )
        .await;
    assert_eq!(fine.status, StatusCode::OK, "{}", fine.body);

    let mut admin = TestApp::new(pool.clone());
    admin.contributor("admin1").await;
    let mut other = TestApp::new(pool);
    other.contributor("ann3").await;
    for (name, code) in [
        ("admin1", "name_taken"),
        ("Admin1", "name_taken"),
        ("\u{202e}1nimda", "invalid_display_name"),
        ("admin1\u{200b}", "invalid_display_name"),
    ] {
        let response = other
            .call("account/display_name", &[("display_name", name)])
            .await;
        assert_eq!(response.json()["code"], code, "{name:?}: {}", response.body);
    }
    let ok = other
        .call("account/display_name", &[("display_name", "Ann Three")])
        .await;
    assert_eq!(ok.status, StatusCode::OK, "{}", ok.body);
}

#[sqlx::test(migrator = "engine::MIGRATOR")]
async fn registering_tells_nothing_about_an_address(pool: PgPool) {
    let mut first = TestApp::new(pool.clone());
    let one = first
        .call(
            "register",
            &[
                ("username", "ann1"),
                ("email", "ann1@example.com"),
                ("password", PASSWORD),
            ],
        )
        .await;
    assert_eq!(one.status, StatusCode::OK, "{}", one.body);
    let mut second = TestApp::new(pool);
    let two = second
        .call(
            "register",
            &[
                ("username", "fresh123"),
                ("email", "ANN1@EXAMPLE.COM"),
                ("password", PASSWORD),
            ],
        )
        .await;
    assert_eq!(two.status, StatusCode::OK, "{}", two.body);
    // the same answer either way: the next page, nothing about the address
    assert_eq!(one.body, two.body);
}
