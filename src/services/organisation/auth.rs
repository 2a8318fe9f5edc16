//! Passwords (argon2id), sign-in tokens (HS256 JWT naming a revocable session), sign-in
//! throttling per account and per client address (kept in the database, so it holds
//! across processes).
use std::path::Path;

use argon2::password_hash::phc::PasswordHash;
use argon2::password_hash::{PasswordHasher as _, PasswordVerifier as _};
use argon2::{Algorithm, Argon2, Params, Version};
use chrono::{DateTime, Duration, Utc};
use jsonwebtoken::{Algorithm as JwtAlgorithm, DecodingKey, EncodingKey, Header, Validation};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder, Set,
};
use serde::{Deserialize, Serialize};

use secrecy::ExposeSecret;

use crate::config::{MIN_SECRET_BYTES, Settings};
use crate::domain::account::{NewPassword, Username};
use crate::domain::field::FieldError;
use crate::domain::role::Role;
use crate::entities::{app_user, login_attempt, session};
use crate::error::{AppError, AppResult};
use crate::services::organisation::actor::Actor;
use crate::services::privacy::audit;

// ---------------------------------------------------------------- passwords

#[derive(Clone)]
pub struct PasswordHasher {
    params: Params,
    /// A real hash of nothing in particular, verified against when a username is unknown.
    dummy: String,
}

impl PasswordHasher {
    pub fn new(memory_kib: u32) -> anyhow::Result<Self> {
        let params =
            Params::new(memory_kib.max(Params::MIN_M_COST), Params::DEFAULT_T_COST, Params::DEFAULT_P_COST, None)
                .map_err(|e| anyhow::anyhow!("argon2 parameters: {e}"))?;
        let dummy = Argon2::new(Algorithm::Argon2id, Version::V0x13, params.clone())
            .hash_password(uuid::Uuid::new_v4().as_bytes())
            .map_err(|e| anyhow::anyhow!("argon2: {e}"))?
            .to_string();
        Ok(PasswordHasher { params, dummy })
    }

    fn argon2(&self) -> Argon2<'static> {
        Argon2::new(Algorithm::Argon2id, Version::V0x13, self.params.clone())
    }

    /// Hashes on a blocking thread: argon2 is deliberately slow.
    #[tracing::instrument(skip_all)]
    pub async fn hash(&self, password: &NewPassword) -> AppResult<String> {
        let argon2 = self.argon2();
        let password = password.expose().to_string();
        tokio::task::spawn_blocking(move || {
            argon2
                .hash_password(password.as_bytes())
                .map(|hash| hash.to_string())
                .map_err(|e| AppError::internal(anyhow::anyhow!("hashing failed: {e}")))
        })
        .await
        .map_err(AppError::internal)?
    }

    /// Verifies against a stored PHC string; with no stored hash it still spends the same
    /// time, so response times do not tell which usernames exist.
    #[tracing::instrument(skip_all)]
    pub async fn verify(&self, stored: Option<String>, password: &str) -> bool {
        let argon2 = self.argon2();
        let password = password.to_string();
        let dummy = self.dummy.clone();
        tokio::task::spawn_blocking(move || {
            let (hash, real) = match stored {
                Some(hash) => (hash, true),
                None => (dummy, false),
            };
            let Ok(parsed) = PasswordHash::new(&hash) else {
                return false;
            };
            argon2.verify_password(password.as_bytes(), &parsed).is_ok() && real
        })
        .await
        .unwrap_or(false)
    }
}

// ---------------------------------------------------------------- tokens

#[derive(Debug, Serialize, Deserialize)]
pub struct Claims {
    /// user id
    pub sub: String,
    /// session id
    pub sid: String,
    pub role: String,
    pub iat: i64,
    pub exp: i64,
}

pub struct TokenKeys {
    encoding: EncodingKey,
    decoding: DecodingKey,
}

impl TokenKeys {
    pub fn new(secret: &[u8]) -> anyhow::Result<Self> {
        Ok(TokenKeys { encoding: EncodingKey::from_secret(secret)?, decoding: DecodingKey::from_secret(secret)? })
    }

    pub fn issue(&self, claims: &Claims) -> AppResult<String> {
        jsonwebtoken::encode(&Header::new(JwtAlgorithm::HS256), claims, &self.encoding).map_err(AppError::internal)
    }

    /// Checks the signature with the algorithm pinned to HS256; expiry is checked by the
    /// caller against the injected clock.
    pub fn decode(&self, token: &str) -> AppResult<Claims> {
        let mut validation = Validation::new(JwtAlgorithm::HS256);
        validation.validate_exp = false;
        validation.required_spec_claims = ["exp", "sub"].into_iter().map(String::from).collect();
        jsonwebtoken::decode::<Claims>(token, &self.decoding, &validation)
            .map(|data| data.claims)
            .map_err(|_| AppError::unauthorized("invalid_token", "the sign-in token is not valid"))
    }
}

