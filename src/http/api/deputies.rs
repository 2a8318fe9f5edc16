//! `/api/v1/deputies`: the roster (花名册) and each deputy's QR code.
use actix_web::{HttpResponse, get, patch, post, web};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_actix_web::service_config::ServiceConfig;

use crate::domain::org::DeputyLevel;
use crate::domain::page::PageParams;
use crate::domain::person;
use crate::domain::phone::mask_phone;
use crate::entities::deputy;
use crate::error::{AppResult, ErrorBody};
use crate::http::api::ListResponse;
use crate::http::shared::input::organisation::{CreateDeputy, birth_month};
use crate::http::shared::input::{Parser, choice, patch_line, patch_phone, patch_text};
use crate::http::shared::patch::nullable;
use crate::services::organisation::{
    actor::Actor,
    deputies::{self, DeputyChanges, DeputyFilter},
};
use crate::state::AppState;

pub fn routes(cfg: &mut ServiceConfig) {
    cfg.service(list).service(get_one).service(create).service(update).service(rotate_qr);
}

#[derive(Serialize, ToSchema)]
pub struct DeputyDto {
    pub id: i32,
    pub name: String,
    pub level: DeputyLevel,
    pub station_id: i32,
    /// Masked (138****1234) unless the caller manages the deputy's station or is the deputy.
    pub phone: Option<String>,
    pub phone_masked: bool,
    pub gender: Option<String>,
    pub ethnicity: Option<String>,
    /// YYYY-MM
    pub birth_month: Option<String>,
    pub party: Option<String>,
    pub education: Option<String>,
    pub occupation: Option<String>,
    pub employer: Option<String>,
    pub post: Option<String>,
    /// 届次
    pub term: Option<String>,
    pub card_number: Option<String>,
    pub constituency: Option<String>,
    pub address: Option<String>,
    pub remarks: Option<String>,
    /// Key of the deputy's QR code and form `/d/{qr_token}`.
    pub qr_token: String,
    pub form_url: String,
    pub qr_rotated_at: Option<DateTime<Utc>>,
    pub active: bool,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl DeputyDto {
    pub fn new(m: deputy::Model, base_url: &str, show_contact: bool) -> Self {
        DeputyDto {
            level: m.level,
            phone: m.phone.as_deref().map(|p| if show_contact { p.to_string() } else { mask_phone(p) }),
            phone_masked: !show_contact,
            address: if show_contact { m.address } else { m.address.map(|_| "****".into()) },
            form_url: format!("{base_url}/d/{}", m.qr_token),
            id: m.id,
            name: m.name,
            station_id: m.station_id,
            gender: m.gender,
            ethnicity: m.ethnicity,
            birth_month: m.birth_month,
            party: m.party,
            education: m.education,
            occupation: m.occupation,
            employer: m.employer,
            post: m.post,
            term: m.term,
            card_number: m.card_number,
            constituency: m.constituency,
            remarks: m.remarks,
            qr_token: m.qr_token,
            qr_rotated_at: m.qr_rotated_at,
            active: m.active,
            created_at: m.created_at,
            updated_at: m.updated_at,
        }
    }
}

#[derive(Deserialize, ToSchema)]
pub struct UpdateDeputy {
    pub name: Option<String>,
    #[schema(value_type = Option<DeputyLevel>)]
    pub level: Option<String>,
    pub station_id: Option<i32>,
    #[serde(default, deserialize_with = "nullable")]
    pub phone: Option<Option<String>>,
    #[serde(default, deserialize_with = "nullable")]
    pub gender: Option<Option<String>>,
    #[serde(default, deserialize_with = "nullable")]
    pub ethnicity: Option<Option<String>>,
    #[serde(default, deserialize_with = "nullable")]
    pub birth_month: Option<Option<String>>,
    #[serde(default, deserialize_with = "nullable")]
    pub party: Option<Option<String>>,
    #[serde(default, deserialize_with = "nullable")]
    pub education: Option<Option<String>>,
    #[serde(default, deserialize_with = "nullable")]
    pub occupation: Option<Option<String>>,
    #[serde(default, deserialize_with = "nullable")]
    pub employer: Option<Option<String>>,
    #[serde(default, deserialize_with = "nullable")]
    pub post: Option<Option<String>>,
    #[serde(default, deserialize_with = "nullable")]
    pub term: Option<Option<String>>,
    #[serde(default, deserialize_with = "nullable")]
    pub card_number: Option<Option<String>>,
    #[serde(default, deserialize_with = "nullable")]
    pub constituency: Option<Option<String>>,
    #[serde(default, deserialize_with = "nullable")]
    pub address: Option<Option<String>>,
    #[serde(default, deserialize_with = "nullable")]
    pub remarks: Option<Option<String>>,
    pub active: Option<bool>,
}

impl UpdateDeputy {
    fn parse(self) -> AppResult<DeputyChanges> {
        let mut p = Parser::default();
        let name = match &self.name {
            Some(name) => p.take(person::parse_name("name", name)).map(Some),
            None => Some(None),
        };
        let level = match &self.level {
            Some(level) => {
                p.take(choice("level", level, "national, provincial, municipal, county or township")).map(Some)
            }
            None => Some(None),
        };
        let birth = match self.birth_month {
            None => Some(None),
            Some(value) => p.take(birth_month(value.as_deref())).map(Some),
        };
        let phone = p.take(patch_phone("phone", self.phone));
        let gender = p.take(patch_line("gender", self.gender, 10));
        let ethnicity = p.take(patch_line("ethnicity", self.ethnicity, 20));
        let party = p.take(patch_line("party", self.party, 50));
        let education = p.take(patch_line("education", self.education, 50));
        let occupation = p.take(patch_line("occupation", self.occupation, 100));
        let employer = p.take(patch_line("employer", self.employer, 100));
        let post = p.take(patch_line("post", self.post, 100));
        let term = p.take(patch_line("term", self.term, 50));
        let card_number = p.take(patch_line("card_number", self.card_number, 50));
        let constituency = p.take(patch_line("constituency", self.constituency, 100));
        let address = p.take(patch_line("address", self.address, 200));
        let remarks = p.take(patch_text("remarks", self.remarks, 2000));
        p.finish(|| {
            Some(DeputyChanges {
                name: name?,
                level: level?,
                station_id: self.station_id,
                phone: phone?,
                gender: gender?,
                ethnicity: ethnicity?,
                birth_month: birth?,
                party: party?,
                education: education?,
                occupation: occupation?,
                employer: employer?,
                post: post?,
                term: term?,
                card_number: card_number?,
                constituency: constituency?,
                address: address?,
                remarks: remarks?,
                active: self.active,
            })
        })
    }
}

#[derive(Deserialize, IntoParams)]
pub struct DeputyQuery {
    pub station_id: Option<i32>,
    pub level: Option<DeputyLevel>,
    /// Text in the name, employer or constituency
    pub q: Option<String>,
    pub active: Option<bool>,
}

async fn dto(state: &AppState, actor: &Actor, model: deputy::Model) -> AppResult<DeputyDto> {
    let show = deputies::can_see_contact(&state.db, actor, &model).await?;
    Ok(DeputyDto::new(model, &state.public_url, show))
}

/// Deputies the caller may read (a deputy sees their own record), paginated.
#[utoipa::path(
    tag = "deputies",
    params(DeputyQuery, PageParams),
    responses((status = 200, body = ListResponse<DeputyDto>), (status = 401, body = ErrorBody)),
    security(("bearer" = []))
)]
#[get("/deputies")]
pub async fn list(
    state: web::Data<AppState>,
    actor: Actor,
    query: web::Query<DeputyQuery>,
    paging: web::Query<PageParams>,
) -> AppResult<web::Json<ListResponse<DeputyDto>>> {
    let filter = DeputyFilter {
        station_id: query.station_id,
        level: query.level,
        q: query.q.clone().filter(|q| !q.trim().is_empty()),
        active: query.active,
    };
    let page = deputies::list(&state.db, &actor, &filter, paging.request()).await?;
    let managed = actor.managed_stations(&state.db).await?;
    Ok(web::Json(ListResponse::from_page(page, |m| {
        let show = actor.deputy_id == Some(m.id) || managed.contains(m.station_id);
        DeputyDto::new(m, &state.public_url, show)
    })))
}

