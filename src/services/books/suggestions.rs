//! Formal suggestions (代表建议) and their handling (建议办理情况登记簿).
//!
//! Who: the station's managers (administrators everywhere) draft, edit, assign, extend and
//! close; a deputy drafts suggestions they lead, submits and rates them, and reads those they
//! lead or co-sign; the staff of a handling unit read and reply to the suggestions assigned to
//! their unit (as lead or co-handler); viewers read their stations'. Out of scope is 404; in
//! scope but not theirs to do is 403; a stale `version` or a move the status does not allow
//! is 409.
use std::collections::HashMap;

use chrono::{DateTime, Datelike, NaiveDate, Utc};
use sea_orm::sea_query::{Expr, Query};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder,
    QuerySelect, Set, TransactionSession, TransactionTrait,
};

use crate::domain::case_state::Satisfaction;
use crate::domain::field::{FieldError, Problem};
use crate::domain::page::{Page, PageRequest};
use crate::domain::reception::Disposition;
use crate::domain::role::Role;
use crate::domain::suggestion::{
    self, Deadlines, ResultClass, SuggestionAction, SuggestionRole, SuggestionStatus, check_extension, is_overdue,
    next_status, rehandling_due, reply_due, title_from,
};
use crate::entities::{
    case, category, deputy, reception_visit, reception_visit_deputy, station, suggestion as entity, suggestion_deputy,
    suggestion_unit, unit,
};
use crate::error::{AppError, AppResult};
use crate::services::cases::{
    access,
    flow::{EventActor, NewEvent, record_event},
};
use crate::services::organisation::actor::{Actor, StationScope, with_descendants, with_family};
use crate::services::privacy::audit;

/// The moment of a change and the local day it falls on.
#[derive(Debug, Clone, Copy)]
pub struct Now {
    pub at: DateTime<Utc>,
    pub today: NaiveDate,
}

#[derive(Debug, Clone)]
pub struct NewSuggestion {
    /// `None`: today.
    pub raised_on: Option<NaiveDate>,
    pub title: String,
    pub reasons: String,
    pub proposals: Option<String>,
    pub category_id: Option<i32>,
    /// `None`: the deputy drafting it.
    pub lead_deputy_id: Option<i32>,
    pub co_deputy_ids: Vec<i32>,
    pub key_supervision: bool,
}

/// Changes to a suggestion: `None` leaves a field alone, `Some(None)` clears an optional one.
#[derive(Debug, Clone, Default)]
pub struct SuggestionChanges {
    pub version: i32,
    pub raised_on: Option<NaiveDate>,
    pub title: Option<String>,
    pub reasons: Option<String>,
    pub proposals: Option<Option<String>>,
    pub category_id: Option<Option<i32>>,
    pub lead_deputy_id: Option<i32>,
    pub co_deputy_ids: Option<Vec<i32>>,
    pub key_supervision: Option<bool>,
}

impl SuggestionChanges {
    fn touches_content(&self) -> bool {
        self.raised_on.is_some()
            || self.title.is_some()
            || self.reasons.is_some()
            || self.proposals.is_some()
            || self.category_id.is_some()
            || self.lead_deputy_id.is_some()
            || self.co_deputy_ids.is_some()
    }
}

#[derive(Debug, Clone)]
pub enum Command {
    Submit,
    Assign { lead_unit_id: i32, co_unit_ids: Vec<i32> },
    Extend { to: NaiveDate },
    Reply { text: String, result_class: ResultClass },
    Rate { satisfaction: Satisfaction },
    Close,
}

impl Command {
    pub fn action(&self) -> SuggestionAction {
        match self {
            Command::Submit => SuggestionAction::Submit,
            Command::Assign { .. } => SuggestionAction::Assign,
            Command::Extend { .. } => SuggestionAction::Extend,
            Command::Reply { .. } => SuggestionAction::Reply,
            Command::Rate { .. } => SuggestionAction::Rate,
            Command::Close => SuggestionAction::Close,
        }
    }
}

/// A deputy or unit with its role.
#[derive(Debug, Clone)]
pub struct Party {
    pub id: i32,
    pub name: String,
    pub role: SuggestionRole,
}

