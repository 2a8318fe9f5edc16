//! Deputies with the columns of the 五级人大代表花名册, and the QR tokens they no longer use
//! (a rotated code still lands on the station's form instead of an error).
use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Deputy {
    Table,
    Id,
    Name,
    Gender,
    Ethnicity,
    BirthMonth,
    Party,
    Education,
    Occupation,
    Employer,
    Post,
    Level,
    Term,
    CardNumber,
    Constituency,
    StationId,
    Phone,
    Address,
    PhotoPath,
    QrToken,
    QrRotatedAt,
    Remarks,
    Active,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum RetiredQrToken {
    Table,
    Token,
    DeputyId,
    StationId,
    RetiredAt,
}

#[derive(DeriveIden)]
enum Station {
    Table,
    Id,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Deputy::Table)
                    .col(pk_auto(Deputy::Id))
                    .col(string_len(Deputy::Name, 50))
                    .col(string_len_null(Deputy::Gender, 10))
                    .col(string_len_null(Deputy::Ethnicity, 20))
                    .col(string_len_null(Deputy::BirthMonth, 7))
                    .col(string_len_null(Deputy::Party, 50))
                    .col(string_len_null(Deputy::Education, 50))
                    .col(string_len_null(Deputy::Occupation, 100))
                    .col(string_len_null(Deputy::Employer, 100))
                    .col(string_len_null(Deputy::Post, 100))
                    .col(string_len(Deputy::Level, 20))
                    .col(string_len_null(Deputy::Term, 50))
                    .col(string_len_null(Deputy::CardNumber, 50))
                    .col(string_len_null(Deputy::Constituency, 100))
                    .col(integer(Deputy::StationId))
                    .col(string_len_null(Deputy::Phone, 30))
                    .col(string_len_null(Deputy::Address, 200))
                    .col(string_len_null(Deputy::PhotoPath, 200))
                    .col(string_len_uniq(Deputy::QrToken, 40))
                    .col(timestamp_with_time_zone_null(Deputy::QrRotatedAt))
                    .col(text_null(Deputy::Remarks))
                    .col(boolean(Deputy::Active).default(true))
                    .col(timestamp_with_time_zone(Deputy::CreatedAt))
                    .col(timestamp_with_time_zone(Deputy::UpdatedAt))
                    .foreign_key(
                        ForeignKey::create().from(Deputy::Table, Deputy::StationId).to(Station::Table, Station::Id),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create().name("idx_deputy_station").table(Deputy::Table).col(Deputy::StationId).to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(RetiredQrToken::Table)
                    .col(string_len(RetiredQrToken::Token, 40).primary_key())
                    .col(integer(RetiredQrToken::DeputyId))
                    .col(integer(RetiredQrToken::StationId))
                    .col(timestamp_with_time_zone(RetiredQrToken::RetiredAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(RetiredQrToken::Table, RetiredQrToken::DeputyId)
                            .to(Deputy::Table, Deputy::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(RetiredQrToken::Table, RetiredQrToken::StationId)
                            .to(Station::Table, Station::Id),
                    )
                    .to_owned(),
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.drop_table(Table::drop().table(RetiredQrToken::Table).to_owned()).await?;
        manager.drop_table(Table::drop().table(Deputy::Table).to_owned()).await
    }
}
