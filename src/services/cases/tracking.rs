//! The resident's side after submitting: what the tracking code shows, and the rating.
use crate::domain::case_decision::CloseReason;
use chrono::{DateTime, Utc};
use sea_orm::{
    ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder, Set, TransactionSession,
    TransactionTrait,
};

use crate::domain::case_state::{CaseAction, CaseStatus, Satisfaction, after_rating, next_status};
use crate::domain::redact::redact;
use crate::domain::tracking::{Rating, TrackingCode};
use crate::entities::{case, case_event, case_photo, category, deputy, station};
use crate::error::{AppError, AppResult};
use crate::services::cases::flow::{EventActor, NewEvent, illegal, record_event, save_versioned, status_of};
use crate::services::notices::outbox::{self, CaseNotice};
use crate::services::privacy::cipher::Cipher;

/// Everything the tracking page may show: nothing personal of anyone.
///
/// A resident whose case was merged into another follows that case's public progress and
/// answer, and sees only their own words: never the other resident's code, text, contact,
/// rating or controls. The other case's staff notes and answer are written for the public
/// (staff are told the answer goes to every merged resident) and are redacted besides.
pub struct PublicCase {
    pub case: case::Model,
    /// The case residents of a merged duplicate follow (its answer is theirs).
    pub followed: Option<case::Model>,
    pub station: Option<station::Model>,
    pub deputy: Option<deputy::Model>,
    pub category: Option<category::Model>,
    /// The public timeline this resident may read, oldest first.
    pub events: Vec<case_event::Model>,
    pub photo_count: u64,
    /// The answer this resident may read, once the case is answered.
    reply: Option<String>,
}

impl PublicCase {
    /// The case whose state the resident sees (the surviving case of a merge).
    pub fn shown(&self) -> &case::Model {
        self.followed.as_ref().unwrap_or(&self.case)
    }

    pub fn status(&self) -> CaseStatus {
        status_of(self.shown())
    }

    pub fn merged(&self) -> bool {
        self.followed.is_some()
    }

    pub fn can_rate(&self) -> bool {
        !self.merged() && self.status() == CaseStatus::Replied
    }

    /// Nobody has acted on it yet: the resident may still take it back.
    pub fn can_withdraw(&self) -> bool {
        !self.merged() && self.status() == CaseStatus::Submitted
    }

    /// The answer, once given.
    pub fn reply(&self) -> Option<&str> {
        self.reply
            .as_deref()
            .filter(|_| matches!(self.status(), CaseStatus::Replied | CaseStatus::Closed | CaseStatus::Archived))
    }

    /// The resident's own rating (a merged resident rated nothing).
    pub fn satisfaction(&self) -> Option<Satisfaction> {
        self.case.satisfaction.filter(|_| !self.merged())
    }

    pub fn solved(&self) -> Option<bool> {
        self.case.solved.filter(|_| !self.merged())
    }
}

/// Events of the followed case that belong to its own resident: their submission, rating,
/// reopening or withdrawal, and the note of what was merged in.
fn belongs_to_other_resident(event: &case_event::Model) -> bool {
    event.actor_role == EventActor::Resident.role()
        || matches!(event.action.as_str(), "submitted" | "merged_in" | "rated" | "reopened" | "withdrawn")
}

#[tracing::instrument(skip_all)]
pub async fn find(db: &impl ConnectionTrait, code: &TrackingCode) -> AppResult<case::Model> {
    case::Entity::find()
        .filter(case::Column::TrackingCode.eq(code.as_str()))
        .one(db)
        .await?
        .ok_or(AppError::NotFound("case"))
}

#[tracing::instrument(skip_all)]
pub async fn public_view(db: &impl ConnectionTrait, cipher: &Cipher, code: &TrackingCode) -> AppResult<PublicCase> {
    let found = find(db, code).await?;
    // Follow a merge chain (short; bounded in case of a corrupt cycle).
    let mut followed: Option<case::Model> = None;
    let mut next = found.merged_into_id;
    for _ in 0..5 {
        let Some(id) = next else { break };
        let target = case::Entity::find_by_id(id).one(db).await?;
        next = target.as_ref().and_then(|t| t.merged_into_id);
        followed = target.or(followed);
    }
    let mut case_ids = vec![found.id];
    if let Some(target) = &followed {
        case_ids.push(target.id);
    }
    let mut events = case_event::Entity::find()
        .filter(case_event::Column::CaseId.is_in(case_ids))
        .filter(case_event::Column::Public.eq(true))
        .order_by_asc(case_event::Column::At)
        .order_by_asc(case_event::Column::Id)
        .all(db)
        .await?;
    let mut reply = found.reply.clone();
    if let Some(target) = &followed {
        // What the other resident may have left in staff texts: their name and numbers.
        let name = cipher.open_opt(target.contact_name.as_ref()).map_err(AppError::internal)?;
        let names: Vec<&str> = name.as_deref().into_iter().collect();
        events.retain(|e| e.case_id == found.id || !belongs_to_other_resident(e));
        for event in events.iter_mut().filter(|e| e.case_id == target.id) {
            event.note = event.note.as_deref().map(|note| redact(note, &names));
        }
        reply = target.reply.as_deref().map(|text| redact(text, &names));
    }
    let shown = followed.as_ref().unwrap_or(&found);
    let photo_count = case_photo::Entity::find().filter(case_photo::Column::CaseId.eq(found.id)).count(db).await?;
    Ok(PublicCase {
        station: station::Entity::find_by_id(shown.station_id).one(db).await?,
        deputy: match found.deputy_id {
            Some(id) => deputy::Entity::find_by_id(id).one(db).await?,
            None => None,
        },
        category: category::Entity::find_by_id(shown.category_id).one(db).await?,
        followed,
        case: found,
        events,
        photo_count,
        reply,
    })
}

