//! The JSON API under `/api/v1`. Every route is annotated for OpenAPI and registered through
//! `utoipa_actix_web`, so the document at `/api/v1/openapi.json` lists exactly what is served.
pub mod activities;
pub mod audit;
pub mod auth;
pub mod calendar;
pub mod cases;
pub mod categories;
pub mod deputies;
mod error_responses;
pub mod jobs;
pub mod ledgers;
pub mod meta;
pub mod notifications;
pub mod performance;
pub mod public;
pub mod public_report;
pub mod reception;
pub mod station_books;
pub mod stations;
pub mod stats;
pub mod suggestions;
pub mod templates;
pub mod topics;
pub mod units;
pub mod users;
pub mod webhooks;

use actix_web::{App, HttpRequest, error::JsonPayloadError, web};
use serde::Serialize;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi, ToSchema};
use utoipa_actix_web::AppExt;
use utoipa_actix_web::service_config::ServiceConfig;

use crate::domain::page::Page;
use crate::error::{AppError, ErrorBody, FieldProblem};
use crate::http::input_guard::without_values;

pub const MAX_JSON_BYTES: usize = 64 * 1024;

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Liaison (码上说事) API",
        description = "Cases from residents to people's congress deputies and their liaison stations. \
                       Errors are `{\"error\": code, \"message\": text}`. Sign in with `POST /api/v1/auth/login` \
                       and send `Authorization: Bearer <token>`."
    ),
    modifiers(&BearerAuth),
    components(schemas(ErrorBody, FieldProblem)),
    tags(
        (name = "auth", description = "Sign-in and sessions"),
        (name = "stations", description = "Stations, points and grids"),
        (name = "deputies", description = "Deputies and their QR codes"),
        (name = "categories", description = "Categories of matters and deadline tiers"),
        (name = "units", description = "Handling units"),
        (name = "users", description = "Staff accounts"),
        (name = "calendar", description = "The working-day calendar"),
        (name = "public", description = "For residents: no account needed"),
        (name = "cases", description = "Queues, cases and the actions on them"),
        (name = "meta", description = "Health"),
        (name = "webhooks", description = "Case notices to chat groups (企业微信, 钉钉) and other systems"),
        (name = "notifications", description = "The caller's in-app notifications"),
        (name = "jobs", description = "Running background jobs now (administrators)"),
        (name = "reception", description = "Reception days (今日我接待): the duty roster and the reception log"),
        (name = "books", description = "Deputies' reports to voters (述职), contact records (民情联系卡) and the ten haves (十有)"),
        (name = "activities", description = "Deputies' activities (人大代表活动登记簿) and attendance"),
        (name = "ledgers", description = "The station's books (十有五簿四册) as JSON, CSV and XLSX"),
        (name = "suggestions", description = "Deputies' formal suggestions (代表建议) and their handling"),
        (name = "stats", description = "How the stations serve people: counts, rates with their denominators, medians, hot topics (热点难点)")
    )
)]
pub struct ApiDoc;

struct BearerAuth;

impl Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).bearer_format("JWT").build()),
        );
    }
}

pub fn routes(cfg: &mut ServiceConfig) {
    cfg.configure(auth::routes)
        .configure(audit::routes)
        .configure(stations::routes)
        .configure(deputies::routes)
        .configure(categories::routes)
        .configure(units::routes)
        .configure(users::routes)
        .configure(calendar::routes)
        .configure(public::routes)
        .configure(public_report::routes)
        .configure(cases::routes)
        .configure(templates::routes)
        .configure(webhooks::routes)
        .configure(notifications::routes)
        .configure(jobs::routes)
        .configure(reception::routes)
        .configure(station_books::routes)
        .configure(performance::routes)
        .configure(activities::routes)
        .configure(ledgers::routes)
        .configure(suggestions::routes)
        .configure(stats::routes)
        .configure(topics::routes);
}

/// The OpenAPI document, built from the same registrations the server uses.
pub fn openapi() -> utoipa::openapi::OpenApi {
    let (_, api) = App::new()
        .into_utoipa_app()
        .openapi(ApiDoc::openapi())
        .service(meta::healthz)
        .service(meta::livez)
        .service(utoipa_actix_web::scope("/api/v1").configure(routes))
        .split_for_parts();
    let mut api = api;
    error_responses::add_error_responses(&mut api);
    api
}

pub fn json_config() -> web::JsonConfig {
    web::JsonConfig::default().limit(MAX_JSON_BYTES).error_handler(|err, _req: &HttpRequest| {
        match &err {
            JsonPayloadError::OverflowKnownLength { .. } | JsonPayloadError::Overflow { .. } => {
                AppError::PayloadTooLarge(format!("the body is larger than {} KiB", MAX_JSON_BYTES / 1024))
            }
            JsonPayloadError::ContentType => {
                AppError::BadRequest("send JSON with Content-Type: application/json".into())
            }
            JsonPayloadError::Deserialize(cause) => AppError::BadRequest(format!(
                "the body is not valid JSON for this call: {}",
                without_values(&cause.to_string())
            )),
            _ => AppError::BadRequest("the body could not be read as JSON".into()),
        }
        .into()
    })
}

pub fn path_config() -> web::PathConfig {
    web::PathConfig::default().error_handler(|_, _| AppError::NotFound("resource").into())
}

/// A page of a list: `{"items","total","page","per_page"}`.
#[derive(Debug, Serialize, ToSchema)]
pub struct ListResponse<T: ToSchema> {
    pub items: Vec<T>,
    pub total: u64,
    pub page: u64,
    pub per_page: u64,
}

impl<T: ToSchema> ListResponse<T> {
    pub fn from_page<M>(page: Page<M>, f: impl FnMut(M) -> T) -> Self {
        let request = page.request;
        let total = page.total;
        ListResponse {
            items: page.items.into_iter().map(f).collect(),
            total,
            page: request.page,
            per_page: request.per_page,
        }
    }

    /// As `from_page`, for items whose making can fail.
    pub fn try_from_page<M, E>(page: Page<M>, f: impl FnMut(M) -> Result<T, E>) -> Result<Self, E> {
        let request = page.request;
        let total = page.total;
        Ok(ListResponse {
            items: page.items.into_iter().map(f).collect::<Result<_, E>>()?,
            total,
            page: request.page,
            per_page: request.per_page,
        })
    }
}
