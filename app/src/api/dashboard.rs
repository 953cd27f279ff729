//! The dashboard's data in one call, and the language check of drafts.

use crate::error::AppError;
use domain::{scoring::ScoreCard, task::view::Availability};
use leptos::{prelude::*, server_fn::codec::Json};
use serde::{Deserialize, Serialize};

#[cfg(feature = "ssr")]
use crate::session::{engine, require_user};

/// Everything the dashboard shows.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DashboardData {
    pub score: ScoreCard,
    /// Task counts per contribution language, in the user's order.
    pub availability: Vec<Availability>,
}

#[server(endpoint = "dashboard", input = Json)]
pub async fn load_dashboard() -> Result<DashboardData, AppError> {
    let user = require_user().await?;
    let engine = engine()?;
    let score = engine.score_card(user.id).await?;
    let mut availability = Vec::with_capacity(user.languages.len());
    for lang in &user.languages {
        availability.push(engine.task_availability(user.id, lang).await?);
    }
    Ok(DashboardData {
        score,
        availability,
    })
}

/// What language a draft seems to be in, compared with the task's.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LanguageGuess {
    pub lang: String,
    pub english_name: String,
    pub mismatch: bool,
}

#[server(endpoint = "detect_language", input = Json)]
pub async fn detect_language(
    text: String,
    lang: String,
) -> Result<Option<LanguageGuess>, AppError> {
    require_user().await?;
    Ok(
        engine::language::detect(&text, &lang).map(|d| LanguageGuess {
            lang: d.lang,
            english_name: d.english_name,
            mismatch: d.mismatch,
        }),
    )
}
