//! Deputies' activities (人大代表活动登记簿) and their attendance (人大代表参加活动情况登记表).
//! Managers record their stations' activities (administrators every station), invite the
//! deputies of the station and its points and grids, mark who came, and link the cases raised;
//! viewers read them; a deputy reads the activities they were invited to, with their own mark.
use std::collections::{HashMap, HashSet};

use chrono::{DateTime, NaiveDate, NaiveTime, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder, QuerySelect,
    Set, TransactionSession, TransactionTrait,
};

use crate::domain::activity::{ActivityKind, AttendanceStatus, MAX_INVITED, MAX_PHOTOS, When, format_time};
use crate::domain::field::{FieldError, Problem};
use crate::domain::page::{Page, PageRequest};
use crate::domain::reception::Slot;
use crate::domain::role::Role;
use crate::entities::{activity, activity_attendance, activity_case, activity_photo, case, deputy};
use crate::error::{AppError, AppResult};
use crate::services::books::reception_roster::{managed_station, readable_station};
use crate::services::cases::intake::PhotoRecord;
use crate::services::organisation::actor::{Actor, with_descendants};
use crate::services::privacy::audit;

#[derive(Debug, Clone)]
pub struct NewActivity {
    pub kind: ActivityKind,
    pub held_on: NaiveDate,
    pub when: When,
    pub place: String,
    pub topic: String,
    pub organiser: Option<String>,
    pub other_participants: Option<String>,
    pub summary: Option<String>,
    /// The deputies invited (of the station, its points or grids).
    pub deputy_ids: Vec<i32>,
}

/// Changes to an activity: `None` leaves a field as it is; `Some(None)` clears an optional one.
#[derive(Debug, Clone, Default)]
pub struct ActivityChanges {
    pub version: i32,
    pub kind: Option<ActivityKind>,
    pub held_on: Option<NaiveDate>,
    pub slot: Option<Option<Slot>>,
    pub starts_at: Option<Option<NaiveTime>>,
    pub ends_at: Option<Option<NaiveTime>>,
    pub place: Option<String>,
    pub topic: Option<String>,
    pub organiser: Option<Option<String>>,
    pub other_participants: Option<Option<String>>,
    pub summary: Option<Option<String>>,
}

/// One deputy's mark for the attendance list.
#[derive(Debug, Clone)]
pub struct Mark {
    pub deputy_id: i32,
    pub status: AttendanceStatus,
    pub note: Option<String>,
}

#[derive(Debug, Clone)]
pub struct AttendanceLine {
    pub deputy_id: i32,
    pub deputy_name: String,
    pub status: AttendanceStatus,
    pub note: Option<String>,
}

/// An activity as the reader may see it: a deputy sees only their own attendance line.
#[derive(Debug, Clone)]
pub struct ActivityView {
    pub activity: activity::Model,
    pub attendance: Vec<AttendanceLine>,
    /// (case id, tracking code) of the cases raised at the activity.
    pub cases: Vec<(i32, String)>,
    /// The hashes of its photos, in the order they were added.
    pub photos: Vec<String>,
}

impl ActivityView {
    pub fn count(&self, status: AttendanceStatus) -> usize {
        self.attendance.iter().filter(|line| line.status == status).count()
    }
}

#[derive(Debug, Clone, Default)]
pub struct ActivityFilter {
    pub from: Option<NaiveDate>,
    pub to: Option<NaiveDate>,
    pub kind: Option<ActivityKind>,
}

/// The active deputies of a station with its points and grids, by name order of id.
pub async fn scope_deputies(db: &impl ConnectionTrait, station_id: i32) -> AppResult<Vec<deputy::Model>> {
    let stations = with_descendants(db, &[station_id]).await?.ids().unwrap_or_default();
    Ok(deputy::Entity::find()
        .filter(deputy::Column::StationId.is_in(stations))
        .filter(deputy::Column::Active.eq(true))
        .order_by_asc(deputy::Column::Id)
        .all(db)
        .await?)
}

