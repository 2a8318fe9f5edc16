//! Telling people: the outbox every action writes, its delivery as in-app notifications and
//! webhook posts (and where posts may go), the daily digest, and webhooks. Uses
//! `organisation`, `cases` (the digest's deadlines) and `support`; never `http` or `jobs` (the
//! delivery and digest jobs call in here).
pub mod delivery;
pub mod digest;
pub mod notifications;
pub mod outbound;
pub mod outbox;
pub mod webhooks;
