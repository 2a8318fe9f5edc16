//! A covering index for the statistics: every column the counts, rates and medians read, led
//! by the day of receipt and the station, so a station-year or a district-year is a range of
//! this index rather than a visit to every case row (the residents' texts make the rows wide).
use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Cases {
    Table,
    ReceivedAt,
    StationId,
    Status,
    DeputyId,
    CategoryId,
    UnitId,
    AcceptedAt,
    MergedIntoId,
    CloseReason,
    ClosedAt,
    DueAt,
    RepliedAt,
    RatedAt,
    Satisfaction,
    Solved,
    KeySupervision,
    FirstRespondedAt,
}

const NAME: &str = "idx_cases_stats";

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let mut index = Index::create().if_not_exists().name(NAME).table(Cases::Table).to_owned();
        for column in [
            Cases::ReceivedAt,
            Cases::StationId,
            Cases::Status,
            Cases::DeputyId,
            Cases::CategoryId,
            Cases::UnitId,
            Cases::AcceptedAt,
            Cases::MergedIntoId,
            Cases::CloseReason,
            Cases::ClosedAt,
            Cases::DueAt,
            Cases::RepliedAt,
            Cases::RatedAt,
            Cases::Satisfaction,
            Cases::Solved,
            Cases::KeySupervision,
            Cases::FirstRespondedAt,
        ] {
            index.col(column);
        }
        manager.create_index(index).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.drop_index(Index::drop().if_exists().name(NAME).table(Cases::Table).to_owned()).await
    }
}
