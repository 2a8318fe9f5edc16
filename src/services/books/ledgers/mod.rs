//! The station's books (十有五簿四册) as views over the data: which ledger, for which
//! stations and period, who may read it, and its rows as typed cells. Rendering to JSON,
//! CSV and XLSX lives in `render`; every format reads the rows in keyset-paginated batches,
//! so an export of any size never holds more than one batch in memory.
pub mod activities;
pub mod attendance;
pub mod cases;
pub mod contacts;
pub mod performance;
pub mod reception;
pub mod render;
pub mod reports;
pub mod request;
pub mod roster;
pub mod suggestions;
pub mod ten_haves;

use std::borrow::Cow;
use std::str::FromStr;

use chrono::{DateTime, Datelike, Days, NaiveDate, NaiveDateTime, NaiveTime, TimeZone, Utc};
use sea_orm::{ConnectionTrait, DatabaseConnection, EntityTrait};

use crate::domain::field::FieldError;
use crate::domain::role::Role;
use crate::entities::station;
use crate::error::{AppError, AppResult};
use crate::services::organisation::actor::{Actor, StationScope, with_descendants};
use crate::services::privacy::audit;

/// Rows read from the database at a time.
pub const BATCH: u64 = 2_000;
/// The longest period one export may cover.
pub const MAX_PERIOD_DAYS: u64 = 5 * 366;

/// The ledgers of the station standard, by their code names.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum LedgerCode {
    TenHaves,
    Activities,
    Reports,
    Suggestions,
    Performance,
    ReceptionLog,
    Roster,
    Attendance,
    ContactCards,
    CaseLedger,
}

impl LedgerCode {
    pub const ALL: &'static [LedgerCode] = &[
        LedgerCode::TenHaves,
        LedgerCode::Activities,
        LedgerCode::Reports,
        LedgerCode::Suggestions,
        LedgerCode::Performance,
        LedgerCode::ReceptionLog,
        LedgerCode::Roster,
        LedgerCode::Attendance,
        LedgerCode::ContactCards,
        LedgerCode::CaseLedger,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            LedgerCode::TenHaves => "ten-haves",
            LedgerCode::Activities => "activities",
            LedgerCode::Reports => "reports",
            LedgerCode::Suggestions => "suggestions",
            LedgerCode::Performance => "performance",
            LedgerCode::ReceptionLog => "reception-log",
            LedgerCode::Roster => "roster",
            LedgerCode::Attendance => "attendance",
            LedgerCode::ContactCards => "contact-cards",
            LedgerCode::CaseLedger => "case-ledger",
        }
    }

    /// The book's own title.
    pub fn title_zh(self) -> &'static str {
        match self {
            LedgerCode::TenHaves => "联络站“十有”建设情况",
            LedgerCode::Activities => "人大代表活动登记簿",
            LedgerCode::Reports => "代表述职登记簿",
            LedgerCode::Suggestions => "建议办理情况登记簿",
            LedgerCode::Performance => "履职情况登记簿",
            LedgerCode::ReceptionLog => "人大代表接待选民来访登记簿",
            LedgerCode::Roster => "五级人大代表花名册",
            LedgerCode::Attendance => "人大代表参加活动情况登记表",
            LedgerCode::ContactCards => "民情联系卡",
            LedgerCode::CaseLedger => "意见建议办理台账",
        }
    }

    pub fn title_en(self) -> &'static str {
        match self {
            LedgerCode::TenHaves => "The ten haves",
            LedgerCode::Activities => "Deputy activities",
            LedgerCode::Reports => "Deputies' reports to voters",
            LedgerCode::Suggestions => "Suggestions and their handling",
            LedgerCode::Performance => "Performance of duties",
            LedgerCode::ReceptionLog => "Reception of visiting voters",
            LedgerCode::Roster => "Roster of deputies",
            LedgerCode::Attendance => "Attendance at activities",
            LedgerCode::ContactCards => "Contact cards",
            LedgerCode::CaseLedger => "Cases and their handling",
        }
    }

    /// Whether the rows depend on the period (the roster and the ten haves are the registers
    /// as they stand).
    pub fn uses_period(self) -> bool {
        !matches!(self, LedgerCode::Roster | LedgerCode::TenHaves)
    }

    /// The code, or 404 for a name that is no ledger at all.
    pub fn parse(raw: &str) -> AppResult<LedgerCode> {
        raw.parse().map_err(|_| AppError::NotFound("ledger"))
    }
}

impl FromStr for LedgerCode {
    type Err = ();

