//! Pseudonyms that hold: an export and everything an anonymous visitor can read do not map a
//! pseudonym back to an account. The attack of the outside review, and the obvious others,
//! must all fail.

use crate::helpers::{TestApp, PASSWORD};
use axum::http::StatusCode;
use domain::account::Role;
use engine::{accounts::Registration, simulate::Simulation, Engine, TreeConfig};
use sha2::{Digest, Sha256};
use sqlx::PgPool;
use std::collections::BTreeSet;
use uuid::Uuid;

/// The review's attack: `UUID(SHA-256(secret ":" user)[..16])` for a secret the attacker
/// would choose, on every user id they can see.
fn guessed_pseudonym(secret: &str, user: Uuid) -> String {
    let digest = Sha256::new()
        .chain_update(secret.as_bytes())
        .chain_update(b":")
        .chain_update(user.as_bytes())
        .finalize();
    let mut bytes = [0u8; 16];
    bytes.copy_from_slice(&digest[..16]);
    Uuid::from_bytes(bytes).to_string()
}

/// Every UUID-shaped string in a text.
fn uuids(text: &str) -> BTreeSet<String> {
    let mut found = BTreeSet::new();
    let bytes = text.as_bytes();
    for start in 0..bytes.len().saturating_sub(35) {
        if let Some(candidate) = text.get(start..start + 36) {
            if Uuid::parse_str(candidate).is_ok() && candidate.matches('-').count() == 4 {
                found.insert(candidate.to_owned());
            }
        }
    }
    found
}

#[sqlx::test(migrator = "engine::MIGRATOR")]
async fn no_pseudonym_maps_back_to_an_account(pool: PgPool) {
    // trees grown by real annotators (spammers among them), through the real use-cases
    let engine = Engine::with_config(
        pool.clone(),
        TreeConfig {
            goal_tree_size: 6,
            ..TreeConfig::default()
        },
    );
    engine
        .simulate(Simulation {
            users: 8,
            trees: 3,
            spammer_share: 0.25,
            seed: 5,
            ..Simulation::default()
        })
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let accounts: Vec<(Uuid, String, String)> =
        sqlx::query_as("select user_id, username, display_name from app_user")
            .fetch_all(&pool)
            .await
            .unwrap_or_else(|e| panic!("{e}"));
    let admin = engine
        .register(Registration {
            username: "root".to_owned(),
            email: String::new(),
            password: PASSWORD.to_owned(),
            role: Some(Role::Admin),
        })
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let key = engine
        .create_api_key(admin.id, "export", &["export".to_owned()], None)
        .await
        .unwrap_or_else(|e| panic!("{e}"));

    let mut app = TestApp::new(pool.clone());
    // the secret is the server's: a request naming one is refused, not followed
    let chosen = app
        .get_with_bearer(
            "/api/v1/export?format=messages&states=all&gzip=false&secret=S",
            &key,
        )
        .await;
    assert_eq!(chosen.status, StatusCode::BAD_REQUEST, "{}", chosen.body);
    let export = app
        .get_with_bearer("/api/v1/export?format=messages&states=all&gzip=false", &key)
        .await;
    assert_eq!(export.status, StatusCode::OK);
    let records: Vec<serde_json::Value> = export
        .body
        .lines()
        .map(|line| serde_json::from_str(line).unwrap_or_default())
        .collect();
    assert!(records.len() > 10);
    let pseudonyms: BTreeSet<String> = records
        .iter()
        .filter_map(|r| r["user_id"].as_str().map(str::to_owned))
        .collect();
    // the same author keeps one pseudonym from export to export (the server's secret)
    let again = app
        .get_with_bearer("/api/v1/export?format=messages&states=all&gzip=false", &key)
        .await;
    assert_eq!(again.body, export.body);

    // everything an anonymous visitor can read: pages and the data behind them
    let mut public = String::new();
    let mut visitor = TestApp::new(pool.clone());
    for window in ["day", "week", "month", "total"] {
        let board = visitor
            .post_json("/api/leaderboard", &format!("{{\"window\":\"{window}\"}}"))
            .await;
        assert_eq!(board.status, StatusCode::OK, "{}", board.body);
        public.push_str(&board.body);
    }
    for path in ["/", "/leaderboard", "/stats"] {
        public.push_str(&visitor.get(path).await.body);
    }
    public.push_str(&visitor.post_json("/api/stats", "{}").await.body);
    let mut pages = Vec::new();
    let mut shown = 0;
    for record in &records {
        let Some(id) = record["message_id"].as_str() else {
            continue;
        };
        let tree = visitor
            .post_json(
                "/api/messages/tree",
                &format!("{{\"message_id\":\"{id}\"}}"),
            )
            .await;
        let page = visitor.get(&format!("/messages/{id}")).await.body;
        if tree.status == StatusCode::OK {
            for message in tree.json()["messages"].as_array().into_iter().flatten() {
                // a visitor reads accepted messages only, and nobody's name
                assert_eq!(message["review_result"], true, "{message}");
                assert!(
                    message["author"].is_null(),
                    "a name reached a visitor: {message}"
                );
                shown += 1;
            }
        } else {
            // rejected spam and work in review are not a visitor's to read
            assert_ne!(record["review_result"], true, "{record}");
        }
        public.push_str(&tree.body);
        public.push_str(&page);
        pages.push(page);
    }
    assert!(shown > 0, "visitors still read accepted trees");

    for (user, username, display_name) in &accounts {
        let id = user.to_string();
        assert!(!public.contains(&id), "an internal user id is public: {id}");
        for secret in ["", "S", "secret", "grove", username.as_str(), id.as_str()] {
            let guess = guessed_pseudonym(secret, *user);
            assert!(
                !pseudonyms.contains(&guess),
                "re-identified {username} with {secret:?}"
            );
        }
        assert!(
            !pseudonyms.contains(&id),
            "a pseudonym is the real id of {username}"
        );
        // no message page names the author of an exported message
        for page in &pages {
            assert!(
                !page.contains(&format!("by {display_name}<")),
                "{display_name} is named on a message page"
            );
        }
    }
    // and no pseudonym appears on a public page at all
    assert!(pseudonyms.is_disjoint(&uuids(&public)));
}
