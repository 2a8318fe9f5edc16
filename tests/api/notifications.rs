//! Notifications: the outbox delivered in the app and to webhooks (a local receiver stands in
//! for 企业微信 and 钉钉), retries with back-off, the daily digest, and who may see what.
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration as StdDuration, Instant};

use actix_web::dev::ServerHandle;
use actix_web::{App, HttpRequest, HttpResponse, HttpServer, web};
use base64::Engine;
use chrono::{DateTime, Duration, Utc};
use hmac::{Hmac, Mac};
use liaison::entities::{case, outbox};
use liaison::jobs::digest::{DigestMode, DigestOutcome};
use reqwest::StatusCode;
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder, Set};
use serde_json::{Value, json};

use crate::helpers::*;
use crate::intake::{Scene, scene, scene_with};

/// One request the receiver saw.
#[derive(Debug, Clone)]
struct Hit {
    method: String,
    path: String,
    query: String,
    signature: Option<String>,
    body: Value,
}

#[derive(Default)]
struct Log {
    hits: Mutex<Vec<Hit>>,
    failures_left: AtomicUsize,
}

/// A webhook receiver on a free port. `/slow` answers after 8 s, `/errcode` answers 200 with
/// a robot's refusal, everything else `{"errcode":0}`; the first `fail_first` requests get 500.
struct Receiver {
    base: String,
    log: Arc<Log>,
    handle: ServerHandle,
}

impl Drop for Receiver {
    fn drop(&mut self) {
        drop(self.handle.stop(false));
    }
}

async fn record(req: HttpRequest, body: web::Bytes, log: web::Data<Log>) -> HttpResponse {
    log.hits.lock().unwrap().push(Hit {
        method: req.method().to_string(),
        path: req.path().to_string(),
        query: req.query_string().to_string(),
        signature: req.headers().get("x-liaison-signature").map(|v| v.to_str().unwrap().to_string()),
        body: serde_json::from_slice(&body).unwrap_or(Value::Null),
    });
    if req.path() == "/slow" {
        tokio::time::sleep(StdDuration::from_secs(8)).await;
    }
    if log.failures_left.fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1)).is_ok() {
        return HttpResponse::InternalServerError().body("down");
    }
    if req.path() == "/errcode" {
        return HttpResponse::Ok().json(json!({"errcode": 93000, "errmsg": "invalid webhook url"}));
    }
    HttpResponse::Ok().json(json!({"errcode": 0, "errmsg": "ok"}))
}

impl Receiver {
    async fn start(fail_first: usize) -> Receiver {
        let log = Arc::new(Log { failures_left: AtomicUsize::new(fail_first), ..Log::default() });
        let data = web::Data::from(log.clone());
        let server = HttpServer::new(move || App::new().app_data(data.clone()).default_service(web::to(record)))
            .workers(1)
            .bind(("127.0.0.1", 0))
            .unwrap();
        let port = server.addrs()[0].port();
        let server = server.run();
        let handle = server.handle();
        tokio::spawn(server);
        Receiver { base: format!("http://127.0.0.1:{port}"), log, handle }
    }

    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    fn hits(&self) -> Vec<Hit> {
        self.log.hits.lock().unwrap().clone()
    }

    fn hits_on(&self, path: &str) -> Vec<Hit> {
        self.hits().into_iter().filter(|h| h.path == path).collect()
    }
}

/// An address nothing listens on.
fn closed_port_url() -> String {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    drop(listener);
    format!("http://127.0.0.1:{port}/hook")
}

fn query_param(query: &str, name: &str) -> Option<String> {
    let url = reqwest::Url::parse(&format!("http://receiver/?{query}")).unwrap();
    url.query_pairs().find(|(k, _)| k == name).map(|(_, v)| v.into_owned())
}

struct People {
    deputy: (i64, String),
    manager: (i64, String),
}

async fn people(s: &Scene) -> People {
    let deputy_id = s.deputy["id"].as_i64().unwrap();
    let deputy = s.app.user(&s.admin, "wangjg", "deputy", json!({"deputy_id": deputy_id})).await;
    let manager = s.app.user(&s.admin, "zhanzhang", "manager", json!({"station_ids": [s.station]})).await;
    People { deputy, manager }
}

async fn submit(s: &Scene, content: &str) -> case::Model {
    let body = json!({
        "qr_token": s.qr(),
        "category_id": s.week_category,
        "content": content,
        "location": "幸福小区东门",
        "contact_name": "张三",
        "contact_phone": "13812345678",
        "consent": true,
    });
    let response = s.app.client.post(s.app.url("/api/v1/public/submissions")).json(&body).send().await.unwrap();
    let created = expect(response, StatusCode::CREATED).await;
    s.case(created["tracking_code"].as_str().unwrap()).await
}

