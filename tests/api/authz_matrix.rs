//! The authorization matrix: every route the server answers × anonymous and every role, in
//! and out of scope, against the table in `authz_matrix/table.rs`.
//!
//! - The routes are those of the OpenAPI document plus those the page modules and
//!   `startup.rs` register (read from the source, see `routes.rs`). A route without a line in
//!   the table fails the test, and so does a line for a route nobody serves.
//! - Path parameters are real objects of station A (`World::fill`); the actors are the
//!   administrator, and a manager, deputy, handler and viewer on each side (A and unit U in
//!   scope, B and unit V out of it), and a second deputy of station A (in scope of the
//!   station, not of deputy A's case, records or activity).
//! - Expected: anonymous 401 on the API and a 303 to `/login` on staff pages; a role that may,
//!   out of scope, 404; a role that may not, 403 (out of scope 403 or 404: either reveals
//!   nothing); otherwise the line's success status for a GET.
//! - Writes (POST/PUT/PATCH/DELETE) are about the denials: each sends the least body its
//!   OpenAPI schema accepts (required fields, empty values) or, on pages, a form with just the
//!   CSRF token. A denied actor must be turned away (401/403/404) before that body is
//!   validated, never 400/422. An allowed actor must not be denied: 2xx, 3xx, 409 or 422 all
//!   pass. Denied actors go first, so an allowed deletion cannot hide a later denial; a
//!   second allowed deletion of the same thing may find it gone (404).
//! - Some writes have a second line whose body names what the caller may not touch (station
//!   A's objects for station B's manager, a deputy of station B, a manager account, a move to
//!   station B): whoever may not is refused (403, 404 or 422), never served.
//! - Reads run first, then writes, then deletions, QR rotation and moves to station B, then
//!   sign-outs.
//! - No successful answer shows an actor what is not theirs to see (`World::secrets`): case
//!   A's tracking code, contacts in full, a webhook's address, a suggestion, a visit or an
//!   activity out of scope.
//!
//! Every mismatching cell is printed before the test fails.
mod bodies;
mod routes;
mod table;
mod world;

use std::collections::BTreeSet;

use reqwest::header::{CONTENT_TYPE, COOKIE, LOCATION};
use reqwest::{Method, StatusCode};
use serde_json::Value;

use crate::helpers::expect;
use table::{Body, Expect, Line, Surface};
use world::{Who, World};

struct Answer {
    status: u16,
    location: String,
    /// The body, if it is text.
    text: String,
}

async fn send(w: &World, doc: &Value, line: &Line, who: Who) -> Answer {
    let path = w.fill(line.path).unwrap_or_else(|e| panic!("{e}"));
    let query = w.placeholders(line.query);
    let url = if query.is_empty() { w.app().url(&path) } else { w.app().url(&format!("{path}?{query}")) };
    let method = Method::from_bytes(line.method.as_bytes()).unwrap();
    let session = w.session(who);
    let request = match line.body {
        Body::Json => {
            let mut request = w.app().client.request(method.clone(), &url);
            if let Some(session) = session {
                request = request.bearer_auth(&session.token);
            }
            if method != Method::GET && line.json.is_empty() {
                request = request.json(&bodies::least_body(doc, line.method, line.path));
            } else if method != Method::GET {
                request = request.header(CONTENT_TYPE, "application/json").body(w.placeholders(line.json));
            }
            request
        }
        Body::Form | Body::Multipart => {
            let (browser, csrf) = match session {
                Some(s) => (&s.browser, s.csrf.clone()),
                None => (&w.anonymous, w.anonymous_csrf.clone()),
            };
            let request = browser.client.request(method.clone(), &url);
            let mut fields = vec![("csrf".to_string(), csrf)];
            for pair in line.fields.split('&').filter(|p| !p.is_empty()) {
                let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
                fields.push((name.to_string(), w.placeholders(value)));
            }
            match (method == Method::GET, line.body) {
                (true, _) => request,
                (false, Body::Multipart) => {
                    let form = fields.into_iter().fold(reqwest::multipart::Form::new(), |f, (n, v)| f.text(n, v));
                    request.multipart(form)
                }
                (false, _) => request.form(&fields),
            }
        }
    };
    let response = request.send().await.unwrap_or_else(|e| panic!("{} {url}: {e}", line.method));
    let location = response.headers().get(LOCATION).and_then(|l| l.to_str().ok()).unwrap_or("").to_string();
    let textual = response
        .headers()
        .get(CONTENT_TYPE)
        .and_then(|t| t.to_str().ok())
        .is_some_and(|t| t.starts_with("text/") || t.contains("json") || t.contains("svg") || t.contains("csv"));
    let status = response.status().as_u16();
    let text = if textual { response.text().await.unwrap_or_default() } else { String::new() };
    Answer { status, location, text }
}

