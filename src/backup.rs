//! `liaison backup` and `liaison restore`: a consistent copy of the SQLite database taken while
//! the server runs, with the photos it refers to, and putting such a copy back in place.
//!
//! A backup is a directory: `liaison.db` (made by SQLite's `VACUUM INTO`, a consistent snapshot
//! even while others write in WAL mode), `photos/` (the content-addressed photo store) and, if
//! there is one, the development signing secret `jwt-secret`. Photos are copied after the
//! snapshot: a photo is saved before the case naming it commits and never deleted, so every photo
//! row in the snapshot has its file in the copy.
//!
//! The keys of residents' personal data go with it when they were generated into the data
//! directory (`data-keys`, `lookup-key`): without them the copy could not be read. Configured
//! keys (`LIAISON_DATA_KEYS`, `LIAISON_LOOKUP_KEY`) live outside and must be kept apart.
//!
//! PostgreSQL is backed up with its own tools; both commands say how, and refuse.
use std::fs::{self, File, OpenOptions};
use std::io;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use chrono::{DateTime, Utc};
use sea_orm::sqlx::sqlite::{SqliteConnectOptions, SqliteLockingMode};
use sea_orm::sqlx::{self, Connection};
use sea_orm::{ConnectionTrait, DatabaseBackend, Statement};

use crate::config::Settings;
use crate::db;
use crate::photos::sync_dir;

/// The database file's name inside a backup directory.
pub const DATABASE_FILE: &str = "liaison.db";
const PHOTOS_DIR: &str = "photos";
const SECRET_FILE: &str = "jwt-secret";
/// Generated secrets kept beside the database, copied with it.
const SECRET_FILES: [&str; 3] = [
    SECRET_FILE,
    crate::services::privacy::data_keys::DATA_KEYS_FILE,
    crate::services::privacy::data_keys::LOOKUP_KEY_FILE,
];

/// What a backup wrote.
#[derive(Debug)]
pub struct BackupReport {
    pub dir: PathBuf,
    pub database_bytes: u64,
    pub photo_files: u64,
    pub photo_bytes: u64,
    pub elapsed: Duration,
}

/// What a restore put in place.
#[derive(Debug)]
pub struct RestoreReport {
    pub database: PathBuf,
    pub database_bytes: u64,
    pub photo_files: u64,
}

/// The file of an SQLite URL (`sqlite://path?mode=rwc`, `sqlite:path`); `None` for another
/// database or an in-memory one.
pub fn sqlite_path(url: &str) -> Option<PathBuf> {
    let rest = url.strip_prefix("sqlite://").or_else(|| url.strip_prefix("sqlite:"))?;
    let path = rest.split('?').next().unwrap_or_default();
    if path.is_empty() || path == ":memory:" {
        return None;
    }
    Some(PathBuf::from(path))
}

fn is_postgres(url: &str) -> bool {
    url.starts_with("postgres://") || url.starts_with("postgresql://")
}

/// How to back up and restore a PostgreSQL database, with the exact commands.
pub fn postgres_instructions() -> String {
    [
        "this database is PostgreSQL: back it up and restore it with PostgreSQL's own tools, e.g.",
        "  pg_dump --format=custom --file=liaison-$(date +%Y%m%dT%H%M%S).dump \"$DATABASE_URL\"",
        "  pg_restore --clean --if-exists --no-owner --dbname=\"$DATABASE_URL\" liaison-YYYYMMDDTHHMMSS.dump",
        "and copy the photo directory (LIAISON_DATA_DIR/photos) after the dump, e.g. with rsync",
    ]
    .join("\n")
}

