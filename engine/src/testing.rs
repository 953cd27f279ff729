//! Helpers for the engine's tests.

use crate::{accounts::Registration, Engine, Error};
use domain::ids::UserId;

/// A registered user who accepted the terms.
pub(crate) async fn contributor(engine: &Engine, name: &str) -> Result<UserId, Error> {
    let user = engine
        .register(Registration {
            username: name.to_owned(),
            email: String::new(),
            password: "lemon-stand-7".to_owned(),
            role: None,
        })
        .await?;
    engine.accept_terms(user.id).await?;
    Ok(user.id)
}

/// A registered user of `role` (moderators and admins need no terms to manage models).
pub(crate) async fn member(
    engine: &Engine,
    name: &str,
    role: domain::account::Role,
) -> Result<UserId, Error> {
    Ok(engine
        .register(Registration {
            username: name.to_owned(),
            email: String::new(),
            password: "lemon-stand-7".to_owned(),
            role: Some(role),
        })
        .await?
        .id)
}

/// An engine with trees of six messages, `trees` of them grown to the end by honest simulated
/// annotators who rank sensible replies over shuffled ones (data a reward model can learn).
pub(crate) async fn grown_sensible(
    pool: &sqlx::PgPool,
    trees: usize,
    seed: u64,
) -> Result<Engine, Error> {
    let engine = Engine::with_config(
        pool.clone(),
        crate::TreeConfig {
            goal_tree_size: 6,
            ..crate::TreeConfig::default()
        },
    );
    engine
        .simulate(crate::simulate::Simulation {
            users: 8,
            trees,
            spammer_share: 0.0,
            seed,
            writing: crate::simulate::Writing::SensibleOverShuffled,
            ..crate::simulate::Simulation::default()
        })
        .await?;
    Ok(engine)
}
