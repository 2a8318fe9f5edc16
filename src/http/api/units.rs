//! `/api/v1/units`: handling units.
use actix_web::{HttpResponse, get, patch, post, web};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_actix_web::service_config::ServiceConfig;

use crate::domain::page::PageParams;
use crate::domain::text;
use crate::entities::unit;
use crate::error::{AppResult, ErrorBody};
use crate::http::api::ListResponse;
use crate::http::shared::input::{Parser, optional_phone, patch_line, patch_phone};
use crate::http::shared::patch::nullable;
use crate::services::organisation::{
    actor::Actor,
    units::{self, NewUnit, UnitChanges},
};
use crate::state::AppState;

pub fn routes(cfg: &mut ServiceConfig) {
    cfg.service(list).service(get_one).service(create).service(update);
}

#[derive(Serialize, ToSchema)]
pub struct UnitDto {
    pub id: i32,
    pub name: String,
    pub contact_name: Option<String>,
    pub contact_phone: Option<String>,
    pub active: bool,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl From<unit::Model> for UnitDto {
    fn from(m: unit::Model) -> Self {
        UnitDto {
            id: m.id,
            name: m.name,
            contact_name: m.contact_name,
            contact_phone: m.contact_phone,
            active: m.active,
            created_at: m.created_at,
            updated_at: m.updated_at,
        }
    }
}

#[derive(Deserialize, ToSchema)]
pub struct CreateUnit {
    pub name: String,
    pub contact_name: Option<String>,
    pub contact_phone: Option<String>,
}

#[derive(Deserialize, ToSchema)]
pub struct UpdateUnit {
    pub name: Option<String>,
    #[serde(default, deserialize_with = "nullable")]
    pub contact_name: Option<Option<String>>,
    #[serde(default, deserialize_with = "nullable")]
    pub contact_phone: Option<Option<String>>,
    pub active: Option<bool>,
}

#[derive(Deserialize, IntoParams)]
pub struct UnitQuery {
    pub q: Option<String>,
    pub active: Option<bool>,
}

#[utoipa::path(
    tag = "units",
    params(UnitQuery, PageParams),
    responses((status = 200, body = ListResponse<UnitDto>), (status = 401, body = ErrorBody)),
    security(("bearer" = []))
)]
#[get("/units")]
pub async fn list(
    state: web::Data<AppState>,
    _actor: Actor,
    query: web::Query<UnitQuery>,
    paging: web::Query<PageParams>,
) -> AppResult<web::Json<ListResponse<UnitDto>>> {
    let q = query.q.as_deref().map(str::trim).filter(|q| !q.is_empty());
    let page = units::list(&state.db, q, query.active, paging.request()).await?;
    Ok(web::Json(ListResponse::from_page(page, UnitDto::from)))
}

#[utoipa::path(
    tag = "units",
    responses((status = 200, body = UnitDto), (status = 404, body = ErrorBody)),
    security(("bearer" = []))
)]
#[get("/units/{id}")]
pub async fn get_one(state: web::Data<AppState>, _actor: Actor, id: web::Path<i32>) -> AppResult<web::Json<UnitDto>> {
    Ok(web::Json(units::get(&state.db, id.into_inner()).await?.into()))
}

/// Administrators only.
#[utoipa::path(
    tag = "units",
    request_body = CreateUnit,
    responses(
        (status = 201, body = UnitDto),
        (status = 403, body = ErrorBody),
        (status = 409, body = ErrorBody),
        (status = 422, body = ErrorBody)
    ),
    security(("bearer" = []))
)]
#[post("/units")]
pub async fn create(state: web::Data<AppState>, actor: Actor, body: web::Json<CreateUnit>) -> AppResult<HttpResponse> {
    // Who may, before what was sent is checked: a refused caller learns nothing from it.
    actor.require(units::WRITERS)?;
    let mut p = Parser::default();
    let name = p.take(text::required_line("name", &body.name, 100));
    let contact_name = p.take(text::optional_line("contact_name", body.contact_name.as_deref(), 50));
    let contact_phone = p.take(optional_phone("contact_phone", body.contact_phone.as_deref()));
    let new = p.finish(|| Some(NewUnit { name: name?, contact_name: contact_name?, contact_phone: contact_phone? }))?;
    let model = units::create(&state.db, &actor, state.clock.now(), new).await?;
    Ok(HttpResponse::Created().json(UnitDto::from(model)))
}

/// Administrators only.
#[utoipa::path(
    tag = "units",
    request_body = UpdateUnit,
    responses(
        (status = 200, body = UnitDto),
        (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody),
        (status = 409, description = "another unit has that name", body = ErrorBody)
    ),
    security(("bearer" = []))
)]
#[patch("/units/{id}")]
pub async fn update(
    state: web::Data<AppState>,
    actor: Actor,
    id: web::Path<i32>,
    body: web::Json<UpdateUnit>,
) -> AppResult<web::Json<UnitDto>> {
    let body = body.into_inner();
    let mut p = Parser::default();
    let name = match &body.name {
        Some(name) => p.take(text::required_line("name", name, 100)).map(Some),
        None => Some(None),
    };
    let contact_name = p.take(patch_line("contact_name", body.contact_name, 50));
    let contact_phone = p.take(patch_phone("contact_phone", body.contact_phone));
    let changes = p.finish(|| {
        Some(UnitChanges {
            name: name?,
            contact_name: contact_name?,
            contact_phone: contact_phone?,
            active: body.active,
        })
    })?;
    Ok(web::Json(units::update(&state.db, &actor, state.clock.now(), id.into_inner(), changes).await?.into()))
}
