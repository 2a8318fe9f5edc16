use sea_orm::entity::prelude::*;

/// A deputy who received the visitor, in the order they were listed.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "reception_visit_deputy")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub visit_id: i32,
    #[sea_orm(primary_key, auto_increment = false)]
    pub deputy_id: i32,
    pub position: i32,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
