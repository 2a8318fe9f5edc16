//! Retention (个人信息保护法: keep personal data no longer than needed): residents' names,
//! phones, map points and device keys are erased from cases closed more than
//! `retention_years` ago, and visitors' names and phones from reception visits held that long
//! ago. The cases and visits stay, with everything else, for the books and the statistics.
//! Erased in batches, each batch one transaction; every run that erased anything writes one
//! line to the audit log. The retention job (`jobs::retention`) runs it under its lease.
use chrono::{DateTime, Duration, Months, Utc};
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, EntityTrait, QueryFilter, QuerySelect, Select, TransactionSession,
    TransactionTrait, UpdateMany,
};

use crate::entities::{case, reception_visit};
use crate::error::AppResult;
use crate::services::privacy::audit;

/// Rows changed per transaction.
const BATCH: u64 = 500;

#[derive(Debug, Default, Clone, Copy, PartialEq, Eq, serde::Serialize, utoipa::ToSchema)]
pub struct RetentionSummary {
    /// Cases whose resident's personal data was erased in this run.
    pub cases: u64,
    /// Reception visits whose visitor's name and phone were erased.
    pub visits: u64,
}

impl std::fmt::Display for RetentionSummary {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "cases={} visits={}", self.cases, self.visits)
    }
}

/// The moment before which closed cases lose their personal data; `None` when retention is off.
pub fn cutoff(now: DateTime<Utc>, years: u32) -> Option<DateTime<Utc>> {
    if years == 0 {
        return None;
    }
    now.checked_sub_months(Months::new(years * 12)).or(Some(now - Duration::days(366 * i64::from(years))))
}

fn holds_personal_data() -> Condition {
    Condition::any()
        .add(case::Column::ContactName.is_not_null())
        .add(case::Column::ContactPhone.is_not_null())
        .add(case::Column::ContactPhoneHash.is_not_null())
        .add(case::Column::Latitude.is_not_null())
        .add(case::Column::Longitude.is_not_null())
        .add(case::Column::SubmitterKey.is_not_null())
}

/// Runs `erase` on the rows `found` picks, a batch per transaction, until none is left; how
/// many rows it changed. `found` must stop matching a row once erased, or this never ends.
async fn in_batches<E, C>(db: &C, found: Select<E>, id: E::Column, erase: UpdateMany<E>) -> AppResult<u64>
where
    E: EntityTrait,
    C: ConnectionTrait + TransactionTrait,
{
    let mut total = 0;
    loop {
        let txn = db.begin().await?;
        let ids: Vec<i32> = found.clone().select_only().column(id).limit(BATCH).into_tuple().all(&txn).await?;
        if ids.is_empty() {
            return Ok(total);
        }
        let erased = erase.clone().filter(id.is_in(ids)).exec(&txn).await?;
        txn.commit().await?;
        total += erased.rows_affected;
    }
}

/// Erases the personal data of cases closed, and visits held, before `before`.
#[tracing::instrument(skip_all)]
pub async fn erase<C: ConnectionTrait + TransactionTrait>(
    db: &C,
    now: DateTime<Utc>,
    before: DateTime<Utc>,
    tz: chrono_tz::Tz,
) -> AppResult<RetentionSummary> {
    let old_cases = case::Entity::find().filter(case::Column::ClosedAt.lt(before)).filter(holds_personal_data());
    let erase_cases = case::Entity::update_many()
        .col_expr(case::Column::ContactName, Expr::value(Option::<String>::None))
        .col_expr(case::Column::ContactPhone, Expr::value(Option::<String>::None))
        // The phone's lookup hash goes too: "cases from this phone" must not find them.
        .col_expr(case::Column::ContactPhoneHash, Expr::value(Option::<String>::None))
        .col_expr(case::Column::Latitude, Expr::value(Option::<f64>::None))
        .col_expr(case::Column::Longitude, Expr::value(Option::<f64>::None))
        .col_expr(case::Column::SubmitterKey, Expr::value(Option::<String>::None))
        // A concurrent edit of the same case (with the version it read) then gets 409.
        .col_expr(case::Column::Version, Expr::col(case::Column::Version).add(1))
        .col_expr(case::Column::UpdatedAt, Expr::value(now));
    let cases = in_batches(db, old_cases, case::Column::Id, erase_cases).await?;

    let last_day = before.with_timezone(&tz).date_naive();
    let old_visits = reception_visit::Entity::find().filter(reception_visit::Column::VisitedOn.lt(last_day)).filter(
        Condition::any()
            .add(reception_visit::Column::VisitorName.is_not_null())
            .add(reception_visit::Column::VisitorPhone.is_not_null())
            .add(reception_visit::Column::VisitorPhoneHash.is_not_null()),
    );
    let erase_visits = reception_visit::Entity::update_many()
        .col_expr(reception_visit::Column::VisitorName, Expr::value(Option::<String>::None))
        .col_expr(reception_visit::Column::VisitorPhone, Expr::value(Option::<String>::None))
        .col_expr(reception_visit::Column::VisitorPhoneHash, Expr::value(Option::<String>::None))
        .col_expr(reception_visit::Column::UpdatedAt, Expr::value(now));
    let visits = in_batches(db, old_visits, reception_visit::Column::Id, erase_visits).await?;

    let summary = RetentionSummary { cases, visits };
    if summary != RetentionSummary::default() {
        let detail = format!("{summary}, closed before {}", before.to_rfc3339());
        audit::record(db, now, None, "retention_erased", None, Some(&detail), None).await?;
        tracing::info!(cases = summary.cases, visits = summary.visits, "retention erased personal data");
    }
    Ok(summary)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_cutoff_is_whole_years_back_and_zero_keeps_everything() {
        let now = DateTime::parse_from_rfc3339("2026-03-02T01:00:00Z").unwrap().to_utc();
        assert_eq!(cutoff(now, 3).unwrap().to_rfc3339(), "2023-03-02T01:00:00+00:00");
        assert_eq!(cutoff(now, 0), None);
        let leap = DateTime::parse_from_rfc3339("2028-02-29T00:00:00Z").unwrap().to_utc();
        assert_eq!(cutoff(leap, 1).unwrap().to_rfc3339(), "2027-02-28T00:00:00+00:00");
    }
}