/// What the reader may do to a suggestion.
#[derive(Debug, Clone, Copy, Default)]
pub struct Allowed {
    pub edit: bool,
    pub submit: bool,
    pub assign: bool,
    pub extend: bool,
    pub reply: bool,
    pub rate: bool,
    pub close: bool,
    /// Set or lift key supervision (重点督办).
    pub key_supervision: bool,
    /// Change the words and deputies (while drafted or submitted).
    pub reword: bool,
}

#[derive(Debug, Clone)]
pub struct SuggestionView {
    pub suggestion: entity::Model,
    pub status: SuggestionStatus,
    pub station_name: String,
    pub category_name: Option<String>,
    pub deputies: Vec<Party>,
    pub units: Vec<Party>,
    /// The deadline in force now.
    pub deadline: Option<NaiveDate>,
    pub overdue: bool,
    pub allowed: Allowed,
}

impl SuggestionView {
    pub fn lead_deputy(&self) -> Option<&Party> {
        self.deputies.iter().find(|d| d.role == SuggestionRole::Lead)
    }
}

/// How the actor stands to one suggestion.
#[derive(Debug, Clone, Copy, Default)]
struct Standing {
    manage: bool,
    read: bool,
    lead_deputy: bool,
    unit: bool,
}

fn status_of(model: &entity::Model) -> SuggestionStatus {
    model.status.parse().unwrap_or(SuggestionStatus::Drafted)
}

fn deadlines_of(model: &entity::Model) -> Deadlines {
    Deadlines { due_on: model.due_on, extended_to: model.extended_to, rehandling_due_on: model.rehandling_due_on }
}

/// The deadline in force for a stored suggestion (re-handling's own once it started).
pub fn deadline_of(model: &entity::Model) -> Option<NaiveDate> {
    deadlines_of(model).current(status_of(model))
}

/// Whether a stored suggestion is late on `today`.
pub fn overdue_on(model: &entity::Model, today: NaiveDate) -> bool {
    is_overdue(status_of(model), deadlines_of(model), model.replied_on, today)
}

/// The stations whose suggestions the actor reads through a station role (managers: those
/// they manage; viewers: those they read), read once per request.
async fn station_scope(db: &impl ConnectionTrait, actor: &Actor) -> AppResult<StationScope> {
    match actor.role {
        Role::Admin => Ok(StationScope::All),
        Role::Manager => actor.managed_stations(db).await,
        Role::Viewer => actor.readable_stations(db).await,
        Role::Deputy | Role::Handler => Ok(StationScope::none()),
    }
}

fn standing(
    actor: &Actor,
    scope: &StationScope,
    model: &entity::Model,
    deputies: &[Party],
    units: &[Party],
) -> Standing {
    match actor.role {
        Role::Admin => Standing { manage: true, read: true, ..Standing::default() },
        Role::Manager => {
            let manage = scope.contains(model.station_id);
            Standing { manage, read: manage, ..Standing::default() }
        }
        Role::Viewer => Standing { read: scope.contains(model.station_id), ..Standing::default() },
        Role::Deputy => {
            let mine = deputies.iter().find(|d| Some(d.id) == actor.deputy_id);
            Standing {
                read: mine.is_some(),
                lead_deputy: mine.is_some_and(|d| d.role == SuggestionRole::Lead),
                ..Standing::default()
            }
        }
        Role::Handler => {
            let unit = model.assigned_on.is_some() && units.iter().any(|u| Some(u.id) == actor.unit_id);
            Standing { read: unit, unit, ..Standing::default() }
        }
    }
}

fn allowed(standing: Standing, status: SuggestionStatus) -> Allowed {
    let can = |action: SuggestionAction, who: bool| who && next_status(status, action, false, false).is_ok();
    Allowed {
        edit: standing.manage || (standing.lead_deputy && status == SuggestionStatus::Drafted),
        submit: can(SuggestionAction::Submit, standing.manage || standing.lead_deputy),
        assign: can(SuggestionAction::Assign, standing.manage),
        extend: can(SuggestionAction::Extend, standing.manage),
        reply: can(SuggestionAction::Reply, standing.manage || standing.unit),
        rate: can(SuggestionAction::Rate, standing.manage || standing.lead_deputy),
        close: can(SuggestionAction::Close, standing.manage),
        key_supervision: standing.manage,
        reword: matches!(status, SuggestionStatus::Drafted | SuggestionStatus::Submitted)
            && (standing.manage || (standing.lead_deputy && status == SuggestionStatus::Drafted)),
    }
}

