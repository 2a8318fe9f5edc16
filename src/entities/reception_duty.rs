use crate::domain::reception::Slot;
use sea_orm::entity::prelude::*;

/// One deputy on duty at a station on one day and slot (今日我接待).
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "reception_duty")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub station_id: i32,
    pub date: Date,
    /// `morning`, `afternoon` or `all_day`
    pub slot: Slot,
    pub deputy_id: i32,
    pub note: Option<String>,
    pub created_by: Option<i32>,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
