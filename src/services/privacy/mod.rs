//! Residents' personal data and accountability: the cipher and its keys, re-encryption, and the
//! audit log of who saw or changed what. Uses only `support`.
pub mod audit;
pub mod cipher;
pub mod data_keys;
pub mod reseal;
pub mod retention;
