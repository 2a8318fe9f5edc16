//! Reading cases: the queues (scoped by role, filtered, paginated), the counts on top of them,
//! and one case in full — with the resident's contact unmasked only for those handling it,
//! each such view written to the audit log.
use chrono::{DateTime, Utc};
use sea_orm::sea_query::{Alias, Expr, Func};
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, DbBackend, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder,
    QuerySelect, Select,
};

use crate::domain::case_state::CaseStatus;
use crate::domain::org::TierCode;
use crate::domain::page::{Page, PageRequest};
use crate::entities::{case, case_event, case_photo, category, deputy, extension_request, station, unit};
use crate::error::AppResult;
use crate::services::cases::access;
use crate::services::cases::deadlines::{open_statuses, overdue_condition};
use crate::services::insight::figures::Figure;
use crate::services::organisation::actor::Actor;
use crate::services::privacy::{audit, cipher::Cipher};
use crate::services::support::paging::{contains, count};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum CaseSort {
    /// Overdue and soonest due first: what needs doing next.
    #[default]
    Due,
    /// Newest first.
    Received,
}

#[derive(Debug, Clone, Default)]
pub struct CaseFilter {
    pub statuses: Vec<CaseStatus>,
    pub station_id: Option<i32>,
    pub deputy_id: Option<i32>,
    pub category_id: Option<i32>,
    pub unit_id: Option<i32>,
    pub tier: Option<TierCode>,
    pub overdue: Option<bool>,
    /// Open and due before this moment (the "due soon" horizon).
    pub due_before: Option<DateTime<Utc>>,
    pub key_supervision: Option<bool>,
    pub disclosed: Option<bool>,
    /// Text in the resident's words, the place or the tracking code.
    pub q: Option<String>,
    /// `q` read as a phone: its lookup hash (see `with_phone_lookup`).
    pub q_phone_hash: Option<String>,
    /// Received in `[start, end)`: the period of a statistic.
    pub received: Option<(DateTime<Utc>, DateTime<Utc>)>,
    /// Of any of these stations (a station with its points and grids).
    pub station_ids: Option<Vec<i32>>,
    /// Counted in this figure of the statistics (the drill-down from a number).
    pub figure: Option<Figure>,
    pub sort: CaseSort,
}

async fn scoped(db: &impl ConnectionTrait, actor: &Actor) -> AppResult<Select<case::Entity>> {
    Ok(within(access::readable(db, actor).await?))
}

fn within(scope: Option<Condition>) -> Select<case::Entity> {
    let select = case::Entity::find();
    match scope {
        Some(condition) => select.filter(condition),
        None => select,
    }
}

/// Above this many matching cases, a page is read by walking the deadline index rather than
/// sorting the scope.
const LARGE_RESULT: u64 = 2_000;

/// The scope marked as "true for most cases" for SQLite's planner. It cannot tell a scope
/// holding half the cases from one holding a few, and for a large one it sorts the whole
/// scope (seconds at a million cases) where walking the deadline index finds the first page
/// at once. We know which it is: the count comes first.
fn likely(scope: Condition) -> Condition {
    // A typed function call: its arguments are bound like any other (a custom SQL string with
    // a `$1` placeholder is not substituted on SQLite, which lost the scope).
    // SQLite wants the probability as a literal, not a bound value.
    let call = Func::cust(Alias::new("likelihood")).arg(Expr::from(scope)).arg(Expr::cust("0.9"));
    Condition::all().add(Expr::from(call))
}
fn filtered(mut select: Select<case::Entity>, filter: &CaseFilter, now: DateTime<Utc>) -> Select<case::Entity> {
    if !filter.statuses.is_empty() {
        select = select.filter(case::Column::Status.is_in(filter.statuses.iter().map(|s| s.as_str())));
    }
    if let Some(id) = filter.station_id {
        select = select.filter(case::Column::StationId.eq(id));
    }
    if let Some(id) = filter.deputy_id {
        select = select.filter(case::Column::DeputyId.eq(id));
    }
    if let Some(id) = filter.category_id {
        select = select.filter(case::Column::CategoryId.eq(id));
    }
    if let Some(id) = filter.unit_id {
        select = select.filter(case::Column::UnitId.eq(id));
    }
    if let Some(tier) = filter.tier {
        select = select.filter(case::Column::Tier.eq(tier.as_str()));
    }
    match filter.overdue {
        Some(true) => select = select.filter(overdue_condition(now)),
        Some(false) => select = select.filter(Condition::not(overdue_condition(now))),
        None => {}
    }
    if let Some(before) = filter.due_before {
        select = select
            .filter(case::Column::Status.is_in(open_statuses()))
            .filter(case::Column::DueAt.gte(now))
            .filter(case::Column::DueAt.lt(before));
    }
    if let Some(flag) = filter.key_supervision {
        select = select.filter(case::Column::KeySupervision.eq(flag));
    }
    if let Some(flag) = filter.disclosed {
        select = select.filter(case::Column::Disclosed.eq(flag));
    }
    if let Some(q) = filter.q.as_deref().map(str::trim).filter(|q| !q.is_empty()) {
        let code = q.replace('-', "").to_uppercase();
        let mut any = Condition::any()
            .add(contains(case::Column::Content, q))
            .add(contains(case::Column::Location, q))
            .add(case::Column::TrackingCode.eq(code));
        // The phone is sealed: it is found by equality on its keyed hash, never by a pattern.
        if let Some(hash) = &filter.q_phone_hash {
            any = any.add(case::Column::ContactPhoneHash.eq(hash.clone()));
        }
        select = select.filter(any);
    }
    if let Some((start, end)) = filter.received {
        select = select.filter(case::Column::ReceivedAt.gte(start)).filter(case::Column::ReceivedAt.lt(end));
    }
    if let Some(ids) = &filter.station_ids {
        select = select.filter(case::Column::StationId.is_in(ids.clone()));
    }
    if let Some(condition) = filter.figure.and_then(|f| f.condition(now)) {
        select = select.filter(condition);
    }
    match filter.sort {
        CaseSort::Due => select.order_by_asc(case::Column::DueAt).order_by_asc(case::Column::Id),
        CaseSort::Received => select.order_by_desc(case::Column::ReceivedAt).order_by_desc(case::Column::Id),
    }
}

