//! Deputies' activities (人大代表活动登记簿) and their attendance (人大代表参加活动情况登记表).
//! Managers record their stations' activities (administrators every station), invite the
//! deputies of the station and its points and grids, mark who came, and link the cases raised;
//! viewers read them; a deputy reads the activities they were invited to, with their own mark.
//!
//! Here: what an activity and its changes look like; `read` (who may read or change one, and
//! the lists), `write` (recording, editing and marking attendance), `links` (the cases raised
//! and the photos).
mod links;
mod read;
mod write;

use chrono::{NaiveDate, NaiveTime};
use sea_orm::{ColumnTrait, QueryFilter, Select};

use crate::domain::activity::{ActivityKind, AttendanceStatus, When};
use crate::domain::reception::Slot;
use crate::entities::activity;
use crate::error::AppError;

pub use links::{add_photos, link_case, readable_photo, unlink_case};
pub use read::{get, list, mine, require_managed, scope_deputies};
pub use write::{record, set_attendance, update};

#[derive(Debug, Clone)]
pub struct NewActivity {
    pub kind: ActivityKind,
    pub held_on: NaiveDate,
    pub when: When,
    pub place: String,
    pub topic: String,
    pub organiser: Option<String>,
    pub other_participants: Option<String>,
    pub summary: Option<String>,
    /// The deputies invited (of the station, its points or grids).
    pub deputy_ids: Vec<i32>,
}

/// Changes to an activity: `None` leaves a field as it is; `Some(None)` clears an optional one.
#[derive(Debug, Clone, Default)]
pub struct ActivityChanges {
    pub version: i32,
    pub kind: Option<ActivityKind>,
    pub held_on: Option<NaiveDate>,
    pub slot: Option<Option<Slot>>,
    pub starts_at: Option<Option<NaiveTime>>,
    pub ends_at: Option<Option<NaiveTime>>,
    pub place: Option<String>,
    pub topic: Option<String>,
    pub organiser: Option<Option<String>>,
    pub other_participants: Option<Option<String>>,
    pub summary: Option<Option<String>>,
}

/// One deputy's mark for the attendance list.
#[derive(Debug, Clone)]
pub struct Mark {
    pub deputy_id: i32,
    pub status: AttendanceStatus,
    pub note: Option<String>,
}

#[derive(Debug, Clone)]
pub struct AttendanceLine {
    pub deputy_id: i32,
    pub deputy_name: String,
    pub status: AttendanceStatus,
    pub note: Option<String>,
}

/// An activity as the reader may see it: a deputy sees only their own attendance line.
#[derive(Debug, Clone)]
pub struct ActivityView {
    pub activity: activity::Model,
    pub attendance: Vec<AttendanceLine>,
    /// (case id, tracking code) of the cases raised at the activity.
    pub cases: Vec<(i32, String)>,
    /// The hashes of its photos, in the order they were added.
    pub photos: Vec<String>,
}

impl ActivityView {
    pub fn count(&self, status: AttendanceStatus) -> usize {
        self.attendance.iter().filter(|line| line.status == status).count()
    }
}

#[derive(Debug, Clone, Default)]
pub struct ActivityFilter {
    pub from: Option<NaiveDate>,
    pub to: Option<NaiveDate>,
    pub kind: Option<ActivityKind>,
}

impl ActivityFilter {
    /// Those of `select` held within the dates and of the kind asked for.
    fn apply(&self, mut select: Select<activity::Entity>) -> Select<activity::Entity> {
        if let Some(from) = self.from {
            select = select.filter(activity::Column::HeldOn.gte(from));
        }
        if let Some(to) = self.to {
            select = select.filter(activity::Column::HeldOn.lte(to));
        }
        if let Some(kind) = self.kind {
            select = select.filter(activity::Column::Kind.eq(kind.as_str()));
        }
        select
    }
}

/// Which case to link: by id or by tracking code.
#[derive(Debug, Clone)]
pub enum CaseRef {
    Id(i32),
    TrackingCode(String),
}

/// 409 for an activity changed since it was read.
fn stale(current: i32) -> AppError {
    AppError::stale_version("activity", current)
}
