//! The deliverer: turns due outbox rows into in-app notifications and webhook posts.
//! Webhooks are posted concurrently, one webhook's messages in order; a webhook that fails
//! holds back only its own messages (retried with back-off), never the others' nor any case
//! action (actions only write the outbox). The delivery job (`jobs::deliver`) runs it under
//! its lease.
use std::collections::{BTreeMap, HashMap};
use std::time::Instant;

use chrono::{DateTime, Utc};
use futures_util::StreamExt;
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect, Set, TransactionTrait,
};

use crate::clock::Clock;
use crate::domain::webhook::{
    self, MAX_ATTEMPTS, WebhookFormat, check_answer, dingtalk_sign, json_signature, retry_delay,
};
use crate::entities::{notification, outbox, webhook as hook_entity};
use crate::error::AppResult;
use crate::services::notices::outbound;
use crate::services::notices::outbox::{CANCELLED, DELIVERED, FAILED, PENDING};

/// Rows looked at per run; the next run takes the rest.
const BATCH: u64 = 500;
/// Messages posted to one webhook per run, so one slow receiver cannot hold the run.
const PER_WEBHOOK: usize = 20;
/// Webhooks posted to at once.
const PARALLEL: usize = 8;
/// No new post starts after this much wall time; the job's lease (5 min) outlasts it comfortably.
const RUN_BUDGET: std::time::Duration = std::time::Duration::from_secs(60);
/// What is read of a receiver's answer (WeCom and DingTalk answer a few dozen bytes).
const MAX_ANSWER_BYTES: usize = 4096;

#[derive(Debug, Default, Clone, Copy, PartialEq, Eq, serde::Serialize, utoipa::ToSchema)]
pub struct DeliverSummary {
    /// In-app notifications written.
    pub in_app: usize,
    /// Webhook messages accepted by their receiver.
    pub posted: usize,
    /// Webhook messages that failed and will be tried again.
    pub retrying: usize,
    /// Webhook messages given up after the last attempt.
    pub failed: usize,
    /// Messages of switched-off webhooks.
    pub cancelled: usize,
}

impl std::fmt::Display for DeliverSummary {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "in_app={} posted={} retrying={} failed={} cancelled={}",
            self.in_app, self.posted, self.retrying, self.failed, self.cancelled
        )
    }
}

impl std::ops::AddAssign for DeliverSummary {
    fn add_assign(&mut self, other: Self) {
        self.in_app += other.in_app;
        self.posted += other.posted;
        self.retrying += other.retrying;
        self.failed += other.failed;
        self.cancelled += other.cancelled;
    }
}

/// What a delivery run works with.
pub struct Courier<'a> {
    pub db: &'a DatabaseConnection,
    /// Posts the webhook messages ([`outbound::http_client`]).
    pub http: &'a reqwest::Client,
    /// Asked at each post: a run may take a while.
    pub clock: &'a dyn Clock,
    /// Base of the links in messages, without a trailing slash.
    pub public_url: &'a str,
    /// Post to internal addresses too (development only).
    pub allow_private: bool,
}

/// Whether any outbox row is due at `now`: one indexed read, so that the frequent runs with
/// nothing to do write nothing.
#[tracing::instrument(skip_all)]
pub async fn anything_due(db: &impl ConnectionTrait, now: DateTime<Utc>) -> AppResult<bool> {
    let due = outbox::Entity::find()
        .select_only()
        .column(outbox::Column::Id)
        .filter(outbox::Column::Status.eq(PENDING))
        .filter(outbox::Column::NextAttemptAt.lte(now))
        .into_tuple::<i64>()
        .one(db)
        .await?;
    Ok(due.is_some())
}

