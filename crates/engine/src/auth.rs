//! Identity: users with argon2 password hashes, bearer sessions, per-entity device tokens and
//! the audit trail of who did what.
//!
//! Secrets (session and device tokens) are 256-bit random strings; only their SHA-256 is
//! stored, so a copy of the database does not let anyone sign in.

use std::collections::HashMap;
use std::sync::RwLock;

use argon2::password_hash::{
    rand_core::OsRng, PasswordHash, PasswordHasher, PasswordVerifier, SaltString,
};
use argon2::Argon2;
use rand::RngCore;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use zhicheng_model::time_util::now_ms;
use zhicheng_model::{validate_ident, Actor, Role};
use zhicheng_store::{DeviceToken, Session, Store, UserRecord};

use crate::error::invalid;
use crate::{Engine, Error, Result};

/// A user as shown by the API (no hash).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct User {
    /// Login name.
    pub username: String,
    /// Display name.
    pub display_name: String,
    /// Role.
    pub role: Role,
    /// Department (department users).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub department: Option<String>,
    /// Disabled users cannot sign in.
    #[serde(default)]
    pub disabled: bool,
}

/// A new or changed user, with an optional new password.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UserInput {
    /// Login name.
    pub username: String,
    /// Display name.
    #[serde(default)]
    pub display_name: Option<String>,
    /// Role.
    pub role: Role,
    /// Department (required for the department role).
    #[serde(default)]
    pub department: Option<String>,
    /// New password (required when creating).
    #[serde(default)]
    pub password: Option<String>,
    /// Disabled.
    #[serde(default)]
    pub disabled: bool,
}

/// A successful sign-in.
#[derive(Debug, Clone, Serialize)]
pub struct LoginResult {
    /// Bearer token (also set as the session cookie by the web layer).
    pub token: String,
    /// Expiry (epoch ms).
    pub expires_ms: i64,
    /// Who signed in.
    pub user: User,
}

/// A freshly issued device token: the secret is shown once.
#[derive(Debug, Clone, Serialize)]
pub struct IssuedToken {
    /// Public id (for revoking).
    pub id: String,
    /// Entity it may write.
    pub entity: String,
    /// The secret, for the device's `Authorization: Bearer`.
    pub token: String,
    /// Creation time.
    pub created_ms: i64,
}

/// A device token as listed (no secret).
#[derive(Debug, Clone, Serialize)]
pub struct TokenInfo {
    /// Public id.
    pub id: String,
    /// Entity.
    pub entity: String,
    /// Creation time.
    pub created_ms: i64,
    /// Issuer.
    pub created_by: String,
}

