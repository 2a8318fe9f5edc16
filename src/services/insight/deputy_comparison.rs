//! The deputies of a station side by side (一人一档, compared): each one's performance numbers
//! from the books next to the rates of the cases they collected, with the station's own
//! figures as the yardstick. The rates come from `services::stats`, so each equals the
//! dashboard's and the API's for that deputy.
use std::collections::HashMap;

use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder};

use crate::domain::role::Role;
use crate::entities::{deputy, station};
use crate::error::{AppError, AppResult};
use crate::services::books::ledgers::Period;
use crate::services::insight::{
    performance::{self, Performance, Window},
    stats::{self, Figures, GroupBy, StatsRequest},
};
use crate::services::organisation::actor::{Actor, with_descendants};

pub struct ComparisonRow {
    pub deputy: deputy::Model,
    pub performance: Performance,
    pub figures: Figures,
}

pub struct Comparison {
    pub station: station::Model,
    pub period: Period,
    /// Active deputies of the station (with its points and grids), and former ones who
    /// collected cases in the period.
    pub rows: Vec<ComparisonRow>,
    /// The whole station's figures, deputies' cases or not.
    pub station_figures: Figures,
}

/// Managers, administrators and viewers of the station; 404 for a station out of reach.
pub async fn compare(
    db: &impl ConnectionTrait,
    actor: &Actor,
    station_id: i32,
    period: Period,
    tz: chrono_tz::Tz,
    now: chrono::DateTime<chrono::Utc>,
) -> AppResult<Comparison> {
    actor.require(&[Role::Admin, Role::Manager, Role::Viewer])?;
    if !actor.readable_stations(db).await?.contains(station_id) {
        return Err(AppError::NotFound("station"));
    }
    let station = station::Entity::find_by_id(station_id).one(db).await?.ok_or(AppError::NotFound("station"))?;
    let request = StatsRequest { station_id: Some(station_id), deputy_id: None, period, group_by: None, tz, now };
    let station_figures = stats::totals(db, actor, &request).await?;
    let by_deputy: HashMap<i32, Figures> = stats::groups(db, actor, &request, GroupBy::Deputy)
        .await?
        .into_iter()
        .filter_map(|g| Some((g.key.parse().ok()?, g.figures)))
        .collect();
    let mut select = deputy::Entity::find().order_by_asc(deputy::Column::Name).order_by_asc(deputy::Column::Id);
    if let Some(ids) = with_descendants(db, &[station_id]).await?.ids() {
        select = select.filter(deputy::Column::StationId.is_in(ids));
    }
    let deputies: Vec<deputy::Model> =
        select.all(db).await?.into_iter().filter(|d| d.active || by_deputy.contains_key(&d.id)).collect();
    let ids: Vec<i32> = deputies.iter().map(|d| d.id).collect();
    let today = now.with_timezone(&tz).date_naive();
    let mut numbers = performance::of_deputies(db, &ids, Window::new(period, tz, today)).await?;
    let rows = deputies
        .into_iter()
        .map(|d| ComparisonRow {
            performance: numbers.remove(&d.id).unwrap_or_default(),
            figures: by_deputy.get(&d.id).cloned().unwrap_or_else(Figures::empty),
            deputy: d,
        })
        .collect();
    Ok(Comparison { station, period, rows, station_figures })
}