async fn webhook(s: &Scene, token: &str, body: Value) -> i64 {
    s.app.create("/api/v1/webhooks", token, body).await["id"].as_i64().unwrap()
}

async fn run_job(app: &TestApp, name: &str) -> Value {
    let admin = app.admin_token().await;
    let result = expect(app.post(&format!("/api/v1/jobs/{name}/run"), &admin, &json!({})).await, StatusCode::OK).await;
    assert_eq!(result["ran"], true, "{result}");
    result["summary"].clone()
}

async fn outbox_rows(app: &TestApp) -> Vec<outbox::Model> {
    outbox::Entity::find().order_by_asc(outbox::Column::Id).all(&app.state.db).await.unwrap()
}

fn d(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s).unwrap().to_utc()
}

fn dingtalk_sign(secret: &str, timestamp: &str) -> String {
    let mut mac = Hmac::<sha2::Sha256>::new_from_slice(secret.as_bytes()).unwrap();
    mac.update(format!("{timestamp}\n{secret}").as_bytes());
    base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes())
}

#[tokio::test]
async fn a_submission_reaches_the_deputy_the_manager_and_every_webhook_format() {
    let s = scene().await;
    let who = people(&s).await;
    let receiver = Receiver::start(0).await;
    let manager = &who.manager.1;
    let deputy_id = s.deputy["id"].as_i64().unwrap();
    webhook(&s, manager, json!({"station_id": s.station, "format": "wecom", "url": receiver.url("/wecom?key=k1")}))
        .await;
    let ding = s
        .app
        .create(
            "/api/v1/webhooks",
            manager,
            json!({"deputy_id": deputy_id, "format": "dingtalk", "url": receiver.url("/dingtalk?access_token=t1"), "secret": "SECabc+/="}),
        )
        .await;
    assert_eq!(ding["has_secret"], true);
    assert!(ding.get("secret").is_none(), "{ding}");
    webhook(
        &s,
        manager,
        json!({"station_id": s.station, "format": "json", "url": receiver.url("/json"), "secret": "s3"}),
    )
    .await;

    let record = submit(&s, "小区门口的路灯坏了一个多月，晚上很黑，老人出行不便。").await;
    let pending = outbox_rows(&s.app).await;
    assert_eq!(pending.len(), 5, "deputy, manager and three webhooks: {pending:?}");
    assert!(pending.iter().all(|r| r.status == "pending"));
    assert!(receiver.hits().is_empty(), "the submission itself posts nothing");

    let summary = run_job(&s.app, "deliver").await;
    assert_eq!(summary["in_app"], 2, "{summary}");
    assert_eq!(summary["posted"], 3, "{summary}");
    assert!(outbox_rows(&s.app).await.iter().all(|r| r.status == "delivered" && r.delivered_at.is_some()));

    let case_link = format!("/app/cases/{}", record.id);
    for (token, label) in [(&who.deputy.1, "deputy"), (manager, "manager")] {
        let list = expect(s.app.get("/api/v1/notifications", token).await, StatusCode::OK).await;
        assert_eq!(list["total"], 1, "{label}: {list}");
        assert_eq!(list["unread_count"], 1, "{label}");
        let item = &list["items"][0];
        assert_eq!(item["event"], "case_submitted");
        assert_eq!(item["case_id"], record.id);
        assert_eq!(item["link"], case_link);
        assert!(item["read_at"].is_null());
        assert!(item["title"].as_str().unwrap().contains("新的群众意见"), "{item}");
    }
    let admin_list = expect(s.app.get("/api/v1/notifications", &s.admin).await, StatusCode::OK).await;
    assert_eq!(admin_list["total"], 0);

    let full_link = format!("{}{case_link}", s.app.address);
    let hits = receiver.hits();
    assert_eq!(hits.len(), 3);
    assert!(hits.iter().all(|h| h.method == "POST"));
    let wecom = &receiver.hits_on("/wecom")[0];
    assert_eq!(wecom.query, "key=k1");
    assert_eq!(wecom.body["msgtype"], "markdown");
    let content = wecom.body["markdown"]["content"].as_str().unwrap();
    assert!(content.contains("新的群众意见") && content.contains(&full_link), "{content}");

    let dingtalk = &receiver.hits_on("/dingtalk")[0];
    assert_eq!(dingtalk.body["msgtype"], "markdown");
    assert!(dingtalk.body["markdown"]["title"].as_str().unwrap().contains("新的群众意见"));
    assert!(dingtalk.body["markdown"]["text"].as_str().unwrap().contains(&full_link));
    assert_eq!(query_param(&dingtalk.query, "access_token").as_deref(), Some("t1"));
    let timestamp = query_param(&dingtalk.query, "timestamp").expect("timestamp");
    assert_eq!(timestamp, s.app.clock.now_utc().timestamp_millis().to_string());
    let sign = query_param(&dingtalk.query, "sign").expect("sign");
    assert_eq!(sign, dingtalk_sign("SECabc+/=", &timestamp), "the signature is DingTalk's");

    let own = &receiver.hits_on("/json")[0];
    assert_eq!(own.body["event"], "case_submitted");
    assert_eq!(own.body["case_id"], record.id);
    assert_eq!(own.body["tracking_code"], record.tracking_code);
    assert_eq!(own.body["url"], full_link);
    assert!(own.body["title"].is_string() && own.body["body"].is_string());
    assert!(own.signature.as_deref().is_some_and(|sig| sig.starts_with("sha256=")), "{own:?}");

    // Nothing personal and nothing the resident wrote, anywhere a notice went.
    let mut everything: Vec<String> = hits.iter().map(|h| h.body.to_string()).collect();
    for token in [&who.deputy.1, manager] {
        everything.push(s.app.get("/api/v1/notifications", token).await.text().await.unwrap());
    }
    for text in &everything {
        for secret in ["13812345678", "138****5678", "张三", "张*", "路灯坏了", "幸福小区"] {
            assert!(!text.contains(secret), "{secret} leaked into {text}");
        }
    }

    // Delivered once: a second run posts nothing.
    let again = run_job(&s.app, "deliver").await;
    assert_eq!(again["posted"], 0);
    assert_eq!(again["in_app"], 0);
    assert_eq!(receiver.hits().len(), 3);
}

