//! The world the matrix runs in: two stations, one account per role on each side, and one
//! object of every kind on station A's side, so every path parameter has a real value.
use std::io::Cursor;

use reqwest::StatusCode;
use reqwest::multipart::{Form, Part};
use serde_json::{Value, json};

use crate::cases::{Desk, desk};
use crate::helpers::*;

/// Who sends a request. The `…A`/`…U` actors are in scope of station A's objects; the `…B`/`…V`
/// ones belong to station B or the other unit. `DeputyA2` is another deputy of station A: in
/// scope of the station, not of deputy A's case, records or activity.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Who {
    Anonymous,
    Admin,
    ManagerA,
    ManagerB,
    DeputyA,
    DeputyA2,
    DeputyB,
    HandlerU,
    HandlerV,
    ViewerA,
    ViewerB,
}

impl Who {
    pub const ALL: [Who; 11] = [
        Who::Anonymous,
        Who::Admin,
        Who::ManagerA,
        Who::ManagerB,
        Who::DeputyA,
        Who::DeputyA2,
        Who::DeputyB,
        Who::HandlerU,
        Who::HandlerV,
        Who::ViewerA,
        Who::ViewerB,
    ];

    pub fn username(self) -> Option<&'static str> {
        Some(match self {
            Who::Anonymous => return None,
            Who::Admin => "admin",
            Who::ManagerA => "manager-a",
            Who::ManagerB => "manager-b",
            Who::DeputyA => "deputy-a",
            Who::DeputyA2 => "deputy-a2",
            Who::DeputyB => "deputy-b",
            Who::HandlerU => "handler-u",
            Who::HandlerV => "handler-v",
            Who::ViewerA => "viewer-a",
            Who::ViewerB => "viewer-b",
        })
    }
}

/// One signed-in person: a bearer token for the API and a browser session for the pages.
pub struct Session {
    pub token: String,
    pub browser: Browser,
    pub csrf: String,
}

pub struct World {
    pub desk: Desk,
    sessions: Vec<(Who, Session)>,
    /// A browser with no session, holding a CSRF cookie for the public forms.
    pub anonymous: Browser,
    pub anonymous_csrf: String,
    pub station: i64,
    pub other_station: i64,
    /// Station B's deputy.
    pub other_deputy: i64,
    pub station_token: String,
    pub deputy: i64,
    pub qr_token: String,
    pub category: i64,
    pub unit: i64,
    /// A viewer account of station A (its manager manages it).
    pub user: i64,
    pub case: i64,
    pub tracking_code: String,
    pub case_photo: String,
    pub template: i64,
    pub webhook: i64,
    pub duty: i64,
    pub visit: i64,
    pub activity: i64,
    pub activity_photo: String,
    pub report: i64,
    pub contact_record: i64,
    pub suggestion: i64,
    /// A notification addressed to deputy A.
    pub notification: i64,
}

const WEBHOOK_URL: &str = "http://127.0.0.1:9/hook";
const SUGGESTION_TITLE: &str = "关于增设公交站点的建议";
const VISIT_MATTER: &str = "菜市场周边占道经营。";
const ACTIVITY_TOPIC: &str = "加装电梯调研";

pub fn small_jpeg() -> Vec<u8> {
    let image = image::RgbImage::from_fn(64, 48, |x, y| image::Rgb([(x * 4) as u8, (y * 5) as u8, 90]));
    let mut out = Cursor::new(Vec::new());
    image.write_to(&mut out, image::ImageFormat::Jpeg).unwrap();
    out.into_inner()
}

pub fn jpeg_part() -> Part {
    Part::bytes(small_jpeg()).file_name("photo.jpg").mime_str("image/jpeg").unwrap()
}

fn id(body: &Value) -> i64 {
    body["id"].as_i64().unwrap_or_else(|| panic!("an id in {body}"))
}

async fn browser_signed_in(app: &TestApp, username: &str, password: &str) -> (Browser, String) {
    let browser = Browser::new();
    let page = browser.client.get(app.url("/login")).send().await.unwrap().text().await.unwrap();
    let csrf = csrf_from(&page);
    let response = browser
        .client
        .post(app.url("/login"))
        .form(&[("csrf", csrf.as_str()), ("next", "/app"), ("username", username), ("password", password)])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::SEE_OTHER, "{username} signs in on the page");
    // Signing in starts a new session, and the session's forms carry a new token.
    let page = browser.client.get(app.url("/logout")).send().await.unwrap().text().await.unwrap();
    let session_csrf = csrf_from(&page);
    assert_ne!(session_csrf, csrf, "the token is renewed at sign-in");
    (browser, session_csrf)
}

