//! QR code images for print: `/d/{qr_token}/qr.png?size=N`, `/d/{qr_token}/qr.svg` and the same
//! under `/s/{station_token}`. Each encodes the public form's URL; only tokens in use get one.
use actix_web::http::header::{self, EntityTag, IfNoneMatch};
use actix_web::{HttpMessage, HttpRequest, HttpResponse, web};
use serde::Deserialize;

use crate::domain::token::looks_like_public_token;
use crate::domain::tracking::TrackingCode;
use crate::error::AppError;
use crate::http::pages::PageError;
use crate::qr::{self, Format};
use crate::services::books::cards;
use crate::services::cases::tracking;
use crate::services::organisation::stations;
use crate::state::AppState;

/// A day: codes only change when a token is rotated, and the ETag covers the rest.
const CACHE_CONTROL: &str = "public, max-age=86400";

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(web::resource("/d/{qr_token}/qr.png").route(web::get().to(deputy_png)))
        .service(web::resource("/d/{qr_token}/qr.svg").route(web::get().to(deputy_svg)))
        .service(web::resource("/s/{station_token}/qr.png").route(web::get().to(station_png)))
        .service(web::resource("/s/{station_token}/qr.svg").route(web::get().to(station_svg)))
        .service(web::resource("/t/{code}/qr.svg").route(web::get().to(tracking_svg)));
}

#[derive(Deserialize)]
pub struct SizeQuery {
    size: Option<String>,
}

/// `?size=` in pixels; a size out of range is refused rather than quietly changed, so a
/// print shop never gets a smaller image than it asked for.
fn size(query: &SizeQuery) -> Result<u32, PageError> {
    let Some(raw) = query.size.as_deref() else {
        return Ok(qr::DEFAULT_SIZE);
    };
    raw.trim().parse().ok().and_then(|n| qr::check_size(n).ok()).ok_or_else(|| {
        let message = format!("size must be a whole number of pixels from {} to {}", qr::MIN_SIZE, qr::MAX_SIZE);
        PageError::from(AppError::BadRequest(message))
    })
}

async fn deputy_url(state: &AppState, token: &str) -> Result<String, PageError> {
    let found = if looks_like_public_token(token) { cards::active_deputy(&state.db, token).await? } else { None };
    let record = found.ok_or_else(|| PageError::from(AppError::NotFound("deputy")))?;
    Ok(format!("{}/d/{}", state.public_url, record.qr_token))
}

async fn station_url(state: &AppState, token: &str) -> Result<String, PageError> {
    let found =
        if looks_like_public_token(token) { stations::find_by_public_token(&state.db, token).await? } else { None };
    let place = found.ok_or_else(|| PageError::from(AppError::NotFound("station")))?;
    Ok(format!("{}/s/{}", state.public_url, place.public_token))
}

/// Answers 304 before drawing anything when the client already holds this rendering.
fn respond(req: &HttpRequest, text: &str, format: Format, size: u32) -> Result<HttpResponse, PageError> {
    let tag = EntityTag::new_strong(qr::etag(text, format, size));
    let held = match req.get_header::<IfNoneMatch>() {
        Some(IfNoneMatch::Any) => true,
        Some(IfNoneMatch::Items(items)) => items.iter().any(|item| item.weak_eq(&tag)),
        None => false,
    };
    if held {
        return Ok(HttpResponse::NotModified()
            .insert_header(header::ETag(tag))
            .insert_header((header::CACHE_CONTROL, CACHE_CONTROL))
            .finish());
    }
    let body = match format {
        Format::Png => qr::png(text, size),
        Format::Svg => qr::svg(text).map(String::into_bytes),
    }
    .map_err(|e| PageError::from(AppError::internal(e)))?;
    Ok(HttpResponse::Ok()
        .content_type(format.content_type())
        .insert_header(header::ETag(tag))
        .insert_header((header::CACHE_CONTROL, CACHE_CONTROL))
        .body(body))
}

pub async fn deputy_png(
    req: HttpRequest,
    state: web::Data<AppState>,
    token: web::Path<String>,
    query: web::Query<SizeQuery>,
) -> Result<HttpResponse, PageError> {
    let size = size(&query)?;
    let url = deputy_url(&state, &token).await?;
    respond(&req, &url, Format::Png, size)
}

pub async fn deputy_svg(
    req: HttpRequest,
    state: web::Data<AppState>,
    token: web::Path<String>,
) -> Result<HttpResponse, PageError> {
    let url = deputy_url(&state, &token).await?;
    respond(&req, &url, Format::Svg, 0)
}

pub async fn station_png(
    req: HttpRequest,
    state: web::Data<AppState>,
    token: web::Path<String>,
    query: web::Query<SizeQuery>,
) -> Result<HttpResponse, PageError> {
    let size = size(&query)?;
    let url = station_url(&state, &token).await?;
    respond(&req, &url, Format::Png, size)
}

pub async fn station_svg(
    req: HttpRequest,
    state: web::Data<AppState>,
    token: web::Path<String>,
) -> Result<HttpResponse, PageError> {
    let url = station_url(&state, &token).await?;
    respond(&req, &url, Format::Svg, 0)
}

/// The tracking page's own code, printed on it so a resident can come back with the camera.
pub async fn tracking_svg(
    req: HttpRequest,
    state: web::Data<AppState>,
    code: web::Path<String>,
) -> Result<HttpResponse, PageError> {
    let not_found = || PageError::from(AppError::NotFound("case"));
    let code = TrackingCode::parse(&code).ok_or_else(not_found)?;
    tracking::find(&state.db, &code).await.map_err(|_| not_found())?;
    let url = format!("{}/t/{}", state.public_url, code.as_str());
    respond(&req, &url, Format::Svg, 0)
}
