//! A daily roll-up of the statistics' additive counts, kept by the database itself.
//!
//! `case_stats_days` holds, per UTC day of receipt and station, the counts of the cases received
//! that day three times over: by category (`dim` 'c'), by deputy ('d', 0 for none) and by unit
//! ('u', 0 for none). Triggers on `cases` take a case's old contribution away and add its new
//! one on every insert, update of a counted column and delete, whichever code path writes, so
//! the roll-up cannot drift from the cases; the existing cases are counted in once here. A year
//! of a district is then a few tens of thousands of small rows rather than every case.
//!
//! The conditions mirror `services::figures` (their SQL) as they stand when this file lands; a
//! later change of a figure's definition needs a new migration that replaces the triggers and
//! recounts (`services::stats_rollup::recount`). UTC days, not local ones: the time zone is a
//! setting and SQLite has no zone database, so the statistics read whole UTC days from here and
//! the hours at the ends of a local period from the cases.
//!
//! Also a second covering index for the statistics' reads of the cases themselves, led by the
//! station: a station's year is then a range of it, not a filter over the district's year.
use sea_orm::DatabaseBackend;
use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

pub const TABLE: &str = "case_stats_days";

/// The counted columns, each with the condition a case meets to count in it (`{p}` stands for
/// the record: `NEW.`, `OLD.` or nothing).
fn counts() -> Vec<(String, String)> {
    let accepted = "{p}\"accepted_at\" IS NOT NULL AND {p}\"merged_into_id\" IS NULL AND {p}\"status\" <> 'rejected' \
         AND NOT ({p}\"status\" = 'archived' AND {p}\"closed_at\" IS NULL) \
         AND ({p}\"close_reason\" IS NULL OR {p}\"close_reason\" <> 'withdrawn')";
    let closed = format!("{accepted} AND {p}\"closed_at\" IS NOT NULL", p = "{p}");
    let rated = format!("{accepted} AND {p}\"rated_at\" IS NOT NULL AND {p}\"satisfaction\" IS NOT NULL", p = "{p}");
    let mut out = vec![("received".to_string(), "1 = 1".to_string())];
    for status in
        ["submitted", "accepted", "rejected", "assigned", "returned", "in_progress", "replied", "closed", "archived"]
    {
        out.push((format!("s_{status}"), format!("{{p}}\"status\" = '{status}'")));
    }
    let more = [
        ("merged", "{p}\"merged_into_id\" IS NOT NULL".to_string()),
        ("withdrawn", "{p}\"close_reason\" = 'withdrawn'".to_string()),
        ("accepted", accepted.to_string()),
        ("replied", format!("{accepted} AND {{p}}\"replied_at\" IS NOT NULL")),
        ("closed", closed.clone()),
        ("closed_on_time", format!("{closed} AND {{p}}\"closed_at\" <= {{p}}\"due_at\"")),
        ("rated", rated.clone()),
        ("solved", format!("{rated} AND {{p}}\"solved\" = TRUE")),
        ("satisfied", format!("{rated} AND {{p}}\"satisfaction\" = 'satisfied'")),
        ("basically_satisfied", format!("{rated} AND {{p}}\"satisfaction\" = 'basically_satisfied'")),
        ("dissatisfied", format!("{rated} AND {{p}}\"satisfaction\" = 'dissatisfied'")),
    ];
    out.extend(more.into_iter().map(|(c, s)| (c.to_string(), s)));
    out
}

/// The columns of `cases` the counts and keys read: an update of any other column (the text,
/// the overdue flag, the contact) leaves the roll-up alone.
const READ: [&str; 15] = [
    "received_at",
    "station_id",
    "deputy_id",
    "category_id",
    "unit_id",
    "status",
    "accepted_at",
    "merged_into_id",
    "close_reason",
    "closed_at",
    "due_at",
    "replied_at",
    "rated_at",
    "satisfaction",
    "solved",
];

fn day(backend: DatabaseBackend, p: &str) -> String {
    match backend {
        DatabaseBackend::Postgres => format!("to_char({p}\"received_at\" AT TIME ZONE 'UTC', 'YYYY-MM-DD')"),
        _ => format!("date({p}\"received_at\")"),
    }
}

/// One record's rows (a row per dimension), each count `sign` × 0 or 1.
fn rows_of(backend: DatabaseBackend, p: &str, sign: i32, from: &str) -> String {
    let counts: Vec<String> = counts()
        .into_iter()
        .map(|(column, condition)| {
            format!("CASE WHEN {} THEN {sign} ELSE 0 END AS \"{column}\"", condition.replace("{p}", p))
        })
        .collect();
    let counts = counts.join(", ");
    let day = day(backend, p);
    [("c", format!("{p}\"category_id\"")), ("d", format!("COALESCE({p}\"deputy_id\", 0)")), ("u", format!("COALESCE({p}\"unit_id\", 0)"))]
        .iter()
        .map(|(dim, value)| {
            format!("SELECT {day} AS \"day\", {p}\"station_id\" AS \"station_id\", '{dim}' AS \"dim\", {value} AS \"dim_value\", {counts}{from}")
        })
        .collect::<Vec<_>>()
        .join(" UNION ALL ")
}