/// Takes an online backup into `output` (which must not exist), or into
/// `data_dir/backups/liaison-<UTC time>/`.
pub async fn backup(settings: &Settings, output: Option<PathBuf>, now: DateTime<Utc>) -> anyhow::Result<BackupReport> {
    let url = settings.database_url();
    if is_postgres(&url) {
        bail!("{}", postgres_instructions());
    }
    let Some(source) = sqlite_path(&url) else { bail!("cannot back up the database {}", db::redact(&url)) };
    if !source.is_file() {
        bail!("there is no database at {} to back up", source.display());
    }
    let started = Instant::now();
    let dir = output
        .unwrap_or_else(|| settings.data_dir.join("backups").join(format!("liaison-{}", now.format("%Y%m%dT%H%M%SZ"))));
    if dir.exists() {
        bail!("{} already exists; choose another --output", dir.display());
    }
    if let Some(parent) = dir.parent().filter(|p| !p.as_os_str().is_empty()) {
        fs::create_dir_all(parent).with_context(|| format!("cannot create {}", parent.display()))?;
    }
    fs::create_dir(&dir).with_context(|| format!("cannot create {}", dir.display()))?;

    let target = dir.join(DATABASE_FILE);
    let connection = db::connect(settings).await?;
    let snapshot = connection
        .execute_raw(Statement::from_sql_and_values(
            DatabaseBackend::Sqlite,
            "VACUUM INTO ?",
            [target.display().to_string().into()],
        ))
        .await;
    connection.close().await.ok();
    snapshot.with_context(|| format!("VACUUM INTO {} failed", target.display()))?;
    File::open(&target)?.sync_all()?;
    let database_bytes = fs::metadata(&target)?.len();

    let (photo_files, photo_bytes) =
        copy_tree(&settings.data_dir.join(PHOTOS_DIR), &dir.join(PHOTOS_DIR)).context("cannot copy the photos")?;
    for file in SECRET_FILES {
        let secret = settings.data_dir.join(file);
        if secret.is_file() {
            copy_durably(&secret, &dir.join(file))?;
        }
    }
    sync_dir(&dir)?;
    Ok(BackupReport { dir, database_bytes, photo_files, photo_bytes, elapsed: started.elapsed() })
}

/// Puts a backup (a directory made by [`backup`], or a bare database file) in place of the
/// configured SQLite database and merges its photos into the photo store. Refuses to replace an
/// existing database without `force`, and always refuses while a process has it open.
pub async fn restore(settings: &Settings, input: &Path, force: bool) -> anyhow::Result<RestoreReport> {
    let url = settings.database_url();
    if is_postgres(&url) {
        bail!("{}", postgres_instructions());
    }
    let Some(target) = sqlite_path(&url) else { bail!("cannot restore into the database {}", db::redact(&url)) };
    let (source, photos, secrets) = if input.is_dir() {
        (input.join(DATABASE_FILE), Some(input.join(PHOTOS_DIR)), SECRET_FILES.map(|f| input.join(f)).to_vec())
    } else {
        (input.to_path_buf(), None, Vec::new())
    };
    if !source.is_file() {
        bail!("{} is not a backup: there is no {}", input.display(), source.display());
    }
    if target.exists() {
        if !force {
            bail!("{} already exists; pass --force to replace it with the backup", target.display());
        }
        if in_use(&target).await? {
            bail!("{} is in use (is liaison still running?); stop every process using it first", target.display());
        }
    }
    let dir = match target.parent().filter(|p| !p.as_os_str().is_empty()) {
        Some(parent) => parent.to_path_buf(),
        None => PathBuf::from("."),
    };
    fs::create_dir_all(&dir).with_context(|| format!("cannot create {}", dir.display()))?;

    // Copy beside the target, check the copy, then swap it in with one rename.
    let name = target.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_else(|| DATABASE_FILE.into());
    let temp = dir.join(format!(".{name}.restore-{:016x}", rand::random::<u64>()));
    let placed = async {
        copy_durably(&source, &temp)?;
        check(&temp).await?;
        // A stale write-ahead log beside the new file would be replayed into it.
        for suffix in ["-wal", "-shm", "-journal"] {
            remove_if_present(&sidecar(&target, suffix))?;
        }
        fs::rename(&temp, &target).with_context(|| format!("cannot move the backup to {}", target.display()))?;
        sync_dir(&dir)?;
        anyhow::Ok(())
    }
    .await;
    if placed.is_err() {
        for suffix in ["", "-wal", "-shm", "-journal"] {
            let _ = fs::remove_file(sidecar(&temp, suffix));
        }
    }
    placed?;
    let database_bytes = fs::metadata(&target)?.len();

    let photo_files = match photos {
        Some(photos) => copy_tree(&photos, &settings.data_dir.join(PHOTOS_DIR)).context("cannot copy the photos")?.0,
        None => 0,
    };
    for (secret, file) in secrets.iter().zip(SECRET_FILES) {
        if !secret.is_file() {
            continue;
        }
        fs::create_dir_all(&settings.data_dir)?;
        let target = settings.data_dir.join(file);
        // A key file that differs is kept aside, never lost: it may still open other copies.
        if target.is_file() && fs::read(&target)? != fs::read(secret)? {
            fs::rename(
                &target,
                settings.data_dir.join(format!("{file}.before-restore-{:08x}", rand::random::<u32>())),
            )?;
        }
        copy_durably(secret, &target)?;
    }
    Ok(RestoreReport { database: target, database_bytes, photo_files })
}

fn sidecar(path: &Path, suffix: &str) -> PathBuf {
    let mut name = path.as_os_str().to_owned();
    name.push(suffix);
    PathBuf::from(name)
}

