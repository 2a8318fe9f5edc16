//! Sign-in, sign-out and one's own password.
use actix_web::{HttpResponse, get, post, web};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_actix_web::service_config::ServiceConfig;

use crate::domain::account::NewPassword;
use crate::domain::role::Role;
use crate::error::{AppError, AppResult, ErrorBody};
use crate::http::shared::client::ClientInfo;
use crate::services::organisation::{
    actor::Actor,
    auth::{self, LoginContext},
};
use crate::state::AppState;

pub fn routes(cfg: &mut ServiceConfig) {
    cfg.service(login).service(logout).service(me).service(change_password);
}

#[derive(Deserialize, ToSchema)]
pub struct LoginRequest {
    pub username: String,
    pub password: String,
}

#[derive(Serialize, ToSchema)]
pub struct SignedInUser {
    pub id: i32,
    pub username: String,
    pub role: Role,
    pub display_name: Option<String>,
    pub station_ids: Vec<i32>,
    pub unit_id: Option<i32>,
    pub deputy_id: Option<i32>,
}

#[derive(Serialize, ToSchema)]
pub struct LoginResponse {
    /// Send as `Authorization: Bearer <token>`.
    pub token: String,
    pub expires_at: DateTime<Utc>,
    pub user: SignedInUser,
}

impl From<&Actor> for SignedInUser {
    fn from(actor: &Actor) -> Self {
        SignedInUser {
            id: actor.user_id,
            username: actor.username.clone(),
            role: actor.role,
            display_name: actor.display_name.clone(),
            station_ids: actor.station_ids.clone(),
            unit_id: actor.unit_id,
            deputy_id: actor.deputy_id,
        }
    }
}

/// Sign in. Failed attempts are throttled per account and per client address (429 with
/// `Retry-After`).
#[utoipa::path(
    tag = "auth",
    request_body = LoginRequest,
    responses(
        (status = 200, body = LoginResponse),
        (status = 401, description = "wrong username or password", body = ErrorBody),
        (status = 403, description = "account disabled", body = ErrorBody),
        (status = 422, body = ErrorBody),
        (status = 429, description = "too many failed attempts", body = ErrorBody)
    )
)]
#[post("/auth/login")]
pub async fn login(
    state: web::Data<AppState>,
    client: ClientInfo,
    body: web::Json<LoginRequest>,
) -> AppResult<HttpResponse> {
    let ctx = LoginContext {
        settings: &state.settings,
        hasher: &state.hasher,
        tokens: &state.tokens,
        now: state.clock.now(),
        ip: client.ip,
        user_agent: client.user_agent,
    };
    let outcome = auth::login(&state.db, &ctx, &body.username, &body.password).await?;
    let actor = Actor::load(&state.db, outcome.user, outcome.session_id).await?;
    Ok(HttpResponse::Ok().insert_header(("Cache-Control", "no-store")).json(LoginResponse {
        token: outcome.token,
        expires_at: outcome.expires_at,
        user: SignedInUser::from(&actor),
    }))
}

#[derive(Deserialize, ToSchema, Default)]
pub struct LogoutRequest {
    /// End every session of this account, on every device.
    #[serde(default)]
    pub everywhere: bool,
}

/// Sign out: the token stops working at once.
#[utoipa::path(
    tag = "auth",
    request_body(content = Option<LogoutRequest>),
    responses((status = 204), (status = 401, body = ErrorBody)),
    security(("bearer" = []))
)]
#[post("/auth/logout")]
pub async fn logout(
    state: web::Data<AppState>,
    actor: Actor,
    body: Option<web::Json<LogoutRequest>>,
) -> AppResult<HttpResponse> {
    let now = state.clock.now();
    if body.is_some_and(|b| b.everywhere) {
        auth::revoke_all_sessions(&state.db, actor.user_id, now, None).await?;
    } else {
        auth::revoke_session(&state.db, &actor.session_id, now).await?;
    }
    Ok(HttpResponse::NoContent().finish())
}

/// The signed-in account with its role and scope.
#[utoipa::path(tag = "auth", responses((status = 200, body = SignedInUser), (status = 401, body = ErrorBody)), security(("bearer" = [])))]
#[get("/auth/me")]
pub async fn me(actor: Actor) -> web::Json<SignedInUser> {
    web::Json(SignedInUser::from(&actor))
}

#[derive(Deserialize, ToSchema)]
pub struct ChangePasswordRequest {
    pub current_password: String,
    pub new_password: String,
}

/// Change one's own password; every other session of the account ends.
#[utoipa::path(
    tag = "auth",
    request_body = ChangePasswordRequest,
    responses((status = 204), (status = 401, body = ErrorBody), (status = 422, body = ErrorBody)),
    security(("bearer" = []))
)]
#[post("/auth/password")]
pub async fn change_password(
    state: web::Data<AppState>,
    actor: Actor,
    body: web::Json<ChangePasswordRequest>,
) -> AppResult<HttpResponse> {
    let new = NewPassword::parse("new_password", &body.new_password).map_err(AppError::field)?;
    auth::change_password(&state.db, &state.hasher, &actor, state.clock.now(), &body.current_password, new).await?;
    Ok(HttpResponse::NoContent().finish())
}
