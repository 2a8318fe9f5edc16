//! Small tools the services share: page requests, a time-bounded cache and the one XLSX
//! writer (workbooks, sheets, styles and formats). No business rules; imports nothing else of
//! the crate's services.
pub mod file;
pub mod paging;
pub mod ttl_cache;
pub mod unique;
pub mod versioned;
pub mod xlsx;
