use crate::domain::reply_template::TemplateKind;
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "reply_template")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub station_id: Option<i32>,
    pub kind: TemplateKind,
    pub title: String,
    pub body: String,
    pub sort_order: i32,
    pub active: bool,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
