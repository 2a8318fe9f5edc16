use crate::domain::activity::AttendanceStatus;
use sea_orm::entity::prelude::*;

/// A deputy invited to an activity, and whether they came.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "activity_attendance")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub activity_id: i32,
    #[sea_orm(primary_key, auto_increment = false)]
    pub deputy_id: i32,
    /// invited, present, excused or absent
    pub status: AttendanceStatus,
    pub note: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
