//! Residents' personal data and accountability: the cipher and its keys, re-encryption,
//! retention (erasing what has come of age), and the audit log of who saw or changed what.
//! Uses only `support` (and `organisation`'s `Actor`, for the audit log's reads).
pub mod audit;
pub mod cipher;
pub mod data_keys;
pub mod reseal;
pub mod retention;
