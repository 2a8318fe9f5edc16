//! `/login` and `/logout`: the staff session lives in an HttpOnly, SameSite cookie.
use actix_web::cookie::{Cookie, SameSite, time::Duration as CookieDuration};
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use serde::Deserialize;

use crate::error::AppError;
use crate::http::pages::form::{CsrfForm, NoFields};
use crate::http::pages::{PageError, html, redirect, safe_next};
use crate::http::shared::client::ClientInfo;
use crate::http::shared::csrf::{self, CsrfToken};
use crate::http::shared::extract::SESSION_COOKIE;
use crate::http::shared::i18n::Lang;
use crate::services::organisation::auth::{self, LoginContext};
use crate::state::AppState;

#[derive(Template)]
#[template(path = "login.html")]
struct LoginPage {
    lang: Lang,
    csrf: String,
    next: String,
    username: String,
    error: Option<String>,
}

#[derive(Deserialize)]
pub struct NextQuery {
    next: Option<String>,
}

pub async fn show(lang: Lang, csrf: CsrfToken, query: web::Query<NextQuery>) -> Result<HttpResponse, PageError> {
    let page =
        LoginPage { lang, csrf: csrf.0, next: safe_next(query.next.as_deref()), username: String::new(), error: None };
    Ok(html(page.render()?))
}

#[derive(Deserialize)]
pub struct LoginForm {
    #[serde(default)]
    next: String,
    #[serde(default)]
    username: String,
    #[serde(default)]
    password: String,
}

pub async fn submit(
    req: HttpRequest,
    state: web::Data<AppState>,
    lang: Lang,
    client: ClientInfo,
    form: CsrfForm<LoginForm>,
) -> Result<HttpResponse, PageError> {
    let form = form.into_inner();
    let next = safe_next(Some(&form.next));
    let ctx = LoginContext {
        settings: &state.settings,
        hasher: &state.hasher,
        tokens: &state.tokens,
        now: state.clock.now(),
        ip: client.ip,
        user_agent: client.user_agent,
    };
    let message = match auth::login(&state.db, &ctx, &form.username, &form.password).await {
        Ok(outcome) => {
            // Max-Age rather than Expires: relative to the browser's clock, not ours.
            let lifetime = (outcome.expires_at - ctx.now).num_seconds().max(0);
            let cookie = Cookie::build(SESSION_COOKIE, outcome.token)
                .path("/")
                .http_only(true)
                .secure(state.secure_cookies())
                .same_site(SameSite::Lax)
                .max_age(CookieDuration::seconds(lifetime))
                .finish();
            let mut response = redirect(&next);
            response.add_cookie(&cookie).map_err(|e| PageError::from(AppError::internal(e)))?;
            // A new session, so new form tokens; the pre-session nonce is renewed too.
            response
                .add_cookie(&csrf::cookie(&csrf::new_token(), state.secure_cookies()))
                .map_err(|e| PageError::from(AppError::internal(e)))?;
            return Ok(response);
        }
        Err(AppError::Unauthorized { .. } | AppError::Validation(_)) => lang.t("login.failed").into_owned(),
        Err(AppError::Forbidden(_)) => lang.t("login.disabled").into_owned(),
        Err(AppError::TooManyRequests { retry_after_secs, .. }) => {
            let minutes = retry_after_secs.div_ceil(60).to_string();
            rust_i18n::t!("login.throttled", locale = lang.code(), minutes = minutes).into_owned()
        }
        Err(other) => return Err(PageError::from(other)),
    };
    let page = LoginPage {
        lang,
        csrf: csrf::token_of(&req),
        next,
        username: form.username.chars().take(64).collect(),
        error: Some(message),
    };
    Ok(HttpResponse::Ok()
        .content_type(actix_web::http::header::ContentType::html())
        .insert_header((actix_web::http::header::CACHE_CONTROL, "no-store"))
        .body(page.render()?))
}

#[derive(Template)]
#[template(path = "logout.html")]
struct LogoutPage {
    lang: Lang,
    csrf: String,
}

pub async fn confirm_logout(lang: Lang, csrf: CsrfToken) -> Result<HttpResponse, PageError> {
    Ok(html(LogoutPage { lang, csrf: csrf.0 }.render()?))
}

pub async fn logout(
    req: HttpRequest,
    state: web::Data<AppState>,
    _: CsrfForm<NoFields>,
) -> Result<HttpResponse, PageError> {
    if let Some(cookie) = req.cookie(SESSION_COOKIE)
        && let Ok(actor) = auth::authenticate(&state.db, &state.tokens, state.clock.now(), cookie.value()).await
    {
        auth::revoke_session(&state.db, &actor.session_id, state.clock.now()).await?;
    }
    let mut response = redirect("/login");
    let mut removal = Cookie::build(SESSION_COOKIE, "").path("/").finish();
    removal.make_removal();
    response.add_cookie(&removal).map_err(|e| PageError::from(AppError::internal(e)))?;
    Ok(response)
}
