//! `liaison`: serve (default) · migrate · admin create · demo · backup · restore · rotate-keys.
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use liaison::clock::{Clock, SystemClock};
use liaison::config::Settings;
use liaison::domain::account::{NewPassword, Username};
use liaison::services::organisation::{accounts, auth::PasswordHasher};
use liaison::services::privacy::reseal;
use liaison::services::seed::demo;
use liaison::startup::Application;
use liaison::{db, telemetry};
use sea_orm::TransactionTrait;

#[derive(Parser)]
#[command(name = "liaison", version, about = "码上说事 — deputy liaison station service")]
struct Cli {
    /// Settings file (default: ./liaison.toml if present)
    #[arg(long, global = true, env = "LIAISON_CONFIG")]
    config: Option<PathBuf>,
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand)]
enum Command {
    /// Run pending migrations, then serve HTTP (the default)
    Serve,
    /// Run pending migrations and exit
    Migrate,
    /// Administrator accounts
    Admin {
        #[command(subcommand)]
        command: AdminCommand,
    },
    /// Fill an empty database with a demonstration district
    Demo,
    /// Print the OpenAPI document of the JSON API
    Openapi,
    /// Add many generated cases to a demo database, for benchmarks (refused in production)
    SeedCases {
        #[arg(long, default_value_t = 100_000)]
        cases: u64,
    },
    /// Copy the SQLite database (consistently, while the server runs) and the photos
    Backup {
        /// Directory to create (default: DATA_DIR/backups/liaison-<UTC time>)
        #[arg(long)]
        output: Option<PathBuf>,
    },
    /// Re-encrypt residents' names and phones under the current key (the first of
    /// LIAISON_DATA_KEYS), in batches; safe while servers run with the same keys. Run it
    /// again if it stops; afterwards the older keys may be removed from the configuration
    RotateKeys {
        /// Rows per transaction
        #[arg(long, default_value_t = 500)]
        batch: u64,
    },
    /// Put a backup in place of the SQLite database (stop the server first)
    Restore {
        /// A directory made by `liaison backup` (or a bare database file)
        #[arg(long)]
        input: PathBuf,
        /// Replace an existing database
        #[arg(long)]
        force: bool,
    },
}

#[derive(Subcommand)]
enum AdminCommand {
    /// Create an administrator, or reset the password of an existing one
    Create {
        #[arg(long)]
        username: String,
        /// The password (or set LIAISON_ADMIN_PASSWORD to keep it off the command line)
        #[arg(long, env = "LIAISON_ADMIN_PASSWORD", hide_env_values = true)]
        password: String,
    },
}

#[tokio::main]
async fn main() -> ExitCode {
    let cli = Cli::parse();
    let settings = match Settings::load(cli.config.as_deref()) {
        Ok(settings) => settings,
        Err(error) => {
            eprintln!("liaison: {error}");
            return ExitCode::from(2);
        }
    };
    telemetry::init(settings.log_format);
    // Every command writes owner-only files: the database, backups, keys, photos.
    liaison::private_files::restrict_new_files();
    let result = match cli.command.unwrap_or(Command::Serve) {
        Command::Serve => serve(settings).await,
        Command::Migrate => migrate(settings).await,
        Command::Admin { command: AdminCommand::Create { username, password } } => {
            create_admin(settings, &username, &password).await
        }
        Command::Demo => run_demo(settings).await,
        Command::SeedCases { cases } => seed_cases(settings, cases).await,
        Command::Backup { output } => backup(settings, output).await,
        Command::Restore { input, force } => restore(settings, &input, force).await,
        Command::RotateKeys { batch } => rotate_keys(settings, batch).await,
        Command::Openapi => match serde_json::to_string_pretty(&liaison::http::api::openapi()) {
            Ok(json) => {
                println!("{json}");
                Ok(())
            }
            Err(error) => Err(error.into()),
        },
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("liaison: {error:#}");
            ExitCode::FAILURE
        }
    }
}

async fn serve(settings: Settings) -> anyhow::Result<()> {
    let app = Application::build(settings).await?;
    tracing::info!(url = %app.public_url(), port = app.port(), "liaison is listening");
    println!("liaison is listening on {} (staff sign-in: {}/login)", app.public_url(), app.public_url());
    app.run_until_stopped().await?;
    Ok(())
}

