use crate::domain::suggestion::SuggestionRole;
use sea_orm::entity::prelude::*;

/// A deputy behind a suggestion: exactly one `lead` (领衔), any number of `co` (附议).
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "suggestion_deputy")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub suggestion_id: i32,
    #[sea_orm(primary_key, auto_increment = false)]
    pub deputy_id: i32,
    pub role: SuggestionRole,
    pub position: i32,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
