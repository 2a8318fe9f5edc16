//! A submission's one-time key is scoped to what it was sent with: the fingerprint of its
//! target and body is kept beside the key, so a key replayed with another body (or to another
//! deputy's code) is refused instead of answering with someone else's case.
use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Cases {
    Table,
    SubmissionFingerprint,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(Cases::Table)
                    .add_column(ColumnDef::new(Cases::SubmissionFingerprint).string_len(64).null())
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(Table::alter().table(Cases::Table).drop_column(Cases::SubmissionFingerprint).to_owned())
            .await
    }
}
