use crate::domain::org::TierCode;
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "tier")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub code: TierCode,
    pub name: String,
    pub first_response_days: i32,
    pub resolve_days: i32,
    pub sort_order: i32,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
