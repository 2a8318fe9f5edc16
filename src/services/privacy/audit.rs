//! The audit log: who did what to which record, when, from where. Never holds the personal
//! data itself, only that it was seen or changed.
use std::collections::{BTreeSet, HashMap};

use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder, QuerySelect,
    Set,
};

use crate::domain::field::{FieldError, Problem};
use crate::domain::page::{Page, PageRequest};
use crate::entities::{app_user as user, audit_log};
use crate::error::{AppError, AppResult};
use crate::services::context::Ctx;
use crate::services::organisation::actor::Actor;
use crate::services::support::file::{self, FileDownload};
use crate::services::support::xlsx::Book;

#[tracing::instrument(skip_all)]
pub async fn record(
    db: &impl ConnectionTrait,
    at: DateTime<Utc>,
    user_id: Option<i32>,
    action: &str,
    target: Option<(&str, Option<i32>)>,
    detail: Option<&str>,
    ip: Option<&str>,
) -> AppResult<()> {
    audit_log::ActiveModel {
        at: Set(at),
        user_id: Set(user_id),
        action: Set(action.to_string()),
        target_type: Set(target.map(|(kind, _)| kind.to_string())),
        target_id: Set(target.and_then(|(_, id)| id)),
        detail: Set(detail.map(str::to_string)),
        ip: Set(ip.map(str::to_string)),
        ..Default::default()
    }
    .insert(db)
    .await?;
    Ok(())
}

/// The longest audit export: a year of a busy district is far below it.
pub const MAX_EXPORT: u64 = 100_000;

/// What an administrator asks of the audit log.
#[derive(Debug, Clone, Default)]
pub struct AuditFilter {
    /// `[start, end)` in UTC.
    pub bounds: Option<(DateTime<Utc>, DateTime<Utc>)>,
    pub action: Option<String>,
    pub user_id: Option<i32>,
    pub target_type: Option<String>,
    pub target_id: Option<i32>,
}

/// One line of the audit log with the account's username.
#[derive(Debug, Clone, PartialEq)]
pub struct AuditEntry {
    pub entry: audit_log::Model,
    pub username: Option<String>,
}

fn filtered(filter: &AuditFilter) -> sea_orm::Select<audit_log::Entity> {
    let mut select = audit_log::Entity::find();
    if let Some((start, end)) = filter.bounds {
        select = select.filter(audit_log::Column::At.gte(start)).filter(audit_log::Column::At.lt(end));
    }
    if let Some(action) = &filter.action {
        select = select.filter(audit_log::Column::Action.eq(action.clone()));
    }
    if let Some(user_id) = filter.user_id {
        select = select.filter(audit_log::Column::UserId.eq(user_id));
    }
    if let Some(kind) = &filter.target_type {
        select = select.filter(audit_log::Column::TargetType.eq(kind.clone()));
    }
    if let Some(id) = filter.target_id {
        select = select.filter(audit_log::Column::TargetId.eq(id));
    }
    select.order_by_desc(audit_log::Column::At).order_by_desc(audit_log::Column::Id)
}

/// The log is for administrators only: it tells who looked at whose data.
fn require_admin(actor: &Actor) -> AppResult<()> {
    if actor.is_admin() { Ok(()) } else { Err(AppError::forbidden("the audit log is for administrators")) }
}

async fn with_usernames(db: &impl ConnectionTrait, entries: Vec<audit_log::Model>) -> AppResult<Vec<AuditEntry>> {
    let ids: Vec<i32> = entries.iter().filter_map(|e| e.user_id).collect::<BTreeSet<_>>().into_iter().collect();
    let names: HashMap<i32, String> = if ids.is_empty() {
        HashMap::new()
    } else {
        user::Entity::find()
            .select_only()
            .columns([user::Column::Id, user::Column::Username])
            .filter(user::Column::Id.is_in(ids))
            .into_tuple::<(i32, String)>()
            .all(db)
            .await?
            .into_iter()
            .collect()
    };
    Ok(entries
        .into_iter()
        .map(|entry| AuditEntry { username: entry.user_id.and_then(|id| names.get(&id).cloned()), entry })
        .collect())
}

/// A page of the log, newest first.
#[tracing::instrument(skip_all, fields(user_id = actor.user_id))]
pub async fn list(
    db: &impl ConnectionTrait,
    actor: &Actor,
    filter: &AuditFilter,
    page: PageRequest,
) -> AppResult<Page<AuditEntry>> {
    require_admin(actor)?;
    let select = filtered(filter);
    let total = select.clone().count(db).await?;
    let rows = select.offset(page.offset()).limit(page.per_page).all(db).await?;
    Ok(Page { items: with_usernames(db, rows).await?, total, request: page })
}

