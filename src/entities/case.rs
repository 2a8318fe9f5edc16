use crate::domain::case_decision::CloseReason;
use crate::domain::case_state::CaseStatus;
use crate::domain::case_state::Satisfaction;
use crate::domain::intake::Channel;
use crate::domain::org::TierCode;
use sea_orm::entity::prelude::*;

use crate::domain::sealed::SealedText;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "cases")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub tracking_code: String,
    pub status: CaseStatus,
    /// Optimistic concurrency: every change increments it; a stale version is a 409.
    pub version: i32,
    pub channel: Channel,
    pub station_id: i32,
    pub deputy_id: Option<i32>,
    pub category_id: i32,
    pub tier: TierCode,
    pub unit_id: Option<i32>,
    pub content: String,
    pub location: Option<String>,
    pub latitude: Option<f64>,
    pub longitude: Option<f64>,
    /// Sealed (`services::cipher`), like the phone.
    pub contact_name: Option<SealedText>,
    pub contact_phone: Option<SealedText>,
    /// Keyed hash of the normalised phone: "cases from this phone" without decrypting.
    pub contact_phone_hash: Option<String>,
    pub anonymous: bool,
    pub wants_callback: bool,
    pub consent_version: String,
    pub lang: String,
    pub received_at: DateTimeUtc,
    pub first_response_due_at: DateTimeUtc,
    pub due_at: DateTimeUtc,
    pub first_responded_at: Option<DateTimeUtc>,
    pub accepted_at: Option<DateTimeUtc>,
    pub assigned_at: Option<DateTimeUtc>,
    pub replied_at: Option<DateTimeUtc>,
    pub closed_at: Option<DateTimeUtc>,
    pub archived_at: Option<DateTimeUtc>,
    pub close_reason: Option<CloseReason>,
    pub reply: Option<String>,
    pub satisfaction: Option<Satisfaction>,
    pub solved: Option<bool>,
    pub rating_comment: Option<String>,
    pub rated_at: Option<DateTimeUtc>,
    pub key_supervision: bool,
    pub disclosed: bool,
    /// The sweep has announced that the case is overdue (whether it is overdue now is
    /// derived from `due_at` and the status, never read from here).
    pub overdue: bool,
    pub merged_into_id: Option<i32>,
    pub reopened_count: i32,
    /// The form's one-time key: a second post of the same form finds the first case.
    pub submission_key: Option<String>,
    /// What the key was sent with (`Submission::fingerprint`): the same key with another
    /// target or body is refused.
    pub submission_fingerprint: Option<String>,
    /// Keyed hash of the submitter's address, only for rate limiting.
    pub submitter_key: Option<String>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
    /// The sweep has announced that the deadline is near.
    pub due_soon_notified: bool,
    /// Progress reported by the handler, 0–100.
    pub percent: Option<i32>,
    pub returned_count: i32,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
