//! Two app processes on one database behind a round-robin balancer: requests alternate
//! between them; when both take an action on the same case at once (each with the version it
//! read), exactly one wins and the other gets 409 — no update is lost or applied twice.
//! (Sweeps and notifications under two processes: `processes.rs`.)
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::cases::desk;
use crate::helpers::*;

#[tokio::test]
async fn two_processes_behind_round_robin_lose_no_update() {
    let d = desk().await;
    let second = spawn_app_on(d.app(), &d.app().database_url).await;
    let apps = [d.app(), &second];
    let mut ids = Vec::new();
    for n in 0..8 {
        ids.push(d.case(&format!("第{n}件：小区路灯不亮，晚上出行不便")).await);
    }
    // Round robin: every read goes to the next process, and both see the same case.
    for (turn, id) in ids.iter().enumerate() {
        let seen: Value =
            expect(apps[turn % 2].get(&format!("/api/v1/cases/{id}"), &d.manager).await, StatusCode::OK).await;
        assert_eq!(seen["version"], 1);
    }
    // Both processes act on each case at the same moment with the version they read.
    for id in &ids {
        let path = format!("/api/v1/cases/{id}/actions");
        let accept_body = json!({"action": "accept", "version": 1});
        let reject_body = json!({"action": "reject", "version": 1, "reason": "personal_grievance"});
        let accept = apps[0].post(&path, &d.manager, &accept_body);
        let reject = apps[1].post(&path, &d.manager, &reject_body);
        let (accepted, rejected) = tokio::join!(accept, reject);
        let statuses = [accepted.status(), rejected.status()];
        let wins = statuses.iter().filter(|s| **s == StatusCode::OK).count();
        assert_eq!(wins, 1, "case {id}: {statuses:?}");
        assert!(statuses.contains(&StatusCode::CONFLICT), "case {id}: {statuses:?}");
        let winner = if statuses[0] == StatusCode::OK { "accept" } else { "reject" };
        let stored = d.stored(*id).await;
        assert_eq!(stored.version, 2, "one update, not two");
        assert_eq!(stored.status, if winner == "accept" { "accepted" } else { "rejected" });
        let events = d.events(*id).await;
        let acted: Vec<&str> =
            events.iter().map(|e| e.action.as_str()).filter(|a| *a == "accept" || *a == "reject").collect();
        assert_eq!(acted, vec![winner], "case {id}: exactly the winner's event");
    }
}
