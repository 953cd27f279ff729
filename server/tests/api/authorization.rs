//! The authorization matrix: every moderation page and server function, for every role, from
//! one table. Anonymous visitors must log in, annotators are refused, a banned user's session
//! no longer counts, moderators and admins get through (an unknown id then answers 404).

use crate::helpers::{TestApp, PASSWORD};
use axum::http::StatusCode;
use domain::account::Role;
use engine::{accounts::Registration, Engine};
use sqlx::PgPool;

const NIL: &str = "00000000-0000-0000-0000-000000000000";

/// Every moderation server function with a body that reaches its engine call.
fn functions() -> Vec<(&'static str, String)> {
    vec![
        ("moderation/overview", "{}".to_owned()),
        (
            "moderation/users",
            r#"{"search":null,"sort":"newest","page":0}"#.to_owned(),
        ),
        ("moderation/user", format!(r#"{{"user_id":"{NIL}"}}"#)),
        (
            "moderation/set_role",
            format!(r#"{{"user_id":"{NIL}","role":"annotator"}}"#),
        ),
        (
            "moderation/set_banned",
            format!(r#"{{"user_id":"{NIL}","banned":true}}"#),
        ),
        (
            "moderation/set_notes",
            format!(r#"{{"user_id":"{NIL}","notes":"x"}}"#),
        ),
        (
            "moderation/set_leaderboard",
            format!(r#"{{"user_id":"{NIL}","show":false}}"#),
        ),
        (
            "moderation/purge",
            format!(r#"{{"user_id":"{NIL}","ban":false,"preview":true}}"#),
        ),
        ("moderation/messages", r#"{"filter":{}}"#.to_owned()),
        ("moderation/message", format!(r#"{{"message_id":"{NIL}"}}"#)),
        ("moderation/delete", format!(r#"{{"message_id":"{NIL}"}}"#)),
        (
            "moderation/undelete",
            format!(r#"{{"message_id":"{NIL}"}}"#),
        ),
        (
            "moderation/edit",
            format!(r#"{{"message_id":"{NIL}","text":"new text"}}"#),
        ),
        (
            "moderation/halt",
            format!(r#"{{"message_id":"{NIL}","halted":true}}"#),
        ),
        (
            "moderation/reports",
            r#"{"status":null,"mine":false,"page":0}"#.to_owned(),
        ),
        (
            "moderation/assign_report",
            format!(r#"{{"report_id":"{NIL}"}}"#),
        ),
        (
            "moderation/resolve_report",
            format!(r#"{{"report_id":"{NIL}","outcome":"no_action","note":null}}"#),
        ),
        (
            "moderation/trollboard",
            r#"{"window":"week","banned":false}"#.to_owned(),
        ),
        ("moderation/export_jobs", "{}".to_owned()),
        ("quality/report", r#"{"lang":null,"weeks":4}"#.to_owned()),
        ("quality/flagged", "{}".to_owned()),
        ("quality/gold", r#"{"tree":null}"#.to_owned()),
        (
            "quality/gold/mark",
            format!(r#"{{"gold":{{"message_id":"{NIL}","kind":"labels","labels":{{"spam":1}}}}}}"#),
        ),
        ("quality/gold/retire", format!(r#"{{"gold_id":"{NIL}"}}"#)),
        (
            "quality/gold/import",
            serde_json::json!({"lines": format!(r#"{{"message_id":"{NIL}","kind":"labels","labels":{{"spam":1}}}}"#)}).to_string(),
        ),
        (
            "moderation/export_start",
            r#"{"query":{"format":"trees","states":"growing","langs":"en"}}"#.to_owned(),
        ),
    ]
}

fn pages() -> Vec<String> {
    vec![
        "/moderation".to_owned(),
        "/moderation/messages".to_owned(),
        format!("/moderation/messages/{NIL}"),
        "/moderation/users".to_owned(),
        format!("/moderation/users/{NIL}"),
        "/moderation/reports".to_owned(),
        "/moderation/trollboard".to_owned(),
        "/moderation/export".to_owned(),
        "/moderation/quality".to_owned(),
    ]
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Who {
    Anonymous,
    Annotator,
    Banned,
    Moderator,
    Admin,
}

async fn client(pool: &PgPool, who: Who) -> TestApp {
    let mut app = TestApp::new(pool.clone());
    let engine = Engine::new(pool.clone());
    let role = match who {
        Who::Anonymous => return app,
        Who::Annotator | Who::Banned => Role::Annotator,
        Who::Moderator => Role::Moderator,
        Who::Admin => Role::Admin,
    };
    let name = format!("{who:?}").to_lowercase();
    let user = engine
        .register(Registration {
            username: name.clone(),
            email: String::new(),
            password: PASSWORD.to_owned(),
            role: Some(role),
        })
        .await
        .unwrap_or_else(|e| panic!("cannot register {name}: {e}"));
    engine
        .accept_terms(user.id)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    app.call("login", &[("username", &name), ("password", PASSWORD)])
        .await;
    if who == Who::Banned {
        engine
            .set_banned(user.id, true)
            .await
            .unwrap_or_else(|e| panic!("{e}"));
    }
    app
}

#[sqlx::test(migrator = "engine::MIGRATOR")]
async fn every_moderation_function_and_page_checks_the_role(pool: PgPool) {
    for who in [
        Who::Anonymous,
        Who::Annotator,
        Who::Banned,
        Who::Moderator,
        Who::Admin,
    ] {
        let mut app = client(&pool, who).await;
        for (endpoint, body) in functions() {
            let response = app.post_json(&format!("/api/{endpoint}"), &body).await;
            let status = response.status;
            match who {
                Who::Anonymous | Who::Banned => {
                    assert_eq!(
                        status,
                        StatusCode::UNAUTHORIZED,
                        "{who:?} {endpoint}: {}",
                        response.body
                    )
                }
                Who::Annotator => assert_eq!(
                    status,
                    StatusCode::FORBIDDEN,
                    "{who:?} {endpoint}: {}",
                    response.body
                ),
                Who::Moderator | Who::Admin => assert!(
                    status == StatusCode::OK || status == StatusCode::NOT_FOUND,
                    "{who:?} {endpoint}: {status} {}",
                    response.body
                ),
            }
        }
        for page in pages() {
            let response = app.get(&page).await;
            let status = response.status;
            let location = response
                .headers
                .get("location")
                .and_then(|v| v.to_str().ok())
                .map(str::to_owned);
            match who {
                Who::Anonymous | Who::Banned => {
                    assert_eq!(
                        (status, location.as_deref()),
                        (StatusCode::FOUND, Some("/login")),
                        "{who:?} {page}"
                    )
                }
                Who::Annotator => assert_eq!(status, StatusCode::FORBIDDEN, "{who:?} {page}"),
                Who::Moderator | Who::Admin => assert!(
                    status == StatusCode::OK || status == StatusCode::NOT_FOUND,
                    "{who:?} {page}: {status}"
                ),
            }
        }
    }
}

#[sqlx::test(migrator = "engine::MIGRATOR")]
async fn moderators_cannot_grant_moderator_or_admin_but_admins_can(pool: PgPool) {
    let engine = Engine::new(pool.clone());
    let target = engine
        .register(Registration {
            username: "target".to_owned(),
            email: String::new(),
            password: PASSWORD.to_owned(),
            role: None,
        })
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    for (who, role, allowed) in [
        (Who::Moderator, "moderator", false),
        (Who::Moderator, "admin", false),
        (Who::Admin, "moderator", true),
        (Who::Admin, "admin", true),
    ] {
        let mut app = client(&pool, who).await;
        let body = format!(r#"{{"user_id":"{}","role":"{role}"}}"#, target.id);
        let response = app.post_json("/api/moderation/set_role", &body).await;
        if allowed {
            assert_eq!(
                response.status,
                StatusCode::OK,
                "{who:?} → {role}: {}",
                response.body
            );
            engine
                .set_role(target.id, Role::Annotator)
                .await
                .unwrap_or_else(|e| panic!("{e}"));
        } else {
            assert_eq!(response.status, StatusCode::FORBIDDEN, "{who:?} → {role}");
            assert_eq!(response.json()["code"], "role_not_grantable");
        }
        // a second client of the same role would clash on the username: clean up
        sqlx::query!("delete from tower_sessions.session")
            .execute(&pool)
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        sqlx::query!("delete from audit_log")
            .execute(&pool)
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        sqlx::query!("delete from app_user where username <> 'target'")
            .execute(&pool)
            .await
            .unwrap_or_else(|e| panic!("{e}"));
    }
}