#[tokio::test]
async fn a_failing_webhook_is_retried_with_back_off_until_it_recovers() {
    let s = scene().await;
    let receiver = Receiver::start(2).await;
    webhook(&s, &s.admin, json!({"station_id": s.station, "format": "json", "url": receiver.url("/json")})).await;
    let earlier = submit(&s, "楼道里的灯不亮了，请尽快修理。").await;
    let later = submit(&s, "小区门口的减速带坏了。").await;
    let rows = || async { outbox_rows(&s.app).await };

    let first = run_job(&s.app, "deliver").await;
    assert_eq!(first["retrying"], 1, "only the oldest is tried while the receiver fails: {first}");
    let [head, next] = <[outbox::Model; 2]>::try_from(rows().await).unwrap();
    assert_eq!((head.status.as_str(), head.attempts), ("pending", 1));
    assert_eq!(head.last_error.as_deref(), Some("HTTP 500"));
    assert_eq!(head.next_attempt_at, s.app.clock.now_utc() + Duration::seconds(30));
    assert_eq!((next.attempts, next.next_attempt_at), (0, head.next_attempt_at), "the next one waits behind it");

    // Not due yet: nothing is posted.
    run_job(&s.app, "deliver").await;
    assert_eq!(receiver.hits().len(), 1);

    s.app.clock.advance(Duration::seconds(30));
    run_job(&s.app, "deliver").await;
    let head = rows().await.remove(0);
    assert_eq!((head.status.as_str(), head.attempts), ("pending", 2));
    assert_eq!(head.next_attempt_at, s.app.clock.now_utc() + Duration::seconds(60), "the delay doubles");

    s.app.clock.advance(Duration::seconds(59));
    run_job(&s.app, "deliver").await;
    assert_eq!(receiver.hits().len(), 2);
    s.app.clock.advance(Duration::seconds(1));
    let recovered = run_job(&s.app, "deliver").await;
    assert_eq!(recovered["posted"], 2, "{recovered}");
    let done: Vec<(String, i32)> = rows().await.into_iter().map(|r| (r.status, r.attempts)).collect();
    assert_eq!(done, vec![("delivered".to_string(), 3), ("delivered".to_string(), 1)]);
    let order: Vec<Value> = receiver.hits().iter().skip(2).map(|h| h.body["case_id"].clone()).collect();
    assert_eq!(order, vec![json!(earlier.id), json!(later.id)], "in the order they were written");
}

