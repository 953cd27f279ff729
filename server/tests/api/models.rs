//! Trained reward models for download: the archive streams from Postgres to moderators.

use crate::helpers::{TestApp, PASSWORD};
use axum::http::StatusCode;
use domain::{
    account::Role,
    training::{JobResult, JobSpec, TrainingSettings},
};
use engine::{accounts::Registration, model_jobs::JobOutcome, Engine};
use sqlx::PgPool;
use std::time::Duration;

#[sqlx::test(migrator = "engine::MIGRATOR")]
async fn a_moderator_downloads_a_trained_model_archive(pool: PgPool) {
    let engine = Engine::new(pool.clone());
    let fail = |e: engine::Error| -> ! { panic!("{e}") };
    let admin = engine
        .register(Registration {
            username: "root".to_owned(),
            email: String::new(),
            password: PASSWORD.to_owned(),
            role: Some(Role::Admin),
        })
        .await
        .unwrap_or_else(|e| fail(e));
    let key = engine
        .create_api_key(admin.id, "test", &["annotate".to_owned()], Some(admin.id))
        .await
        .unwrap_or_else(|e| fail(e));
    let job = engine
        .create_model_job(admin.id, JobSpec::Train(TrainingSettings::default()))
        .await
        .unwrap_or_else(|e| fail(e));
    let mut app = TestApp::new(pool);
    // no model yet: not found
    let response = app
        .get_with_bearer(&format!("/moderation/models/{job}/download"), &key)
        .await;
    assert_eq!(response.status, StatusCode::NOT_FOUND);

    let claimed = engine
        .claim_model_job("w", Duration::from_secs(60))
        .await
        .unwrap_or_else(|e| fail(e));
    assert_eq!(claimed.map(|c| c.id), Some(job));
    let archive: Vec<u8> = (0..3_000_000u32).map(|i| (i % 253) as u8).collect();
    engine
        .store_model_artifact(job, "w", &archive, &JobResult::Scored { messages: 0 }, &[])
        .await
        .unwrap_or_else(|e| fail(e));
    engine
        .finish_model_job(job, "w", JobOutcome::Succeeded)
        .await
        .unwrap_or_else(|e| fail(e));

    let response = app
        .get_with_bearer(&format!("/moderation/models/{job}/download"), &key)
        .await;
    assert_eq!(response.status, StatusCode::OK);
    let header = |name: &str| {
        response
            .headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned)
    };
    assert_eq!(header("content-type").as_deref(), Some("application/x-tar"));
    assert_eq!(header("content-length"), Some(archive.len().to_string()));
    assert!(
        response.bytes == archive,
        "the archive comes back byte for byte"
    );

    // without credentials, or with a bad id, no archive
    let response = app.get(&format!("/moderation/models/{job}/download")).await;
    assert_eq!(response.status, StatusCode::UNAUTHORIZED);
    let response = app
        .get_with_bearer("/moderation/models/not-an-id/download", &key)
        .await;
    assert_eq!(response.status, StatusCode::BAD_REQUEST);
}
