use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "case_photo")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub case_id: i32,
    /// Set for photos attached to a progress report rather than the submission.
    pub event_id: Option<i64>,
    /// SHA-256 of the re-encoded JPEG: the file's name in the photo store.
    pub hash: String,
    pub width: i32,
    pub height: i32,
    pub bytes: i32,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