#[tokio::test]
async fn a_webhook_that_never_answers_well_fails_after_ten_attempts() {
    let s = scene().await;
    let receiver = Receiver::start(usize::MAX).await;
    webhook(&s, &s.admin, json!({"station_id": s.station, "format": "wecom", "url": receiver.url("/wecom")})).await;
    webhook(&s, &s.admin, json!({"station_id": s.station, "format": "dingtalk", "url": receiver.url("/dingtalk")}))
        .await;
    submit(&s, "垃圾站好几天没人清运了，气味很大。").await;

    let mut delays = Vec::new();
    for attempt in 1..=10 {
        let summary = run_job(&s.app, "deliver").await;
        let rows = outbox_rows(&s.app).await;
        let wecom = rows.iter().find(|r| r.webhook_id.is_some() && r.attempts == attempt).expect("an attempt each run");
        if attempt < 10 {
            assert_eq!(summary["retrying"], 2, "{summary}");
            delays.push((wecom.next_attempt_at - s.app.clock.now_utc()).num_seconds());
        } else {
            assert_eq!(summary["failed"], 2, "{summary}");
        }
        s.app.clock.advance(Duration::hours(1));
    }
    assert_eq!(delays, vec![30, 60, 120, 240, 480, 960, 1920, 3600, 3600]);
    let rows: Vec<outbox::Model> = outbox_rows(&s.app).await.into_iter().filter(|r| r.webhook_id.is_some()).collect();
    assert!(rows.iter().all(|r| r.status == "failed" && r.attempts == 10), "{rows:?}");
    let refused = rows.iter().map(|r| r.last_error.clone().unwrap()).collect::<Vec<_>>();
    assert!(refused.contains(&"HTTP 500".to_string()), "{refused:?}");
    let before = receiver.hits().len();
    run_job(&s.app, "deliver").await;
    assert_eq!(receiver.hits().len(), before, "a failed message is not tried again");

    // A robot that answers 200 but refuses the message has failed too.
    let receiver_ok = Receiver::start(0).await;
    let id =
        webhook(&s, &s.admin, json!({"station_id": s.station, "format": "wecom", "url": receiver_ok.url("/errcode")}))
            .await;
    submit(&s, "路边的井盖松动了，踩上去会响。").await;
    run_job(&s.app, "deliver").await;
    let row = outbox_rows(&s.app).await.into_iter().find(|r| r.webhook_id == Some(id as i32)).unwrap();
    assert_eq!(row.status, "pending");
    assert_eq!(row.last_error.as_deref(), Some("errcode 93000: invalid webhook url"));
}

#[tokio::test]
async fn a_dead_or_slow_webhook_neither_blocks_a_submission_nor_the_others() {
    let s = scene().await;
    let receiver = Receiver::start(0).await;
    webhook(&s, &s.admin, json!({"station_id": s.station, "format": "json", "url": closed_port_url()})).await;
    webhook(&s, &s.admin, json!({"station_id": s.station, "format": "json", "url": receiver.url("/slow")})).await;
    webhook(&s, &s.admin, json!({"station_id": s.station, "format": "wecom", "url": receiver.url("/wecom")})).await;

    let started = Instant::now();
    submit(&s, "公园健身器材坏了，存在安全隐患。").await;
    assert!(started.elapsed() < StdDuration::from_secs(2), "the submission does not wait for webhooks");

    let started = Instant::now();
    let summary = run_job(&s.app, "deliver").await;
    let took = started.elapsed();
    assert!(took < StdDuration::from_secs(8), "posts run side by side, each at most 5 s: {took:?}");
    assert_eq!(summary["posted"], 1, "{summary}");
    assert_eq!(summary["retrying"], 2, "{summary}");
    assert_eq!(receiver.hits_on("/wecom").len(), 1);
    let errors: Vec<String> = outbox_rows(&s.app).await.into_iter().filter_map(|r| r.last_error).collect();
    assert!(errors.contains(&"could not connect".to_string()), "{errors:?}");
    assert!(errors.contains(&"timed out".to_string()), "{errors:?}");
    assert!(errors.iter().all(|e| !e.contains("127.0.0.1")), "errors never carry the address: {errors:?}");
}

