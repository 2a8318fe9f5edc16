//! Deputies (the roster, 花名册) and their QR tokens.
use std::collections::HashMap;

use chrono::{DateTime, Utc};
use sea_orm::sea_query::{Query, SelectStatement};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect, Set,
};

use crate::domain::field::FieldError;
use crate::domain::org::DeputyLevel;
use crate::domain::page::{Page, PageRequest};
use crate::domain::phone::Phone;
use crate::domain::role::Role;
use crate::domain::token::new_public_token;
use crate::entities::{deputy, retired_qr_token, station};
use crate::error::{AppError, AppResult};
use crate::services::organisation::actor::Actor;
use crate::services::support::paging::{contains, fetch_page};

/// The roster columns other than name, level and station.
#[derive(Debug, Clone, Default)]
pub struct RosterDetails {
    pub gender: Option<String>,
    pub ethnicity: Option<String>,
    pub birth_month: Option<String>,
    pub party: Option<String>,
    pub education: Option<String>,
    pub occupation: Option<String>,
    pub employer: Option<String>,
    pub post: Option<String>,
    pub term: Option<String>,
    pub card_number: Option<String>,
    pub constituency: Option<String>,
    pub address: Option<String>,
    pub remarks: Option<String>,
}

#[derive(Debug, Clone)]
pub struct NewDeputy {
    pub name: String,
    pub level: DeputyLevel,
    pub station_id: i32,
    pub phone: Option<Phone>,
    pub details: RosterDetails,
}

/// A partial update; `Some(None)` clears an optional field.
#[derive(Debug, Clone, Default)]
pub struct DeputyChanges {
    pub name: Option<String>,
    pub level: Option<DeputyLevel>,
    pub station_id: Option<i32>,
    pub phone: Option<Option<Phone>>,
    pub gender: Option<Option<String>>,
    pub ethnicity: Option<Option<String>>,
    pub birth_month: Option<Option<String>>,
    pub party: Option<Option<String>>,
    pub education: Option<Option<String>>,
    pub occupation: Option<Option<String>>,
    pub employer: Option<Option<String>>,
    pub post: Option<Option<String>>,
    pub term: Option<Option<String>>,
    pub card_number: Option<Option<String>>,
    pub constituency: Option<Option<String>>,
    pub address: Option<Option<String>>,
    pub remarks: Option<Option<String>>,
    pub active: Option<bool>,
}

impl DeputyChanges {
    /// The fields a deputy may change on their own record.
    fn only_self_service_fields(&self) -> bool {
        self.name.is_none()
            && self.level.is_none()
            && self.station_id.is_none()
            && self.term.is_none()
            && self.card_number.is_none()
            && self.constituency.is_none()
            && self.remarks.is_none()
            && self.active.is_none()
    }
}

#[derive(Debug, Clone, Default)]
pub struct DeputyFilter {
    pub station_id: Option<i32>,
    pub level: Option<DeputyLevel>,
    pub q: Option<String>,
    pub active: Option<bool>,
}

/// The names of these deputies (active or not) by id: what lists of records show beside each.
#[tracing::instrument(skip_all)]
pub async fn names(db: &impl ConnectionTrait, ids: Vec<i32>) -> AppResult<HashMap<i32, String>> {
    let found: Vec<(i32, String)> = deputy::Entity::find()
        .select_only()
        .column(deputy::Column::Id)
        .column(deputy::Column::Name)
        .filter(deputy::Column::Id.is_in(ids))
        .into_tuple()
        .all(db)
        .await?;
    Ok(found.into_iter().collect())
}

/// The ids of the deputies of the stations `ids`, as a subquery.
pub fn of_stations(ids: Vec<i32>) -> SelectStatement {
    Query::select()
        .column(deputy::Column::Id)
        .from(deputy::Entity)
        .and_where(deputy::Column::StationId.is_in(ids))
        .to_owned()
}

/// Whether the actor may see a deputy's phone and address unmasked: administrators, the
/// managers of the deputy's station, and the deputy themself.
#[tracing::instrument(skip_all, fields(user_id = actor.user_id))]
pub async fn can_see_contact(db: &impl ConnectionTrait, actor: &Actor, record: &deputy::Model) -> AppResult<bool> {
    Ok(actor.deputy_id == Some(record.id) || actor.managed_stations(db).await?.contains(record.station_id))
}

