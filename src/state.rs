//! What every request handler can reach. Nothing here is state another process would need:
//! sessions live in the database, the rest is configuration.
use std::sync::Arc;

use sea_orm::DatabaseConnection;

use crate::clock::Clock;
use crate::config::Settings;
use crate::photos::{PhotoLimits, PhotoStore};
use crate::services::organisation::auth::{PasswordHasher, TokenKeys};

pub struct AppState {
    pub db: DatabaseConnection,
    pub settings: Arc<Settings>,
    pub clock: Arc<dyn Clock>,
    pub tokens: TokenKeys,
    pub hasher: PasswordHasher,
    /// Base URL for links and QR codes, without a trailing slash.
    pub public_url: String,
    /// Key for pseudonymising client addresses (rate limits without storing addresses).
    pub address_key: [u8; 32],
    /// Key of the forms' CSRF tokens (an HMAC of the session).
    pub csrf_key: [u8; 32],
    /// Re-encoded photos, by content hash, under the data directory.
    pub photos: PhotoStore,
    pub photo_limits: PhotoLimits,
    /// This process's name on job leases.
    pub holder: String,
    /// What every QR scan reads: the active categories and each code's card, briefly cached.
    pub scan_cache: crate::services::organisation::scan_cache::ScanCache,
    /// How many photos are re-encoded at once in this process (each needs a burst of memory).
    pub photo_permits: tokio::sync::Semaphore,
    /// Posts webhook messages (one client: connections are pooled).
    pub http: reqwest::Client,
    /// Seals and opens residents' names and phones; hashes phones for lookups.
    pub cipher: Arc<crate::services::privacy::cipher::Cipher>,
}

impl AppState {
    /// The context of a use case served now.
    pub fn ctx(&self) -> crate::services::context::Ctx {
        crate::services::context::Ctx {
            db: self.db.clone(),
            now: self.clock.now(),
            tz: self.settings.time_zone(),
            settings: self.settings.clone(),
            cipher: self.cipher.clone(),
        }
    }

    /// A keyed hash of a client address: equal addresses match, the address is not kept.
    pub fn address_hash(&self, ip: &str) -> String {
        use hmac::{Hmac, Mac};
        let Ok(mut mac) = Hmac::<sha2::Sha256>::new_from_slice(&self.address_key) else {
            return String::new();
        };
        mac.update(ip.as_bytes());
        mac.finalize().into_bytes().iter().take(16).map(|b| format!("{b:02x}")).collect()
    }

    /// Whether cookies must carry `Secure` (the site is served over HTTPS).
    pub fn secure_cookies(&self) -> bool {
        self.public_url.starts_with("https://")
    }
}