/// The signing secret: configured, or in development one generated once and kept in the
/// data directory (so sign-ins survive restarts without any setup).
pub fn resolve_jwt_secret(settings: &Settings) -> anyhow::Result<Vec<u8>> {
    if let Some(secret) = settings.jwt_secret.as_ref().map(ExposeSecret::expose_secret).filter(|s| !s.is_empty()) {
        return Ok(secret.as_bytes().to_vec());
    }
    if settings.is_production() {
        anyhow::bail!("LIAISON_JWT_SECRET is required in production");
    }
    development_secret(&settings.data_dir)
}

fn development_secret(data_dir: &Path) -> anyhow::Result<Vec<u8>> {
    use base64::Engine;
    use rand::RngCore;
    let path = data_dir.join("jwt-secret");
    if let Ok(existing) = std::fs::read_to_string(&path)
        && existing.trim().len() >= MIN_SECRET_BYTES
    {
        return Ok(existing.trim().as_bytes().to_vec());
    }
    std::fs::create_dir_all(data_dir)?;
    let mut bytes = [0u8; 48];
    rand::rng().fill_bytes(&mut bytes);
    let secret = base64::engine::general_purpose::STANDARD.encode(bytes);
    write_private(&path, &secret)?;
    tracing::info!(path = %path.display(), "generated a development signing secret");
    Ok(secret.into_bytes())
}

#[cfg(unix)]
fn write_private(path: &Path, contents: &str) -> std::io::Result<()> {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    let mut file = std::fs::OpenOptions::new().write(true).create(true).truncate(true).mode(0o600).open(path)?;
    file.write_all(contents.as_bytes())
}

#[cfg(not(unix))]
fn write_private(path: &Path, contents: &str) -> std::io::Result<()> {
    std::fs::write(path, contents)
}

// ---------------------------------------------------------------- sign-in

pub struct LoginContext<'a> {
    pub settings: &'a Settings,
    pub hasher: &'a PasswordHasher,
    pub tokens: &'a TokenKeys,
    pub now: DateTime<Utc>,
    pub ip: String,
    pub user_agent: Option<String>,
}

pub struct LoginOutcome {
    pub token: String,
    pub expires_at: DateTime<Utc>,
    pub user: app_user::Model,
    pub session_id: String,
}

/// Usernames are looked up lower-cased; an attempt is recorded under at most 64 characters.
fn attempt_key(raw: &str) -> String {
    raw.trim().to_lowercase().chars().take(64).collect()
}

#[tracing::instrument(skip_all)]
pub async fn login(
    db: &impl ConnectionTrait,
    ctx: &LoginContext<'_>,
    username: &str,
    password: &str,
) -> AppResult<LoginOutcome> {
    let key = attempt_key(username);
    if key.is_empty() || password.is_empty() {
        return Err(AppError::Validation(
            [(key.is_empty(), "username"), (password.is_empty(), "password")]
                .into_iter()
                .filter(|(missing, _)| *missing)
                .map(|(_, field)| FieldError::required(field))
                .collect(),
        ));
    }
    check_throttle(db, ctx, &key).await?;

    let user = match Username::parse(&key) {
        Ok(name) => app_user::Entity::find().filter(app_user::Column::Username.eq(name.as_str())).one(db).await?,
        Err(_) => None,
    };
    let matches = ctx.hasher.verify(user.as_ref().map(|u| u.password_hash.clone()), password).await;
    record_attempt(db, &key, &ctx.ip, ctx.now, matches).await?;
    let user = match (user, matches) {
        (Some(user), true) => user,
        (user, _) => {
            tracing::info!(ip = %ctx.ip, "failed sign-in");
            // The typed name is not kept (it may be a password typed in the wrong field);
            // the account, when there is one, is.
            let (account, detail) = match &user {
                Some(user) => (Some(user.id), "wrong password"),
                None => (None, "no such account"),
            };
            audit::record(db, ctx.now, account, "sign_in_failed", Some(("session", None)), Some(detail), Some(&ctx.ip))
                .await?;
            return Err(AppError::unauthorized("invalid_credentials", "wrong username or password"));
        }
    };
    if !user.active {
        return Err(AppError::forbidden("this account has been disabled"));
    }
    let role = user.role;
    let lifetime = match role {
        Role::Deputy => Duration::days(ctx.settings.deputy_session_days),
        _ => Duration::hours(ctx.settings.session_hours),
    };
    let expires_at = ctx.now + lifetime;
    let session_id = uuid::Uuid::new_v4().to_string();
    session::ActiveModel {
        id: Set(session_id.clone()),
        user_id: Set(user.id),
        created_at: Set(ctx.now),
        expires_at: Set(expires_at),
        revoked_at: Set(None),
        ip: Set(Some(ctx.ip.clone())),
        user_agent: Set(ctx.user_agent.as_ref().map(|ua| ua.chars().take(200).collect())),
    }
    .insert(db)
    .await?;
    let token = ctx.tokens.issue(&Claims {
        sub: user.id.to_string(),
        sid: session_id.clone(),
        role: user.role.as_str().to_owned(),
        iat: ctx.now.timestamp(),
        exp: expires_at.timestamp(),
    })?;
    audit::record(db, ctx.now, Some(user.id), "sign_in", Some(("session", None)), None, Some(&ctx.ip)).await?;
    Ok(LoginOutcome { token, expires_at, user, session_id })
}

