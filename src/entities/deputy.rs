use crate::domain::org::DeputyLevel;
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "deputy")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub name: String,
    pub gender: Option<String>,
    pub ethnicity: Option<String>,
    /// `YYYY-MM`
    pub birth_month: Option<String>,
    pub party: Option<String>,
    pub education: Option<String>,
    pub occupation: Option<String>,
    pub employer: Option<String>,
    pub post: Option<String>,
    pub level: DeputyLevel,
    /// 届次, e.g. 第十八届
    pub term: Option<String>,
    pub card_number: Option<String>,
    pub constituency: Option<String>,
    pub station_id: i32,
    pub phone: Option<String>,
    pub address: Option<String>,
    pub photo_path: Option<String>,
    pub qr_token: String,
    pub qr_rotated_at: Option<DateTimeUtc>,
    pub remarks: Option<String>,
    pub active: bool,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(belongs_to = "super::station::Entity", from = "Column::StationId", to = "super::station::Column::Id")]
    Station,
}

impl Related<super::station::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Station.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
