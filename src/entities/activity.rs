use crate::domain::activity::ActivityKind;
use crate::domain::reception::Slot;
use sea_orm::entity::prelude::*;

/// One entry of the activities register (人大代表活动登记簿).
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "activity")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub station_id: i32,
    /// An `ActivityKind` code.
    pub kind: ActivityKind,
    pub held_on: Date,
    /// morning, afternoon or all_day, when no times are given.
    pub slot: Option<Slot>,
    /// `HH:MM`
    pub starts_at: Option<String>,
    /// `HH:MM`
    pub ends_at: Option<String>,
    pub place: String,
    pub topic: String,
    pub organiser: Option<String>,
    pub other_participants: Option<String>,
    pub summary: Option<String>,
    pub created_by: i32,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
    /// Optimistic concurrency: every edit increments it; a stale version is a 409.
    pub version: i32,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
