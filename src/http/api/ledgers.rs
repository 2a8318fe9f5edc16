//! `/api/v1/stations/{id}/ledgers/{ledger}` and `/api/v1/ledgers/{ledger}`: the station's
//! books as JSON, CSV or XLSX.
use actix_web::http::header;
use actix_web::web::Bytes;
use actix_web::{HttpResponse, get, web};
use futures_util::StreamExt;
use serde::Deserialize;
use tokio::io::AsyncReadExt;
use utoipa::IntoParams;
use utoipa_actix_web::service_config::ServiceConfig;

use crate::error::{AppResult, ErrorBody};
use crate::http::shared::client::ClientInfo;
use crate::services::books::ledgers::{
    self, Ledger, LedgerCode, LedgerScope, OpenRequest, Period,
    render::{self, Format},
};
use crate::services::organisation::actor::Actor;
use crate::state::AppState;

pub fn routes(cfg: &mut ServiceConfig) {
    cfg.service(station_ledger).service(district_ledger);
}

#[derive(Deserialize, IntoParams, Default)]
pub struct LedgerQuery {
    /// First day, `YYYY-MM-DD` in the station's time zone (default: 1 January of `to`'s year).
    pub from: Option<String>,
    /// Last day, included (default: today). At most five years after `from`.
    pub to: Option<String>,
    /// `json` (default), `csv` or `xlsx`.
    pub format: Option<String>,
}

/// Parses the request and opens the ledger (scope, masking, audit), ready to render.
pub async fn open_ledger(
    state: &AppState,
    actor: &Actor,
    code: &str,
    station_id: Option<i32>,
    query: &LedgerQuery,
    format: &str,
    ip: Option<&str>,
) -> AppResult<Ledger> {
    let code = LedgerCode::parse(code)?;
    let scope: LedgerScope = match station_id {
        Some(id) => ledgers::station_scope(&state.db, actor, id).await?,
        None => ledgers::district_scope(actor)?,
    };
    let tz = state.settings.time_zone();
    let now = state.clock.now();
    let period = Period::parse(query.from.as_deref(), query.to.as_deref(), now.with_timezone(&tz).date_naive())?;
    ledgers::open(
        &state.db,
        OpenRequest { actor, code, scope, period, tz, now, ip, format, cipher: state.cipher.clone() },
    )
    .await
}

/// RFC 5987 encoding for `filename*`.
fn encode_filename(name: &str) -> String {
    let mut out = String::with_capacity(name.len() * 3);
    for byte in name.bytes() {
        match byte {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => out.push(byte as char),
            _ => out.push_str(&format!("%{byte:02X}")),
        }
    }
    out
}

/// The ledger in the asked format: JSON and CSV streamed batch by batch, XLSX written to a
/// temporary file in constant memory and then streamed from it.
pub async fn respond(state: &AppState, ledger: Ledger, format: Format) -> AppResult<HttpResponse> {
    let (filename, ascii) = render::filenames(&ledger, format);
    let mut response = HttpResponse::Ok();
    response.content_type(format.content_type()).insert_header((header::CACHE_CONTROL, "no-store"));
    if format != Format::Json {
        response.insert_header((
            header::CONTENT_DISPOSITION,
            format!("attachment; filename=\"{ascii}\"; filename*=UTF-8''{}", encode_filename(&filename)),
        ));
    }
    match format {
        Format::Json | Format::Csv => {
            // Headers are sent by now: a failure ends the body early, and is logged.
            let body = render::stream(ledger, format).map(|chunk| {
                chunk.map(Bytes::from).map_err(|error| {
                    error.log();
                    std::io::Error::other(error.to_string())
                })
            });
            Ok(response.streaming(body))
        }
        Format::Xlsx => {
            let file = render::xlsx(ledger, state.settings.data_dir.join("tmp")).await?;
            let file = tokio::fs::File::from_std(file);
            let body = futures_util::stream::try_unfold(file, read_chunk);
            Ok(response.streaming(body))
        }
    }
}

/// The next 64 KiB of a file.
async fn read_chunk(mut file: tokio::fs::File) -> std::io::Result<Option<(Bytes, tokio::fs::File)>> {
    let mut buffer = vec![0u8; 64 * 1024];
    let n = file.read(&mut buffer).await?;
    if n == 0 {
        return Ok(None);
    }
    buffer.truncate(n);
    Ok(Some((Bytes::from(buffer), file)))
}

async fn export(
    state: &AppState,
    actor: &Actor,
    client: &ClientInfo,
    code: &str,
    station_id: Option<i32>,
    query: &LedgerQuery,
) -> AppResult<HttpResponse> {
    let format = Format::parse(query.format.as_deref())?;
    let ledger = open_ledger(state, actor, code, station_id, query, format.as_str(), Some(&client.ip)).await?;
    respond(state, ledger, format).await
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
    state: web::Data<AppState>,
    actor: Actor,
    client: ClientInfo,
    path: web::Path<(i32, String)>,
    query: web::Query<LedgerQuery>,
) -> AppResult<HttpResponse> {
    let (id, code) = path.into_inner();
    export(&state, &actor, &client, &code, Some(id), &query).await
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
    state: web::Data<AppState>,
    actor: Actor,
    client: ClientInfo,
    code: web::Path<String>,
    query: web::Query<LedgerQuery>,
) -> AppResult<HttpResponse> {
    export(&state, &actor, &client, &code, None, &query).await
}
