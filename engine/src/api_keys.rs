//! API keys for integrations (bots, scripts, export jobs), created by admins with scopes:
//! `read`, `annotate` (act for one user), `export`, `admin`.

use crate::{db, Engine, Error};
use domain::{account::Role, ids::UserId};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// A key as listed (never the key itself).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ApiKeyInfo {
    pub id: String,
    pub name: String,
    pub scopes: Vec<String>,
    pub user_id: Option<UserId>,
    pub created_at: String,
    pub last_used_at: Option<String>,
    pub revoked: bool,
}

/// The caller behind a presented key.
#[derive(Debug, Clone, PartialEq)]
pub struct KeyHolder {
    pub name: String,
    pub scopes: Vec<String>,
    /// The account an `annotate` key acts for.
    pub user_id: Option<UserId>,
}

impl KeyHolder {
    pub fn allows(&self, scope: &str) -> bool {
        self.scopes.iter().any(|s| s == scope || s == "admin")
    }
}

const SCOPES: [&str; 4] = ["read", "annotate", "export", "admin"];

fn hash(key: &str) -> String {
    Sha256::digest(key.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

impl Engine {
    /// Creates a key and returns it: this is the only time it is shown. Admins only.
    pub async fn create_api_key(
        &self,
        admin: UserId,
        name: &str,
        scopes: &[String],
        acting_for: Option<UserId>,
    ) -> Result<String, Error> {
        self.require_admin(admin).await?;
        let name = name.trim();
        if name.is_empty() || name.chars().count() > 100 {
            return Err(Error::bad_input(
                "invalid_key_name",
                "A key name has 1 to 100 characters.",
            ));
        }
        if scopes.is_empty() || scopes.iter().any(|s| !SCOPES.contains(&s.as_str())) {
            return Err(Error::bad_input(
                "invalid_scope",
                "Scopes are read, annotate, export and admin.",
            ));
        }
        if scopes.iter().any(|s| s == "annotate") && acting_for.is_none() {
            return Err(Error::bad_input(
                "annotate_needs_user",
                "An annotate key acts for a user: name one.",
            ));
        }
        let key = format!(
            "grove_{}{}",
            uuid::Uuid::new_v4().simple(),
            uuid::Uuid::new_v4().simple()
        );
        db::api_keys::insert(
            &self.pool,
            name,
            &hash(&key),
            scopes,
            acting_for.map(|u| u.as_uuid()),
            admin.as_uuid(),
        )
        .await?;
        Ok(key)
    }

    /// Every key, newest first. Admins only.
    pub async fn api_keys(&self, admin: UserId) -> Result<Vec<ApiKeyInfo>, Error> {
        self.require_admin(admin).await?;
        Ok(db::api_keys::list(&self.pool)
            .await?
            .into_iter()
            .map(|row| ApiKeyInfo {
                id: row.api_key_id.to_string(),
                name: row.name,
                scopes: row.scopes,
                user_id: row.user_id.map(UserId::from_uuid),
                created_at: crate::tasks::view_time(row.created_at),
                last_used_at: row.last_used_at.map(crate::tasks::view_time),
                revoked: row.revoked_at.is_some(),
            })
            .collect())
    }

    /// Revokes a key at once. Admins only.
    pub async fn revoke_api_key(&self, admin: UserId, key: uuid::Uuid) -> Result<(), Error> {
        self.require_admin(admin).await?;
        if db::api_keys::revoke(&self.pool, key).await? {
            Ok(())
        } else {
            Err(Error::not_found("api_key_not_found", "No such live key."))
        }
    }

    async fn require_admin(&self, id: UserId) -> Result<(), Error> {
        let user = self.user(id).await?;
        if user.role == Role::Admin && user.is_active() {
            Ok(())
        } else {
            Err(Error::Forbidden)
        }
    }

    /// The holder of a presented key, if it is a live one.
    pub async fn api_key_holder(&self, key: &str) -> Result<Option<KeyHolder>, Error> {
        Ok(db::api_keys::use_key(&self.pool, &hash(key.trim()))
            .await?
            .map(|row| KeyHolder {
                name: row.name,
                scopes: row.scopes,
                user_id: row.user_id.map(UserId::from_uuid),
            }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::accounts::Registration;
    use sqlx::PgPool;

    #[sqlx::test(migrator = "crate::MIGRATOR")]
    async fn keys_are_shown_once_checked_by_hash_and_revocable(pool: PgPool) -> Result<(), Error> {
        let engine = Engine::new(pool);
        let admin = engine
            .register(Registration {
                username: "root".to_owned(),
                email: String::new(),
                password: "lemon-stand-7".to_owned(),
                role: Some(Role::Admin),
            })
            .await?;
        let annotator = engine
            .register(Registration {
                username: "ada".to_owned(),
                email: String::new(),
                password: "lemon-stand-7".to_owned(),
                role: None,
            })
            .await?;
        let key = engine
            .create_api_key(admin.id, "exporter", &["export".to_owned()], None)
            .await?;
        let holder = engine
            .api_key_holder(&key)
            .await?
            .ok_or(Error::NotFound("key"))?;
        assert!(holder.allows("export") && !holder.allows("read"));
        assert_eq!(engine.api_key_holder("grove_wrong").await?, None);
        let denied = engine
            .create_api_key(annotator.id, "mine", &["export".to_owned()], None)
            .await;
        assert_eq!(denied.map_err(|e| e.code()).err(), Some("forbidden"));
        let bad = engine
            .create_api_key(admin.id, "x", &["everything".to_owned()], None)
            .await;
        assert_eq!(bad.map_err(|e| e.code()).err(), Some("invalid_scope"));
        let listed = engine.api_keys(admin.id).await?;
        assert_eq!(listed.len(), 1);
        assert!(
            !format!("{listed:?}").contains(&key),
            "the key itself is never listed"
        );
        let id =
            uuid::Uuid::parse_str(&listed[0].id).map_err(|e| Error::Internal(e.to_string()))?;
        engine.revoke_api_key(admin.id, id).await?;
        assert_eq!(engine.api_key_holder(&key).await?, None);
        Ok(())
    }
}
