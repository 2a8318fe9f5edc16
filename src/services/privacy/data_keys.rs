//! Where the keys for residents' personal data come from, and the start-up check that they
//! are the keys the database was written with.
//!
//! `LIAISON_DATA_KEYS` = `id:base64key,id:base64key,…` (32-byte keys, the first seals new
//! values, all open) and `LIAISON_LOOKUP_KEY` = `base64key` (the phone hashes). Either one
//! left unset is generated once into the data directory (`data-keys`, `lookup-key`, mode
//! 0600), in the same format, so it can later be moved into the configuration as it is.
use std::path::Path;

use anyhow::{Context, bail};
use base64::Engine;
use base64::engine::general_purpose::{STANDARD, STANDARD_NO_PAD};
use chrono::{DateTime, Utc};
use sea_orm::ConnectionTrait;
use sea_orm::sea_query::{Alias, Expr, ExprTrait, OnConflict, Query};

use secrecy::ExposeSecret;

use crate::config::Settings;
use crate::domain::sealed::KeyId;
use crate::services::privacy::cipher::{Cipher, KEY_BYTES, random_key};

pub const DATA_KEYS_FILE: &str = "data-keys";
pub const LOOKUP_KEY_FILE: &str = "lookup-key";

/// The cipher of this process, from the configuration or the generated files.
pub fn load(settings: &Settings) -> anyhow::Result<Cipher> {
    let data_keys = match settings.data_keys.as_ref().map(ExposeSecret::expose_secret).filter(|s| !s.trim().is_empty())
    {
        Some(configured) => parse_data_keys(configured).context("LIAISON_DATA_KEYS")?,
        None => {
            let path = settings.data_dir.join(DATA_KEYS_FILE);
            let text = read_or_generate(&path, || {
                let id = format!("local-{:08x}", rand::random::<u32>());
                format!("{id}:{}", STANDARD.encode(random_key()))
            })?;
            let keys = parse_data_keys(&text).with_context(|| format!("{}", path.display()))?;
            warn_generated("data key", &path, settings);
            keys
        }
    };
    let lookup_key =
        match settings.lookup_key.as_ref().map(ExposeSecret::expose_secret).filter(|s| !s.trim().is_empty()) {
            Some(configured) => parse_key(configured.trim()).context("LIAISON_LOOKUP_KEY")?,
            None => {
                let path = settings.data_dir.join(LOOKUP_KEY_FILE);
                let text = read_or_generate(&path, || STANDARD.encode(random_key()))?;
                let key = parse_key(text.trim()).with_context(|| format!("{}", path.display()))?;
                warn_generated("lookup key", &path, settings);
                key
            }
        };
    Cipher::new(data_keys, lookup_key).map_err(anyhow::Error::msg)
}

fn warn_generated(what: &str, path: &Path, settings: &Settings) {
    // The path only, never the key.
    if settings.is_production() {
        tracing::warn!(path = %path.display(), "using a generated {what} from the data directory: back it up apart from the database, or configure it");
    } else {
        tracing::info!(path = %path.display(), "using a generated {what} from the data directory");
    }
}

/// `id:base64,id:base64`: the first is the current key.
pub fn parse_data_keys(text: &str) -> anyhow::Result<Vec<(KeyId, [u8; KEY_BYTES])>> {
    let mut keys = Vec::new();
    for entry in text.split([',', '\n']).map(str::trim).filter(|e| !e.is_empty()) {
        let Some((id, key)) = entry.split_once(':') else {
            bail!("each key is `id:base64key`; one entry has no `:`");
        };
        let id = KeyId::parse(id.trim()).map_err(anyhow::Error::msg)?;
        let key = parse_key(key.trim()).with_context(|| format!("key `{id}`"))?;
        keys.push((id, key));
    }
    if keys.is_empty() {
        bail!("no key is given");
    }
    Ok(keys)
}

fn parse_key(text: &str) -> anyhow::Result<[u8; KEY_BYTES]> {
    // The error never repeats the text: it is a secret.
    let bytes = STANDARD
        .decode(text)
        .or_else(|_| STANDARD_NO_PAD.decode(text.trim_end_matches('=')))
        .map_err(|_| anyhow::anyhow!("is not base64"))?;
    <[u8; KEY_BYTES]>::try_from(bytes.as_slice())
        .map_err(|_| anyhow::anyhow!("must be {KEY_BYTES} bytes (`openssl rand -base64 32`), not {}", bytes.len()))
}