#[tracing::instrument(skip_all, fields(user_id = actor.user_id))]
pub async fn list(
    db: &impl ConnectionTrait,
    actor: &Actor,
    now: DateTime<Utc>,
    filter: &CaseFilter,
    page: PageRequest,
) -> AppResult<Page<case::Model>> {
    let scope = access::readable(db, actor).await?;
    let total = count(db, filtered(within(scope.clone()), filter, now)).await?;
    let scope = match scope {
        Some(condition) if total > LARGE_RESULT && db.get_database_backend() == DbBackend::Sqlite => {
            Some(likely(condition))
        }
        other => other,
    };
    let items = filtered(within(scope), filter, now).offset(page.offset()).limit(page.per_page).all(db).await?;
    Ok(Page { items, total, request: page })
}

/// The numbers on top of a queue.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, utoipa::ToSchema)]
pub struct QueueCounts {
    /// Cases in each status.
    pub by_status: std::collections::BTreeMap<String, u64>,
    pub open: u64,
    pub overdue: u64,
    pub due_soon: u64,
    pub key_supervision: u64,
}

#[tracing::instrument(skip_all, fields(user_id = actor.user_id))]
pub async fn counts(
    db: &impl ConnectionTrait,
    actor: &Actor,
    now: DateTime<Utc>,
    soon: DateTime<Utc>,
) -> AppResult<QueueCounts> {
    let base = scoped(db, actor).await?;
    let mut counts = QueueCounts::default();
    // One count per status rather than a GROUP BY: each is a range over a covering
    // (scope, status, due) index, where SQLite would otherwise walk the table in status order.
    for status in CaseStatus::ALL {
        let n = count(db, base.clone().filter(case::Column::Status.eq(status.as_str()))).await?;
        if n == 0 {
            continue;
        }
        if status.is_open() {
            counts.open += n;
        }
        counts.by_status.insert(status.as_str().to_string(), n);
    }
    let open = Condition::all().add(case::Column::Status.is_in(open_statuses()));
    counts.overdue = count(db, base.clone().filter(overdue_condition(now))).await?;
    counts.due_soon = count(
        db,
        base.clone().filter(open.clone()).filter(case::Column::DueAt.gte(now)).filter(case::Column::DueAt.lt(soon)),
    )
    .await?;
    counts.key_supervision = count(db, base.filter(open).filter(case::Column::KeySupervision.eq(true))).await?;
    Ok(counts)
}

/// The resident's contact as this reader may see it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ContactView {
    pub name: Option<String>,
    pub phone: Option<String>,
    pub masked: bool,
}

impl CaseFilter {
    /// Lets `q` also find the cases from a phone, when it is one.
    pub fn with_phone_lookup(mut self, cipher: &Cipher) -> Self {
        self.q_phone_hash = self
            .q
            .as_deref()
            .and_then(|q| crate::domain::phone::Phone::parse("q", q).ok())
            .map(|phone| cipher.phone_hash(&phone));
        self
    }
}

