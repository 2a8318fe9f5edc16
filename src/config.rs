//! Typed settings: built-in defaults → optional `liaison.toml` → `LIAISON_*` environment
//! (and the conventional unprefixed `DATABASE_URL`).
use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use figment::Figment;
use figment::providers::{Env, Format, Serialized, Toml};
use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Environment {
    Development,
    Production,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    Text,
    Json,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default)]
pub struct Settings {
    /// `development` or `production` (`LIAISON_ENV`).
    pub env: Environment,
    /// Address to listen on (`LIAISON_BIND`).
    pub bind: String,
    /// Base URL printed in QR codes and links (`LIAISON_PUBLIC_URL`); derived from `bind` if unset.
    pub public_url: Option<String>,
    /// Where the SQLite file, photos and the development secret live (`LIAISON_DATA_DIR`).
    pub data_dir: PathBuf,
    /// `DATABASE_URL`; an SQLite file under `data_dir` when unset.
    pub database_url: Option<String>,
    /// HS256 key for sign-in tokens (`LIAISON_JWT_SECRET`); at least 32 bytes in production.
    #[serde(skip_serializing)]
    pub jwt_secret: Option<SecretString>,
    /// Keys for residents' names and phones (`LIAISON_DATA_KEYS`): `id:base64key,…`, 32-byte
    /// keys, the first seals new values; generated into `data_dir` when unset.
    #[serde(skip_serializing)]
    pub data_keys: Option<SecretString>,
    /// Key of the phone lookup hashes (`LIAISON_LOOKUP_KEY`, base64 of 32 bytes); generated
    /// into `data_dir` when unset.
    #[serde(skip_serializing)]
    pub lookup_key: Option<SecretString>,
    /// Name of the congress office shown in page headers and exports.
    pub org_name: String,
    /// IANA time zone of the stations; working days and deadlines are counted in it. Parsed
    /// once, when the settings are read.
    #[serde(with = "tz_name")]
    pub timezone: chrono_tz::Tz,
    /// Lifetime of an ordinary staff sign-in.
    pub session_hours: i64,
    /// Lifetime of a deputy's sign-in on their own phone.
    pub deputy_session_days: i64,
    /// Take the client address from `X-Forwarded-For` (only behind a trusted reverse proxy).
    pub trust_proxy: bool,
    /// Let webhooks reach loopback, private and link-local addresses
    /// (`LIAISON_WEBHOOK_ALLOW_PRIVATE`; for a station's own intranet robot). Off, they are
    /// refused when saved and again, on the resolved address, when a message is sent.
    pub webhook_allow_private: bool,
    /// HTTP worker threads; defaults to the number of cores.
    pub workers: Option<usize>,
    pub log_format: LogFormat,
    /// Database pool size.
    pub db_max_connections: u32,
    /// Statements slower than this many milliseconds are logged with their SQL.
    pub slow_query_ms: u64,
    /// argon2id memory cost in KiB (OWASP minimum 19 MiB; lower only for tests).
    pub argon2_memory_kib: u32,
    /// Failed sign-ins allowed per account, and per client address, within `login_window_minutes`.
    pub login_max_failures_per_account: u64,
    pub login_max_failures_per_ip: u64,
    pub login_window_minutes: i64,
    /// Run the background jobs (sweeps) in this process.
    pub run_jobs: bool,
    /// Seconds between deadline sweeps.
    pub sweep_interval_secs: u64,
    /// A case is "due soon" from this many working days before its deadline.
    pub due_soon_working_days: u32,
    /// A case this many working days past its deadline becomes key supervision (重点督办).
    pub escalate_after_working_days: u32,
    /// A replied case nobody rated closes itself after this many days, as "no rating".
    pub unrated_close_days: i64,
    /// A handling unit may return a mis-assigned case within this many working days.
    pub return_window_working_days: u32,
    /// Seconds between notification deliveries.
    pub deliver_interval_secs: u64,
    /// Local hour (0–23) at which each deputy's daily digest goes out.
    pub digest_hour: u32,
    /// Cases one client address may submit per minute (`LIAISON_SUBMIT_RATE_PER_MINUTE`;
    /// 0 = no limit, for load tests). A reception hall shares one address: keep it generous.
    pub submit_rate_per_minute: u64,
    /// Cases one QR code (deputy or station) may receive per minute; 0 = no limit.
    pub submit_rate_per_code_per_minute: u64,
    /// Residents' names, phones and map points are erased from cases closed (and reception
    /// visits held) this many years ago; the case itself is kept (`LIAISON_RETENTION_YEARS`,
    /// 0 = keep them).
    pub retention_years: u32,
}