async fn rotate_keys(settings: Settings, batch: u64) -> anyhow::Result<()> {
    let db = db::connect(&settings).await?;
    db::migrate(&db).await?;
    let cipher = liaison::services::privacy::data_keys::load(&settings)?;
    let current = cipher.current().clone();
    let report = |table: &str, p: reseal::Progress| eprintln!("{table}: {} rows re-encrypted", p.rewritten);
    let done = reseal::rotate(&db, &cipher, batch.clamp(1, 10_000), SystemClock.now(), report).await?;
    if done.remaining > 0 {
        anyhow::bail!(
            "{} rows were re-encrypted under key `{current}`, {} are still under older keys (they kept changing): run rotate-keys again",
            done.rewritten,
            done.remaining
        );
    }
    let still = liaison::services::privacy::data_keys::keys_in_use(&db).await?;
    println!(
        "{} rows re-encrypted; every value is under key `{current}`; keys in use: {}; {} older key(s) may now be removed from LIAISON_DATA_KEYS",
        done.rewritten,
        still.join(", "),
        done.retired
    );
    Ok(())
}

async fn migrate(settings: Settings) -> anyhow::Result<()> {
    let db = db::connect(&settings).await?;
    db::migrate(&db).await?;
    println!("migrations are up to date ({})", db::redact(&settings.database_url()));
    Ok(())
}

async fn create_admin(settings: Settings, username: &str, password: &str) -> anyhow::Result<()> {
    let username = Username::parse(username).map_err(|e| anyhow::anyhow!("username {}", e.message_en()))?;
    let password =
        NewPassword::parse("password", password).map_err(|e| anyhow::anyhow!("password {}", e.message_en()))?;
    let db = db::connect(&settings).await?;
    db::migrate(&db).await?;
    let hasher = PasswordHasher::new(settings.argon2_memory_kib)?;
    let (user, created) = accounts::ensure_admin(&db, &hasher, SystemClock.now(), username, password)
        .await
        .map_err(|e| anyhow::anyhow!("{}", e.public_message()))?;
    if created {
        println!("created administrator {}", user.username);
    } else {
        println!("reset the password of administrator {} (their sessions were ended)", user.username);
    }
    Ok(())
}

async fn run_demo(settings: Settings) -> anyhow::Result<()> {
    if settings.is_production() {
        anyhow::bail!("refusing to load demonstration data with LIAISON_ENV=production");
    }
    let db = db::connect(&settings).await?;
    db::migrate(&db).await?;
    let hasher = PasswordHasher::new(settings.argon2_memory_kib)?;
    let txn = db.begin().await?;
    let summary =
        demo::seed(&txn, &hasher, SystemClock.now()).await.map_err(|e| anyhow::anyhow!("{}", e.public_message()))?;
    txn.commit().await?;
    println!(
        "demo loaded: {} stations, points and grids, {} deputies, {} handling units, 7 categories",
        summary.stations, summary.deputies, summary.units
    );
    println!("sign in at /login with any of these accounts (password: {}):", demo::DEMO_PASSWORD);
    for account in summary.accounts {
        println!("  {:<8} {:<8} {}", account.username, account.role.as_str(), account.scope);
    }
    Ok(())
}

async fn seed_cases(settings: Settings, count: u64) -> anyhow::Result<()> {
    if settings.is_production() {
        anyhow::bail!("refusing to generate benchmark cases with LIAISON_ENV=production");
    }
    let db = db::connect(&settings).await?;
    db::migrate(&db).await?;
    let started = std::time::Instant::now();
    let written = liaison::services::seed::bench::seed(&db, count, SystemClock.now())
        .await
        .map_err(|e| anyhow::anyhow!("{}", e.public_message()))?;
    println!("generated {written} cases in {:.1} s", started.elapsed().as_secs_f64());
    Ok(())
}

async fn backup(settings: Settings, output: Option<PathBuf>) -> anyhow::Result<()> {
    let report = liaison::backup::backup(&settings, output, SystemClock.now()).await?;
    println!(
        "backed up to {} in {:.2} s: database {} bytes, {} photo files ({} bytes)",
        report.dir.display(),
        report.elapsed.as_secs_f64(),
        report.database_bytes,
        report.photo_files,
        report.photo_bytes
    );
    Ok(())
}

async fn restore(settings: Settings, input: &std::path::Path, force: bool) -> anyhow::Result<()> {
    let report = liaison::backup::restore(&settings, input, force).await?;
    println!(
        "restored {} ({} bytes) and {} photo files; start liaison to use it",
        report.database.display(),
        report.database_bytes,
        report.photo_files
    );
    Ok(())
}
