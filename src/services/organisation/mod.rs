//! Who and what a district is made of: stations, deputies, categories, handling units, the
//! working-day calendar, staff accounts, sign-in and the acting person (`Actor`) with their
//! scope. The base of every other folder; uses only `privacy` and `support`.
pub mod accounts;
pub mod actor;
pub mod auth;
pub mod calendar;
pub mod categories;
pub mod deputies;
pub mod scan_cache;
pub mod stations;
pub mod units;
