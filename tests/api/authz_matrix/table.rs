//! Who may call what: one line per route (a route may have more lines, each with its own query).
//!
//! A line names the roles that may use the route and the scope of the object its path names
//! (always one of station A's): an actor whose role may, outside that scope, gets 404; an
//! actor whose role may not gets 403 (or 404 outside the scope); the others succeed.
use liaison::domain::role::Role::{self, Admin, Deputy, Handler, Manager, Viewer};

use super::world::Who;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Surface {
    /// JSON under `/api/v1`: a missing token is 401.
    Api,
    /// A staff page: signed out, it redirects to `/login`.
    Page,
    /// Residents' pages and calls, sign-in, static files, health: anyone.
    Public,
}

/// Which signed-in actors the object named by the path is visible to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    /// No object in the path (or only the caller's own): everyone's own view.
    Everyone,
    /// Station A, or a record of it (deputy, activity, report, visit, duty, webhook…):
    /// administrators, station A's manager, viewer and deputy, and handlers (who read every
    /// station). Station B's manager, viewer and deputy get 404.
    StationA,
    /// Station A's activity, deputy A invited: as `StationA`, but deputies read only the
    /// activities they are invited to.
    ActivityA,
    /// Deputy A's case (or suggestion) assigned to unit U: administrators, station A's
    /// manager and viewer, deputy A and unit U's handler.
    CaseA,
    /// Deputy A's record and books (profile, QR code, contact records, performance, file): as
    /// `StationA`, but another deputy (of either station) is refused (403 or 404): a deputy
    /// sees their own record only.
    DeputyABooks,
    /// A notification addressed to deputy A: only deputy A.
    NoticeToDeputyA,
}

