//! What every request handler can reach. Nothing here is state another process would need:
//! sessions live in the database, the rest is configuration.
use std::sync::Arc;

use sea_orm::DatabaseConnection;

use crate::clock::Clock;
use crate::config::Settings;
use crate::services::auth::{PasswordHasher, TokenKeys};

pub struct AppState {
    pub db: DatabaseConnection,
    pub settings: Arc<Settings>,
    pub clock: Arc<dyn Clock>,
    pub tokens: TokenKeys,
    pub hasher: PasswordHasher,
    /// Base URL for links and QR codes, without a trailing slash.
    pub public_url: String,
}

impl AppState {
    /// Whether cookies must carry `Secure` (the site is served over HTTPS).
    pub fn secure_cookies(&self) -> bool {
        self.public_url.starts_with("https://")
    }
}
