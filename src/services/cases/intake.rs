//! A resident's submission becomes a case: category → tier, deadline and handling unit, one
//! transaction for the case, its first timeline event and its photos.
use chrono::{DateTime, Duration, Utc};
use chrono_tz::Tz;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter, Set, SqlErr,
    TransactionSession, TransactionTrait,
};

use crate::domain::case_state::CaseStatus;
use crate::domain::deadline::due_at;
use crate::domain::field::{FieldError, Problem};
pub use crate::domain::intake::Channel;
use crate::domain::intake::{CONSENT_VERSION, Submission};
use crate::domain::org::TierCode;
use crate::domain::tracking::TrackingCode;
use crate::entities::{case, case_photo, category, tier};
use crate::error::{AppError, AppResult};
use crate::services::cases::flow::{EventActor, NewEvent, record_event};
use crate::services::organisation::calendar;

/// Where the case goes: a station, and the deputy whose code was scanned (if any).
#[derive(Debug, Clone, Copy)]
pub struct IntakeTarget {
    pub station_id: i32,
    pub deputy_id: Option<i32>,
}

/// A photo already re-encoded and safely stored.
#[derive(Debug, Clone)]
pub struct PhotoRecord {
    pub hash: String,
    pub width: i32,
    pub height: i32,
    pub bytes: i32,
}

pub struct IntakeContext<'a> {
    pub now: DateTime<Utc>,
    pub time_zone: Tz,
    pub channel: Channel,
    /// `zh-CN` or `en`: the language the resident wrote in, for later messages.
    pub lang: &'static str,
    /// The form's one-time key (a second post of one form returns the first case).
    pub submission_key: Option<String>,
    /// Keyed hash of the client address, and how many cases it may open per minute.
    pub submitter_key: Option<String>,
    pub max_per_address_per_minute: u64,
    /// How many cases one code (deputy or station) may receive per minute.
    pub max_per_code_per_minute: u64,
    /// Seals the resident's name and phone.
    pub cipher: &'a crate::services::privacy::cipher::Cipher,
}

pub struct SubmitOutcome {
    pub case: case::Model,
    /// False when the same form had already been submitted.
    pub created: bool,
}

async fn by_submission_key(db: &impl ConnectionTrait, key: &str) -> AppResult<Option<case::Model>> {
    Ok(case::Entity::find().filter(case::Column::SubmissionKey.eq(key)).one(db).await?)
}

/// The case a key was first used for, if it was used for this very submission; a key used
/// for anything else is refused (422), never answered with another resident's case.
fn same_submission(existing: case::Model, fingerprint: &str) -> AppResult<SubmitOutcome> {
    if existing.submission_fingerprint.as_deref() == Some(fingerprint) {
        return Ok(SubmitOutcome { case: existing, created: false });
    }
    Err(AppError::field(FieldError::new(
        "submission_key",
        Problem::Described("this key was already used for another submission; send a new key".into()),
    )))
}

async fn unused_tracking_code(db: &impl ConnectionTrait) -> AppResult<TrackingCode> {
    // 60 random bits: a collision is astronomically rare, but checking costs one lookup.
    for _ in 0..5 {
        let code = TrackingCode::generate();
        if case::Entity::find().filter(case::Column::TrackingCode.eq(code.as_str())).count(db).await? == 0 {
            return Ok(code);
        }
    }
    Err(AppError::internal(anyhow::anyhow!("could not find an unused tracking code")))
}

fn too_many(message: &str) -> AppError {
    AppError::TooManyRequests { retry_after_secs: 60, message: message.to_string() }
}

/// Per-address and per-code limits, counted in the database so they hold across processes.
async fn check_rate(db: &impl ConnectionTrait, ctx: &IntakeContext<'_>, target: IntakeTarget) -> AppResult<()> {
    let since = ctx.now - Duration::minutes(1);
    if ctx.max_per_address_per_minute > 0
        && let Some(key) = ctx.submitter_key.as_deref()
    {
        let recent = case::Entity::find()
            .filter(case::Column::SubmitterKey.eq(key))
            .filter(case::Column::ReceivedAt.gt(since))
            .count(db)
            .await?;
        if recent >= ctx.max_per_address_per_minute {
            return Err(too_many("too many submissions from this network just now; please try again in a minute"));
        }
    }
    if ctx.max_per_code_per_minute > 0 {
        let mut recent = case::Entity::find().filter(case::Column::ReceivedAt.gt(since));
        recent = match target.deputy_id {
            Some(deputy_id) => recent.filter(case::Column::DeputyId.eq(deputy_id)),
            None => {
                recent.filter(case::Column::StationId.eq(target.station_id)).filter(case::Column::DeputyId.is_null())
            }
        };
        if recent.count(db).await? >= ctx.max_per_code_per_minute {
            return Err(too_many("this code is receiving too many submissions just now; please try again in a minute"));
        }
    }
    Ok(())
}

