//! The smaller books of the station standard: deputies' reports to voters (代表述职登记簿),
//! deputies' contact records with voter households (民情联系卡), and the station's "ten haves"
//! checklist (十有) with its evidence.
use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum DeputyReport {
    Table,
    Id,
    StationId,
    DeputyId,
    ReportedOn,
    Place,
    Form,
    VotersPresent,
    Summary,
    Comments,
    VotesSatisfied,
    VotesBasicallySatisfied,
    VotesDissatisfied,
    Published,
    RecordedBy,
    CreatedAt,
    UpdatedAt,
    Version,
}

#[derive(DeriveIden)]
enum ContactRecord {
    Table,
    Id,
    StationId,
    DeputyId,
    ContactedOn,
    Mode,
    Household,
    Phone,
    Matter,
    Handling,
    CaseId,
    RecordedBy,
    CreatedAt,
    UpdatedAt,
    Version,
}

#[derive(DeriveIden)]
enum TenHave {
    Table,
    Id,
    StationId,
    Item,
    Present,
    Note,
    EvidenceOn,
    PhotoHash,
    ConfirmedBy,
    ConfirmedAt,
    Version,
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

fn cascade(from: (impl IntoIden, impl IntoIden), to: (impl IntoIden, impl IntoIden)) -> ForeignKeyCreateStatement {
    ForeignKey::create().from(from.0, from.1).to(to.0, to.1).on_delete(ForeignKeyAction::Cascade).to_owned()
}

async fn index(manager: &SchemaManager<'_>, name: &str, table: impl IntoIden, columns: &[&str]) -> Result<(), DbErr> {
    let mut index = Index::create().name(name).table(table).to_owned();
    for column in columns {
        index.col(Alias::new(*column));
    }
    manager.create_index(index).await
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(DeputyReport::Table)
                    .col(pk_auto(DeputyReport::Id))
                    .col(integer(DeputyReport::StationId))
                    .col(integer(DeputyReport::DeputyId))
                    .col(date(DeputyReport::ReportedOn))
                    .col(string_len(DeputyReport::Place, 100))
                    .col(string_len(DeputyReport::Form, 12))
                    .col(integer(DeputyReport::VotersPresent).default(0))
                    .col(text(DeputyReport::Summary))
                    .col(text_null(DeputyReport::Comments))
                    .col(integer(DeputyReport::VotesSatisfied).default(0))
                    .col(integer(DeputyReport::VotesBasicallySatisfied).default(0))
                    .col(integer(DeputyReport::VotesDissatisfied).default(0))
                    .col(boolean(DeputyReport::Published).default(false))
                    .col(integer(DeputyReport::RecordedBy))
                    .col(timestamp_with_time_zone(DeputyReport::CreatedAt))
                    .col(timestamp_with_time_zone(DeputyReport::UpdatedAt))
                    .col(integer(DeputyReport::Version).default(1))
                    .foreign_key(&mut cascade(
                        (DeputyReport::Table, DeputyReport::StationId),
                        (Station::Table, Station::Id),
                    ))
                    .foreign_key(&mut cascade(
                        (DeputyReport::Table, DeputyReport::DeputyId),
                        (Deputy::Table, Deputy::Id),
                    ))
                    .to_owned(),
            )
            .await?;
        index(manager, "idx_deputy_report_station_day", DeputyReport::Table, &["station_id", "reported_on"]).await?;
        index(manager, "idx_deputy_report_deputy_day", DeputyReport::Table, &["deputy_id", "reported_on"]).await?;

        manager
            .create_table(
                Table::create()
                    .table(ContactRecord::Table)
                    .col(pk_auto(ContactRecord::Id))
                    .col(integer(ContactRecord::StationId))
                    .col(integer(ContactRecord::DeputyId))
                    .col(date(ContactRecord::ContactedOn))
                    .col(string_len(ContactRecord::Mode, 12))
                    .col(string_len(ContactRecord::Household, 100))
                    .col(string_len_null(ContactRecord::Phone, 40))
                    .col(text(ContactRecord::Matter))
                    .col(text_null(ContactRecord::Handling))
                    .col(integer_null(ContactRecord::CaseId))
                    .col(integer(ContactRecord::RecordedBy))
                    .col(timestamp_with_time_zone(ContactRecord::CreatedAt))
                    .col(timestamp_with_time_zone(ContactRecord::UpdatedAt))
                    .col(integer(ContactRecord::Version).default(1))
                    .foreign_key(&mut cascade(
                        (ContactRecord::Table, ContactRecord::StationId),
                        (Station::Table, Station::Id),
                    ))
                    .foreign_key(&mut cascade(
                        (ContactRecord::Table, ContactRecord::DeputyId),
                        (Deputy::Table, Deputy::Id),
                    ))
                    .foreign_key(
                        ForeignKey::create()
                            .from(ContactRecord::Table, ContactRecord::CaseId)
                            .to(Cases::Table, Cases::Id)
                            .on_delete(ForeignKeyAction::SetNull),
                    )
                    .to_owned(),
            )
            .await?;
        index(manager, "idx_contact_record_station_day", ContactRecord::Table, &["station_id", "contacted_on"]).await?;
        index(manager, "idx_contact_record_deputy_day", ContactRecord::Table, &["deputy_id", "contacted_on"]).await?;

        manager
            .create_table(
                Table::create()
                    .table(TenHave::Table)
                    .col(pk_auto(TenHave::Id))
                    .col(integer(TenHave::StationId))
                    .col(string_len(TenHave::Item, 20))
                    .col(boolean(TenHave::Present).default(false))
                    .col(text_null(TenHave::Note))
                    .col(date_null(TenHave::EvidenceOn))
                    .col(string_len_null(TenHave::PhotoHash, 64))
                    .col(integer_null(TenHave::ConfirmedBy))
                    .col(timestamp_with_time_zone_null(TenHave::ConfirmedAt))
                    .col(integer(TenHave::Version).default(1))
                    .foreign_key(&mut cascade((TenHave::Table, TenHave::StationId), (Station::Table, Station::Id)))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ux_ten_have_station_item")
                    .table(TenHave::Table)
                    .col(TenHave::StationId)
                    .col(TenHave::Item)
                    .unique()
                    .to_owned(),
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [TenHave::Table.into_iden(), ContactRecord::Table.into_iden(), DeputyReport::Table.into_iden()] {
            manager.drop_table(Table::drop().table(table).to_owned()).await?;
        }
        Ok(())
    }
}
