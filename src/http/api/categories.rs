//! `/api/v1/categories` and `/api/v1/tiers`.
use actix_web::{HttpResponse, get, patch, post, web};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_actix_web::service_config::ServiceConfig;

use crate::domain::org::TierCode;
use crate::domain::text;
use crate::entities::{category, tier};
use crate::error::{AppResult, ErrorBody};
use crate::http::shared::input::{Parser, choice, patch_line};
use crate::http::shared::patch::nullable;
use crate::services::organisation::{
    actor::Actor,
    categories::{self, CategoryChanges, NewCategory},
};
use crate::state::AppState;

pub fn routes(cfg: &mut ServiceConfig) {
    cfg.service(list).service(get_one).service(create).service(update).service(tiers);
}

#[derive(Serialize, ToSchema)]
pub struct CategoryDto {
    pub id: i32,
    pub name: String,
    /// One line shown under the choice on the resident form.
    pub hint: Option<String>,
    pub default_tier: TierCode,
    pub default_unit_id: Option<i32>,
    pub sort_order: i32,
    pub active: bool,
}

impl From<category::Model> for CategoryDto {
    fn from(m: category::Model) -> Self {
        CategoryDto {
            id: m.id,
            name: m.name,
            hint: m.hint,
            default_tier: m.default_tier,
            default_unit_id: m.default_unit_id,
            sort_order: m.sort_order,
            active: m.active,
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct CategoryList {
    pub items: Vec<CategoryDto>,
    pub total: u64,
}

#[derive(Deserialize, ToSchema)]
pub struct CreateCategory {
    pub name: String,
    pub hint: Option<String>,
    #[schema(value_type = Option<TierCode>)]
    pub default_tier: Option<String>,
    pub default_unit_id: Option<i32>,
    pub sort_order: Option<i32>,
}

#[derive(Deserialize, ToSchema)]
pub struct UpdateCategory {
    pub name: Option<String>,
    #[serde(default, deserialize_with = "nullable")]
    pub hint: Option<Option<String>>,
    #[schema(value_type = Option<TierCode>)]
    pub default_tier: Option<String>,
    #[serde(default, deserialize_with = "nullable")]
    pub default_unit_id: Option<Option<i32>>,
    pub sort_order: Option<i32>,
    pub active: Option<bool>,
}

#[derive(Deserialize, IntoParams)]
pub struct CategoryQuery {
    /// Include retired categories (default false).
    #[serde(default)]
    pub include_inactive: bool,
}

const TIER_CHOICES: &str = "immediate, week or month";

/// Every category in display order.
#[utoipa::path(
    tag = "categories",
    params(CategoryQuery),
    responses((status = 200, body = CategoryList), (status = 401, body = ErrorBody)),
    security(("bearer" = []))
)]
#[get("/categories")]
pub async fn list(
    state: web::Data<AppState>,
    _actor: Actor,
    query: web::Query<CategoryQuery>,
) -> AppResult<web::Json<CategoryList>> {
    let items: Vec<CategoryDto> =
        categories::list(&state.db, !query.include_inactive).await?.into_iter().map(CategoryDto::from).collect();
    Ok(web::Json(CategoryList { total: items.len() as u64, items }))
}

#[utoipa::path(
    tag = "categories",
    responses((status = 200, body = CategoryDto), (status = 404, body = ErrorBody)),
    security(("bearer" = []))
)]
#[get("/categories/{id}")]
pub async fn get_one(
    state: web::Data<AppState>,
    _actor: Actor,
    id: web::Path<i32>,
) -> AppResult<web::Json<CategoryDto>> {
    Ok(web::Json(categories::get(&state.db, id.into_inner()).await?.into()))
}

/// Administrators only.
#[utoipa::path(
    tag = "categories",
    request_body = CreateCategory,
    responses(
        (status = 201, body = CategoryDto),
        (status = 403, body = ErrorBody),
        (status = 409, body = ErrorBody),
        (status = 422, body = ErrorBody)
    ),
    security(("bearer" = []))
)]
#[post("/categories")]
pub async fn create(
    state: web::Data<AppState>,
    actor: Actor,
    body: web::Json<CreateCategory>,
) -> AppResult<HttpResponse> {
    // Who may, before what was sent is checked: a refused caller learns nothing from it.
    actor.require(categories::WRITERS)?;
    let mut p = Parser::default();
    let name = p.take(text::required_line("name", &body.name, 50));
    let hint = p.take(text::optional_line("hint", body.hint.as_deref(), 200));
    let tier = match body.default_tier.as_deref().map(str::trim).filter(|t| !t.is_empty()) {
        Some(raw) => p.take(choice::<TierCode>("default_tier", raw, TIER_CHOICES)).map(Some),
        None => Some(None),
    };
    let new = p.finish(|| {
        Some(NewCategory {
            name: name?,
            hint: hint?,
            default_tier: tier?,
            default_unit_id: body.default_unit_id,
            sort_order: body.sort_order,
        })
    })?;
    let model = categories::create(&state.db, &actor, state.clock.now(), new).await?;
    state.scan_cache.clear();
    Ok(HttpResponse::Created().json(CategoryDto::from(model)))
}

/// Administrators only.
#[utoipa::path(
    tag = "categories",
    request_body = UpdateCategory,
    responses(
        (status = 200, body = CategoryDto),
        (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody),
        (status = 409, description = "another category has that name", body = ErrorBody),
        (status = 422, body = ErrorBody)
    ),
    security(("bearer" = []))
)]
#[patch("/categories/{id}")]
pub async fn update(
    state: web::Data<AppState>,
    actor: Actor,
    id: web::Path<i32>,
    body: web::Json<UpdateCategory>,
) -> AppResult<web::Json<CategoryDto>> {
    let body = body.into_inner();
    let mut p = Parser::default();
    let name = match &body.name {
        Some(name) => p.take(text::required_line("name", name, 50)).map(Some),
        None => Some(None),
    };
    let hint = p.take(patch_line("hint", body.hint, 200));
    let tier = match body.default_tier.as_deref() {
        Some(raw) => p.take(choice::<TierCode>("default_tier", raw, TIER_CHOICES)).map(Some),
        None => Some(None),
    };
    let changes = p.finish(|| {
        Some(CategoryChanges {
            name: name?,
            hint: hint?,
            default_tier: tier?,
            default_unit_id: body.default_unit_id,
            sort_order: body.sort_order,
            active: body.active,
        })
    })?;
    let model = categories::update(&state.db, &actor, state.clock.now(), id.into_inner(), changes).await?;
    state.scan_cache.clear();
    Ok(web::Json(model.into()))
}

#[derive(Serialize, ToSchema)]
pub struct TierDto {
    pub code: TierCode,
    pub name: String,
    /// Working days allowed for the first response.
    pub first_response_days: i32,
    /// Working days allowed to resolve (0 = the same working day).
    pub resolve_days: i32,
}

impl From<tier::Model> for TierDto {
    fn from(m: tier::Model) -> Self {
        TierDto { code: m.code, name: m.name, first_response_days: m.first_response_days, resolve_days: m.resolve_days }
    }
}

/// The deadline tiers and their working-day targets.
#[utoipa::path(tag = "categories", responses((status = 200, body = Vec<TierDto>)), security(("bearer" = [])))]
#[get("/tiers")]
pub async fn tiers(state: web::Data<AppState>, _actor: Actor) -> AppResult<web::Json<Vec<TierDto>>> {
    Ok(web::Json(categories::tiers(&state.db).await?.into_iter().map(TierDto::from).collect()))
}