async fn parties(
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
    let deputy_names: HashMap<i32, String> = deputy::Entity::find()
        .filter(deputy::Column::Id.is_in(deputy_links.iter().map(|l| l.deputy_id).collect::<Vec<_>>()))
        .all(db)
        .await?
        .into_iter()
        .map(|d| (d.id, d.name))
        .collect();
    let unit_names: HashMap<i32, String> = unit::Entity::find()
        .filter(unit::Column::Id.is_in(unit_links.iter().map(|l| l.unit_id).collect::<Vec<_>>()))
        .all(db)
        .await?
        .into_iter()
        .map(|u| (u.id, u.name))
        .collect();
    let role = |raw: &str| raw.parse().unwrap_or(SuggestionRole::Co);
    let mut deputies: HashMap<i32, Vec<Party>> = HashMap::new();
    for link in deputy_links {
        let name = deputy_names.get(&link.deputy_id).cloned().unwrap_or_default();
        deputies.entry(link.suggestion_id).or_default().push(Party {
            id: link.deputy_id,
            name,
            role: role(&link.role),
        });
    }
    let mut units: HashMap<i32, Vec<Party>> = HashMap::new();
    for link in unit_links {
        let name = unit_names.get(&link.unit_id).cloned().unwrap_or_default();
        units.entry(link.suggestion_id).or_default().push(Party { id: link.unit_id, name, role: role(&link.role) });
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

/// One suggestion with how the actor stands to it; 404 if they may not read it.
async fn load(
    db: &impl ConnectionTrait,
    actor: &Actor,
    id: i32,
) -> AppResult<(entity::Model, Vec<Party>, Vec<Party>, Standing)> {
    let model = entity::Entity::find_by_id(id).one(db).await?.ok_or(AppError::NotFound("suggestion"))?;
    let (mut deputies, mut units) = parties(db, &[id]).await?;
    let deputies = deputies.remove(&id).unwrap_or_default();
    let units = units.remove(&id).unwrap_or_default();
    let standing = standing(actor, &station_scope(db, actor).await?, &model, &deputies, &units);
    if !standing.read {
        return Err(AppError::NotFound("suggestion"));
    }
    Ok((model, deputies, units, standing))
}

/// 404 unless the actor reads the suggestion, 403 if they may take no action on it: checked
/// before the action is read, so a refused caller learns nothing from it.
pub async fn require_may_act(db: &impl ConnectionTrait, actor: &Actor, id: i32) -> AppResult<()> {
    let (_, _, _, s) = load(db, actor, id).await?;
    if s.manage || s.lead_deputy || s.unit {
        Ok(())
    } else {
        Err(AppError::forbidden("you may not act on this suggestion"))
    }
}

fn may_edit(standing: Standing, status: SuggestionStatus) -> bool {
    allowed(standing, status).edit || standing.lead_deputy
}

/// 404 unless the actor reads the suggestion, 403 if they may not change it: checked before
/// the changes are read.
pub async fn require_may_edit(db: &impl ConnectionTrait, actor: &Actor, id: i32) -> AppResult<()> {
    let (current, _, _, standing) = load(db, actor, id).await?;
    if may_edit(standing, status_of(&current)) {
        Ok(())
    } else {
        Err(AppError::forbidden("you may read this suggestion but not change it"))
    }
}

pub async fn get(db: &impl ConnectionTrait, actor: &Actor, today: NaiveDate, id: i32) -> AppResult<SuggestionView> {
    let (model, _, _, _) = load(db, actor, id).await?;
    views(db, actor, today, vec![model]).await?.pop().ok_or(AppError::NotFound("suggestion"))
}

#[derive(Debug, Clone, Default)]
pub struct SuggestionFilter {
    /// A station with its points and grids.
    pub station_id: Option<i32>,
    pub status: Option<SuggestionStatus>,
    /// Only those waiting for a reply past their deadline.
    pub overdue: bool,
}

/// The suggestions the actor may read, newest first.
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

/// Active deputies by id; any other id is a field error.
async fn known_deputies(db: &impl ConnectionTrait, ids: &[i32], field: &'static str) -> AppResult<()> {
    if ids.is_empty() {
        return Ok(());
    }
    let found = deputy::Entity::find()
        .filter(deputy::Column::Id.is_in(ids.to_vec()))
        .filter(deputy::Column::Active.eq(true))
        .count(db)
        .await?;
    if found as usize == ids.len() { Ok(()) } else { Err(AppError::field(FieldError::unknown(field))) }
}

/// The lead deputy belongs to the suggestion's station, a station above it or a point below.
async fn lead_of_station(db: &impl ConnectionTrait, station_id: i32, deputy_id: i32) -> AppResult<()> {
    let record = deputy::Entity::find_by_id(deputy_id)
        .filter(deputy::Column::Active.eq(true))
        .one(db)
        .await?
        .ok_or_else(|| AppError::field(FieldError::unknown("lead_deputy_id")))?;
    if with_family(db, &[station_id]).await?.contains(record.station_id) {
        Ok(())
    } else {
        Err(AppError::field(FieldError::unknown("lead_deputy_id")))
    }
}

async fn known_units(db: &impl ConnectionTrait, ids: &[i32], field: &'static str) -> AppResult<()> {
    if ids.is_empty() {
        return Ok(());
    }
    let found = unit::Entity::find()
        .filter(unit::Column::Id.is_in(ids.to_vec()))
        .filter(unit::Column::Active.eq(true))
        .count(db)
        .await?;
    if found as usize == ids.len() { Ok(()) } else { Err(AppError::field(FieldError::unknown(field))) }
}

async fn known_category(db: &impl ConnectionTrait, id: Option<i32>) -> AppResult<()> {
    let Some(id) = id else { return Ok(()) };
    match category::Entity::find_by_id(id).filter(category::Column::Active.eq(true)).one(db).await? {
        Some(_) => Ok(()),
        None => Err(AppError::field(FieldError::unknown("category_id"))),
    }
}

async fn link_deputies(db: &impl ConnectionTrait, id: i32, lead: i32, co: &[i32]) -> AppResult<()> {
    suggestion_deputy::Entity::delete_many().filter(suggestion_deputy::Column::SuggestionId.eq(id)).exec(db).await?;
    let all = std::iter::once((lead, SuggestionRole::Lead)).chain(co.iter().map(|d| (*d, SuggestionRole::Co)));
    for (position, (deputy_id, role)) in all.enumerate() {
        suggestion_deputy::ActiveModel {
            suggestion_id: Set(id),
            deputy_id: Set(deputy_id),
            role: Set(role.as_str().to_string()),
            position: Set(position as i32),
        }
        .insert(db)
        .await?;
    }
    Ok(())
}

async fn link_units(db: &impl ConnectionTrait, id: i32, lead: i32, co: &[i32]) -> AppResult<()> {
    suggestion_unit::Entity::delete_many().filter(suggestion_unit::Column::SuggestionId.eq(id)).exec(db).await?;
    let all = std::iter::once((lead, SuggestionRole::Lead)).chain(co.iter().map(|u| (*u, SuggestionRole::Co)));
    for (unit_id, role) in all {
        suggestion_unit::ActiveModel {
            suggestion_id: Set(id),
            unit_id: Set(unit_id),
            role: Set(role.as_str().to_string()),
        }
        .insert(db)
        .await?;
    }
    Ok(())
}

/// Where a drafted suggestion came from.
#[derive(Debug, Clone, Copy)]
enum Source {
    Typed,
    Case(i32),
    Visit(i32),
}

/// Everything checked: the rows to write.
struct Draft {
    station_id: i32,
    raised_on: NaiveDate,
    title: String,
    reasons: String,
    proposals: Option<String>,
    category_id: Option<i32>,
    lead: i32,
    co: Vec<i32>,
    key_supervision: bool,
    source: Source,
}

const NUMBER_ATTEMPTS: usize = 5;

/// Writes a draft under the next free number of its year; a number taken meanwhile by
/// someone else is retried with the next one.
async fn insert<C: ConnectionTrait + TransactionTrait>(
    db: &C,
    actor: &Actor,
    now: Now,
    draft: &Draft,
) -> AppResult<entity::Model> {
    let year = draft.raised_on.year();
    let prefix = format!("{year}-");
    let mut last_error = None;
    for attempt in 0..NUMBER_ATTEMPTS {
        let txn = db.begin().await?;
        let taken = entity::Entity::find().filter(entity::Column::Number.starts_with(&prefix)).count(&txn).await?;
        let number = suggestion::number(year, (taken as u32).saturating_add(1 + attempt as u32));
        let inserted = entity::ActiveModel {
            number: Set(number),
            station_id: Set(draft.station_id),
            raised_on: Set(draft.raised_on),
            title: Set(draft.title.clone()),
            reasons: Set(draft.reasons.clone()),
            proposals: Set(draft.proposals.clone()),
            category_id: Set(draft.category_id),
            lead_unit_id: Set(None),
            assigned_on: Set(None),
            due_on: Set(None),
            extended_to: Set(None),
            replied_on: Set(None),
            reply: Set(None),
            result_class: Set(None),
            satisfaction: Set(None),
            rated_on: Set(None),
            rehandling_due_on: Set(None),
            rehandling_count: Set(0),
            key_supervision: Set(draft.key_supervision),
            status: Set(SuggestionStatus::Drafted.as_str().to_string()),
            closed_on: Set(None),
            source_case_id: Set(match draft.source {
                Source::Case(id) => Some(id),
                _ => None,
            }),
            source_visit_id: Set(match draft.source {
                Source::Visit(id) => Some(id),
                _ => None,
            }),
            created_by: Set(actor.user_id),
            created_at: Set(now.at),
            updated_at: Set(now.at),
            version: Set(1),
            ..Default::default()
        }
        .insert(&txn)
        .await;
        let model = match inserted {
            Ok(model) => model,
            Err(error) => {
                let error = AppError::from(error);
                if matches!(error, AppError::Conflict { code: "already_exists", .. }) {
                    txn.rollback().await?;
                    last_error = Some(error);
                    continue;
                }
                return Err(error);
            }
        };
        link_deputies(&txn, model.id, draft.lead, &draft.co).await?;
        match draft.source {
            Source::Typed => {}
            Source::Case(case_id) => {
                record_event(
                    &txn,
                    NewEvent {
                        case_id,
                        at: now.at,
                        actor: EventActor::Staff { user_id: actor.user_id, role: actor.role },
                        action: "suggestion",
                        from: None,
                        to: None,
                        note: Some(format!("形成代表建议 {}", model.number)),
                        public: false,
                    },
                )
                .await?;
            }
            Source::Visit(visit_id) => {
                let visit = reception_visit::Entity::find_by_id(visit_id)
                    .one(&txn)
                    .await?
                    .ok_or(AppError::NotFound("visit"))?;
                let version = visit.version;
                let mut active: reception_visit::ActiveModel = visit.into();
                active.disposition = Set(Disposition::Suggestion.as_str().to_string());
                active.version = Set(version + 1);
                active.updated_at = Set(now.at);
                active.update(&txn).await?;
            }
        }
        audit::record(
            &txn,
            now.at,
            Some(actor.user_id),
            "suggestion_drafted",
            Some(("suggestion", Some(model.id))),
            Some(&model.number),
            None,
        )
        .await?;
        txn.commit().await?;
        return Ok(model);
    }
    Err(last_error.unwrap_or_else(|| AppError::internal(anyhow::anyhow!("no free suggestion number"))))
}

/// 403/404 unless the actor may draft suggestions at the station: its managers (administrators
/// anywhere) and its deputies. Checked before the draft is read, so a refused caller learns
/// nothing from it.
pub async fn require_may_draft(db: &impl ConnectionTrait, actor: &Actor, station_id: i32) -> AppResult<()> {
    actor.require(&[Role::Admin, Role::Manager, Role::Deputy])?;
    let scope = match actor.role {
        Role::Deputy => actor.readable_stations(db).await?,
        _ => actor.managed_stations(db).await?,
    };
    if scope.contains(station_id) { Ok(()) } else { Err(AppError::NotFound("station")) }
}

/// Drafts a suggestion at a station: its managers (administrators anywhere) for any deputy of
/// it, a deputy for a suggestion they lead.
pub async fn create<C: ConnectionTrait + TransactionTrait>(
    db: &C,
    actor: &Actor,
    now: Now,
    station_id: i32,
    new: NewSuggestion,
) -> AppResult<SuggestionView> {
    require_may_draft(db, actor, station_id).await?;
    let lead = match actor.role {
        Role::Deputy => {
            let own = actor.deputy_id.ok_or_else(|| AppError::forbidden("this account is not a deputy's"))?;
            if new.lead_deputy_id.is_some_and(|id| id != own) {
                return Err(AppError::forbidden("a deputy may draft only the suggestions they lead"));
            }
            if new.key_supervision {
                return Err(AppError::forbidden("key supervision is set by the station's managers"));
            }
            own
        }
        _ => new.lead_deputy_id.ok_or_else(|| AppError::field(FieldError::required("lead_deputy_id")))?,
    };
    station::Entity::find_by_id(station_id).one(db).await?.ok_or(AppError::NotFound("station"))?;
    lead_of_station(db, station_id, lead).await?;
    let co = suggestion::co_list("co_deputy_ids", Some(lead), &new.co_deputy_ids).map_err(AppError::field)?;
    known_deputies(db, &co, "co_deputy_ids").await?;
    known_category(db, new.category_id).await?;
    let draft = Draft {
        station_id,
        raised_on: new.raised_on.unwrap_or(now.today),
        title: new.title,
        reasons: new.reasons,
        proposals: new.proposals,
        category_id: new.category_id,
        lead,
        co,
        key_supervision: new.key_supervision,
        source: Source::Typed,
    };
    let model = insert(db, actor, now, &draft).await?;
    get(db, actor, now.today, model.id).await
}

async fn not_yet_drafted(db: &impl ConnectionTrait, column: entity::Column, id: i32) -> AppResult<()> {
    if let Some(existing) = entity::Entity::find().filter(column.eq(id)).one(db).await? {
        return Err(AppError::conflict(
            "suggestion_exists",
            format!("suggestion {} was already drafted from it", existing.number),
        ));
    }
    Ok(())
}

/// Turns a case into a drafted suggestion: the case's deputy leads it, its words are the
/// reasons. The case's managers (administrators) or its deputy.
pub async fn from_case<C: ConnectionTrait + TransactionTrait>(
    db: &C,
    actor: &Actor,
    now: Now,
    case_id: i32,
) -> AppResult<SuggestionView> {
    let record: case::Model = access::get(db, actor, case_id).await?;
    actor.require(&[Role::Admin, Role::Manager, Role::Deputy])?;
    let lead = record.deputy_id.ok_or_else(|| {
        AppError::field(FieldError::new(
            "deputy_id",
            Problem::Described("the case has no deputy to lead a suggestion".into()),
        ))
    })?;
    not_yet_drafted(db, entity::Column::SourceCaseId, case_id).await?;
    let draft = Draft {
        station_id: record.station_id,
        raised_on: now.today,
        title: title_from(&record.content),
        reasons: record.content.clone(),
        proposals: None,
        category_id: Some(record.category_id),
        lead,
        co: Vec::new(),
        key_supervision: false,
        source: Source::Case(case_id),
    };
    let model = insert(db, actor, now, &draft).await?;
    get(db, actor, now.today, model.id).await
}

/// Turns a reception visit into a drafted suggestion led by the first deputy on duty; the
/// visit's disposition becomes "became a suggestion". The station's managers (administrators).
pub async fn from_visit<C: ConnectionTrait + TransactionTrait>(
    db: &C,
    actor: &Actor,
    now: Now,
    visit_id: i32,
) -> AppResult<SuggestionView> {
    let visit = reception_visit::Entity::find_by_id(visit_id).one(db).await?.ok_or(AppError::NotFound("visit"))?;
    if !actor.readable_stations(db).await?.contains(visit.station_id) {
        return Err(AppError::NotFound("visit"));
    }
    actor.require(&[Role::Admin, Role::Manager])?;
    if !actor.managed_stations(db).await?.contains(visit.station_id) {
        return Err(AppError::NotFound("visit"));
    }
    let first = reception_visit_deputy::Entity::find()
        .filter(reception_visit_deputy::Column::VisitId.eq(visit_id))
        .order_by_asc(reception_visit_deputy::Column::Position)
        .one(db)
        .await?
        .ok_or_else(|| {
            AppError::field(FieldError::new(
                "deputy_ids",
                Problem::Described("no deputy received this visit to lead a suggestion".into()),
            ))
        })?;
    not_yet_drafted(db, entity::Column::SourceVisitId, visit_id).await?;
    let draft = Draft {
        station_id: visit.station_id,
        raised_on: visit.visited_on,
        title: title_from(&visit.matter),
        reasons: visit.matter.clone(),
        proposals: None,
        category_id: visit.category_id,
        lead: first.deputy_id,
        co: Vec::new(),
        key_supervision: false,
        source: Source::Visit(visit_id),
    };
    let model = insert(db, actor, now, &draft).await?;
    get(db, actor, now.today, model.id).await
}

fn stale(current: i32) -> AppError {
    AppError::stale_version("suggestion", current)
}

/// Edits a suggestion with the `version` read. Its words and deputies only while it is
/// drafted or submitted (a deputy: their own draft); key supervision by managers at any time.
pub async fn update<C: ConnectionTrait + TransactionTrait>(
    db: &C,
    actor: &Actor,
    now: Now,
    id: i32,
    changes: SuggestionChanges,
) -> AppResult<SuggestionView> {
    let (current, deputies, _, standing) = load(db, actor, id).await?;
    let status = status_of(&current);
    if !may_edit(standing, status) {
        return Err(AppError::forbidden("you may read this suggestion but not change it"));
    }
    if changes.key_supervision.is_some() && !standing.manage {
        return Err(AppError::forbidden("key supervision is set by the station's managers"));
    }
    if changes.version != current.version {
        return Err(stale(current.version));
    }
    if changes.touches_content() {
        if !matches!(status, SuggestionStatus::Drafted | SuggestionStatus::Submitted) {
            return Err(AppError::conflict(
                "content_locked",
                format!("a suggestion that is {} can no longer be reworded", status.label_en()),
            ));
        }
        if !allowed(standing, status).edit {
            return Err(AppError::conflict(
                "content_locked",
                "a deputy may change a suggestion only while it is a draft",
            ));
        }
    }
    let current_lead = deputies.iter().find(|d| d.role == SuggestionRole::Lead).map(|d| d.id);
    if standing.lead_deputy && !standing.manage && changes.lead_deputy_id.is_some_and(|l| Some(l) != actor.deputy_id) {
        return Err(AppError::forbidden("a deputy may not hand the lead of a suggestion to someone else"));
    }
    let lead = changes.lead_deputy_id.or(current_lead);
    if let Some(new_lead) = changes.lead_deputy_id {
        lead_of_station(db, current.station_id, new_lead).await?;
    }
    let co = match (&changes.co_deputy_ids, changes.lead_deputy_id) {
        (Some(ids), _) => Some(suggestion::co_list("co_deputy_ids", lead, ids).map_err(AppError::field)?),
        // A new lead who was a co-signer leaves the co-signers.
        (None, Some(_)) => {
            Some(deputies.iter().filter(|d| d.role == SuggestionRole::Co && Some(d.id) != lead).map(|d| d.id).collect())
        }
        (None, None) => None,
    };
    if let Some(co) = &co {
        known_deputies(db, co, "co_deputy_ids").await?;
    }
    if let Some(category) = changes.category_id {
        known_category(db, category).await?;
    }

    let txn = db.begin().await?;
    let mut update = entity::Entity::update_many()
        .col_expr(entity::Column::Version, Expr::value(current.version + 1))
        .col_expr(entity::Column::UpdatedAt, Expr::value(now.at));
    if let Some(day) = changes.raised_on {
        update = update.col_expr(entity::Column::RaisedOn, Expr::value(day));
    }
    if let Some(title) = changes.title {
        update = update.col_expr(entity::Column::Title, Expr::value(title));
    }
    if let Some(reasons) = changes.reasons {
        update = update.col_expr(entity::Column::Reasons, Expr::value(reasons));
    }
    if let Some(proposals) = changes.proposals {
        update = update.col_expr(entity::Column::Proposals, Expr::value(proposals));
    }
    if let Some(category) = changes.category_id {
        update = update.col_expr(entity::Column::CategoryId, Expr::value(category));
    }
    if let Some(flag) = changes.key_supervision {
        update = update.col_expr(entity::Column::KeySupervision, Expr::value(flag));
    }
    let done =
        update.filter(entity::Column::Id.eq(id)).filter(entity::Column::Version.eq(changes.version)).exec(&txn).await?;
    if done.rows_affected == 0 {
        return Err(stale(current.version));
    }
    if let (Some(lead), Some(co)) = (lead, co) {
        link_deputies(&txn, id, lead, &co).await?;
    }
    audit::record(&txn, now.at, Some(actor.user_id), "suggestion_updated", Some(("suggestion", Some(id))), None, None)
        .await?;
    txn.commit().await?;
    get(db, actor, now.today, id).await
}

/// One action on a suggestion with the `version` read.
pub async fn act<C: ConnectionTrait + TransactionTrait>(
    db: &C,
    actor: &Actor,
    now: Now,
    id: i32,
    version: i32,
    command: Command,
) -> AppResult<SuggestionView> {
    let (current, _, _, standing) = load(db, actor, id).await?;
    let status = status_of(&current);
    let action = command.action();
    let who = match action {
        SuggestionAction::Submit | SuggestionAction::Rate => standing.manage || standing.lead_deputy,
        SuggestionAction::Reply => standing.manage || standing.unit,
        SuggestionAction::Assign | SuggestionAction::Extend | SuggestionAction::Close => standing.manage,
    };
    if !who {
        return Err(AppError::forbidden(format!("you may not {} this suggestion", action.as_str())));
    }
    if version != current.version {
        return Err(stale(current.version));
    }
    let dissatisfied = matches!(command, Command::Rate { satisfaction: Satisfaction::Dissatisfied });
    let to = next_status(status, action, dissatisfied, current.rehandling_count > 0)
        .map_err(|illegal| AppError::conflict("illegal_transition", illegal.to_string()))?;

    let mut update = entity::Entity::update_many()
        .col_expr(entity::Column::Version, Expr::value(current.version + 1))
        .col_expr(entity::Column::UpdatedAt, Expr::value(now.at))
        .col_expr(entity::Column::Status, Expr::value(to.as_str()));
    let mut units: Option<(i32, Vec<i32>)> = None;
    match &command {
        Command::Submit => {}
        Command::Assign { lead_unit_id, co_unit_ids } => {
            known_units(db, &[*lead_unit_id], "lead_unit_id").await?;
            let co = suggestion::co_list("co_unit_ids", Some(*lead_unit_id), co_unit_ids).map_err(AppError::field)?;
            known_units(db, &co, "co_unit_ids").await?;
            update = update
                .col_expr(entity::Column::LeadUnitId, Expr::value(*lead_unit_id))
                .col_expr(entity::Column::AssignedOn, Expr::value(now.today))
                .col_expr(entity::Column::DueOn, Expr::value(reply_due(now.today)));
            units = Some((*lead_unit_id, co));
        }
        Command::Extend { to: day } => {
            let (Some(assigned_on), Some(deadline)) = (current.assigned_on, deadlines_of(&current).reply_deadline())
            else {
                return Err(AppError::conflict("illegal_transition", "the suggestion has not been assigned"));
            };
            let day = check_extension(assigned_on, deadline, *day).map_err(AppError::field)?;
            update = update.col_expr(entity::Column::ExtendedTo, Expr::value(day));
        }
        Command::Reply { text, result_class } => {
            update = update
                .col_expr(entity::Column::RepliedOn, Expr::value(now.today))
                .col_expr(entity::Column::Reply, Expr::value(text.clone()))
                .col_expr(entity::Column::ResultClass, Expr::value(result_class.as_str()))
                .col_expr(entity::Column::Satisfaction, Expr::value(Option::<String>::None))
                .col_expr(entity::Column::RatedOn, Expr::value(Option::<NaiveDate>::None));
        }
        Command::Rate { satisfaction } => {
            update = update
                .col_expr(entity::Column::Satisfaction, Expr::value(satisfaction.as_str()))
                .col_expr(entity::Column::RatedOn, Expr::value(now.today));
            if to == SuggestionStatus::Rehandling {
                update = update
                    .col_expr(entity::Column::RehandlingDueOn, Expr::value(rehandling_due(now.today)))
                    .col_expr(entity::Column::RehandlingCount, Expr::value(current.rehandling_count + 1));
            }
        }
        Command::Close => {
            update = update.col_expr(entity::Column::ClosedOn, Expr::value(now.today));
        }
    }
    let txn = db.begin().await?;
    let done = update.filter(entity::Column::Id.eq(id)).filter(entity::Column::Version.eq(version)).exec(&txn).await?;
    if done.rows_affected == 0 {
        return Err(stale(current.version));
    }
    if let Some((lead, co)) = units {
        link_units(&txn, id, lead, &co).await?;
    }
    let detail = format!("{} → {}", status.as_str(), to.as_str());
    audit::record(
        &txn,
        now.at,
        Some(actor.user_id),
        &format!("suggestion_{}", action.as_str()),
        Some(("suggestion", Some(id))),
        Some(&detail),
        None,
    )
    .await?;
    txn.commit().await?;
    get(db, actor, now.today, id).await
}
