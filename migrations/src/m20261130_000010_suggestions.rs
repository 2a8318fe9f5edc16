//! Formal suggestions (代表建议) and the register of their handling (建议办理情况登记簿): the
//! deputies who raise them (one lead, co-signers), the units that handle them (one lead, co),
//! and the legal clock (reply within 3 months of assignment, 6 at most; re-handling 1 month).
use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Suggestion {
    Table,
    Id,
    Number,
    StationId,
    RaisedOn,
    Title,
    Reasons,
    Proposals,
    CategoryId,
    LeadUnitId,
    AssignedOn,
    DueOn,
    ExtendedTo,
    RepliedOn,
    Reply,
    ResultClass,
    Satisfaction,
    RatedOn,
    RehandlingDueOn,
    RehandlingCount,
    KeySupervision,
    Status,
    ClosedOn,
    SourceCaseId,
    SourceVisitId,
    CreatedBy,
    CreatedAt,
    UpdatedAt,
    Version,
}

#[derive(DeriveIden)]
enum SuggestionDeputy {
    Table,
    SuggestionId,
    DeputyId,
    Role,
    Position,
}

#[derive(DeriveIden)]
enum SuggestionUnit {
    Table,
    SuggestionId,
    UnitId,
    Role,
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

#[derive(DeriveIden)]
enum Cases {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum ReceptionVisit {
    Table,
    Id,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Suggestion::Table)
                    .col(pk_auto(Suggestion::Id))
                    .col(string_len(Suggestion::Number, 20))
                    .col(integer(Suggestion::StationId))
                    .col(date(Suggestion::RaisedOn))
                    .col(string_len(Suggestion::Title, 200))
                    .col(text(Suggestion::Reasons))
                    .col(text_null(Suggestion::Proposals))
                    .col(integer_null(Suggestion::CategoryId))
                    .col(integer_null(Suggestion::LeadUnitId))
                    .col(date_null(Suggestion::AssignedOn))
                    .col(date_null(Suggestion::DueOn))
                    .col(date_null(Suggestion::ExtendedTo))
                    .col(date_null(Suggestion::RepliedOn))
                    .col(text_null(Suggestion::Reply))
                    .col(string_len_null(Suggestion::ResultClass, 1))
                    .col(string_len_null(Suggestion::Satisfaction, 24))
                    .col(date_null(Suggestion::RatedOn))
                    .col(date_null(Suggestion::RehandlingDueOn))
                    .col(integer(Suggestion::RehandlingCount).default(0))
                    .col(boolean(Suggestion::KeySupervision).default(false))
                    .col(string_len(Suggestion::Status, 12))
                    .col(date_null(Suggestion::ClosedOn))
                    .col(integer_null(Suggestion::SourceCaseId))
                    .col(integer_null(Suggestion::SourceVisitId))
                    .col(integer(Suggestion::CreatedBy))
                    .col(timestamp_with_time_zone(Suggestion::CreatedAt))
                    .col(timestamp_with_time_zone(Suggestion::UpdatedAt))
                    .col(integer(Suggestion::Version).default(1))
                    .foreign_key(
                        ForeignKey::create()
                            .from(Suggestion::Table, Suggestion::StationId)
                            .to(Station::Table, Station::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(Suggestion::Table, Suggestion::CategoryId)
                            .to(Category::Table, Category::Id)
                            .on_delete(ForeignKeyAction::SetNull),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(Suggestion::Table, Suggestion::LeadUnitId)
                            .to(Unit::Table, Unit::Id)
                            .on_delete(ForeignKeyAction::SetNull),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(Suggestion::Table, Suggestion::SourceCaseId)
                            .to(Cases::Table, Cases::Id)
                            .on_delete(ForeignKeyAction::SetNull),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(Suggestion::Table, Suggestion::SourceVisitId)
                            .to(ReceptionVisit::Table, ReceptionVisit::Id)
                            .on_delete(ForeignKeyAction::SetNull),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ux_suggestion_number")
                    .table(Suggestion::Table)
                    .col(Suggestion::Number)
                    .unique()
                    .to_owned(),
            )
            .await?;
        for (name, columns) in [
            ("idx_suggestion_station_raised", vec![Suggestion::StationId, Suggestion::RaisedOn]),
            ("idx_suggestion_raised", vec![Suggestion::RaisedOn, Suggestion::Id]),
            ("idx_suggestion_status", vec![Suggestion::Status]),
            ("idx_suggestion_source_case", vec![Suggestion::SourceCaseId]),
            ("idx_suggestion_source_visit", vec![Suggestion::SourceVisitId]),
        ] {
            let mut index = Index::create().name(name).table(Suggestion::Table).to_owned();
            for column in columns {
                index.col(column);
            }
            manager.create_index(index).await?;
        }

        manager
            .create_table(
                Table::create()
                    .table(SuggestionDeputy::Table)
                    .col(integer(SuggestionDeputy::SuggestionId))
                    .col(integer(SuggestionDeputy::DeputyId))
                    .col(string_len(SuggestionDeputy::Role, 4))
                    .col(integer(SuggestionDeputy::Position).default(0))
                    .primary_key(Index::create().col(SuggestionDeputy::SuggestionId).col(SuggestionDeputy::DeputyId))
                    .foreign_key(
                        ForeignKey::create()
                            .from(SuggestionDeputy::Table, SuggestionDeputy::SuggestionId)
                            .to(Suggestion::Table, Suggestion::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(SuggestionDeputy::Table, SuggestionDeputy::DeputyId)
                            .to(Deputy::Table, Deputy::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_suggestion_deputy_deputy")
                    .table(SuggestionDeputy::Table)
                    .col(SuggestionDeputy::DeputyId)
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(SuggestionUnit::Table)
                    .col(integer(SuggestionUnit::SuggestionId))
                    .col(integer(SuggestionUnit::UnitId))
                    .col(string_len(SuggestionUnit::Role, 4))
                    .primary_key(Index::create().col(SuggestionUnit::SuggestionId).col(SuggestionUnit::UnitId))
                    .foreign_key(
                        ForeignKey::create()
                            .from(SuggestionUnit::Table, SuggestionUnit::SuggestionId)
                            .to(Suggestion::Table, Suggestion::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(SuggestionUnit::Table, SuggestionUnit::UnitId)
                            .to(Unit::Table, Unit::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_suggestion_unit_unit")
                    .table(SuggestionUnit::Table)
                    .col(SuggestionUnit::UnitId)
                    .to_owned(),
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in
            [SuggestionUnit::Table.into_iden(), SuggestionDeputy::Table.into_iden(), Suggestion::Table.into_iden()]
        {
            manager.drop_table(Table::drop().table(table).to_owned()).await?;
        }
        Ok(())
    }
}