#[tracing::instrument(skip_all, fields(user_id = actor.user_id))]
pub async fn list(
    db: &impl ConnectionTrait,
    actor: &Actor,
    filter: &DeputyFilter,
    page: PageRequest,
) -> AppResult<Page<deputy::Model>> {
    let mut select = deputy::Entity::find().order_by_asc(deputy::Column::Id);
    if actor.is(Role::Deputy) {
        // A deputy's list is their own record.
        select = select.filter(deputy::Column::Id.eq(actor.deputy_id.unwrap_or(-1)));
    } else if let Some(ids) = actor.readable_stations(db).await?.ids() {
        select = select.filter(deputy::Column::StationId.is_in(ids));
    }
    if let Some(station_id) = filter.station_id {
        select = select.filter(deputy::Column::StationId.eq(station_id));
    }
    if let Some(level) = filter.level {
        select = select.filter(deputy::Column::Level.eq(level.as_str()));
    }
    if let Some(active) = filter.active {
        select = select.filter(deputy::Column::Active.eq(active));
    }
    if let Some(q) = filter.q.as_deref() {
        select = select.filter(
            Condition::any()
                .add(contains(deputy::Column::Name, q))
                .add(contains(deputy::Column::Employer, q))
                .add(contains(deputy::Column::Constituency, q)),
        );
    }
    fetch_page(db, select, page).await
}

/// A deputy the actor may read (404 otherwise).
#[tracing::instrument(skip_all, fields(user_id = actor.user_id, id = id))]
pub async fn get(db: &impl ConnectionTrait, actor: &Actor, id: i32) -> AppResult<deputy::Model> {
    let record = deputy::Entity::find_by_id(id).one(db).await?.ok_or(AppError::NotFound("deputy"))?;
    let visible = if actor.is(Role::Deputy) {
        actor.deputy_id == Some(id)
    } else {
        actor.readable_stations(db).await?.contains(record.station_id)
    };
    if visible { Ok(record) } else { Err(AppError::NotFound("deputy")) }
}

/// The station a deputy record is placed in: it must exist (422) and be managed (403).
async fn check_station(db: &impl ConnectionTrait, actor: &Actor, station_id: i32) -> AppResult<()> {
    let exists = station::Entity::find_by_id(station_id).one(db).await?.is_some();
    let readable = actor.readable_stations(db).await?;
    if !exists || !readable.contains(station_id) {
        return Err(AppError::field(FieldError::unknown("station_id")));
    }
    if !actor.managed_stations(db).await?.contains(station_id) {
        return Err(AppError::forbidden("you do not manage this station"));
    }
    Ok(())
}

/// The roles that may create deputies (within the stations they manage).
pub const WRITERS: &[Role] = &[Role::Admin, Role::Manager];