/// Delivers the rows due at `now` (a batch of them).
#[tracing::instrument(skip_all)]
pub async fn deliver(courier: &Courier<'_>, now: DateTime<Utc>) -> AppResult<DeliverSummary> {
    let db = courier.db;
    let due: Vec<outbox::Model> = outbox::Entity::find()
        .filter(outbox::Column::Status.eq(PENDING))
        .filter(outbox::Column::NextAttemptAt.lte(now))
        .order_by_asc(outbox::Column::NextAttemptAt)
        .order_by_asc(outbox::Column::Id)
        .limit(BATCH)
        .all(db)
        .await?;
    let mut for_users = Vec::new();
    let mut for_hooks: BTreeMap<i32, Vec<outbox::Model>> = BTreeMap::new();
    for row in due {
        match (row.user_id, row.webhook_id) {
            (Some(_), _) => for_users.push(row),
            (None, Some(hook)) => for_hooks.entry(hook).or_default().push(row),
            // Nobody to tell: written by mistake; closed so it is not looked at again.
            (None, None) => finish(db, &row, CANCELLED, now, Some("no recipient")).await?,
        }
    }
    let mut summary = DeliverSummary { in_app: in_app(db, for_users, now).await?, ..Default::default() };

    let hooks: HashMap<i32, hook_entity::Model> = hook_entity::Entity::find()
        .filter(hook_entity::Column::Id.is_in(for_hooks.keys().copied().collect::<Vec<_>>()))
        .all(db)
        .await?
        .into_iter()
        .map(|h| (h.id, h))
        .collect();
    let deadline = Instant::now() + RUN_BUDGET;
    let mut results = futures_util::stream::iter(for_hooks.into_iter().map(|(id, mut rows)| {
        rows.sort_by_key(|r| r.id);
        rows.truncate(PER_WEBHOOK);
        post_all(courier, hooks.get(&id), rows, deadline)
    }))
    .buffer_unordered(PARALLEL);
    while let Some(result) = results.next().await {
        summary += result?;
    }
    Ok(summary)
}

/// In-app rows: one transaction for the batch (one disk sync on SQLite). Each row is marked
/// delivered only if still pending, so a notification is never written twice.
async fn in_app(db: &DatabaseConnection, rows: Vec<outbox::Model>, now: DateTime<Utc>) -> AppResult<usize> {
    if rows.is_empty() {
        return Ok(0);
    }
    let txn = db.begin().await?;
    let mut written = 0;
    for row in rows {
        let Some(user_id) = row.user_id else { continue };
        if !claim(&txn, row.id, now).await? {
            continue;
        }
        notification::ActiveModel {
            user_id: Set(user_id),
            case_id: Set(row.case_id),
            event: Set(row.event),
            title: Set(row.title),
            body: Set(row.body),
            created_at: Set(now),
            read_at: Set(None),
            ..Default::default()
        }
        .insert(&txn)
        .await?;
        written += 1;
    }
    txn.commit().await?;
    Ok(written)
}

/// Marks a pending row delivered; false if it no longer was pending.
async fn claim(db: &impl ConnectionTrait, id: i64, now: DateTime<Utc>) -> AppResult<bool> {
    let result = outbox::Entity::update_many()
        .col_expr(outbox::Column::Status, Expr::value(DELIVERED))
        .col_expr(outbox::Column::DeliveredAt, Expr::value(now))
        .col_expr(outbox::Column::Attempts, Expr::col(outbox::Column::Attempts).add(1))
        .col_expr(outbox::Column::LastError, Expr::value(Option::<String>::None))
        .filter(outbox::Column::Id.eq(id))
        .filter(outbox::Column::Status.eq(PENDING))
        .exec(db)
        .await?;
    Ok(result.rows_affected == 1)
}

async fn finish(
    db: &impl ConnectionTrait,
    row: &outbox::Model,
    status: &str,
    now: DateTime<Utc>,
    error: Option<&str>,
) -> AppResult<()> {
    outbox::Entity::update_many()
        .col_expr(outbox::Column::Status, Expr::value(status))
        .col_expr(outbox::Column::LastError, Expr::value(error.map(str::to_string)))
        .col_expr(outbox::Column::NextAttemptAt, Expr::value(now))
        .filter(outbox::Column::Id.eq(row.id))
        .filter(outbox::Column::Status.eq(PENDING))
        .exec(db)
        .await?;
    Ok(())
}

