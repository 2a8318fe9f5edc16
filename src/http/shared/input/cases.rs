//! Request bodies of cases, shared by the pages and the API.
use crate::domain::case_command::RawCommand;
use crate::domain::org::TierCode;
use serde::Deserialize;
use utoipa::ToSchema;

#[derive(Deserialize, ToSchema, Default)]
pub struct ActionRequest {
    /// accept, reject, assign, start, progress, extend, return, reply, close, reopen, merge,
    /// archive, key_supervision or disclose
    pub action: String,
    /// The version you acted on; a stale one is refused with 409.
    pub version: Option<i32>,
    pub note: Option<String>,
    /// The answer to the resident (`reply`).
    pub text: Option<String>,
    /// Why (`reject`: personal_grievance, litigation, outside_remit, not_actionable or other;
    /// `return`, `reopen`, `extend`: free text).
    pub reason: Option<String>,
    pub unit_id: Option<i32>,
    pub deputy_id: Option<i32>,
    #[schema(value_type = Option<TierCode>)]
    pub tier: Option<String>,
    /// Working days asked for (`extend`).
    pub days: Option<i64>,
    /// Progress, 0–100 (`progress`).
    pub percent: Option<i64>,
    /// `grant` or `refuse` a pending extension request (`extend`, managers).
    pub decision: Option<String>,
    /// The case a duplicate is merged into (`merge`).
    pub into_case_id: Option<i32>,
    /// Set (true, default) or clear a flag (`key_supervision`, `disclose`).
    pub on: Option<bool>,
    /// Whether a progress note is shown to the resident (default true).
    pub public: Option<bool>,
}

impl ActionRequest {
    pub fn raw(&self) -> RawCommand {
        RawCommand {
            action: self.action.clone(),
            note: self.note.clone(),
            text: self.text.clone(),
            reason: self.reason.clone(),
            unit_id: self.unit_id,
            deputy_id: self.deputy_id,
            tier: self.tier.clone(),
            days: self.days,
            percent: self.percent,
            decision: self.decision.clone(),
            into_case_id: self.into_case_id,
            on: self.on,
            public: self.public,
        }
    }
}
