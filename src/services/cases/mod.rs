//! A resident's matter from intake to archive: submission, who may read and act on a case,
//! the actions and their timeline, deadlines and the sweep that acts on them, the queues, the
//! resident's tracking page, likely duplicates and reply templates. May use `organisation`, `notices`, `privacy` and `support`; never
//! `http` or `jobs`.
pub mod access;
pub mod actions;
pub mod commands;
pub mod deadlines;
pub mod flow;
pub mod intake;
pub mod photos;
pub mod queries;
pub mod reply_templates;
pub mod submission;
pub mod tracking;