/// Every id must be an active deputy of the station, its points or grids: 422 otherwise.
async fn check_deputies(db: &impl ConnectionTrait, station_id: i32, ids: &[i32], field: &'static str) -> AppResult<()> {
    if ids.is_empty() {
        return Ok(());
    }
    if ids.len() > MAX_INVITED {
        return Err(AppError::field(FieldError::new(field, Problem::OutOfRange { min: 0, max: MAX_INVITED as i64 })));
    }
    let known: HashSet<i32> = scope_deputies(db, station_id).await?.into_iter().map(|d| d.id).collect();
    match ids.iter().find(|id| !known.contains(id)) {
        None => Ok(()),
        Some(id) => Err(AppError::field(FieldError::new(
            field,
            Problem::Described(format!("deputy {id} is not a deputy of this station or of its points and grids")),
        ))),
    }
}

fn dedup(ids: Vec<i32>) -> Vec<i32> {
    let mut seen = HashSet::new();
    ids.into_iter().filter(|id| seen.insert(*id)).collect()
}

async fn views(
    db: &impl ConnectionTrait,
    actor: &Actor,
    activities: Vec<activity::Model>,
) -> AppResult<Vec<ActivityView>> {
    let ids: Vec<i32> = activities.iter().map(|a| a.id).collect();
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let mut marks = activity_attendance::Entity::find()
        .filter(activity_attendance::Column::ActivityId.is_in(ids.clone()))
        .order_by_asc(activity_attendance::Column::ActivityId)
        .order_by_asc(activity_attendance::Column::DeputyId);
    // A deputy sees their own mark, not their colleagues'.
    if actor.is(Role::Deputy) {
        marks = marks.filter(activity_attendance::Column::DeputyId.eq(actor.deputy_id.unwrap_or(0)));
    }
    let marks = marks.all(db).await?;
    let names: HashMap<i32, String> = deputy::Entity::find()
        .select_only()
        .column(deputy::Column::Id)
        .column(deputy::Column::Name)
        .filter(deputy::Column::Id.is_in(marks.iter().map(|m| m.deputy_id).collect::<Vec<_>>()))
        .into_tuple::<(i32, String)>()
        .all(db)
        .await?
        .into_iter()
        .collect();
    let links = activity_case::Entity::find().filter(activity_case::Column::ActivityId.is_in(ids)).all(db).await?;
    let codes: HashMap<i32, String> = case::Entity::find()
        .select_only()
        .column(case::Column::Id)
        .column(case::Column::TrackingCode)
        .filter(case::Column::Id.is_in(links.iter().map(|l| l.case_id).collect::<Vec<_>>()))
        .into_tuple::<(i32, String)>()
        .all(db)
        .await?
        .into_iter()
        .collect();
    let mut photos: HashMap<i32, Vec<String>> = HashMap::new();
    for photo in activity_photo::Entity::find()
        .filter(activity_photo::Column::ActivityId.is_in(activities.iter().map(|a| a.id).collect::<Vec<_>>()))
        .order_by_asc(activity_photo::Column::CreatedAt)
        .order_by_asc(activity_photo::Column::Hash)
        .all(db)
        .await?
    {
        photos.entry(photo.activity_id).or_default().push(photo.hash);
    }
    let mut attendance: HashMap<i32, Vec<AttendanceLine>> = HashMap::new();
    for mark in marks {
        attendance.entry(mark.activity_id).or_default().push(AttendanceLine {
            deputy_id: mark.deputy_id,
            deputy_name: names.get(&mark.deputy_id).cloned().unwrap_or_default(),
            status: AttendanceStatus::of(&mark.status),
            note: mark.note,
        });
    }
    let mut cases: HashMap<i32, Vec<(i32, String)>> = HashMap::new();
    for link in links {
        if let Some(code) = codes.get(&link.case_id) {
            cases.entry(link.activity_id).or_default().push((link.case_id, code.clone()));
        }
    }
    Ok(activities
        .into_iter()
        .map(|activity| {
            let mut linked = cases.remove(&activity.id).unwrap_or_default();
            linked.sort();
            ActivityView {
                attendance: attendance.remove(&activity.id).unwrap_or_default(),
                cases: linked,
                photos: photos.remove(&activity.id).unwrap_or_default(),
                activity,
            }
        })
        .collect())
}