#[tokio::test]
async fn the_daily_digest_counts_new_due_soon_and_overdue_once_a_day() {
    let s = scene().await;
    people(&s).await;
    let deputy_id = s.deputy["id"].as_i64().unwrap();
    // Another deputy with an account and nothing to hear about.
    let quiet = s.app.create_deputy(&s.admin, "李秀英", s.station).await;
    s.app.user(&s.admin, "lixy", "deputy", json!({"deputy_id": quiet["id"]})).await;
    let receiver = Receiver::start(0).await;
    webhook(&s, &s.admin, json!({"deputy_id": deputy_id, "format": "json", "url": receiver.url("/digest")})).await;

    // Monday 09:00: three cases. One falls due tomorrow, one is old and overdue.
    let _fresh = submit(&s, "路灯坏了，晚上很黑。").await;
    let soon = submit(&s, "下水道堵了，污水外溢。").await;
    let late = submit(&s, "噪音扰民，晚上十一点还在施工。").await;
    let mut change: case::ActiveModel = soon.into();
    change.due_at = Set(d("2026-03-03T15:59:59Z"));
    change.update(&s.app.state.db).await.unwrap();
    let mut change: case::ActiveModel = late.into();
    change.received_at = Set(d("2026-02-25T02:00:00Z"));
    change.due_at = Set(d("2026-03-02T00:59:59Z"));
    change.update(&s.app.state.db).await.unwrap();
    run_job(&s.app, "deliver").await;
    receiver.log.hits.lock().unwrap().clear();

    // Tuesday 07:59 in Beijing: not yet.
    s.app.clock.set(d("2026-03-02T23:59:00Z"));
    let early = liaison::jobs::digest::run(&s.app.state, DigestMode::Scheduled).await.unwrap().unwrap();
    assert_eq!(early.outcome, DigestOutcome::NotDue);

    // 08:00: sent, to the deputy's account and webhook only.
    s.app.clock.set(d("2026-03-03T00:00:00Z"));
    let sent = liaison::jobs::digest::run(&s.app.state, DigestMode::Scheduled).await.unwrap().unwrap();
    assert_eq!(sent.outcome, DigestOutcome::Sent);
    assert_eq!((sent.deputies, sent.messages), (1, 2));
    let twice = liaison::jobs::digest::run(&s.app.state, DigestMode::Scheduled).await.unwrap().unwrap();
    assert_eq!(twice.outcome, DigestOutcome::AlreadySent);
    let by_hand = run_job(&s.app, "digest").await;
    assert_eq!(by_hand["outcome"], "already_sent", "{by_hand}");
    run_job(&s.app, "deliver").await;

    // Signs in afresh each time: the clock moves past a staff sign-in's lifetime.
    let digests = |username: &'static str| {
        let app = &s.app;
        async move {
            let token = app.token(username, PASSWORD).await;
            let list = expect(app.get("/api/v1/notifications?per_page=100", &token).await, StatusCode::OK).await;
            list["items"]
                .as_array()
                .unwrap()
                .iter()
                .filter(|n| n["event"] == "daily_digest")
                .cloned()
                .collect::<Vec<_>>()
        }
    };
    let mine = digests("wangjg").await;
    assert_eq!(mine.len(), 1);
    assert_eq!(mine[0]["title"], "每日提醒：新收 2 件，即将到期 1 件，已超期 1 件");
    assert!(mine[0]["body"].as_str().unwrap().starts_with("王建国代表"));
    assert!(mine[0]["case_id"].is_null() && mine[0]["link"].is_null());
    assert!(digests("zhanzhang").await.is_empty(), "the digest is for deputies");
    assert!(digests("lixy").await.is_empty(), "nothing to say, nothing sent");
    let posted = receiver.hits_on("/digest");
    assert_eq!(posted.len(), 1);
    assert_eq!(posted[0].body["event"], "daily_digest");
    assert_eq!((posted[0].body["new"].as_i64(), posted[0].body["due_soon"].as_i64()), (Some(2), Some(1)));
    assert_eq!(posted[0].body["overdue"], 1);
    assert_eq!(posted[0].body["day"], "2026-03-03");
    assert_eq!(posted[0].body["url"], format!("{}/app", s.app.address));

    // `force` sends again; the next morning sends a new one.
    let admin = s.app.admin_token().await;
    let forced =
        expect(s.app.post("/api/v1/jobs/digest/run?force=true", &admin, &json!({})).await, StatusCode::OK).await;
    assert_eq!(forced["summary"]["outcome"], "sent", "{forced}");
    s.app.clock.set(d("2026-03-04T00:30:00Z"));
    let next_day = liaison::jobs::digest::run(&s.app.state, DigestMode::Scheduled).await.unwrap().unwrap();
    assert_eq!(next_day.outcome, DigestOutcome::Sent);
    run_job(&s.app, "deliver").await;
    assert_eq!(digests("wangjg").await.len(), 3);
}