/// Every line the filter matches (newest first, at most [`MAX_EXPORT`]; 422 beyond, so an
/// export is never silently cut), and the export itself written to the log.
#[tracing::instrument(skip_all, fields(user_id = actor.user_id))]
pub async fn export(
    db: &impl ConnectionTrait,
    actor: &Actor,
    filter: &AuditFilter,
    at: DateTime<Utc>,
    format: &str,
    ip: Option<&str>,
) -> AppResult<Vec<AuditEntry>> {
    require_admin(actor)?;
    let select = filtered(filter);
    let total = select.clone().count(db).await?;
    if total > MAX_EXPORT {
        return Err(AppError::field(FieldError::new(
            "from",
            Problem::Described(format!("{total} entries match; narrow the period to at most {MAX_EXPORT}")),
        )));
    }
    let rows = select.all(db).await?;
    record(db, at, Some(actor.user_id), "export_audit_log", None, Some(&format!("{format}, {total} entries")), ip)
        .await?;
    with_usernames(db, rows).await
}

const HEADINGS: [&str; 8] = ["时间", "账号", "操作", "对象类型", "对象编号", "说明", "IP", "序号"];

fn cells(entry: &AuditEntry, tz: chrono_tz::Tz) -> [String; 8] {
    let e = &entry.entry;
    [
        e.at.with_timezone(&tz).format("%Y-%m-%d %H:%M:%S").to_string(),
        entry.username.clone().unwrap_or_default(),
        e.action.clone(),
        e.target_type.clone().unwrap_or_default(),
        e.target_id.map(|id| id.to_string()).unwrap_or_default(),
        e.detail.clone().unwrap_or_default(),
        e.ip.clone().unwrap_or_default(),
        e.id.to_string(),
    ]
}

/// UTF-8 with a BOM for spreadsheet programs; a cell that starts like a formula is quoted.
pub fn csv(entries: &[AuditEntry], tz: chrono_tz::Tz) -> AppResult<Vec<u8>> {
    let mut writer = csv::WriterBuilder::new().from_writer("\u{feff}".as_bytes().to_vec());
    writer.write_record(HEADINGS).map_err(AppError::internal)?;
    for entry in entries {
        let row = cells(entry, tz).map(|cell| match cell.chars().next() {
            Some('=' | '+' | '-' | '@' | '\t' | '\r') => format!("'{cell}"),
            _ => cell,
        });
        writer.write_record(row).map_err(AppError::internal)?;
    }
    writer.into_inner().map_err(|e| AppError::internal(anyhow::anyhow!("csv: {e}")))
}

pub fn xlsx(entries: &[AuditEntry], tz: chrono_tz::Tz) -> AppResult<Vec<u8>> {
    let mut book = Book::new();
    let mut sheet = book.sheet("审计日志")?;
    let widths = [20.0, 14.0, 24.0, 14.0, 10.0, 40.0, 16.0, 10.0];
    let columns: Vec<(&str, f64)> = HEADINGS.iter().copied().zip(widths).collect();
    sheet.columns(0, &columns)?;
    sheet.freeze(1, 0)?;
    for (row, entry) in entries.iter().enumerate() {
        for (col, cell) in cells(entry, tz).iter().enumerate() {
            sheet.text(row + 1, col, cell)?;
        }
    }
    book.to_bytes()
}

/// How the log is downloaded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExportFormat {
    Csv,
    Xlsx,
}

/// The filtered log as a file to download (administrators; the export itself is logged).
#[tracing::instrument(skip_all, fields(user_id = actor.user_id, format = ?format))]
pub async fn export_file(
    ctx: &Ctx,
    actor: &Actor,
    filter: &AuditFilter,
    format: ExportFormat,
    ip: Option<&str>,
) -> AppResult<FileDownload> {
    let kind = if format == ExportFormat::Csv { "csv" } else { "xlsx" };
    let entries = export(&ctx.db, actor, filter, ctx.now, kind, ip).await?;
    let tz = ctx.tz;
    let (bytes, content_type) = match format {
        ExportFormat::Csv => (csv(&entries, tz)?, file::CSV),
        ExportFormat::Xlsx => (file::blocking(move || xlsx(&entries, tz)).await?, file::XLSX),
    };
    let today = ctx.today();
    Ok(FileDownload {
        bytes,
        content_type,
        name: format!("审计日志-{today}.{kind}"),
        ascii_name: format!("audit-log-{today}.{kind}"),
    })
}
