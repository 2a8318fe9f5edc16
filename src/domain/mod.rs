//! Pure rules, no I/O. Request data is parsed into these types at the edge; services take
//! only these types.
pub mod account;
pub mod activity;
pub mod bucket_median;
pub mod calendar;
pub mod case_command;
pub mod case_state;
pub mod deadline;
pub mod field;
pub mod intake;
pub mod org;
pub mod page;
pub mod person;
pub mod phone;
pub mod public_report;
pub mod rates;
pub mod reception;
pub mod redact;
pub mod role;
pub mod sealed;
pub mod station_books;
pub mod suggestion;
pub mod text;
pub mod token;
pub mod topics;
pub mod tracking;
pub mod webhook;
