//! What a use case may need of the request it serves, built once per request (by the
//! extractor in `http::shared::context`, or by a job): the database, the moment, the stations'
//! time zone, the settings and the cipher of residents' personal data.
use std::sync::Arc;

use chrono::{DateTime, NaiveDate, Utc};
use chrono_tz::Tz;
use sea_orm::DatabaseConnection;

use crate::config::Settings;
use crate::services::privacy::cipher::Cipher;

#[derive(Clone)]
pub struct Ctx {
    pub db: DatabaseConnection,
    /// The moment the request is served at (the injected clock's).
    pub now: DateTime<Utc>,
    /// Where the stations are: working days, deadlines and "today" are counted in it.
    pub tz: Tz,
    pub settings: Arc<Settings>,
    pub cipher: Arc<Cipher>,
}

impl Ctx {
    /// Today's date where the stations are.
    pub fn today(&self) -> NaiveDate {
        self.now.with_timezone(&self.tz).date_naive()
    }
}

impl From<&Ctx> for crate::services::books::suggestions::Now {
    fn from(ctx: &Ctx) -> Self {
        crate::services::books::suggestions::Now { at: ctx.now, today: ctx.today() }
    }
}
