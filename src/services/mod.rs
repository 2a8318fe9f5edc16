//! The one application layer: every use case the pages and the API share, over
//! `&impl ConnectionTrait` so a caller can pass a transaction in. Every service that touches
//! scoped data takes the `Actor` and enforces its scope. Grouped by what they serve, a folder
//! each; each folder's `mod.rs` says what it owns and what it may import. Services never
//! import `http`, `jobs` or the migrations.
pub mod books;
pub mod cases;
pub mod context;
pub mod insight;
pub mod notices;
pub mod organisation;
pub mod privacy;
pub mod seed;
pub mod support;