/// Hex SHA-256 of a secret.
pub fn hash_token(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

fn new_secret(prefix: &str) -> String {
    let mut b = [0u8; 32];
    rand::thread_rng().fill_bytes(&mut b);
    format!("{prefix}{}", hex::encode(b))
}

/// Device tokens by hash, so the ingest path never touches the database to authenticate.
#[derive(Default)]
pub(crate) struct TokenCache {
    by_hash: RwLock<HashMap<String, String>>,
}

impl TokenCache {
    pub(crate) async fn load(store: &dyn Store) -> Result<TokenCache> {
        let map = store
            .list_device_tokens(None)
            .await?
            .into_iter()
            .map(|t| (t.token_hash, t.entity))
            .collect();
        Ok(TokenCache {
            by_hash: RwLock::new(map),
        })
    }

    pub(crate) fn remove_entity(&self, entity: &str) {
        self.by_hash
            .write()
            .unwrap_or_else(|p| p.into_inner())
            .retain(|_, e| e != entity);
    }
}

fn to_user(u: &UserRecord) -> Result<User> {
    Ok(User {
        username: u.username.clone(),
        display_name: u.display_name.clone(),
        role: Role::parse(&u.role).ok_or_else(|| {
            Error::Store(zhicheng_store::Error::Corrupt(format!("role {:?}", u.role)))
        })?,
        department: u.department.clone(),
        disabled: u.disabled,
    })
}

/// Hashes a password with argon2id (default parameters), on a blocking thread.
pub async fn hash_password(password: String) -> Result<String> {
    tokio::task::spawn_blocking(move || {
        let salt = SaltString::generate(&mut OsRng);
        Argon2::default()
            .hash_password(password.as_bytes(), &salt)
            .map(|h| h.to_string())
            .map_err(|e| Error::Unavailable(format!("password hashing failed: {e}")))
    })
    .await
    .map_err(|e| Error::Unavailable(format!("password hashing task failed: {e}")))?
}

async fn verify_password(password: String, phc: String) -> bool {
    tokio::task::spawn_blocking(move || {
        PasswordHash::new(&phc)
            .map(|h| {
                Argon2::default()
                    .verify_password(password.as_bytes(), &h)
                    .is_ok()
            })
            .unwrap_or(false)
    })
    .await
    .unwrap_or(false)
}

fn check_password_strength(p: &str) -> Result<()> {
    if p.chars().count() < 8 {
        return Err(invalid("password", "must be at least 8 characters"));
    }
    Ok(())
}

impl Engine {
    /// Signs a user in. Failures say only "wrong user name or password" and are audited.
    pub async fn login(&self, username: &str, password: &str) -> Result<LoginResult> {
        let user = self.inner.store.get_user(username).await?;
        // Verify against a dummy hash when the user does not exist, so timing does not tell.
        static DUMMY: tokio::sync::OnceCell<String> = tokio::sync::OnceCell::const_new();
        let phc = match &user {
            Some(u) => u.password_hash.clone(),
            None => DUMMY
                .get_or_try_init(|| hash_password("not a password".into()))
                .await?
                .clone(),
        };
        let ok = verify_password(password.to_string(), phc).await;
        let user = match user {
            Some(u) if ok && !u.disabled => u,
            _ => {
                self.audit(username, "login.fail", username, serde_json::json!({}))
                    .await;
                return Err(Error::Unauthenticated("wrong user name or password".into()));
            }
        };
        let token = new_secret("zs_");
        let now = now_ms();
        let expires_ms = now + self.inner.cfg.session_ttl.as_millis() as i64;
        self.inner
            .store
            .create_session(&Session {
                token_hash: hash_token(&token),
                username: user.username.clone(),
                created_ms: now,
                expires_ms,
            })
            .await?;
        self.audit(
            &user.username,
            "login",
            &user.username,
            serde_json::json!({}),
        )
        .await;
        Ok(LoginResult {
            token,
            expires_ms,
            user: to_user(&user)?,
        })
    }

    /// Ends a session.
    pub async fn logout(&self, token: &str) -> Result<()> {
        self.inner.store.delete_session(&hash_token(token)).await?;
        Ok(())
    }

    /// The actor behind a session token.
    pub async fn authenticate(&self, token: &str) -> Result<Actor> {
        let s = self
            .inner
            .store
            .get_session(&hash_token(token))
            .await?
            .ok_or_else(|| Error::Unauthenticated("unknown or ended session".into()))?;
        if s.expires_ms <= now_ms() {
            let _ = self.inner.store.delete_session(&s.token_hash).await;
            return Err(Error::Unauthenticated(
                "session expired; sign in again".into(),
            ));
        }
        let u = self
            .inner
            .store
            .get_user(&s.username)
            .await?
            .ok_or_else(|| Error::Unauthenticated("user no longer exists".into()))?;
        if u.disabled {
            return Err(Error::Unauthenticated("user is disabled".into()));
        }
        let user = to_user(&u)?;
        Ok(Actor {
            username: user.username,
            role: user.role,
            department: user.department,
        })
    }

    /// The entity a device token may write, if the token is valid.
    pub fn device_entity(&self, token: &str) -> Option<String> {
        self.inner
            .tokens
            .by_hash
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .get(&hash_token(token))
            .cloned()
    }

    /// Issues a device token for an entity the actor may change.
    pub async fn issue_device_token(&self, actor: &Actor, entity: &str) -> Result<IssuedToken> {
        let e = self.entity(actor, entity).await?;
        if !actor.can_write_department(&e.department) {
            return Err(Error::Forbidden(format!(
                "you may not issue tokens for entity {entity}"
            )));
        }
        let token = new_secret("zd_");
        let mut idb = [0u8; 6];
        rand::thread_rng().fill_bytes(&mut idb);
        let t = DeviceToken {
            id: hex::encode(idb),
            entity: entity.into(),
            token_hash: hash_token(&token),
            created_ms: now_ms(),
            created_by: actor.username.clone(),
        };
        self.inner.store.create_device_token(&t).await?;
        self.inner
            .tokens
            .by_hash
            .write()
            .unwrap_or_else(|p| p.into_inner())
            .insert(t.token_hash.clone(), entity.into());
        self.audit(
            &actor.username,
            "token.issue",
            entity,
            serde_json::json!({"id": t.id}),
        )
        .await;
        Ok(IssuedToken {
            id: t.id,
            entity: t.entity,
            token,
            created_ms: t.created_ms,
        })
    }

    /// Lists an entity's device tokens (without secrets).
    pub async fn device_tokens(&self, actor: &Actor, entity: &str) -> Result<Vec<TokenInfo>> {
        let e = self.entity(actor, entity).await?;
        if !actor.can_write_department(&e.department) {
            return Err(Error::Forbidden(format!(
                "you may not see tokens of entity {entity}"
            )));
        }
        Ok(self
            .inner
            .store
            .list_device_tokens(Some(entity))
            .await?
            .into_iter()
            .map(|t| TokenInfo {
                id: t.id,
                entity: t.entity,
                created_ms: t.created_ms,
                created_by: t.created_by,
            })
            .collect())
    }

    /// Revokes a device token.
    pub async fn revoke_device_token(&self, actor: &Actor, entity: &str, id: &str) -> Result<()> {
        let e = self.entity(actor, entity).await?;
        if !actor.can_write_department(&e.department) {
            return Err(Error::Forbidden(format!(
                "you may not revoke tokens of entity {entity}"
            )));
        }
        let tokens = self.inner.store.list_device_tokens(Some(entity)).await?;
        let Some(t) = tokens.into_iter().find(|t| t.id == id) else {
            return Err(Error::NotFound(format!("token {id}")));
        };
        self.inner.store.revoke_device_token(entity, id).await?;
        self.inner
            .tokens
            .by_hash
            .write()
            .unwrap_or_else(|p| p.into_inner())
            .remove(&t.token_hash);
        self.audit(
            &actor.username,
            "token.revoke",
            entity,
            serde_json::json!({"id": id}),
        )
        .await;
        Ok(())
    }

    // ---- users ----

    /// All users (admin only).
    pub async fn users(&self, actor: &Actor) -> Result<Vec<User>> {
        if !actor.can_admin_users() {
            return Err(Error::Forbidden("only admins manage users".into()));
        }
        self.inner
            .store
            .list_users()
            .await?
            .iter()
            .map(to_user)
            .collect()
    }

    /// One user: admins see anyone, others only themselves.
    pub async fn user(&self, actor: &Actor, username: &str) -> Result<User> {
        if !actor.can_admin_users() && actor.username != username {
            return Err(Error::Forbidden("you may only see your own account".into()));
        }
        let u = self
            .inner
            .store
            .get_user(username)
            .await?
            .ok_or_else(|| Error::NotFound(format!("user {username}")))?;
        to_user(&u)
    }

    /// Creates or changes a user (admin only). A new user needs a password.
    pub async fn put_user(&self, actor: &Actor, input: UserInput) -> Result<User> {
        if !actor.can_admin_users() {
            return Err(Error::Forbidden("only admins manage users".into()));
        }
        self.put_user_unchecked(&actor.username, input).await
    }

    /// Creates or changes a user without an authorization check (CLI and bootstrap).
    pub async fn put_user_unchecked(&self, by: &str, input: UserInput) -> Result<User> {
        validate_ident("username", &input.username)?;
        if input.role == Role::Department && input.department.is_none() {
            return Err(invalid(
                "department",
                "a department user needs a department",
            ));
        }
        if let Some(d) = &input.department {
            if self.inner.store.get_department(d).await?.is_none() {
                return Err(invalid(
                    "department",
                    format!("department {d} does not exist"),
                ));
            }
        }
        let old = self.inner.store.get_user(&input.username).await?;
        let password_hash = match (&input.password, &old) {
            (Some(p), _) => {
                check_password_strength(p)?;
                hash_password(p.clone()).await?
            }
            (None, Some(o)) => o.password_hash.clone(),
            (None, None) => return Err(invalid("password", "a new user needs a password")),
        };
        let rec = UserRecord {
            username: input.username.clone(),
            display_name: input
                .display_name
                .clone()
                .unwrap_or_else(|| input.username.clone()),
            role: input.role.as_str().into(),
            department: input.department.clone(),
            password_hash,
            disabled: input.disabled,
            created_ms: old.as_ref().map(|o| o.created_ms).unwrap_or_else(now_ms),
        };
        self.inner.store.put_user(&rec).await?;
        self.audit(
            by,
            if old.is_some() {
                "user.update"
            } else {
                "user.create"
            },
            &rec.username,
            serde_json::json!({"role": rec.role, "password_changed": input.password.is_some()}),
        )
        .await;
        to_user(&rec)
    }

    /// Deletes a user (admin only; not oneself).
    pub async fn delete_user(&self, actor: &Actor, username: &str) -> Result<()> {
        if !actor.can_admin_users() {
            return Err(Error::Forbidden("only admins manage users".into()));
        }
        if actor.username == username {
            return Err(Error::Conflict("you cannot delete your own account".into()));
        }
        if !self.inner.store.delete_user(username).await? {
            return Err(Error::NotFound(format!("user {username}")));
        }
        self.audit(
            &actor.username,
            "user.delete",
            username,
            serde_json::json!({}),
        )
        .await;
        Ok(())
    }

    /// Changes the actor's own password after checking the current one.
    pub async fn change_own_password(&self, actor: &Actor, current: &str, new: &str) -> Result<()> {
        let u = self
            .inner
            .store
            .get_user(&actor.username)
            .await?
            .ok_or_else(|| Error::NotFound("user".into()))?;
        if !verify_password(current.into(), u.password_hash.clone()).await {
            return Err(Error::Forbidden("the current password is wrong".into()));
        }
        check_password_strength(new)?;
        let rec = UserRecord {
            password_hash: hash_password(new.into()).await?,
            ..u
        };
        self.inner.store.put_user(&rec).await?;
        self.audit(
            &actor.username,
            "user.password",
            &actor.username,
            serde_json::json!({}),
        )
        .await;
        Ok(())
    }

    /// Creates the first admin if the store has no users; returns whether it did.
    pub async fn bootstrap_admin(&self, password: &str) -> Result<bool> {
        if !self.inner.store.list_users().await?.is_empty() {
            return Ok(false);
        }
        self.put_user_unchecked(
            "system",
            UserInput {
                username: "admin".into(),
                display_name: Some("管理员 Administrator".into()),
                role: Role::Admin,
                department: None,
                password: Some(password.into()),
                disabled: false,
            },
        )
        .await?;
        Ok(true)
    }
}
