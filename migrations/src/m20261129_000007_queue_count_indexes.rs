//! Covering indexes for the numbers on top of a queue: each count is a range over one index
//! (scope, status, deadline) instead of a visit to every case row. They replace the
//! (scope, status) indexes, which they extend.
use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Cases {
    Table,
    DueAt,
    DeputyId,
    UnitId,
    StationId,
    Status,
    KeySupervision,
    CategoryId,
    Tier,
}

const REPLACED: [&str; 2] = ["idx_cases_station_status", "idx_cases_unit_status"];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for (name, columns) in [
            ("idx_cases_station_status_due", [Cases::StationId, Cases::Status, Cases::DueAt]),
            ("idx_cases_deputy_status_due", [Cases::DeputyId, Cases::Status, Cases::DueAt]),
            ("idx_cases_unit_status_due", [Cases::UnitId, Cases::Status, Cases::DueAt]),
            // Key supervision is rare: this finds the flagged open cases of any scope quickly.
            ("idx_cases_key_status_due", [Cases::KeySupervision, Cases::Status, Cases::DueAt]),
            // The category (and tier) filters of a manager's queue, counted within the stations.
            ("idx_cases_category_tier_station", [Cases::CategoryId, Cases::Tier, Cases::StationId]),
        ] {
            let mut index = Index::create().if_not_exists().name(name).table(Cases::Table).to_owned();
            for column in columns {
                index.col(column);
            }
            manager.create_index(index).await?;
        }
        for name in REPLACED {
            manager.drop_index(Index::drop().if_exists().name(name).table(Cases::Table).to_owned()).await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for (name, scope) in [("idx_cases_station_status", Cases::StationId), ("idx_cases_unit_status", Cases::UnitId)]
        {
            manager
                .create_index(
                    Index::create()
                        .if_not_exists()
                        .name(name)
                        .table(Cases::Table)
                        .col(scope)
                        .col(Cases::Status)
                        .to_owned(),
                )
                .await?;
        }
        for name in [
            "idx_cases_station_status_due",
            "idx_cases_deputy_status_due",
            "idx_cases_unit_status_due",
            "idx_cases_key_status_due",
            "idx_cases_category_tier_station",
        ] {
            manager.drop_index(Index::drop().if_exists().name(name).table(Cases::Table).to_owned()).await?;
        }
        Ok(())
    }
}
