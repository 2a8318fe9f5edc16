//! The reception log (人大代表接待选民来访登记簿): who came to a station's reception, what
//! they said, and what became of it. Managers record and edit their stations' visits
//! (administrators every station); viewers and deputies read them with the visitor's name
//! and phone masked. A visit may open a case (channel `reception`) in the same transaction.
use std::collections::HashMap;

use chrono::{DateTime, NaiveDate, Utc};
use chrono_tz::Tz;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, Set, TransactionSession,
    TransactionTrait,
};

use crate::domain::field::FieldError;
use crate::domain::intake::{CaseContent, Contact, Place, Submission};
use crate::domain::person::mask_name;
use crate::domain::phone::mask_phone;
use crate::domain::reception::{DateRange, Disposition, Slot, Visitor, VisitorsCount};
use crate::domain::role::Role;
use crate::entities::{case, category, reception_visit, reception_visit_deputy};
use crate::error::{AppError, AppResult};
use crate::services::books::reception_roster::{managed_station, on_duty, readable_station, station_deputies};
use crate::services::cases::{
    flow::{EventActor, NewEvent, record_event},
    intake::{self, Channel, IntakeContext, IntakeTarget},
};
use crate::services::organisation::actor::Actor;
use crate::services::organisation::deputies;
use crate::services::privacy::{audit, cipher::Cipher};

#[derive(Debug, Clone)]
pub struct NewVisit {
    pub visited_on: NaiveDate,
    pub slot: Slot,
    /// `None`: the deputies on the roster for that day and slot.
    pub deputy_ids: Option<Vec<i32>>,
    pub visitor: Visitor,
    pub consent: bool,
    pub visitors_count: VisitorsCount,
    pub matter: String,
    pub category_id: Option<i32>,
    pub disposition: Disposition,
    pub result: Option<String>,
    pub feedback: Option<String>,
    pub open_case: bool,
}

/// Changes to a visit: `None` leaves a field as it is; `Some(None)` clears an optional one.
#[derive(Debug, Clone, Default)]
pub struct VisitChanges {
    pub version: i32,
    pub visited_on: Option<NaiveDate>,
    pub slot: Option<Slot>,
    pub deputy_ids: Option<Vec<i32>>,
    /// Name and phone are replaced together (with the consent) when given.
    pub visitor: Option<(Visitor, bool)>,
    pub visitors_count: Option<VisitorsCount>,
    pub matter: Option<String>,
    pub category_id: Option<Option<i32>>,
    pub disposition: Option<Disposition>,
    pub result: Option<Option<String>>,
    pub feedback: Option<Option<String>>,
}

/// A visit as the reader may see it: the visitor masked unless they manage its station.
#[derive(Debug, Clone)]
pub struct VisitView {
    pub visit: reception_visit::Model,
    pub deputies: Vec<(i32, String)>,
    pub visitor_name: Option<String>,
    pub visitor_phone: Option<String>,
    pub masked: bool,
    pub tracking_code: Option<String>,
}

pub struct Clock {
    pub now: DateTime<Utc>,
    pub time_zone: Tz,
}

async fn deputies_of(db: &impl ConnectionTrait, visit_ids: &[i32]) -> AppResult<HashMap<i32, Vec<(i32, String)>>> {
    let links = reception_visit_deputy::Entity::find()
        .filter(reception_visit_deputy::Column::VisitId.is_in(visit_ids.to_vec()))
        .order_by_asc(reception_visit_deputy::Column::Position)
        .all(db)
        .await?;
    let names = deputies::names(db, links.iter().map(|l| l.deputy_id).collect()).await?;
    let mut out: HashMap<i32, Vec<(i32, String)>> = HashMap::new();
    for link in links {
        let name = names.get(&link.deputy_id).cloned().unwrap_or_default();
        out.entry(link.visit_id).or_default().push((link.deputy_id, name));
    }
    Ok(out)
}

