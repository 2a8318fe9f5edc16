//! Deputies' reports to voters (代表述职登记簿): where and how a deputy reported, who came,
//! what they said and how they voted. Managers of the station record and edit them
//! (administrators any); viewers and the station's deputies read them; handlers have no
//! business here.
use chrono::{DateTime, NaiveDate, Utc};
use sea_orm::{ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, Set};

use crate::domain::reception::DateRange;
use crate::domain::station_books::{ReportForm, Vote};
use crate::entities::deputy_report;
use crate::error::{AppError, AppResult};
use crate::services::books::reception_roster::{managed_station, readable_station, station_deputies};
use crate::services::organisation::actor::Actor;
use crate::services::organisation::deputies;
use crate::services::privacy::audit;
use crate::services::support::versioned::VersionedUpdate;

#[derive(Debug, Clone)]
pub struct NewReport {
    pub deputy_id: i32,
    pub reported_on: NaiveDate,
    pub place: String,
    pub form: ReportForm,
    pub voters_present: i32,
    pub summary: String,
    pub comments: Option<String>,
    pub vote: Vote,
    pub published: bool,
}

/// Changes to a report: `None` leaves a field as it is.
#[derive(Debug, Clone, Default)]
pub struct ReportChanges {
    pub version: i32,
    pub reported_on: Option<NaiveDate>,
    pub place: Option<String>,
    pub form: Option<ReportForm>,
    pub summary: Option<String>,
    pub comments: Option<Option<String>>,
    pub voters_present: Option<i32>,
    /// All three counts together; checked against the voters present (given or kept).
    pub vote: Option<Vote>,
    pub published: Option<bool>,
}

#[derive(Debug, Clone)]
pub struct ReportView {
    pub report: deputy_report::Model,
    pub deputy_name: String,
}

impl ReportView {
    pub fn vote(&self) -> Vote {
        Vote {
            satisfied: self.report.votes_satisfied,
            basically_satisfied: self.report.votes_basically_satisfied,
            dissatisfied: self.report.votes_dissatisfied,
        }
    }
}

async fn views(db: &impl ConnectionTrait, reports: Vec<deputy_report::Model>) -> AppResult<Vec<ReportView>> {
    let ids: Vec<i32> = reports.iter().map(|r| r.deputy_id).collect();
    let names = deputies::names(db, ids).await?;
    Ok(reports
        .into_iter()
        .map(|report| ReportView { deputy_name: names.get(&report.deputy_id).cloned().unwrap_or_default(), report })
        .collect())
}

/// Records a report given at a station the actor manages, by one of its deputies.
#[tracing::instrument(skip_all, fields(user_id = actor.user_id, station_id = station_id))]
pub async fn record(
    db: &impl ConnectionTrait,
    actor: &Actor,
    now: DateTime<Utc>,
    station_id: i32,
    new: NewReport,
) -> AppResult<ReportView> {
    managed_station(db, actor, station_id).await?;
    station_deputies(db, station_id, &[new.deputy_id], "deputy_id").await?;
    let report = deputy_report::ActiveModel {
        station_id: Set(station_id),
        deputy_id: Set(new.deputy_id),
        reported_on: Set(new.reported_on),
        place: Set(new.place),
        form: Set(new.form),
        voters_present: Set(new.voters_present),
        summary: Set(new.summary),
        comments: Set(new.comments),
        votes_satisfied: Set(new.vote.satisfied),
        votes_basically_satisfied: Set(new.vote.basically_satisfied),
        votes_dissatisfied: Set(new.vote.dissatisfied),
        published: Set(new.published),
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
        "deputy_report_recorded",
        Some(("deputy_report", Some(report.id))),
        None,
        None,
    )
    .await?;
    views(db, vec![report]).await?.pop().ok_or(AppError::NotFound("report"))
}

/// A station's reports in a period, newest first.
#[tracing::instrument(skip_all, fields(user_id = actor.user_id, station_id = station_id))]
pub async fn list(
    db: &impl ConnectionTrait,
    actor: &Actor,
    station_id: i32,
    range: Option<DateRange>,
    deputy_id: Option<i32>,
) -> AppResult<Vec<ReportView>> {
    readable_station(db, actor, station_id).await?;
    let mut select = deputy_report::Entity::find().filter(deputy_report::Column::StationId.eq(station_id));
    if let Some(range) = range {
        select = select.filter(deputy_report::Column::ReportedOn.between(range.from, range.to));
    }
    if let Some(deputy_id) = deputy_id {
        select = select.filter(deputy_report::Column::DeputyId.eq(deputy_id));
    }
    let reports = select
        .order_by_desc(deputy_report::Column::ReportedOn)
        .order_by_desc(deputy_report::Column::Id)
        .all(db)
        .await?;
    views(db, reports).await
}

async fn readable_report(db: &impl ConnectionTrait, actor: &Actor, id: i32) -> AppResult<deputy_report::Model> {
    let report = deputy_report::Entity::find_by_id(id).one(db).await?.ok_or(AppError::NotFound("report"))?;
    readable_station(db, actor, report.station_id).await.map_err(|e| e.not_found_as("report"))?;
    Ok(report)
}

#[tracing::instrument(skip_all, fields(user_id = actor.user_id, id = id))]
pub async fn get(db: &impl ConnectionTrait, actor: &Actor, id: i32) -> AppResult<ReportView> {
    let report = readable_report(db, actor, id).await?;
    views(db, vec![report]).await?.pop().ok_or(AppError::NotFound("report"))
}

/// Edits a report (a manager of its station) if `changes.version` is still current.
#[tracing::instrument(skip_all, fields(user_id = actor.user_id, id = id))]
pub async fn update(
    db: &impl ConnectionTrait,
    actor: &Actor,
    now: DateTime<Utc>,
    id: i32,
    changes: ReportChanges,
) -> AppResult<ReportView> {
    let current = readable_report(db, actor, id).await?;
    managed_station(db, actor, current.station_id).await.map_err(|e| e.not_found_as("report"))?;
    use deputy_report::Column as C;
    let mut update =
        VersionedUpdate::<deputy_report::Entity>::new(C::Id, C::Version, id, current.version, changes.version)
            .set(C::UpdatedAt, now)
            .set_some(C::ReportedOn, changes.reported_on)
            .set_some(C::Place, changes.place)
            .set_some(C::Form, changes.form)
            .set_some(C::Summary, changes.summary)
            .set_some(C::Comments, changes.comments)
            .set_some(C::Published, changes.published);
    if changes.voters_present.is_some() || changes.vote.is_some() {
        let voters = changes.voters_present.unwrap_or(current.voters_present);
        let vote = changes.vote.unwrap_or(Vote {
            satisfied: current.votes_satisfied,
            basically_satisfied: current.votes_basically_satisfied,
            dissatisfied: current.votes_dissatisfied,
        });
        let vote =
            Vote::new(vote.satisfied, vote.basically_satisfied, vote.dissatisfied, voters).map_err(AppError::field)?;
        update = update
            .set(C::VotersPresent, voters)
            .set(C::VotesSatisfied, vote.satisfied)
            .set(C::VotesBasicallySatisfied, vote.basically_satisfied)
            .set(C::VotesDissatisfied, vote.dissatisfied);
    }
    if !update.apply(db).await? {
        return Err(AppError::stale_version("report", current.version));
    }
    audit::record(db, now, Some(actor.user_id), "deputy_report_updated", Some(("deputy_report", Some(id))), None, None)
        .await?;
    get(db, actor, id).await
}
