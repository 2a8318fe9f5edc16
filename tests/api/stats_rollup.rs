//! The daily roll-up of the statistics (`case_stats_days`, kept by triggers) gives exactly
//! the figures of counting the cases themselves, after every kind of change to the cases: the
//! actions of the known scenario, withdrawals, cases received on both sides of UTC and local
//! midnights and month ends, and writes straight to the table that move a case to another
//! station, category, unit or day.
use chrono::{Duration, NaiveDate, TimeZone, Utc};
use liaison::entities::{app_user, case, category};
use liaison::services::books::ledgers::Period;
use liaison::services::insight::stats::{self, GroupBy, StatsRequest};
use liaison::services::organisation::actor::Actor;
use reqwest::StatusCode;
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, Set};
use serde_json::json;

use crate::cases::Desk;
use crate::helpers::*;
use crate::stats::{World, world};

fn day(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

async fn actor(w: &Desk, username: &str) -> Actor {
    let db = &w.app().state.db;
    let user = app_user::Entity::find().filter(app_user::Column::Username.eq(username)).one(db).await.unwrap().unwrap();
    Actor::load(db, user, "roll-up test".into()).await.unwrap()
}

/// Every grouping over `period`, as `username` sees it, from the roll-up and from the cases.
async fn agree(w: &Desk, username: &str, station_id: Option<i32>, period: Period) -> i64 {
    let db = &w.app().state.db;
    let actor = actor(w, username).await;
    let mut received = 0;
    for group_by in [
        None,
        Some(GroupBy::Station),
        Some(GroupBy::Deputy),
        Some(GroupBy::Category),
        Some(GroupBy::Unit),
        Some(GroupBy::Month),
    ] {
        let request = StatsRequest {
            station_id,
            deputy_id: None,
            period,
            group_by,
            tz: chrono_tz::Asia::Shanghai,
            now: w.app().clock.now_utc(),
        };
        let rolled = stats::stats(db, &actor, request).await.unwrap();
        let counted = stats::stats_from_cases(db, &actor, request).await.unwrap();
        assert_eq!(rolled, counted, "{username} {station_id:?} {period:?} {group_by:?}");
        received = rolled.totals.received;
    }
    received
}

async fn all_agree(w: &Desk) -> i64 {
    let station = Some(w.s.station as i32);
    let periods = [
        Period { from: day(2026, 1, 1), to: day(2026, 12, 31) },
        Period { from: day(2026, 3, 1), to: day(2026, 4, 30) },
        Period { from: day(2026, 3, 13), to: day(2026, 3, 14) },
        Period { from: day(2026, 3, 31), to: day(2026, 4, 1) },
        Period { from: day(2026, 1, 20), to: day(2026, 3, 2) },
    ];
    let mut received = 0;
    for period in periods {
        received = received.max(agree(w, "admin", None, period).await);
        agree(w, "admin", station, period).await;
        agree(w, "manager-a", station, period).await;
        agree(w, "manager-b", None, period).await;
        agree(w, "viewer-a", None, period).await;
    }
    received
}

#[tokio::test]
async fn the_roll_up_counts_what_the_cases_count_after_every_kind_of_change() {
    let World { w } = world().await;
    assert_eq!(all_agree(&w).await, 9);

    // Cases received every five hours across UTC and Beijing midnights (12–15 March), and
    // around the end of March in Beijing time (31 March 20:00 to 1 April 02:00 is one UTC day).
    let mut late = Vec::new();
    for i in 0..12 {
        late.push(w.case(&format!("第{i}件：楼道的灯不亮。")).await);
        w.app().clock.advance(Duration::hours(5));
    }
    w.app().clock.set(Utc.with_ymd_and_hms(2026, 3, 31, 11, 30, 0).unwrap());
    for i in 0..4 {
        late.push(w.case(&format!("月末第{i}件：垃圾没人清运。")).await);
        w.app().clock.advance(Duration::hours(3));
    }
    w.ok(&w.manager, late[0], json!({"action": "accept"})).await;
    w.ok(&w.manager, late[0], json!({"action": "assign", "unit_id": w.other_unit})).await;
    w.ok(&w.manager, late[1], json!({"action": "reject", "reason": "litigation"})).await;
    w.ok(&w.manager, late[12], json!({"action": "accept"})).await;
    w.ok(&w.manager, late[13], json!({"action": "accept"})).await;
    w.ok(&w.manager, late[13], json!({"action": "merge", "into_case_id": late[12]})).await;
    w.ok(&w.manager, late[12], json!({"action": "reply", "text": "已清运。"})).await;
    w.ok(&w.manager, late[12], json!({"action": "close"})).await;
    let code = w.stored(late[2]).await.tracking_code;
    let response = w
        .app()
        .client
        .post(w.app().url(&format!("/api/v1/public/submissions/{code}/withdraw")))
        .json(&json!({"reason": "不需要了"}))
        .send()
        .await
        .unwrap();
    expect(response, StatusCode::OK).await;
    assert_eq!(all_agree(&w).await, 25);

    // Writes that no action makes, straight to the table: the triggers follow them too.
    let db = &w.app().state.db;
    let w = &w;
    let moved = |id: i64| async move {
        let record = case::Entity::find_by_id(id as i32).one(&w.app().state.db).await.unwrap().unwrap();
        let mut active: case::ActiveModel = record.clone().into();
        active.version = Set(record.version + 1);
        (record, active)
    };
    let (_, mut active) = moved(late[3]).await;
    active.station_id = Set(w.other_station as i32);
    active.update(db).await.unwrap();
    let (record, mut active) = moved(late[4]).await;
    active.received_at = Set(record.received_at - Duration::days(40));
    active.update(db).await.unwrap();
    let (_, mut active) = moved(late[5]).await;
    active.unit_id = Set(Some(w.unit as i32));
    active.assigned_at = Set(Some(w.app().clock.now_utc()));
    active.deputy_id = Set(None);
    active.update(db).await.unwrap();
    let (record, mut active) = moved(late[14]).await;
    let other = category::Entity::find()
        .filter(category::Column::Id.ne(record.category_id))
        .one(db)
        .await
        .unwrap()
        .expect("a second category");
    active.category_id = Set(other.id);
    active.update(db).await.unwrap();
    assert_eq!(all_agree(w).await, 25);
}

/// The application's copy of the roll-up's SQL is what migration 000014 froze: the reads then
/// use the expressions the triggers and the bucket indexes were built on. A change to one
/// without the other (and a new migration) fails here.
#[test]
fn the_runtime_roll_up_sql_is_the_migrations() {
    use liaison::services::insight::rollup_sql;
    use migration::stats_sql as frozen;
    use sea_orm::DatabaseBackend;
    assert_eq!(rollup_sql::TABLE, frozen::TABLE);
    assert_eq!(rollup_sql::SPANS, frozen::SPANS);
    assert_eq!(rollup_sql::OPEN, frozen::OPEN);
    for backend in [DatabaseBackend::Sqlite, DatabaseBackend::Postgres] {
        for p in ["", "NEW.", "OLD."] {
            assert_eq!(rollup_sql::first_response(backend, p), frozen::first_response(backend, p), "{backend:?} {p}");
            assert_eq!(rollup_sql::close(backend, p), frozen::close(backend, p), "{backend:?} {p}");
        }
    }
}
