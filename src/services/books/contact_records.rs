//! Deputies' contacts with voter households (民情联系卡 records): when, how, with whom, about
//! what, and what was done. A deputy records their own; the managers of the deputy's
//! station record for any of its deputies. The household's name and phone are personal
//! data: shown in full to the deputy and the station's managers (and each such view is
//! audited), masked for everyone else.
use std::collections::HashMap;

use chrono::{DateTime, NaiveDate, Utc};
use sea_orm::{ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, Select, Set};

use crate::domain::person::mask_name;
use crate::domain::phone::{Phone, mask_phone};
use crate::domain::reception::DateRange;
use crate::domain::role::Role;
use crate::domain::station_books::ContactMode;
use crate::entities::{case, contact_record, deputy};
use crate::error::{AppError, AppResult};
use crate::services::books::reception_roster::readable_station;
use crate::services::organisation::actor::{Actor, StationScope};
use crate::services::organisation::deputies;
use crate::services::privacy::{audit, cipher::Cipher};
use crate::services::support::versioned::VersionedUpdate;

#[derive(Debug, Clone)]
pub struct NewContact {
    pub contacted_on: NaiveDate,
    pub mode: ContactMode,
    pub household: String,
    pub phone: Option<Phone>,
    pub matter: String,
    pub handling: Option<String>,
}

#[derive(Debug, Clone, Default)]
pub struct ContactChanges {
    pub version: i32,
    pub contacted_on: Option<NaiveDate>,
    pub mode: Option<ContactMode>,
    pub household: Option<String>,
    pub phone: Option<Option<Phone>>,
    pub matter: Option<String>,
    pub handling: Option<Option<String>>,
}

#[derive(Debug, Clone)]
pub struct ContactView {
    pub record: contact_record::Model,
    pub deputy_name: String,
    pub household: String,
    pub phone: Option<String>,
    pub masked: bool,
    pub tracking_code: Option<String>,
}

/// Whether the actor may write this deputy's records: the deputy, or a manager of the
/// deputy's station (administrators any).
async fn may_write(db: &impl ConnectionTrait, actor: &Actor, deputy: &deputy::Model) -> AppResult<bool> {
    Ok(match actor.role {
        Role::Deputy => actor.deputy_id == Some(deputy.id),
        Role::Admin | Role::Manager => actor.managed_stations(db).await?.contains(deputy.station_id),
        _ => false,
    })
}

/// Whether the actor sees the households of `record` in full (`managed`: the actor's managed
/// stations, read once per list).
fn unmasked_for(actor: &Actor, managed: &StationScope, record: &contact_record::Model) -> bool {
    match actor.role {
        Role::Deputy => actor.deputy_id == Some(record.deputy_id),
        Role::Manager => managed.contains(record.station_id),
        _ => false,
    }
}

async fn views(
    db: &impl ConnectionTrait,
    cipher: &Cipher,
    actor: &Actor,
    now: DateTime<Utc>,
    records: Vec<contact_record::Model>,
) -> AppResult<Vec<ContactView>> {
    let deputy_ids: Vec<i32> = records.iter().map(|r| r.deputy_id).collect();
    let names = deputies::names(db, deputy_ids).await?;
    let case_ids: Vec<i32> = records.iter().filter_map(|r| r.case_id).collect();
    let codes: HashMap<i32, String> = if case_ids.is_empty() {
        HashMap::new()
    } else {
        case::Entity::find()
            .filter(case::Column::Id.is_in(case_ids))
            .all(db)
            .await?
            .into_iter()
            .map(|c| (c.id, c.tracking_code))
            .collect()
    };
    let managed = actor.managed_stations(db).await?;
    let mut out = Vec::with_capacity(records.len());
    for record in records {
        let unmasked = unmasked_for(actor, &managed, &record);
        let (household, phone) = if unmasked {
            audit::record(
                db,
                now,
                Some(actor.user_id),
                "view_contact",
                Some(("contact_record", Some(record.id))),
                None,
                None,
            )
            .await?;
            (cipher.open(&record.household)?, cipher.open_opt(record.phone.as_ref())?)
        } else {
            (
                mask_name(&cipher.open(&record.household)?),
                cipher.open_opt(record.phone.as_ref())?.as_deref().map(mask_phone),
            )
        };
        out.push(ContactView {
            deputy_name: names.get(&record.deputy_id).cloned().unwrap_or_default(),
            household,
            phone,
            masked: !unmasked,
            tracking_code: record.case_id.and_then(|id| codes.get(&id).cloned()),
            record,
        });
    }
    Ok(out)
}

