//! The OpenAPI document: served, complete, and true about the routes it lists.

use crate::helpers::TestApp;
use axum::http::StatusCode;
use sqlx::PgPool;

#[sqlx::test(migrator = "engine::MIGRATOR")]
async fn the_openapi_document_lists_every_api_route(pool: PgPool) {
    let mut app = TestApp::new(pool);
    let response = app.get("/api/v1/openapi.json").await;
    assert_eq!(response.status, StatusCode::OK);
    let document = response.json();
    assert_eq!(document["openapi"], "3.1.0");
    let paths = document["paths"].as_object().cloned().unwrap_or_default();
    let mut listed: Vec<String> = paths
        .iter()
        .flat_map(|(path, item)| {
            let methods = item.as_object().cloned().unwrap_or_default();
            methods
                .keys()
                .map(|method| format!("{} {path}", method.to_uppercase()))
                .collect::<Vec<_>>()
        })
        .collect();
    listed.sort();
    assert_eq!(
        listed,
        [
            "GET /export",
            "GET /tasks/availability",
            "POST /messages/{message_id}/labels",
            "POST /messages/{message_id}/report",
            "POST /messages/{message_id}/thumb",
            "POST /tasks",
            "POST /tasks/{task_id}/ack",
            "POST /tasks/{task_id}/skip",
            "POST /tasks/{task_id}/submit",
        ]
    );
    // every schema a path refers to is defined
    let text = response.body.clone();
    let schemas = &document["components"]["schemas"];
    for reference in text.split("#/components/schemas/").skip(1) {
        let name: String = reference.chars().take_while(|c| *c != '"').collect();
        assert!(
            schemas[&name].is_object(),
            "{name} is referred to but not defined"
        );
    }
    // every operation documents the shared errors
    for (path, item) in &paths {
        for (method, operation) in item.as_object().cloned().unwrap_or_default() {
            for status in ["401", "429", "503"] {
                assert!(
                    operation["responses"][status].is_object(),
                    "{method} {path} does not document {status}"
                );
            }
        }
    }
}

#[sqlx::test(migrator = "engine::MIGRATOR")]
async fn each_documented_route_is_served(pool: PgPool) {
    let mut app = TestApp::new(pool);
    let document = app.get("/api/v1/openapi.json").await.json();
    let paths = document["paths"].as_object().cloned().unwrap_or_default();
    let some_id = "00000000-0000-0000-0000-000000000001";
    for (path, item) in paths {
        let url = format!(
            "/api/v1{}",
            path.replace("{task_id}", some_id)
                .replace("{message_id}", some_id)
        );
        for method in item.as_object().cloned().unwrap_or_default().keys() {
            let response = if method == "get" {
                app.get(&url).await
            } else {
                app.post_json(&url, "{}").await
            };
            // anonymous: refused for want of a login, never "no such endpoint"
            assert_eq!(
                response.json()["code"],
                "unauthenticated",
                "{method} {url}: {}",
                response.body
            );
        }
    }
}
