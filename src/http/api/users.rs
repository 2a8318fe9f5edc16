//! `/api/v1/users`: staff accounts and their scope.
use actix_web::{HttpResponse, get, patch, post, web};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_actix_web::service_config::ServiceConfig;

use crate::domain::account::{NewPassword, Username};
use crate::domain::page::PageParams;
use crate::domain::role::Role;
use crate::domain::text;
use crate::error::{AppResult, ErrorBody};
use crate::http::api::ListResponse;
use crate::http::shared::input::{Parser, choice, patch_line};
use crate::http::shared::patch::nullable;
use crate::services::organisation::{
    accounts::{self, NewUser, UserChanges, UserFilter, UserView},
    actor::Actor,
};
use crate::state::AppState;

pub fn routes(cfg: &mut ServiceConfig) {
    cfg.service(list).service(get_one).service(create).service(update);
}

#[derive(Serialize, ToSchema)]
pub struct UserDto {
    pub id: i32,
    pub username: String,
    pub display_name: Option<String>,
    pub role: Role,
    /// Stations a manager or viewer is attached to.
    pub station_ids: Vec<i32>,
    /// A handler's unit.
    pub unit_id: Option<i32>,
    /// A deputy's roster record.
    pub deputy_id: Option<i32>,
    pub active: bool,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl From<UserView> for UserDto {
    fn from(view: UserView) -> Self {
        let u = view.user;
        UserDto {
            id: u.id,
            role: u.role,
            username: u.username,
            display_name: u.display_name,
            station_ids: view.station_ids,
            unit_id: u.unit_id,
            deputy_id: u.deputy_id,
            active: u.active,
            created_at: u.created_at,
            updated_at: u.updated_at,
        }
    }
}

#[derive(Deserialize, ToSchema)]
pub struct CreateUser {
    pub username: String,
    pub password: String,
    #[schema(value_type = Role)]
    pub role: String,
    pub display_name: Option<String>,
    /// Required for a manager; for a viewer, empty means every station (administrators only).
    #[serde(default)]
    pub station_ids: Vec<i32>,
    /// Required for a handler.
    pub unit_id: Option<i32>,
    /// Required for a deputy.
    pub deputy_id: Option<i32>,
}

#[derive(Deserialize, ToSchema)]
pub struct UpdateUser {
    #[serde(default, deserialize_with = "nullable")]
    pub display_name: Option<Option<String>>,
    /// Set a new password (the account's sessions end).
    pub password: Option<String>,
    #[schema(value_type = Option<Role>)]
    pub role: Option<String>,
    pub station_ids: Option<Vec<i32>>,
    #[serde(default, deserialize_with = "nullable")]
    pub unit_id: Option<Option<i32>>,
    #[serde(default, deserialize_with = "nullable")]
    pub deputy_id: Option<Option<i32>>,
    /// false disables the account and ends its sessions.
    pub active: Option<bool>,
}

#[derive(Deserialize, IntoParams)]
pub struct UserQuery {
    pub role: Option<Role>,
    pub station_id: Option<i32>,
    /// Text in the username or display name
    pub q: Option<String>,
    pub active: Option<bool>,
}

const ROLE_CHOICES: &str = "admin, manager, deputy, handler or viewer";

/// Accounts the caller administers (administrators: all; managers: deputies and viewers of
/// their stations).
#[utoipa::path(
    tag = "users",
    params(UserQuery, PageParams),
    responses((status = 200, body = ListResponse<UserDto>), (status = 403, body = ErrorBody)),
    security(("bearer" = []))
)]
#[get("/users")]
pub async fn list(
    state: web::Data<AppState>,
    actor: Actor,
    query: web::Query<UserQuery>,
    paging: web::Query<PageParams>,
) -> AppResult<web::Json<ListResponse<UserDto>>> {
    let filter = UserFilter {
        role: query.role,
        station_id: query.station_id,
        q: query.q.clone().filter(|q| !q.trim().is_empty()),
        active: query.active,
    };
    let page = accounts::list(&state.db, &actor, &filter, paging.request()).await?;
    Ok(web::Json(ListResponse::from_page(page, UserDto::from)))
}

#[utoipa::path(
    tag = "users",
    responses((status = 200, body = UserDto), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)),
    security(("bearer" = []))
)]
#[get("/users/{id}")]
pub async fn get_one(state: web::Data<AppState>, actor: Actor, id: web::Path<i32>) -> AppResult<web::Json<UserDto>> {
    Ok(web::Json(accounts::get(&state.db, &actor, id.into_inner()).await?.into()))
}

#[utoipa::path(
    tag = "users",
    request_body = CreateUser,
    responses(
        (status = 201, body = UserDto),
        (status = 403, body = ErrorBody),
        (status = 409, body = ErrorBody),
        (status = 422, body = ErrorBody)
    ),
    security(("bearer" = []))
)]
#[post("/users")]
pub async fn create(state: web::Data<AppState>, actor: Actor, body: web::Json<CreateUser>) -> AppResult<HttpResponse> {
    // Who may, before what was sent is checked: a refused caller learns nothing from it.
    actor.require(accounts::CREATORS)?;
    let body = body.into_inner();
    let mut p = Parser::default();
    let username = p.take(Username::parse(&body.username));
    let password = p.take(NewPassword::parse("password", &body.password));
    let role = p.take(choice::<Role>("role", &body.role, ROLE_CHOICES));
    let display_name = p.take(text::optional_line("display_name", body.display_name.as_deref(), 50));
    let new = p.finish(|| {
        Some(NewUser {
            username: username?,
            password: password?,
            role: role?,
            display_name: display_name?,
            station_ids: body.station_ids,
            unit_id: body.unit_id,
            deputy_id: body.deputy_id,
        })
    })?;
    let view = accounts::create(&state.db, &state.hasher, &actor, state.clock.now(), new).await?;
    Ok(HttpResponse::Created().json(UserDto::from(view)))
}

#[utoipa::path(
    tag = "users",
    request_body = UpdateUser,
    responses(
        (status = 200, body = UserDto),
        (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody),
        (status = 422, body = ErrorBody)
    ),
    security(("bearer" = []))
)]
#[patch("/users/{id}")]
pub async fn update(
    state: web::Data<AppState>,
    actor: Actor,
    id: web::Path<i32>,
    body: web::Json<UpdateUser>,
) -> AppResult<web::Json<UserDto>> {
    let body = body.into_inner();
    let mut p = Parser::default();
    let display_name = p.take(patch_line("display_name", body.display_name, 50));
    let password = match &body.password {
        Some(raw) => p.take(NewPassword::parse("password", raw)).map(Some),
        None => Some(None),
    };
    let role = match &body.role {
        Some(raw) => p.take(choice::<Role>("role", raw, ROLE_CHOICES)).map(Some),
        None => Some(None),
    };
    let changes = p.finish(|| {
        Some(UserChanges {
            display_name: display_name?,
            password: password?,
            role: role?,
            station_ids: body.station_ids,
            unit_id: body.unit_id,
            deputy_id: body.deputy_id,
            active: body.active,
        })
    })?;
    let view = accounts::update(&state.db, &state.hasher, &actor, state.clock.now(), id.into_inner(), changes).await?;
    Ok(web::Json(view.into()))
}