async fn check_throttle(db: &impl ConnectionTrait, ctx: &LoginContext<'_>, key: &str) -> AppResult<()> {
    let window = Duration::minutes(ctx.settings.login_window_minutes);
    let since = ctx.now - window;
    // Failures count from the later of the window start and the account's last success.
    let last_success = login_attempt::Entity::find()
        .filter(login_attempt::Column::Username.eq(key))
        .filter(login_attempt::Column::Succeeded.eq(true))
        .filter(login_attempt::Column::At.gt(since))
        .order_by_desc(login_attempt::Column::At)
        .one(db)
        .await?
        .map(|a| a.at);
    let account_since = last_success.map_or(since, |at| at.max(since));
    let account_failures = login_attempt::Entity::find()
        .filter(login_attempt::Column::Username.eq(key))
        .filter(login_attempt::Column::Succeeded.eq(false))
        .filter(login_attempt::Column::At.gt(account_since))
        .count(db)
        .await?;
    let ip_failures = login_attempt::Entity::find()
        .filter(login_attempt::Column::Ip.eq(ctx.ip.as_str()))
        .filter(login_attempt::Column::Succeeded.eq(false))
        .filter(login_attempt::Column::At.gt(since))
        .count(db)
        .await?;
    let over_account = account_failures >= ctx.settings.login_max_failures_per_account;
    let over_ip = ip_failures >= ctx.settings.login_max_failures_per_ip;
    if !(over_account || over_ip) {
        return Ok(());
    }
    // Wait until the oldest counted failure leaves the window.
    let mut oldest = login_attempt::Entity::find()
        .filter(login_attempt::Column::Succeeded.eq(false))
        .filter(login_attempt::Column::At.gt(if over_account { account_since } else { since }))
        .order_by_asc(login_attempt::Column::At);
    oldest = if over_account {
        oldest.filter(login_attempt::Column::Username.eq(key))
    } else {
        oldest.filter(login_attempt::Column::Ip.eq(ctx.ip.as_str()))
    };
    let retry_after_secs =
        oldest.one(db).await?.map(|a| (a.at + window - ctx.now).num_seconds().max(1) as u64).unwrap_or(60);
    tracing::warn!(ip = %ctx.ip, account = over_account, "sign-in throttled");
    let detail = if over_account { "too many failures for the account" } else { "too many failures from the address" };
    audit::record(db, ctx.now, None, "sign_in_locked", Some(("session", None)), Some(detail), Some(&ctx.ip)).await?;
    Err(AppError::TooManyRequests {
        retry_after_secs,
        message: format!("too many failed sign-ins; try again in {} minutes", retry_after_secs.div_ceil(60)),
    })
}

async fn record_attempt(
    db: &impl ConnectionTrait,
    key: &str,
    ip: &str,
    at: DateTime<Utc>,
    succeeded: bool,
) -> AppResult<()> {
    login_attempt::ActiveModel {
        username: Set(key.to_string()),
        ip: Set(ip.to_string()),
        at: Set(at),
        succeeded: Set(succeeded),
        ..Default::default()
    }
    .insert(db)
    .await?;
    Ok(())
}

/// Resolves a bearer token or session cookie into the signed-in actor: signature, expiry
/// (by the injected clock), the session not revoked, the account still active.
#[tracing::instrument(skip_all)]
pub async fn authenticate(
    db: &impl ConnectionTrait,
    tokens: &TokenKeys,
    now: DateTime<Utc>,
    token: &str,
) -> AppResult<Actor> {
    let claims = tokens.decode(token)?;
    if claims.exp <= now.timestamp() {
        return Err(AppError::unauthorized("token_expired", "the sign-in has expired; please sign in again"));
    }
    let invalid = || AppError::unauthorized("invalid_token", "the sign-in is no longer valid; please sign in again");
    let user_id: i32 = claims.sub.parse().map_err(|_| invalid())?;
    let session = session::Entity::find_by_id(claims.sid.clone()).one(db).await?.ok_or_else(invalid)?;
    if session.user_id != user_id || session.revoked_at.is_some() || session.expires_at <= now {
        return Err(invalid());
    }
    let user = app_user::Entity::find_by_id(user_id).one(db).await?.ok_or_else(invalid)?;
    if !user.active {
        return Err(invalid());
    }
    Actor::load(db, user, session.id).await
}