fn remove_if_present(path: &Path) -> io::Result<()> {
    match fs::remove_file(path) {
        Err(e) if e.kind() != io::ErrorKind::NotFound => Err(e),
        _ => Ok(()),
    }
}

fn options(path: &Path) -> SqliteConnectOptions {
    // No journal mode change and no busy wait: these connections only look.
    SqliteConnectOptions::new().filename(path).busy_timeout(Duration::ZERO)
}

/// True while another connection has the database open: in WAL mode each holds a shared lock
/// on the file for as long as it is open, so an exclusive lock cannot be had.
async fn in_use(path: &Path) -> anyhow::Result<bool> {
    let mut connection =
        sqlx::SqliteConnection::connect_with(&options(path).locking_mode(SqliteLockingMode::Exclusive))
            .await
            .with_context(|| format!("cannot open {}", path.display()))?;
    let locked = match sqlx::query("BEGIN EXCLUSIVE").execute(&mut connection).await {
        Ok(_) => {
            sqlx::query("COMMIT").execute(&mut connection).await?;
            false
        }
        Err(sqlx::Error::Database(error)) if error.message().contains("locked") => true,
        Err(error) => return Err(error.into()),
    };
    connection.close().await.ok();
    Ok(locked)
}

/// The file is an intact SQLite database with liaison's schema.
async fn check(path: &Path) -> anyhow::Result<()> {
    let mut connection = sqlx::SqliteConnection::connect_with(&options(path))
        .await
        .with_context(|| format!("{} is not an SQLite database", path.display()))?;
    let integrity: String = sqlx::query_scalar("PRAGMA integrity_check").fetch_one(&mut connection).await?;
    let migrations: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = 'seaql_migrations'")
            .fetch_one(&mut connection)
            .await?;
    connection.close().await.ok();
    if integrity != "ok" {
        bail!("the backup is damaged: {integrity}");
    }
    if migrations == 0 {
        bail!("the backup is not a liaison database");
    }
    Ok(())
}

/// Copies every finished file under `from` into `to` (keeping the layout), skipping files
/// already there with the same size and the store's temporary `.name.tmp` files. Returns the
/// number of files and bytes under `from` that are now in `to`.
fn copy_tree(from: &Path, to: &Path) -> io::Result<(u64, u64)> {
    if !from.is_dir() {
        return Ok((0, 0));
    }
    fs::create_dir_all(to)?;
    let (mut files, mut bytes) = (0, 0);
    for entry in fs::read_dir(from)? {
        let entry = entry?;
        let name = entry.file_name();
        if name.to_string_lossy().starts_with('.') {
            continue;
        }
        let kind = entry.file_type()?;
        if kind.is_dir() {
            let (f, b) = copy_tree(&entry.path(), &to.join(&name))?;
            files += f;
            bytes += b;
        } else if kind.is_file() {
            let size = entry.metadata()?.len();
            let target = to.join(&name);
            if fs::metadata(&target).map(|m| m.len() != size).unwrap_or(true) {
                copy_durably(&entry.path(), &target)?;
            }
            files += 1;
            bytes += size;
        }
    }
    sync_dir(to)?;
    Ok((files, bytes))
}

/// Copies through a temporary name, fsyncs, renames: `to` is either absent or complete.
fn copy_durably(from: &Path, to: &Path) -> io::Result<()> {
    let dir = to.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."));
    let name = to.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    let temp = dir.join(format!(".{name}.{:016x}.tmp", rand::random::<u64>()));
    let copied = (|| {
        let mut reader = File::open(from)?;
        let mut writer = OpenOptions::new().write(true).create_new(true).open(&temp)?;
        // As the original: a secret (0600) stays private in the copy.
        fs::set_permissions(&temp, reader.metadata()?.permissions())?;
        io::copy(&mut reader, &mut writer)?;
        writer.sync_all()?;
        drop(writer);
        fs::rename(&temp, to)
    })();
    if copied.is_err() {
        let _ = fs::remove_file(&temp);
    }
    copied
}

#[cfg(test)]
mod tests {
    use super::sqlite_path;
    use std::path::PathBuf;

    #[test]
    fn sqlite_urls_name_their_file() {
        assert_eq!(sqlite_path("sqlite://data/liaison.db?mode=rwc"), Some(PathBuf::from("data/liaison.db")));
        assert_eq!(sqlite_path("sqlite:///var/lib/l.db"), Some(PathBuf::from("/var/lib/l.db")));
        assert_eq!(sqlite_path("sqlite:x.db"), Some(PathBuf::from("x.db")));
        assert_eq!(sqlite_path("sqlite::memory:"), None);
        assert_eq!(sqlite_path("postgres://u@h/db"), None);
    }
}