pub async fn world() -> World {
    let desk = desk().await;
    let app = desk.app();
    let admin = desk.s.admin.clone();
    let station = desk.s.station;
    let deputy = desk.s.deputy["id"].as_i64().unwrap();
    let other_station = desk.other_station;
    let theirs =
        expect(app.get(&format!("/api/v1/deputies?station_id={other_station}"), &admin).await, StatusCode::OK).await;
    let other_deputy = theirs["items"][0]["id"].as_i64().expect("station B's deputy");
    let (_, viewer_b) = app.user(&admin, "viewer-b", "viewer", json!({"station_ids": [desk.other_station]})).await;
    let colleague = app.create_deputy(&admin, "刘芳", station).await;
    let (_, deputy_a2) = app.user(&admin, "deputy-a2", "deputy", json!({"deputy_id": colleague["id"]})).await;
    // An account no actor owns, that station A's manager manages.
    let (user, _) = app.user(&admin, "viewer-a2", "viewer", json!({"station_ids": [station]})).await;

    // The case: from deputy A's form with a photo, accepted, assigned to unit U, started and
    // disclosed, so that every reader (the public too) has something to see.
    let form = desk.s.form("小区门口的路灯坏了一个多月，晚上很黑。").part("photos", jpeg_part());
    let response = desk.s.post_form(&format!("/d/{}", desk.s.qr()), form).await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    let tracking_code = crate::intake::code_from(&response);
    let case = i64::from(desk.s.case(&tracking_code).await.id);
    desk.ok(&desk.deputy, case, json!({"action": "accept", "version": 1})).await;
    desk.ok(&desk.manager, case, json!({"action": "assign", "unit_id": desk.unit, "tier": "month"})).await;
    desk.ok(&desk.handler, case, json!({"action": "start"})).await;
    desk.ok(&desk.manager, case, json!({"action": "disclose", "on": true})).await;
    let detail = expect(app.get(&format!("/api/v1/cases/{case}"), &admin).await, StatusCode::OK).await;
    let case_photo = detail["photos"][0]["hash"]
        .as_str()
        .or_else(|| detail["photos"][0].as_str())
        .unwrap_or_else(|| panic!("the case's photo in {detail}"))
        .to_string();

    let template = id(&app
        .create(
            "/api/v1/reply-templates",
            &desk.manager,
            json!({"station_id": station, "kind": "reply", "title": "已转交", "body": "您好，已转交有关部门。"}),
        )
        .await);
    let webhook = id(&app
        .create("/api/v1/webhooks", &desk.manager, json!({"station_id": station, "format": "json", "url": WEBHOOK_URL}))
        .await);
    let duties = app
        .create(
            &format!("/api/v1/stations/{station}/reception-duties"),
            &desk.manager,
            json!({"date": "2026-03-03", "slot": "morning", "deputy_id": deputy}),
        )
        .await;
    let duty = id(&duties["items"][0]);
    let visit = id(&app
        .create(
            &format!("/api/v1/stations/{station}/reception-visits"),
            &desk.manager,
            json!({"visited_on": "2026-03-02", "slot": "morning", "consent": false, "matter": VISIT_MATTER,
                   "disposition": "answered", "deputy_ids": [deputy]}),
        )
        .await);
    let activity = id(&app
        .create(
            &format!("/api/v1/stations/{station}/activities"),
            &desk.manager,
            json!({"kind": "research", "held_on": "2026-03-02", "place": "街道办三楼会议室",
                   "topic": ACTIVITY_TOPIC, "deputy_ids": [deputy]}),
        )
        .await);
    let linked =
        app.post(&format!("/api/v1/activities/{activity}/cases"), &desk.manager, &json!({"case_id": case})).await;
    assert!(linked.status().is_success(), "the case is linked to the activity: {}", linked.status());
    let report = id(&app
        .create(
            &format!("/api/v1/stations/{station}/deputy-reports"),
            &desk.manager,
            json!({"deputy_id": deputy, "reported_on": "2026-03-02", "place": "联络站", "form": "oral",
                   "voters_present": 10, "summary": "一年来的履职情况。", "votes_satisfied": 8,
                   "votes_basically_satisfied": 1, "votes_dissatisfied": 1, "published": true}),
        )
        .await);
    let contact_record = id(&app
        .create(
            &format!("/api/v1/deputies/{deputy}/contact-records"),
            &desk.deputy,
            json!({"contacted_on": "2026-03-02", "mode": "visit", "household": "幸福小区3栋 张桂兰",
                   "phone": "139 1234 5678", "matter": "楼道灯坏了。", "handling": "已联系物业。"}),
        )
        .await);
    let suggestion = id(&app
        .create(
            &format!("/api/v1/stations/{station}/suggestions"),
            &desk.manager,
            json!({"title": SUGGESTION_TITLE, "reasons": "东门社区到医院没有直达公交。", "lead_deputy_id": deputy}),
        )
        .await);
    let actions = format!("/api/v1/suggestions/{suggestion}/actions");
    for body in [
        json!({"action": "submit", "version": 1}),
        json!({"action": "assign", "version": 2, "lead_unit_id": desk.unit}),
    ] {
        expect(app.post(&actions, &desk.manager, &body).await, StatusCode::OK).await;
    }

    // Deputy A's notifications come from the outbox of the case's events.
    expect(app.post("/api/v1/jobs/deliver/run", &admin, &json!({})).await, StatusCode::OK).await;
    let notes = expect(app.get("/api/v1/notifications", &desk.deputy).await, StatusCode::OK).await;
    let notification = notes["items"].as_array().and_then(|n| n.first()).map(id).expect("deputy A has a notification");

    let mut sessions = Vec::new();
    for who in Who::ALL {
        let Some(username) = who.username() else { continue };
        let password = if who == Who::Admin { ADMIN_PASSWORD } else { PASSWORD };
        let token = match who {
            Who::Admin => admin.clone(),
            Who::ManagerA => desk.manager.clone(),
            Who::ManagerB => desk.other_manager.clone(),
            Who::DeputyA => desk.deputy.clone(),
            Who::DeputyA2 => deputy_a2.clone(),
            Who::DeputyB => desk.other_deputy.clone(),
            Who::HandlerU => desk.handler.clone(),
            Who::HandlerV => desk.other_handler.clone(),
            Who::ViewerA => desk.viewer.clone(),
            Who::ViewerB => viewer_b.clone(),
            Who::Anonymous => unreachable!(),
        };
        let (browser, csrf) = browser_signed_in(app, username, password).await;
        sessions.push((who, Session { token, browser, csrf }));
    }

    // An activity photo, uploaded from the page by station A's manager.
    let manager = &sessions.iter().find(|(w, _)| *w == Who::ManagerA).unwrap().1;
    let form = Form::new().text("csrf", manager.csrf.clone()).part("photos", jpeg_part());
    let uploaded = manager
        .browser
        .client
        .post(app.url(&format!("/app/activities/{activity}/photos")))
        .multipart(form)
        .send()
        .await
        .unwrap();
    assert_eq!(uploaded.status(), StatusCode::SEE_OTHER, "the activity photo is uploaded");
    let stored = expect(app.get(&format!("/api/v1/activities/{activity}"), &admin).await, StatusCode::OK).await;
    let activity_photo = stored["photos"][0].as_str().expect("the activity's photo").to_string();
    // A ten-haves item with its evidence photo.
    let form = Form::new()
        .text("csrf", manager.csrf.clone())
        .text("station_id", station.to_string())
        .text("item", "place")
        .text("version", "0")
        .text("present", "1")
        .text("evidence_on", "2026-02-26")
        .part("photo", jpeg_part());
    let saved = manager.browser.client.post(app.url("/app/books/ten-haves")).multipart(form).send().await.unwrap();
    assert_eq!(saved.status(), StatusCode::SEE_OTHER, "the ten-haves evidence is saved");

    let anonymous = Browser::new();
    let page = anonymous.client.get(app.url("/login")).send().await.unwrap().text().await.unwrap();
    let anonymous_csrf = csrf_from(&page);

    World {
        station_token: desk.s.station_token.clone(),
        qr_token: desk.s.qr(),
        category: desk.s.week_category,
        unit: desk.unit,
        desk,
        sessions,
        anonymous,
        anonymous_csrf,
        station,
        other_station,
        other_deputy,
        deputy,
        user,
        case,
        tracking_code,
        case_photo,
        template,
        webhook,
        duty,
        visit,
        activity,
        activity_photo,
        report,
        contact_record,
        suggestion,
        notification,
    }
}

