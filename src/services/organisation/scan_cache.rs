//! What every QR scan reads (the active categories, each code's card and station), cached
//! for a few seconds in each process: a resident's form is the hottest page. Nothing here is
//! needed by another process; a change made in this process clears it at once, one made in
//! another process is seen within the time-to-live.
use std::sync::Arc;

use sea_orm::ConnectionTrait;

use crate::entities::{category, station};
use crate::error::AppResult;
use crate::services::organisation::categories;
use crate::services::organisation::deputies::{self, QrTarget};
use crate::services::support::ttl_cache::TtlCache;

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

    #[tracing::instrument(skip_all)]
    pub async fn categories(&self, db: &impl ConnectionTrait) -> AppResult<Arc<Vec<category::Model>>> {
        if let Some(list) = self.categories.get(&()) {
            return Ok(list);
        }
        let list = Arc::new(categories::list(db, true).await?);
        self.categories.put((), list.clone());
        Ok(list)
    }

    /// What a deputy's QR token leads to, with its station.
    #[tracing::instrument(skip_all)]
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
