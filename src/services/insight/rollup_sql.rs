//! The SQL the statistics' reads share with the roll-up's triggers and indexes: the roll-up's
//! tables, the open statuses of its partial indexes, and the two spans (hours and bucket)
//! whose expressions the bucket indexes are built on. The reads must use these very
//! expressions, or the indexes do not serve them.
//!
//! This is the runtime copy of what migration 000014 froze when it landed (migrations are
//! append-only, so theirs never changes). The two must stay equal: a test
//! (`tests/api/stats_rollup.rs`) compares them. Changing an expression here means a new
//! migration that rebuilds the triggers and indexes, and a frozen copy there to compare with.
use sea_orm::DatabaseBackend;

/// The daily roll-up of the counts.
pub const TABLE: &str = "case_stats_days";
/// The daily roll-up of the spans' buckets.
pub const SPANS: &str = "case_span_days";

/// The open statuses, as the partial index and the "now" figures' reads name them.
pub const OPEN: &str = "\"status\" IN ('submitted', 'accepted', 'assigned', 'returned', 'in_progress')";

/// Accepted, as the rates count it (`figures::ACCEPTED`), of the record `{p}` stands for
/// (`NEW.`, `OLD.` or nothing).
const ACCEPTED: &str = "{p}\"accepted_at\" IS NOT NULL AND {p}\"merged_into_id\" IS NULL AND {p}\"status\" <> 'rejected' \
     AND NOT ({p}\"status\" = 'archived' AND {p}\"closed_at\" IS NULL) \
     AND ({p}\"close_reason\" IS NULL OR {p}\"close_reason\" <> 'withdrawn')";

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
    format!("{} AND {p}\"closed_at\" IS NOT NULL", ACCEPTED.replace("{p}", p))
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_closing_span_counts_the_cases_the_rates_call_accepted() {
        assert_eq!(ACCEPTED.replace("{p}", ""), crate::services::insight::figures::ACCEPTED);
    }
}