/// Adds the rows of `source` (a query with the roll-up's columns) to the roll-up, summed per
/// key first (one upsert may touch a row once) and in key order (so that concurrent writers
/// lock the rows they share in the same order).
fn add_rows(source: &str) -> String {
    let names: Vec<String> = counts().into_iter().map(|(c, _)| c).collect();
    let columns = names.iter().map(|c| format!("\"{c}\"")).collect::<Vec<_>>().join(", ");
    let sums = names.iter().map(|c| format!("SUM(\"{c}\")")).collect::<Vec<_>>().join(", ");
    let updates = names
        .iter()
        .map(|c| format!("\"{c}\" = \"{TABLE}\".\"{c}\" + excluded.\"{c}\""))
        .collect::<Vec<_>>()
        .join(", ");
    format!(
        "INSERT INTO \"{TABLE}\" (\"day\", \"station_id\", \"dim\", \"dim_value\", {columns}) \
         SELECT \"day\", \"station_id\", \"dim\", \"dim_value\", {sums} FROM ({source}) AS rows_in WHERE 1 = 1 \
         GROUP BY \"day\", \"station_id\", \"dim\", \"dim_value\" \
         ORDER BY \"day\", \"station_id\", \"dim\", \"dim_value\" \
         ON CONFLICT (\"day\", \"station_id\", \"dim\", \"dim_value\") DO UPDATE SET {updates}"
    )
}

/// Statements that create the triggers.
fn triggers(backend: DatabaseBackend) -> Vec<String> {
    let insert = add_rows(&rows_of(backend, "NEW.", 1, ""));
    let update = add_rows(&format!("{} UNION ALL {}", rows_of(backend, "OLD.", -1, ""), rows_of(backend, "NEW.", 1, "")));
    let delete = add_rows(&rows_of(backend, "OLD.", -1, ""));
    let read = READ.iter().map(|c| format!("\"{c}\"")).collect::<Vec<_>>().join(", ");
    match backend {
        DatabaseBackend::Postgres => vec![
            format!(
                "CREATE OR REPLACE FUNCTION case_stats_days_apply() RETURNS trigger LANGUAGE plpgsql AS $body$ \
                 BEGIN \
                 IF TG_OP = 'INSERT' THEN {insert}; \
                 ELSIF TG_OP = 'UPDATE' THEN {update}; \
                 ELSE {delete}; \
                 END IF; \
                 RETURN NULL; \
                 END $body$"
            ),
            "CREATE TRIGGER case_stats_days_insert AFTER INSERT OR DELETE ON cases \
             FOR EACH ROW EXECUTE FUNCTION case_stats_days_apply()"
                .to_string(),
            format!(
                "CREATE TRIGGER case_stats_days_update AFTER UPDATE OF {read} ON cases \
                 FOR EACH ROW EXECUTE FUNCTION case_stats_days_apply()"
            ),
        ],
        _ => vec![
            format!("CREATE TRIGGER case_stats_days_insert AFTER INSERT ON cases BEGIN {insert}; END"),
            format!("CREATE TRIGGER case_stats_days_update AFTER UPDATE OF {read} ON cases BEGIN {update}; END"),
            format!("CREATE TRIGGER case_stats_days_delete AFTER DELETE ON cases BEGIN {delete}; END"),
        ],
    }
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let backend = manager.get_database_backend();
        let mut table = Table::create()
            .table(Alias::new(TABLE))
            .col(ColumnDef::new(Alias::new("day")).string_len(10).not_null())
            .col(ColumnDef::new(Alias::new("station_id")).integer().not_null())
            .col(ColumnDef::new(Alias::new("dim")).string_len(1).not_null())
            .col(ColumnDef::new(Alias::new("dim_value")).integer().not_null())
            .primary_key(
                Index::create()
                    .col(Alias::new("day"))
                    .col(Alias::new("station_id"))
                    .col(Alias::new("dim"))
                    .col(Alias::new("dim_value")),
            )
            .to_owned();
        for (column, _) in counts() {
            table.col(ColumnDef::new(Alias::new(column)).integer().not_null().default(0));
        }
        manager.create_table(table).await?;
        let db = manager.get_connection();
        // The cases there are now, counted in once (no trigger exists yet).
        db.execute_unprepared(&add_rows(&rows_of(backend, "", 1, " FROM cases"))).await?;
        for statement in triggers(backend) {
            db.execute_unprepared(&statement).await?;
        }
        let mut index = Index::create().if_not_exists().name(STATION_INDEX).table(Alias::new("cases")).to_owned();
        for column in [
            "station_id",
            "received_at",
            "status",
            "deputy_id",
            "category_id",
            "unit_id",
            "accepted_at",
            "merged_into_id",
            "close_reason",
            "closed_at",
            "due_at",
            "key_supervision",
            "first_responded_at",
        ] {
            index.col(Alias::new(column));
        }
        manager.create_index(index).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        match manager.get_database_backend() {
            DatabaseBackend::Postgres => {
                db.execute_unprepared("DROP TRIGGER IF EXISTS case_stats_days_insert ON cases").await?;
                db.execute_unprepared("DROP TRIGGER IF EXISTS case_stats_days_update ON cases").await?;
                db.execute_unprepared("DROP FUNCTION IF EXISTS case_stats_days_apply()").await?;
            }
            _ => {
                for name in ["case_stats_days_insert", "case_stats_days_update", "case_stats_days_delete"] {
                    db.execute_unprepared(&format!("DROP TRIGGER IF EXISTS {name}")).await?;
                }
            }
        }
        manager.drop_index(Index::drop().if_exists().name(STATION_INDEX).table(Alias::new("cases")).to_owned()).await?;
        manager.drop_table(Table::drop().table(Alias::new(TABLE)).to_owned()).await
    }
}

const STATION_INDEX: &str = "idx_cases_stats_station";
