//! A ledger as a person asks for it: a book's code, a station (or the whole district), the
//! period's ends as typed, and what the export is for.
use crate::error::AppResult;
use crate::services::books::ledgers::{self, Ledger, LedgerCode, LedgerScope, OpenRequest, Period};
use crate::services::context::Ctx;
use crate::services::organisation::actor::Actor;

/// What was asked: the book, the station (`None`: every station, administrators), the
/// period's first and last day as typed (defaults: the year so far).
pub struct LedgerAsk<'a> {
    pub code: &'a str,
    pub station_id: Option<i32>,
    pub from: Option<&'a str>,
    pub to: Option<&'a str>,
    /// `json`, `csv`, `xlsx` or `print`, for the audit log.
    pub format: &'a str,
    pub ip: Option<&'a str>,
}

/// Parses the request and opens the ledger (scope, masking, audit), ready to render. An
/// unknown book is 404, a station outside the actor's reach 404, a bad period 422.
#[tracing::instrument(skip_all, fields(user_id = actor.user_id, ledger = ask.code, station_id = ?ask.station_id))]
pub async fn open_asked(ctx: &Ctx, actor: &Actor, ask: LedgerAsk<'_>) -> AppResult<Ledger> {
    let code = LedgerCode::parse(ask.code)?;
    let scope: LedgerScope = match ask.station_id {
        Some(id) => ledgers::station_scope(&ctx.db, actor, id).await?,
        None => ledgers::district_scope(actor)?,
    };
    let period = Period::parse(ask.from, ask.to, ctx.today())?;
    let request = OpenRequest {
        actor,
        code,
        scope,
        period,
        tz: ctx.tz,
        now: ctx.now,
        ip: ask.ip,
        format: ask.format,
        cipher: ctx.cipher.clone(),
    };
    ledgers::open(&ctx.db, request).await
}
