//! Organisation: handling units, deadline tiers, categories, stations (station → point → grid)
//! and the working-day calendar, with the defaults every installation starts from.
use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Unit {
    Table,
    Id,
    Name,
    ContactName,
    ContactPhone,
    Active,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum Tier {
    Table,
    Code,
    Name,
    FirstResponseDays,
    ResolveDays,
    SortOrder,
}

#[derive(DeriveIden)]
enum Category {
    Table,
    Id,
    Name,
    Hint,
    DefaultTier,
    DefaultUnitId,
    SortOrder,
    Active,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum Station {
    Table,
    Id,
    Name,
    Kind,
    ParentId,
    PublicToken,
    Address,
    ContactName,
    ContactPhone,
    ReceptionDays,
    Active,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum CalendarDay {
    Table,
    Day,
    Kind,
    Name,
    UpdatedAt,
}

/// The State Council's 2026 schedule (国务院办公厅 2025-11-04), the default calendar.
const CALENDAR_2026: &[(&str, &str, &str)] = &[
    ("2026-01-01", "holiday", "元旦"),
    ("2026-01-02", "holiday", "元旦"),
    ("2026-01-03", "holiday", "元旦"),
    ("2026-01-04", "workday", "元旦调休上班"),
    ("2026-02-14", "workday", "春节调休上班"),
    ("2026-02-15", "holiday", "春节"),
    ("2026-02-16", "holiday", "春节"),
    ("2026-02-17", "holiday", "春节"),
    ("2026-02-18", "holiday", "春节"),
    ("2026-02-19", "holiday", "春节"),
    ("2026-02-20", "holiday", "春节"),
    ("2026-02-21", "holiday", "春节"),
    ("2026-02-22", "holiday", "春节"),
    ("2026-02-23", "holiday", "春节"),
    ("2026-02-28", "workday", "春节调休上班"),
    ("2026-04-04", "holiday", "清明节"),
    ("2026-04-05", "holiday", "清明节"),
    ("2026-04-06", "holiday", "清明节"),
    ("2026-05-01", "holiday", "劳动节"),
    ("2026-05-02", "holiday", "劳动节"),
    ("2026-05-03", "holiday", "劳动节"),
    ("2026-05-04", "holiday", "劳动节"),
    ("2026-05-05", "holiday", "劳动节"),
    ("2026-05-09", "workday", "劳动节调休上班"),
    ("2026-06-19", "holiday", "端午节"),
    ("2026-06-20", "holiday", "端午节"),
    ("2026-06-21", "holiday", "端午节"),
    ("2026-09-20", "workday", "国庆节调休上班"),
    ("2026-09-25", "holiday", "中秋节"),
    ("2026-09-26", "holiday", "中秋节"),
    ("2026-09-27", "holiday", "中秋节"),
    ("2026-10-01", "holiday", "国庆节"),
    ("2026-10-02", "holiday", "国庆节"),
    ("2026-10-03", "holiday", "国庆节"),
    ("2026-10-04", "holiday", "国庆节"),
    ("2026-10-05", "holiday", "国庆节"),
    ("2026-10-06", "holiday", "国庆节"),
    ("2026-10-07", "holiday", "国庆节"),
    ("2026-10-10", "workday", "国庆节调休上班"),
];

/// (code, name, first response in working days, resolution in working days)
const TIERS: &[(&str, &str, i32, i32)] =
    &[("immediate", "即收即办", 0, 0), ("week", "即收周办", 1, 5), ("month", "即收月办", 3, 22)];

/// The committee lines every station starts with: (name, hint, default tier).
const CATEGORIES: &[(&str, &str, &str)] = &[
    ("财政经济", "就业、物价、企业经营、营商环境等", "month"),
    ("农业农村", "农田水利、种养殖、乡村建设、农民增收等", "month"),
    ("城建环保交通", "道路、路灯、供水供气、噪声、垃圾、停车、公交等", "week"),
    ("教科文卫", "上学、医疗、文化体育设施等", "month"),
    ("社会建设", "养老、社保、社区服务、物业、安全隐患等", "week"),
    ("监察司法", "执法、治安、法律援助等", "month"),
    ("其他", "不属于以上类别的意见建议", "month"),
];

/// A constant date: PostgreSQL wants a typed literal, SQLite stores dates as ISO text.
fn date_literal(backend: sea_orm::DatabaseBackend, day: &str) -> SimpleExpr {
    match backend {
        sea_orm::DatabaseBackend::Postgres => Expr::cust(format!("DATE '{day}'")),
        _ => day.into(),
    }
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Unit::Table)
                    .col(pk_auto(Unit::Id))
                    .col(string_len_uniq(Unit::Name, 100))
                    .col(string_len_null(Unit::ContactName, 50))
                    .col(string_len_null(Unit::ContactPhone, 30))
                    .col(boolean(Unit::Active).default(true))
                    .col(timestamp_with_time_zone(Unit::CreatedAt))
                    .col(timestamp_with_time_zone(Unit::UpdatedAt))
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(Tier::Table)
                    .col(string_len(Tier::Code, 20).primary_key())
                    .col(string_len(Tier::Name, 50))
                    .col(integer(Tier::FirstResponseDays))
                    .col(integer(Tier::ResolveDays))
                    .col(integer(Tier::SortOrder))
                    .to_owned(),
            )
            .await?;
        for (order, (code, name, first, resolve)) in TIERS.iter().enumerate() {
            let insert = Query::insert()
                .into_table(Tier::Table)
                .columns([Tier::Code, Tier::Name, Tier::FirstResponseDays, Tier::ResolveDays, Tier::SortOrder])
                .values_panic([
                    (*code).into(),
                    (*name).into(),
                    (*first).into(),
                    (*resolve).into(),
                    (order as i32).into(),
                ])
                .to_owned();
            manager.exec_stmt(insert).await?;
        }

        manager
            .create_table(
                Table::create()
                    .table(Category::Table)
                    .col(pk_auto(Category::Id))
                    .col(string_len_uniq(Category::Name, 50))
                    .col(string_len_null(Category::Hint, 200))
                    .col(string_len(Category::DefaultTier, 20))
                    .col(integer_null(Category::DefaultUnitId))
                    .col(integer(Category::SortOrder).default(0))
                    .col(boolean(Category::Active).default(true))
                    .col(timestamp_with_time_zone(Category::CreatedAt))
                    .col(timestamp_with_time_zone(Category::UpdatedAt))
                    .foreign_key(
                        ForeignKey::create().from(Category::Table, Category::DefaultTier).to(Tier::Table, Tier::Code),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(Category::Table, Category::DefaultUnitId)
                            .to(Unit::Table, Unit::Id)
                            .on_delete(ForeignKeyAction::SetNull),
                    )
                    .to_owned(),
            )
            .await?;
        let now = Expr::current_timestamp();
        for (order, (name, hint, tier)) in CATEGORIES.iter().enumerate() {
            let insert = Query::insert()
                .into_table(Category::Table)
                .columns([
                    Category::Name,
                    Category::Hint,
                    Category::DefaultTier,
                    Category::SortOrder,
                    Category::Active,
                    Category::CreatedAt,
                    Category::UpdatedAt,
                ])
                .values_panic([
                    (*name).into(),
                    (*hint).into(),
                    (*tier).into(),
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
                    .table(Station::Table)
                    .col(pk_auto(Station::Id))
                    .col(string_len(Station::Name, 100))
                    .col(string_len(Station::Kind, 10))
                    .col(integer_null(Station::ParentId))
                    .col(string_len_uniq(Station::PublicToken, 40))
                    .col(string_len_null(Station::Address, 200))
                    .col(string_len_null(Station::ContactName, 50))
                    .col(string_len_null(Station::ContactPhone, 30))
                    .col(string_len_null(Station::ReceptionDays, 200))
                    .col(boolean(Station::Active).default(true))
                    .col(timestamp_with_time_zone(Station::CreatedAt))
                    .col(timestamp_with_time_zone(Station::UpdatedAt))
                    .foreign_key(
                        ForeignKey::create().from(Station::Table, Station::ParentId).to(Station::Table, Station::Id),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create().name("idx_station_parent").table(Station::Table).col(Station::ParentId).to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(CalendarDay::Table)
                    .col(date(CalendarDay::Day).primary_key())
                    .col(string_len(CalendarDay::Kind, 10))
                    .col(string_len_null(CalendarDay::Name, 50))
                    .col(timestamp_with_time_zone(CalendarDay::UpdatedAt))
                    .to_owned(),
            )
            .await?;
        let backend = manager.get_database_backend();
        for (day, kind, name) in CALENDAR_2026 {
            let insert = Query::insert()
                .into_table(CalendarDay::Table)
                .columns([CalendarDay::Day, CalendarDay::Kind, CalendarDay::Name, CalendarDay::UpdatedAt])
                .values_panic([date_literal(backend, day), (*kind).into(), (*name).into(), now.clone()])
                .to_owned();
            manager.exec_stmt(insert).await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            CalendarDay::Table.into_iden(),
            Station::Table.into_iden(),
            Category::Table.into_iden(),
            Tier::Table.into_iden(),
            Unit::Table.into_iden(),
        ] {
            manager.drop_table(Table::drop().table(table).to_owned()).await?;
        }
        Ok(())
    }
}
