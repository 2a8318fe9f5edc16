//! Case photos, served only to staff who may read the case, or to anyone once the case is
//! disclosed (四公开). Never the upload itself: only the re-encoded copies.
use actix_web::http::header;
use actix_web::{HttpResponse, web};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use serde::Deserialize;

use crate::domain::tracking::TrackingCode;
use crate::entities::{case, case_photo};
use crate::error::{AppError, AppResult};
use crate::http::extract::StaffSession;
use crate::http::i18n::Lang;
use crate::http::pages::PageError;
use crate::photos::{Variant, is_valid_hash};
use crate::services::cases::{access, tracking};
use crate::state::AppState;

#[derive(Deserialize)]
pub struct VariantQuery {
    #[serde(default)]
    thumb: bool,
}

/// The photo's bytes if it belongs to the case.
pub async fn photo_of(state: &AppState, record: &case::Model, hash: &str, thumb: bool) -> AppResult<Vec<u8>> {
    if !is_valid_hash(hash) {
        return Err(AppError::NotFound("photo"));
    }
    case_photo::Entity::find()
        .filter(case_photo::Column::CaseId.eq(record.id))
        .filter(case_photo::Column::Hash.eq(hash))
        .one(&state.db)
        .await?
        .ok_or(AppError::NotFound("photo"))?;
    let variant = if thumb { Variant::Thumb } else { Variant::Full };
    state.photos.open_async(hash.to_string(), variant).await.map_err(|e| {
        tracing::error!(error = %e, "a recorded photo is missing from the store");
        AppError::NotFound("photo")
    })
}

/// `private`: personal photos must not sit in shared caches.
pub fn jpeg(bytes: Vec<u8>, public: bool) -> HttpResponse {
    HttpResponse::Ok()
        .content_type("image/jpeg")
        .insert_header((header::CACHE_CONTROL, if public { "public, max-age=3600" } else { "private, max-age=3600" }))
        .body(bytes)
}

/// `/app/cases/{id}/photos/{hash}`: for signed-in staff who may read the case.
pub async fn staff_photo(
    state: web::Data<AppState>,
    lang: Lang,
    session: StaffSession,
    path: web::Path<(i32, String)>,
    query: web::Query<VariantQuery>,
) -> Result<HttpResponse, PageError> {
    let (id, hash) = path.into_inner();
    let fail = |e| PageError::new(e, lang);
    let record = access::get(&state.db, &session.0, id).await.map_err(fail)?;
    let bytes = photo_of(&state, &record, &hash, query.thumb).await.map_err(fail)?;
    Ok(jpeg(bytes, false))
}

/// `/t/{code}/photos/{hash}`: only for a case the station has made public.
pub async fn public_photo(
    state: web::Data<AppState>,
    lang: Lang,
    path: web::Path<(String, String)>,
    query: web::Query<VariantQuery>,
) -> Result<HttpResponse, PageError> {
    let (code, hash) = path.into_inner();
    let fail = |e| PageError::new(e, lang);
    let code = TrackingCode::parse(&code).ok_or_else(|| fail(AppError::NotFound("photo")))?;
    let record = tracking::find(&state.db, &code).await.map_err(fail)?;
    if !record.disclosed {
        return Err(fail(AppError::NotFound("photo")));
    }
    let bytes = photo_of(&state, &record, &hash, query.thumb).await.map_err(fail)?;
    Ok(jpeg(bytes, true))
}
