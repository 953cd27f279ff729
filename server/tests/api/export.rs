//! The REST export: API keys with the export scope (or a moderator's session), streamed gzip.

use crate::helpers::{TestApp, PASSWORD};
use axum::http::StatusCode;
use domain::account::Role;
use engine::{accounts::Registration, Engine};
use flate2::read::GzDecoder;
use sqlx::PgPool;
use std::io::Read;

async fn admin_key(engine: &Engine, scopes: &[&str]) -> String {
    let admin = match engine.user_by_username("root").await {
        Ok(user) => user,
        Err(_) => engine
            .register(Registration {
                username: "root".to_owned(),
                email: String::new(),
                password: PASSWORD.to_owned(),
                role: Some(Role::Admin),
            })
            .await
            .unwrap_or_else(|e| panic!("{e}")),
    };
    let scopes: Vec<String> = scopes.iter().map(|s| (*s).to_owned()).collect();
    engine
        .create_api_key(admin.id, "test", &scopes, None)
        .await
        .unwrap_or_else(|e| panic!("{e}"))
}

#[sqlx::test(migrator = "engine::MIGRATOR")]
async fn an_export_key_streams_gzipped_json_lines(pool: PgPool) {
    let engine = Engine::new(pool.clone());
    engine
        .seed_messages(64, "en")
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let key = admin_key(&engine, &["export"]).await;
    let mut app = TestApp::new(pool);
    let response = app
        .get_with_bearer("/api/v1/export?format=messages&langs=en", &key)
        .await;
    assert_eq!(response.status, StatusCode::OK);
    assert_eq!(
        response
            .headers
            .get("content-type")
            .and_then(|v| v.to_str().ok()),
        Some("application/gzip")
    );
    let mut text = String::new();
    GzDecoder::new(&response.bytes[..])
        .read_to_string(&mut text)
        .unwrap_or_else(|e| panic!("{e}"));
    let lines: Vec<serde_json::Value> = text
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_default())
        .collect();
    assert_eq!(lines.len(), 64);
    assert!(lines
        .iter()
        .all(|m| m["message_tree_id"].is_string() && m["role"].is_string()));

    let plain = app
        .get_with_bearer("/api/v1/export?format=trees&gzip=false", &key)
        .await;
    assert_eq!(plain.body.lines().count(), 4);

    // booleans in the query are booleans (a flattened query once refused them)
    let filtered = app
        .get_with_bearer(
            "/api/v1/export?format=trees&include_deleted=true&prompts_only=false&gzip=false",
            &key,
        )
        .await;
    assert_eq!(filtered.status, StatusCode::OK, "{}", filtered.body);
    assert_eq!(filtered.body.lines().count(), 4);
    let wrong = app
        .get_with_bearer("/api/v1/export?format=trees&include_deleted=maybe", &key)
        .await;
    assert_eq!(wrong.status, StatusCode::BAD_REQUEST);
    assert_eq!(wrong.json()["code"], "invalid_query");
}

#[sqlx::test(migrator = "engine::MIGRATOR")]
async fn exports_need_the_export_scope(pool: PgPool) {
    let engine = Engine::new(pool.clone());
    let reader = admin_key(&engine, &["read"]).await;
    let mut app = TestApp::new(pool);
    let anonymous = app.get("/api/v1/export?format=trees").await;
    assert_eq!(anonymous.status, StatusCode::UNAUTHORIZED);
    let wrong_scope = app
        .get_with_bearer("/api/v1/export?format=trees", &reader)
        .await;
    assert_eq!(wrong_scope.status, StatusCode::FORBIDDEN);
    assert_eq!(wrong_scope.json()["code"], "scope_missing");
    let unknown = app
        .get_with_bearer("/api/v1/export?format=trees", "grove_nope")
        .await;
    assert_eq!(unknown.status, StatusCode::UNAUTHORIZED);
    let key = admin_key(&engine, &["export"]).await;
    let bad = app.get_with_bearer("/api/v1/export?format=csv", &key).await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
    assert_eq!(bad.json()["code"], "invalid_format");
}
