//! Bringing stored personal data under the current key: plaintext rows from before
//! encryption (at every start-up) and values sealed under older keys (`liaison rotate-keys`).
//!
//! Rows are read in batches by id and each batch is written in one transaction. Every update
//! is conditional on the row still holding the values that were read, so a concurrent edit
//! by a running server is never overwritten (the row is left for the next pass, and a value
//! that server writes is under the current key anyway). A run that stops part-way is resumed
//! by running it again: it only ever looks for values not yet under the current key.
use sea_orm::sea_query::{Alias, Cond, Expr, ExprTrait, Func, Query, SimpleExpr};
use sea_orm::{ConnectionTrait, DatabaseConnection, TransactionTrait, Value};

use crate::domain::sealed::{FORMAT_PREFIX, SealedText, sealed_prefix};
use crate::services::privacy::cipher::Cipher;

/// Rows per transaction.
pub const BATCH: u64 = 500;

/// A table with personal columns and the lookup hash of its phone column.
struct SealedTable {
    table: &'static str,
    columns: &'static [&'static str],
    phone: &'static str,
    phone_hash: &'static str,
}

const TABLES: [SealedTable; 3] = [
    SealedTable {
        table: "cases",
        columns: &["contact_name", "contact_phone"],
        phone: "contact_phone",
        phone_hash: "contact_phone_hash",
    },
    SealedTable {
        table: "reception_visit",
        columns: &["visitor_name", "visitor_phone"],
        phone: "visitor_phone",
        phone_hash: "visitor_phone_hash",
    },
    SealedTable { table: "contact_record", columns: &["household", "phone"], phone: "phone", phone_hash: "phone_hash" },
];

/// Which values a pass brings under the current key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    /// Plaintext values and phones without a lookup hash (start-up).
    Plaintext,
    /// Every value not sealed under the current key, plaintext included (rotation).
    NotCurrent,
}

#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Progress {
    /// Rows rewritten.
    pub rewritten: u64,
    /// Rows changed by someone else between reading and writing: left for the next pass.
    pub skipped: u64,
}

fn col(name: &str) -> Expr {
    Expr::col(Alias::new(name))
}

/// `column` holds a value that `scope` asks to rewrite.
fn needs_rewrite(column: &str, scope: Scope, cipher: &Cipher) -> Cond {
    let prefix = match scope {
        Scope::Plaintext => FORMAT_PREFIX.to_string(),
        Scope::NotCurrent => sealed_prefix(cipher.current()),
    };
    // An int4: PostgreSQL has no substr(text, int, bigint).
    let length = i32::try_from(prefix.chars().count()).unwrap_or(i32::MAX);
    let head: SimpleExpr = Func::cust(Alias::new("substr")).arg(col(column)).arg(1).arg(length).into();
    Cond::all().add(col(column).is_not_null()).add(head.ne(prefix))
}

fn table_condition(table: &SealedTable, scope: Scope, cipher: &Cipher) -> Cond {
    let mut any = Cond::any();
    for column in table.columns {
        any = any.add(needs_rewrite(column, scope, cipher));
    }
    any.add(Cond::all().add(col(table.phone).is_not_null()).add(col(table.phone_hash).is_null()))
}

/// Rewrites every row of every table that `scope` asks for, `batch` rows per transaction.
/// `report` hears after each batch.
#[tracing::instrument(skip_all)]
pub async fn run(
    db: &DatabaseConnection,
    cipher: &Cipher,
    scope: Scope,
    batch: u64,
    mut report: impl FnMut(&str, Progress),
) -> anyhow::Result<Progress> {
    let mut total = Progress::default();
    for table in &TABLES {
        let mut after = 0i64;
        let mut progress = Progress::default();
        loop {
            let (last, done) = run_batch(db, cipher, table, scope, after, batch).await?;
            progress.rewritten += done.rewritten;
            progress.skipped += done.skipped;
            match last {
                Some(id) => after = id,
                None => break,
            }
            report(table.table, progress);
        }
        total.rewritten += progress.rewritten;
        total.skipped += progress.skipped;
    }
    Ok(total)
}