async fn views(
    db: &impl ConnectionTrait,
    cipher: &Cipher,
    actor: &Actor,
    now: DateTime<Utc>,
    visits: Vec<reception_visit::Model>,
    unmasked: bool,
) -> AppResult<Vec<VisitView>> {
    let ids: Vec<i32> = visits.iter().map(|v| v.id).collect();
    let mut deputies = deputies_of(db, &ids).await?;
    let case_ids: Vec<i32> = visits.iter().filter_map(|v| v.case_id).collect();
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
    let mut out = Vec::with_capacity(visits.len());
    for visit in visits {
        let has_contact = visit.visitor_name.is_some() || visit.visitor_phone.is_some();
        let (name, phone) = if unmasked {
            if has_contact {
                audit::record(
                    db,
                    now,
                    Some(actor.user_id),
                    "view_contact",
                    Some(("reception_visit", Some(visit.id))),
                    None,
                    None,
                )
                .await?;
            }
            (cipher.open_opt(visit.visitor_name.as_ref())?, cipher.open_opt(visit.visitor_phone.as_ref())?)
        } else {
            (
                cipher.open_opt(visit.visitor_name.as_ref())?.as_deref().map(mask_name),
                cipher.open_opt(visit.visitor_phone.as_ref())?.as_deref().map(mask_phone),
            )
        };
        out.push(VisitView {
            deputies: deputies.remove(&visit.id).unwrap_or_default(),
            visitor_name: name,
            visitor_phone: phone,
            masked: !unmasked && has_contact,
            tracking_code: visit.case_id.and_then(|id| codes.get(&id).cloned()),
            visit,
        });
    }
    Ok(out)
}

/// Whether the actor sees visitors of this station unmasked: only its managers.
async fn unmasked_for(db: &impl ConnectionTrait, actor: &Actor, station_id: i32) -> AppResult<bool> {
    Ok(actor.is(Role::Manager) && actor.managed_stations(db).await?.contains(station_id))
}

async fn link_deputies(db: &impl ConnectionTrait, visit_id: i32, deputy_ids: &[i32]) -> AppResult<()> {
    for (position, deputy_id) in deputy_ids.iter().enumerate() {
        reception_visit_deputy::ActiveModel {
            visit_id: Set(visit_id),
            deputy_id: Set(*deputy_id),
            position: Set(position as i32),
        }
        .insert(db)
        .await?;
    }
    Ok(())
}

/// A category named on a visit must exist (and be in use).
async fn known_category(db: &impl ConnectionTrait, id: Option<i32>) -> AppResult<()> {
    let Some(id) = id else { return Ok(()) };
    match category::Entity::find_by_id(id).filter(category::Column::Active.eq(true)).one(db).await? {
        Some(_) => Ok(()),
        None => Err(AppError::field(FieldError::unknown("category_id"))),
    }
}

fn dedup(ids: Vec<i32>) -> Vec<i32> {
    let mut out = Vec::with_capacity(ids.len());
    for id in ids {
        if !out.contains(&id) {
            out.push(id);
        }
    }
    out
}

