//! The staff start page.
use actix_web::{HttpMessage, HttpRequest, HttpResponse, web};
use askama::Template;

use crate::domain::role::Role;
use crate::entities::station;
use crate::http::pages::session::{StaffSession, UnreadNotifications};
use crate::http::pages::{PageError, html, redirect};
use crate::http::shared::csrf;
use crate::http::shared::extract::SESSION_COOKIE;
use crate::http::shared::i18n::Lang;
use crate::services::organisation::actor::Actor;
use crate::state::AppState;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};

/// What the staff layout shows of the signed-in person.
pub struct Nav {
    pub username: String,
    pub role_label: String,
    pub csrf: String,
    /// Unread notifications, for the bell.
    pub unread: u64,
    /// Links only to pages this role may open.
    pub ledgers: bool,
    pub reception: bool,
    pub books: bool,
    pub activities: bool,
    /// 热点难点: everyone but handlers.
    pub topics: bool,
    /// 审计日志: administrators.
    pub audit: bool,
}

impl Nav {
    pub fn new(req: &HttpRequest, actor: &Actor, lang: Lang) -> Nav {
        Nav {
            username: actor.display_name.clone().unwrap_or_else(|| actor.username.clone()),
            role_label: match lang {
                Lang::Zh => actor.role.label_zh().to_string(),
                Lang::En => actor.role.as_str().to_string(),
            },
            csrf: csrf::token_of(req),
            unread: req.extensions().get::<UnreadNotifications>().map_or(0, |u| u.0),
            ledgers: matches!(actor.role, Role::Admin | Role::Manager | Role::Viewer),
            reception: actor.role != Role::Handler,
            books: actor.role != Role::Handler,
            activities: matches!(actor.role, Role::Admin | Role::Manager | Role::Viewer),
            topics: actor.role != Role::Handler,
            audit: actor.role == Role::Admin,
        }
    }
}

/// `/`: staff go to their start page; everyone else to the sign-in page (residents come in
/// through QR codes, not the front door).
pub async fn root(req: HttpRequest) -> HttpResponse {
    if req.cookie(SESSION_COOKIE).is_some() { redirect("/app") } else { redirect("/login") }
}

#[derive(Template)]
#[template(path = "app/home.html")]
struct HomePage {
    lang: Lang,
    nav: Nav,
    welcome: String,
    scope: Vec<String>,
}

pub async fn dashboard(
    req: HttpRequest,
    state: web::Data<AppState>,
    lang: Lang,
    session: StaffSession,
) -> Result<HttpResponse, PageError> {
    let actor = session.0;
    let scope = match actor.readable_stations(&state.db).await?.ids() {
        None => Vec::new(),
        Some(ids) => station::Entity::find()
            .filter(station::Column::Id.is_in(actor.station_ids.clone()))
            .all(&state.db)
            .await?
            .into_iter()
            .filter(|s| ids.contains(&s.id))
            .map(|s| s.name)
            .collect(),
    };
    let name = actor.display_name.clone().unwrap_or_else(|| actor.username.clone());
    let page = HomePage {
        lang,
        nav: Nav::new(&req, &actor, lang),
        welcome: rust_i18n::t!("home.welcome", locale = lang.code(), name = name).into_owned(),
        scope,
    };
    Ok(html(page.render()?))
}
