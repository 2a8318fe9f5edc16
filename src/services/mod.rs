//! Use cases over `&impl ConnectionTrait`, so a caller can pass a transaction in.
//! Every service that touches scoped data takes the `Actor` and enforces its scope.
pub mod actor;
pub mod audit;
pub mod auth;
pub mod bench_seed;
pub mod calendar;
pub mod cards;
pub mod case_access;
pub mod case_actions;
pub mod case_flow;
pub mod case_queries;
pub mod categories;
pub mod demo;
pub mod deputies;
pub mod intake;
pub mod ledgers;
pub mod notifications;
pub mod notify;
pub mod paging;
pub mod stations;
pub mod templates;
pub mod tracking;
pub mod ttl_cache;
pub mod units;
pub mod users;
pub mod webhooks;
