//! Reception (今日我接待): the duty roster of deputies receiving voters at a station, and the
//! reception log (人大代表接待选民来访登记簿) with the deputies on duty for each visit.
use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum ReceptionDuty {
    Table,
    Id,
    StationId,
    Date,
    Slot,
    DeputyId,
    Note,
    CreatedBy,
    CreatedAt,
}

#[derive(DeriveIden)]
enum ReceptionVisit {
    Table,
    Id,
    StationId,
    VisitedOn,
    Slot,
    VisitorName,
    VisitorPhone,
    Consent,
    VisitorsCount,
    Matter,
    CategoryId,
    Disposition,
    Result,
    Feedback,
    CaseId,
    RecordedBy,
    CreatedAt,
    UpdatedAt,
    Version,
}

#[derive(DeriveIden)]
enum ReceptionVisitDeputy {
    Table,
    VisitId,
    DeputyId,
    Position,
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
                    .table(ReceptionDuty::Table)
                    .col(pk_auto(ReceptionDuty::Id))
                    .col(integer(ReceptionDuty::StationId))
                    .col(date(ReceptionDuty::Date))
                    .col(string_len(ReceptionDuty::Slot, 12))
                    .col(integer(ReceptionDuty::DeputyId))
                    .col(string_len_null(ReceptionDuty::Note, 200))
                    .col(integer_null(ReceptionDuty::CreatedBy))
                    .col(timestamp_with_time_zone(ReceptionDuty::CreatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(ReceptionDuty::Table, ReceptionDuty::StationId)
                            .to(Station::Table, Station::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(ReceptionDuty::Table, ReceptionDuty::DeputyId)
                            .to(Deputy::Table, Deputy::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ux_reception_duty_station_date_slot_deputy")
                    .table(ReceptionDuty::Table)
                    .col(ReceptionDuty::StationId)
                    .col(ReceptionDuty::Date)
                    .col(ReceptionDuty::Slot)
                    .col(ReceptionDuty::DeputyId)
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_reception_duty_date")
                    .table(ReceptionDuty::Table)
                    .col(ReceptionDuty::Date)
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(ReceptionVisit::Table)
                    .col(pk_auto(ReceptionVisit::Id))
                    .col(integer(ReceptionVisit::StationId))
                    .col(date(ReceptionVisit::VisitedOn))
                    .col(string_len(ReceptionVisit::Slot, 12))
                    .col(string_len_null(ReceptionVisit::VisitorName, 50))
                    .col(string_len_null(ReceptionVisit::VisitorPhone, 40))
                    .col(boolean(ReceptionVisit::Consent).default(false))
                    .col(integer(ReceptionVisit::VisitorsCount).default(1))
                    .col(text(ReceptionVisit::Matter))
                    .col(integer_null(ReceptionVisit::CategoryId))
                    .col(string_len(ReceptionVisit::Disposition, 20))
                    .col(text_null(ReceptionVisit::Result))
                    .col(text_null(ReceptionVisit::Feedback))
                    .col(integer_null(ReceptionVisit::CaseId))
                    .col(integer(ReceptionVisit::RecordedBy))
                    .col(timestamp_with_time_zone(ReceptionVisit::CreatedAt))
                    .col(timestamp_with_time_zone(ReceptionVisit::UpdatedAt))
                    .col(integer(ReceptionVisit::Version).default(1))
                    .foreign_key(
                        ForeignKey::create()
                            .from(ReceptionVisit::Table, ReceptionVisit::StationId)
                            .to(Station::Table, Station::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(ReceptionVisit::Table, ReceptionVisit::CategoryId)
                            .to(Category::Table, Category::Id)
                            .on_delete(ForeignKeyAction::SetNull),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(ReceptionVisit::Table, ReceptionVisit::CaseId)
                            .to(Cases::Table, Cases::Id)
                            .on_delete(ForeignKeyAction::SetNull),
                    )
                    .to_owned(),
            )
            .await?;
        for (name, columns) in [
            ("idx_reception_visit_station_day", vec![ReceptionVisit::StationId, ReceptionVisit::VisitedOn]),
            ("idx_reception_visit_case", vec![ReceptionVisit::CaseId]),
        ] {
            let mut index = Index::create().name(name).table(ReceptionVisit::Table).to_owned();
            for column in columns {
                index.col(column);
            }
            manager.create_index(index).await?;
        }

        manager
            .create_table(
                Table::create()
                    .table(ReceptionVisitDeputy::Table)
                    .col(integer(ReceptionVisitDeputy::VisitId))
                    .col(integer(ReceptionVisitDeputy::DeputyId))
                    .col(integer(ReceptionVisitDeputy::Position).default(0))
                    .primary_key(Index::create().col(ReceptionVisitDeputy::VisitId).col(ReceptionVisitDeputy::DeputyId))
                    .foreign_key(
                        ForeignKey::create()
                            .from(ReceptionVisitDeputy::Table, ReceptionVisitDeputy::VisitId)
                            .to(ReceptionVisit::Table, ReceptionVisit::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(ReceptionVisitDeputy::Table, ReceptionVisitDeputy::DeputyId)
                            .to(Deputy::Table, Deputy::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_reception_visit_deputy_deputy")
                    .table(ReceptionVisitDeputy::Table)
                    .col(ReceptionVisitDeputy::DeputyId)
                    .to_owned(),
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            ReceptionVisitDeputy::Table.into_iden(),
            ReceptionVisit::Table.into_iden(),
            ReceptionDuty::Table.into_iden(),
        ] {
            manager.drop_table(Table::drop().table(table).to_owned()).await?;
        }
        Ok(())
    }
}