/// The roles that may record contacts (deputies their own, managers their stations' deputies').
pub const WRITERS: &[Role] = &[Role::Admin, Role::Manager, Role::Deputy];

/// The deputy whose contact records the actor may write: the deputy themself, or a manager
/// of their station; 403 for other roles and deputies, 404 for a deputy out of scope.
#[tracing::instrument(skip_all, fields(user_id = actor.user_id, deputy_id = deputy_id))]
pub async fn writable_deputy(db: &impl ConnectionTrait, actor: &Actor, deputy_id: i32) -> AppResult<deputy::Model> {
    actor.require(WRITERS)?;
    let found = deputy::Entity::find_by_id(deputy_id).one(db).await?.ok_or(AppError::NotFound("deputy"))?;
    if !may_write(db, actor, &found).await? {
        return Err(if actor.is(Role::Deputy) {
            AppError::forbidden("a deputy records only their own contacts")
        } else {
            AppError::NotFound("deputy")
        });
    }
    Ok(found)
}

/// Records a deputy's contact with a household, at the deputy's station.
#[tracing::instrument(skip_all, fields(user_id = actor.user_id, deputy_id = deputy_id))]
pub async fn record(
    db: &impl ConnectionTrait,
    cipher: &Cipher,
    actor: &Actor,
    now: DateTime<Utc>,
    deputy_id: i32,
    new: NewContact,
) -> AppResult<ContactView> {
    let deputy = writable_deputy(db, actor, deputy_id).await?;
    let record = contact_record::ActiveModel {
        station_id: Set(deputy.station_id),
        deputy_id: Set(deputy.id),
        contacted_on: Set(new.contacted_on),
        mode: Set(new.mode),
        household: Set(cipher.seal(&new.household)),
        phone: Set(new.phone.as_ref().map(|p| cipher.seal(&p.to_string()))),
        phone_hash: Set(new.phone.as_ref().map(|p| cipher.phone_hash(p))),
        matter: Set(new.matter),
        handling: Set(new.handling),
        case_id: Set(None),
        recorded_by: Set(actor.user_id),
        created_at: Set(now),
        updated_at: Set(now),
        version: Set(1),
        ..Default::default()
    }
    .insert(db)
    .await?;
    audit::record(
        db,
        now,
        Some(actor.user_id),
        "contact_recorded",
        Some(("contact_record", Some(record.id))),
        None,
        None,
    )
    .await?;
    views(db, cipher, actor, now, vec![record]).await?.pop().ok_or(AppError::NotFound("contact"))
}

/// The records of `select` within `range`, newest first.
async fn newest_first(
    db: &impl ConnectionTrait,
    cipher: &Cipher,
    actor: &Actor,
    now: DateTime<Utc>,
    mut select: Select<contact_record::Entity>,
    range: Option<DateRange>,
) -> AppResult<Vec<ContactView>> {
    if let Some(range) = range {
        select = select.filter(contact_record::Column::ContactedOn.between(range.from, range.to));
    }
    let records = select
        .order_by_desc(contact_record::Column::ContactedOn)
        .order_by_desc(contact_record::Column::Id)
        .all(db)
        .await?;
    views(db, cipher, actor, now, records).await
}

#[derive(Debug, Clone, Copy, Default)]
pub struct ContactFilter {
    pub range: Option<DateRange>,
    pub deputy_id: Option<i32>,
}

