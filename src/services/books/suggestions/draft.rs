//! Drafting a suggestion: typed by the station's managers or its lead deputy, or made from a
//! case or a reception visit; each draft numbered within its year.
use chrono::{Datelike, NaiveDate};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder, Set,
    TransactionSession, TransactionTrait,
};

use super::checks::{known_category, known_deputies, lead_of_station, link_deputies};
use super::{NewSuggestion, Now, SuggestionView, entity, get};
use crate::domain::field::{FieldError, Problem};
use crate::domain::reception::Disposition;
use crate::domain::role::Role;
use crate::domain::suggestion::{self, SuggestionStatus, title_from};
use crate::entities::{case, reception_visit, reception_visit_deputy, station};
use crate::error::{AppError, AppResult};
use crate::services::cases::{
    access,
    flow::{EventActor, NewEvent, record_event},
};
use crate::services::organisation::actor::Actor;
use crate::services::privacy::audit;

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
            status: Set(SuggestionStatus::Drafted),
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
                active.disposition = Set(Disposition::Suggestion);
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
#[tracing::instrument(skip_all, fields(user_id = actor.user_id, station_id = station_id))]
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
#[tracing::instrument(skip_all, fields(user_id = actor.user_id, station_id = station_id))]
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
#[tracing::instrument(skip_all, fields(user_id = actor.user_id, case_id = case_id))]
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
#[tracing::instrument(skip_all, fields(user_id = actor.user_id, visit_id = visit_id))]
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