/// A time zone in the settings by its IANA name (`Asia/Shanghai`).
mod tz_name {
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(tz: &chrono_tz::Tz, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(tz.name())
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<chrono_tz::Tz, D::Error> {
        let name = String::deserialize(deserializer)?;
        name.parse()
            .map_err(|_| serde::de::Error::custom(format!("LIAISON_TIMEZONE `{name}` is not an IANA time zone")))
    }
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            env: Environment::Development,
            bind: "127.0.0.1:8080".into(),
            public_url: None,
            data_dir: PathBuf::from("./data"),
            database_url: None,
            jwt_secret: None,
            data_keys: None,
            lookup_key: None,
            org_name: "人大常委会代表工作委员会".into(),
            timezone: chrono_tz::Asia::Shanghai,
            session_hours: 12,
            deputy_session_days: 7,
            trust_proxy: false,
            webhook_allow_private: false,
            workers: None,
            log_format: LogFormat::Text,
            db_max_connections: 10,
            slow_query_ms: 250,
            argon2_memory_kib: 19 * 1024,
            login_max_failures_per_account: 5,
            login_max_failures_per_ip: 20,
            login_window_minutes: 15,
            run_jobs: true,
            sweep_interval_secs: 60,
            due_soon_working_days: 1,
            escalate_after_working_days: 3,
            unrated_close_days: 15,
            return_window_working_days: 3,
            deliver_interval_secs: 5,
            digest_hour: 8,
            submit_rate_per_minute: 10,
            submit_rate_per_code_per_minute: 60,
            retention_years: 3,
        }
    }
}

/// Secrets that ship in examples and must never guard a real installation.
const PLACEHOLDER_SECRETS: &[&str] = &["change-me", "changeme", "secret", "please-change-this"];
pub const MIN_SECRET_BYTES: usize = 32;
pub const MIN_PRODUCTION_ARGON2_KIB: u32 = 19 * 1024;

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("configuration: {0}")]
    Load(String),
    #[error("{0}")]
    Invalid(String),
}

impl Settings {
    /// Defaults, then `config_file` (or `./liaison.toml` if it exists), then the environment.
    pub fn load(config_file: Option<&Path>) -> Result<Settings, ConfigError> {
        let mut figment = Figment::from(Serialized::defaults(Settings::default()));
        match config_file {
            Some(path) => {
                if !path.exists() {
                    return Err(ConfigError::Load(format!("config file {} does not exist", path.display())));
                }
                figment = figment.merge(Toml::file(path));
            }
            None => figment = figment.merge(Toml::file("liaison.toml")),
        }
        let settings: Settings = figment
            .merge(Env::raw().only(&["DATABASE_URL"]))
            .merge(Env::prefixed("LIAISON_"))
            .extract()
            .map_err(|e| ConfigError::Load(e.to_string()))?;
        settings.validate()?;
        Ok(settings)
    }

    /// Checks that make a misconfigured production start impossible, each said in one line.
    pub fn validate(&self) -> Result<(), ConfigError> {
        self.bind
            .parse::<SocketAddr>()
            .map_err(|_| ConfigError::Invalid(format!("LIAISON_BIND `{}` is not host:port", self.bind)))?;
        if let Some(url) = &self.public_url
            && !(url.starts_with("http://") || url.starts_with("https://"))
        {
            return Err(ConfigError::Invalid(format!(
                "LIAISON_PUBLIC_URL `{url}` must start with http:// or https://"
            )));
        }
        if self.session_hours <= 0 || self.deputy_session_days <= 0 {
            return Err(ConfigError::Invalid("session lifetimes must be positive".into()));
        }
        if self.env == Environment::Production {
            match self.jwt_secret.as_ref().map(ExposeSecret::expose_secret) {
                None | Some("") => {
                    return Err(ConfigError::Invalid(
                        "refusing to start in production without LIAISON_JWT_SECRET (at least 32 random bytes)".into(),
                    ));
                }
                Some(secret) if secret.len() < MIN_SECRET_BYTES => {
                    return Err(ConfigError::Invalid(format!(
                        "refusing to start in production: LIAISON_JWT_SECRET is {} bytes, at least {MIN_SECRET_BYTES} are needed",
                        secret.len()
                    )));
                }
                Some(secret) if is_weak_secret(secret) => {
                    return Err(ConfigError::Invalid(
                        "refusing to start in production: LIAISON_JWT_SECRET is a placeholder or too repetitive; generate one with `openssl rand -base64 48`".into(),
                    ));
                }
                Some(_) => {}
            }
            if self.argon2_memory_kib < MIN_PRODUCTION_ARGON2_KIB {
                return Err(ConfigError::Invalid(format!(
                    "refusing to start in production: LIAISON_ARGON2_MEMORY_KIB must be at least {MIN_PRODUCTION_ARGON2_KIB}"
                )));
            }
        }
        Ok(())
    }

