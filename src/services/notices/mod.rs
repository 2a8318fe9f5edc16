//! Telling people: the outbox every action writes, in-app notifications, the daily digest and
//! webhooks. Uses `organisation`, `cases` (the digest's deadlines) and `support`; never `http`
//! or `jobs` (the delivery and digest jobs call in here).
pub mod digest;
pub mod notifications;
pub mod outbox;
pub mod webhooks;
