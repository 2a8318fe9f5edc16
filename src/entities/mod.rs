//! sea-orm entities: data only, no rules.
pub mod app_user;
pub mod audit_log;
pub mod calendar_day;
pub mod case;
pub mod case_event;
pub mod case_photo;
pub mod category;
pub mod deputy;
pub mod login_attempt;
pub mod retired_qr_token;
pub mod session;
pub mod station;
pub mod tier;
pub mod unit;
pub mod user_station;