#[tracing::instrument(skip_all, fields(user_id = actor.user_id))]
pub async fn create(
    db: &impl ConnectionTrait,
    actor: &Actor,
    now: DateTime<Utc>,
    new: NewDeputy,
) -> AppResult<deputy::Model> {
    actor.require(WRITERS)?;
    check_station(db, actor, new.station_id).await?;
    let d = new.details;
    let model = deputy::ActiveModel {
        name: Set(new.name),
        gender: Set(d.gender),
        ethnicity: Set(d.ethnicity),
        birth_month: Set(d.birth_month),
        party: Set(d.party),
        education: Set(d.education),
        occupation: Set(d.occupation),
        employer: Set(d.employer),
        post: Set(d.post),
        level: Set(new.level),
        term: Set(d.term),
        card_number: Set(d.card_number),
        constituency: Set(d.constituency),
        station_id: Set(new.station_id),
        phone: Set(new.phone.map(|p| p.to_string())),
        address: Set(d.address),
        photo_path: Set(None),
        qr_token: Set(new_public_token()),
        qr_rotated_at: Set(None),
        remarks: Set(d.remarks),
        active: Set(true),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(db)
    .await?;
    Ok(model)
}

#[tracing::instrument(skip_all, fields(user_id = actor.user_id, id = id))]
pub async fn update(
    db: &impl ConnectionTrait,
    actor: &Actor,
    now: DateTime<Utc>,
    id: i32,
    changes: DeputyChanges,
) -> AppResult<deputy::Model> {
    let existing = get(db, actor, id).await?;
    let own_record = actor.deputy_id == Some(id);
    let manages = actor.managed_stations(db).await?.contains(existing.station_id);
    if !manages {
        if !own_record {
            return Err(AppError::forbidden("you do not manage this deputy's station"));
        }
        if !changes.only_self_service_fields() {
            return Err(AppError::forbidden(
                "a deputy may change their own contact details and profile, not their level, station, term or status",
            ));
        }
    }
    if let Some(station_id) = changes.station_id
        && station_id != existing.station_id
    {
        check_station(db, actor, station_id).await?;
    }
    let mut active: deputy::ActiveModel = existing.into();
    macro_rules! apply {
        ($($field:ident),+) => {$(
            if let Some(value) = changes.$field { active.$field = Set(value); }
        )+};
    }
    apply!(
        name,
        station_id,
        gender,
        ethnicity,
        birth_month,
        party,
        education,
        occupation,
        employer,
        post,
        term,
        card_number,
        constituency,
        address,
        remarks,
        active
    );
    if let Some(level) = changes.level {
        active.level = Set(level);
    }
    if let Some(phone) = changes.phone {
        active.phone = Set(phone.map(|p| p.to_string()));
    }
    active.updated_at = Set(now);
    Ok(active.update(db).await?)
}

/// Issues a new QR token; the old one keeps leading residents to the station's form.
#[tracing::instrument(skip_all, fields(user_id = actor.user_id, id = id))]
pub async fn rotate_qr_token(
    db: &impl ConnectionTrait,
    actor: &Actor,
    now: DateTime<Utc>,
    id: i32,
) -> AppResult<deputy::Model> {
    let existing = get(db, actor, id).await?;
    if !actor.managed_stations(db).await?.contains(existing.station_id) {
        return Err(AppError::forbidden("you do not manage this deputy's station"));
    }
    retired_qr_token::ActiveModel {
        token: Set(existing.qr_token.clone()),
        deputy_id: Set(existing.id),
        station_id: Set(existing.station_id),
        retired_at: Set(now),
    }
    .insert(db)
    .await?;
    let mut active: deputy::ActiveModel = existing.into();
    active.qr_token = Set(new_public_token());
    active.qr_rotated_at = Set(Some(now));
    active.updated_at = Set(now);
    Ok(active.update(db).await?)
}

/// What a scanned QR token leads to.
pub enum QrTarget {
    Deputy(Box<deputy::Model>),
    /// The code was rotated (or the deputy left): the station's form, with a notice.
    Retired {
        station_id: i32,
    },
}

#[tracing::instrument(skip_all)]
pub async fn resolve_qr_token(db: &impl ConnectionTrait, token: &str) -> AppResult<Option<QrTarget>> {
    Ok(resolve_qr_with_station(db, token).await?.map(|(target, _)| target))
}

/// What a scanned token leads to, with the station it belongs to (active only), in as few
/// queries as possible: this runs on every scan.
#[tracing::instrument(skip_all)]
pub async fn resolve_qr_with_station(
    db: &impl ConnectionTrait,
    token: &str,
) -> AppResult<Option<(QrTarget, station::Model)>> {
    let found = deputy::Entity::find()
        .filter(deputy::Column::QrToken.eq(token))
        .find_also_related(station::Entity)
        .one(db)
        .await?;
    if let Some((record, Some(place))) = found {
        let target = if record.active {
            QrTarget::Deputy(Box::new(record))
        } else {
            QrTarget::Retired { station_id: record.station_id }
        };
        return Ok(Some((target, place)).filter(|(_, place)| place.active));
    }
    let Some(retired) = retired_qr_token::Entity::find_by_id(token.to_string()).one(db).await? else {
        return Ok(None);
    };
    let place = station::Entity::find_by_id(retired.station_id).one(db).await?.filter(|s| s.active);
    Ok(place.map(|place| (QrTarget::Retired { station_id: retired.station_id }, place)))
}
