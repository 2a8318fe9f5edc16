//! `/api/v1/stations`: stations, points and grids.
use actix_web::{HttpResponse, get, patch, post, web};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_actix_web::service_config::ServiceConfig;

use crate::domain::org::StationKind;
use crate::domain::page::PageParams;
use crate::domain::text;
use crate::entities::station;
use crate::error::{AppResult, ErrorBody};
use crate::http::api::ListResponse;
use crate::http::shared::input::organisation::CreateStation;
use crate::http::shared::input::{Parser, patch_line, patch_phone};
use crate::http::shared::patch::nullable;
use crate::services::organisation::{
    actor::Actor,
    stations::{self, StationChanges, StationFilter},
};
use crate::state::AppState;

pub fn routes(cfg: &mut ServiceConfig) {
    cfg.service(list).service(get_one).service(create).service(update);
}

#[derive(Serialize, ToSchema)]
pub struct StationDto {
    pub id: i32,
    pub name: String,
    pub kind: StationKind,
    pub parent_id: Option<i32>,
    /// Key of the station's public form `/s/{public_token}`.
    pub public_token: String,
    /// The resident form of this station (what its QR code opens).
    pub public_url: String,
    pub address: Option<String>,
    pub contact_name: Option<String>,
    pub contact_phone: Option<String>,
    pub reception_days: Option<String>,
    pub active: bool,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl StationDto {
    pub fn new(model: station::Model, base_url: &str) -> Self {
        StationDto {
            kind: stations::kind_of(&model),
            public_url: format!("{base_url}/s/{}", model.public_token),
            id: model.id,
            name: model.name,
            parent_id: model.parent_id,
            public_token: model.public_token,
            address: model.address,
            contact_name: model.contact_name,
            contact_phone: model.contact_phone,
            reception_days: model.reception_days,
            active: model.active,
            created_at: model.created_at,
            updated_at: model.updated_at,
        }
    }
}

#[derive(Deserialize, ToSchema)]
pub struct UpdateStation {
    pub name: Option<String>,
    #[serde(default, deserialize_with = "nullable")]
    pub address: Option<Option<String>>,
    #[serde(default, deserialize_with = "nullable")]
    pub contact_name: Option<Option<String>>,
    #[serde(default, deserialize_with = "nullable")]
    pub contact_phone: Option<Option<String>>,
    #[serde(default, deserialize_with = "nullable")]
    pub reception_days: Option<Option<String>>,
    pub active: Option<bool>,
}

impl UpdateStation {
    fn parse(self) -> AppResult<StationChanges> {
        let mut p = Parser::default();
        let name = match &self.name {
            Some(name) => p.take(text::required_line("name", name, 100)).map(Some),
            None => Some(None),
        };
        let address = p.take(patch_line("address", self.address, 200));
        let contact_name = p.take(patch_line("contact_name", self.contact_name, 50));
        let contact_phone = p.take(patch_phone("contact_phone", self.contact_phone));
        let reception_days = p.take(patch_line("reception_days", self.reception_days, 200));
        p.finish(|| {
            Some(StationChanges {
                name: name?,
                address: address?,
                contact_name: contact_name?,
                contact_phone: contact_phone?,
                reception_days: reception_days?,
                active: self.active,
            })
        })
    }
}

#[derive(Deserialize, IntoParams)]
pub struct StationQuery {
    /// station, point or grid
    pub kind: Option<StationKind>,
    pub parent_id: Option<i32>,
    /// Text in the name or address
    pub q: Option<String>,
    pub active: Option<bool>,
}

/// Stations the caller may read, paginated.
#[utoipa::path(
    tag = "stations",
    params(StationQuery, PageParams),
    responses((status = 200, body = ListResponse<StationDto>), (status = 401, body = ErrorBody)),
    security(("bearer" = []))
)]
#[get("/stations")]
pub async fn list(
    state: web::Data<AppState>,
    actor: Actor,
    query: web::Query<StationQuery>,
    paging: web::Query<PageParams>,
) -> AppResult<web::Json<ListResponse<StationDto>>> {
    let filter = StationFilter {
        kind: query.kind,
        parent_id: query.parent_id,
        q: query.q.clone().filter(|q| !q.trim().is_empty()),
        active: query.active,
    };
    let page = stations::list(&state.db, &actor, &filter, paging.request()).await?;
    Ok(web::Json(ListResponse::from_page(page, |m| StationDto::new(m, &state.public_url))))
}

#[utoipa::path(
    tag = "stations",
    responses((status = 200, body = StationDto), (status = 404, body = ErrorBody)),
    security(("bearer" = []))
)]
#[get("/stations/{id}")]
pub async fn get_one(state: web::Data<AppState>, actor: Actor, id: web::Path<i32>) -> AppResult<web::Json<StationDto>> {
    let model = stations::get(&state.db, &actor, id.into_inner()).await?;
    Ok(web::Json(StationDto::new(model, &state.public_url)))
}

/// Create a station (administrators) or a point or grid under a station one manages.
#[utoipa::path(
    tag = "stations",
    request_body = CreateStation,
    responses(
        (status = 201, body = StationDto),
        (status = 403, body = ErrorBody),
        (status = 422, body = ErrorBody)
    ),
    security(("bearer" = []))
)]
#[post("/stations")]
pub async fn create(
    state: web::Data<AppState>,
    actor: Actor,
    body: web::Json<CreateStation>,
) -> AppResult<HttpResponse> {
    // Who may, before what was sent is checked: a refused caller learns nothing from it.
    actor.require(stations::WRITERS)?;
    let new = body.parse()?;
    let model = stations::create(&state.db, &actor, state.clock.now(), new).await?;
    Ok(HttpResponse::Created().json(StationDto::new(model, &state.public_url)))
}

#[utoipa::path(
    tag = "stations",
    request_body = UpdateStation,
    responses(
        (status = 200, body = StationDto),
        (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody),
        (status = 422, body = ErrorBody)
    ),
    security(("bearer" = []))
)]
#[patch("/stations/{id}")]
pub async fn update(
    state: web::Data<AppState>,
    actor: Actor,
    id: web::Path<i32>,
    body: web::Json<UpdateStation>,
) -> AppResult<web::Json<StationDto>> {
    let changes = body.into_inner().parse()?;
    let model = stations::update(&state.db, &actor, state.clock.now(), id.into_inner(), changes).await?;
    state.scan_cache.clear();
    Ok(web::Json(StationDto::new(model, &state.public_url)))
}
