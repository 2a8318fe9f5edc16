//! `liaison seed-cases`: fills a database with many plausible cases, for measuring the queues
//! and statistics at scale. Never for production data (it refuses in production).
use chrono::{DateTime, Duration, Utc};
use rand::Rng;
use rand::seq::IndexedRandom;
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, Set, TransactionSession, TransactionTrait};

use crate::domain::case_state::{CaseStatus, Satisfaction};
use crate::domain::tracking::TrackingCode;
use crate::entities::{case, category, deputy, station, unit};
use crate::error::{AppError, AppResult};

const TEXTS: &[&str] = &[
    "小区门口的路灯坏了，晚上很黑，老人出行不便。",
    "广场舞音响声音太大，晚上十点后还在跳，影响休息。",
    "幸福路有个大坑，电动车经过很危险。",
    "垃圾清运不及时，小区门口堆满垃圾，气味难闻。",
    "希望在社区增设老年食堂，方便独居老人吃饭。",
    "学校门口上下学时段交通拥堵，建议增加交警疏导。",
    "农田灌溉水渠堵塞，影响春耕。",
    "公交站台没有遮雨棚，下雨天等车很不方便。",
    "楼道里堆放杂物，存在消防隐患。",
    "建议增加社区医院的儿科门诊时间。",
];

/// Statuses in proportions a year-old station would have.
const STATUSES: &[(CaseStatus, u32)] = &[
    (CaseStatus::Submitted, 5),
    (CaseStatus::Accepted, 5),
    (CaseStatus::Assigned, 10),
    (CaseStatus::InProgress, 10),
    (CaseStatus::Replied, 10),
    (CaseStatus::Closed, 50),
    (CaseStatus::Rejected, 5),
    (CaseStatus::Archived, 5),
];

