//! A station's public report (`/s/{station_token}/stats`): its statistics for a period (the
//! same figures as `services::stats`) and its disclosed cases (四公开: 承诺·计划·进度·结果).
//! Nothing personal: never a resident's name or phone, never a tracking code (the key to a
//! case and its rating form), never a staff account; the texts are redacted
//! (`domain::redact`).
use std::collections::HashMap;

use chrono::{DateTime, Datelike, Utc};
use sea_orm::sea_query::{Expr, Func};
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder, QuerySelect,
};

use crate::domain::case_state::CaseStatus;
use crate::domain::page::{Page, PageRequest};
use crate::domain::public_report;
use crate::domain::public_report::year_period;
use crate::domain::redact::redact;
use crate::domain::token::looks_like_public_token;
use crate::entities::station;
use crate::entities::{case, case_event, category};
use crate::error::{AppError, AppResult};
use crate::services::books::ledgers::Period;
use crate::services::cases::flow::status_of;
use crate::services::context::Ctx;
use crate::services::insight::stats::{self, GroupBy, Stats, StatsRequest};
use crate::services::organisation::actor::with_descendants;
use crate::services::organisation::stations;
use crate::services::privacy::cipher::Cipher;

/// Disclosed cases per page.
pub const PER_PAGE: u64 = 20;
/// Progress notes shown per case, the latest.
pub const PROGRESS_NOTES: usize = 3;

#[derive(Debug, Clone, PartialEq)]
pub struct ProgressNote {
    pub at: DateTime<Utc>,
    pub note: String,
}

/// One disclosed case as the public reads it.
#[derive(Debug, Clone, PartialEq)]
pub struct DisclosedCase {
    pub received_at: DateTime<Utc>,
    pub category: Option<String>,
    /// Redacted.
    pub location: Option<String>,
    /// What the resident wrote, redacted.
    pub content: String,
    pub status: CaseStatus,
    /// 承诺: the deadline the station committed to.
    pub due_at: DateTime<Utc>,
    /// 计划·进度: the latest public progress notes, newest first, redacted.
    pub progress: Vec<ProgressNote>,
    /// 结果: the answer, once given (redacted), and when.
    pub reply: Option<String>,
    pub replied_at: Option<DateTime<Utc>>,
}

async fn station_condition(db: &impl ConnectionTrait, station_id: i32) -> AppResult<Condition> {
    Ok(match with_descendants(db, &[station_id]).await?.ids() {
        Some(ids) => Condition::all().add(case::Column::StationId.is_in(ids)),
        None => Condition::all(),
    })
}

/// The year of the station's first case (local time), for the list of years to read.
#[tracing::instrument(skip_all, fields(station_id = station_id))]
pub async fn first_year(db: &impl ConnectionTrait, station_id: i32, tz: chrono_tz::Tz) -> AppResult<Option<i32>> {
    let first: Option<DateTime<Utc>> = case::Entity::find()
        .select_only()
        .expr(Func::min(Expr::col(case::Column::ReceivedAt)))
        .filter(station_condition(db, station_id).await?)
        .into_tuple::<Option<DateTime<Utc>>>()
        .one(db)
        .await?
        .flatten();
    Ok(first.map(|at| at.with_timezone(&tz).year()))
}

