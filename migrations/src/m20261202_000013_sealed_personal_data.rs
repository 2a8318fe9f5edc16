//! Residents' names and phones encrypted at rest: a lookup hash beside each phone (indexed,
//! for "cases from this phone"), the table of the keys the data was sealed with, and on
//! PostgreSQL the personal columns widened to text (a sealed value is longer than the
//! `varchar` limits the plaintext had). The values themselves are sealed by the application
//! at start-up: the keys are not the database's to know.
use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum DataKey {
    Table,
    Name,
    Fingerprint,
    CreatedAt,
    RetiredAt,
}

/// (table, phone hash column, its index, the personal columns).
const SEALED: [(&str, &str, &str, [&str; 2]); 3] = [
    ("cases", "contact_phone_hash", "idx_cases_contact_phone_hash", ["contact_name", "contact_phone"]),
    (
        "reception_visit",
        "visitor_phone_hash",
        "idx_reception_visit_visitor_phone_hash",
        ["visitor_name", "visitor_phone"],
    ),
    ("contact_record", "phone_hash", "idx_contact_record_phone_hash", ["household", "phone"]),
];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(DataKey::Table)
                    // `data:<key id>` or `lookup`.
                    .col(string_len(DataKey::Name, 40).primary_key())
                    .col(string_len(DataKey::Fingerprint, 64))
                    .col(timestamp_with_time_zone(DataKey::CreatedAt))
                    .col(timestamp_with_time_zone_null(DataKey::RetiredAt))
                    .to_owned(),
            )
            .await?;
        let postgres = manager.get_database_backend() == sea_orm::DatabaseBackend::Postgres;
        for (table, hash, index, columns) in SEALED {
            manager
                .alter_table(
                    Table::alter()
                        .table(Alias::new(table))
                        .add_column(string_len_null(Alias::new(hash), 64))
                        .to_owned(),
                )
                .await?;
            manager
                .create_index(Index::create().name(index).table(Alias::new(table)).col(Alias::new(hash)).to_owned())
                .await?;
            // SQLite does not enforce `varchar` lengths (and cannot alter a column's type).
            if postgres {
                for column in columns {
                    manager
                        .alter_table(
                            Table::alter()
                                .table(Alias::new(table))
                                .modify_column(ColumnDef::new(Alias::new(column)).text())
                                .to_owned(),
                        )
                        .await?;
                }
            }
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for (table, hash, index, _) in SEALED {
            manager.drop_index(Index::drop().if_exists().name(index).table(Alias::new(table)).to_owned()).await?;
            manager
                .alter_table(Table::alter().table(Alias::new(table)).drop_column(Alias::new(hash)).to_owned())
                .await?;
        }
        manager.drop_table(Table::drop().table(DataKey::Table).to_owned()).await
    }
}
