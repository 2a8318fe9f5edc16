//! Hot topics (热点难点) and likely duplicates, over cases submitted through the public form.
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::*;
use crate::intake::{Scene, scene_with};

const POTHOLE: &[&str] = &[
    "幸福路中段有个大坑，电动车经过很危险。",
    "幸福路上有一个大坑，晚上骑电动车差点摔倒，请尽快修补。",
    "反映幸福路路面有大坑，电动车经过危险，希望修一下",
    "幸福路的大坑还没补，电动车经过太危险了！！",
];
const NOISE: &[&str] = &[
    "锦绣小区楼下烧烤店晚上噪音太大，十二点后还很吵，影响休息。",
    "锦绣小区楼下的烧烤店半夜噪音扰民，吵得睡不着觉",
    "锦绣小区烧烤店每天晚上噪音很大，严重影响居民休息",
];
const LIGHT: &[&str] = &[
    "和平街12号门口的路灯坏了，晚上一片漆黑，老人出行不便。",
    "和平街12号路灯坏了好几天了，晚上很黑",
    "和平街１２号门口路灯不亮，晚上黑漆漆的，出行不便",
];
const GARBAGE: &[&str] = &[
    "东门垃圾站臭味太大，夏天气味难闻，苍蝇很多。",
    "东门垃圾站的臭味熏人，苍蝇多，气味难闻，希望整改",
    "东门那个垃圾站臭味很大，路过都要捂鼻子，气味难闻",
];
const SINGLES: &[&str] = &[
    "希望在社区增设老年食堂，方便独居老人吃饭。",
    "学校门口上下学时段交通拥堵，建议增加交警疏导。",
    "幸福路公交站台的广告牌松动了，刮风时有掉落危险。",
    "锦绣小区停车位太少，晚上车辆乱停乱放。",
];

struct Topics {
    s: Scene,
    manager: String,
    viewer: String,
    deputy: String,
    handler: String,
    other_manager: String,
    other_deputy: String,
    other_station: i64,
    pothole: Vec<i64>,
    noise: Vec<i64>,
    light: Vec<i64>,
    garbage: Vec<i64>,
    singles: Vec<i64>,
}

impl Topics {
    async fn new() -> Topics {
        let s = scene_with(|settings| settings.submit_rate_per_minute = 0).await;
        let app = &s.app;
        let admin = s.admin.clone();
        let unit = app.create_unit(&admin, "区住建局").await;
        let other_station = app.create_station(&admin, "河西联络站", "station", None).await;
        let other_deputy_record = app.create_deputy(&admin, "陈明", other_station).await;
        let (_, manager) = app.user(&admin, "manager-a", "manager", json!({"station_ids": [s.station]})).await;
        let (_, viewer) = app.user(&admin, "viewer-a", "viewer", json!({"station_ids": [s.station]})).await;
        let (_, deputy) = app.user(&admin, "deputy-a", "deputy", json!({"deputy_id": s.deputy["id"]})).await;
        let (_, handler) = app.user(&admin, "handler-u", "handler", json!({"unit_id": unit})).await;
        let (_, other_manager) =
            app.user(&admin, "manager-b", "manager", json!({"station_ids": [other_station]})).await;
        let (_, other_deputy) =
            app.user(&admin, "deputy-b", "deputy", json!({"deputy_id": other_deputy_record["id"]})).await;
        let mut t = Topics {
            s,
            manager,
            viewer,
            deputy,
            handler,
            other_manager,
            other_deputy,
            other_station,
            pothole: vec![],
            noise: vec![],
            light: vec![],
            garbage: vec![],
            singles: vec![],
        };
        // Interleaved, as residents would send them.
        for i in 0..4 {
            for (texts, into) in [(POTHOLE, 0), (NOISE, 1), (LIGHT, 2), (GARBAGE, 3), (SINGLES, 4)] {
                if let Some(text) = texts.get(i) {
                    let id = t.submit(text).await;
                    [&mut t.pothole, &mut t.noise, &mut t.light, &mut t.garbage, &mut t.singles][into].push(id);
                }
            }
        }
        t
    }

    async fn submit(&self, content: &str) -> i64 {
        let code = self.s.submit(content).await;
        i64::from(self.s.case(&code).await.id)
    }

    async fn act(&self, id: i64, body: Value) {
        expect(self.s.app.post(&format!("/api/v1/cases/{id}/actions"), &self.manager, &body).await, StatusCode::OK)
            .await;
    }

    async fn topics(&self, token: &str, query: &str) -> Value {
        expect(self.s.app.get(&format!("/api/v1/stats/hot-topics{query}"), token).await, StatusCode::OK).await
    }
}

fn ids(topic: &Value) -> Vec<i64> {
    topic["case_ids"].as_array().unwrap().iter().map(|v| v.as_i64().unwrap()).collect()
}

