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
//! `case_span_days` holds, per UTC day and station, how many cases fall in each bucket of the two
//! spans whose medians the statistics show (receipt to first response, receipt to closing), kept
//! by the same triggers. The medians then read only the cases of the one or two middle buckets,
//! through an index on each span's bucket ([`first_bucket`], [`close_bucket`]: the statistics'
//! reads use these same expressions, so the indexes serve them).
//!
//! Also indexes for the reads of the cases themselves: a covering one led by the station (a
//! station's year is a range of it) and a partial one of the open cases (the "now" figures).
use sea_orm::DatabaseBackend;
use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

pub const TABLE: &str = "case_stats_days";
pub const SPANS: &str = "case_span_days";

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
const READ: [&str; 16] = [
    "received_at",
    "first_responded_at",
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

/// The hours between two instants of a record (`p`: `NEW.`, `OLD.` or nothing).
fn hours_between(backend: DatabaseBackend, p: &str, from: &str, to: &str) -> String {
    match backend {
        // `date_part` is double precision (and immutable on an interval, so it may be indexed);
        // `EXTRACT` is numeric, and slow, since PostgreSQL 14.
        DatabaseBackend::Postgres => format!("date_part('epoch', {p}\"{to}\" - {p}\"{from}\") / 3600.0"),
        _ => format!("(julianday({p}\"{to}\") - julianday({p}\"{from}\")) * 24.0"),
    }
}

/// Which cases have the first-response span: answered, not merged away.
fn first_when(p: &str) -> String {
    format!("{p}\"first_responded_at\" IS NOT NULL AND {p}\"merged_into_id\" IS NULL")
}

/// Which cases have the closing span: accepted (as the rates count it) and closed.
fn close_when(p: &str) -> String {
    let accepted = counts().into_iter().find(|(c, _)| c == "accepted").map(|(_, w)| w).unwrap_or_default();
    format!("{} AND {p}\"closed_at\" IS NOT NULL", accepted.replace("{p}", p))
}

/// A span's bucket: each hour of the first two days, then each day; NULL for a case without
/// the span. Whole numbers that keep the order of the hours (SQLite truncates, which keeps it
/// too; its `floor` needs optional maths functions).
fn bucket(backend: DatabaseBackend, when: &str, hours: &str) -> String {
    let whole = |x: &str| match backend {
        DatabaseBackend::Postgres => format!("CAST(FLOOR({x}) AS INTEGER)"),
        _ => format!("CAST({x} AS INTEGER)"),
    };
    format!(
        "(CASE WHEN {when} THEN CASE WHEN {hours} < 48 THEN {} ELSE 46 + {} END END)",
        whole(hours),
        whole(&format!("({hours}) / 24.0"))
    )
}

/// The first-response span of a case in hours (NULL without one), and its bucket.
pub fn first_response(backend: DatabaseBackend, p: &str) -> (String, String) {
    let hours = hours_between(backend, p, "received_at", "first_responded_at");
    let when = first_when(p);
    (format!("(CASE WHEN {when} THEN {hours} END)"), bucket(backend, &when, &hours))
}

/// The closing span of a case in hours (NULL without one), and its bucket.
pub fn close(backend: DatabaseBackend, p: &str) -> (String, String) {
    let hours = hours_between(backend, p, "received_at", "closed_at");
    let when = close_when(p);
    (format!("(CASE WHEN {when} THEN {hours} END)"), bucket(backend, &when, &hours))
}

/// The open statuses, as the partial index and the "now" figures' reads name them.
pub const OPEN: &str = "\"status\" IN ('submitted', 'accepted', 'assigned', 'returned', 'in_progress')";

/// One record's span rows: `sign` in its day's bucket of each span it has.
fn span_rows_of(backend: DatabaseBackend, p: &str, sign: i32, from: &str) -> String {
    let day = day(backend, p);
    [("f", first_response(backend, p).1), ("c", close(backend, p).1)]
        .iter()
        .map(|(span, bucket)| {
            format!(
                "SELECT {day} AS \"day\", {p}\"station_id\" AS \"station_id\", '{span}' AS \"span\", \
                 {bucket} AS \"bucket\", {sign} AS \"n\"{from}"
            )
        })
        .collect::<Vec<_>>()
        .join(" UNION ALL ")
}

/// Adds span rows to `case_span_days`, as [`add_rows`] does counts.
fn add_span_rows(source: &str) -> String {
    format!(
        "INSERT INTO \"{SPANS}\" (\"day\", \"station_id\", \"span\", \"bucket\", \"n\") \
         SELECT \"day\", \"station_id\", \"span\", \"bucket\", SUM(\"n\") FROM ({source}) AS rows_in \
         WHERE \"bucket\" IS NOT NULL \
         GROUP BY \"day\", \"station_id\", \"span\", \"bucket\" \
         ORDER BY \"day\", \"station_id\", \"span\", \"bucket\" \
         ON CONFLICT (\"day\", \"station_id\", \"span\", \"bucket\") \
         DO UPDATE SET \"n\" = \"{SPANS}\".\"n\" + excluded.\"n\""
    )
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
    let both = |old: bool, new: bool| {
        let (mut counts, mut spans) = (Vec::new(), Vec::new());
        if old {
            counts.push(rows_of(backend, "OLD.", -1, ""));
            spans.push(span_rows_of(backend, "OLD.", -1, ""));
        }
        if new {
            counts.push(rows_of(backend, "NEW.", 1, ""));
            spans.push(span_rows_of(backend, "NEW.", 1, ""));
        }
        format!("{}; {}", add_rows(&counts.join(" UNION ALL ")), add_span_rows(&spans.join(" UNION ALL ")))
    };
    let (insert, update, delete) = (both(false, true), both(true, true), both(true, false));
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
        manager
            .create_table(
                Table::create()
                    .table(Alias::new(SPANS))
                    .col(ColumnDef::new(Alias::new("day")).string_len(10).not_null())
                    .col(ColumnDef::new(Alias::new("station_id")).integer().not_null())
                    .col(ColumnDef::new(Alias::new("span")).string_len(1).not_null())
                    .col(ColumnDef::new(Alias::new("bucket")).integer().not_null())
                    .col(ColumnDef::new(Alias::new("n")).integer().not_null().default(0))
                    .primary_key(
                        Index::create()
                            .col(Alias::new("day"))
                            .col(Alias::new("station_id"))
                            .col(Alias::new("span"))
                            .col(Alias::new("bucket")),
                    )
                    .to_owned(),
            )
            .await?;
        let db = manager.get_connection();
        // The cases there are now, counted in once (no trigger exists yet).
        db.execute_unprepared(&add_rows(&rows_of(backend, "", 1, " FROM cases"))).await?;
        db.execute_unprepared(&add_span_rows(&span_rows_of(backend, "", 1, " FROM cases"))).await?;
        // The medians' read of the middle buckets: a range of one of these per bucket, with
        // every column that read needs (the span's, the station, the groupings').
        let (_, first) = first_response(backend, "");
        let (_, close) = close(backend, "");
        let groups = "\"station_id\", \"deputy_id\", \"category_id\", \"unit_id\"";
        db.execute_unprepared(&format!(
            "CREATE INDEX IF NOT EXISTS idx_cases_first_bucket ON cases ({first}, \"received_at\", {groups}, \
             \"first_responded_at\", \"merged_into_id\")"
        ))
        .await?;
        db.execute_unprepared(&format!(
            "CREATE INDEX IF NOT EXISTS idx_cases_close_bucket ON cases ({close}, \"received_at\", {groups}, \
             \"closed_at\", \"accepted_at\", \"merged_into_id\", \"status\", \"close_reason\")"
        ))
        .await?;
        // A station's year is a range of these (the primary keys lead with the day).
        db.execute_unprepared(&format!(
            "CREATE INDEX IF NOT EXISTS idx_case_span_days_station ON \"{SPANS}\" \
             (\"station_id\", \"day\", \"span\", \"bucket\", \"n\")"
        ))
        .await?;
        db.execute_unprepared(&format!(
            "CREATE INDEX IF NOT EXISTS idx_case_stats_days_station ON \"{TABLE}\" (\"station_id\", \"dim\", \"day\")"
        ))
        .await?;
        // The open cases, for the "now" figures: a district's year, or a station's.
        let open = "\"status\", \"due_at\", \"key_supervision\", \"deputy_id\", \"category_id\", \"unit_id\"";
        db.execute_unprepared(&format!(
            "CREATE INDEX IF NOT EXISTS idx_cases_open ON cases (\"received_at\", \"station_id\", {open}) WHERE {OPEN}"
        ))
        .await?;
        db.execute_unprepared(&format!(
            "CREATE INDEX IF NOT EXISTS idx_cases_open_station ON cases (\"station_id\", \"received_at\", {open}) \
             WHERE {OPEN}"
        ))
        .await?;
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
        for index in [
            STATION_INDEX,
            "idx_cases_first_bucket",
            "idx_cases_close_bucket",
            "idx_cases_open",
            "idx_cases_open_station",
        ] {
            manager.drop_index(Index::drop().if_exists().name(index).table(Alias::new("cases")).to_owned()).await?;
        }
        manager.drop_table(Table::drop().table(Alias::new(SPANS)).to_owned()).await?;
        manager.drop_table(Table::drop().table(Alias::new(TABLE)).to_owned()).await
    }
}

const STATION_INDEX: &str = "idx_cases_stats_station";
