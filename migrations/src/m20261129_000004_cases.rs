//! Cases (a resident's matter), their timeline (every change is one event) and photos.
use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Cases {
    Table,
    Id,
    TrackingCode,
    Status,
    Version,
    Channel,
    StationId,
    DeputyId,
    CategoryId,
    Tier,
    UnitId,
    Content,
    Location,
    Latitude,
    Longitude,
    ContactName,
    ContactPhone,
    Anonymous,
    WantsCallback,
    ConsentVersion,
    Lang,
    ReceivedAt,
    FirstResponseDueAt,
    DueAt,
    FirstRespondedAt,
    AcceptedAt,
    AssignedAt,
    RepliedAt,
    ClosedAt,
    ArchivedAt,
    CloseReason,
    Reply,
    Satisfaction,
    Solved,
    RatingComment,
    RatedAt,
    KeySupervision,
    Disclosed,
    Overdue,
    MergedIntoId,
    ReopenedCount,
    SubmissionKey,
    SubmitterKey,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum CaseEvent {
    Table,
    Id,
    CaseId,
    At,
    ActorUserId,
    ActorRole,
    Action,
    FromStatus,
    ToStatus,
    Note,
    Public,
}

#[derive(DeriveIden)]
enum CasePhoto {
    Table,
    Id,
    CaseId,
    EventId,
    Hash,
    Width,
    Height,
    Bytes,
    CreatedAt,
}

#[derive(DeriveIden)]
enum Station {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Deputy {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Category {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Unit {
    Table,
    Id,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Cases::Table)
                    .col(pk_auto(Cases::Id))
                    .col(string_len_uniq(Cases::TrackingCode, 16))
                    .col(string_len(Cases::Status, 20))
                    .col(integer(Cases::Version).default(1))
                    .col(string_len(Cases::Channel, 20))
                    .col(integer(Cases::StationId))
                    .col(integer_null(Cases::DeputyId))
                    .col(integer(Cases::CategoryId))
                    .col(string_len(Cases::Tier, 20))
                    .col(integer_null(Cases::UnitId))
                    .col(text(Cases::Content))
                    .col(string_len_null(Cases::Location, 200))
                    .col(double_null(Cases::Latitude))
                    .col(double_null(Cases::Longitude))
                    .col(string_len_null(Cases::ContactName, 50))
                    .col(string_len_null(Cases::ContactPhone, 30))
                    .col(boolean(Cases::Anonymous).default(false))
                    .col(boolean(Cases::WantsCallback).default(false))
                    .col(string_len(Cases::ConsentVersion, 20))
                    .col(string_len(Cases::Lang, 5))
                    .col(timestamp_with_time_zone(Cases::ReceivedAt))
                    .col(timestamp_with_time_zone(Cases::FirstResponseDueAt))
                    .col(timestamp_with_time_zone(Cases::DueAt))
                    .col(timestamp_with_time_zone_null(Cases::FirstRespondedAt))
                    .col(timestamp_with_time_zone_null(Cases::AcceptedAt))
                    .col(timestamp_with_time_zone_null(Cases::AssignedAt))
                    .col(timestamp_with_time_zone_null(Cases::RepliedAt))
                    .col(timestamp_with_time_zone_null(Cases::ClosedAt))
                    .col(timestamp_with_time_zone_null(Cases::ArchivedAt))
                    .col(string_len_null(Cases::CloseReason, 20))
                    .col(text_null(Cases::Reply))
                    .col(string_len_null(Cases::Satisfaction, 30))
                    .col(boolean_null(Cases::Solved))
                    .col(text_null(Cases::RatingComment))
                    .col(timestamp_with_time_zone_null(Cases::RatedAt))
                    .col(boolean(Cases::KeySupervision).default(false))
                    .col(boolean(Cases::Disclosed).default(false))
                    .col(boolean(Cases::Overdue).default(false))
                    .col(integer_null(Cases::MergedIntoId))
                    .col(integer(Cases::ReopenedCount).default(0))
                    .col(string_len_null(Cases::SubmissionKey, 64).unique_key())
                    .col(string_len_null(Cases::SubmitterKey, 64))
                    .col(timestamp_with_time_zone(Cases::CreatedAt))
                    .col(timestamp_with_time_zone(Cases::UpdatedAt))
                    .foreign_key(
                        ForeignKey::create().from(Cases::Table, Cases::StationId).to(Station::Table, Station::Id),
                    )
                    .foreign_key(ForeignKey::create().from(Cases::Table, Cases::DeputyId).to(Deputy::Table, Deputy::Id))
                    .foreign_key(
                        ForeignKey::create().from(Cases::Table, Cases::CategoryId).to(Category::Table, Category::Id),
                    )
                    .foreign_key(ForeignKey::create().from(Cases::Table, Cases::UnitId).to(Unit::Table, Unit::Id))
                    .foreign_key(
                        ForeignKey::create().from(Cases::Table, Cases::MergedIntoId).to(Cases::Table, Cases::Id),
                    )
                    .to_owned(),
            )
            .await?;
        for (name, columns) in [
            ("idx_cases_station_received", vec![Cases::StationId, Cases::ReceivedAt]),
            ("idx_cases_deputy_received", vec![Cases::DeputyId, Cases::ReceivedAt]),
            ("idx_cases_unit_status", vec![Cases::UnitId, Cases::Status]),
            ("idx_cases_status_due", vec![Cases::Status, Cases::DueAt]),
            ("idx_cases_submitter_received", vec![Cases::SubmitterKey, Cases::ReceivedAt]),
        ] {
            let mut index = Index::create().name(name).table(Cases::Table).to_owned();
            for column in columns {
                index.col(column);
            }
            manager.create_index(index).await?;
        }

        manager
            .create_table(
                Table::create()
                    .table(CaseEvent::Table)
                    .col(big_pk_auto(CaseEvent::Id))
                    .col(integer(CaseEvent::CaseId))
                    .col(timestamp_with_time_zone(CaseEvent::At))
                    .col(integer_null(CaseEvent::ActorUserId))
                    .col(string_len(CaseEvent::ActorRole, 20))
                    .col(string_len(CaseEvent::Action, 30))
                    .col(string_len_null(CaseEvent::FromStatus, 20))
                    .col(string_len_null(CaseEvent::ToStatus, 20))
                    .col(text_null(CaseEvent::Note))
                    .col(boolean(CaseEvent::Public).default(false))
                    .foreign_key(
                        ForeignKey::create()
                            .from(CaseEvent::Table, CaseEvent::CaseId)
                            .to(Cases::Table, Cases::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create().name("idx_case_event_case").table(CaseEvent::Table).col(CaseEvent::CaseId).to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(CasePhoto::Table)
                    .col(pk_auto(CasePhoto::Id))
                    .col(integer(CasePhoto::CaseId))
                    .col(big_integer_null(CasePhoto::EventId))
                    .col(string_len(CasePhoto::Hash, 64))
                    .col(integer(CasePhoto::Width))
                    .col(integer(CasePhoto::Height))
                    .col(integer(CasePhoto::Bytes))
                    .col(timestamp_with_time_zone(CasePhoto::CreatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(CasePhoto::Table, CasePhoto::CaseId)
                            .to(Cases::Table, Cases::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_case_photo_case_hash")
                    .table(CasePhoto::Table)
                    .col(CasePhoto::CaseId)
                    .col(CasePhoto::Hash)
                    .unique()
                    .to_owned(),
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [CasePhoto::Table.into_iden(), CaseEvent::Table.into_iden(), Cases::Table.into_iden()] {
            manager.drop_table(Table::drop().table(table).to_owned()).await?;
        }
        Ok(())
    }
}
