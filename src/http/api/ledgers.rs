//! `/api/v1/stations/{id}/ledgers/{ledger}` and `/api/v1/ledgers/{ledger}`: the station's
//! books as JSON, CSV or XLSX.
use actix_web::{HttpResponse, get, web};
use utoipa_actix_web::service_config::ServiceConfig;

use crate::error::{AppResult, ErrorBody};
use crate::http::shared::client::ClientInfo;
use crate::http::shared::input::ledgers::LedgerQuery;
use crate::http::shared::ledger_response;
use crate::services::books::ledgers::render::Format;
use crate::services::books::ledgers::request::{self, LedgerAsk};
use crate::services::context::Ctx;
use crate::services::organisation::actor::Actor;

pub fn routes(cfg: &mut ServiceConfig) {
    cfg.service(station_ledger).service(district_ledger);
}

async fn export(
    ctx: &Ctx,
    actor: &Actor,
    client: &ClientInfo,
    code: &str,
    station_id: Option<i32>,
    query: &LedgerQuery,
) -> AppResult<HttpResponse> {
    let format = Format::parse(query.format.as_deref())?;
    let ask = LedgerAsk {
        code,
        station_id,
        from: query.from.as_deref(),
        to: query.to.as_deref(),
        format: format.as_str(),
        ip: Some(&client.ip),
    };
    let ledger = request::open_asked(ctx, actor, ask).await?;
    ledger_response::respond(ledger, format, ctx.settings.data_dir.join("tmp")).await
}

/// One of the station's books (十有五簿四册) for a period, for the station with its points
/// and grids: `ten-haves`, `activities`, `reports`, `suggestions`, `performance`, `reception-log`,
/// `roster`, `attendance`, `contact-cards` or `case-ledger`; any other name is 404.
/// JSON is `{"ledger","title","station":{"id","name"},"from","to","masked","columns":[{"key","title","type"}],
/// "items":[[cell, …], …],"total"}` with one array per row in the order of `columns`; CSV is
/// UTF-8 with a BOM and Chinese headings; XLSX has real date cells and a frozen heading row.
/// Managers see residents' contacts (and deputies' phones) unmasked, which is audited;
/// viewers see them masked; administrators see contacts masked and phones unmasked.
#[utoipa::path(
    tag = "ledgers",
    params(("id" = i32, Path), ("ledger" = String, Path), LedgerQuery),
    responses(
        (status = 200, description = "The ledger in the asked format", content(
            (Object = "application/json"), (String = "text/csv"), (Vec<u8> = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
        )),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)
    ),
    security(("bearer" = []))
)]
#[get("/stations/{id}/ledgers/{ledger}")]
pub async fn station_ledger(
    ctx: Ctx,
    actor: Actor,
    client: ClientInfo,
    path: web::Path<(i32, String)>,
    query: web::Query<LedgerQuery>,
) -> AppResult<HttpResponse> {
    let (id, code) = path.into_inner();
    export(&ctx, &actor, &client, &code, Some(id), &query).await
}

/// A ledger over every station of the district (administrators).
#[utoipa::path(
    tag = "ledgers",
    params(("ledger" = String, Path), LedgerQuery),
    responses(
        (status = 200, description = "The ledger in the asked format", content(
            (Object = "application/json"), (String = "text/csv"), (Vec<u8> = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
        )),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)
    ),
    security(("bearer" = []))
)]
#[get("/ledgers/{ledger}")]
pub async fn district_ledger(
    ctx: Ctx,
    actor: Actor,
    client: ClientInfo,
    code: web::Path<String>,
    query: web::Query<LedgerQuery>,
) -> AppResult<HttpResponse> {
    export(&ctx, &actor, &client, &code, None, &query).await
}