fn denial(status: u16) -> bool {
    matches!(status, 401 | 403 | 404)
}

/// Whether `answer` is what `expected` asks of `line`; `gone` when an allowed deletion of the
/// same object already succeeded.
fn matches(line: &Line, expected: Expect, answer: &Answer, gone: bool) -> bool {
    let status = answer.status;
    match expected {
        Expect::Allowed if line.is_read() => status == line.ok,
        Expect::Allowed if gone && status == 404 => true,
        Expect::Allowed if line.surface == Surface::Public => !matches!(status, 403 | 404) && status < 500,
        Expect::Allowed => !denial(status) && status != 400 && status < 500,
        Expect::Unauthorized => status == 401,
        Expect::SignIn => status == 303 && answer.location.starts_with("/login"),
        Expect::Forbidden => status == 403,
        Expect::NotFound => status == 404,
        Expect::Denied => matches!(status, 403 | 404),
        Expect::Refused => matches!(status, 403 | 404 | 422),
    }
}

fn described(line: &Line, expected: Expect) -> String {
    match expected {
        Expect::Allowed if line.is_read() => line.ok.to_string(),
        Expect::Allowed => "not a denial".into(),
        Expect::Unauthorized => "401".into(),
        Expect::SignIn => "303 → /login".into(),
        Expect::Forbidden => "403".into(),
        Expect::NotFound => "404".into(),
        Expect::Denied => "403 or 404".into(),
        Expect::Refused => "403, 404 or 422".into(),
    }
}

/// Denied actors first, then the allowed ones with the administrator last, so that the
/// in-scope staff prove a write works before an administrator's success could consume it.
fn order(line: &Line) -> Vec<Who> {
    let (mut allowed, denied): (Vec<Who>, Vec<Who>) =
        Who::ALL.into_iter().partition(|who| line.expect(*who) == Expect::Allowed);
    allowed.reverse();
    denied.into_iter().chain(allowed).collect()
}

#[tokio::test]
async fn every_route_answers_every_actor_as_the_table_says() {
    let w = world::world().await;
    let doc = expect(w.app().get_anonymous("/api/v1/openapi.json").await, StatusCode::OK).await;

    let served: BTreeSet<routes::Route> = routes::from_openapi(&doc).into_iter().chain(routes::from_source()).collect();
    let lines: Vec<Line> = table::api_lines().into_iter().chain(table::page_lines()).collect();
    let listed: BTreeSet<routes::Route> = lines.iter().map(|l| (l.method.to_string(), l.path.to_string())).collect();
    let missing: Vec<String> = served.difference(&listed).map(|(m, p)| format!("  {m} {p}")).collect();
    let stale: Vec<String> = listed.difference(&served).map(|(m, p)| format!("  {m} {p}")).collect();
    assert!(
        missing.is_empty() && stale.is_empty(),
        "the authorization table (tests/api/authz_matrix/table.rs) must list exactly the served routes.\n\
         Served but not in the table:\n{}\nIn the table but not served:\n{}",
        missing.join("\n"),
        stale.join("\n")
    );

    let secrets = w.secrets();
    let mut failures = Vec::new();
    let mut cells = 0;
    for phase in 0..=3 {
        for line in lines.iter().filter(|l| l.phase() == phase) {
            let mut gone = false;
            for who in order(line) {
                let expected = line.expect(who);
                let answer = send(&w, &doc, line, who).await;
                cells += 1;
                if !matches(line, expected, &answer, gone) {
                    failures.push(format!(
                        "  {}  {:?}: expected {}, got {}{}",
                        line.label(),
                        who,
                        described(line, expected),
                        answer.status,
                        if answer.location.is_empty() { String::new() } else { format!(" → {}", answer.location) }
                    ));
                }
                if (200..300).contains(&answer.status) {
                    let path = w.fill(line.path).unwrap_or_default();
                    for secret in &secrets {
                        let keyed = path.contains(&secret.text);
                        if !(secret.seen_by)(who) && !keyed && answer.text.contains(&secret.text) {
                            failures.push(format!(
                                "  {}  {:?}: shows {} ({})",
                                line.label(),
                                who,
                                secret.what,
                                secret.text
                            ));
                        }
                    }
                }
                gone |= line.method == "DELETE" && expected == Expect::Allowed && (200..300).contains(&answer.status);
            }
        }
    }
    assert!(failures.is_empty(), "{} of {cells} cells differ from the table:\n{}", failures.len(), failures.join("\n"));
}

