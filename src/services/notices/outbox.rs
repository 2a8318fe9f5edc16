//! Who hears about what happens to a case. Notices are written to the outbox in the caller's
//! transaction (so a notice exists exactly when its change does); the deliverer
//! (`notices::delivery`) turns them into in-app notifications and webhook posts, retrying
//! failures without blocking anyone. Notices carry no personal data and no resident's words: only what, where, when.
use std::collections::BTreeSet;

use chrono::{DateTime, Utc};
use sea_orm::{ActiveModelTrait, ColumnTrait, Condition, ConnectionTrait, EntityTrait, QueryFilter, QuerySelect, Set};

use crate::domain::role::Role;
use crate::entities::{app_user, case, category, outbox, station, user_station, webhook};
use crate::error::AppResult;

/// Where an outbox row stands: waiting to go out (again), gone out, given up after the last
/// attempt, or dropped because its webhook was switched off (or removed) before it went out.
pub const PENDING: &str = "pending";
pub const DELIVERED: &str = "delivered";
pub const FAILED: &str = "failed";
pub const CANCELLED: &str = "cancelled";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CaseNotice {
    Submitted,
    Assigned,
    Returned,
    ExtensionRequested,
    ExtensionGranted,
    ExtensionRefused,
    Replied,
    Reopened,
    DueSoon,
    Overdue,
    KeySupervision,
    Rated,
}

impl CaseNotice {
    pub fn code(self) -> &'static str {
        match self {
            CaseNotice::Submitted => "case_submitted",
            CaseNotice::Assigned => "case_assigned",
            CaseNotice::Returned => "case_returned",
            CaseNotice::ExtensionRequested => "extension_requested",
            CaseNotice::ExtensionGranted => "extension_granted",
            CaseNotice::ExtensionRefused => "extension_refused",
            CaseNotice::Replied => "case_replied",
            CaseNotice::Reopened => "case_reopened",
            CaseNotice::DueSoon => "case_due_soon",
            CaseNotice::Overdue => "case_overdue",
            CaseNotice::KeySupervision => "key_supervision",
            CaseNotice::Rated => "case_rated",
        }
    }

    fn headline(self) -> &'static str {
        match self {
            CaseNotice::Submitted => "新的群众意见",
            CaseNotice::Assigned => "交办给您的案件",
            CaseNotice::Returned => "承办单位退回了案件",
            CaseNotice::ExtensionRequested => "申请延期",
            CaseNotice::ExtensionGranted => "延期已批准",
            CaseNotice::ExtensionRefused => "延期未批准",
            CaseNotice::Replied => "案件已答复",
            CaseNotice::Reopened => "群众不满意，案件需重新办理",
            CaseNotice::DueSoon => "案件即将到期",
            CaseNotice::Overdue => "案件已超期",
            CaseNotice::KeySupervision => "案件列为重点督办",
            CaseNotice::Rated => "群众已评价",
        }
    }

    /// Who is told: the deputy, the managers of the station, the staff of the unit.
    fn audience(self) -> (bool, bool, bool) {
        match self {
            CaseNotice::Submitted => (true, true, false),
            CaseNotice::Assigned => (true, false, true),
            CaseNotice::Returned | CaseNotice::ExtensionRequested => (false, true, false),
            CaseNotice::ExtensionGranted | CaseNotice::ExtensionRefused => (true, false, true),
            CaseNotice::Replied | CaseNotice::Rated => (true, true, false),
            CaseNotice::Reopened | CaseNotice::DueSoon | CaseNotice::Overdue | CaseNotice::KeySupervision => {
                (true, true, true)
            }
        }
    }
}

/// An outbox row to one account or one webhook (`to`: user id, webhook id; one of them
/// set), due at once.
pub fn pending(
    now: DateTime<Utc>,
    event: &str,
    case_id: Option<i32>,
    (user_id, webhook_id): (Option<i32>, Option<i32>),
    (title, body, payload): (&str, &str, &str),
) -> outbox::ActiveModel {
    outbox::ActiveModel {
        event: Set(event.to_string()),
        case_id: Set(case_id),
        user_id: Set(user_id),
        webhook_id: Set(webhook_id),
        title: Set(title.to_string()),
        body: Set(body.to_string()),
        payload: Set(Some(payload.to_string())),
        status: Set(PENDING.into()),
        attempts: Set(0),
        next_attempt_at: Set(now),
        last_error: Set(None),
        created_at: Set(now),
        delivered_at: Set(None),
        ..Default::default()
    }
}

