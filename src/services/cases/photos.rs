//! A case's photos as stored: re-encoded copies read from the photo store, only for a photo
//! the case really has.
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};

use crate::entities::{case, case_photo};
use crate::error::{AppError, AppResult};
use crate::photos::{PhotoStore, Variant, is_valid_hash};

/// The photo's bytes if it belongs to the case (the caller has checked who may see the case).
#[tracing::instrument(skip_all)]
pub async fn photo_of(
    db: &impl ConnectionTrait,
    store: &PhotoStore,
    record: &case::Model,
    hash: &str,
    thumb: bool,
) -> AppResult<Vec<u8>> {
    if !is_valid_hash(hash) {
        return Err(AppError::NotFound("photo"));
    }
    case_photo::Entity::find()
        .filter(case_photo::Column::CaseId.eq(record.id))
        .filter(case_photo::Column::Hash.eq(hash))
        .one(db)
        .await?
        .ok_or(AppError::NotFound("photo"))?;
    let variant = if thumb { Variant::Thumb } else { Variant::Full };
    store.open_async(hash.to_string(), variant).await.map_err(|e| {
        tracing::error!(error = %e, "a recorded photo is missing from the store");
        AppError::NotFound("photo")
    })
}