/// Ends one session (sign out).
#[tracing::instrument(skip_all)]
pub async fn revoke_session(db: &impl ConnectionTrait, session_id: &str, now: DateTime<Utc>) -> AppResult<()> {
    session::Entity::update_many()
        .col_expr(session::Column::RevokedAt, Expr::value(now))
        .filter(session::Column::Id.eq(session_id))
        .filter(session::Column::RevokedAt.is_null())
        .exec(db)
        .await?;
    Ok(())
}

/// Ends every session of a user (sign out everywhere, password change, account disabled).
#[tracing::instrument(skip_all, fields(user_id = user_id))]
pub async fn revoke_all_sessions(
    db: &impl ConnectionTrait,
    user_id: i32,
    now: DateTime<Utc>,
    except: Option<&str>,
) -> AppResult<u64> {
    let mut update = session::Entity::update_many()
        .col_expr(session::Column::RevokedAt, Expr::value(now))
        .filter(session::Column::UserId.eq(user_id))
        .filter(session::Column::RevokedAt.is_null());
    if let Some(keep) = except {
        update = update.filter(session::Column::Id.ne(keep));
    }
    Ok(update.exec(db).await?.rows_affected)
}

/// Changes one's own password after checking the current one; other sessions end.
#[tracing::instrument(skip_all, fields(user_id = actor.user_id))]
pub async fn change_password(
    db: &impl ConnectionTrait,
    hasher: &PasswordHasher,
    actor: &Actor,
    now: DateTime<Utc>,
    current: &str,
    new: NewPassword,
) -> AppResult<()> {
    let user = app_user::Entity::find_by_id(actor.user_id).one(db).await?.ok_or(AppError::NotFound("user"))?;
    if !hasher.verify(Some(user.password_hash.clone()), current).await {
        return Err(AppError::field(FieldError::invalid("current_password", "your current password")));
    }
    let hash = hasher.hash(&new).await?;
    let mut active: app_user::ActiveModel = user.into();
    active.password_hash = Set(hash);
    active.password_changed_at = Set(now);
    active.updated_at = Set(now);
    active.update(db).await?;
    revoke_all_sessions(db, actor.user_id, now, Some(&actor.session_id)).await?;
    audit::record(db, now, Some(actor.user_id), "password_changed", Some(("user", Some(actor.user_id))), None, None)
        .await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn hashes_verify_and_wrong_passwords_fail() {
        let hasher = PasswordHasher::new(64).unwrap();
        let password = NewPassword::parse("password", "station-2026").unwrap();
        let hash = hasher.hash(&password).await.unwrap();
        assert!(hash.starts_with("$argon2id$"));
        assert!(hasher.verify(Some(hash.clone()), "station-2026").await);
        assert!(!hasher.verify(Some(hash), "station-2027").await);
        assert!(!hasher.verify(None, "station-2026").await);
    }

    #[test]
    fn tokens_round_trip_and_tampering_is_caught() {
        let keys = TokenKeys::new(b"0123456789abcdef0123456789abcdef").unwrap();
        let claims = Claims { sub: "7".into(), sid: "s".into(), role: "admin".into(), iat: 1, exp: 2 };
        let token = keys.issue(&claims).unwrap();
        assert_eq!(keys.decode(&token).unwrap().sub, "7");
        let other = TokenKeys::new(b"another-secret-another-secret-xx").unwrap();
        assert!(other.decode(&token).is_err());
        let mut tampered = token.clone();
        tampered.replace_range(tampered.len() - 3.., "AAA");
        assert!(keys.decode(&tampered).is_err());
    }

    #[test]
    fn none_algorithm_is_refused() {
        let keys = TokenKeys::new(b"0123456789abcdef0123456789abcdef").unwrap();
        // {"alg":"none"}.{"sub":"1","sid":"s","role":"admin","iat":1,"exp":9999999999}.
        let unsigned =
            "eyJhbGciOiJub25lIn0.eyJzdWIiOiIxIiwic2lkIjoicyIsInJvbGUiOiJhZG1pbiIsImlhdCI6MSwiZXhwIjo5OTk5OTk5OTk5fQ.";
        assert!(keys.decode(unsigned).is_err());
    }
}