/// Records a visit (a manager of the station), and opens a case from it when asked; one
/// transaction for the visit, its deputies and the case.
#[tracing::instrument(skip_all, fields(user_id = actor.user_id, station_id = station_id))]
pub async fn record<C: ConnectionTrait + TransactionTrait>(
    db: &C,
    cipher: &Cipher,
    actor: &Actor,
    clock: Clock,
    station_id: i32,
    new: NewVisit,
) -> AppResult<VisitView> {
    managed_station(db, actor, station_id).await?;
    let deputy_ids = match new.deputy_ids {
        Some(ids) => dedup(ids),
        None => on_duty(db, station_id, new.visited_on, new.slot).await?,
    };
    station_deputies(db, station_id, &deputy_ids, "deputy_ids").await?;
    known_category(db, new.category_id).await?;
    let submission = if new.open_case {
        let mut errors = Vec::new();
        let category_id = new.category_id.ok_or_else(|| FieldError::required("category_id"));
        let content = CaseContent::parse(&new.matter).map_err(|e| FieldError { field: "matter", ..e });
        let (category_id, content) = match (category_id, content) {
            (Ok(c), Ok(t)) => (Some(c), Some(t)),
            (c, t) => {
                errors.extend(c.err());
                errors.extend(t.err());
                (None, None)
            }
        };
        match (category_id, content) {
            (Some(category_id), Some(content)) if errors.is_empty() => Some(Submission {
                category_id,
                content,
                place: Place { text: None, coordinates: None },
                contact: if new.visitor.is_empty() {
                    Contact::Anonymous
                } else {
                    Contact::Given {
                        name: new.visitor.name.clone(),
                        phone: new.visitor.phone.clone(),
                        wants_callback: false,
                    }
                },
            }),
            _ => return Err(AppError::Validation(errors)),
        }
    } else {
        None
    };

    let txn = db.begin().await?;
    let visit = reception_visit::ActiveModel {
        station_id: Set(station_id),
        visited_on: Set(new.visited_on),
        slot: Set(new.slot),
        visitor_name: Set(cipher.seal_opt(new.visitor.name.as_deref())),
        visitor_phone: Set(new.visitor.phone.as_ref().map(|p| cipher.seal(&p.to_string()))),
        visitor_phone_hash: Set(new.visitor.phone.as_ref().map(|p| cipher.phone_hash(p))),
        consent: Set(new.consent && !new.visitor.is_empty()),
        visitors_count: Set(new.visitors_count.get()),
        matter: Set(new.matter.clone()),
        category_id: Set(new.category_id),
        disposition: Set(new.disposition),
        result: Set(new.result.clone()),
        feedback: Set(new.feedback.clone()),
        case_id: Set(None),
        recorded_by: Set(actor.user_id),
        created_at: Set(clock.now),
        updated_at: Set(clock.now),
        version: Set(1),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    link_deputies(&txn, visit.id, &deputy_ids).await?;
    let visit = match submission {
        Some(submission) => {
            let ctx = IntakeContext {
                now: clock.now,
                time_zone: clock.time_zone,
                channel: Channel::Reception,
                lang: "zh-CN",
                submission_key: None,
                submitter_key: None,
                max_per_address_per_minute: 0,
                max_per_code_per_minute: 0,
                cipher,
            };
            let target = IntakeTarget { station_id, deputy_id: deputy_ids.first().copied() };
            let opened = intake::submit(&txn, &ctx, target, submission, Vec::new()).await?;
            // The case's timeline names the visit it came from (staff only).
            record_event(
                &txn,
                NewEvent {
                    case_id: opened.case.id,
                    at: clock.now,
                    actor: EventActor::Staff { user_id: actor.user_id, role: actor.role },
                    action: "reception_visit",
                    from: None,
                    to: None,
                    note: Some(format!("接待选民来访登记 #{}", visit.id)),
                    public: false,
                },
            )
            .await?;
            let mut active: reception_visit::ActiveModel = visit.into();
            active.case_id = Set(Some(opened.case.id));
            active.update(&txn).await?
        }
        None => visit,
    };
    let detail = visit.case_id.map(|id| format!("case {id}"));
    audit::record(
        &txn,
        clock.now,
        Some(actor.user_id),
        "reception_visit_recorded",
        Some(("reception_visit", Some(visit.id))),
        detail.as_deref(),
        None,
    )
    .await?;
    txn.commit().await?;
    let unmasked = unmasked_for(db, actor, station_id).await?;
    views(db, cipher, actor, clock.now, vec![visit], unmasked).await?.pop().ok_or(AppError::NotFound("visit"))
}

#[derive(Debug, Clone, Default)]
pub struct VisitFilter {
    pub range: Option<DateRange>,
    pub case_id: Option<i32>,
}

/// The visits of a station (newest first), for those who may read it.
#[tracing::instrument(skip_all, fields(user_id = actor.user_id, station_id = station_id))]
pub async fn list(
    db: &impl ConnectionTrait,
    cipher: &Cipher,
    actor: &Actor,
    now: DateTime<Utc>,
    station_id: i32,
    filter: &VisitFilter,
) -> AppResult<Vec<VisitView>> {
    readable_station(db, actor, station_id).await?;
    let mut select = reception_visit::Entity::find().filter(reception_visit::Column::StationId.eq(station_id));
    if let Some(range) = filter.range {
        select = select.filter(reception_visit::Column::VisitedOn.between(range.from, range.to));
    }
    if let Some(case_id) = filter.case_id {
        select = select.filter(reception_visit::Column::CaseId.eq(case_id));
    }
    let visits = select
        .order_by_desc(reception_visit::Column::VisitedOn)
        .order_by_desc(reception_visit::Column::Id)
        .all(db)
        .await?;
    let unmasked = unmasked_for(db, actor, station_id).await?;
    views(db, cipher, actor, now, visits, unmasked).await
}

async fn readable_visit(db: &impl ConnectionTrait, actor: &Actor, id: i32) -> AppResult<reception_visit::Model> {
    let visit = reception_visit::Entity::find_by_id(id).one(db).await?.ok_or(AppError::NotFound("visit"))?;
    readable_station(db, actor, visit.station_id).await.map_err(|e| e.not_found_as("visit"))?;
    Ok(visit)
}

#[tracing::instrument(skip_all, fields(user_id = actor.user_id, id = id))]
pub async fn get(
    db: &impl ConnectionTrait,
    cipher: &Cipher,
    actor: &Actor,
    now: DateTime<Utc>,
    id: i32,
) -> AppResult<VisitView> {
    let visit = readable_visit(db, actor, id).await?;
    let unmasked = unmasked_for(db, actor, visit.station_id).await?;
    views(db, cipher, actor, now, vec![visit], unmasked).await?.pop().ok_or(AppError::NotFound("visit"))
}

/// Edits a visit (a manager of its station) if `changes.version` is still current; 409 if
/// someone changed it first.
#[tracing::instrument(skip_all, fields(user_id = actor.user_id, id = id))]
pub async fn update<C: ConnectionTrait + TransactionTrait>(
    db: &C,
    cipher: &Cipher,
    actor: &Actor,
    now: DateTime<Utc>,
    id: i32,
    changes: VisitChanges,
) -> AppResult<VisitView> {
    let current = readable_visit(db, actor, id).await?;
    managed_station(db, actor, current.station_id).await.map_err(|e| e.not_found_as("visit"))?;
    if let Some(category) = changes.category_id {
        known_category(db, category).await?;
    }
    if let Some(ids) = &changes.deputy_ids {
        station_deputies(db, current.station_id, ids, "deputy_ids").await?;
    }
    let txn = db.begin().await?;
    let mut update = reception_visit::Entity::update_many()
        .col_expr(reception_visit::Column::Version, sea_orm::sea_query::Expr::value(current.version + 1))
        .col_expr(reception_visit::Column::UpdatedAt, sea_orm::sea_query::Expr::value(now));
    macro_rules! set {
        ($column:ident, $value:expr) => {
            update = update.col_expr(reception_visit::Column::$column, sea_orm::sea_query::Expr::value($value));
        };
    }
    if let Some(day) = changes.visited_on {
        set!(VisitedOn, day);
    }
    if let Some(slot) = changes.slot {
        set!(Slot, slot.as_str());
    }
    if let Some((visitor, consent)) = changes.visitor {
        set!(Consent, consent && !visitor.is_empty());
        set!(VisitorName, cipher.seal_opt(visitor.name.as_deref()));
        set!(VisitorPhone, visitor.phone.as_ref().map(|p| cipher.seal(&p.to_string())));
        set!(VisitorPhoneHash, visitor.phone.as_ref().map(|p| cipher.phone_hash(p)));
    }
    if let Some(count) = changes.visitors_count {
        set!(VisitorsCount, count.get());
    }
    if let Some(matter) = changes.matter {
        set!(Matter, matter);
    }
    if let Some(category) = changes.category_id {
        set!(CategoryId, category);
    }
    if let Some(disposition) = changes.disposition {
        set!(Disposition, disposition.as_str());
    }
    if let Some(result) = changes.result {
        set!(Result, result);
    }
    if let Some(feedback) = changes.feedback {
        set!(Feedback, feedback);
    }
    let done = update
        .filter(reception_visit::Column::Id.eq(id))
        .filter(reception_visit::Column::Version.eq(changes.version))
        .exec(&txn)
        .await?;
    if done.rows_affected == 0 {
        return Err(AppError::stale_version("visit", current.version));
    }
    if let Some(ids) = changes.deputy_ids {
        reception_visit_deputy::Entity::delete_many()
            .filter(reception_visit_deputy::Column::VisitId.eq(id))
            .exec(&txn)
            .await?;
        link_deputies(&txn, id, &dedup(ids)).await?;
    }
    audit::record(
        &txn,
        now,
        Some(actor.user_id),
        "reception_visit_updated",
        Some(("reception_visit", Some(id))),
        None,
        None,
    )
    .await?;
    txn.commit().await?;
    get(db, cipher, actor, now, id).await
}
