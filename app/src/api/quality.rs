//! Trust in the data from the browser: the agreement report, gold items, flagged annotators
//! (moderators) and one's own quality checks (everyone signed in).

use crate::error::AppError;
#[cfg(feature = "ssr")]
use domain::account::Role;
use domain::{
    ids::{GoldId, TreeId},
    quality::{
        gold::{GoldImport, GoldItemView, GoldReport, NewGold},
        view::{AgreementReport, AnnotatorReliability},
    },
};
use leptos::{prelude::*, server_fn::codec::Json};

#[cfg(feature = "ssr")]
use crate::session::{engine, require_role, require_user};

/// Agreement per language and week, and the annotators with the most evidence.
#[server(endpoint = "quality/report", input = Json)]
pub async fn load_agreement_report(
    lang: Option<String>,
    weeks: u32,
) -> Result<AgreementReport, AppError> {
    let me = require_role(Role::Moderator).await?;
    Ok(engine()?.agreement_report(me.id, lang, weeks).await?)
}

/// Annotators flagged as unreliable, with their evidence (the trollboard).
#[server(endpoint = "quality/flagged", input = Json)]
pub async fn flagged_annotators() -> Result<Vec<AnnotatorReliability>, AppError> {
    let me = require_role(Role::Moderator).await?;
    Ok(engine()?.flagged_annotators(me.id).await?)
}

/// Gold items in use, of one tree or all.
#[server(endpoint = "quality/gold", input = Json)]
pub async fn gold_items(tree: Option<TreeId>) -> Result<Vec<GoldItemView>, AppError> {
    let me = require_role(Role::Moderator).await?;
    Ok(engine()?.gold_items(me.id, tree).await?)
}

#[server(endpoint = "quality/gold/mark", input = Json)]
pub async fn mark_gold(gold: NewGold) -> Result<GoldId, AppError> {
    let me = require_role(Role::Moderator).await?;
    Ok(engine()?.mark_gold(me.id, gold).await?)
}

#[server(endpoint = "quality/gold/retire", input = Json)]
pub async fn retire_gold(gold_id: GoldId) -> Result<(), AppError> {
    let me = require_role(Role::Moderator).await?;
    Ok(engine()?.retire_gold(me.id, gold_id).await?)
}

/// Imports a gold file (JSON Lines), all of it or nothing.
#[server(endpoint = "quality/gold/import", input = Json)]
pub async fn import_gold(lines: String) -> Result<GoldImport, AppError> {
    let me = require_role(Role::Moderator).await?;
    Ok(engine()?.import_gold(me.id, &lines).await?)
}

/// The signed-in user's quality checks, with the expected answers explained.
#[server(endpoint = "quality/mine", input = Json)]
pub async fn my_gold_report() -> Result<GoldReport, AppError> {
    let me = require_user().await?;
    Ok(engine()?.my_gold_report(me.id).await?)
}