#[tokio::test]
async fn hot_topics_group_paraphrases_largest_first_without_rejected_or_merged_cases() {
    let t = Topics::new().await;
    // One pothole report is rejected, one noise complaint merged into another: neither counts.
    t.act(t.pothole[3], json!({"action": "reject", "reason": "personal_grievance"})).await;
    t.act(t.noise[0], json!({"action": "accept"})).await;
    t.act(t.noise[2], json!({"action": "merge", "into_case_id": t.noise[0]})).await;

    let station = t.s.station;
    let body = t.topics(&t.manager, &format!("?station_id={station}")).await;
    assert_eq!(body["cases_considered"], 15, "{body}");
    let topics = body["topics"].as_array().unwrap();
    let groups: Vec<Vec<i64>> = topics.iter().map(ids).collect();
    // Three topics of three (submitted at the same moment: ordered by their first case), then two.
    assert_eq!(groups, vec![t.pothole[..3].to_vec(), t.light.clone(), t.garbage.clone(), t.noise[..2].to_vec()]);
    let counts: Vec<i64> = topics.iter().map(|topic| topic["count"].as_i64().unwrap()).collect();
    assert_eq!(counts, vec![3, 3, 3, 2]);
    for (topic, word) in topics.iter().zip(["大坑", "路灯", "垃圾站", "烧烤店"]) {
        let label = topic["label"].as_str().unwrap();
        assert!(label.contains(word) && label.chars().count() <= 24, "{label}");
        assert_eq!(topic["category"], "城建环保交通");
        assert_eq!(topic["first_at"], topic["last_at"]);
    }
    assert_eq!(topics[0]["first_at"].as_str().unwrap()[..10], *"2026-03-02");

    // The same for the viewer of the station, the deputy (all of them are theirs) and the
    // administrator; `limit` cuts the list.
    for token in [&t.viewer, &t.deputy, &t.s.admin] {
        assert_eq!(t.topics(token, "").await["topics"], body["topics"]);
    }
    let first = t.topics(&t.manager, "?limit=1").await;
    assert_eq!(first["topics"].as_array().unwrap().len(), 1);
    assert_eq!(ids(&first["topics"][0]), t.pothole[..3].to_vec());

    // A period without cases.
    let before = t.topics(&t.manager, "?from=2026-01-01&to=2026-03-01").await;
    assert_eq!(before, json!({"topics": [], "cases_considered": 0, "from": "2026-01-01", "to": "2026-03-01"}));
    expect_error(
        t.s.app.get("/api/v1/stats/hot-topics?from=2026-13-01", &t.manager).await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
    )
    .await;
}

#[tokio::test]
async fn hot_topics_are_scoped_by_role() {
    let t = Topics::new().await;
    let station = t.s.station;
    // Another station's manager: the station is not theirs (404), and their own has no topics.
    expect_error(
        t.s.app.get(&format!("/api/v1/stats/hot-topics?station_id={station}"), &t.other_manager).await,
        StatusCode::NOT_FOUND,
        "not_found",
    )
    .await;
    expect_error(
        t.s.app.get("/api/v1/stats/hot-topics?station_id=999999", &t.s.admin).await,
        StatusCode::NOT_FOUND,
        "not_found",
    )
    .await;
    let theirs = t.topics(&t.other_manager, &format!("?station_id={}", t.other_station)).await;
    assert_eq!(theirs["cases_considered"], 0);
    assert_eq!(t.topics(&t.other_manager, "").await["topics"], json!([]));
    // Another station's deputy sees none of these cases; a handler only their unit's (none yet).
    assert_eq!(t.topics(&t.other_deputy, "").await["cases_considered"], 0);
    assert_eq!(t.topics(&t.handler, "").await["cases_considered"], 0);
    // Signed out: 401.
    let anonymous = t.s.app.get_anonymous("/api/v1/stats/hot-topics").await;
    assert_eq!(anonymous.status(), StatusCode::UNAUTHORIZED);
    // The route is in the OpenAPI document, tagged `stats`.
    let doc = expect(t.s.app.get_anonymous("/api/v1/openapi.json").await, StatusCode::OK).await;
    assert_eq!(doc["paths"]["/api/v1/stats/hot-topics"]["get"]["tags"], json!(["stats"]));
    assert!(doc["paths"]["/api/v1/cases/{id}/similar"]["get"].is_object());
}

#[tokio::test]
async fn similar_cases_find_the_paraphrase_and_not_the_unrelated_case() {
    let t = Topics::new().await;
    let path = format!("/api/v1/cases/{}/similar", t.light[1]);
    let body = expect(t.s.app.get(&path, &t.manager).await, StatusCode::OK).await;
    let items = body["items"].as_array().unwrap();
    let found: std::collections::BTreeSet<i64> = items.iter().map(|i| i["id"].as_i64().unwrap()).collect();
    assert_eq!(found, [t.light[0], t.light[2]].into_iter().collect(), "{body}");
    let scores: Vec<f64> = items.iter().map(|i| i["score"].as_f64().unwrap()).collect();
    assert!(scores.windows(2).all(|w| w[0] >= w[1]) && scores.iter().all(|s| (0.28..=1.0).contains(s)));
    assert_eq!(items[0]["status"], "submitted");
    assert!(items[0]["tracking_code"].as_str().unwrap().len() >= 8);

    // A closed (merged-away) case is no longer offered.
    t.act(t.light[0], json!({"action": "accept"})).await;
    t.act(t.light[2], json!({"action": "merge", "into_case_id": t.light[0]})).await;
    let body = expect(t.s.app.get(&path, &t.manager).await, StatusCode::OK).await;
    let found: Vec<i64> = body["items"].as_array().unwrap().iter().map(|i| i["id"].as_i64().unwrap()).collect();
    assert_eq!(found, vec![t.light[0]]);

    // An unrelated case has no duplicates; the case is scoped like the case itself.
    let single = format!("/api/v1/cases/{}/similar", t.singles[0]);
    assert_eq!(expect(t.s.app.get(&single, &t.manager).await, StatusCode::OK).await, json!({"items": []}));
    expect_error(t.s.app.get(&path, &t.other_manager).await, StatusCode::NOT_FOUND, "not_found").await;
    expect_error(t.s.app.get(&path, &t.other_deputy).await, StatusCode::NOT_FOUND, "not_found").await;
    expect_error(t.s.app.get(&path, &t.handler).await, StatusCode::NOT_FOUND, "not_found").await;
    expect(t.s.app.get(&path, &t.deputy).await, StatusCode::OK).await;
}
