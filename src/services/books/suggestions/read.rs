//! Reading suggestions: one, or the list the actor may read, each with its deputies, units,
//! names and what the actor may do to it.
use std::collections::HashMap;

use chrono::NaiveDate;
use sea_orm::sea_query::Query;
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder, QuerySelect,
};

use super::standing::{allowed, deadline_of, load, overdue_on, standing, station_scope, status_of};
use super::{Party, SuggestionFilter, SuggestionView, entity};
use crate::domain::page::{Page, PageRequest};
use crate::domain::role::Role;
use crate::domain::suggestion::{SuggestionRole, SuggestionStatus};
use crate::entities::{category, station, suggestion_deputy, suggestion_unit, unit};
use crate::error::{AppError, AppResult};
use crate::services::organisation::actor::{Actor, with_descendants};
use crate::services::organisation::deputies;

pub(super) async fn parties(
    db: &impl ConnectionTrait,
    ids: &[i32],
) -> AppResult<(HashMap<i32, Vec<Party>>, HashMap<i32, Vec<Party>>)> {
    let deputy_links = suggestion_deputy::Entity::find()
        .filter(suggestion_deputy::Column::SuggestionId.is_in(ids.to_vec()))
        .order_by_asc(suggestion_deputy::Column::SuggestionId)
        .order_by_asc(suggestion_deputy::Column::Position)
        .all(db)
        .await?;
    let unit_links = suggestion_unit::Entity::find()
        .filter(suggestion_unit::Column::SuggestionId.is_in(ids.to_vec()))
        .order_by_asc(suggestion_unit::Column::SuggestionId)
        .order_by_asc(suggestion_unit::Column::UnitId)
        .all(db)
        .await?;
    let deputy_names = deputies::names(db, deputy_links.iter().map(|l| l.deputy_id).collect()).await?;
    let unit_names: HashMap<i32, String> = unit::Entity::find()
        .filter(unit::Column::Id.is_in(unit_links.iter().map(|l| l.unit_id).collect::<Vec<_>>()))
        .all(db)
        .await?
        .into_iter()
        .map(|u| (u.id, u.name))
        .collect();
    let mut deputies: HashMap<i32, Vec<Party>> = HashMap::new();
    for link in deputy_links {
        let name = deputy_names.get(&link.deputy_id).cloned().unwrap_or_default();
        deputies.entry(link.suggestion_id).or_default().push(Party { id: link.deputy_id, name, role: link.role });
    }
    let mut units: HashMap<i32, Vec<Party>> = HashMap::new();
    for link in unit_links {
        let name = unit_names.get(&link.unit_id).cloned().unwrap_or_default();
        units.entry(link.suggestion_id).or_default().push(Party { id: link.unit_id, name, role: link.role });
    }
    // The lead first.
    for list in deputies.values_mut().chain(units.values_mut()) {
        list.sort_by_key(|p| p.role != SuggestionRole::Lead);
    }
    Ok((deputies, units))
}

async fn views(
    db: &impl ConnectionTrait,
    actor: &Actor,
    today: NaiveDate,
    models: Vec<entity::Model>,
) -> AppResult<Vec<SuggestionView>> {
    let ids: Vec<i32> = models.iter().map(|m| m.id).collect();
    let (mut deputies, mut units) = parties(db, &ids).await?;
    let station_names: HashMap<i32, String> = station::Entity::find()
        .filter(station::Column::Id.is_in(models.iter().map(|m| m.station_id).collect::<Vec<_>>()))
        .all(db)
        .await?
        .into_iter()
        .map(|s| (s.id, s.name))
        .collect();
    let category_names: HashMap<i32, String> = category::Entity::find()
        .filter(category::Column::Id.is_in(models.iter().filter_map(|m| m.category_id).collect::<Vec<_>>()))
        .all(db)
        .await?
        .into_iter()
        .map(|c| (c.id, c.name))
        .collect();
    let scope = station_scope(db, actor).await?;
    let mut out = Vec::with_capacity(models.len());
    for model in models {
        let deputies = deputies.remove(&model.id).unwrap_or_default();
        let units = units.remove(&model.id).unwrap_or_default();
        let standing = standing(actor, &scope, &model, &deputies, &units);
        let status = status_of(&model);
        out.push(SuggestionView {
            status,
            station_name: station_names.get(&model.station_id).cloned().unwrap_or_default(),
            category_name: model.category_id.and_then(|id| category_names.get(&id).cloned()),
            deadline: deadline_of(&model),
            overdue: overdue_on(&model, today),
            allowed: allowed(standing, status),
            deputies,
            units,
            suggestion: model,
        });
    }
    Ok(out)
}