pub fn masked_contact(cipher: &Cipher, record: &case::Model) -> AppResult<ContactView> {
    Ok(ContactView {
        name: cipher.open_opt(record.contact_name.as_ref())?.as_deref().map(crate::domain::person::mask_name),
        phone: cipher.open_opt(record.contact_phone.as_ref())?.as_deref().map(crate::domain::phone::mask_phone),
        masked: true,
    })
}

/// The contact in full, for those who handle the case (the caller records the view).
pub fn full_contact(cipher: &Cipher, record: &case::Model) -> AppResult<ContactView> {
    Ok(ContactView {
        name: cipher.open_opt(record.contact_name.as_ref())?,
        phone: cipher.open_opt(record.contact_phone.as_ref())?,
        masked: false,
    })
}

pub struct CaseDetail {
    pub case: case::Model,
    pub contact: ContactView,
    pub events: Vec<case_event::Model>,
    pub photos: Vec<case_photo::Model>,
    pub extensions: Vec<extension_request::Model>,
    pub station: Option<station::Model>,
    pub deputy: Option<deputy::Model>,
    pub unit: Option<unit::Model>,
    pub category: Option<category::Model>,
    /// How many duplicates were merged into this case: their residents read its answer.
    pub merged_in: u64,
}

/// One case in full. Reading the resident's contact unmasked is recorded in the audit log.
#[tracing::instrument(skip_all, fields(user_id = actor.user_id, id = id))]
pub async fn detail(
    db: &impl ConnectionTrait,
    cipher: &Cipher,
    actor: &Actor,
    id: i32,
    now: DateTime<Utc>,
    ip: Option<&str>,
) -> AppResult<CaseDetail> {
    let record = access::get(db, actor, id).await?;
    let has_contact = record.contact_name.is_some() || record.contact_phone.is_some();
    let contact = if has_contact && access::handles(db, actor, &record).await? {
        audit::record(db, now, Some(actor.user_id), "view_contact", Some(("case", Some(record.id))), None, ip).await?;
        full_contact(cipher, &record)?
    } else {
        masked_contact(cipher, &record)?
    };
    let events = case_event::Entity::find()
        .filter(case_event::Column::CaseId.eq(record.id))
        .order_by_asc(case_event::Column::At)
        .order_by_asc(case_event::Column::Id)
        .all(db)
        .await?;
    let photos = case_photo::Entity::find()
        .filter(case_photo::Column::CaseId.eq(record.id))
        .order_by_asc(case_photo::Column::Id)
        .all(db)
        .await?;
    let extensions = extension_request::Entity::find()
        .filter(extension_request::Column::CaseId.eq(record.id))
        .order_by_asc(extension_request::Column::Id)
        .all(db)
        .await?;
    Ok(CaseDetail {
        station: station::Entity::find_by_id(record.station_id).one(db).await?,
        deputy: match record.deputy_id {
            Some(id) => deputy::Entity::find_by_id(id).one(db).await?,
            None => None,
        },
        unit: match record.unit_id {
            Some(id) => unit::Entity::find_by_id(id).one(db).await?,
            None => None,
        },
        category: category::Entity::find_by_id(record.category_id).one(db).await?,
        merged_in: case::Entity::find().filter(case::Column::MergedIntoId.eq(record.id)).count(db).await?,
        contact,
        events,
        photos,
        extensions,
        case: record,
    })
}

/// The moment before which an open case counts as due soon.
#[tracing::instrument(skip_all)]
pub async fn soon_horizon(
    db: &impl ConnectionTrait,
    settings: &crate::config::Settings,
    now: DateTime<Utc>,
) -> AppResult<DateTime<Utc>> {
    let work_calendar = crate::services::organisation::calendar::load(db).await?;
    Ok(crate::domain::deadline::due_at(&work_calendar, settings.time_zone(), now, settings.due_soon_working_days))
}

#[cfg(test)]
mod tests {
    use sea_orm::{ColumnTrait, Condition, DbBackend, EntityTrait, QueryFilter, QueryTrait};

    use super::likely;
    use crate::entities::case;

    #[test]
    fn the_likely_scope_keeps_its_condition_and_values() {
        let scope = Condition::any().add(case::Column::StationId.is_in([7, 8])).add(case::Column::DeputyId.eq(9));
        let query = case::Entity::find()
            .filter(likely(scope))
            .filter(case::Column::Status.eq("accepted"))
            .build(DbBackend::Sqlite);
        assert!(
            query.sql.contains(
                "WHERE likelihood(\"cases\".\"station_id\" IN (?, ?) OR \"cases\".\"deputy_id\" = ?, 0.9) AND"
            ),
            "{}",
            query.sql
        );
        assert_eq!(query.values.as_ref().map_or(0, |v| v.0.len()), 4, "{:?}", query.values);
    }
}
