//! Several real `liaison` processes on one database: the sweep runs in one of them at a time
//! and does its work once.
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use liaison::entities::{case, case_event, job_run, outbox};
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder, Set};

use crate::cases::desk;

struct Process(Child);

impl Drop for Process {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn start(database_url: &str, dir: &std::path::Path) -> Process {
    let child = crate::helpers::with_test_keys(&mut Command::new(env!("CARGO_BIN_EXE_liaison")))
        .arg("serve")
        .env("DATABASE_URL", database_url)
        .env("LIAISON_DATA_DIR", dir)
        .env("LIAISON_BIND", "127.0.0.1:0")
        .env("LIAISON_JWT_SECRET", "test-secret-0123456789-abcdefghijklmnopqrstuvwxyz")
        .env("LIAISON_RUN_JOBS", "true")
        .env("LIAISON_SWEEP_INTERVAL_SECS", "1")
        .env("LIAISON_DELIVER_INTERVAL_SECS", "3600")
        .env("LIAISON_WORKERS", "1")
        .env("RUST_LOG", "warn")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("the liaison binary starts");
    Process(child)
}

#[tokio::test]
async fn two_processes_sweep_one_at_a_time_and_once() {
    let w = desk().await;
    let app = w.app();
    let id = w.case("两个进程同时运行时，超期只能提醒一次。").await;
    w.ok(&w.manager, id, serde_json::json!({"action": "assign", "unit_id": w.unit, "tier": "week"})).await;
    // The processes run on the real clock, long after this case's (March 2026) deadline.
    let mut stored: case::ActiveModel = w.stored(id).await.into();
    stored.due_at = Set(chrono::Utc::now() - chrono::Duration::days(1));
    stored.update(&app.state.db).await.unwrap();

    let dir = tempfile::tempdir().unwrap();
    let first = start(&app.database_url, dir.path());
    let second = start(&app.database_url, dir.path());
    // Wait (bounded) until the two have swept a few times between them.
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let finished = job_run::Entity::find()
            .filter(job_run::Column::Name.eq("sweep"))
            .filter(job_run::Column::FinishedAt.is_not_null())
            .count(&app.state.db)
            .await
            .unwrap();
        if finished >= 6 {
            break;
        }
        assert!(Instant::now() < deadline, "the processes did not sweep within a minute ({finished} runs)");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    drop(first);
    drop(second);

    let runs = job_run::Entity::find()
        .filter(job_run::Column::Name.eq("sweep"))
        .filter(job_run::Column::FinishedAt.is_not_null())
        .order_by_asc(job_run::Column::StartedAt)
        .all(&app.state.db)
        .await
        .unwrap();
    for pair in runs.windows(2) {
        let (earlier, later) = (&pair[0], &pair[1]);
        assert!(
            earlier.finished_at.unwrap() <= later.started_at,
            "runs overlapped: {} ({}) and {} ({})",
            earlier.holder,
            earlier.started_at,
            later.holder,
            later.started_at
        );
    }
    let overdue_events = case_event::Entity::find()
        .filter(case_event::Column::CaseId.eq(id as i32))
        .filter(case_event::Column::Action.eq("overdue"))
        .count(&app.state.db)
        .await
        .unwrap();
    assert_eq!(overdue_events, 1, "announced once, not once per process");
    let notices = outbox::Entity::find()
        .filter(outbox::Column::CaseId.eq(id as i32))
        .filter(outbox::Column::Event.eq("case_overdue"))
        .count(&app.state.db)
        .await
        .unwrap();
    // The deputy's account, the manager of the station and the unit's handler.
    assert_eq!(notices, 3);
}
