//! The audit log: who did what to which record, when, from where. Never holds the personal
//! data itself, only that it was seen or changed.
use chrono::{DateTime, Utc};
use sea_orm::{ActiveModelTrait, ConnectionTrait, Set};

use crate::entities::audit_log;
use crate::error::AppResult;

pub async fn record(
    db: &impl ConnectionTrait,
    at: DateTime<Utc>,
    user_id: Option<i32>,
    action: &str,
    target: Option<(&str, Option<i32>)>,
    detail: Option<&str>,
    ip: Option<&str>,
) -> AppResult<()> {
    audit_log::ActiveModel {
        at: Set(at),
        user_id: Set(user_id),
        action: Set(action.to_string()),
        target_type: Set(target.map(|(kind, _)| kind.to_string())),
        target_id: Set(target.and_then(|(_, id)| id)),
        detail: Set(detail.map(str::to_string)),
        ip: Set(ip.map(str::to_string)),
        ..Default::default()
    }
    .insert(db)
    .await?;
    Ok(())
}