#[tokio::test]
async fn people_see_and_mark_only_their_own_notifications() {
    let s = scene().await;
    let who = people(&s).await;
    submit(&s, "小区电梯经常停运，老人上下楼困难。").await;
    submit(&s, "小区绿化带被占用种菜。").await;
    run_job(&s.app, "deliver").await;
    let (deputy, manager) = (&who.deputy.1, &who.manager.1);

    let mine = expect(s.app.get("/api/v1/notifications", deputy).await, StatusCode::OK).await;
    assert_eq!((mine["total"].as_u64(), mine["unread_count"].as_u64()), (Some(2), Some(2)));
    let newest = mine["items"][0]["id"].as_i64().unwrap();
    let older = mine["items"][1]["id"].as_i64().unwrap();
    assert!(newest > older, "newest first");

    let theirs = expect(s.app.get("/api/v1/notifications", manager).await, StatusCode::OK).await;
    let manager_item = theirs["items"][0]["id"].as_i64().unwrap();
    expect_error(
        s.app.post(&format!("/api/v1/notifications/{manager_item}/read"), deputy, &json!({})).await,
        StatusCode::NOT_FOUND,
        "not_found",
    )
    .await;
    expect_error(
        s.app.post("/api/v1/notifications/999999/read", deputy, &json!({})).await,
        StatusCode::NOT_FOUND,
        "not_found",
    )
    .await;

    let read =
        expect(s.app.post(&format!("/api/v1/notifications/{older}/read"), deputy, &json!({})).await, StatusCode::OK)
            .await;
    assert!(read["read_at"].is_string());
    let unread = expect(s.app.get("/api/v1/notifications?unread=true", deputy).await, StatusCode::OK).await;
    assert_eq!(unread["total"], 1);
    assert_eq!(unread["unread_count"], 1);
    assert_eq!(unread["items"][0]["id"], newest);

    let all = expect(s.app.post("/api/v1/notifications/read-all", deputy, &json!({})).await, StatusCode::OK).await;
    assert_eq!(all["marked"], 1);
    let after = expect(s.app.get("/api/v1/notifications", deputy).await, StatusCode::OK).await;
    assert_eq!(after["unread_count"], 0);
    let untouched = expect(s.app.get("/api/v1/notifications", manager).await, StatusCode::OK).await;
    assert_eq!(untouched["unread_count"], 2, "someone else's stay unread");
    expect_error(s.app.get_anonymous("/api/v1/notifications").await, StatusCode::UNAUTHORIZED, "unauthorized").await;
}

#[tokio::test]
async fn webhooks_are_managed_within_the_managers_stations() {
    let s = scene().await;
    let app = &s.app;
    let admin = &s.admin;
    let other_station = app.create_station(admin, "东城街道人大代表联络站", "station", None).await;
    let other_deputy = app.create_deputy(admin, "赵敏", other_station).await["id"].as_i64().unwrap();
    let deputy_id = s.deputy["id"].as_i64().unwrap();
    let (_, mine) = app.user(admin, "mgr_a", "manager", json!({"station_ids": [s.station]})).await;
    let (_, theirs) = app.user(admin, "mgr_b", "manager", json!({"station_ids": [other_station]})).await;
    let (_, viewer) = app.user(admin, "viewer", "viewer", json!({})).await;
    let (_, deputy) = app.user(admin, "dep", "deputy", json!({"deputy_id": deputy_id})).await;

    let station_hook = app
        .create(
            "/api/v1/webhooks",
            &mine,
            json!({"station_id": s.station, "format": "wecom", "url": "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=abc"}),
        )
        .await;
    assert_eq!(station_hook["has_secret"], false);
    assert_eq!(station_hook["active"], true);
    let hook_id = station_hook["id"].as_i64().unwrap();
    let deputy_hook = webhook(
        &s,
        &mine,
        json!({"deputy_id": deputy_id, "format": "dingtalk", "url": "https://oapi.dingtalk.com/robot/send?access_token=x", "secret": "SEC1"}),
    )
    .await;
    webhook(&s, &theirs, json!({"station_id": other_station, "format": "json", "url": "https://example.org/hook"}))
        .await;

    // Out of the manager's stations: the body's target is unknown to them, the webhook is not found.
    for body in [
        json!({"station_id": other_station, "format": "json", "url": "https://example.org/a"}),
        json!({"deputy_id": other_deputy, "format": "json", "url": "https://example.org/a"}),
    ] {
        expect_error(
            app.post("/api/v1/webhooks", &mine, &body).await,
            StatusCode::UNPROCESSABLE_ENTITY,
            "validation_failed",
        )
        .await;
    }
    for id in [hook_id, deputy_hook] {
        let path = format!("/api/v1/webhooks/{id}");
        expect_error(app.get(&path, &theirs).await, StatusCode::NOT_FOUND, "not_found").await;
        expect_error(app.patch(&path, &theirs, &json!({"active": false})).await, StatusCode::NOT_FOUND, "not_found")
            .await;
        expect_error(app.delete(&path, &theirs).await, StatusCode::NOT_FOUND, "not_found").await;
    }
    let listed = expect(app.get("/api/v1/webhooks", &mine).await, StatusCode::OK).await;
    assert_eq!(listed["total"], 2, "their station's and their deputy's: {listed}");
    let listed = expect(app.get("/api/v1/webhooks", &theirs).await, StatusCode::OK).await;
    assert_eq!(listed["total"], 1);
    let listed = expect(app.get("/api/v1/webhooks", admin).await, StatusCode::OK).await;
    assert_eq!(listed["total"], 3);
    assert!(!listed.to_string().contains("SEC1"), "secrets are never shown");
    let listed = expect(app.get(&format!("/api/v1/webhooks?deputy_id={deputy_id}"), admin).await, StatusCode::OK).await;
    assert_eq!(listed["total"], 1);

    // Other roles may not touch webhooks at all.
    for token in [&viewer, &deputy] {
        expect_error(app.get("/api/v1/webhooks", token).await, StatusCode::FORBIDDEN, "forbidden").await;
        expect_error(app.get(&format!("/api/v1/webhooks/{hook_id}"), token).await, StatusCode::FORBIDDEN, "forbidden")
            .await;
        let body = json!({"station_id": s.station, "format": "json", "url": "https://example.org/x"});
        expect_error(app.post("/api/v1/webhooks", token, &body).await, StatusCode::FORBIDDEN, "forbidden").await;
    }

    // Validation names every bad field.
    let bad = json!({"station_id": s.station, "deputy_id": deputy_id, "format": "slack", "url": "ftp://x", "secret": "s".repeat(201)});
    let error = expect_error(
        app.post("/api/v1/webhooks", &mine, &bad).await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
    )
    .await;
    let fields: Vec<&str> = error["fields"].as_array().unwrap().iter().map(|f| f["field"].as_str().unwrap()).collect();
    assert_eq!(fields, vec!["deputy_id", "format", "url", "secret"]);
    let neither = json!({"format": "json", "url": format!("https://example.org/{}", "a".repeat(500))});
    let error = expect_error(
        app.post("/api/v1/webhooks", &mine, &neither).await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
    )
    .await;
    let fields: Vec<&str> = error["fields"].as_array().unwrap().iter().map(|f| f["field"].as_str().unwrap()).collect();
    assert_eq!(fields, vec!["station_id", "url"]);

    // Changes: the secret can be set and removed but never read back.
    let path = format!("/api/v1/webhooks/{hook_id}");
    let changed = expect(app.patch(&path, &mine, &json!({"secret": "k", "active": false})).await, StatusCode::OK).await;
    assert_eq!((changed["has_secret"].as_bool(), changed["active"].as_bool()), (Some(true), Some(false)));
    let changed = expect(app.patch(&path, &mine, &json!({"secret": null})).await, StatusCode::OK).await;
    assert_eq!(changed["has_secret"], false);
    let moved = expect(app.patch(&path, &mine, &json!({"deputy_id": deputy_id})).await, StatusCode::OK).await;
    assert_eq!((moved["station_id"].clone(), moved["deputy_id"].as_i64()), (Value::Null, Some(deputy_id)));
    expect_error(
        app.patch(&path, &mine, &json!({"format": "x"})).await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
    )
    .await;

    let gone = app.delete(&path, &mine).await;
    assert_eq!(gone.status(), StatusCode::NO_CONTENT);
    expect_error(app.get(&path, &mine).await, StatusCode::NOT_FOUND, "not_found").await;
}

