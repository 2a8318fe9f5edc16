//! Request bodies of public_report, shared by the pages and the API.
use serde::Deserialize;
use utoipa::IntoParams;

#[derive(Deserialize, IntoParams, Default)]
pub struct ReportQuery {
    /// The year, `YYYY` (default: this year, up to today).
    pub year: Option<String>,
    /// Page of the disclosed cases, from 1 (20 a page).
    pub page: Option<u64>,
}
