//! `/app/audit`: the audit log for administrators, newest first, filtered by period, action,
//! account and record; `/app/audit.csv` and `/app/audit.xlsx` download what the filter
//! matches. The same service as `GET /api/v1/audit`; everyone else gets 403.
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use serde::Deserialize;

use crate::domain::page::PageRequest;
use crate::error::AppError;
use crate::http::pages::home::Nav;
use crate::http::pages::session::StaffSession;
use crate::http::pages::{PageError, html};
use crate::http::shared::client::ClientInfo;
use crate::http::shared::download;
use crate::http::shared::i18n::Lang;
use crate::http::shared::input::audit::{AuditQuery, filter_of};
use crate::services::context::Ctx;
use crate::services::privacy::audit;
use crate::services::privacy::audit::ExportFormat;
use crate::state::AppState;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(web::resource("/app/audit").route(web::get().to(index)))
        .service(web::resource("/app/audit.csv").route(web::get().to(download_csv)))
        .service(web::resource("/app/audit.xlsx").route(web::get().to(download_xlsx)));
}

const PER_PAGE: u64 = 50;

#[derive(Deserialize, Default)]
pub struct AuditPageQuery {
    from: Option<String>,
    to: Option<String>,
    action: Option<String>,
    user_id: Option<String>,
    target_type: Option<String>,
    target_id: Option<String>,
    page: Option<u64>,
}

impl AuditPageQuery {
    /// The API's query; an id that is not a number is 422 for that field.
    fn parsed(&self) -> Result<AuditQuery, AppError> {
        let id = |field: &'static str, raw: &Option<String>| match raw.as_deref().map(str::trim) {
            None | Some("") => Ok(None),
            Some(text) => text
                .parse::<i32>()
                .map(Some)
                .map_err(|_| AppError::field(crate::domain::field::FieldError::invalid(field, "a number"))),
        };
        Ok(AuditQuery {
            from: self.from.clone(),
            to: self.to.clone(),
            action: self.action.clone(),
            user_id: id("user_id", &self.user_id)?,
            target_type: self.target_type.clone(),
            target_id: id("target_id", &self.target_id)?,
            format: None,
        })
    }

    /// The filter as a query string (without the page), for links.
    fn href_query(&self) -> String {
        let pairs = [
            ("from", &self.from),
            ("to", &self.to),
            ("action", &self.action),
            ("user_id", &self.user_id),
            ("target_type", &self.target_type),
            ("target_id", &self.target_id),
        ];
        pairs
            .iter()
            .filter_map(|(k, v)| v.as_deref().map(str::trim).filter(|v| !v.is_empty()).map(|v| (k, v)))
            .map(|(k, v)| format!("{k}={}", download::encode(v)))
            .collect::<Vec<_>>()
            .join("&")
    }
}

struct Line {
    at: String,
    username: String,
    action: String,
    target: String,
    detail: String,
    ip: String,
}

#[derive(Template)]
#[template(path = "app/audit.html")]
struct AuditPage {
    lang: Lang,
    nav: Nav,
    from: String,
    to: String,
    action: String,
    user_id: String,
    target_type: String,
    target_id: String,
    /// Why the filter could not be used (the typed values are kept).
    problem: Option<String>,
    lines: Vec<Line>,
    total: u64,
    page: u64,
    prev_href: Option<String>,
    next_href: Option<String>,
    csv_href: String,
    xlsx_href: String,
}

pub async fn index(
    req: HttpRequest,
    state: web::Data<AppState>,
    lang: Lang,
    session: StaffSession,
    query: web::Query<AuditPageQuery>,
) -> Result<HttpResponse, PageError> {
    let actor = session.0;
    if !actor.is_admin() {
        return Err(PageError::from(AppError::forbidden("the audit log is for administrators")));
    }
    let typed = |raw: &Option<String>| raw.clone().unwrap_or_default();
    let filter_query = query.href_query();
    let link = |page: u64| {
        let mut href = format!("/app/audit?page={page}");
        if !filter_query.is_empty() {
            href.push('&');
            href.push_str(&filter_query);
        }
        href
    };
    let mut page = AuditPage {
        lang,
        nav: Nav::new(&req, &actor, lang),
        from: typed(&query.from),
        to: typed(&query.to),
        action: typed(&query.action),
        user_id: typed(&query.user_id),
        target_type: typed(&query.target_type),
        target_id: typed(&query.target_id),
        problem: None,
        lines: Vec::new(),
        total: 0,
        page: query.page.unwrap_or(1).max(1),
        prev_href: None,
        next_href: None,
        csv_href: format!("/app/audit.csv?{filter_query}"),
        xlsx_href: format!("/app/audit.xlsx?{filter_query}"),
    };
    let filter = query.parsed().and_then(|q| filter_of(&state.ctx(), &q));
    let filter = match filter {
        Ok(filter) => filter,
        Err(error @ AppError::Validation(_)) => {
            page.problem = Some(match &error {
                AppError::Validation(fields) => fields
                    .iter()
                    .map(|f| format!("{}: {}", f.field, lang.field_message(f)))
                    .collect::<Vec<_>>()
                    .join("; "),
                _ => String::new(),
            });
            let mut response = html(page.render()?);
            *response.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
            return Ok(response);
        }
        Err(error) => return Err(PageError::from(error)),
    };
    let request = PageRequest { page: page.page, per_page: PER_PAGE };
    let found = audit::list(&state.db, &actor, &filter, request).await?;
    let tz = state.settings.time_zone();
    page.total = found.total;
    page.prev_href = (page.page > 1).then(|| link(page.page - 1));
    page.next_href = (page.page * PER_PAGE < found.total).then(|| link(page.page + 1));
    page.lines = found
        .items
        .into_iter()
        .map(|entry| {
            let e = entry.entry;
            Line {
                at: e.at.with_timezone(&tz).format("%Y-%m-%d %H:%M:%S").to_string(),
                username: entry.username.unwrap_or_else(|| "—".to_string()),
                action: e.action,
                target: match (e.target_type, e.target_id) {
                    (Some(kind), Some(id)) => format!("{kind} #{id}"),
                    (Some(kind), None) => kind,
                    _ => String::new(),
                },
                detail: e.detail.unwrap_or_default(),
                ip: e.ip.unwrap_or_default(),
            }
        })
        .collect();
    Ok(html(page.render()?))
}

async fn export(
    req: HttpRequest,
    ctx: Ctx,
    session: StaffSession,
    query: web::Query<AuditPageQuery>,
    format: ExportFormat,
) -> Result<HttpResponse, PageError> {
    let filter = query.parsed().and_then(|q| filter_of(&ctx, &q))?;
    let ip = ClientInfo::of(&req).ip;
    Ok(download::file(audit::export_file(&ctx, &session.0, &filter, format, Some(&ip)).await?))
}

pub async fn download_csv(
    req: HttpRequest,
    ctx: Ctx,
    session: StaffSession,
    query: web::Query<AuditPageQuery>,
) -> Result<HttpResponse, PageError> {
    export(req, ctx, session, query, ExportFormat::Csv).await
}

pub async fn download_xlsx(
    req: HttpRequest,
    ctx: Ctx,
    session: StaffSession,
    query: web::Query<AuditPageQuery>,
) -> Result<HttpResponse, PageError> {
    export(req, ctx, session, query, ExportFormat::Xlsx).await
}
