//! The station's statutory books and registers (十有五簿四册) and what is written into them:
//! reception duties and visits, activities and attendance, deputies' reports to voters,
//! contact records and cards, the ten haves, suggestions, and the ledgers read over all of
//! them. May use `cases`, `organisation`, `notices`, `privacy` and `support`; never `http` or
//! `jobs`.
pub mod activities;
pub mod cards;
pub mod contact_records;
pub mod ledgers;
pub mod reception_log;
pub mod reception_roster;
pub mod reports;
pub mod suggestions;
pub mod ten_haves;