/// Text that may appear in an answer only to some actors.
pub struct Secret {
    pub what: &'static str,
    pub text: String,
    pub seen_by: fn(Who) -> bool,
}

impl World {
    /// What the matrix looks for in every successful answer: the case's tracking code (the
    /// resident's key: readers of the case only, or whoever already has it in the path) and
    /// contact details in full (only those handling the case or the deputy's book).
    pub fn secrets(&self) -> Vec<Secret> {
        use Who::*;
        vec![
            Secret {
                what: "case A's tracking code",
                text: self.tracking_code.clone(),
                seen_by: |w| matches!(w, Admin | ManagerA | DeputyA | HandlerU | ViewerA),
            },
            Secret {
                what: "the resident's phone in full",
                text: "13812345678".into(),
                seen_by: |w| matches!(w, ManagerA | DeputyA | HandlerU),
            },
            Secret {
                what: "the resident's name in full",
                text: "张三".into(),
                seen_by: |w| matches!(w, ManagerA | DeputyA | HandlerU),
            },
            Secret {
                what: "the household's phone in full",
                text: "13912345678".into(),
                seen_by: |w| matches!(w, ManagerA | DeputyA),
            },
            Secret {
                what: "the household's name in full",
                text: "张桂兰".into(),
                seen_by: |w| matches!(w, ManagerA | DeputyA),
            },
            Secret {
                what: "the webhook's address (it may carry a chat robot's key)",
                text: WEBHOOK_URL.into(),
                seen_by: |w| matches!(w, Admin | ManagerA),
            },
            Secret {
                what: "suggestion A's title",
                text: SUGGESTION_TITLE.into(),
                seen_by: |w| matches!(w, Admin | ManagerA | DeputyA | HandlerU | ViewerA),
            },
            Secret {
                what: "the visitor's matter",
                text: VISIT_MATTER.into(),
                seen_by: |w| matches!(w, Admin | ManagerA | DeputyA | DeputyA2 | ViewerA),
            },
            Secret {
                what: "the activity's topic",
                text: ACTIVITY_TOPIC.into(),
                seen_by: |w| matches!(w, Admin | ManagerA | DeputyA | ViewerA),
            },
        ]
    }