    pub fn is_production(&self) -> bool {
        self.env == Environment::Production
    }

    pub fn time_zone(&self) -> chrono_tz::Tz {
        self.timezone
    }

    /// The database to use: `DATABASE_URL`, or an SQLite file in the data directory.
    pub fn database_url(&self) -> String {
        match &self.database_url {
            Some(url) if !url.is_empty() => url.clone(),
            _ => format!("sqlite://{}?mode=rwc", self.data_dir.join("liaison.db").display()),
        }
    }

    /// Base URL for links and QR codes, given the address actually bound.
    pub fn public_base_url(&self, bound: SocketAddr) -> String {
        match &self.public_url {
            Some(url) if !url.is_empty() => url.trim_end_matches('/').to_string(),
            _ => {
                let host = if bound.ip().is_unspecified() {
                    "127.0.0.1".to_string()
                } else if bound.is_ipv6() {
                    format!("[{}]", bound.ip())
                } else {
                    bound.ip().to_string()
                };
                format!("http://{host}:{}", bound.port())
            }
        }
    }
}

fn is_weak_secret(secret: &str) -> bool {
    let lower = secret.to_ascii_lowercase();
    if PLACEHOLDER_SECRETS.iter().any(|p| lower.contains(p)) {
        return true;
    }
    let distinct: std::collections::HashSet<char> = secret.chars().collect();
    distinct.len() < 10
}

#[cfg(test)]
mod tests {
    use super::*;

    fn production() -> Settings {
        Settings {
            env: Environment::Production,
            jwt_secret: Some("kV9s2QxW7pLm4Tz8Rb1Nc6Yd3Hf5Jg0AaBbCcDdEe".into()),
            ..Settings::default()
        }
    }

    #[test]
    fn production_requires_a_strong_secret() {
        assert!(production().validate().is_ok());
        let missing = Settings { jwt_secret: None, ..production() };
        assert!(missing.validate().unwrap_err().to_string().contains("without LIAISON_JWT_SECRET"));
        let short = Settings { jwt_secret: Some("abc".into()), ..production() };
        assert!(short.validate().unwrap_err().to_string().contains("at least 32"));
        let placeholder =
            Settings { jwt_secret: Some("change-me-change-me-change-me-change-me".into()), ..production() };
        assert!(placeholder.validate().unwrap_err().to_string().contains("placeholder"));
        let repetitive = Settings { jwt_secret: Some("a".repeat(40).into()), ..production() };
        assert!(repetitive.validate().is_err());
    }

    #[test]
    fn development_runs_without_a_secret() {
        assert!(Settings::default().validate().is_ok());
    }

    #[test]
    fn default_database_is_sqlite_in_the_data_dir() {
        let url = Settings::default().database_url();
        assert!(url.starts_with("sqlite://") && url.contains("liaison.db"));
    }

    #[test]
    fn public_url_is_derived_from_the_bound_address() {
        let s = Settings::default();
        assert_eq!(s.public_base_url("0.0.0.0:8080".parse().unwrap()), "http://127.0.0.1:8080");
        let s = Settings { public_url: Some("https://x.example/".into()), ..Settings::default() };
        assert_eq!(s.public_base_url("127.0.0.1:1".parse().unwrap()), "https://x.example");
    }

    #[test]
    fn a_bad_bind_address_is_refused() {
        let s = Settings { bind: "nonsense".into(), ..Settings::default() };
        assert!(s.validate().is_err());
    }

    #[test]
    fn debug_never_prints_a_secret() {
        let settings = Settings {
            jwt_secret: Some("kV9s2QxW7pLm4Tz8Rb1Nc6Yd3Hf5Jg0AaBbCcDdEe".into()),
            data_keys: Some("k1:AQIDBAUGBwgJCgsMDQ4PEBESExQVFhcYGRobHB0eHyA=".into()),
            lookup_key: Some("ZWZnaGlqa2xtbm9wcXJzdHV2d3h5ent8fX5/gIGCg4Q=".into()),
            ..Settings::default()
        };
        let shown = format!("{settings:?}");
        for secret in ["kV9s2QxW7p", "AQIDBAUGBwgJ", "ZWZnaGlqa2xt"] {
            assert!(!shown.contains(secret), "{shown}");
        }
    }
}
