//! Database connection and migrations, for SQLite (default) and PostgreSQL.
use std::time::Duration;

use anyhow::Context;
use migration::{Migrator, MigratorTrait};
use sea_orm::sqlx::sqlite::{SqliteJournalMode, SqliteSynchronous};
use sea_orm::{ConnectOptions, ConnectionTrait, Database, DatabaseBackend, DatabaseConnection, TransactionTrait};

use crate::config::Settings;

/// Any fixed number: the key of the PostgreSQL advisory lock held while migrating, so that
/// several processes starting at once migrate one after the other.
const MIGRATION_LOCK_KEY: i64 = 0x6c69_6169_736f_6e01;

pub async fn connect(settings: &Settings) -> anyhow::Result<DatabaseConnection> {
    let url = settings.database_url();
    if url.starts_with("sqlite:") && settings.database_url.as_deref().is_none_or(str::is_empty) {
        crate::private_files::private_dir(&settings.data_dir)
            .with_context(|| format!("cannot create the data directory {}", settings.data_dir.display()))?;
    }
    if let Some(file) = crate::private_files::sqlite_file(&url) {
        crate::private_files::private_file(file)
            .with_context(|| format!("cannot create the database file {}", file.display()))?;
    }
    let mut options = ConnectOptions::new(url.clone());
    options
        .max_connections(settings.db_max_connections)
        .min_connections(1)
        .connect_timeout(Duration::from_secs(5))
        // Fail fast (and answer 503) when the database is away rather than queue for long.
        .acquire_timeout(Duration::from_secs(5))
        .sqlx_logging(true)
        .sqlx_logging_level(log::LevelFilter::Debug)
        // A statement slower than this is logged (at warn) with its SQL: the slow query log.
        .sqlx_slow_statements_logging_settings(log::LevelFilter::Warn, Duration::from_millis(settings.slow_query_ms))
        // Room for the statistics' median sorts in memory (the default 4 MB spilled them to
        // disk at a few hundred thousand cases); a session setting, so it needs no superuser.
        .map_sqlx_postgres_opts(|opts| opts.options([("work_mem", "32MB")]))
        .map_sqlx_sqlite_opts(|opts| {
            // WAL lets readers run beside the writer; synchronous=FULL makes every
            // acknowledged commit survive a power cut, not just a process crash.
            opts.journal_mode(SqliteJournalMode::Wal)
                .synchronous(SqliteSynchronous::Full)
                .foreign_keys(true)
                .busy_timeout(Duration::from_secs(10))
                // Reads through a memory map share the operating system's page cache between
                // connections; each connection's own cache grows from 2 MB to at most 16 MB.
                // Without them, every statistics request reread much of a large file.
                .pragma("mmap_size", "1073741824")
                .pragma("cache_size", "-16384")
        });
    let db = Database::connect(options)
        .await
        .with_context(|| format!("cannot connect to the database at {}", redact(&url)))?;
    Ok(db)
}

/// Applies pending migrations in one transaction; on PostgreSQL under an advisory lock.
pub async fn migrate(db: &DatabaseConnection) -> anyhow::Result<()> {
    let txn = db.begin().await?;
    if db.get_database_backend() == DatabaseBackend::Postgres {
        txn.execute_unprepared(&format!("SELECT pg_advisory_xact_lock({MIGRATION_LOCK_KEY})")).await?;
    }
    Migrator::up(&txn, None).await.context("migration failed")?;
    txn.commit().await?;
    Ok(())
}

/// Keeps SQLite's query planner statistics fresh (a no-op when they are; PostgreSQL's
/// autovacuum does this by itself). Without them SQLite may sort half a million rows to show
/// twenty.
pub async fn optimize(db: &DatabaseConnection) -> Result<(), sea_orm::DbErr> {
    if db.get_database_backend() == DatabaseBackend::Sqlite {
        db.execute_unprepared("PRAGMA optimize=0x10002").await?;
    }
    Ok(())
}

pub async fn ping(db: &DatabaseConnection) -> Result<(), sea_orm::DbErr> {
    db.execute_unprepared("SELECT 1").await.map(|_| ())
}

/// How ready the database is to serve this binary.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Readiness {
    Ready,
    /// It answers, but lacks migrations this binary needs (or has no schema at all: an empty
    /// database of the same name).
    MigrationsPending,
}

/// Whether every migration this binary knows is applied. Reads the migration table only;
/// unlike sea-orm-migration's own helpers it never creates it.
pub async fn readiness(db: &DatabaseConnection) -> Result<Readiness, sea_orm::DbErr> {
    use sea_orm::{FromQueryResult, Statement};
    #[derive(FromQueryResult)]
    struct Applied {
        version: String,
    }
    let backend = db.get_database_backend();
    let applied = Applied::find_by_statement(Statement::from_string(backend, "SELECT version FROM seaql_migrations"))
        .all(db)
        .await;
    let applied = match applied {
        Ok(rows) => rows.into_iter().map(|row| row.version).collect::<std::collections::HashSet<_>>(),
        // No migration table: the database is there but empty.
        Err(error) if is_missing_table(&error) => return Ok(Readiness::MigrationsPending),
        Err(error) => return Err(error),
    };
    let complete = Migrator::migrations().iter().all(|m| applied.contains(m.name()));
    Ok(if complete { Readiness::Ready } else { Readiness::MigrationsPending })
}

fn is_missing_table(error: &sea_orm::DbErr) -> bool {
    let text = error.to_string();
    text.contains("no such table") || text.contains("does not exist")
}

/// The URL without its password, for messages.
pub fn redact(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme_end), Some(at)) if at > scheme_end => {
            let credentials = &url[scheme_end + 3..at];
            match credentials.find(':') {
                Some(colon) => format!("{}{}:****{}", &url[..scheme_end + 3], &credentials[..colon], &url[at..]),
                None => url.to_string(),
            }
        }
        _ => url.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::redact;

    #[test]
    fn passwords_are_redacted_from_urls() {
        assert_eq!(redact("postgres://app:s3cret@db:5432/liaison"), "postgres://app:****@db:5432/liaison");
        assert_eq!(redact("postgres://postgres@127.0.0.1/x"), "postgres://postgres@127.0.0.1/x");
        assert_eq!(redact("sqlite://data/liaison.db?mode=rwc"), "sqlite://data/liaison.db?mode=rwc");
    }
}
