//! Telling people: the outbox every action writes, in-app notifications and webhooks. Never
//! `http` or `jobs` (the delivery job calls in here).
pub mod notifications;
pub mod outbox;
pub mod webhooks;