#[tracing::instrument(skip_all, fields(user_id = actor.user_id, id = id))]
pub async fn get(db: &impl ConnectionTrait, actor: &Actor, today: NaiveDate, id: i32) -> AppResult<SuggestionView> {
    let (model, _, _, _) = load(db, actor, id).await?;
    views(db, actor, today, vec![model]).await?.pop().ok_or(AppError::NotFound("suggestion"))
}

/// The suggestions the actor may read, newest first.
#[tracing::instrument(skip_all, fields(user_id = actor.user_id))]
pub async fn list(
    db: &impl ConnectionTrait,
    actor: &Actor,
    today: NaiveDate,
    filter: &SuggestionFilter,
    page: PageRequest,
) -> AppResult<Page<SuggestionView>> {
    let mut select = entity::Entity::find();
    if let Some(station_id) = filter.station_id {
        if !actor.readable_stations(db).await?.contains(station_id) {
            return Err(AppError::NotFound("station"));
        }
        station::Entity::find_by_id(station_id).one(db).await?.ok_or(AppError::NotFound("station"))?;
        if let Some(ids) = with_descendants(db, &[station_id]).await?.ids() {
            select = select.filter(entity::Column::StationId.is_in(ids));
        }
    }
    match actor.role {
        Role::Admin => {}
        Role::Manager => {
            let ids = actor.managed_stations(db).await?.ids().unwrap_or_default();
            select = select.filter(entity::Column::StationId.is_in(ids));
        }
        Role::Viewer => {
            if let Some(ids) = actor.readable_stations(db).await?.ids() {
                select = select.filter(entity::Column::StationId.is_in(ids));
            }
        }
        Role::Deputy => {
            let mine = Query::select()
                .column(suggestion_deputy::Column::SuggestionId)
                .from(suggestion_deputy::Entity)
                .and_where(suggestion_deputy::Column::DeputyId.eq(actor.deputy_id.unwrap_or(-1)))
                .to_owned();
            select = select.filter(entity::Column::Id.in_subquery(mine));
        }
        Role::Handler => {
            let theirs = Query::select()
                .column(suggestion_unit::Column::SuggestionId)
                .from(suggestion_unit::Entity)
                .and_where(suggestion_unit::Column::UnitId.eq(actor.unit_id.unwrap_or(-1)))
                .to_owned();
            select =
                select.filter(entity::Column::Id.in_subquery(theirs)).filter(entity::Column::AssignedOn.is_not_null());
        }
    }
    if let Some(status) = filter.status {
        select = select.filter(entity::Column::Status.eq(status.as_str()));
    }
    if filter.overdue {
        let assigned = SuggestionStatus::Assigned.as_str();
        select = select.filter(
            Condition::any()
                .add(
                    Condition::all()
                        .add(entity::Column::Status.eq(assigned))
                        .add(entity::Column::ExtendedTo.is_null())
                        .add(entity::Column::DueOn.lt(today)),
                )
                .add(
                    Condition::all().add(entity::Column::Status.eq(assigned)).add(entity::Column::ExtendedTo.lt(today)),
                )
                .add(
                    Condition::all()
                        .add(entity::Column::Status.eq(SuggestionStatus::Rehandling.as_str()))
                        .add(entity::Column::RehandlingDueOn.lt(today)),
                ),
        );
    }
    let total = select.clone().count(db).await?;
    let models = select
        .order_by_desc(entity::Column::RaisedOn)
        .order_by_desc(entity::Column::Id)
        .offset(page.offset())
        .limit(page.per_page)
        .all(db)
        .await?;
    Ok(Page { items: views(db, actor, today, models).await?, total, request: page })
}
