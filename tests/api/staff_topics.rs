//! Likely duplicates on the case page, and the hot topics page with its XLSX.
use reqwest::StatusCode;
use reqwest::header::LOCATION;

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
