use crate::domain::case_state::CaseStatus;
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "case_event")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub case_id: i32,
    pub at: DateTimeUtc,
    pub actor_user_id: Option<i32>,
    /// `resident`, `system` or a staff role.
    pub actor_role: String,
    pub action: String,
    pub from_status: Option<CaseStatus>,
    pub to_status: Option<CaseStatus>,
    pub note: Option<String>,
    /// Shown on the resident's tracking page.
    pub public: bool,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
