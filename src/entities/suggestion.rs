use crate::domain::case_state::Satisfaction;
use crate::domain::suggestion::ResultClass;
use crate::domain::suggestion::SuggestionStatus;
use sea_orm::entity::prelude::*;

/// A formal suggestion (代表建议) raised by deputies, and where its handling stands.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "suggestion")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    /// Readable and unique: `2026-0001`, counted per year of `raised_on`.
    pub number: String,
    pub station_id: i32,
    pub raised_on: Date,
    pub title: String,
    pub reasons: String,
    pub proposals: Option<String>,
    pub category_id: Option<i32>,
    pub lead_unit_id: Option<i32>,
    pub assigned_on: Option<Date>,
    /// Three calendar months after `assigned_on`.
    pub due_on: Option<Date>,
    /// An extension, at most six months after `assigned_on`.
    pub extended_to: Option<Date>,
    pub replied_on: Option<Date>,
    pub reply: Option<String>,
    /// `A` solved, `B` being solved, `C` planned, `D` explained.
    pub result_class: Option<ResultClass>,
    pub satisfaction: Option<Satisfaction>,
    pub rated_on: Option<Date>,
    /// A dissatisfied deputy starts re-handling, due one month after the rating.
    pub rehandling_due_on: Option<Date>,
    pub rehandling_count: i32,
    pub key_supervision: bool,
    pub status: SuggestionStatus,
    pub closed_on: Option<Date>,
    pub source_case_id: Option<i32>,
    pub source_visit_id: Option<i32>,
    pub created_by: i32,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
    /// Optimistic concurrency: every change increments it; a stale version is a 409.
    pub version: i32,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
