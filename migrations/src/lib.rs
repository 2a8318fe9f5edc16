//! Schema migrations. One migration per file, append-only: a landed file is never edited.
//! Migrations use sea-query builders, or SQL written out per backend where builders fall short
//! (triggers, expression and partial indexes), and never the entities; all run on SQLite and
//! PostgreSQL.
pub use sea_orm_migration::prelude::*;

mod m20261128_000001_organisation;
mod m20261128_000002_deputies;
mod m20261128_000003_accounts;
mod m20261129_000004_cases;
mod m20261129_000005_handling;
mod m20261129_000006_queue_indexes;
mod m20261129_000007_queue_count_indexes;
mod m20261129_000008_reception;
mod m20261130_000009_activities;
mod m20261130_000010_suggestions;
mod m20261130_000011_station_books;
mod m20261201_000012_stats_covering_index;
mod m20261202_000013_sealed_personal_data;
mod m20261203_000014_stats_rollup;
mod m20261207_000015_submission_fingerprint;

/// The expressions of the roll-up's triggers and indexes as migration 000014 froze them. The
/// application has its own copy (`liaison::services::insight::rollup_sql`); this is kept only
/// for the test that the two are still equal.
#[doc(hidden)]
pub mod stats_sql {
    pub use crate::m20261203_000014_stats_rollup::{OPEN, SPANS, TABLE, close, first_response};
}

pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(m20261128_000001_organisation::Migration),
            Box::new(m20261128_000002_deputies::Migration),
            Box::new(m20261128_000003_accounts::Migration),
            Box::new(m20261129_000004_cases::Migration),
            Box::new(m20261129_000005_handling::Migration),
            Box::new(m20261129_000006_queue_indexes::Migration),
            Box::new(m20261129_000007_queue_count_indexes::Migration),
            Box::new(m20261129_000008_reception::Migration),
            Box::new(m20261130_000009_activities::Migration),
            Box::new(m20261130_000010_suggestions::Migration),
            Box::new(m20261130_000011_station_books::Migration),
            Box::new(m20261201_000012_stats_covering_index::Migration),
            Box::new(m20261202_000013_sealed_personal_data::Migration),
            Box::new(m20261203_000014_stats_rollup::Migration),
            Box::new(m20261207_000015_submission_fingerprint::Migration),
        ]
    }
}
