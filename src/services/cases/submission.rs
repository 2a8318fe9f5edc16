//! A resident's submission as both doors take it, the form behind a code and the JSON API:
//! the code is resolved through the scan cache, and the case is filed with the resident's
//! one-time key under the per-address and per-code limits.
use crate::domain::intake::Submission;
use crate::domain::token::looks_like_public_token;
use crate::entities::{deputy, station};
use crate::error::AppResult;
use crate::services::cases::intake::{self, Channel, IntakeContext, IntakeTarget, PhotoRecord, SubmitOutcome};
use crate::services::context::Ctx;
use crate::services::organisation::deputies::QrTarget;
use crate::services::organisation::scan_cache::ScanCache;
use crate::services::organisation::stations;

/// The code a resident came in through.
#[derive(Debug, Clone, Copy)]
pub enum Door<'a> {
    /// A deputy's QR code (`/d/{token}`).
    Deputy(&'a str),
    /// A station's own code (`/s/{token}`).
    Station(&'a str),
}

/// Where a code leads.
pub struct Destination {
    pub target: IntakeTarget,
    pub deputy: Option<deputy::Model>,
    pub station: station::Model,
    /// The deputy's code was rotated (or the deputy left): the station's form takes it.
    pub retired: bool,
}

/// Where a code leads, or `None` when it leads nowhere (never a hint why).
#[tracing::instrument(skip_all)]
pub async fn destination(ctx: &Ctx, cache: &ScanCache, door: Door<'_>) -> AppResult<Option<Destination>> {
    match door {
        Door::Deputy(token) => {
            if !looks_like_public_token(token) {
                return Ok(None);
            }
            let Some(card) = cache.card(&ctx.db, token).await? else {
                return Ok(None);
            };
            let (target, station) = card.as_ref();
            let deputy = match target {
                QrTarget::Deputy(record) => Some(record.as_ref().clone()),
                QrTarget::Retired { .. } => None,
            };
            let target = IntakeTarget { station_id: station.id, deputy_id: deputy.as_ref().map(|d| d.id) };
            Ok(Some(Destination { target, retired: deputy.is_none(), deputy, station: station.clone() }))
        }
        Door::Station(token) => {
            if !looks_like_public_token(token) {
                return Ok(None);
            }
            Ok(stations::find_by_public_token(&ctx.db, token).await?.map(|station| Destination {
                target: IntakeTarget { station_id: station.id, deputy_id: None },
                deputy: None,
                station,
                retired: false,
            }))
        }
    }
}

/// Who sends a submission, as far as the service may know it.
pub struct Resident {
    /// `zh-CN` or `en`: the language they wrote in, for later messages.
    pub lang: &'static str,
    /// The form's or the client's one-time key, if any.
    pub submission_key: Option<String>,
    /// A keyed hash of their address (rate limits without keeping the address).
    pub address_hash: String,
}

/// Files a resident's matter (photos already re-encoded and stored).
#[tracing::instrument(skip_all, fields(station_id = target.station_id, deputy_id = ?target.deputy_id, photos = photos.len()))]
pub async fn submit(
    ctx: &Ctx,
    resident: Resident,
    target: IntakeTarget,
    submission: Submission,
    photos: Vec<PhotoRecord>,
) -> AppResult<SubmitOutcome> {
    let intake = IntakeContext {
        now: ctx.now,
        time_zone: ctx.tz,
        channel: Channel::Qr,
        lang: resident.lang,
        submission_key: resident.submission_key,
        submitter_key: Some(resident.address_hash),
        max_per_address_per_minute: ctx.settings.submit_rate_per_minute,
        max_per_code_per_minute: ctx.settings.submit_rate_per_code_per_minute,
        cipher: &ctx.cipher,
    };
    intake::submit(&ctx.db, &intake, target, submission, photos).await
}