fn read_or_generate(path: &Path, generate: impl FnOnce() -> String) -> anyhow::Result<String> {
    match std::fs::read_to_string(path) {
        Ok(text) => Ok(text),
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => {
            if let Some(dir) = path.parent() {
                std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
            }
            let text = generate();
            write_new_private(path, &text).with_context(|| format!("cannot write {}", path.display()))?;
            tracing::info!(path = %path.display(), "generated a key for residents' personal data");
            Ok(text)
        }
        Err(error) => Err(error).with_context(|| format!("cannot read {}", path.display())),
    }
}

/// Writes a file only the owner may read; never replaces one (a key once used must stay).
#[cfg(unix)]
fn write_new_private(path: &Path, contents: &str) -> std::io::Result<()> {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    let mut file = std::fs::OpenOptions::new().write(true).create_new(true).mode(0o600).open(path)?;
    file.write_all(contents.as_bytes())?;
    file.sync_all()
}

#[cfg(not(unix))]
fn write_new_private(path: &Path, contents: &str) -> std::io::Result<()> {
    use std::io::Write;
    let mut file = std::fs::OpenOptions::new().write(true).create_new(true).open(path)?;
    file.write_all(contents.as_bytes())
}

/// The key table's name for a data key and for the lookup key.
fn data_key_name(id: &KeyId) -> String {
    format!("data:{id}")
}
const LOOKUP_NAME: &str = "lookup";

/// A key the database knows: its fingerprint, and whether values may still be sealed under it.
struct KnownKey {
    name: String,
    fingerprint: String,
    retired: bool,
}

async fn known_keys(db: &impl ConnectionTrait) -> anyhow::Result<Vec<KnownKey>> {
    let query = Query::select()
        .columns([Alias::new("name"), Alias::new("fingerprint"), Alias::new("retired_at")])
        .from(Alias::new("data_key"))
        .to_owned();
    let rows = db.query_all(&query).await?;
    rows.into_iter()
        .map(|row| {
            Ok(KnownKey {
                name: row.try_get("", "name")?,
                fingerprint: row.try_get("", "fingerprint")?,
                retired: row.try_get::<Option<DateTime<Utc>>>("", "retired_at")?.is_some(),
            })
        })
        .collect::<Result<_, sea_orm::DbErr>>()
        .map_err(Into::into)
}

/// Refuses to start with keys other than those the database was written with: a key of the
/// same id with other bytes, a lookup key changed, or a key that still seals values missing.
/// Then records the current key (and, the first time, the lookup key).
#[tracing::instrument(skip_all)]
pub async fn check_and_record(db: &impl ConnectionTrait, cipher: &Cipher, now: DateTime<Utc>) -> anyhow::Result<()> {
    check(db, cipher).await?;
    let current = cipher.current();
    let fingerprint = cipher.fingerprint(current).unwrap_or_default().to_string();
    record(db, &data_key_name(current), &fingerprint, now).await?;
    record(db, LOOKUP_NAME, &cipher.lookup_fingerprint(), now).await?;
    // Again: two processes with different keys starting at once on a new database each
    // passed the first check before the other recorded its keys.
    check(db, cipher).await
}

async fn check(db: &impl ConnectionTrait, cipher: &Cipher) -> anyhow::Result<()> {
    let known = known_keys(db).await?;
    for key in &known {
        if key.name == LOOKUP_NAME {
            if key.fingerprint != cipher.lookup_fingerprint() {
                bail!(
                    "the lookup key (LIAISON_LOOKUP_KEY or DATA_DIR/{LOOKUP_KEY_FILE}) is not the one this database's phone hashes were made with; configure the original key"
                );
            }
            continue;
        }
        let Some(id) = key.name.strip_prefix("data:").and_then(|id| KeyId::parse(id).ok()) else {
            continue;
        };
        match cipher.fingerprint(&id) {
            Some(fingerprint) if fingerprint != key.fingerprint => bail!(
                "data key `{id}` is not the key this database was encrypted with (same id, other bytes); configure the original key under that id"
            ),
            Some(_) => {}
            None if !key.retired => bail!(
                "residents' data in this database is encrypted under key `{id}`, which is not configured (LIAISON_DATA_KEYS or DATA_DIR/{DATA_KEYS_FILE}); add it back, as a second key if it is no longer the current one, until `liaison rotate-keys` has finished"
            ),
            None => {}
        }
    }
    Ok(())
}

