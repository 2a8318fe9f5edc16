use crate::domain::reception::Disposition;
use crate::domain::reception::Slot;
use sea_orm::entity::prelude::*;

use crate::domain::sealed::SealedText;

/// One entry of the reception log (人大代表接待选民来访登记簿).
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "reception_visit")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub station_id: i32,
    pub visited_on: Date,
    pub slot: Slot,
    /// Sealed (`services::cipher`), like the phone.
    pub visitor_name: Option<SealedText>,
    pub visitor_phone: Option<SealedText>,
    /// Keyed hash of the normalised phone.
    pub visitor_phone_hash: Option<String>,
    /// The visitor agreed that their name and phone are kept.
    pub consent: bool,
    pub visitors_count: i32,
    /// The matter in the visitor's own words.
    pub matter: String,
    pub category_id: Option<i32>,
    pub disposition: Disposition,
    pub result: Option<String>,
    pub feedback: Option<String>,
    /// The case opened from this visit, if any.
    pub case_id: Option<i32>,
    pub recorded_by: i32,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
    /// Optimistic concurrency: every edit increments it; a stale version is a 409.
    pub version: i32,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