/// Every staff form that changes something, posted by a signed-in administrator whose browser
/// holds the CSRF cookie but whose form lacks the token (what a cross-site form would send),
/// is refused with 403. The residents' forms (`/d/…`, `/s/…`, `/t/…`) carry no session, so a
/// forged post gains nothing; the sign-in form is checked in
/// `pages::forms_without_the_csrf_token_are_refused`.
#[tokio::test]
async fn every_cookie_authenticated_form_refuses_a_post_without_its_token() {
    let w = world::world().await;
    let admin = w.session(Who::Admin).expect("the administrator's session");
    let mut wrong = Vec::new();
    let mut checked = 0;
    // A browser without a cookie store: the cookies are what the test says.
    let plain = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
    for (method, path) in routes::from_source() {
        let resident = ["/d/", "/s/", "/t/"].iter().any(|p| path.starts_with(p));
        if method != "POST" || resident || path == "/login" {
            continue;
        }
        let url = w.app().url(&w.fill(&path).unwrap_or_else(|e| panic!("{e}")));
        // Sent both ways: the kind of body the form does not take is turned away before
        // anything (400 or 415); the kind it takes must meet the CSRF check (403).
        let mut statuses = Vec::new();
        for multipart in [false, true] {
            let request = admin.browser.client.post(&url);
            let request = if multipart {
                request.multipart(reqwest::multipart::Form::new().text("note", "伪造的提交"))
            } else {
                request.form(&[("note", "伪造的提交")])
            };
            statuses.push(request.send().await.unwrap().status());
        }
        // A cookie planted by another site with the same value in the form: the token is
        // bound to the session, so this is no token at all.
        let planted = "P".repeat(32);
        for multipart in [false, true] {
            let request =
                plain.post(&url).header(COOKIE, format!("liaison_session={}; liaison_csrf={planted}", admin.token));
            let request = if multipart {
                request.multipart(reqwest::multipart::Form::new().text("csrf", planted.clone()).text("note", "伪造"))
            } else {
                request.form(&[("csrf", planted.as_str()), ("note", "伪造")])
            };
            statuses.push(request.send().await.unwrap().status());
        }
        checked += 1;
        let refused = [StatusCode::FORBIDDEN, StatusCode::BAD_REQUEST, StatusCode::UNSUPPORTED_MEDIA_TYPE];
        if !statuses.contains(&StatusCode::FORBIDDEN) || !statuses.iter().all(|s| refused.contains(s)) {
            wrong.push(format!("  POST {path}: form, multipart, planted form, planted multipart: {statuses:?}"));
        }
    }
    assert!(checked >= 20, "only {checked} forms were tried: are the page routes found?");
    assert!(wrong.is_empty(), "posts without the CSRF token that were not refused with 403:\n{}", wrong.join("\n"));
}

/// What an attacker would type into a text field: an attribute break-out and a script (short
/// enough for the narrowest column; an element with an event handler needs the same `<`).
const PAYLOAD: &str = "\"><script>x(1)";

