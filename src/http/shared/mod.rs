//! What the pages and the JSON API both need: who is calling, the signed-in staff member,
//! the language, CSRF tokens and forms, request bodies parsed into domain types, multipart
//! forms, photo intake and photo responses, downloads. `http::api` and `http::pages` import
//! from here and never from each other.
pub mod client;
pub mod context;
pub mod csrf;
pub mod download;
pub mod extract;
pub mod i18n;
pub mod input;
pub mod ledger_response;
pub mod multipart;
pub mod patch;
pub mod photo_intake;
pub mod photos;