#[tokio::test]
async fn only_administrators_run_jobs_and_a_held_lease_means_not_now() {
    let s = scene().await;
    let who = people(&s).await;
    expect_error(
        s.app.post("/api/v1/jobs/deliver/run", &who.manager.1, &json!({})).await,
        StatusCode::FORBIDDEN,
        "forbidden",
    )
    .await;
    expect_error(
        s.app.post("/api/v1/jobs/nonsense/run", &s.admin, &json!({})).await,
        StatusCode::NOT_FOUND,
        "not_found",
    )
    .await;
    let swept = run_job(&s.app, "sweep").await;
    assert!(swept["overdue"].is_number(), "{swept}");

    // Nothing to deliver: no lease is taken and no run is recorded (it ticks every 5 s).
    let idle = run_job(&s.app, "deliver").await;
    assert_eq!(idle["in_app"], 0);
    let runs = || async {
        liaison::entities::job_run::Entity::find()
            .filter(liaison::entities::job_run::Column::Name.eq("deliver"))
            .count(&s.app.state.db)
            .await
            .unwrap()
    };
    assert_eq!(runs().await, 0);

    submit(&s, "公交站的雨棚漏雨，等车时淋湿。").await;
    let now = s.app.clock.now_utc();
    let db = &s.app.state.db;
    assert!(
        liaison::jobs::lease::try_acquire(db, "deliver", "another-process", now, Duration::minutes(5)).await.unwrap()
    );
    let busy = expect(s.app.post("/api/v1/jobs/deliver/run", &s.admin, &json!({})).await, StatusCode::OK).await;
    assert_eq!(busy, json!({"ran": false, "summary": null}));
    liaison::jobs::lease::release(db, "deliver", "another-process", now).await.unwrap();
    let done = run_job(&s.app, "deliver").await;
    assert_eq!(done["in_app"], 2, "{done}");
    assert_eq!(runs().await, 1);
}

