use crate::domain::suggestion::SuggestionRole;
use sea_orm::entity::prelude::*;

/// A unit handling a suggestion: one `lead` (主办), any number of `co` (协办).
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "suggestion_unit")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub suggestion_id: i32,
    #[sea_orm(primary_key, auto_increment = false)]
    pub unit_id: i32,
    pub role: SuggestionRole,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
