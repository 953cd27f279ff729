//! Public figures: statistics and leaderboards.

use crate::error::AppError;
use domain::moderation::{Leaderboard, Statistics, Window};
use leptos::{prelude::*, server_fn::codec::Json};

#[cfg(feature = "ssr")]
use crate::session::{engine, UserSession};

#[server(endpoint = "stats", input = Json)]
pub async fn load_statistics() -> Result<Statistics, AppError> {
    Ok(engine()?.statistics().await?)
}

#[server(endpoint = "leaderboard", input = Json)]
pub async fn load_leaderboard(window: Window) -> Result<Leaderboard, AppError> {
    let engine = engine()?;
    let viewer = UserSession::from_request().await?.user(&engine).await?;
    Ok(engine.leaderboard(window, viewer.map(|u| u.id)).await?)
}