#[tokio::test]
async fn the_bell_counts_unread_notifications_and_the_page_marks_them_read() {
    let s = scene().await;
    people(&s).await;
    let record = submit(&s, "路口红绿灯时间太短，老人过马路来不及。").await;
    run_job(&s.app, "deliver").await;

    let browser = Browser::new();
    sign_in(&s.app, &browser, "wangjg", PASSWORD).await;
    let home = browser.client.get(s.app.url("/app")).send().await.unwrap().text().await.unwrap();
    assert!(home.contains("href=\"/app/notifications\""), "{home}");
    assert!(home.contains("<span class=\"badge\">1</span>"), "{home}");

    let page = browser.client.get(s.app.url("/app/notifications")).send().await.unwrap();
    assert_eq!(page.status(), StatusCode::OK);
    let html = page.text().await.unwrap();
    assert!(html.contains("新的群众意见") && html.contains(&format!("href=\"/app/cases/{}\"", record.id)), "{html}");
    assert!(html.contains("全部标为已读"));

    let refused =
        browser.client.post(s.app.url("/app/notifications/read-all")).form(&[("csrf", "x")]).send().await.unwrap();
    assert_eq!(refused.status(), StatusCode::FORBIDDEN);
    let csrf = csrf_from(&html);
    let done = browser
        .client
        .post(s.app.url("/app/notifications/read-all"))
        .form(&[("csrf", csrf.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(done.status(), StatusCode::SEE_OTHER);
    let home = browser.client.get(s.app.url("/app")).send().await.unwrap().text().await.unwrap();
    assert!(!home.contains("class=\"badge\""), "no unread left");
    let english =
        browser.client.get(s.app.url("/app/notifications?lang=en")).send().await.unwrap().text().await.unwrap();
    assert!(english.contains("Notifications"));
    let unread = liaison::entities::notification::Entity::find()
        .filter(liaison::entities::notification::Column::ReadAt.is_null())
        .count(&s.app.state.db)
        .await
        .unwrap();
    assert_eq!(unread, 1, "only the manager's is left unread");
}

/// Found by the penetration test: a webhook could target `https://169.254.169.254/…`, and a
/// manager pointed one at `http://127.0.0.1:…/internal-admin`, which the deliverer posted to.
/// Without `LIAISON_WEBHOOK_ALLOW_PRIVATE` internal targets are refused when saved and again
/// when sent (a row written some other way, or a name that resolves inward).
#[tokio::test]
async fn webhooks_never_reach_internal_addresses_unless_allowed() {
    let s = scene_with(|settings| settings.webhook_allow_private = false).await;
    let receiver = Receiver::start(0).await;
    let port = receiver.base.rsplit(':').next().unwrap().to_string();
    for url in [
        receiver.url("/internal-admin"),
        format!("http://localhost:{port}/internal-admin"),
        "https://169.254.169.254/latest/meta-data/".to_string(),
        "https://100.100.100.200/latest/meta-data/".to_string(),
        "https://2130706433/".to_string(),
        "https://[::1]/".to_string(),
    ] {
        let body = json!({"station_id": s.station, "format": "json", "url": url});
        let refused = expect_error(
            s.app.post("/api/v1/webhooks", &s.admin, &body).await,
            StatusCode::UNPROCESSABLE_ENTITY,
            "validation_failed",
        )
        .await;
        assert_eq!(refused["fields"][0]["field"], "url", "{url}: {refused}");
    }
    // Rows that bypassed the check are refused when sent, and the receiver hears nothing.
    for url in [receiver.url("/internal-admin"), format!("http://localhost:{port}/internal-admin")] {
        liaison::entities::webhook::ActiveModel {
            station_id: Set(Some(s.station as i32)),
            format: Set("json".parse().unwrap()),
            url: Set(url),
            active: Set(true),
            created_at: Set(s.app.clock.now_utc()),
            updated_at: Set(s.app.clock.now_utc()),
            ..Default::default()
        }
        .insert(&s.app.state.db)
        .await
        .unwrap();
    }
    submit(&s, "垃圾站好几天没人清运了，气味很大。").await;
    let summary = run_job(&s.app, "deliver").await;
    assert_eq!(summary["posted"], 0, "{summary}");
    assert!(receiver.hits().is_empty(), "an internal address was posted to");
    let errors: Vec<String> =
        outbox_rows(&s.app).await.into_iter().filter_map(|r| r.webhook_id.and(r.last_error)).collect();
    assert_eq!(errors.len(), 2, "{errors:?}");
    assert!(errors.iter().all(|e| e.contains("internal")), "{errors:?}");
}
