//! Case photos, served only to staff who may read the case, or to anyone once the case is
//! disclosed (四公开). Never the upload itself: only the re-encoded copies.
use actix_web::{HttpResponse, web};
use serde::Deserialize;

use crate::domain::tracking::TrackingCode;
use crate::error::AppError;
use crate::http::pages::PageError;
use crate::http::pages::session::StaffSession;
use crate::http::shared::photos::jpeg;
use crate::services::cases::{access, photos, tracking};
use crate::state::AppState;

#[derive(Deserialize)]
pub struct VariantQuery {
    #[serde(default)]
    thumb: bool,
}

/// `/app/cases/{id}/photos/{hash}`: for signed-in staff who may read the case.
pub async fn staff_photo(
    state: web::Data<AppState>,
    session: StaffSession,
    path: web::Path<(i32, String)>,
    query: web::Query<VariantQuery>,
) -> Result<HttpResponse, PageError> {
    let (id, hash) = path.into_inner();
    let record = access::get(&state.db, &session.0, id).await?;
    let bytes = photos::photo_of(&state.db, &state.photos, &record, &hash, query.thumb).await?;
    Ok(jpeg(bytes, false))
}

/// `/t/{code}/photos/{hash}`: only for a case the station has made public.
pub async fn public_photo(
    state: web::Data<AppState>,
    path: web::Path<(String, String)>,
    query: web::Query<VariantQuery>,
) -> Result<HttpResponse, PageError> {
    let (code, hash) = path.into_inner();
    let code = TrackingCode::parse(&code).ok_or_else(|| PageError::from(AppError::NotFound("photo")))?;
    let record = tracking::find(&state.db, &code).await?;
    if !record.disclosed {
        return Err(PageError::from(AppError::NotFound("photo")));
    }
    let bytes = photos::photo_of(&state.db, &state.photos, &record, &hash, query.thumb).await?;
    Ok(jpeg(bytes, true))
}
