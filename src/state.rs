//! What every request handler can reach. Nothing here is state another process would need:
//! sessions live in the database, the rest is configuration.
use std::sync::Arc;

use sea_orm::{ConnectionTrait, DatabaseConnection};

use crate::clock::Clock;
use crate::config::Settings;
use crate::entities::{category, station};
use crate::error::AppResult;
use crate::photos::{PhotoLimits, PhotoStore};
use crate::services::organisation::{
    auth::{PasswordHasher, TokenKeys},
    categories,
    deputies::{self, QrTarget},
};
use crate::services::support::ttl_cache::TtlCache;

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
    pub scan_cache: ScanCache,
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

/// Public data read on every scan, cached for a few seconds in this process.
pub struct ScanCache {
    pub categories: TtlCache<(), Arc<Vec<category::Model>>>,
    pub cards: TtlCache<String, Option<Arc<(QrTarget, station::Model)>>>,
}

impl ScanCache {
    pub fn new(ttl: std::time::Duration) -> Self {
        ScanCache { categories: TtlCache::new(ttl, 1), cards: TtlCache::new(ttl, 10_000) }
    }

    /// After any change to categories, deputies or stations made by this process.
    pub fn clear(&self) {
        self.categories.clear();
        self.cards.clear();
    }

    pub async fn categories(&self, db: &impl ConnectionTrait) -> AppResult<Arc<Vec<category::Model>>> {
        if let Some(list) = self.categories.get(&()) {
            return Ok(list);
        }
        let list = Arc::new(categories::list(db, true).await?);
        self.categories.put((), list.clone());
        Ok(list)
    }

    /// What a deputy's QR token leads to, with its station.
    pub async fn card(
        &self,
        db: &impl ConnectionTrait,
        token: &str,
    ) -> AppResult<Option<Arc<(QrTarget, station::Model)>>> {
        if let Some(found) = self.cards.get(&token.to_string()) {
            return Ok(found);
        }
        let found = deputies::resolve_qr_with_station(db, token).await?.map(Arc::new);
        self.cards.put(token.to_string(), found.clone());
        Ok(found)
    }
}