/// The station's disclosed cases (with its points and grids), newest first; merged-away
/// cases are left out (their answer is the case they were merged into).
#[tracing::instrument(skip_all, fields(station_id = station_id))]
pub async fn disclosed(
    db: &impl ConnectionTrait,
    cipher: &Cipher,
    station_id: i32,
    page: PageRequest,
) -> AppResult<Page<DisclosedCase>> {
    let select = case::Entity::find()
        .filter(station_condition(db, station_id).await?)
        .filter(case::Column::Disclosed.eq(true))
        .filter(case::Column::MergedIntoId.is_null());
    let total = select.clone().count(db).await?;
    let records = select
        .order_by_desc(case::Column::ReceivedAt)
        .order_by_desc(case::Column::Id)
        .offset(page.offset())
        .limit(page.per_page)
        .all(db)
        .await?;
    let ids: Vec<i32> = records.iter().map(|r| r.id).collect();
    let mut notes: HashMap<i32, Vec<ProgressNote>> = HashMap::new();
    if !ids.is_empty() {
        let events = case_event::Entity::find()
            .filter(case_event::Column::CaseId.is_in(ids))
            .filter(case_event::Column::Action.eq("progress"))
            .filter(case_event::Column::Public.eq(true))
            .filter(case_event::Column::Note.is_not_null())
            .order_by_desc(case_event::Column::At)
            .order_by_desc(case_event::Column::Id)
            .all(db)
            .await?;
        for event in events {
            let list = notes.entry(event.case_id).or_default();
            if list.len() < PROGRESS_NOTES
                && let Some(note) = event.note.filter(|n| !n.trim().is_empty())
            {
                list.push(ProgressNote { at: event.at, note });
            }
        }
    }
    let categories: HashMap<i32, String> =
        category::Entity::find().all(db).await?.into_iter().map(|c| (c.id, c.name)).collect();
    let items = records
        .into_iter()
        .map(|record| {
            let status = status_of(&record);
            // Opened only to cut the name out of what is published.
            let name = cipher.open_opt(record.contact_name.as_ref())?.unwrap_or_default();
            let names = [name.as_str()];
            let answered = matches!(status, CaseStatus::Replied | CaseStatus::Closed | CaseStatus::Archived);
            Ok(DisclosedCase {
                received_at: record.received_at,
                category: categories.get(&record.category_id).cloned(),
                location: record.location.as_deref().map(|l| redact(l, &names)),
                content: redact(&record.content, &names),
                status,
                due_at: record.due_at,
                progress: notes
                    .remove(&record.id)
                    .unwrap_or_default()
                    .into_iter()
                    .map(|n| ProgressNote { at: n.at, note: redact(&n.note, &names) })
                    .collect(),
                reply: record.reply.as_deref().filter(|_| answered).map(|r| redact(r, &names)),
                replied_at: record.replied_at.filter(|_| answered),
            })
        })
        .collect::<AppResult<_>>()?;
    Ok(Page { items, total, request: page })
}

/// The whole report of one station for one year.
pub struct Report {
    /// Totals and one group per month of the period.
    pub stats: Stats,
    /// The years with a report, newest first.
    pub years: Vec<i32>,
    pub disclosed: Page<DisclosedCase>,
}

/// The station's figures for the period month by month (`services::stats`, the same figures
/// its staff read), the years to choose from and a page of its disclosed cases.
#[tracing::instrument(skip_all, fields(station_id = station_id))]
pub async fn report(
    db: &impl ConnectionTrait,
    cipher: &Cipher,
    station_id: i32,
    period: Period,
    tz: chrono_tz::Tz,
    now: DateTime<Utc>,
    page: PageRequest,
) -> AppResult<Report> {
    let request =
        StatsRequest { station_id: Some(station_id), deputy_id: None, period, group_by: Some(GroupBy::Month), tz, now };
    let stats = stats::public_stats(db, station_id, request).await?;
    let this_year = now.with_timezone(&tz).year();
    let years = public_report::years(first_year(db, station_id, tz).await?, this_year);
    let disclosed = disclosed(db, cipher, station_id, PageRequest { per_page: PER_PAGE, ..page }).await?;
    Ok(Report { stats, years, disclosed })
}

/// What the page and the JSON need from a request: the station, the year and the report.
pub struct Found {
    pub station: station::Model,
    pub year: i32,
    pub report: Report,
}

/// The station by its public token (404 for anything else) and its report for the year
/// asked (422 for a year that is not one, or in the future).
#[tracing::instrument(skip_all)]
pub async fn find(ctx: &Ctx, token: &str, year: Option<&str>, page: PageRequest) -> AppResult<Found> {
    if !looks_like_public_token(token) {
        return Err(AppError::NotFound("station"));
    }
    let station = stations::find_by_public_token(&ctx.db, token).await?.ok_or(AppError::NotFound("station"))?;
    let (year, from, to) = year_period(year, ctx.today()).map_err(AppError::field)?;
    let report = report(&ctx.db, &ctx.cipher, station.id, Period { from, to }, ctx.tz, ctx.now, page).await?;
    Ok(Found { station, year, report })
}
