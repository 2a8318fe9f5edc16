//! Likely duplicates on the case page, and the hot topics page with its XLSX.
use std::io::Cursor;

use calamine::{DataType, Reader, Xlsx, open_workbook_from_rs};
use reqwest::StatusCode;
use reqwest::header::{CONTENT_DISPOSITION, CONTENT_TYPE, LOCATION};

use crate::cases::{Desk, desk};
use crate::helpers::*;

async fn browser_for(w: &Desk, username: &str) -> Browser {
    let browser = Browser::new();
    let password = if username == "admin" { ADMIN_PASSWORD } else { PASSWORD };
    let response = sign_in(w.app(), &browser, username, password).await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER, "{username} signs in");
    browser
}

async fn page(w: &Desk, browser: &Browser, path: &str) -> (StatusCode, String) {
    let response = browser.client.get(w.app().url(path)).send().await.unwrap();
    let status = response.status();
    (status, response.text().await.unwrap())
}

const POTHOLE_A: &str = "幸福路中段有个大坑，电动车经过很危险。";
const POTHOLE_B: &str = "幸福路上有一个大坑，晚上骑电动车差点摔倒，请尽快修补。";
const CANTEEN: &str = "希望在社区增设老年食堂，方便独居老人吃饭。";

#[tokio::test]
async fn the_case_page_lists_likely_duplicates_and_merges_with_one_click() {
    let w = desk().await;
    let a = w.case(POTHOLE_A).await;
    let b = w.case(POTHOLE_B).await;
    let c = w.case(CANTEEN).await;
    w.ok(&w.manager, b, serde_json::json!({"action": "assign", "unit_id": w.unit})).await;

    let manager = browser_for(&w, "manager-a").await;
    let (status, html) = page(&w, &manager, &format!("/app/cases/{a}")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("可能重复"), "{html}");
    let panel = &html[html.find("id=\"similar\"").unwrap()..];
    let panel = &panel[..panel.find("</section>").unwrap()];
    assert!(panel.contains(&format!("href=\"/app/cases/{b}\"")) && panel.contains("晚上骑电动车"), "{panel}");
    assert!(panel.contains("已交办") && panel.contains("2026-03-02") && panel.contains("相似度"), "{panel}");
    assert!(panel.contains(&format!("name=\"into_case_id\" value=\"{b}\"")) && panel.contains("合并到此案"));
    assert!(!panel.contains("老年食堂") && !panel.contains(&format!("/app/cases/{c}\"")));
    let (_, english) = page(&w, &manager, &format!("/app/cases/{a}?lang=en")).await;
    assert!(english.contains("Likely duplicates") && english.contains("Merge into this case"));
    // Nothing like the canteen request: no panel.
    let (_, html_c) = page(&w, &manager, &format!("/app/cases/{c}")).await;
    assert!(!html_c.contains("id=\"similar\""));

    // A deputy (the cases are theirs), the unit's handler (b is assigned to it) and the
    // station's viewer do not merge: no panel.
    for username in ["deputy-a", "handler-u", "viewer-a"] {
        let browser = browser_for(&w, username).await;
        let (status, html) = page(&w, &browser, &format!("/app/cases/{b}")).await;
        assert_eq!(status, StatusCode::OK, "{username}");
        assert!(!html.contains("id=\"similar\"") && !html.contains("合并到此案"), "{username}");
    }

    // The button posts the page's merge action with the target filled in.
    let csrf = csrf_from(&html);
    let version = w.stored(a).await.version.to_string();
    let b_text = b.to_string();
    let form = [
        ("csrf", csrf.as_str()),
        ("version", version.as_str()),
        ("action", "merge"),
        ("into_case_id", b_text.as_str()),
    ];
    let response =
        manager.client.post(w.app().url(&format!("/app/cases/{a}/actions"))).form(&form).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    assert!(response.headers()[LOCATION].to_str().unwrap().starts_with(&format!("/app/cases/{a}?done=merge")));
    assert_eq!(w.stored(a).await.merged_into_id, Some(b as i32));
    // Merged: the case is finished, and the other case has no duplicate left.
    let (_, html) = page(&w, &manager, &format!("/app/cases/{a}")).await;
    assert!(!html.contains("id=\"similar\""));
    let (_, html) = page(&w, &manager, &format!("/app/cases/{b}")).await;
    assert!(!html.contains("id=\"similar\""));
}

const POTHOLE_C: &str = "反映幸福路路面有大坑，电动车经过危险，希望修一下";
const NOISE_A: &str = "锦绣小区楼下烧烤店晚上噪音太大，十二点后还很吵，影响休息。";
const NOISE_B: &str = "锦绣小区楼下的烧烤店半夜噪音扰民，吵得睡不着觉";
const CROSSING: &str = "学校门口上下学时段交通拥堵，建议增加交警疏导。";