/// Records the resident's rating of the reply. Satisfied and solved closes the case;
/// dissatisfied or unsolved reopens it for re-handling, with the comment on the timeline.
/// Only a replied case can be rated, so a rating is given once per reply.
#[tracing::instrument(skip_all)]
pub async fn rate<C: ConnectionTrait + TransactionTrait>(
    db: &C,
    now: DateTime<Utc>,
    code: &TrackingCode,
    rating: Rating,
) -> AppResult<case::Model> {
    let current = find(db, code).await?;
    if current.merged_into_id.is_some() {
        return Err(AppError::conflict("merged", "this case was merged into another; rate that one"));
    }
    let from = status_of(&current);
    next_status(from, CaseAction::Rate).map_err(|_| illegal(&current, CaseAction::Rate))?;
    let to = after_rating(rating.satisfaction, rating.solved);
    let txn = db.begin().await?;
    let mut changes = case::ActiveModel {
        status: Set(to),
        satisfaction: Set(Some(rating.satisfaction)),
        solved: Set(Some(rating.solved)),
        rating_comment: Set(rating.comment.clone()),
        rated_at: Set(Some(now)),
        ..Default::default()
    };
    if to == CaseStatus::Closed {
        changes.closed_at = Set(Some(now));
        changes.close_reason = Set(Some(CloseReason::Rated));
    } else {
        changes.reopened_count = Set(current.reopened_count + 1);
    }
    let saved = save_versioned(&txn, changes, current.id, current.version, now).await?;
    record_event(
        &txn,
        NewEvent {
            case_id: current.id,
            at: now,
            actor: EventActor::Resident,
            action: if to == CaseStatus::Closed { "rated" } else { "reopened" },
            from: Some(from),
            to: Some(to),
            note: Some(rating_note(&rating)),
            public: true,
        },
    )
    .await?;
    let notice = if to == CaseStatus::Closed { CaseNotice::Rated } else { CaseNotice::Reopened };
    outbox::case_notice(&txn, now, &saved, notice).await?;
    txn.commit().await?;
    Ok(saved)
}

/// The resident takes back a case nobody has handled yet: it closes as withdrawn (counted in
/// no rate), with their reason on the public timeline. 409 once anyone has acted on it or it
/// was merged into another case.
#[tracing::instrument(skip_all)]
pub async fn withdraw<C: ConnectionTrait + TransactionTrait>(
    db: &C,
    now: DateTime<Utc>,
    code: &TrackingCode,
    reason: Option<String>,
) -> AppResult<case::Model> {
    let current = find(db, code).await?;
    if current.merged_into_id.is_some() {
        return Err(AppError::conflict("merged", "this case was merged into another and is being handled"));
    }
    let from = status_of(&current);
    let to = next_status(from, CaseAction::Withdraw).map_err(|_| {
        AppError::conflict(
            "already_handled",
            "the station has already begun handling this case; it can no longer be withdrawn",
        )
    })?;
    let txn = db.begin().await?;
    let changes = case::ActiveModel {
        status: Set(to),
        closed_at: Set(Some(now)),
        close_reason: Set(Some(CloseReason::Withdrawn)),
        ..Default::default()
    };
    let saved = save_versioned(&txn, changes, current.id, current.version, now).await?;
    record_event(
        &txn,
        NewEvent {
            case_id: current.id,
            at: now,
            actor: EventActor::Resident,
            action: "withdrawn",
            from: Some(from),
            to: Some(to),
            note: reason,
            public: true,
        },
    )
    .await?;
    txn.commit().await?;
    Ok(saved)
}

/// The timeline line of a rating: how satisfied, whether solved, and the resident's words.
fn rating_note(rating: &Rating) -> String {
    let solved = if rating.solved { "已解决" } else { "未解决" };
    match &rating.comment {
        Some(comment) => format!("{}，{solved}：{comment}", rating.satisfaction.label_zh()),
        None => format!("{}，{solved}", rating.satisfaction.label_zh()),
    }
}

/// The note of a public event as residents may read it: reasons, answers, progress and their
/// own rating; staff-only remarks stay internal.
pub fn public_note(event: &case_event::Model) -> Option<String> {
    // Not "merge": its note named the other case's code before 2026-12 (the label says
    // enough).
    let shown = matches!(
        event.action.as_str(),
        "reject" | "reply" | "progress" | "extend" | "rated" | "reopened" | "reopen" | "withdrawn"
    );
    event.note.clone().filter(|_| shown && event.public)
}
