//! Handling: extension requests, reply templates, job leases (one sweep at a time across
//! processes), the notification outbox, in-app notifications and webhooks.
use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Cases {
    Table,
    Id,
    DueSoonNotified,
    Percent,
    ReturnedCount,
}

#[derive(DeriveIden)]
enum ExtensionRequest {
    Table,
    Id,
    CaseId,
    RequestedBy,
    RequestedAt,
    Reason,
    Days,
    Status,
    DecidedBy,
    DecidedAt,
    DecisionNote,
}

#[derive(DeriveIden)]
enum ReplyTemplate {
    Table,
    Id,
    StationId,
    Kind,
    Title,
    Body,
    SortOrder,
    Active,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum JobLease {
    Table,
    Name,
    Holder,
    LeasedUntil,
    LastStartedAt,
    LastFinishedAt,
    LastRunDay,
}

#[derive(DeriveIden)]
enum JobRun {
    Table,
    Id,
    Name,
    Holder,
    StartedAt,
    FinishedAt,
    Summary,
}

#[derive(DeriveIden)]
enum Outbox {
    Table,
    Id,
    Event,
    CaseId,
    UserId,
    WebhookId,
    Title,
    Body,
    Payload,
    Status,
    Attempts,
    NextAttemptAt,
    LastError,
    CreatedAt,
    DeliveredAt,
}

#[derive(DeriveIden)]
enum Notification {
    Table,
    Id,
    UserId,
    CaseId,
    Event,
    Title,
    Body,
    CreatedAt,
    ReadAt,
}

#[derive(DeriveIden)]
enum Webhook {
    Table,
    Id,
    StationId,
    DeputyId,
    Format,
    Url,
    Secret,
    Active,
    CreatedAt,
    UpdatedAt,
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
enum AppUser {
    Table,
    Id,
}

/// (kind, title, body): the reasons and answers staff pick from most often.
const TEMPLATES: &[(&str, &str, &str)] = &[
    (
        "reject",
        "个人诉求请走信访渠道",
        "您反映的是个人诉求，按规定请通过信访渠道反映，我们可以告诉您具体的受理地点和电话。",
    ),
    (
        "reject",
        "已进入诉讼或仲裁程序",
        "您反映的事项已进入诉讼（仲裁）程序，依法应由人民法院（仲裁机构）处理，请您理解。",
    ),
    ("reject", "不属于受理范围", "您反映的事项不属于人大代表联络站的受理范围，建议您向有关部门反映。"),
    ("reply", "已交有关部门办理", "您好，您反映的问题已交有关部门办理，办理结果我们会及时答复您。感谢您的反映！"),
    ("reply", "已解决", "您好，您反映的问题已经解决。如仍有问题，欢迎继续反映。感谢您对人大工作的支持！"),
    ("reply", "已列入计划", "您好，您反映的问题已列入有关部门的工作计划，预计在近期实施，我们将持续跟踪。"),
    ("reply", "政策解释", "您好，经了解，您反映的事项涉及以下政策规定：……。如有疑问，欢迎到联络站当面沟通。"),
];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // SQLite adds one column per statement.
        for column in [
            boolean(Cases::DueSoonNotified).default(false).to_owned(),
            integer_null(Cases::Percent).to_owned(),
            integer(Cases::ReturnedCount).default(0).to_owned(),
        ] {
            manager.alter_table(Table::alter().table(Cases::Table).add_column(column).to_owned()).await?;
        }