#[utoipa::path(
    tag = "deputies",
    responses((status = 200, body = DeputyDto), (status = 404, body = ErrorBody)),
    security(("bearer" = []))
)]
#[get("/deputies/{id}")]
pub async fn get_one(state: web::Data<AppState>, actor: Actor, id: web::Path<i32>) -> AppResult<web::Json<DeputyDto>> {
    let model = deputies::get(&state.db, &actor, id.into_inner()).await?;
    Ok(web::Json(dto(&state, &actor, model).await?))
}

/// Add a deputy to a station one manages; a random QR token is issued.
#[utoipa::path(
    tag = "deputies",
    request_body = CreateDeputy,
    responses((status = 201, body = DeputyDto), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)),
    security(("bearer" = []))
)]
#[post("/deputies")]
pub async fn create(
    state: web::Data<AppState>,
    actor: Actor,
    body: web::Json<CreateDeputy>,
) -> AppResult<HttpResponse> {
    // Who may, before what was sent is checked: a refused caller learns nothing from it.
    actor.require(deputies::WRITERS)?;
    let new = body.parse()?;
    let model = deputies::create(&state.db, &actor, state.clock.now(), new).await?;
    Ok(HttpResponse::Created().json(dto(&state, &actor, model).await?))
}

/// Update a deputy. A deputy may change their own contact details and profile.
#[utoipa::path(
    tag = "deputies",
    request_body = UpdateDeputy,
    responses(
        (status = 200, body = DeputyDto),
        (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody),
        (status = 422, body = ErrorBody)
    ),
    security(("bearer" = []))
)]
#[patch("/deputies/{id}")]
pub async fn update(
    state: web::Data<AppState>,
    actor: Actor,
    id: web::Path<i32>,
    body: web::Json<UpdateDeputy>,
) -> AppResult<web::Json<DeputyDto>> {
    let changes = body.into_inner().parse()?;
    let model = deputies::update(&state.db, &actor, state.clock.now(), id.into_inner(), changes).await?;
    state.scan_cache.clear();
    Ok(web::Json(dto(&state, &actor, model).await?))
}

/// Issue a new QR code (poster lost, code leaked). The old code keeps opening the station's
/// form with a notice, never an error.
#[utoipa::path(
    tag = "deputies",
    responses((status = 200, body = DeputyDto), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)),
    security(("bearer" = []))
)]
#[post("/deputies/{id}/rotate-qr")]
pub async fn rotate_qr(
    state: web::Data<AppState>,
    actor: Actor,
    id: web::Path<i32>,
) -> AppResult<web::Json<DeputyDto>> {
    let model = deputies::rotate_qr_token(&state.db, &actor, state.clock.now(), id.into_inner()).await?;
    state.scan_cache.clear();
    Ok(web::Json(dto(&state, &actor, model).await?))
}