    pub fn app(&self) -> &TestApp {
        self.desk.app()
    }

    pub fn session(&self, who: Who) -> Option<&Session> {
        self.sessions.iter().find(|(w, _)| *w == who).map(|(_, s)| s)
    }

    /// `text` with `{station}`, `{other_station}`, `{deputy}` and `{other_deputy}` filled in.
    pub fn placeholders(&self, text: &str) -> String {
        text.replace("{station}", &self.station.to_string())
            .replace("{other_station}", &self.other_station.to_string())
            .replace("{deputy}", &self.deputy.to_string())
            .replace("{other_deputy}", &self.other_deputy.to_string())
    }

    /// The value of a path parameter, chosen by its name and the segment before it.
    pub fn fill(&self, template: &str) -> Result<String, String> {
        let segments: Vec<&str> = template.split('/').collect();
        let mut out = Vec::with_capacity(segments.len());
        for (i, segment) in segments.iter().enumerate() {
            let Some(name) = segment.strip_prefix('{').and_then(|s| s.strip_suffix('}')) else {
                out.push(segment.to_string());
                continue;
            };
            let before = if i > 0 { segments[i - 1] } else { "" };
            let owner = segments.iter().take(i).rev().find(|s| !s.starts_with('{')).copied().unwrap_or("");
            let value = match (name, before) {
                ("id", "cases") | ("case_id", _) => self.case.to_string(),
                ("id", "stations") => self.station.to_string(),
                ("id", "deputies") => self.deputy.to_string(),
                ("id", "categories") => self.category.to_string(),
                ("id", "units") => self.unit.to_string(),
                ("id", "users") => self.user.to_string(),
                ("id", "reply-templates") => self.template.to_string(),
                ("id", "webhooks") => self.webhook.to_string(),
                ("id", "notifications") => self.notification.to_string(),
                ("id", "reception-duties") | ("id", "duties") => self.duty.to_string(),
                ("id", "reception-visits") | ("id", "visits") => self.visit.to_string(),
                ("id", "activities") => self.activity.to_string(),
                ("id", "deputy-reports") => self.report.to_string(),
                ("id", "contact-records") => self.contact_record.to_string(),
                ("id", "suggestions") => self.suggestion.to_string(),
                ("qr_token", _) | ("token", "d") => self.qr_token.clone(),
                ("station_token", _) | ("token", "s") => self.station_token.clone(),
                ("tracking_code", _) | ("code", _) => self.tracking_code.clone(),
                ("hash", _) if owner == "photos" && template.contains("/activities/") => self.activity_photo.clone(),
                ("hash", _) => self.case_photo.clone(),
                ("item", _) => "place".into(),
                ("ledger", _) => "case-ledger".into(),
                ("name", "jobs") => "sweep".into(),
                ("date", "calendar") => "2026-05-06".into(),
                ("path:.*", "static") => "app.css".into(),
                ("_:.*", "docs") => "index.html".into(),
                _ => return Err(format!("no value for {{{name}}} in {template}: teach World::fill about it")),
            };
            out.push(value);
        }
        Ok(out.join("/"))
    }
}