/// The station and every station above it (a manager of the station above hears too).
async fn station_line(db: &impl ConnectionTrait, station_id: i32) -> AppResult<Vec<station::Model>> {
    let mut line = Vec::new();
    let mut next = Some(station_id);
    while let Some(id) = next {
        if line.len() >= 8 {
            break;
        }
        let Some(found) = station::Entity::find_by_id(id).one(db).await? else { break };
        next = found.parent_id;
        line.push(found);
    }
    Ok(line)
}

/// Writes the outbox rows for one notice about one case.
#[tracing::instrument(skip_all)]
pub async fn case_notice(
    db: &impl ConnectionTrait,
    now: DateTime<Utc>,
    record: &case::Model,
    notice: CaseNotice,
) -> AppResult<usize> {
    let (to_deputy, to_managers, to_unit) = notice.audience();
    let stations = station_line(db, record.station_id).await?;
    let station_ids: Vec<i32> = stations.iter().map(|s| s.id).collect();
    let mut users: BTreeSet<i32> = BTreeSet::new();
    let active_of = |role: Role| {
        app_user::Entity::find()
            .filter(app_user::Column::Role.eq(role.as_str()))
            .filter(app_user::Column::Active.eq(true))
            .select_only()
            .column(app_user::Column::Id)
    };
    if to_deputy && let Some(deputy_id) = record.deputy_id {
        let ids: Vec<i32> =
            active_of(Role::Deputy).filter(app_user::Column::DeputyId.eq(deputy_id)).into_tuple().all(db).await?;
        users.extend(ids);
    }
    if to_managers {
        let ids: Vec<i32> = active_of(Role::Manager)
            .filter(
                app_user::Column::Id.in_subquery(
                    sea_orm::sea_query::Query::select()
                        .column(user_station::Column::UserId)
                        .from(user_station::Entity)
                        .and_where(user_station::Column::StationId.is_in(station_ids.clone()))
                        .to_owned(),
                ),
            )
            .into_tuple()
            .all(db)
            .await?;
        users.extend(ids);
    }
    if to_unit && let Some(unit_id) = record.unit_id {
        let ids: Vec<i32> =
            active_of(Role::Handler).filter(app_user::Column::UnitId.eq(unit_id)).into_tuple().all(db).await?;
        users.extend(ids);
    }
    let mut hooks = Condition::any().add(webhook::Column::StationId.is_in(station_ids));
    if let Some(deputy_id) = record.deputy_id {
        hooks = hooks.add(webhook::Column::DeputyId.eq(deputy_id));
    }
    let webhooks: Vec<i32> = webhook::Entity::find()
        .filter(webhook::Column::Active.eq(true))
        .filter(hooks)
        .select_only()
        .column(webhook::Column::Id)
        .into_tuple()
        .all(db)
        .await?;

    let category_name =
        category::Entity::find_by_id(record.category_id).one(db).await?.map(|c| c.name).unwrap_or_default();
    let station_name = stations.first().map(|s| s.name.clone()).unwrap_or_default();
    let title = format!("{}：{} · {}", notice.headline(), category_name, station_name);
    let due = record.due_at.with_timezone(&chrono_tz::Asia::Shanghai).format("%Y-%m-%d");
    let body = format!("案件 {}（{}），办理期限 {due}。", record.id, record.tracking_code);
    let payload = serde_json::json!({
        "event": notice.code(),
        "case_id": record.id,
        "tracking_code": record.tracking_code,
        "status": record.status,
        "station_id": record.station_id,
        "station": station_name,
        "category": category_name,
        "deputy_id": record.deputy_id,
        "unit_id": record.unit_id,
        "due_at": record.due_at,
        "key_supervision": record.key_supervision,
        "at": now,
    })
    .to_string();
    let rows = users.iter().map(|user| (Some(*user), None)).chain(webhooks.iter().map(|hook| (None, Some(*hook))));
    let mut written = 0;
    for to in rows {
        pending(now, notice.code(), Some(record.id), to, (&title, &body, &payload)).insert(db).await?;
        written += 1;
    }
    Ok(written)
}