/// Adds a key (or puts a retired one back in use): values may be sealed under it from now on.
async fn record(db: &impl ConnectionTrait, name: &str, fingerprint: &str, now: DateTime<Utc>) -> anyhow::Result<()> {
    let insert = Query::insert()
        .into_table(Alias::new("data_key"))
        .columns([Alias::new("name"), Alias::new("fingerprint"), Alias::new("created_at"), Alias::new("retired_at")])
        .values_panic([name.into(), fingerprint.into(), now.into(), Option::<DateTime<Utc>>::None.into()])
        .on_conflict(OnConflict::column(Alias::new("name")).update_column(Alias::new("retired_at")).to_owned())
        .to_owned();
    db.execute(&insert).await?;
    Ok(())
}

/// After a complete rotation: no value is sealed under any data key but `current` any more.
#[tracing::instrument(skip_all)]
pub async fn retire_all_but(db: &impl ConnectionTrait, current: &KeyId, now: DateTime<Utc>) -> anyhow::Result<u64> {
    let update = Query::update()
        .table(Alias::new("data_key"))
        .value(Alias::new("retired_at"), now)
        .and_where(Expr::col(Alias::new("name")).like("data:%"))
        .and_where(Expr::col(Alias::new("name")).ne(data_key_name(current)))
        .and_where(Expr::col(Alias::new("retired_at")).is_null())
        .to_owned();
    let result = db.execute(&update).await?;
    Ok(result.rows_affected())
}

/// Ids of data keys that may still seal values (for the rotation's report).
#[tracing::instrument(skip_all)]
pub async fn keys_in_use(db: &impl ConnectionTrait) -> anyhow::Result<Vec<String>> {
    Ok(known_keys(db)
        .await?
        .into_iter()
        .filter(|k| !k.retired)
        .filter_map(|k| k.name.strip_prefix("data:").map(str::to_string))
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn data_keys_are_read_in_order() {
        let a = STANDARD.encode([1u8; 32]);
        let b = STANDARD_NO_PAD.encode([2u8; 32]);
        let keys = parse_data_keys(&format!(" k2:{b} , k1:{a}")).unwrap();
        assert_eq!(keys.iter().map(|(id, _)| id.as_str()).collect::<Vec<_>>(), ["k2", "k1"]);
        assert_eq!(keys[0].1, [2; 32]);
    }

    #[test]
    fn bad_keys_are_refused_without_repeating_them() {
        let short = STANDARD.encode([1u8; 16]);
        let error = format!("{:#}", parse_data_keys(&format!("k:{short}")).unwrap_err());
        assert!(error.contains("32 bytes") && !error.contains(&short), "{error}");
        assert!(parse_data_keys("k:not base64!").is_err());
        assert!(parse_data_keys("no-colon").is_err());
        assert!(parse_data_keys("").is_err());
        assert!(parse_data_keys(&format!("bad id:{}", STANDARD.encode([1u8; 32]))).is_err());
    }

    #[test]
    fn generated_keys_are_kept_and_private() {
        let dir = tempfile::tempdir().unwrap();
        let settings = Settings { data_dir: dir.path().to_path_buf(), ..Settings::default() };
        let first = load(&settings).unwrap();
        let again = load(&settings).unwrap();
        assert_eq!(first.current(), again.current());
        assert_eq!(first.open(&again.seal("张三")).unwrap(), "张三");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            for file in [DATA_KEYS_FILE, LOOKUP_KEY_FILE] {
                let mode = std::fs::metadata(dir.path().join(file)).unwrap().permissions().mode();
                assert_eq!(mode & 0o777, 0o600, "{file}");
            }
        }
    }
}