#[tracing::instrument(skip_all)]
pub async fn submit<C: ConnectionTrait + TransactionTrait>(
    db: &C,
    ctx: &IntakeContext<'_>,
    target: IntakeTarget,
    submission: Submission,
    photos: Vec<PhotoRecord>,
) -> AppResult<SubmitOutcome> {
    let fingerprint = submission.fingerprint(target.station_id, target.deputy_id);
    if let Some(key) = ctx.submission_key.as_deref()
        && let Some(existing) = by_submission_key(db, key).await?
    {
        return same_submission(existing, &fingerprint);
    }
    check_rate(db, ctx, target).await?;
    let category = category::Entity::find_by_id(submission.category_id)
        .filter(category::Column::Active.eq(true))
        .one(db)
        .await?
        .ok_or_else(|| AppError::field(FieldError::unknown("category_id")))?;
    let tier_code: TierCode = category.default_tier;
    let tier = tier::Entity::find_by_id(tier_code)
        .one(db)
        .await?
        .ok_or_else(|| AppError::internal(anyhow::anyhow!("tier {tier_code} missing")))?;
    let work_calendar = calendar::load(db).await?;
    let days = |n: i32| u32::try_from(n).unwrap_or(0);
    let first_response_due_at = due_at(&work_calendar, ctx.time_zone, ctx.now, days(tier.first_response_days));
    let due = due_at(&work_calendar, ctx.time_zone, ctx.now, days(tier.resolve_days));
    let tracking_code = unused_tracking_code(db).await?;
    let contact = &submission.contact;

    let txn = db.begin().await?;
    let inserted = case::ActiveModel {
        tracking_code: Set(tracking_code.as_str().to_string()),
        status: Set(CaseStatus::Submitted),
        version: Set(1),
        channel: Set(ctx.channel),
        station_id: Set(target.station_id),
        deputy_id: Set(target.deputy_id),
        category_id: Set(category.id),
        tier: Set(tier_code),
        unit_id: Set(category.default_unit_id),
        content: Set(submission.content.as_str().to_string()),
        location: Set(submission.place.text.clone()),
        latitude: Set(submission.place.coordinates.map(|c| c.0)),
        longitude: Set(submission.place.coordinates.map(|c| c.1)),
        contact_name: Set(ctx.cipher.seal_opt(contact.name())),
        contact_phone: Set(contact.phone().map(|p| ctx.cipher.seal(&p.to_string()))),
        contact_phone_hash: Set(contact.phone().map(|p| ctx.cipher.phone_hash(p))),
        anonymous: Set(matches!(contact, crate::domain::intake::Contact::Anonymous)),
        wants_callback: Set(contact.wants_callback()),
        consent_version: Set(CONSENT_VERSION.to_string()),
        lang: Set(ctx.lang.to_string()),
        received_at: Set(ctx.now),
        first_response_due_at: Set(first_response_due_at),
        due_at: Set(due),
        key_supervision: Set(false),
        disclosed: Set(false),
        overdue: Set(false),
        reopened_count: Set(0),
        submission_key: Set(ctx.submission_key.clone()),
        submission_fingerprint: Set(ctx.submission_key.as_ref().map(|_| fingerprint.clone())),
        submitter_key: Set(ctx.submitter_key.clone()),
        created_at: Set(ctx.now),
        updated_at: Set(ctx.now),
        ..Default::default()
    }
    .insert(&txn)
    .await;
    let created = match inserted {
        Ok(created) => created,
        Err(error) => {
            // The same form posted twice at once: the other request stored it first.
            if matches!(error.sql_err(), Some(SqlErr::UniqueConstraintViolation(_)))
                && let Some(key) = ctx.submission_key.as_deref()
            {
                drop(txn);
                if let Some(existing) = by_submission_key(db, key).await? {
                    return same_submission(existing, &fingerprint);
                }
            }
            return Err(error.into());
        }
    };
    record_event(
        &txn,
        NewEvent {
            case_id: created.id,
            at: ctx.now,
            actor: EventActor::Resident,
            action: "submitted",
            from: None,
            to: Some(CaseStatus::Submitted),
            note: None,
            public: true,
        },
    )
    .await?;
    crate::services::notices::outbox::case_notice(
        &txn,
        ctx.now,
        &created,
        crate::services::notices::outbox::CaseNotice::Submitted,
    )
    .await?;
    let mut seen = std::collections::HashSet::new();
    for photo in photos.into_iter().filter(|p| seen.insert(p.hash.clone())) {
        case_photo::ActiveModel {
            case_id: Set(created.id),
            event_id: Set(None),
            hash: Set(photo.hash),
            width: Set(photo.width),
            height: Set(photo.height),
            bytes: Set(photo.bytes),
            created_at: Set(ctx.now),
            ..Default::default()
        }
        .insert(&txn)
        .await?;
    }
    txn.commit().await?;
    Ok(SubmitOutcome { case: created, created: true })
}
