use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "extension_request")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub case_id: i32,
    pub requested_by: i32,
    pub requested_at: DateTimeUtc,
    pub reason: String,
    pub days: i32,
    pub status: String,
    pub decided_by: Option<i32>,
    pub decided_at: Option<DateTimeUtc>,
    pub decision_note: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
