use crate::domain::station_books::ContactMode;
use sea_orm::entity::prelude::*;

use crate::domain::sealed::SealedText;

/// A deputy's contact with a voter household (民情联系卡 record).
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "contact_record")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    /// The deputy's station when the contact was recorded.
    pub station_id: i32,
    pub deputy_id: i32,
    pub contacted_on: Date,
    /// `visit`, `phone`, `wechat` or `other`.
    pub mode: ContactMode,
    /// Who the household is (a name, a flat): personal data, masked in lists.
    pub household: SealedText,
    /// Sealed, like the household.
    pub phone: Option<SealedText>,
    /// Keyed hash of the normalised phone.
    pub phone_hash: Option<String>,
    pub matter: String,
    pub handling: Option<String>,
    pub case_id: Option<i32>,
    pub recorded_by: i32,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
    pub version: i32,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