    fn from_str(s: &str) -> Result<Self, ()> {
        LedgerCode::ALL.iter().copied().find(|code| code.as_str() == s).ok_or(())
    }
}

/// A period of whole days in the station's time zone, both ends included.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Period {
    pub from: NaiveDate,
    pub to: NaiveDate,
}

impl Period {
    /// From `from`/`to` (`YYYY-MM-DD`); by default the year so far. 422 for a date that is
    /// not one, an end before the start, or more than five years.
    pub fn parse(from: Option<&str>, to: Option<&str>, today: NaiveDate) -> AppResult<Period> {
        let mut errors = Vec::new();
        let mut date = |field: &'static str, raw: Option<&str>| match raw.map(str::trim).filter(|s| !s.is_empty()) {
            None => None,
            Some(text) => match NaiveDate::parse_from_str(text, "%Y-%m-%d") {
                Ok(day) => Some(day),
                Err(_) => {
                    errors.push(FieldError::invalid(field, "a date like 2026-03-31"));
                    None
                }
            },
        };
        let parsed_to = date("to", to);
        let parsed_from = date("from", from);
        if !errors.is_empty() {
            return Err(AppError::Validation(errors));
        }
        let to = parsed_to.unwrap_or(today);
        let from = parsed_from.unwrap_or_else(|| NaiveDate::from_ymd_opt(to.year(), 1, 1).unwrap_or(to));
        if to < from {
            return Err(AppError::field(FieldError::new(
                "to",
                crate::domain::field::Problem::Described("must not be before from".into()),
            )));
        }
        if (to - from).num_days() as u64 >= MAX_PERIOD_DAYS {
            return Err(AppError::field(FieldError::new(
                "to",
                crate::domain::field::Problem::Described("a period may cover at most five years".into()),
            )));
        }
        Ok(Period { from, to })
    }

    /// The UTC instants `[start, end)` covering the period's days in `tz`.
    pub fn bounds(&self, tz: chrono_tz::Tz) -> (DateTime<Utc>, DateTime<Utc>) {
        let local = |day: NaiveDate| {
            let midnight = NaiveDateTime::new(day, NaiveTime::MIN);
            tz.from_local_datetime(&midnight)
                .earliest()
                .map(|t| t.with_timezone(&Utc))
                .unwrap_or_else(|| midnight.and_utc())
        };
        let end = self.to.checked_add_days(Days::new(1)).unwrap_or(self.to);
        (local(self.from), local(end))
    }
}

/// What a column holds, which decides how each format writes it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CellKind {
    Text,
    Integer,
    Date,
    DateTime,
    /// A whole percentage, 0–100.
    Percent,
}

impl CellKind {
    pub fn as_str(self) -> &'static str {
        match self {
            CellKind::Text => "text",
            CellKind::Integer => "integer",
            CellKind::Date => "date",
            CellKind::DateTime => "datetime",
            CellKind::Percent => "percent",
        }
    }
}

/// A column of a ledger. Most ledgers have fixed columns (`col` in a `const`); some, like the
/// attendance matrix, build theirs from the data when opened.
#[derive(Debug, Clone)]
pub struct Column {
    /// A stable snake_case name for programs.
    pub key: Cow<'static, str>,
    /// The book's own heading.
    pub title: Cow<'static, str>,
    pub kind: CellKind,
    /// In characters, for the spreadsheet.
    pub width: f64,
}

const fn col(key: &'static str, title: &'static str, kind: CellKind, width: f64) -> Column {
    Column { key: Cow::Borrowed(key), title: Cow::Borrowed(title), kind, width }
}

impl Column {
    /// A column made at run time.
    pub fn owned(key: String, title: String, kind: CellKind, width: f64) -> Column {
        Column { key: Cow::Owned(key), title: Cow::Owned(title), kind, width }
    }
}

/// One cell of a row; dates are already in the station's time zone.
#[derive(Debug, Clone, PartialEq)]
pub enum Cell {
    Empty,
    Text(String),
    Integer(i64),
    Date(NaiveDate),
    DateTime(NaiveDateTime),
    Percent(i32),
}

impl Cell {
    pub fn text(value: impl Into<String>) -> Cell {
        Cell::Text(value.into())
    }

    pub fn opt_text(value: Option<impl Into<String>>) -> Cell {
        value.map_or(Cell::Empty, |v| Cell::Text(v.into()))
    }