#[tokio::test]
async fn the_hot_topics_page_ranks_topics_and_exports_the_same_rows() {
    let w = desk().await;
    let mut pothole = Vec::new();
    let mut noise = Vec::new();
    for (pot, other) in [(POTHOLE_A, Some(NOISE_A)), (POTHOLE_B, Some(NOISE_B)), (POTHOLE_C, None)] {
        pothole.push(w.case(pot).await);
        if let Some(text) = other {
            noise.push(w.case(text).await);
        }
    }
    let single = w.case(CANTEEN).await;
    w.case(CROSSING).await;

    let manager = browser_for(&w, "manager-a").await;
    let (status, html) = page(&w, &manager, "/app/topics").await;
    assert_eq!(status, StatusCode::OK, "{html}");
    assert!(html.contains("href=\"/app/topics\""), "the menu links to it");
    // The last 90 days by default.
    assert!(html.contains("value=\"2025-12-03\"") && html.contains("value=\"2026-03-02\""), "{html}");
    let first = html.find("大坑").expect("the pothole topic");
    let second = html.find("烧烤店").expect("the noise topic");
    assert!(first < second, "largest first");
    assert!(html.contains("3 人反映") && html.contains("2 人反映"), "{html}");
    for id in pothole.iter().chain(&noise) {
        assert!(html.contains(&format!("href=\"/app/cases/{id}\"")), "case {id} is listed");
    }
    assert!(!html.contains(&format!("href=\"/app/cases/{single}\"")));
    assert!(html.contains("已提交") && html.contains("2026-03-02"));
    let (_, english) = page(&w, &manager, "/app/topics?lang=en").await;
    assert!(english.contains("Hot topics") && english.contains("3 residents"));
    page(&w, &manager, "/app/topics?lang=zh").await;

    // One station, and a period without cases.
    let station = w.s.station;
    let (status, one) = page(&w, &manager, &format!("/app/topics?station={station}")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(one.contains("3 人反映") && one.contains(&format!("<option value=\"{station}\" selected>")), "{one}");
    let (_, empty) = page(&w, &manager, "/app/topics?from=2026-01-01&to=2026-02-28").await;
    assert!(empty.contains("id=\"no-topics\""));
    // Not their station: 404; not a period: 422.
    let (status, _) = page(&w, &manager, &format!("/app/topics?station={}", w.other_station)).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _) = page(&w, &manager, "/app/topics?from=2026-13-01").await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);

    // The spreadsheet has the same rows.
    let response = manager
        .client
        .get(w.app().url(&format!("/app/topics.xlsx?station={station}&from=2025-12-03&to=2026-03-02")))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert!(response.headers()[CONTENT_TYPE].to_str().unwrap().contains("spreadsheetml"));
    assert!(response.headers()[CONTENT_DISPOSITION].to_str().unwrap().contains("topics-2025-12-03-2026-03-02.xlsx"));
    let bytes = response.bytes().await.unwrap().to_vec();
    let mut workbook: Xlsx<_> = open_workbook_from_rs(Cursor::new(bytes)).unwrap();
    let sheet = workbook.worksheet_range_at(0).unwrap().unwrap();
    let text = |row: u32, col: u32| sheet.get_value((row, col)).and_then(|d| d.as_string()).unwrap_or_default();
    let number = |row: u32, col: u32| sheet.get_value((row, col)).and_then(|d| d.as_f64());
    assert_eq!(sheet.height(), 3, "a heading and two topics");
    assert_eq!((text(0, 1), text(0, 2)), ("热点".to_string(), "件数".to_string()));
    assert!(text(1, 1).contains("大坑") && html.contains(&text(1, 1)), "{}", text(1, 1));
    assert_eq!(number(1, 2), Some(3.0));
    assert!(text(2, 1).contains("烧烤店") && html.contains(&text(2, 1)));
    assert_eq!(number(2, 2), Some(2.0));
    let listed: Vec<String> = pothole.iter().map(|id| format!("#{id}")).collect();
    assert_eq!(text(1, 6), listed.join("、"));
    assert_eq!(text(1, 3), "城建环保交通");

    // The viewer and the deputy (whose cases these are) see the same; a handler may not.
    for username in ["viewer-a", "deputy-a"] {
        let browser = browser_for(&w, username).await;
        let (status, html) = page(&w, &browser, "/app/topics").await;
        assert_eq!(status, StatusCode::OK, "{username}");
        assert!(html.contains("3 人反映"), "{username}");
    }
    let handler = browser_for(&w, "handler-u").await;
    for path in ["/app/topics", "/app/topics.xlsx"] {
        let (status, _) = page(&w, &handler, path).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{path}");
    }
    let (_, queue) = page(&w, &handler, "/app/cases").await;
    assert!(!queue.contains("href=\"/app/topics\""));
    // Another station's deputy sees no topic.
    let other = browser_for(&w, "deputy-b").await;
    let (status, html) = page(&w, &other, "/app/topics").await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("id=\"no-topics\""));
}