/// A station's contact records, newest first. A deputy reading a station sees only their own.
#[tracing::instrument(skip_all, fields(user_id = actor.user_id, station_id = station_id))]
pub async fn list(
    db: &impl ConnectionTrait,
    cipher: &Cipher,
    actor: &Actor,
    now: DateTime<Utc>,
    station_id: i32,
    filter: ContactFilter,
) -> AppResult<Vec<ContactView>> {
    readable_station(db, actor, station_id).await?;
    let mut select = contact_record::Entity::find().filter(contact_record::Column::StationId.eq(station_id));
    let deputy_id = if actor.is(Role::Deputy) { Some(actor.deputy_id.unwrap_or(-1)) } else { filter.deputy_id };
    if let Some(id) = deputy_id {
        select = select.filter(contact_record::Column::DeputyId.eq(id));
    }
    newest_first(db, cipher, actor, now, select, filter.range).await
}

/// One deputy's records (newest first): the deputy, or staff who may read the deputy's station.
#[tracing::instrument(skip_all, fields(user_id = actor.user_id, deputy_id = deputy_id))]
pub async fn of_deputy(
    db: &impl ConnectionTrait,
    cipher: &Cipher,
    actor: &Actor,
    now: DateTime<Utc>,
    deputy_id: i32,
    range: Option<DateRange>,
) -> AppResult<Vec<ContactView>> {
    let found = deputy::Entity::find_by_id(deputy_id).one(db).await?.ok_or(AppError::NotFound("deputy"))?;
    if actor.is(Role::Deputy) && actor.deputy_id != Some(deputy_id) {
        return Err(AppError::forbidden("a deputy reads only their own contacts"));
    }
    readable_station(db, actor, found.station_id).await.map_err(|e| e.not_found_as("deputy"))?;
    let select = contact_record::Entity::find().filter(contact_record::Column::DeputyId.eq(deputy_id));
    newest_first(db, cipher, actor, now, select, range).await
}

async fn readable_record(db: &impl ConnectionTrait, actor: &Actor, id: i32) -> AppResult<contact_record::Model> {
    let record = contact_record::Entity::find_by_id(id).one(db).await?.ok_or(AppError::NotFound("contact"))?;
    if actor.is(Role::Deputy) && actor.deputy_id != Some(record.deputy_id) {
        return Err(AppError::NotFound("contact"));
    }
    readable_station(db, actor, record.station_id).await.map_err(|e| e.not_found_as("contact"))?;
    Ok(record)
}

#[tracing::instrument(skip_all, fields(user_id = actor.user_id, id = id))]
pub async fn get(
    db: &impl ConnectionTrait,
    cipher: &Cipher,
    actor: &Actor,
    now: DateTime<Utc>,
    id: i32,
) -> AppResult<ContactView> {
    let record = readable_record(db, actor, id).await?;
    views(db, cipher, actor, now, vec![record]).await?.pop().ok_or(AppError::NotFound("contact"))
}

/// Edits a record (its deputy or a manager of its station) if the version is still current.
#[tracing::instrument(skip_all, fields(user_id = actor.user_id, id = id))]
pub async fn update(
    db: &impl ConnectionTrait,
    cipher: &Cipher,
    actor: &Actor,
    now: DateTime<Utc>,
    id: i32,
    changes: ContactChanges,
) -> AppResult<ContactView> {
    let current = readable_record(db, actor, id).await?;
    writable_deputy(db, actor, current.deputy_id).await.map_err(|e| e.not_found_as("contact"))?;
    use contact_record::Column as C;
    let phone = changes.phone;
    let written =
        VersionedUpdate::<contact_record::Entity>::new(C::Id, C::Version, id, current.version, changes.version)
            .set(C::UpdatedAt, now)
            .set_some(C::ContactedOn, changes.contacted_on)
            .set_some(C::Mode, changes.mode)
            .set_some(C::Household, changes.household.map(|h| cipher.seal(&h)))
            .set_some(C::Phone, phone.as_ref().map(|p| p.as_ref().map(|p| cipher.seal(&p.to_string()))))
            .set_some(C::PhoneHash, phone.as_ref().map(|p| p.as_ref().map(|p| cipher.phone_hash(p))))
            .set_some(C::Matter, changes.matter)
            .set_some(C::Handling, changes.handling)
            .apply(db)
            .await?;
    if !written {
        return Err(AppError::stale_version("record", current.version));
    }
    audit::record(db, now, Some(actor.user_id), "contact_updated", Some(("contact_record", Some(id))), None, None)
        .await?;
    get(db, cipher, actor, now, id).await
}
