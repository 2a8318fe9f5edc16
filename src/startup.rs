//! Builds the application: database, migrations, state and the HTTP server on a listener.
use std::net::TcpListener;
use std::sync::Arc;

use actix_web::dev::{Server, ServerHandle};
use actix_web::middleware::{Compress, from_fn};
use actix_web::{App, HttpServer, web};
use anyhow::Context;
use tracing_actix_web::TracingLogger;
use utoipa_actix_web::AppExt;
use utoipa_swagger_ui::SwaggerUi;

use crate::clock::{Clock, SystemClock};
use crate::config::Settings;
use crate::db;
use crate::http::request_span::RequestSpan;
use crate::http::{api, input_guard, middleware, pages, static_files};
use crate::photos::{PhotoLimits, PhotoStore};
use crate::services::organisation::auth::{PasswordHasher, TokenKeys, resolve_jwt_secret};
use crate::services::organisation::scan_cache::ScanCache;
use crate::services::privacy::{cipher::Cipher, data_keys, reseal};
use crate::state::AppState;

/// A separate key for each use, derived from the one configured secret.
fn derive_key(secret: &[u8], purpose: &[u8]) -> [u8; 32] {
    use sha2::{Digest, Sha256};
    let mut hasher = Sha256::new();
    hasher.update(purpose);
    hasher.update(secret);
    hasher.finalize().into()
}

/// The keys of residents' personal data, checked against the database; plaintext rows from
/// before encryption are sealed here, before anything is served.
pub async fn open_personal_data(
    db: &sea_orm::DatabaseConnection,
    settings: &Settings,
    now: chrono::DateTime<chrono::Utc>,
) -> anyhow::Result<Cipher> {
    let cipher = data_keys::load(settings)?;
    data_keys::check_and_record(db, &cipher, now).await?;
    let done = reseal::run(db, &cipher, reseal::Scope::Plaintext, reseal::BATCH, |_, _| {}).await?;
    if done.rewritten > 0 {
        tracing::info!(rows = done.rewritten, "encrypted residents' names and phones stored before encryption");
    }
    Ok(cipher)
}

pub struct Application {
    port: u16,
    server: Server,
    state: web::Data<AppState>,
}

impl Application {
    pub async fn build(settings: Settings) -> anyhow::Result<Application> {
        Self::build_with_clock(settings, Arc::new(SystemClock)).await
    }

    /// As `build`, with the clock the services will read (tests pass a manual one).
    pub async fn build_with_clock(settings: Settings, clock: Arc<dyn Clock>) -> anyhow::Result<Application> {
        crate::private_files::restrict_new_files();
        crate::private_files::private_dir(&settings.data_dir)
            .with_context(|| format!("cannot create the data directory {}", settings.data_dir.display()))?;
        let db = db::connect(&settings).await?;
        db::migrate(&db).await?;
        db::optimize(&db).await?;
        let cipher = Arc::new(open_personal_data(&db, &settings, clock.now()).await?);
        let listener =
            TcpListener::bind(&settings.bind).with_context(|| format!("cannot listen on {}", settings.bind))?;
        let address = listener.local_addr()?;
        let secret = resolve_jwt_secret(&settings)?;
        // reqwest's rustls has no crypto provider of its own: use ring, which sqlx already
        // builds. Only the first installation in a process takes effect.
        let _ = rustls::crypto::ring::default_provider().install_default();
        let state = web::Data::new(AppState {
            db,
            public_url: settings.public_base_url(address),
            tokens: TokenKeys::new(&secret)?,
            address_key: derive_key(&secret, b"liaison/client-address"),
            csrf_key: derive_key(&secret, b"liaison/csrf"),
            photos: PhotoStore::new(settings.data_dir.join("photos")),
            photo_limits: PhotoLimits::default(),
            scan_cache: ScanCache::new(std::time::Duration::from_secs(10)),
            holder: crate::jobs::lease::holder_id(),
            photo_permits: tokio::sync::Semaphore::new(
                std::thread::available_parallelism().map_or(2, std::num::NonZero::get),
            ),
            hasher: PasswordHasher::new(settings.argon2_memory_kib)?,
            http: crate::jobs::deliver::http_client(settings.webhook_allow_private)
                .context("cannot set up the webhook client")?,
            clock,
            cipher,
            settings: Arc::new(settings),
        });
        crate::jobs::spawn(state.clone());
        let workers =
            state.settings.workers.unwrap_or_else(|| std::thread::available_parallelism().map_or(2, |n| n.get()));
        let server_state = state.clone();
        // Built once from the same registrations the server uses; served by the Swagger UI
        // service, which must come before the `/api/v1` scope that would otherwise claim it.
        let openapi = api::openapi();
        let server = HttpServer::new(move || {
            App::new()
                .wrap(from_fn(input_guard::guard))
                .wrap(from_fn(pages::render_errors))
                .wrap(from_fn(middleware::page_cookies))
                .wrap(from_fn(middleware::security_headers))
                .wrap(Compress::default())
                .wrap(TracingLogger::<RequestSpan>::new())
                .app_data(server_state.clone())
                .app_data(api::json_config())
                .app_data(input_guard::query_config())
                .app_data(input_guard::form_config())
                .app_data(api::path_config())
                .service(SwaggerUi::new("/api/docs/{_:.*}").url("/api/v1/openapi.json", openapi.clone()))
                .into_utoipa_app()
                .service(api::meta::healthz)
                .service(api::meta::livez)
                .service(utoipa_actix_web::scope("/api/v1").configure(api::routes))
                .into_app()
                .service(web::resource("/static/{path:.*}").route(web::get().to(static_files::serve)))
                .configure(pages::routes)
                .default_service(web::to(pages::not_found))
        })
        .workers(workers)
        .listen(listener)?
        .run();
        Ok(Application { port: address.port(), server, state })
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    pub fn public_url(&self) -> &str {
        &self.state.public_url
    }

    pub fn state(&self) -> web::Data<AppState> {
        self.state.clone()
    }

    pub fn handle(&self) -> ServerHandle {
        self.server.handle()
    }

    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        self.server.await
    }
}
