//! The task REST API: a whole round over JSON, and bad input answered with codes.

use crate::helpers::TestApp;
use axum::http::StatusCode;
use serde_json::json;
use sqlx::PgPool;

#[sqlx::test(migrator = "engine::MIGRATOR")]
async fn a_prompt_is_requested_and_submitted_over_json(pool: PgPool) {
    let mut app = TestApp::new(pool);
    app.contributor("ada").await;
    let availability = app.get("/api/v1/tasks/availability?lang=en").await;
    assert_eq!(availability.status, StatusCode::OK, "{}", availability.body);
    assert_eq!(availability.json()["counts"]["initial_prompt"], 30);

    let task = app.post_json("/api/v1/tasks", r#"{"lang":"en"}"#).await;
    assert_eq!(task.status, StatusCode::OK, "{}", task.body);
    assert_eq!(task.json()["kind"], "initial_prompt");
    let task_id = task.json()["task_id"]
        .as_str()
        .unwrap_or_default()
        .to_owned();

    let ack = app
        .post_json(&format!("/api/v1/tasks/{task_id}/ack"), "{}")
        .await;
    assert_eq!(ack.status, StatusCode::OK, "{}", ack.body);
    let body =
        json!({ "answer": { "type": "text", "text": "What makes rainbows?" }, "client_key": "k1" });
    let submit = app
        .post_json(
            &format!("/api/v1/tasks/{task_id}/submit"),
            &body.to_string(),
        )
        .await;
    assert_eq!(submit.status, StatusCode::OK, "{}", submit.body);
    assert_eq!(submit.json()["tree_state"], "initial_prompt_review");
    let retry = app
        .post_json(
            &format!("/api/v1/tasks/{task_id}/submit"),
            &body.to_string(),
        )
        .await;
    assert_eq!(
        retry.body, submit.body,
        "a retry with the same key gets the same answer"
    );
    let again = json!({ "answer": { "type": "text", "text": "Another" } });
    let done = app
        .post_json(
            &format!("/api/v1/tasks/{task_id}/submit"),
            &again.to_string(),
        )
        .await;
    assert_eq!(done.status, StatusCode::CONFLICT);
    assert_eq!(done.json()["code"], "task_already_done");
}

#[sqlx::test(migrator = "engine::MIGRATOR")]
async fn bad_input_is_a_4xx_with_a_code(pool: PgPool) {
    let mut app = TestApp::new(pool);
    let anonymous = app.post_json("/api/v1/tasks", r#"{"lang":"en"}"#).await;
    assert_eq!(anonymous.status, StatusCode::UNAUTHORIZED);
    assert_eq!(anonymous.json()["code"], "unauthenticated");

    app.register("bob").await;
    let no_terms = app.post_json("/api/v1/tasks", r#"{"lang":"en"}"#).await;
    assert_eq!(no_terms.status, StatusCode::FORBIDDEN);
    assert_eq!(no_terms.json()["code"], "terms_not_accepted");
    app.call("accept_terms", &[]).await;

    let cases = [
        (
            "/api/v1/tasks",
            "{not json",
            StatusCode::BAD_REQUEST,
            "invalid_json",
        ),
        (
            "/api/v1/tasks",
            r#"{"lang": 7}"#,
            StatusCode::BAD_REQUEST,
            "invalid_json",
        ),
        (
            "/api/v1/tasks",
            r#"{"lang":"en","kind":"dance"}"#,
            StatusCode::BAD_REQUEST,
            "invalid_json",
        ),
        (
            "/api/v1/tasks",
            r#"{"lang":"xx"}"#,
            StatusCode::BAD_REQUEST,
            "unsupported_language",
        ),
        (
            "/api/v1/tasks/not-a-uuid/submit",
            r#"{"answer":{"type":"text","text":"x"}}"#,
            StatusCode::BAD_REQUEST,
            "invalid_id",
        ),
        (
            "/api/v1/tasks/00000000-0000-0000-0000-000000000000/submit",
            r#"{"answer":{"type":"text","text":"x"}}"#,
            StatusCode::NOT_FOUND,
            "task_not_found",
        ),
        (
            "/api/v1/messages/00000000-0000-0000-0000-000000000000/thumb",
            r#"{"thumb":"up"}"#,
            StatusCode::NOT_FOUND,
            "message_not_found",
        ),
        (
            "/api/v1/nothing/here",
            "{}",
            StatusCode::NOT_FOUND,
            "not_found",
        ),
    ];
    for (path, body, status, code) in cases {
        let response = app.post_json(path, body).await;
        assert_eq!(response.status, status, "{path} {body}: {}", response.body);
        assert_eq!(response.json()["code"], code, "{path} {body}");
    }
}
