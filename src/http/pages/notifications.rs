//! `/app/notifications`: the signed-in person's notifications, newest first, each leading to
//! its case; marking one or all read.
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;

use crate::domain::page::PageParams;
use crate::http::pages::form::{CsrfForm, NoFields};
use crate::http::pages::form::{Pager, total_label};
use crate::http::pages::home::Nav;
use crate::http::pages::session::StaffSession;
use crate::http::pages::{PageError, html, redirect};
use crate::http::shared::i18n::Lang;
use crate::services::notices::notifications;
use crate::state::AppState;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(web::resource("/app/notifications").route(web::get().to(index)))
        .service(web::resource("/app/notifications/read-all").route(web::post().to(read_all)))
        .service(web::resource("/app/notifications/{id}/read").route(web::post().to(read_one)));
}

struct Row {
    id: i64,
    title: String,
    body: String,
    at: String,
    link: Option<String>,
    unread: bool,
}

#[derive(Template)]
#[template(path = "app/notifications.html")]
struct NotificationsPage {
    lang: Lang,
    nav: Nav,
    total_label: String,
    rows: Vec<Row>,
    pager: Pager,
}

pub async fn index(
    req: HttpRequest,
    state: web::Data<AppState>,
    lang: Lang,
    session: StaffSession,
    paging: web::Query<PageParams>,
) -> Result<HttpResponse, PageError> {
    let actor = session.0;
    let page = notifications::list(&state.db, actor.user_id, false, paging.request()).await?;
    let tz = state.settings.time_zone();
    let rows = page
        .items
        .into_iter()
        .map(|n| Row {
            id: n.id,
            at: n.created_at.with_timezone(&tz).format("%Y-%m-%d %H:%M").to_string(),
            link: n.case_id.map(|id| format!("/app/cases/{id}")),
            unread: n.read_at.is_none(),
            title: n.title,
            body: n.body,
        })
        .collect();
    let view = NotificationsPage {
        lang,
        nav: Nav::new(&req, &actor, lang),
        total_label: total_label(lang, page.total),
        rows,
        pager: Pager::new(page.request, page.total),
    };
    Ok(html(view.render()?))
}

pub async fn read_all(
    state: web::Data<AppState>,
    session: StaffSession,
    _: CsrfForm<NoFields>,
) -> Result<HttpResponse, PageError> {
    notifications::mark_all_read(&state.db, session.0.user_id, state.clock.now()).await?;
    Ok(redirect("/app/notifications"))
}

pub async fn read_one(
    state: web::Data<AppState>,
    session: StaffSession,
    id: web::Path<i64>,
    _: CsrfForm<NoFields>,
) -> Result<HttpResponse, PageError> {
    notifications::mark_read(&state.db, session.0.user_id, id.into_inner(), state.clock.now()).await?;
    Ok(redirect("/app/notifications"))
}
