use crate::domain::station_books::ReportForm;
use sea_orm::entity::prelude::*;

/// A deputy's report to voters (代表述职), with the voters' vote on it.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "deputy_report")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub station_id: i32,
    pub deputy_id: i32,
    pub reported_on: Date,
    pub place: String,
    /// `oral` or `written`.
    pub form: ReportForm,
    pub voters_present: i32,
    pub summary: String,
    /// What the voters said.
    pub comments: Option<String>,
    pub votes_satisfied: i32,
    pub votes_basically_satisfied: i32,
    pub votes_dissatisfied: i32,
    /// Whether the report and its vote were made public.
    pub published: bool,
    pub recorded_by: i32,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
    pub version: i32,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