    /// The cell as plain text (CSV, the print view).
    pub fn display(&self) -> String {
        match self {
            Cell::Empty => String::new(),
            Cell::Text(text) => text.clone(),
            Cell::Integer(n) => n.to_string(),
            Cell::Date(day) => day.format("%Y-%m-%d").to_string(),
            Cell::DateTime(at) => at.format("%Y-%m-%d %H:%M").to_string(),
            Cell::Percent(p) => format!("{p}%"),
        }
    }
}

pub type Row = Vec<Cell>;

/// Every row of a small table (stations, deputies, categories, units) as id → name, read once
/// per export so the rows need no join.
async fn names<E: EntityTrait>(
    db: &DatabaseConnection,
    id: E::Column,
    name: E::Column,
) -> AppResult<std::collections::HashMap<i32, String>> {
    use sea_orm::QuerySelect;
    let rows: Vec<(i32, String)> = E::find().select_only().column(id).column(name).into_tuple().all(db).await?;
    Ok(rows.into_iter().collect())
}

/// Where a ledger's read stands. Rows come in batches in `(key, id)` order, each batch after
/// the last row read, so that it continues along the index instead of sorting what is left
/// again.
struct Keyset<V> {
    after: Option<(V, i32)>,
    done: bool,
}

impl<V> Default for Keyset<V> {
    fn default() -> Self {
        Keyset { after: None, done: false }
    }
}

impl<V: Into<sea_orm::Value> + Clone> Keyset<V> {
    /// The next batch of `select` in `(key, id)` order; `None` once every row was read.
    /// `position` is a row's `(key, id)`.
    async fn next<E: EntityTrait>(
        &mut self,
        db: &DatabaseConnection,
        select: sea_orm::Select<E>,
        (key, id): (E::Column, E::Column),
        position: impl Fn(&E::Model) -> (V, i32),
    ) -> AppResult<Option<Vec<E::Model>>> {
        use sea_orm::{ColumnTrait, Condition, QueryFilter, QueryOrder, QuerySelect};
        if self.done {
            return Ok(None);
        }
        let select = match self.after.clone() {
            Some((last_key, last_id)) => select.filter(
                Condition::any()
                    .add(key.gt(last_key.clone()))
                    .add(Condition::all().add(key.eq(last_key)).add(id.gt(last_id))),
            ),
            None => select,
        };
        let batch = select.order_by_asc(key).order_by_asc(id).limit(BATCH).all(db).await?;
        Ok(self.advance(batch, position))
    }

    /// Moves past `batch`, the one just read.
    fn advance<M>(&mut self, batch: Vec<M>, position: impl Fn(&M) -> (V, i32)) -> Option<Vec<M>> {
        if (batch.len() as u64) < BATCH {
            self.done = true;
        }
        self.after = Some(position(batch.last()?));
        Some(batch)
    }
}

/// The next batch of the active deputies of `stations` (`None`: all), in id order: the rows
/// of the roster and of the performance ledger.
async fn next_deputies(
    db: &DatabaseConnection,
    stations: Option<&[i32]>,
    read: &mut Keyset<i32>,
) -> AppResult<Option<Vec<crate::entities::deputy::Model>>> {
    use crate::entities::deputy;
    use sea_orm::{ColumnTrait, QueryFilter, QueryOrder, QuerySelect};
    if read.done {
        return Ok(None);
    }
    let after = read.after.map_or(0, |(_, id)| id);
    let select = deputy::Entity::find().filter(deputy::Column::Active.eq(true)).filter(deputy::Column::Id.gt(after));
    let batch = of_stations(select, deputy::Column::StationId, stations)
        .order_by_asc(deputy::Column::Id)
        .limit(BATCH)
        .all(db)
        .await?;
    Ok(read.advance(batch, |d| (d.id, d.id)))
}

/// Those of `select` at `stations` (`None`: all) by their `station` column.
fn of_stations<E: EntityTrait>(
    select: sea_orm::Select<E>,
    station: E::Column,
    stations: Option<&[i32]>,
) -> sea_orm::Select<E> {
    use sea_orm::{ColumnTrait, QueryFilter};
    match stations {
        Some(ids) => select.filter(station.is_in(ids.to_vec())),
        None => select,
    }
}

/// Whose stations a ledger covers: one station with its points and grids, or the district.
#[derive(Debug, Clone)]
pub struct LedgerScope {
    /// `None`: district-wide.
    pub station: Option<station::Model>,
    pub stations: StationScope,
}

/// May this caller read ledgers at all? Deputies and handlers may not.
fn require_reader(actor: &Actor) -> AppResult<()> {
    actor.require(&[Role::Admin, Role::Manager, Role::Viewer])
}

