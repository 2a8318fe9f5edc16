//! Deputies' activities (人大代表活动登记簿): what was held, where and by whom; who was invited
//! and who came (人大代表参加活动情况登记表); the cases raised at each activity; its photos.
use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Activity {
    Table,
    Id,
    StationId,
    Kind,
    HeldOn,
    Slot,
    StartsAt,
    EndsAt,
    Place,
    Topic,
    Organiser,
    OtherParticipants,
    Summary,
    CreatedBy,
    CreatedAt,
    UpdatedAt,
    Version,
}

#[derive(DeriveIden)]
enum ActivityAttendance {
    Table,
    ActivityId,
    DeputyId,
    Status,
    Note,
}

#[derive(DeriveIden)]
enum ActivityCase {
    Table,
    ActivityId,
    CaseId,
}

#[derive(DeriveIden)]
enum ActivityPhoto {
    Table,
    ActivityId,
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
enum Cases {
    Table,
    Id,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Activity::Table)
                    .col(pk_auto(Activity::Id))
                    .col(integer(Activity::StationId))
                    .col(string_len(Activity::Kind, 30))
                    .col(date(Activity::HeldOn))
                    .col(string_len_null(Activity::Slot, 12))
                    .col(string_len_null(Activity::StartsAt, 5))
                    .col(string_len_null(Activity::EndsAt, 5))
                    .col(string_len(Activity::Place, 200))
                    .col(string_len(Activity::Topic, 200))
                    .col(string_len_null(Activity::Organiser, 100))
                    .col(text_null(Activity::OtherParticipants))
                    .col(text_null(Activity::Summary))
                    .col(integer(Activity::CreatedBy))
                    .col(timestamp_with_time_zone(Activity::CreatedAt))
                    .col(timestamp_with_time_zone(Activity::UpdatedAt))
                    .col(integer(Activity::Version).default(1))
                    .foreign_key(
                        ForeignKey::create()
                            .from(Activity::Table, Activity::StationId)
                            .to(Station::Table, Station::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_activity_station_day")
                    .table(Activity::Table)
                    .col(Activity::StationId)
                    .col(Activity::HeldOn)
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create().name("idx_activity_day").table(Activity::Table).col(Activity::HeldOn).to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(ActivityAttendance::Table)
                    .col(integer(ActivityAttendance::ActivityId))
                    .col(integer(ActivityAttendance::DeputyId))
                    .col(string_len(ActivityAttendance::Status, 10).default("invited"))
                    .col(string_len_null(ActivityAttendance::Note, 200))
                    .primary_key(Index::create().col(ActivityAttendance::ActivityId).col(ActivityAttendance::DeputyId))
                    .foreign_key(
                        ForeignKey::create()
                            .from(ActivityAttendance::Table, ActivityAttendance::ActivityId)
                            .to(Activity::Table, Activity::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(ActivityAttendance::Table, ActivityAttendance::DeputyId)
                            .to(Deputy::Table, Deputy::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_activity_attendance_deputy")
                    .table(ActivityAttendance::Table)
                    .col(ActivityAttendance::DeputyId)
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(ActivityCase::Table)
                    .col(integer(ActivityCase::ActivityId))
                    .col(integer(ActivityCase::CaseId))
                    .primary_key(Index::create().col(ActivityCase::ActivityId).col(ActivityCase::CaseId))
                    .foreign_key(
                        ForeignKey::create()
                            .from(ActivityCase::Table, ActivityCase::ActivityId)
                            .to(Activity::Table, Activity::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(ActivityCase::Table, ActivityCase::CaseId)
                            .to(Cases::Table, Cases::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_activity_case_case")
                    .table(ActivityCase::Table)
                    .col(ActivityCase::CaseId)
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(ActivityPhoto::Table)
                    .col(integer(ActivityPhoto::ActivityId))
                    .col(string_len(ActivityPhoto::Hash, 64))
                    .col(integer(ActivityPhoto::Width))
                    .col(integer(ActivityPhoto::Height))
                    .col(integer(ActivityPhoto::Bytes))
                    .col(timestamp_with_time_zone(ActivityPhoto::CreatedAt))
                    .primary_key(Index::create().col(ActivityPhoto::ActivityId).col(ActivityPhoto::Hash))
                    .foreign_key(
                        ForeignKey::create()
                            .from(ActivityPhoto::Table, ActivityPhoto::ActivityId)
                            .to(Activity::Table, Activity::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            ActivityPhoto::Table.into_iden(),
            ActivityCase::Table.into_iden(),
            ActivityAttendance::Table.into_iden(),
            Activity::Table.into_iden(),
        ] {
            manager.drop_table(Table::drop().table(table).to_owned()).await?;
        }
        Ok(())
    }
}