async fn one_view(db: &impl ConnectionTrait, actor: &Actor, activity: activity::Model) -> AppResult<ActivityView> {
    views(db, actor, vec![activity]).await?.pop().ok_or(AppError::NotFound("activity"))
}

async fn insert_marks(db: &impl ConnectionTrait, activity_id: i32, marks: &[Mark]) -> AppResult<()> {
    for mark in marks {
        activity_attendance::ActiveModel {
            activity_id: Set(activity_id),
            deputy_id: Set(mark.deputy_id),
            status: Set(mark.status.as_str().to_string()),
            note: Set(mark.note.clone()),
        }
        .insert(db)
        .await?;
    }
    Ok(())
}

/// Records an activity of a station (its managers, administrators) with the deputies invited;
/// one transaction.
pub async fn record<C: ConnectionTrait + TransactionTrait>(
    db: &C,
    actor: &Actor,
    now: DateTime<Utc>,
    station_id: i32,
    new: NewActivity,
) -> AppResult<ActivityView> {
    managed_station(db, actor, station_id).await?;
    let deputy_ids = dedup(new.deputy_ids);
    check_deputies(db, station_id, &deputy_ids, "deputy_ids").await?;
    let txn = db.begin().await?;
    let saved = activity::ActiveModel {
        station_id: Set(station_id),
        kind: Set(new.kind.as_str().to_string()),
        held_on: Set(new.held_on),
        slot: Set(new.when.slot.map(|s| s.as_str().to_string())),
        starts_at: Set(new.when.starts_at.map(format_time)),
        ends_at: Set(new.when.ends_at.map(format_time)),
        place: Set(new.place),
        topic: Set(new.topic),
        organiser: Set(new.organiser),
        other_participants: Set(new.other_participants),
        summary: Set(new.summary),
        created_by: Set(actor.user_id),
        created_at: Set(now),
        updated_at: Set(now),
        version: Set(1),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    let marks: Vec<Mark> = deputy_ids
        .into_iter()
        .map(|deputy_id| Mark { deputy_id, status: AttendanceStatus::Invited, note: None })
        .collect();
    insert_marks(&txn, saved.id, &marks).await?;
    audit::record(&txn, now, Some(actor.user_id), "activity_recorded", Some(("activity", Some(saved.id))), None, None)
        .await?;
    txn.commit().await?;
    one_view(db, actor, saved).await
}

/// The ids of the activities a deputy was invited to.
async fn invited_to(db: &impl ConnectionTrait, deputy_id: Option<i32>) -> AppResult<Vec<i32>> {
    let Some(deputy_id) = deputy_id else { return Ok(Vec::new()) };
    Ok(activity_attendance::Entity::find()
        .select_only()
        .column(activity_attendance::Column::ActivityId)
        .filter(activity_attendance::Column::DeputyId.eq(deputy_id))
        .into_tuple::<i32>()
        .all(db)
        .await?)
}

/// The activities of a station with its points and grids, newest first, a page at a time.
/// A deputy sees only those they were invited to.
pub async fn list(
    db: &impl ConnectionTrait,
    actor: &Actor,
    station_id: i32,
    filter: &ActivityFilter,
    page: PageRequest,
) -> AppResult<Page<ActivityView>> {
    readable_station(db, actor, station_id).await?;
    let stations = with_descendants(db, &[station_id]).await?.ids().unwrap_or_default();
    let mut select = activity::Entity::find().filter(activity::Column::StationId.is_in(stations));
    if actor.is(Role::Deputy) {
        select = select.filter(activity::Column::Id.is_in(invited_to(db, actor.deputy_id).await?));
    }
    if let Some(from) = filter.from {
        select = select.filter(activity::Column::HeldOn.gte(from));
    }
    if let Some(to) = filter.to {
        select = select.filter(activity::Column::HeldOn.lte(to));
    }
    if let Some(kind) = filter.kind {
        select = select.filter(activity::Column::Kind.eq(kind.as_str()));
    }
    let total = select.clone().count(db).await?;
    let items = select
        .order_by_desc(activity::Column::HeldOn)
        .order_by_desc(activity::Column::Id)
        .offset(page.offset())
        .limit(page.per_page)
        .all(db)
        .await?;
    Ok(Page { items: views(db, actor, items).await?, total, request: page })
}

/// The activities the signed-in deputy was invited to, newest first, with their own mark.
pub async fn mine(db: &impl ConnectionTrait, actor: &Actor, filter: &ActivityFilter) -> AppResult<Vec<ActivityView>> {
    actor.require(&[Role::Deputy])?;
    let mut select =
        activity::Entity::find().filter(activity::Column::Id.is_in(invited_to(db, actor.deputy_id).await?));
    if let Some(from) = filter.from {
        select = select.filter(activity::Column::HeldOn.gte(from));
    }
    if let Some(to) = filter.to {
        select = select.filter(activity::Column::HeldOn.lte(to));
    }
    if let Some(kind) = filter.kind {
        select = select.filter(activity::Column::Kind.eq(kind.as_str()));
    }
    let items = select.order_by_desc(activity::Column::HeldOn).order_by_desc(activity::Column::Id).all(db).await?;
    views(db, actor, items).await
}

/// An activity the actor may read: staff by the station's scope, a deputy if invited.
async fn readable(db: &impl ConnectionTrait, actor: &Actor, id: i32) -> AppResult<activity::Model> {
    let found = activity::Entity::find_by_id(id).one(db).await?.ok_or(AppError::NotFound("activity"))?;
    readable_station(db, actor, found.station_id).await.map_err(|e| e.not_found_as("activity"))?;
    if actor.is(Role::Deputy) && !invited_to(db, actor.deputy_id).await?.contains(&id) {
        return Err(AppError::NotFound("activity"));
    }
    Ok(found)
}

/// An activity the actor may change: 403 for roles that never manage, 404 out of scope.
async fn managed(db: &impl ConnectionTrait, actor: &Actor, id: i32) -> AppResult<activity::Model> {
    actor.require(&[Role::Admin, Role::Manager])?;
    let found = activity::Entity::find_by_id(id).one(db).await?.ok_or(AppError::NotFound("activity"))?;
    managed_station(db, actor, found.station_id).await.map_err(|e| e.not_found_as("activity"))?;
    Ok(found)
}

/// 403/404 unless the actor may change the activity.
pub async fn require_managed(db: &impl ConnectionTrait, actor: &Actor, id: i32) -> AppResult<()> {
    managed(db, actor, id).await.map(|_| ())
}

pub async fn get(db: &impl ConnectionTrait, actor: &Actor, id: i32) -> AppResult<ActivityView> {
    let found = readable(db, actor, id).await?;
    one_view(db, actor, found).await
}

fn stale(current: i32) -> AppError {
    AppError::stale_version("activity", current)
}

fn parse_stored_time(raw: Option<&str>) -> Option<NaiveTime> {
    raw.and_then(|t| NaiveTime::parse_from_str(t, "%H:%M").ok())
}

/// Edits an activity (a manager of its station) if `changes.version` is still current; 409
/// if someone changed it first.
pub async fn update<C: ConnectionTrait + TransactionTrait>(
    db: &C,
    actor: &Actor,
    now: DateTime<Utc>,
    id: i32,
    changes: ActivityChanges,
) -> AppResult<ActivityView> {
    let current = managed(db, actor, id).await?;
    // The times as they will be, checked together.
    let slot = changes.slot.unwrap_or_else(|| current.slot.as_deref().and_then(|s| s.parse().ok()));
    let starts = changes.starts_at.unwrap_or_else(|| parse_stored_time(current.starts_at.as_deref()));
    let ends = changes.ends_at.unwrap_or_else(|| parse_stored_time(current.ends_at.as_deref()));
    let when = When::new(slot, starts, ends).map_err(AppError::field)?;
    let txn = db.begin().await?;
    let mut update = activity::Entity::update_many()
        .col_expr(activity::Column::Version, Expr::value(current.version + 1))
        .col_expr(activity::Column::UpdatedAt, Expr::value(now))
        .col_expr(activity::Column::Slot, Expr::value(when.slot.map(|s| s.as_str().to_string())))
        .col_expr(activity::Column::StartsAt, Expr::value(when.starts_at.map(format_time)))
        .col_expr(activity::Column::EndsAt, Expr::value(when.ends_at.map(format_time)));
    macro_rules! set {
        ($column:ident, $value:expr) => {
            update = update.col_expr(activity::Column::$column, Expr::value($value));
        };
    }
    if let Some(kind) = changes.kind {
        set!(Kind, kind.as_str());
    }
    if let Some(day) = changes.held_on {
        set!(HeldOn, day);
    }
    if let Some(place) = changes.place {
        set!(Place, place);
    }
    if let Some(topic) = changes.topic {
        set!(Topic, topic);
    }
    if let Some(organiser) = changes.organiser {
        set!(Organiser, organiser);
    }
    if let Some(participants) = changes.other_participants {
        set!(OtherParticipants, participants);
    }
    if let Some(summary) = changes.summary {
        set!(Summary, summary);
    }
    let done = update
        .filter(activity::Column::Id.eq(id))
        .filter(activity::Column::Version.eq(changes.version))
        .exec(&txn)
        .await?;
    if done.rows_affected == 0 {
        return Err(stale(current.version));
    }
    audit::record(&txn, now, Some(actor.user_id), "activity_updated", Some(("activity", Some(id))), None, None).await?;
    txn.commit().await?;
    get(db, actor, id).await
}

/// Replaces who was invited and how each is marked (a manager of the station). With a
/// `version`, a stale one is a 409; the activity's version moves on either way.
pub async fn set_attendance<C: ConnectionTrait + TransactionTrait>(
    db: &C,
    actor: &Actor,
    now: DateTime<Utc>,
    id: i32,
    version: Option<i32>,
    marks: Vec<Mark>,
) -> AppResult<ActivityView> {
    let current = managed(db, actor, id).await?;
    let ids: Vec<i32> = marks.iter().map(|m| m.deputy_id).collect();
    if dedup(ids.clone()).len() != ids.len() {
        return Err(AppError::field(FieldError::new(
            "items",
            Problem::Described("each deputy may be listed once".into()),
        )));
    }
    check_deputies(db, current.station_id, &ids, "items").await?;
    let txn = db.begin().await?;
    let expected = version.unwrap_or(current.version);
    let done = activity::Entity::update_many()
        .col_expr(activity::Column::Version, Expr::value(current.version + 1))
        .col_expr(activity::Column::UpdatedAt, Expr::value(now))
        .filter(activity::Column::Id.eq(id))
        .filter(activity::Column::Version.eq(expected))
        .exec(&txn)
        .await?;
    if done.rows_affected == 0 {
        return Err(stale(current.version));
    }
    activity_attendance::Entity::delete_many()
        .filter(activity_attendance::Column::ActivityId.eq(id))
        .exec(&txn)
        .await?;
    insert_marks(&txn, id, &marks).await?;
    let detail = format!("{} deputies", marks.len());
    audit::record(
        &txn,
        now,
        Some(actor.user_id),
        "activity_attendance_set",
        Some(("activity", Some(id))),
        Some(&detail),
        None,
    )
    .await?;
    txn.commit().await?;
    get(db, actor, id).await
}

/// Which case to link: by id or by tracking code.
#[derive(Debug, Clone)]
pub enum CaseRef {
    Id(i32),
    TrackingCode(String),
}

/// Links a case raised at the activity (a case of the same station, its points or grids).
/// Linking it again changes nothing.
pub async fn link_case(
    db: &impl ConnectionTrait,
    actor: &Actor,
    now: DateTime<Utc>,
    id: i32,
    which: CaseRef,
) -> AppResult<ActivityView> {
    let current = managed(db, actor, id).await?;
    let stations = with_descendants(db, &[current.station_id]).await?.ids().unwrap_or_default();
    let select = case::Entity::find().filter(case::Column::StationId.is_in(stations));
    let (select, field) = match which {
        CaseRef::Id(case_id) => (select.filter(case::Column::Id.eq(case_id)), "case_id"),
        CaseRef::TrackingCode(code) => {
            (select.filter(case::Column::TrackingCode.eq(code.trim().to_uppercase())), "tracking_code")
        }
    };
    let found = select.one(db).await?.ok_or_else(|| AppError::field(FieldError::unknown(field)))?;
    let linked = activity_case::Entity::find_by_id((id, found.id)).one(db).await?;
    if linked.is_none() {
        activity_case::ActiveModel { activity_id: Set(id), case_id: Set(found.id) }.insert(db).await?;
        let detail = format!("case {}", found.id);
        audit::record(
            db,
            now,
            Some(actor.user_id),
            "activity_case_linked",
            Some(("activity", Some(id))),
            Some(&detail),
            None,
        )
        .await?;
    }
    get(db, actor, id).await
}

/// Unlinks a case from the activity; 404 if it was not linked.
pub async fn unlink_case(
    db: &impl ConnectionTrait,
    actor: &Actor,
    now: DateTime<Utc>,
    id: i32,
    case_id: i32,
) -> AppResult<ActivityView> {
    managed(db, actor, id).await?;
    let done = activity_case::Entity::delete_many()
        .filter(activity_case::Column::ActivityId.eq(id))
        .filter(activity_case::Column::CaseId.eq(case_id))
        .exec(db)
        .await?;
    if done.rows_affected == 0 {
        return Err(AppError::NotFound("case"));
    }
    let detail = format!("case {case_id}");
    audit::record(
        db,
        now,
        Some(actor.user_id),
        "activity_case_unlinked",
        Some(("activity", Some(id))),
        Some(&detail),
        None,
    )
    .await?;
    get(db, actor, id).await
}

/// Adds photos (already re-encoded and stored) to an activity (a manager of its station), at
/// most `MAX_PHOTOS` in all; a photo added twice is kept once.
pub async fn add_photos(
    db: &impl ConnectionTrait,
    actor: &Actor,
    now: DateTime<Utc>,
    id: i32,
    photos: Vec<PhotoRecord>,
) -> AppResult<ActivityView> {
    managed(db, actor, id).await?;
    let existing: HashSet<String> = activity_photo::Entity::find()
        .filter(activity_photo::Column::ActivityId.eq(id))
        .all(db)
        .await?
        .into_iter()
        .map(|p| p.hash)
        .collect();
    let mut seen = existing.clone();
    let new: Vec<PhotoRecord> = photos.into_iter().filter(|p| seen.insert(p.hash.clone())).collect();
    if existing.len() + new.len() > MAX_PHOTOS {
        return Err(AppError::field(FieldError::new(
            "photos",
            Problem::Described(format!("an activity keeps at most {MAX_PHOTOS} photos")),
        )));
    }
    for photo in &new {
        activity_photo::ActiveModel {
            activity_id: Set(id),
            hash: Set(photo.hash.clone()),
            width: Set(photo.width),
            height: Set(photo.height),
            bytes: Set(photo.bytes),
            created_at: Set(now),
        }
        .insert(db)
        .await?;
    }
    if !new.is_empty() {
        let detail = format!("{} photos", new.len());
        audit::record(
            db,
            now,
            Some(actor.user_id),
            "activity_photos_added",
            Some(("activity", Some(id))),
            Some(&detail),
            None,
        )
        .await?;
    }
    get(db, actor, id).await
}

/// Whether `hash` is a photo of an activity the actor may read (404 otherwise).
pub async fn readable_photo(db: &impl ConnectionTrait, actor: &Actor, id: i32, hash: &str) -> AppResult<()> {
    readable(db, actor, id).await?;
    activity_photo::Entity::find_by_id((id, hash.to_string())).one(db).await?.ok_or(AppError::NotFound("photo"))?;
    Ok(())
}