/// One webhook's due messages, oldest first, stopping at the first failure: the rest wait
/// for the same retry time, so a receiver that comes back gets them in order.
async fn post_all(
    courier: &Courier<'_>,
    hook: Option<&hook_entity::Model>,
    rows: Vec<outbox::Model>,
    deadline: Instant,
) -> AppResult<DeliverSummary> {
    let db = courier.db;
    let mut summary = DeliverSummary::default();
    let Some(hook) = hook.filter(|h| h.active) else {
        for row in &rows {
            finish(db, row, CANCELLED, courier.clock.now(), Some("webhook switched off")).await?;
            summary.cancelled += 1;
        }
        return Ok(summary);
    };
    for row in rows {
        if Instant::now() >= deadline {
            break;
        }
        match post(courier, hook, &row).await {
            Ok(()) => {
                if claim(db, row.id, courier.clock.now()).await? {
                    summary.posted += 1;
                }
            }
            Err(error) => {
                let now = courier.clock.now();
                let attempts = row.attempts + 1;
                let next = now + retry_delay(attempts);
                let status = if attempts >= MAX_ATTEMPTS { FAILED } else { PENDING };
                if status == FAILED {
                    summary.failed += 1;
                    tracing::warn!(webhook = hook.id, outbox = row.id, %error, "webhook message given up");
                } else {
                    summary.retrying += 1;
                }
                outbox::Entity::update_many()
                    .col_expr(outbox::Column::Status, Expr::value(status))
                    .col_expr(outbox::Column::Attempts, Expr::value(attempts))
                    .col_expr(outbox::Column::LastError, Expr::value(error))
                    .col_expr(outbox::Column::NextAttemptAt, Expr::value(next))
                    .filter(outbox::Column::Id.eq(row.id))
                    .filter(outbox::Column::Status.eq(PENDING))
                    .exec(db)
                    .await?;
                // The webhook's other waiting messages keep their place behind this one.
                outbox::Entity::update_many()
                    .col_expr(outbox::Column::NextAttemptAt, Expr::value(next))
                    .filter(outbox::Column::WebhookId.eq(hook.id))
                    .filter(outbox::Column::Id.ne(row.id))
                    .filter(outbox::Column::Status.eq(PENDING))
                    .filter(outbox::Column::NextAttemptAt.lt(next))
                    .exec(db)
                    .await?;
                break;
            }
        }
    }
    Ok(summary)
}

/// Where a message sends staff: the case, or (for the digest) the staff start page.
fn link(public_url: &str, row: &outbox::Model) -> String {
    match row.case_id {
        Some(case_id) => format!("{public_url}/app/cases/{case_id}"),
        None => format!("{public_url}/app"),
    }
}

/// Posts one message. The error is a short line without the URL (a robot's URL is its key).
async fn post(courier: &Courier<'_>, hook: &hook_entity::Model, row: &outbox::Model) -> Result<(), String> {
    let message =
        webhook::message(hook.format, &row.title, &row.body, &link(courier.public_url, row), row.payload.as_deref());
    let body = serde_json::to_vec(&message).map_err(|_| "cannot encode the message".to_string())?;
    let mut url = reqwest::Url::parse(&hook.url).map_err(|_| "invalid webhook address".to_string())?;
    if !courier.allow_private {
        outbound::check_literal(&url).map_err(|refused| refused.to_string())?;
    }
    let secret = hook.secret.as_deref().filter(|s| !s.is_empty());
    let timestamp = courier.clock.now().timestamp_millis();
    let mut signature = None;
    match (hook.format, secret) {
        (WebhookFormat::Dingtalk, Some(secret)) => {
            url.query_pairs_mut()
                .append_pair("timestamp", &timestamp.to_string())
                .append_pair("sign", &dingtalk_sign(secret, timestamp));
        }
        (WebhookFormat::Json, Some(secret)) => signature = Some(json_signature(secret, timestamp, &body)),
        _ => {}
    }
    let mut request = courier.http.post(url).header(reqwest::header::CONTENT_TYPE, "application/json");
    if let Some(signature) = signature {
        request = request.header("X-Liaison-Timestamp", timestamp.to_string()).header("X-Liaison-Signature", signature);
    }
    let mut response = request.body(body).send().await.map_err(describe)?;
    let status = response.status();
    let mut answer = Vec::new();
    while answer.len() < MAX_ANSWER_BYTES {
        match response.chunk().await {
            Ok(Some(chunk)) => answer.extend_from_slice(&chunk),
            Ok(None) => break,
            Err(error) => return Err(describe(error)),
        }
    }
    if !status.is_success() {
        return Err(format!("HTTP {}", status.as_u16()));
    }
    check_answer(hook.format, &answer)
}

/// What went wrong, in words that never include the address.
fn describe(error: reqwest::Error) -> String {
    if outbound::is_refusal(&error) {
        return outbound::InternalAddress.to_string();
    }
    let kind = if error.is_timeout() {
        "timed out"
    } else if error.is_connect() {
        "could not connect"
    } else if error.is_body() || error.is_decode() {
        "the answer could not be read"
    } else {
        "the request failed"
    };
    kind.to_string()
}
