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