pub async fn seed<C: ConnectionTrait + TransactionTrait>(db: &C, count: u64, now: DateTime<Utc>) -> AppResult<u64> {
    let stations: Vec<i32> = station::Entity::find().all(db).await?.into_iter().map(|s| s.id).collect();
    let deputies: Vec<(i32, i32)> =
        deputy::Entity::find().all(db).await?.into_iter().map(|d| (d.id, d.station_id)).collect();
    let categories: Vec<i32> = category::Entity::find()
        .filter(category::Column::Active.eq(true))
        .all(db)
        .await?
        .into_iter()
        .map(|c| c.id)
        .collect();
    let units: Vec<i32> = unit::Entity::find().all(db).await?.into_iter().map(|u| u.id).collect();
    if stations.is_empty() || categories.is_empty() {
        return Err(AppError::conflict("empty", "run `liaison demo` (or create stations) first"));
    }
    let weights: u32 = STATUSES.iter().map(|(_, w)| w).sum();
    let mut rng = rand::rng();
    let mut written = 0u64;
    // A chunk stays under SQLite's limit of bound parameters per statement.
    const CHUNK: u64 = 400;
    // Many chunks per transaction: one durable commit per 20,000 cases, not per 400.
    let mut txn = db.begin().await?;
    while written < count {
        let size = CHUNK.min(count - written);
        let mut rows = Vec::with_capacity(size as usize);
        for _ in 0..size {
            let received = now - Duration::minutes(rng.random_range(0..(2 * 365 * 24 * 60)));
            let mut pick = rng.random_range(0..weights);
            let status = STATUSES
                .iter()
                .find(|(_, w)| {
                    if pick < *w {
                        true
                    } else {
                        pick -= w;
                        false
                    }
                })
                .map_or(CaseStatus::Closed, |(s, _)| *s);
            let (deputy_id, station_id) = if rng.random_bool(0.7) && !deputies.is_empty() {
                let (d, s) = *deputies.choose(&mut rng).unwrap_or(&(0, stations[0]));
                (Some(d), s)
            } else {
                (None, *stations.choose(&mut rng).unwrap_or(&stations[0]))
            };
            let tier = ["immediate", "week", "month"][rng.random_range(0..3)];
            let days = match tier {
                "immediate" => 1,
                "week" => 7,
                _ => 31,
            };
            let assigned = !matches!(status, CaseStatus::Submitted | CaseStatus::Accepted | CaseStatus::Rejected);
            let answered = matches!(status, CaseStatus::Replied | CaseStatus::Closed | CaseStatus::Archived);
            let closed = matches!(status, CaseStatus::Closed | CaseStatus::Archived);
            let rated = closed && rng.random_bool(0.8);
            let satisfaction = [Satisfaction::Satisfied, Satisfaction::BasicallySatisfied, Satisfaction::Dissatisfied]
                [rng.random_range(0..3)];
            rows.push(case::ActiveModel {
                tracking_code: Set(TrackingCode::generate().as_str().to_string()),
                status: Set(status.as_str().to_string()),
                version: Set(1),
                channel: Set("qr".into()),
                station_id: Set(station_id),
                deputy_id: Set(deputy_id),
                category_id: Set(*categories.choose(&mut rng).unwrap_or(&categories[0])),
                tier: Set(tier.into()),
                unit_id: Set(if assigned { units.choose(&mut rng).copied() } else { None }),
                content: Set(TEXTS.choose(&mut rng).unwrap_or(&TEXTS[0]).to_string()),
                location: Set(None),
                latitude: Set(None),
                longitude: Set(None),
                contact_name: Set(None),
                contact_phone: Set(None),
                anonymous: Set(true),
                wants_callback: Set(false),
                consent_version: Set("seed".into()),
                lang: Set("zh-CN".into()),
                received_at: Set(received),
                first_response_due_at: Set(received + Duration::days(1)),
                due_at: Set(received + Duration::days(days)),
                first_responded_at: Set((status != CaseStatus::Submitted).then(|| received + Duration::hours(5))),
                accepted_at: Set((status != CaseStatus::Submitted).then(|| received + Duration::hours(5))),
                assigned_at: Set(assigned.then(|| received + Duration::hours(6))),
                replied_at: Set(answered.then(|| received + Duration::days(rng.random_range(0..days + 5)))),
                closed_at: Set(closed.then(|| received + Duration::days(days))),
                archived_at: Set((status == CaseStatus::Archived).then(|| received + Duration::days(days + 30))),
                close_reason: Set(closed.then(|| if rated { "rated" } else { "unrated" }.to_string())),
                reply: Set(answered.then(|| "已交有关部门办理并答复。".to_string())),
                satisfaction: Set(rated.then(|| satisfaction.as_str().to_string())),
                solved: Set(rated.then(|| rng.random_bool(0.85))),
                rating_comment: Set(None),
                rated_at: Set(rated.then(|| received + Duration::days(days + 1))),
                key_supervision: Set(rng.random_bool(0.02)),
                disclosed: Set(false),
                overdue: Set(false),
                merged_into_id: Set(None),
                reopened_count: Set(0),
                submission_key: Set(None),
                submitter_key: Set(None),
                created_at: Set(received),
                updated_at: Set(received),
                due_soon_notified: Set(false),
                percent: Set(None),
                returned_count: Set(0),
                ..Default::default()
            });
        }
        case::Entity::insert_many(rows).exec_without_returning(&txn).await?;
        written += size;
        if written.is_multiple_of(20_000) {
            txn.commit().await?;
            txn = db.begin().await?;
        }
    }
    txn.commit().await?;
    if db.get_database_backend() == sea_orm::DatabaseBackend::Sqlite {
        db.execute_unprepared("ANALYZE").await?;
    } else {
        // Vacuum too: it sets the visibility map that index-only counts rely on, as
        // autovacuum would after a while in a live database.
        db.execute_unprepared("VACUUM ANALYZE cases").await?;
    }
    Ok(written)
}