/// How many rows still hold a value `scope` would rewrite.
#[tracing::instrument(skip_all)]
pub async fn remaining(db: &impl ConnectionTrait, cipher: &Cipher, scope: Scope) -> anyhow::Result<u64> {
    let mut count = 0u64;
    for table in &TABLES {
        let query = Query::select()
            .expr(Func::count(Expr::col(Alias::new("id"))))
            .from(Alias::new(table.table))
            .cond_where(table_condition(table, scope, cipher))
            .to_owned();
        if let Some(row) = db.query_one(&query).await? {
            let n: i64 = row.try_get_by_index(0)?;
            count += u64::try_from(n).unwrap_or(0);
        }
    }
    Ok(count)
}

/// One batch of one table after id `after`: the last id read (`None` when there was nothing).
async fn run_batch(
    db: &DatabaseConnection,
    cipher: &Cipher,
    table: &SealedTable,
    scope: Scope,
    after: i64,
    batch: u64,
) -> anyhow::Result<(Option<i64>, Progress)> {
    let mut select = Query::select();
    select.column(Alias::new("id"));
    for column in table.columns {
        select.column(Alias::new(*column));
    }
    select
        .from(Alias::new(table.table))
        .and_where(col("id").gt(after))
        .cond_where(table_condition(table, scope, cipher))
        .order_by(Alias::new("id"), sea_orm::Order::Asc)
        .limit(batch);
    let txn = db.begin().await?;
    let rows = txn.query_all(&select).await?;
    let mut progress = Progress::default();
    let mut last = None;
    for row in rows {
        let id: i64 = match row.try_get::<i32>("", "id") {
            Ok(id) => i64::from(id),
            Err(_) => row.try_get::<i64>("", "id")?,
        };
        last = Some(id);
        let mut update = Query::update();
        update.table(Alias::new(table.table)).and_where(col("id").eq(id));
        for column in table.columns {
            let stored: Option<String> = row.try_get("", column)?;
            let Some(stored) = stored else {
                update.and_where(col(column).is_null());
                continue;
            };
            // Only if the row still holds what was read (a server may have changed it since).
            update.and_where(col(column).eq(stored.clone()));
            let sealed = SealedText(stored);
            let plain = cipher.open(&sealed).map_err(|e| anyhow::anyhow!("{} #{id} {column}: {e}", table.table))?;
            let resealed = if sealed.is_under(cipher.current()) { sealed } else { cipher.seal(&plain) };
            update.value(Alias::new(*column), Value::from(resealed.0));
            if *column == table.phone {
                update.value(Alias::new(table.phone_hash), cipher.stored_phone_hash(&plain));
            }
        }
        if txn.execute(&update).await?.rows_affected() == 1 {
            progress.rewritten += 1;
        } else {
            progress.skipped += 1;
        }
    }
    txn.commit().await?;
    Ok((last, progress))
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rotation {
    pub rewritten: u64,
    /// Rows still not under the current key (changed during every pass): run again.
    pub remaining: u64,
    /// Keys marked as no longer sealing anything (they may now be removed from the configuration).
    pub retired: u64,
}

/// `liaison rotate-keys`: every value under the current key, then the older keys retired.
/// Safe while servers run, provided they already seal under the same current key.
#[tracing::instrument(skip_all)]
pub async fn rotate(
    db: &DatabaseConnection,
    cipher: &Cipher,
    batch: u64,
    now: chrono::DateTime<chrono::Utc>,
    mut report: impl FnMut(&str, Progress),
) -> anyhow::Result<Rotation> {
    crate::services::privacy::data_keys::check_and_record(db, cipher, now).await?;
    let mut rewritten = 0;
    let mut remaining = 0;
    // A row edited between our read and write is skipped; a few passes settle it.
    for _ in 0..5 {
        rewritten += run(db, cipher, Scope::NotCurrent, batch, &mut report).await?.rewritten;
        remaining = self::remaining(db, cipher, Scope::NotCurrent).await?;
        if remaining == 0 {
            break;
        }
    }
    let retired = if remaining == 0 {
        crate::services::privacy::data_keys::retire_all_but(db, cipher.current(), now).await?
    } else {
        0
    };
    Ok(Rotation { rewritten, remaining, retired })
}
