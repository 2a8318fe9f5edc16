use sea_orm::entity::prelude::*;

/// One item of a station's "ten haves" (十有) checklist and its evidence.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "ten_have")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub station_id: i32,
    /// The item's code (`place`, `sign`, …).
    pub item: String,
    pub present: bool,
    pub note: Option<String>,
    pub evidence_on: Option<Date>,
    /// SHA-256 of a re-encoded photo in the photo store.
    pub photo_hash: Option<String>,
    pub confirmed_by: Option<i32>,
    pub confirmed_at: Option<DateTimeUtc>,
    pub version: i32,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
