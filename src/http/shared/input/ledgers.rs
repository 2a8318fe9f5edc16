//! Request bodies of ledgers, shared by the pages and the API.
use serde::Deserialize;
use utoipa::IntoParams;

#[derive(Deserialize, IntoParams, Default)]
pub struct LedgerQuery {
    /// First day, `YYYY-MM-DD` in the station's time zone (default: 1 January of `to`'s year).
    pub from: Option<String>,
    /// Last day, included (default: today). At most five years after `from`.
    pub to: Option<String>,
    /// `json` (default), `csv` or `xlsx`.
    pub format: Option<String>,
}
