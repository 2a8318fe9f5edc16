//! Hot topics (热点难点) of a period and the likely duplicates of one case, over the cases the
//! actor may read. The grouping itself is `domain::topics`; this reads the cases and names
//! the groups.
//!
//! Counted: cases received in the period, except rejected ones, withdrawn ones and those
//! merged into another (their resident is answered by the case they were merged into, which
//! is counted).
use std::collections::HashMap;

use chrono::{DateTime, Utc};
use sea_orm::{ColumnTrait, Condition, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect, Select};

use crate::domain::case_state::CaseStatus;
use crate::domain::role::Role;
use crate::domain::topics::{self, Prepared, TopicText};
use crate::entities::{case, category, station};
use crate::error::{AppError, AppResult};
use crate::services::cases::access;
use crate::services::cases::deadlines::open_statuses;
use crate::services::organisation::actor::{Actor, with_descendants};
use crate::services::support::xlsx::{self, Book, PageHeader, formats};

/// At most this many topics are returned.
pub const MAX_LIMIT: usize = 100;
pub const DEFAULT_LIMIT: usize = 20;
/// At most this many likely duplicates.
pub const SIMILAR_LIMIT: usize = 10;

#[derive(Debug, Clone, PartialEq)]
pub struct Topic {
    pub label: String,
    pub count: usize,
    /// Ascending.
    pub case_ids: Vec<i32>,
    /// The category most of its cases have.
    pub category: Option<String>,
    pub first_at: DateTime<Utc>,
    pub last_at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct HotTopics {
    /// Topics of two cases or more, largest first (then the most recent).
    pub topics: Vec<Topic>,
    /// Cases in scope and period that were grouped.
    pub cases_considered: usize,
}

/// Cases not counted as a resident's matter of their own.
fn counted() -> Condition {
    Condition::all()
        .add(case::Column::Status.ne(CaseStatus::Rejected.as_str()))
        .add(case::Column::MergedIntoId.is_null())
        .add(Condition::any().add(case::Column::CloseReason.is_null()).add(case::Column::CloseReason.ne("withdrawn")))
}

/// The cases the actor may read, narrowed to one station with its points and grids when asked:
/// 404 for a station the actor may not see (a manager: the stations they manage).
async fn scope(db: &impl ConnectionTrait, actor: &Actor, station_id: Option<i32>) -> AppResult<Condition> {
    let mut condition = access::readable(db, actor).await?.unwrap_or_else(Condition::all);
    if let Some(id) = station_id {
        let visible = match actor.role {
            Role::Manager => actor.managed_stations(db).await?,
            _ => actor.readable_stations(db).await?,
        };
        if !visible.contains(id) || station::Entity::find_by_id(id).one(db).await?.is_none() {
            return Err(AppError::NotFound("station"));
        }
        if let Some(ids) = with_descendants(db, &[id]).await?.ids() {
            condition = condition.add(case::Column::StationId.is_in(ids));
        }
    }
    Ok(condition)
}

type Row = (i32, String, Option<String>, i32, DateTime<Utc>);

/// The cases, as the topics' [`Row`]s.
fn rows() -> Select<case::Entity> {
    case::Entity::find()
        .select_only()
        .column(case::Column::Id)
        .column(case::Column::Content)
        .column(case::Column::Location)
        .column(case::Column::CategoryId)
        .column(case::Column::ReceivedAt)
}

/// The topics raised in `[start, end)` in the actor's scope (one station's when given).
#[tracing::instrument(skip_all, fields(user_id = actor.user_id))]
pub async fn hot_topics(
    db: &impl ConnectionTrait,
    actor: &Actor,
    station_id: Option<i32>,
    (start, end): (DateTime<Utc>, DateTime<Utc>),
    limit: usize,
) -> AppResult<HotTopics> {
    let condition = scope(db, actor, station_id).await?;
    let rows: Vec<Row> = rows()
        .filter(condition)
        .filter(counted())
        .filter(case::Column::ReceivedAt.gte(start))
        .filter(case::Column::ReceivedAt.lt(end))
        .order_by_asc(case::Column::Id)
        .into_tuple()
        .all(db)
        .await?;
    let categories: HashMap<i32, String> =
        category::Entity::find().all(db).await?.into_iter().map(|c| (c.id, c.name)).collect();
    let limit = limit.clamp(1, MAX_LIMIT);
    // Grouping 100,000 texts takes a CPU for a while: not on the server's async workers.
    tokio::task::spawn_blocking(move || group(&rows, &categories, limit)).await.map_err(AppError::internal)
}

fn group(rows: &[Row], categories: &HashMap<i32, String>, limit: usize) -> HotTopics {
    let texts: Vec<TopicText> = rows
        .iter()
        .map(|(_, content, location, category_id, _)| TopicText {
            content,
            category_id: Some(*category_id),
            place: location.as_deref(),
        })
        .collect();
    let groups = topics::cluster(&texts);
    let mut out: Vec<Topic> = groups
        .into_iter()
        .filter(|members| members.len() >= 2)
        .map(|members| {
            let cases: Vec<&Row> = members.iter().map(|&i| &rows[i]).collect();
            let mut category_counts: HashMap<i32, usize> = HashMap::new();
            for (_, _, _, category_id, _) in &cases {
                *category_counts.entry(*category_id).or_default() += 1;
            }
            let category = category_counts
                .into_iter()
                .max_by(|a, b| a.1.cmp(&b.1).then(b.0.cmp(&a.0)))
                .and_then(|(id, _)| categories.get(&id).cloned());
            // A label from a sample: a topic of 10,000 copies needs no 10,000-text vote.
            let sample: Vec<&str> = cases.iter().take(200).map(|(_, content, ..)| content.as_str()).collect();
            let mut case_ids: Vec<i32> = cases.iter().map(|(id, ..)| *id).collect();
            case_ids.sort_unstable();
            let received = cases.iter().map(|(.., at)| *at);
            Topic {
                label: topics::label(&sample),
                count: cases.len(),
                case_ids,
                category,
                first_at: received.clone().min().unwrap_or_default(),
                last_at: received.max().unwrap_or_default(),
            }
        })
        .collect();
    out.sort_by(|a, b| b.count.cmp(&a.count).then(b.last_at.cmp(&a.last_at)).then(a.case_ids.cmp(&b.case_ids)));
    out.truncate(limit);
    HotTopics { topics: out, cases_considered: rows.len() }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Similar {
    pub case: case::Model,
    /// 0–1: text similarity with the category and place boosts.
    pub score: f64,
}

/// Open cases of the same station (as far as the actor may read them) that are likely about
/// the same thing as case `id`, most alike first. 404 when the actor may not read the case.
#[tracing::instrument(skip_all, fields(user_id = actor.user_id, id = id))]
pub async fn similar(db: &impl ConnectionTrait, actor: &Actor, id: i32) -> AppResult<Vec<Similar>> {
    let record = access::get(db, actor, id).await?;
    let scope = access::readable(db, actor).await?.unwrap_or_else(Condition::all);
    let candidates: Vec<Row> = rows()
        .filter(scope)
        .filter(case::Column::StationId.eq(record.station_id))
        .filter(case::Column::Status.is_in(open_statuses()))
        .filter(case::Column::MergedIntoId.is_null())
        .filter(case::Column::Id.ne(record.id))
        .into_tuple()
        .all(db)
        .await?;
    let target = Prepared::new(&TopicText {
        content: &record.content,
        category_id: Some(record.category_id),
        place: record.location.as_deref(),
    });
    let mut found: Vec<(i32, f64)> = tokio::task::spawn_blocking(move || {
        candidates
            .iter()
            .filter_map(|(id, content, location, category_id, _)| {
                let other =
                    Prepared::new(&TopicText { content, category_id: Some(*category_id), place: location.as_deref() });
                let score = topics::similarity(&target, &other);
                (score >= topics::THRESHOLD).then_some((*id, score))
            })
            .collect()
    })
    .await
    .map_err(AppError::internal)?;
    found.sort_by(|a, b| b.1.partial_cmp(&a.1).unwrap_or(std::cmp::Ordering::Equal).then(a.0.cmp(&b.0)));
    found.truncate(SIMILAR_LIMIT);
    if found.is_empty() {
        return Ok(Vec::new());
    }
    let ids: Vec<i32> = found.iter().map(|(id, _)| *id).collect();
    let mut models: HashMap<i32, case::Model> = case::Entity::find()
        .filter(case::Column::Id.is_in(ids))
        .all(db)
        .await?
        .into_iter()
        .map(|m| (m.id, m))
        .collect();
    Ok(found.into_iter().filter_map(|(id, score)| models.remove(&id).map(|case| Similar { case, score })).collect())
}

/// A case of a topic as the topics page lists it.
#[derive(Debug, Clone, PartialEq)]
pub struct TopicCase {
    pub id: i32,
    pub status: CaseStatus,
    pub received_at: DateTime<Utc>,
}

/// The status and receipt of the first `per_topic` cases of each topic (they are in the
/// actor's scope already: `hot_topics` found them there), by id.
#[tracing::instrument(skip_all)]
pub async fn topic_cases(
    db: &impl ConnectionTrait,
    found: &HotTopics,
    per_topic: usize,
) -> AppResult<HashMap<i32, TopicCase>> {
    let ids: Vec<i32> = found.topics.iter().flat_map(|t| t.case_ids.iter().take(per_topic).copied()).collect();
    let mut out = HashMap::new();
    for chunk in ids.chunks(500) {
        let rows: Vec<(i32, CaseStatus, DateTime<Utc>)> = case::Entity::find()
            .select_only()
            .column(case::Column::Id)
            .column(case::Column::Status)
            .column(case::Column::ReceivedAt)
            .filter(case::Column::Id.is_in(chunk.to_vec()))
            .into_tuple()
            .all(db)
            .await?;
        for (id, status, received_at) in rows {
            out.insert(id, TopicCase { id, status, received_at });
        }
    }
    Ok(out)
}

/// The topics as an XLSX workbook: one row per topic, largest first — rank, label, count,
/// category, first and last receipt (local dates), and the case numbers.
pub fn xlsx(found: &HotTopics, place: &str, period: (&str, &str), tz: chrono_tz::Tz) -> AppResult<Vec<u8>> {
    let title = "热点难点";
    let wrap = formats::wrap();
    let mut book = Book::new();
    let mut sheet = book.sheet(title)?;
    let right = xlsx::period(period.0, period.1);
    sheet.printed(PageHeader { place, title, right: &right }).page_numbers().freeze(1, 0)?;
    sheet.columns(
        0,
        &[
            ("序号", 6.0),
            ("热点", 30.0),
            ("件数", 8.0),
            ("类别", 14.0),
            ("最早收到", 12.0),
            ("最近收到", 12.0),
            ("案件编号", 40.0),
        ],
    )?;
    let date = |at: DateTime<Utc>| at.with_timezone(&tz).format("%Y-%m-%d").to_string();
    for (i, topic) in found.topics.iter().enumerate() {
        let row = i + 1;
        let ids = topic.case_ids.iter().map(|id| format!("#{id}")).collect::<Vec<_>>().join("、");
        sheet.number(row, 0, (i + 1) as f64)?;
        sheet.text(row, 1, &topic.label)?;
        sheet.number(row, 2, topic.count as f64)?;
        sheet.text(row, 3, topic.category.as_deref().unwrap_or(""))?;
        sheet.text(row, 4, &date(topic.first_at))?;
        sheet.text(row, 5, &date(topic.last_at))?;
        sheet.text_as(row, 6, &ids, &wrap)?;
    }
    book.to_bytes()
}