        manager
            .create_table(
                Table::create()
                    .table(ExtensionRequest::Table)
                    .col(pk_auto(ExtensionRequest::Id))
                    .col(integer(ExtensionRequest::CaseId))
                    .col(integer(ExtensionRequest::RequestedBy))
                    .col(timestamp_with_time_zone(ExtensionRequest::RequestedAt))
                    .col(text(ExtensionRequest::Reason))
                    .col(integer(ExtensionRequest::Days))
                    .col(string_len(ExtensionRequest::Status, 10))
                    .col(integer_null(ExtensionRequest::DecidedBy))
                    .col(timestamp_with_time_zone_null(ExtensionRequest::DecidedAt))
                    .col(text_null(ExtensionRequest::DecisionNote))
                    .foreign_key(
                        ForeignKey::create()
                            .from(ExtensionRequest::Table, ExtensionRequest::CaseId)
                            .to(Cases::Table, Cases::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_extension_request_case")
                    .table(ExtensionRequest::Table)
                    .col(ExtensionRequest::CaseId)
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(ReplyTemplate::Table)
                    .col(pk_auto(ReplyTemplate::Id))
                    .col(integer_null(ReplyTemplate::StationId))
                    .col(string_len(ReplyTemplate::Kind, 10))
                    .col(string_len(ReplyTemplate::Title, 50))
                    .col(text(ReplyTemplate::Body))
                    .col(integer(ReplyTemplate::SortOrder).default(0))
                    .col(boolean(ReplyTemplate::Active).default(true))
                    .col(timestamp_with_time_zone(ReplyTemplate::CreatedAt))
                    .col(timestamp_with_time_zone(ReplyTemplate::UpdatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(ReplyTemplate::Table, ReplyTemplate::StationId)
                            .to(Station::Table, Station::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        let now = Expr::current_timestamp();
        for (order, (kind, title, body)) in TEMPLATES.iter().enumerate() {
            let insert = Query::insert()
                .into_table(ReplyTemplate::Table)
                .columns([
                    ReplyTemplate::Kind,
                    ReplyTemplate::Title,
                    ReplyTemplate::Body,
                    ReplyTemplate::SortOrder,
                    ReplyTemplate::Active,
                    ReplyTemplate::CreatedAt,
                    ReplyTemplate::UpdatedAt,
                ])
                .values_panic([
                    (*kind).into(),
                    (*title).into(),
                    (*body).into(),
                    ((order as i32 + 1) * 10).into(),
                    true.into(),
                    now.clone(),
                    now.clone(),
                ])
                .to_owned();
            manager.exec_stmt(insert).await?;
        }

        manager
            .create_table(
                Table::create()
                    .table(JobLease::Table)
                    .col(string_len(JobLease::Name, 40).primary_key())
                    .col(string_len_null(JobLease::Holder, 80))
                    .col(timestamp_with_time_zone_null(JobLease::LeasedUntil))
                    .col(timestamp_with_time_zone_null(JobLease::LastStartedAt))
                    .col(timestamp_with_time_zone_null(JobLease::LastFinishedAt))
                    .col(date_null(JobLease::LastRunDay))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(JobRun::Table)
                    .col(big_pk_auto(JobRun::Id))
                    .col(string_len(JobRun::Name, 40))
                    .col(string_len(JobRun::Holder, 80))
                    .col(timestamp_with_time_zone(JobRun::StartedAt))
                    .col(timestamp_with_time_zone_null(JobRun::FinishedAt))
                    .col(text_null(JobRun::Summary))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_job_run_name_started")
                    .table(JobRun::Table)
                    .col(JobRun::Name)
                    .col(JobRun::StartedAt)
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(Webhook::Table)
                    .col(pk_auto(Webhook::Id))
                    .col(integer_null(Webhook::StationId))
                    .col(integer_null(Webhook::DeputyId))
                    .col(string_len(Webhook::Format, 10))
                    .col(string_len(Webhook::Url, 500))
                    .col(string_len_null(Webhook::Secret, 200))
                    .col(boolean(Webhook::Active).default(true))
                    .col(timestamp_with_time_zone(Webhook::CreatedAt))
                    .col(timestamp_with_time_zone(Webhook::UpdatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(Webhook::Table, Webhook::StationId)
                            .to(Station::Table, Station::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(Webhook::Table, Webhook::DeputyId)
                            .to(Deputy::Table, Deputy::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(Outbox::Table)
                    .col(big_pk_auto(Outbox::Id))
                    .col(string_len(Outbox::Event, 40))
                    .col(integer_null(Outbox::CaseId))
                    .col(integer_null(Outbox::UserId))
                    .col(integer_null(Outbox::WebhookId))
                    .col(string_len(Outbox::Title, 200))
                    .col(text(Outbox::Body))
                    .col(text_null(Outbox::Payload))
                    .col(string_len(Outbox::Status, 10))
                    .col(integer(Outbox::Attempts).default(0))
                    .col(timestamp_with_time_zone(Outbox::NextAttemptAt))
                    .col(text_null(Outbox::LastError))
                    .col(timestamp_with_time_zone(Outbox::CreatedAt))
                    .col(timestamp_with_time_zone_null(Outbox::DeliveredAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(Outbox::Table, Outbox::UserId)
                            .to(AppUser::Table, AppUser::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(Outbox::Table, Outbox::WebhookId)
                            .to(Webhook::Table, Webhook::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_outbox_status_next")
                    .table(Outbox::Table)
                    .col(Outbox::Status)
                    .col(Outbox::NextAttemptAt)
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(Notification::Table)
                    .col(big_pk_auto(Notification::Id))
                    .col(integer(Notification::UserId))
                    .col(integer_null(Notification::CaseId))
                    .col(string_len(Notification::Event, 40))
                    .col(string_len(Notification::Title, 200))
                    .col(text(Notification::Body))
                    .col(timestamp_with_time_zone(Notification::CreatedAt))
                    .col(timestamp_with_time_zone_null(Notification::ReadAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(Notification::Table, Notification::UserId)
                            .to(AppUser::Table, AppUser::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_notification_user_read")
                    .table(Notification::Table)
                    .col(Notification::UserId)
                    .col(Notification::ReadAt)
                    .to_owned(),
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            Notification::Table.into_iden(),
            Outbox::Table.into_iden(),
            Webhook::Table.into_iden(),
            JobRun::Table.into_iden(),
            JobLease::Table.into_iden(),
            ReplyTemplate::Table.into_iden(),
            ExtensionRequest::Table.into_iden(),
        ] {
            manager.drop_table(Table::drop().table(table).to_owned()).await?;
        }
        for column in [Cases::DueSoonNotified.into_iden(), Cases::Percent.into_iden(), Cases::ReturnedCount.into_iden()]
        {
            manager.alter_table(Table::alter().table(Cases::Table).drop_column(column).to_owned()).await?;
        }
        Ok(())
    }
}