/// The station's ledgers: a manager's own stations, a viewer's readable ones, an
/// administrator's all; 403 for other roles, 404 for a station out of scope.
#[tracing::instrument(skip_all, fields(user_id = actor.user_id, station_id = station_id))]
pub async fn station_scope(db: &impl ConnectionTrait, actor: &Actor, station_id: i32) -> AppResult<LedgerScope> {
    require_reader(actor)?;
    let visible = match actor.role {
        Role::Manager => actor.managed_stations(db).await?,
        _ => actor.readable_stations(db).await?,
    };
    if !visible.contains(station_id) {
        return Err(AppError::NotFound("station"));
    }
    let record = station::Entity::find_by_id(station_id).one(db).await?.ok_or(AppError::NotFound("station"))?;
    let stations = with_descendants(db, &[record.id]).await?;
    Ok(LedgerScope { station: Some(record), stations })
}

/// The whole district: administrators only.
pub fn district_scope(actor: &Actor) -> AppResult<LedgerScope> {
    require_reader(actor)?;
    if !actor.is_admin() {
        return Err(AppError::forbidden("district-wide ledgers are for administrators"));
    }
    Ok(LedgerScope { station: None, stations: StationScope::All })
}

/// A ledger ready to be read: its columns, and the cursor over its rows.
pub struct Ledger {
    pub code: LedgerCode,
    pub title: &'static str,
    pub scope: LedgerScope,
    pub period: Period,
    pub columns: Cow<'static, [Column]>,
    /// Personal data appears masked.
    pub masked: bool,
    pub rows: RowCursor,
}

/// Reads a ledger's rows a batch at a time, in id order.
pub enum RowCursor {
    Cases(cases::CaseRows),
    Roster(roster::RosterRows),
    Visits(reception::VisitRows),
    Reports(reports::ReportRows),
    Contacts(contacts::ContactRows),
    TenHaves(ten_haves::TenHaveRows),
    Performance(performance::PerformanceRows),
    Activities(activities::ActivityRows),
    Attendance(attendance::AttendanceRows),
    Suggestions(suggestions::SuggestionRows),
}

impl RowCursor {
    /// The next batch, or `None` when all rows have been read.
    #[tracing::instrument(skip_all)]
    pub async fn next_batch(&mut self) -> AppResult<Option<Vec<Row>>> {
        match self {
            RowCursor::Cases(rows) => rows.next_batch().await,
            RowCursor::Roster(rows) => rows.next_batch().await,
            RowCursor::Visits(rows) => rows.next_batch().await,
            RowCursor::Reports(rows) => rows.next_batch().await,
            RowCursor::Contacts(rows) => rows.next_batch().await,
            RowCursor::TenHaves(rows) => rows.next_batch().await,
            RowCursor::Performance(rows) => rows.next_batch().await,
            RowCursor::Activities(rows) => rows.next_batch().await,
            RowCursor::Attendance(rows) => rows.next_batch().await,
            RowCursor::Suggestions(rows) => rows.next_batch().await,
        }
    }
}

pub struct OpenRequest<'a> {
    pub actor: &'a Actor,
    pub code: LedgerCode,
    pub scope: LedgerScope,
    pub period: Period,
    pub tz: chrono_tz::Tz,
    pub now: DateTime<Utc>,
    pub ip: Option<&'a str>,
    /// What the export is (`json`, `csv`, `xlsx`, `print`), for the audit log.
    pub format: &'a str,
    /// Opens residents' names and phones.
    pub cipher: std::sync::Arc<crate::services::privacy::cipher::Cipher>,
}