/// The free-text columns people fill in (residents' names and phones are checked by their
/// parsers instead: they cannot hold markup).
const TEXT_COLUMNS: &[(&str, &[&str])] = &[
    ("activity", &["place", "topic", "organiser", "other_participants", "summary"]),
    ("activity_attendance", &["note"]),
    ("app_user", &["display_name"]),
    ("cases", &["content", "location", "reply", "rating_comment"]),
    ("case_event", &["note"]),
    ("category", &["name", "hint"]),
    ("contact_record", &["matter", "handling"]),
    (
        "deputy",
        &[
            "name",
            "ethnicity",
            "party",
            "education",
            "occupation",
            "employer",
            "post",
            "constituency",
            "address",
            "remarks",
        ],
    ),
    ("deputy_report", &["place", "summary", "comments"]),
    ("extension_request", &["reason", "decision_note"]),
    ("notification", &["title", "body"]),
    ("reception_duty", &["note"]),
    // `disposition` is a closed list, typed in its entity: markup there is an unknown value (500).
    ("reception_visit", &["matter", "result", "feedback"]),
    ("reply_template", &["title", "body"]),
    ("station", &["name", "address", "reception_days"]),
    ("suggestion", &["title", "reasons", "proposals", "reply"]),
    ("ten_have", &["note"]),
    ("unit", &["name"]),
];

/// Every free-text field of every kind of record holds markup, and every page (staff pages as
/// the administrator, station A's manager and deputy A; the residents' pages signed out)
/// shows it escaped: no script, element or event handler of the payload reaches the HTML.
#[tokio::test]
async fn every_text_field_is_shown_escaped_on_every_page() {
    use sea_orm::ConnectionTrait;
    let w = world::world().await;
    let db = &w.app().state.db;
    for (table, columns) in TEXT_COLUMNS {
        for column in *columns {
            // The row id keeps unique names unique (attendance rows have none, nor unique notes).
            let suffix = if *table == "activity_attendance" { "" } else { " || CAST(\"id\" AS TEXT)" };
            let sql = format!("UPDATE \"{table}\" SET \"{column}\" = '{}'{suffix}", PAYLOAD.replace('\'', "''"));
            db.execute_unprepared(&sql).await.unwrap_or_else(|e| panic!("{sql}: {e}"));
        }
    }
    let mut pages = 0;
    let mut shown_escaped = 0;
    let mut wrong = Vec::new();
    for (method, path) in routes::from_source() {
        let skip = ["/static", "/api/", "/docs", "/swagger"].iter().any(|p| path.starts_with(p));
        if method != "GET" || skip || path.contains("{hash}") || path.ends_with(".png") || path.ends_with(".svg") {
            continue;
        }
        let url = w.app().url(&w.fill(&path).unwrap_or_else(|e| panic!("{e}")));
        for who in [Who::Admin, Who::ManagerA, Who::DeputyA, Who::Anonymous] {
            let client = match w.session(who) {
                Some(session) => &session.browser.client,
                None => &w.anonymous.client,
            };
            let response = client.get(&url).send().await.unwrap();
            let status = response.status();
            let html = response.headers().get(CONTENT_TYPE).is_some_and(|t| t.to_str().unwrap_or("").contains("html"));
            let body = response.text().await.unwrap_or_default();
            if status.is_server_error() {
                wrong.push(format!("  GET {path} as {who:?}: {status}"));
            }
            if !html {
                continue;
            }
            pages += 1;
            if body.contains("&#60;script&#62;x(1)") || body.contains("&lt;script&gt;x(1)") {
                shown_escaped += 1;
            }
            for raw in ["<script>x(1)", "\"><script>"] {
                if body.contains(raw) {
                    wrong.push(format!("  GET {path} as {who:?}: `{raw}` unescaped"));
                }
            }
        }
    }
    assert!(pages >= 60, "only {pages} HTML pages were read");
    // The payload did reach the pages (escaped), not just vanish.
    assert!(shown_escaped >= 30, "the payload was shown escaped on only {shown_escaped} of {pages} pages");
    assert!(wrong.is_empty(), "pages that let markup through or failed:\n{}", wrong.join("\n"));
}
