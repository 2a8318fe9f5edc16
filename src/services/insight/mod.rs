//! What the numbers say: statistics and their roll-ups and medians, the figures behind every
//! rate, the dashboard, each deputy's performance file and comparison, the public report and
//! hot topics; the roll-up's runtime SQL (`rollup_sql`). Reads `cases` and `books`; writes
//! nothing but exports; never `http`, `jobs` or the migrations.
pub mod dashboard;
pub mod dashboard_xlsx;
pub mod deputy_comparison;
pub mod figures;
pub mod medians;
pub mod performance;
pub mod public_report;
pub mod rollup;
pub mod rollup_sql;
pub mod stats;
pub mod topics;
