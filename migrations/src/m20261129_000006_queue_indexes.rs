//! Indexes for the handling queues at scale (a million cases): each queue is read in
//! deadline order within a scope (a deputy, a unit, some stations), and counted by status.
use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Cases {
    Table,
    Id,
    DueAt,
    DeputyId,
    UnitId,
    StationId,
    Status,
    ReceivedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for (name, columns) in [
            ("idx_cases_due", vec![Cases::DueAt, Cases::Id]),
            ("idx_cases_deputy_due", vec![Cases::DeputyId, Cases::DueAt]),
            ("idx_cases_unit_due", vec![Cases::UnitId, Cases::DueAt]),
            ("idx_cases_station_status", vec![Cases::StationId, Cases::Status]),
            ("idx_cases_received", vec![Cases::ReceivedAt, Cases::Id]),
        ] {
            let mut index = Index::create().name(name).table(Cases::Table).to_owned();
            for column in columns {
                index.col(column);
            }
            manager.create_index(index).await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for name in [
            "idx_cases_due",
            "idx_cases_deputy_due",
            "idx_cases_unit_due",
            "idx_cases_station_status",
            "idx_cases_received",
        ] {
            manager.drop_index(Index::drop().name(name).table(Cases::Table).to_owned()).await?;
        }
        Ok(())
    }
}
