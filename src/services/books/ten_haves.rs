//! A station's "ten haves" (十有): for each of the ten items, whether the station has it,
//! the evidence (a note, a date, a photo) and who confirmed it; the completeness score is
//! the share of items present. Managers of the station keep it (administrators any);
//! everyone who may read the station sees it.
use std::collections::HashMap;

use chrono::{DateTime, NaiveDate, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, Set, SqlErr};

use crate::domain::station_books::{TenHaveItem, completeness};
use crate::entities::{app_user, station, ten_have};
use crate::error::{AppError, AppResult};
use crate::services::books::reception_roster::{managed_station, readable_station};
use crate::services::organisation::actor::Actor;
use crate::services::privacy::audit;

/// What a manager confirms about one item.
#[derive(Debug, Clone)]
pub struct Evidence {
    pub present: bool,
    pub note: Option<String>,
    pub evidence_on: Option<NaiveDate>,
    /// `Some(None)` removes the photo; `None` keeps it.
    pub photo_hash: Option<Option<String>>,
    /// The version the editor saw; `None` for an item never recorded (or to overwrite).
    pub version: Option<i32>,
}

#[derive(Debug, Clone)]
pub struct ItemView {
    pub item: TenHaveItem,
    /// `None`: never recorded.
    pub record: Option<ten_have::Model>,
    pub confirmed_by_name: Option<String>,
}

impl ItemView {
    pub fn present(&self) -> bool {
        self.record.as_ref().is_some_and(|r| r.present)
    }
}

#[derive(Debug, Clone)]
pub struct Checklist {
    pub station: station::Model,
    pub items: Vec<ItemView>,
    /// Whole percentage of the ten items present.
    pub score: i32,
}

/// The recorded items of some stations, by station and item code.
#[tracing::instrument(skip_all)]
pub async fn records_of(
    db: &impl ConnectionTrait,
    station_ids: &[i32],
) -> AppResult<HashMap<i32, HashMap<String, ten_have::Model>>> {
    let rows = ten_have::Entity::find().filter(ten_have::Column::StationId.is_in(station_ids.to_vec())).all(db).await?;
    let mut out: HashMap<i32, HashMap<String, ten_have::Model>> = HashMap::new();
    for row in rows {
        out.entry(row.station_id).or_default().insert(row.item.clone(), row);
    }
    Ok(out)
}

/// The ten items in order, with what was recorded of each.
pub fn items_of(recorded: &HashMap<String, ten_have::Model>) -> Vec<(TenHaveItem, Option<&ten_have::Model>)> {
    TenHaveItem::ALL.iter().map(|item| (*item, recorded.get(item.as_str()))).collect()
}

pub fn score_of(recorded: &HashMap<String, ten_have::Model>) -> i32 {
    completeness(items_of(recorded).iter().filter(|(_, r)| r.is_some_and(|r| r.present)).count())
}

async fn checklist_of(db: &impl ConnectionTrait, station: station::Model) -> AppResult<Checklist> {
    let mut recorded = records_of(db, &[station.id]).await?.remove(&station.id).unwrap_or_default();
    let user_ids: Vec<i32> = recorded.values().filter_map(|r| r.confirmed_by).collect();
    let users: HashMap<i32, String> = app_user::Entity::find()
        .filter(app_user::Column::Id.is_in(user_ids))
        .all(db)
        .await?
        .into_iter()
        .map(|u| (u.id, u.display_name.unwrap_or(u.username)))
        .collect();
    let score = score_of(&recorded);
    let items = TenHaveItem::ALL
        .iter()
        .map(|item| {
            let record = recorded.remove(item.as_str());
            let confirmed_by_name = record.as_ref().and_then(|r| r.confirmed_by).and_then(|id| users.get(&id).cloned());
            ItemView { item: *item, record, confirmed_by_name }
        })
        .collect();
    Ok(Checklist { station, items, score })
}

#[tracing::instrument(skip_all, fields(user_id = actor.user_id, station_id = station_id))]
pub async fn checklist(db: &impl ConnectionTrait, actor: &Actor, station_id: i32) -> AppResult<Checklist> {
    let station = readable_station(db, actor, station_id).await?;
    checklist_of(db, station).await
}

/// Confirms (or withdraws) one item of a station the actor manages. A stale version is a 409.
#[tracing::instrument(skip_all, fields(user_id = actor.user_id, station_id = station_id))]
pub async fn confirm(
    db: &impl ConnectionTrait,
    actor: &Actor,
    now: DateTime<Utc>,
    station_id: i32,
    item: TenHaveItem,
    evidence: Evidence,
) -> AppResult<Checklist> {
    let station = managed_station(db, actor, station_id).await?;
    let current = ten_have::Entity::find()
        .filter(ten_have::Column::StationId.eq(station_id))
        .filter(ten_have::Column::Item.eq(item.as_str()))
        .one(db)
        .await?;
    let stale = |version: i32| AppError::stale_version("item", version);
    match current {
        None => {
            if evidence.version.is_some_and(|v| v != 0) {
                return Err(stale(0));
            }
            ten_have::ActiveModel {
                station_id: Set(station_id),
                item: Set(item.as_str().to_string()),
                present: Set(evidence.present),
                note: Set(evidence.note),
                evidence_on: Set(evidence.evidence_on),
                photo_hash: Set(evidence.photo_hash.flatten()),
                confirmed_by: Set(Some(actor.user_id)),
                confirmed_at: Set(Some(now)),
                version: Set(1),
                ..Default::default()
            }
            .insert(db)
            .await
            .map_err(|e| match e.sql_err() {
                // Two people confirming a new item at once: the second read a stale "never recorded".
                Some(SqlErr::UniqueConstraintViolation(_)) => stale(1),
                _ => e.into(),
            })?;
        }
        Some(current) => {
            let expected = evidence.version.unwrap_or(current.version);
            let mut update = ten_have::Entity::update_many()
                .col_expr(ten_have::Column::Version, Expr::value(current.version + 1))
                .col_expr(ten_have::Column::Present, Expr::value(evidence.present))
                .col_expr(ten_have::Column::Note, Expr::value(evidence.note))
                .col_expr(ten_have::Column::EvidenceOn, Expr::value(evidence.evidence_on))
                .col_expr(ten_have::Column::ConfirmedBy, Expr::value(actor.user_id))
                .col_expr(ten_have::Column::ConfirmedAt, Expr::value(now));
            if let Some(photo) = evidence.photo_hash {
                update = update.col_expr(ten_have::Column::PhotoHash, Expr::value(photo));
            }
            let done = update
                .filter(ten_have::Column::Id.eq(current.id))
                .filter(ten_have::Column::Version.eq(expected))
                .exec(db)
                .await?;
            if done.rows_affected == 0 {
                return Err(stale(current.version));
            }
        }
    }
    let detail = format!("{} {}", item.as_str(), if evidence.present { "present" } else { "missing" });
    audit::record(
        db,
        now,
        Some(actor.user_id),
        "ten_have_confirmed",
        Some(("station", Some(station_id))),
        Some(&detail),
        None,
    )
    .await?;
    checklist_of(db, station).await
}
