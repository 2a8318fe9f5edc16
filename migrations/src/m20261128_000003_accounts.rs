//! Staff accounts and their scope, sign-in sessions (revocable), sign-in attempts (for
//! throttling across processes) and the audit log.
use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum AppUser {
    Table,
    Id,
    Username,
    DisplayName,
    PasswordHash,
    Role,
    UnitId,
    DeputyId,
    Active,
    PasswordChangedAt,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum UserStation {
    Table,
    UserId,
    StationId,
}

#[derive(DeriveIden)]
enum Session {
    Table,
    Id,
    UserId,
    CreatedAt,
    ExpiresAt,
    RevokedAt,
    Ip,
    UserAgent,
}

#[derive(DeriveIden)]
enum LoginAttempt {
    Table,
    Id,
    Username,
    Ip,
    At,
    Succeeded,
}

#[derive(DeriveIden)]
enum AuditLog {
    Table,
    Id,
    At,
    UserId,
    Action,
    TargetType,
    TargetId,
    Detail,
    Ip,
}

#[derive(DeriveIden)]
enum Station {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Unit {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Deputy {
    Table,
    Id,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(AppUser::Table)
                    .col(pk_auto(AppUser::Id))
                    .col(string_len_uniq(AppUser::Username, 32))
                    .col(string_len_null(AppUser::DisplayName, 50))
                    .col(string_len(AppUser::PasswordHash, 200))
                    .col(string_len(AppUser::Role, 10))
                    .col(integer_null(AppUser::UnitId))
                    .col(integer_null(AppUser::DeputyId))
                    .col(boolean(AppUser::Active).default(true))
                    .col(timestamp_with_time_zone(AppUser::PasswordChangedAt))
                    .col(timestamp_with_time_zone(AppUser::CreatedAt))
                    .col(timestamp_with_time_zone(AppUser::UpdatedAt))
                    .foreign_key(ForeignKey::create().from(AppUser::Table, AppUser::UnitId).to(Unit::Table, Unit::Id))
                    .foreign_key(
                        ForeignKey::create().from(AppUser::Table, AppUser::DeputyId).to(Deputy::Table, Deputy::Id),
                    )
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(UserStation::Table)
                    .col(integer(UserStation::UserId))
                    .col(integer(UserStation::StationId))
                    .primary_key(Index::create().col(UserStation::UserId).col(UserStation::StationId))
                    .foreign_key(
                        ForeignKey::create()
                            .from(UserStation::Table, UserStation::UserId)
                            .to(AppUser::Table, AppUser::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(UserStation::Table, UserStation::StationId)
                            .to(Station::Table, Station::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(Session::Table)
                    .col(string_len(Session::Id, 36).primary_key())
                    .col(integer(Session::UserId))
                    .col(timestamp_with_time_zone(Session::CreatedAt))
                    .col(timestamp_with_time_zone(Session::ExpiresAt))
                    .col(timestamp_with_time_zone_null(Session::RevokedAt))
                    .col(string_len_null(Session::Ip, 64))
                    .col(string_len_null(Session::UserAgent, 200))
                    .foreign_key(
                        ForeignKey::create()
                            .from(Session::Table, Session::UserId)
                            .to(AppUser::Table, AppUser::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create().name("idx_session_user").table(Session::Table).col(Session::UserId).to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(LoginAttempt::Table)
                    .col(big_pk_auto(LoginAttempt::Id))
                    .col(string_len(LoginAttempt::Username, 64))
                    .col(string_len(LoginAttempt::Ip, 64))
                    .col(timestamp_with_time_zone(LoginAttempt::At))
                    .col(boolean(LoginAttempt::Succeeded))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_login_attempt_username_at")
                    .table(LoginAttempt::Table)
                    .col(LoginAttempt::Username)
                    .col(LoginAttempt::At)
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_login_attempt_ip_at")
                    .table(LoginAttempt::Table)
                    .col(LoginAttempt::Ip)
                    .col(LoginAttempt::At)
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(AuditLog::Table)
                    .col(big_pk_auto(AuditLog::Id))
                    .col(timestamp_with_time_zone(AuditLog::At))
                    .col(integer_null(AuditLog::UserId))
                    .col(string_len(AuditLog::Action, 50))
                    .col(string_len_null(AuditLog::TargetType, 30))
                    .col(integer_null(AuditLog::TargetId))
                    .col(text_null(AuditLog::Detail))
                    .col(string_len_null(AuditLog::Ip, 64))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(Index::create().name("idx_audit_log_at").table(AuditLog::Table).col(AuditLog::At).to_owned())
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            AuditLog::Table.into_iden(),
            LoginAttempt::Table.into_iden(),
            Session::Table.into_iden(),
            UserStation::Table.into_iden(),
            AppUser::Table.into_iden(),
        ] {
            manager.drop_table(Table::drop().table(table).to_owned()).await?;
        }
        Ok(())
    }
}
