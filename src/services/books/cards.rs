//! What the printed contact cards (民情联系卡) show. Public by token, like the codes printed on
//! them: a card carries nothing a resident would not see on the card itself.
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder};

use crate::domain::org::DeputyLevel;
use crate::entities::{deputy, station};
use crate::error::{AppError, AppResult};
use crate::services::organisation::{
    deputies::{QrTarget, resolve_qr_token},
    stations::find_by_public_token,
};

/// A deputy by a token that is in use now. A rotated token, or an inactive deputy's, gives
/// `None`: only codes that lead to the deputy's own form are printed.
#[tracing::instrument(skip_all)]
pub async fn active_deputy(db: &impl ConnectionTrait, qr_token: &str) -> AppResult<Option<deputy::Model>> {
    Ok(match resolve_qr_token(db, qr_token).await? {
        Some(QrTarget::Deputy(record)) => Some(*record),
        _ => None,
    })
}

/// One deputy's card: the deputy and the station they receive residents at.
#[tracing::instrument(skip_all)]
pub async fn deputy_card(
    db: &impl ConnectionTrait,
    qr_token: &str,
) -> AppResult<Option<(deputy::Model, station::Model)>> {
    let Some(record) = active_deputy(db, qr_token).await? else {
        return Ok(None);
    };
    let place = station::Entity::find_by_id(record.station_id).one(db).await?.ok_or(AppError::NotFound("station"))?;
    Ok(Some((record, place)))
}

/// An active station's serving deputies, national level first. Only those placed at this
/// very station: its points and grids have tokens, and card pages, of their own.
#[tracing::instrument(skip_all)]
pub async fn station_cards(
    db: &impl ConnectionTrait,
    station_token: &str,
) -> AppResult<Option<(station::Model, Vec<deputy::Model>)>> {
    let Some(place) = find_by_public_token(db, station_token).await? else {
        return Ok(None);
    };
    let mut deputies = deputy::Entity::find()
        .filter(deputy::Column::StationId.eq(place.id))
        .filter(deputy::Column::Active.eq(true))
        .order_by_asc(deputy::Column::Id)
        .all(db)
        .await?;
    deputies.sort_by_key(|d| level_rank(d.level));
    Ok(Some((place, deputies)))
}

fn level_rank(level: DeputyLevel) -> usize {
    DeputyLevel::ALL.iter().position(|l| *l == level).unwrap_or(DeputyLevel::ALL.len())
}