impl Scope {
    pub fn includes(self, who: Who) -> bool {
        use Who::*;
        match self {
            Scope::Everyone => true,
            Scope::StationA => !matches!(who, ManagerB | DeputyB | ViewerB),
            Scope::DeputyABooks => !matches!(who, ManagerB | DeputyB | ViewerB | DeputyA2),
            Scope::ActivityA => !matches!(who, ManagerB | DeputyB | ViewerB | DeputyA2),
            Scope::CaseA => !matches!(who, ManagerB | DeputyB | ViewerB | HandlerV | DeputyA2),
            Scope::NoticeToDeputyA => who == DeputyA,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Body {
    /// JSON: the least body the OpenAPI schema allows (required fields, empty values).
    Json,
    /// A form: the CSRF token and the line's `fields`.
    Form,
    /// The same as a multipart form.
    Multipart,
}

#[derive(Debug, Clone)]
pub struct Line {
    pub method: &'static str,
    pub path: &'static str,
    pub surface: Surface,
    pub roles: &'static [Role],
    pub scope: Scope,
    pub query: &'static str,
    /// What an allowed GET answers.
    pub ok: u16,
    pub body: Body,
    /// Form fields sent besides the CSRF token (see `World::placeholders`).
    pub fields: &'static str,
    /// A JSON body instead of the least one (see `World::placeholders`).
    pub json: &'static str,
    /// The body names objects (possibly station B's) the caller may not touch: whoever may
    /// not is refused with 403, 404 or 422 (a field naming something unknown), and nothing is
    /// stored.
    pub body_scoped: bool,
    /// Changes what other cells rely on (a QR token): run after the other writes.
    pub late: bool,
    /// Ends the caller's session: run last of all.
    pub last: bool,
}

pub const STAFF: &[Role] = &[Admin, Manager, Deputy, Handler, Viewer];
pub const ADMIN: &[Role] = &[Admin];
pub const MANAGERS: &[Role] = &[Admin, Manager];
/// Everyone but handlers: the station's books.
pub const BOOK_READERS: &[Role] = &[Admin, Manager, Deputy, Viewer];
/// Those who act on a case or suggestion (not viewers).
pub const ACTORS: &[Role] = &[Admin, Manager, Deputy, Handler];
pub const MANAGERS_AND_DEPUTY: &[Role] = &[Admin, Manager, Deputy];
pub const MANAGERS_AND_VIEWERS: &[Role] = &[Admin, Manager, Viewer];
/// Nobody: for bodies that name what no one may (a deputy of another station).
pub const NOBODY: &[Role] = &[];

fn line(method: &'static str, path: &'static str, surface: Surface, roles: &'static [Role], scope: Scope) -> Line {
    let json = surface == Surface::Api || path.starts_with("/api/") || path == "/healthz";
    let body = if json { Body::Json } else { Body::Form };
    Line {
        method,
        path,
        surface,
        roles,
        scope,
        query: "",
        fields: "",
        json: "",
        body_scoped: false,
        ok: 200,
        body,
        late: false,
        last: false,
    }
}

fn api(method: &'static str, path: &'static str, roles: &'static [Role], scope: Scope) -> Line {
    line(method, path, Surface::Api, roles, scope)
}

fn page(method: &'static str, path: &'static str, roles: &'static [Role], scope: Scope) -> Line {
    line(method, path, Surface::Page, roles, scope)
}

fn public(method: &'static str, path: &'static str) -> Line {
    line(method, path, Surface::Public, STAFF, Scope::Everyone)
}

impl Line {
    fn query(mut self, query: &'static str) -> Line {
        self.query = query;
        self
    }

    fn fields(mut self, fields: &'static str) -> Line {
        self.fields = fields;
        self
    }

    /// Names station A's objects in the body (JSON for the API, form fields for pages).
    fn naming(mut self, body: &'static str) -> Line {
        if self.body == Body::Json {
            self.json = body;
        } else {
            self.fields = body;
        }
        self.body_scoped = true;
        self
    }

    fn ok(mut self, status: u16) -> Line {
        self.ok = status;
        self
    }

    fn multipart(mut self) -> Line {
        self.body = Body::Multipart;
        self
    }

    fn late(mut self) -> Line {
        self.late = true;
        self
    }

    fn last(mut self) -> Line {
        self.last = true;
        self
    }

    /// Reads first, then writes, then deletions and late writes, then sign-outs.
    pub fn phase(&self) -> u8 {
        match self.method {
            _ if self.last => 3,
            "DELETE" => 2,
            _ if self.late => 2,
            "GET" => 0,
            _ => 1,
        }
    }

    /// How a failure names the line: method, path, query and a body that names objects.
    pub fn label(&self) -> String {
        let mut label = format!("{:6} {}", self.method, self.path);
        if !self.query.is_empty() {
            label = format!("{label}?{}", self.query);
        }
        if self.body_scoped {
            let body = if self.json.is_empty() { self.fields } else { self.json };
            label = format!("{label} with {}", body.split_whitespace().collect::<Vec<_>>().join(" "));
        }
        label
    }

    pub fn is_read(&self) -> bool {
        self.method == "GET"
    }
}

use Scope::{ActivityA, CaseA, DeputyABooks, Everyone, NoticeToDeputyA, StationA};

const GET: &str = "GET";
const POST: &str = "POST";
const PUT: &str = "PUT";
const PATCH: &str = "PATCH";
const DELETE: &str = "DELETE";

/// The JSON API, in the order of the OpenAPI document's tags.
pub fn api_lines() -> Vec<Line> {
    vec![
        public(GET, "/healthz"),
        public(GET, "/livez"),
        // Sign-in and the caller's own account.
        public(POST, "/api/v1/auth/login"),
        api(POST, "/api/v1/auth/logout", STAFF, Everyone).last(),
        api(GET, "/api/v1/auth/me", STAFF, Everyone),
        api(POST, "/api/v1/auth/password", STAFF, Everyone),
        // Administration: stations, deputies, categories, units, users, calendar.
        api(GET, "/api/v1/stations", STAFF, Everyone),
        api(POST, "/api/v1/stations", MANAGERS, Everyone),
        api(POST, "/api/v1/stations", MANAGERS, StationA)
            .naming(r#"{"name": "幸福社区联络点", "kind": "point", "parent_id": {station}}"#),
        api(GET, "/api/v1/stations/{id}", STAFF, StationA),
        api(PATCH, "/api/v1/stations/{id}", MANAGERS, StationA),
        api(GET, "/api/v1/deputies", STAFF, Everyone),
        api(POST, "/api/v1/deputies", MANAGERS, Everyone),
        api(POST, "/api/v1/deputies", MANAGERS, StationA)
            .naming(r#"{"name": "李秀英", "level": "county", "station_id": {station}}"#),
        api(GET, "/api/v1/deputies/{id}", STAFF, DeputyABooks),
        api(PATCH, "/api/v1/deputies/{id}", MANAGERS_AND_DEPUTY, DeputyABooks),
        api(POST, "/api/v1/deputies/{id}/rotate-qr", MANAGERS, DeputyABooks).late(),
        api(GET, "/api/v1/categories", STAFF, Everyone),
        api(POST, "/api/v1/categories", ADMIN, Everyone),
        api(GET, "/api/v1/categories/{id}", STAFF, Everyone),
        api(PATCH, "/api/v1/categories/{id}", ADMIN, Everyone),
        api(GET, "/api/v1/tiers", STAFF, Everyone),
        api(GET, "/api/v1/units", STAFF, Everyone),
        api(POST, "/api/v1/units", ADMIN, Everyone),
        api(GET, "/api/v1/units/{id}", STAFF, Everyone),
        api(PATCH, "/api/v1/units/{id}", ADMIN, Everyone),
        api(GET, "/api/v1/users", MANAGERS, Everyone),
        api(POST, "/api/v1/users", MANAGERS, Everyone),
        api(POST, "/api/v1/users", MANAGERS, StationA).naming(
            r#"{"username": "viewer-new", "password": "staff-password-2", "role": "viewer", "station_ids": [{station}]}"#,
        ),
        api(GET, "/api/v1/users/{id}", MANAGERS, StationA),
        api(PATCH, "/api/v1/users/{id}", MANAGERS, StationA),
        api(GET, "/api/v1/calendar", STAFF, Everyone),
        api(POST, "/api/v1/calendar/import", ADMIN, Everyone),
        api(PUT, "/api/v1/calendar/{date}", ADMIN, Everyone),
        api(DELETE, "/api/v1/calendar/{date}", ADMIN, Everyone),
        // Residents.
        public(GET, "/api/v1/public/deputies/{qr_token}"),
        public(GET, "/api/v1/public/stations/{station_token}"),
        public(GET, "/api/v1/public/stations/{station_token}/stats"),
        public(POST, "/api/v1/public/submissions"),
        public(GET, "/api/v1/public/submissions/{tracking_code}"),
        public(POST, "/api/v1/public/submissions/{tracking_code}/rating"),
        // Case A has been handled: withdrawing it is refused (409), so later cells still find it.
        public(POST, "/api/v1/public/submissions/{tracking_code}/withdraw"),
        // Cases.
        api(GET, "/api/v1/cases", STAFF, Everyone),
        api(GET, "/api/v1/cases/counts", STAFF, Everyone),
        api(POST, "/api/v1/cases/bulk", MANAGERS, Everyone),
        api(GET, "/api/v1/cases/{id}", STAFF, CaseA),
        api(POST, "/api/v1/cases/{id}/actions", ACTORS, CaseA),
        api(GET, "/api/v1/cases/{id}/photos/{hash}", STAFF, CaseA),
        api(GET, "/api/v1/cases/{id}/similar", STAFF, CaseA),
        api(POST, "/api/v1/cases/{id}/suggestion", MANAGERS_AND_DEPUTY, CaseA),
        api(GET, "/api/v1/reply-templates", STAFF, Everyone),
        api(POST, "/api/v1/reply-templates", MANAGERS, Everyone),
        api(POST, "/api/v1/reply-templates", MANAGERS, StationA)
            .naming(r#"{"station_id": {station}, "kind": "reply", "title": "已办理", "body": "您好，已办理。"}"#),
        api(PATCH, "/api/v1/reply-templates/{id}", MANAGERS, StationA),
        // Notices.
        api(GET, "/api/v1/webhooks", MANAGERS, Everyone),
        api(POST, "/api/v1/webhooks", MANAGERS, Everyone),
        api(POST, "/api/v1/webhooks", MANAGERS, StationA)
            .naming(r#"{"station_id": {station}, "format": "json", "url": "http://127.0.0.1:9/new"}"#),
        api(POST, "/api/v1/webhooks", MANAGERS, StationA)
            .naming(r#"{"deputy_id": {deputy}, "format": "json", "url": "http://127.0.0.1:9/deputy"}"#),
        api(GET, "/api/v1/webhooks/{id}", MANAGERS, StationA),
        api(PATCH, "/api/v1/webhooks/{id}", MANAGERS, StationA),
        api(DELETE, "/api/v1/webhooks/{id}", MANAGERS, StationA),
        api(GET, "/api/v1/notifications", STAFF, Everyone),
        api(POST, "/api/v1/notifications/read-all", STAFF, Everyone),
        api(POST, "/api/v1/notifications/{id}/read", STAFF, NoticeToDeputyA),
        api(POST, "/api/v1/jobs/{name}/run", ADMIN, Everyone),
        api(GET, "/api/v1/audit", ADMIN, Everyone),
        // Reception days.
        api(GET, "/api/v1/reception-duties/today", BOOK_READERS, Everyone),
        api(GET, "/api/v1/stations/{id}/reception-duties", BOOK_READERS, StationA),
        api(POST, "/api/v1/stations/{id}/reception-duties", MANAGERS, StationA),
        api(DELETE, "/api/v1/reception-duties/{id}", MANAGERS, StationA),
        api(POST, "/api/v1/reception-duties/{id}/swap", MANAGERS_AND_DEPUTY, StationA),
        api(GET, "/api/v1/stations/{id}/reception-visits", BOOK_READERS, StationA),
        api(POST, "/api/v1/stations/{id}/reception-visits", MANAGERS, StationA),
        api(GET, "/api/v1/reception-visits/{id}", BOOK_READERS, StationA),
        api(PATCH, "/api/v1/reception-visits/{id}", MANAGERS, StationA),
        api(POST, "/api/v1/reception-visits/{id}/suggestion", MANAGERS, StationA),
        // The books: reports to voters, contact records, the ten haves, performance.
        api(GET, "/api/v1/stations/{id}/deputy-reports", BOOK_READERS, StationA),
        api(POST, "/api/v1/stations/{id}/deputy-reports", MANAGERS, StationA),
        api(GET, "/api/v1/deputy-reports/{id}", BOOK_READERS, StationA),
        api(PATCH, "/api/v1/deputy-reports/{id}", MANAGERS, StationA),
        api(GET, "/api/v1/stations/{id}/contact-records", BOOK_READERS, StationA),
        api(GET, "/api/v1/deputies/{id}/contact-records", BOOK_READERS, DeputyABooks),
        api(POST, "/api/v1/deputies/{id}/contact-records", MANAGERS_AND_DEPUTY, DeputyABooks),
        api(GET, "/api/v1/contact-records/{id}", BOOK_READERS, DeputyABooks),
        api(PATCH, "/api/v1/contact-records/{id}", MANAGERS_AND_DEPUTY, DeputyABooks),
        api(GET, "/api/v1/stations/{id}/ten-haves", BOOK_READERS, StationA),
        api(PUT, "/api/v1/stations/{id}/ten-haves/{item}", MANAGERS, StationA),
        api(GET, "/api/v1/deputies/{id}/performance", BOOK_READERS, DeputyABooks),
        // Activities.
        api(GET, "/api/v1/stations/{id}/activities", BOOK_READERS, StationA),
        api(POST, "/api/v1/stations/{id}/activities", MANAGERS, StationA),
        api(GET, "/api/v1/activities/{id}", BOOK_READERS, ActivityA),
        api(PATCH, "/api/v1/activities/{id}", MANAGERS, ActivityA),
        api(PUT, "/api/v1/activities/{id}/attendance", MANAGERS, ActivityA),
        api(POST, "/api/v1/activities/{id}/cases", MANAGERS, ActivityA),
        api(DELETE, "/api/v1/activities/{id}/cases/{case_id}", MANAGERS, ActivityA),
        api(GET, "/api/v1/deputies/me/activities", &[Deputy], Everyone),
        // Ledgers.
        api(GET, "/api/v1/stations/{id}/ledgers/{ledger}", MANAGERS_AND_VIEWERS, StationA),
        api(GET, "/api/v1/ledgers/{ledger}", ADMIN, Everyone),
        // Suggestions.
        api(GET, "/api/v1/suggestions", STAFF, Everyone),
        api(GET, "/api/v1/stations/{id}/suggestions", STAFF, StationA),
        api(POST, "/api/v1/stations/{id}/suggestions", MANAGERS_AND_DEPUTY, StationA),
        api(GET, "/api/v1/suggestions/{id}", STAFF, CaseA),
        api(PATCH, "/api/v1/suggestions/{id}", MANAGERS_AND_DEPUTY, CaseA),
        api(POST, "/api/v1/suggestions/{id}/actions", ACTORS, CaseA),
        // Statistics.
        api(GET, "/api/v1/stats", STAFF, Everyone),
        api(GET, "/api/v1/stats", STAFF, StationA).query("station_id={station}"),
        api(GET, "/api/v1/stats/hot-topics", STAFF, Everyone),
        api(GET, "/api/v1/stats/hot-topics", STAFF, StationA).query("station_id={station}"),
        // Escalations: what a caller may do, stretched in the body beyond their scope.
        api(POST, "/api/v1/users", ADMIN, StationA).naming(
            r#"{"username": "manager-new", "password": "staff-password-2", "role": "manager", "station_ids": [{station}]}"#,
        ),
        api(POST, "/api/v1/stations/{id}/reception-duties", NOBODY, StationA)
            .naming(r#"{"date": "2026-03-04", "slot": "morning", "deputy_id": {other_deputy}}"#),
        api(POST, "/api/v1/stations/{id}/deputy-reports", NOBODY, StationA).naming(
            r#"{"deputy_id": {other_deputy}, "reported_on": "2026-03-02", "place": "联络站", "form": "oral",
                "voters_present": 1, "summary": "述职。", "votes_satisfied": 1, "votes_basically_satisfied": 0,
                "votes_dissatisfied": 0, "published": false}"#,
        ),
        api(POST, "/api/v1/stations/{id}/activities", NOBODY, StationA).naming(
            r#"{"kind": "research", "held_on": "2026-03-02", "place": "会议室", "topic": "调研",
                "deputy_ids": [{other_deputy}]}"#,
        ),
        api(POST, "/api/v1/stations/{id}/suggestions", NOBODY, StationA)
            .naming(r#"{"title": "建议", "reasons": "理由。", "lead_deputy_id": {other_deputy}}"#),
        // Last, as the administrator's success moves station A's objects to station B.
        api(PATCH, "/api/v1/users/{id}", ADMIN, StationA).naming(r#"{"station_ids": [{other_station}]}"#).late(),
        api(PATCH, "/api/v1/deputies/{id}", ADMIN, DeputyABooks).naming(r#"{"station_id": {other_station}}"#).late(),
    ]
}

/// The pages, static files and API documentation.
pub fn page_lines() -> Vec<Line> {
    vec![
        public(GET, "/").ok(303),
        public(GET, "/login"),
        public(POST, "/login"),
        public(GET, "/logout"),
        public(POST, "/logout").last(),
        public(GET, "/privacy"),
        public(GET, "/prefs").ok(303),
        public(GET, "/static/{path:.*}"),
        public(GET, "/api/docs/{_:.*}"),
        public(GET, "/api/v1/openapi.json"),
        // Residents.
        public(GET, "/d/{token}"),
        public(POST, "/d/{token}").multipart(),
        public(GET, "/s/{token}"),
        public(POST, "/s/{token}").multipart(),
        public(GET, "/t"),
        public(GET, "/t/{code}"),
        public(POST, "/t/{code}/rating"),
        public(POST, "/t/{code}/withdraw"),
        public(GET, "/t/{code}/photos/{hash}"),
        public(GET, "/d/{qr_token}/qr.png"),
        public(GET, "/d/{qr_token}/qr.svg"),
        public(GET, "/s/{station_token}/qr.png"),
        public(GET, "/s/{station_token}/qr.svg"),
        public(GET, "/t/{code}/qr.svg"),
        public(GET, "/d/{qr_token}/card"),
        public(GET, "/s/{station_token}/cards"),
        public(GET, "/s/{station_token}/stats"),
        // Staff: home, queues and cases.
        page(GET, "/app", STAFF, Everyone),
        page(GET, "/app/home", STAFF, Everyone),
        page(GET, "/app/cases", STAFF, Everyone),
        page(POST, "/app/cases/bulk", MANAGERS, Everyone),
        page(GET, "/app/cases/{id}", STAFF, CaseA),
        page(POST, "/app/cases/{id}/actions", ACTORS, CaseA),
        page(POST, "/app/cases/{id}/progress", ACTORS, CaseA).multipart(),
        page(GET, "/app/cases/{id}/photos/{hash}", STAFF, CaseA),
        page(POST, "/app/cases/{id}/suggestion", MANAGERS_AND_DEPUTY, CaseA),
        page(GET, "/app/notifications", STAFF, Everyone),
        page(POST, "/app/notifications/read-all", STAFF, Everyone),
        page(POST, "/app/notifications/{id}/read", STAFF, NoticeToDeputyA),
        // Administration.
        page(GET, "/app/stations", STAFF, Everyone),
        page(POST, "/app/stations", MANAGERS, Everyone),
        page(POST, "/app/stations", MANAGERS, StationA).naming("name=东门网格&kind=point&parent_id={station}"),
        page(GET, "/app/deputies", STAFF, Everyone),
        page(POST, "/app/deputies", MANAGERS, Everyone),
        page(POST, "/app/deputies", MANAGERS, StationA).naming("name=周红&level=county&station_id={station}"),
        page(GET, "/app/deputies/{id}/file", BOOK_READERS, DeputyABooks),
        page(GET, "/app/stations/{id}/deputies/compare", MANAGERS_AND_VIEWERS, StationA),
        page(GET, "/app/stations/{id}/deputies/compare.xlsx", MANAGERS_AND_VIEWERS, StationA),
        // Reception days.
        page(GET, "/app/reception", BOOK_READERS, Everyone),
        page(GET, "/app/reception", BOOK_READERS, StationA).query("station={station}"),
        page(POST, "/app/reception/duties", MANAGERS, StationA).fields("station_id={station}"),
        page(POST, "/app/reception/visits", MANAGERS, StationA).fields("station_id={station}"),
        page(POST, "/app/reception/visits/{id}/suggestion", MANAGERS, StationA),
        // Activities.
        page(GET, "/app/activities", MANAGERS_AND_VIEWERS, Everyone),
        page(GET, "/app/activities", MANAGERS_AND_VIEWERS, StationA).query("station={station}"),
        page(POST, "/app/activities", MANAGERS, StationA).fields("station_id={station}"),
        // Deputies read the activities they are invited to through the API only.
        page(GET, "/app/activities/{id}", MANAGERS_AND_VIEWERS, ActivityA),
        page(POST, "/app/activities/{id}/edit", MANAGERS, ActivityA),
        page(POST, "/app/activities/{id}/attendance", MANAGERS, ActivityA),
        page(POST, "/app/activities/{id}/cases", MANAGERS, ActivityA),
        page(POST, "/app/activities/{id}/photos", MANAGERS, ActivityA).multipart(),
        page(GET, "/app/activities/{id}/photos/{hash}", BOOK_READERS, ActivityA),
        // The books.
        page(GET, "/app/books", BOOK_READERS, Everyone),
        page(POST, "/app/books/ten-haves", MANAGERS, StationA).multipart().fields("station_id={station}&item=place"),
        page(POST, "/app/books/reports", MANAGERS, StationA).fields("station_id={station}"),
        page(POST, "/app/books/contacts", MANAGERS_AND_DEPUTY, StationA)
            .fields("station_id={station}&deputy_id={deputy}"),
        page(GET, "/app/stations/{id}/ten-haves/{item}/photo", BOOK_READERS, StationA),
        page(GET, "/app/ledgers", MANAGERS_AND_VIEWERS, Everyone),
        page(GET, "/app/stations/{id}/ledgers/{ledger}/print", MANAGERS_AND_VIEWERS, StationA),
        page(GET, "/app/stations/{id}/ledgers/{ledger}/download", MANAGERS_AND_VIEWERS, StationA),
        // Suggestions.
        page(GET, "/app/suggestions", STAFF, Everyone),
        page(POST, "/app/suggestions", MANAGERS_AND_DEPUTY, StationA).fields("station_id={station}"),
        page(GET, "/app/suggestions/{id}", STAFF, CaseA),
        page(POST, "/app/suggestions/{id}/actions", ACTORS, CaseA),
        page(POST, "/app/suggestions/{id}/edit", MANAGERS_AND_DEPUTY, CaseA),
        // Statistics.
        page(GET, "/app/dashboard", STAFF, Everyone),
        page(GET, "/app/dashboard", STAFF, StationA).query("station={station}"),
        page(GET, "/app/dashboard.xlsx", STAFF, Everyone),
        page(GET, "/app/topics", BOOK_READERS, Everyone),
        page(GET, "/app/topics.xlsx", BOOK_READERS, Everyone),
        // The audit log.
        page(GET, "/app/audit", ADMIN, Everyone),
        page(GET, "/app/audit.csv", ADMIN, Everyone),
        page(GET, "/app/audit.xlsx", ADMIN, Everyone),
    ]
}

/// What an actor should get from a line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Expect {
    /// The line's success status (GET), or anything but a denial (other methods).
    Allowed,
    /// 401 from the API.
    Unauthorized,
    /// 303 to `/login`.
    SignIn,
    Forbidden,
    NotFound,
    /// A role that may never use the route, asking about an object outside its scope: 403
    /// (the role is checked first) or 404 (the object is looked up first) both reveal nothing.
    Denied,
    /// Asking, in the body, for what the caller may not: 403, 404 or 422 (unknown).
    Refused,
}

pub fn role_of(who: Who) -> Option<Role> {
    Some(match who {
        Who::Anonymous => return None,
        Who::Admin => Admin,
        Who::ManagerA | Who::ManagerB => Manager,
        Who::DeputyA | Who::DeputyA2 | Who::DeputyB => Deputy,
        Who::HandlerU | Who::HandlerV => Handler,
        Who::ViewerA | Who::ViewerB => Viewer,
    })
}

impl Line {
    pub fn expect(&self, who: Who) -> Expect {
        if self.surface == Surface::Public {
            return Expect::Allowed;
        }
        let Some(role) = role_of(who) else {
            return if self.surface == Surface::Api { Expect::Unauthorized } else { Expect::SignIn };
        };
        // A deputy's own records are theirs alone among deputies.
        let another_deputy = matches!(who, Who::DeputyB | Who::DeputyA2);
        let may = self.roles.contains(&role) && !(self.scope == Scope::DeputyABooks && another_deputy);
        match (may, self.scope.includes(who)) {
            (true, true) => Expect::Allowed,
            _ if self.body_scoped => Expect::Refused,
            (true, false) => Expect::NotFound,
            (false, true) => Expect::Forbidden,
            (false, false) => Expect::Denied,
        }
    }
}