/// Opens a ledger for reading. Unmasked personal data (a manager reading the case ledger
/// of their own station: they handle its cases) is written to the audit log once per export.
#[tracing::instrument(skip_all)]
pub async fn open(db: &DatabaseConnection, request: OpenRequest<'_>) -> AppResult<Ledger> {
    let OpenRequest { actor, code, scope, period, tz, now, ip, format, cipher } = request;
    // Managers handle every case of the stations they manage; administrators and viewers
    // read residents' contacts masked, as everywhere else. The roster is an official
    // register: deputies' phones are masked for viewers only.
    let (columns, rows, masked): (Cow<'static, [Column]>, RowCursor, bool) = match code {
        LedgerCode::CaseLedger => {
            let masked = !actor.is(Role::Manager);
            let rows = cases::CaseRows::new(db.clone(), cipher, &scope.stations, period, tz, masked).await?;
            (Cow::Borrowed(cases::COLUMNS), RowCursor::Cases(rows), masked)
        }
        // Activities and attendance hold no personal data beyond deputies' names.
        LedgerCode::Activities => {
            let rows = activities::ActivityRows::new(db.clone(), &scope.stations, period).await?;
            (Cow::Borrowed(activities::COLUMNS), RowCursor::Activities(rows), false)
        }
        LedgerCode::Attendance => {
            let (columns, rows) = attendance::AttendanceRows::open(db.clone(), &scope.stations, period).await?;
            (Cow::Owned(columns), RowCursor::Attendance(rows), false)
        }
        LedgerCode::ReceptionLog => {
            // Visitors' names and phones: in full for the station's managers, as on the log itself.
            let masked = !actor.is(Role::Manager);
            let rows = reception::VisitRows::new(db.clone(), cipher, &scope.stations, period, masked).await?;
            (Cow::Borrowed(reception::COLUMNS), RowCursor::Visits(rows), masked)
        }
        LedgerCode::Reports => {
            let rows = reports::ReportRows::new(db.clone(), &scope.stations, period).await?;
            (Cow::Borrowed(reports::COLUMNS), RowCursor::Reports(rows), false)
        }
        LedgerCode::ContactCards => {
            // Households: in full for the station's managers, as on the records themselves.
            let masked = !actor.is(Role::Manager);
            let rows = contacts::ContactRows::new(db.clone(), cipher, &scope.stations, period, masked).await?;
            (Cow::Borrowed(contacts::COLUMNS), RowCursor::Contacts(rows), masked)
        }
        LedgerCode::Performance => {
            let today = now.with_timezone(&tz).date_naive();
            let rows = performance::PerformanceRows::new(db.clone(), &scope.stations, period, tz, today).await?;
            (Cow::Borrowed(performance::COLUMNS), RowCursor::Performance(rows), false)
        }
        LedgerCode::TenHaves => (
            Cow::Borrowed(ten_haves::COLUMNS),
            RowCursor::TenHaves(ten_haves::TenHaveRows::new(db.clone(), &scope.stations)),
            false,
        ),
        LedgerCode::Suggestions => {
            // No personal data of residents: deputies' and units' names only.
            let today = now.with_timezone(&tz).date_naive();
            let rows = suggestions::SuggestionRows::new(db.clone(), &scope.stations, period, today).await?;
            (Cow::Borrowed(suggestions::COLUMNS), RowCursor::Suggestions(rows), false)
        }
        _ => {
            let masked = actor.is(Role::Viewer);
            let rows = roster::RosterRows::new(db.clone(), &scope.stations, masked).await?;
            (Cow::Borrowed(roster::COLUMNS), RowCursor::Roster(rows), masked)
        }
    };
    if matches!(code, LedgerCode::CaseLedger | LedgerCode::ReceptionLog | LedgerCode::ContactCards) && !masked {
        let target = ("station", scope.station.as_ref().map(|s| s.id));
        let detail = format!("ledger {} {}..{} {format}", code.as_str(), period.from, period.to);
        audit::record(db, now, Some(actor.user_id), "export_ledger_unmasked", Some(target), Some(&detail), ip).await?;
    }
    Ok(Ledger { code, title: code.title_zh(), scope, period, columns, masked, rows })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    #[test]
    fn codes_round_trip() {
        for code in LedgerCode::ALL {
            assert_eq!(code.as_str().parse::<LedgerCode>(), Ok(*code));
        }
        assert!("ledger".parse::<LedgerCode>().is_err());
    }

    #[test]
    fn periods_are_validated() {
        let today = day("2026-03-15");
        assert_eq!(Period::parse(None, None, today).unwrap(), Period { from: day("2026-01-01"), to: today });
        assert!(Period::parse(Some("2026-03-02"), Some("2026-03-01"), today).is_err());
        assert!(Period::parse(Some("2020-01-01"), Some("2026-03-01"), today).is_err());
        assert!(Period::parse(Some("2026-02-30"), None, today).is_err());
        assert!(Period::parse(Some("2026-03-01"), Some("2026-03-01"), today).is_ok());
    }

    #[test]
    fn bounds_are_local_days() {
        let period = Period { from: day("2026-03-01"), to: day("2026-03-31") };
        let (start, end) = period.bounds(chrono_tz::Asia::Shanghai);
        assert_eq!(start.to_rfc3339(), "2026-02-28T16:00:00+00:00");
        assert_eq!(end.to_rfc3339(), "2026-03-31T16:00:00+00:00");
    }
}
