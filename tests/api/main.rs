//! Black-box tests: each starts the real server on port 0 with a fresh database (SQLite,
//! or PostgreSQL when TEST_DATABASE_URL is set) and talks to it over HTTP.
// Benchmarks and tests may unwrap and panic: a failed expectation is what they are for.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod child;
mod helpers;

mod accounts;
mod activities;
mod admin_scope;
mod architecture;
mod audit;
mod auth;
mod authz_matrix;
mod backup;
mod books;
mod calendar;
mod case_pages;
mod cases;
mod crash;
mod dashboard;
mod health;
mod intake;
mod ledgers;
mod logs;
mod notifications;
mod openapi_conformance;
mod outage;
mod pages;
mod personal_data;
mod photos;
mod processes;
mod public_report;
mod qr;
mod reception;
mod retention;
mod round_robin;
mod staff_topics;
mod stats;
mod stats_rollup;
mod suggestions;
mod topics;
mod validation;
mod withdraw;
