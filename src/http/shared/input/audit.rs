//! Request bodies of audit, shared by the pages and the API.
use crate::domain::field::FieldError;
use crate::error::{AppError, AppResult};
use crate::services::books::ledgers::Period;
use crate::services::context::Ctx;
use crate::services::privacy::audit::AuditFilter;
use crate::services::privacy::audit::ExportFormat;
use serde::Deserialize;
use utoipa::IntoParams;

#[derive(Deserialize, IntoParams, Default)]
pub struct AuditQuery {
    /// First day (YYYY-MM-DD, the service's time zone); with neither `from` nor `to`, all of it.
    pub from: Option<String>,
    /// Last day, included.
    pub to: Option<String>,
    pub action: Option<String>,
    pub user_id: Option<i32>,
    pub target_type: Option<String>,
    pub target_id: Option<i32>,
    /// `json` (default, paged), `csv` or `xlsx` (everything that matches, at most 100,000 lines).
    pub format: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AuditFormat {
    Json,
    Csv,
    Xlsx,
}

impl AuditFormat {
    /// The file format of a download; `None` for the JSON list.
    pub fn file(self) -> Option<ExportFormat> {
        match self {
            AuditFormat::Json => None,
            AuditFormat::Csv => Some(ExportFormat::Csv),
            AuditFormat::Xlsx => Some(ExportFormat::Xlsx),
        }
    }

    pub fn parse(raw: Option<&str>) -> AppResult<AuditFormat> {
        match raw.map(str::trim).unwrap_or("") {
            "" | "json" => Ok(AuditFormat::Json),
            "csv" => Ok(AuditFormat::Csv),
            "xlsx" => Ok(AuditFormat::Xlsx),
            _ => Err(AppError::field(FieldError::invalid("format", "json, csv or xlsx"))),
        }
    }
}

/// The filter the query asks for; the period in the service's time zone.
pub fn filter_of(ctx: &Ctx, query: &AuditQuery) -> AppResult<AuditFilter> {
    let given = |raw: &Option<String>| raw.as_deref().map(str::trim).filter(|s| !s.is_empty()).map(str::to_string);
    let (from, to) = (given(&query.from), given(&query.to));
    let bounds = if from.is_none() && to.is_none() {
        None
    } else {
        Some(Period::parse(from.as_deref(), to.as_deref(), ctx.today())?.bounds(ctx.tz))
    };
    Ok(AuditFilter {
        bounds,
        action: given(&query.action),
        user_id: query.user_id,
        target_type: given(&query.target_type),
        target_id: query.target_id,
    })
}
