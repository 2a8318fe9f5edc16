//! One error type for the whole service, mapped once to an HTTP status and a stable code.
//! JSON handlers return it as `{"error","message"}`; HTML pages wrap it (see `http::pages`).
use actix_web::http::StatusCode;
use actix_web::http::header::{self, HeaderValue};
use actix_web::{HttpResponse, ResponseError};
use sea_orm::{DbErr, RuntimeErr, SqlErr};
use serde::Serialize;
use utoipa::ToSchema;

use crate::domain::field::FieldError;

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error("{0}")]
    BadRequest(String),
    #[error("validation failed")]
    Validation(Vec<FieldError>),
    #[error("{message}")]
    Unauthorized { code: &'static str, message: String },
    #[error("{0}")]
    Forbidden(String),
    #[error("{0} not found")]
    NotFound(&'static str),
    #[error("{message}")]
    Conflict { code: &'static str, message: String },
    #[error("{0}")]
    PayloadTooLarge(String),
    #[error("{message}")]
    TooManyRequests { retry_after_secs: u64, message: String },
    #[error("{0}")]
    Unavailable(String),
    #[error("internal error")]
    Internal(#[source] anyhow::Error),
}

/// The JSON body of every API error.
#[derive(Debug, Serialize, ToSchema)]
pub struct ErrorBody {
    /// Stable snake_case code, e.g. `validation_failed`, `not_found`, `stale_version`.
    pub error: String,
    /// A sentence for people.
    pub message: String,
    /// Per-field problems for `validation_failed`.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub fields: Vec<FieldProblem>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct FieldProblem {
    pub field: String,
    pub code: String,
    pub message: String,
}

impl AppError {
    pub fn unauthorized(code: &'static str, message: impl Into<String>) -> Self {
        AppError::Unauthorized { code, message: message.into() }
    }

    pub fn forbidden(message: impl Into<String>) -> Self {
        AppError::Forbidden(message.into())
    }

    pub fn conflict(code: &'static str, message: impl Into<String>) -> Self {
        AppError::Conflict { code, message: message.into() }
    }

    /// 409 for an edit made on an old copy of a record (`what`: "visit", "report", …).
    pub fn stale_version(what: &str, current: i32) -> Self {
        Self::conflict(
            "stale_version",
            format!("someone else changed this {what} first; it is now at version {current}"),
        )
    }

    /// A "not found" from a check on a record's parent (its station, its deputy) speaks of
    /// the record itself, so its parent is not revealed; other errors pass unchanged.
    pub fn not_found_as(self, what: &'static str) -> Self {
        match self {
            AppError::NotFound(_) => AppError::NotFound(what),
            other => other,
        }
    }

    pub fn internal(cause: impl Into<anyhow::Error>) -> Self {
        AppError::Internal(cause.into())
    }

    pub fn field(error: FieldError) -> Self {
        AppError::Validation(vec![error])
    }

    /// The stable code in the JSON body.
    pub fn code(&self) -> &'static str {
        match self {
            AppError::BadRequest(_) => "bad_request",
            AppError::Validation(_) => "validation_failed",
            AppError::Unauthorized { code, .. } => code,
            AppError::Forbidden(_) => "forbidden",
            AppError::NotFound(_) => "not_found",
            AppError::Conflict { code, .. } => code,
            AppError::PayloadTooLarge(_) => "payload_too_large",
            AppError::TooManyRequests { .. } => "too_many_requests",
            AppError::Unavailable(_) => "service_unavailable",
            AppError::Internal(_) => "internal_error",
        }
    }

    /// What a person may be told: never an internal cause.
    pub fn public_message(&self) -> String {
        match self {
            AppError::Validation(fields) => {
                fields.iter().map(|f| format!("{}: {}", f.field, f.message_en())).collect::<Vec<_>>().join("; ")
            }
            AppError::Internal(_) => "an internal error occurred; it has been logged".into(),
            AppError::Unavailable(_) => "the service is temporarily unavailable; please try again shortly".into(),
            other => other.to_string(),
        }
    }

    pub fn body(&self) -> ErrorBody {
        let fields = match self {
            AppError::Validation(fields) => fields
                .iter()
                .map(|f| FieldProblem {
                    field: f.field.to_string(),
                    code: f.code().to_string(),
                    message: f.message_en(),
                })
                .collect(),
            _ => Vec::new(),
        };
        ErrorBody { error: self.code().to_string(), message: self.public_message(), fields }
    }

    /// Log server-side causes once, where the error becomes a response.
    pub fn log(&self) {
        match self {
            AppError::Internal(cause) => tracing::error!(error = ?cause, "internal error"),
            AppError::Unavailable(cause) => tracing::warn!(cause = %cause, "service unavailable"),
            _ => {}
        }
    }
}

impl ResponseError for AppError {
    fn status_code(&self) -> StatusCode {
        match self {
            AppError::BadRequest(_) => StatusCode::BAD_REQUEST,
            AppError::Validation(_) => StatusCode::UNPROCESSABLE_ENTITY,
            AppError::Unauthorized { .. } => StatusCode::UNAUTHORIZED,
            AppError::Forbidden(_) => StatusCode::FORBIDDEN,
            AppError::NotFound(_) => StatusCode::NOT_FOUND,
            AppError::Conflict { .. } => StatusCode::CONFLICT,
            AppError::PayloadTooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
            AppError::TooManyRequests { .. } => StatusCode::TOO_MANY_REQUESTS,
            AppError::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
            AppError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn error_response(&self) -> HttpResponse {
        self.log();
        let mut response = HttpResponse::build(self.status_code());
        self.add_headers(&mut response);
        response.json(self.body())
    }
}

impl AppError {
    pub fn add_headers(&self, response: &mut actix_web::HttpResponseBuilder) {
        match self {
            AppError::TooManyRequests { retry_after_secs, .. } => {
                response.insert_header((header::RETRY_AFTER, retry_after_secs.to_string()));
            }
            AppError::Unauthorized { .. } => {
                response.insert_header((header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer")));
            }
            AppError::Unavailable(_) => {
                response.insert_header((header::RETRY_AFTER, "5"));
            }
            _ => {}
        }
        response.insert_header((header::CACHE_CONTROL, "no-store"));
    }
}

impl From<DbErr> for AppError {
    fn from(err: DbErr) -> Self {
        if let Some(SqlErr::UniqueConstraintViolation(_)) = err.sql_err() {
            return AppError::conflict("already_exists", "a record with the same unique value already exists");
        }
        match &err {
            DbErr::ConnectionAcquire(_) | DbErr::Conn(_) => AppError::Unavailable(err.to_string()),
            // The server went away mid-request, or is not ready to serve: the same as not
            // getting a connection.
            DbErr::Query(RuntimeErr::SqlxError(cause)) | DbErr::Exec(RuntimeErr::SqlxError(cause))
                if database_unavailable(cause) =>
            {
                AppError::Unavailable(err.to_string())
            }
            // A database without our tables (dropped and created again empty, or a wrong
            // `DATABASE_URL`): not a bug in the request; the operator must migrate.
            DbErr::Query(RuntimeErr::SqlxError(cause)) | DbErr::Exec(RuntimeErr::SqlxError(cause))
                if schema_missing(cause) =>
            {
                tracing::error!(error = %err, "the database has no schema; run the migrations (liaison migrate)");
                AppError::Unavailable(err.to_string())
            }
            // PostgreSQL rolled the whole transaction back (a deadlock, say between two bulk
            // actions that share roll-up rows): nothing was written, the caller may try again.
            DbErr::Query(RuntimeErr::SqlxError(cause)) | DbErr::Exec(RuntimeErr::SqlxError(cause))
                if cause
                    .as_database_error()
                    .and_then(|e| e.code())
                    .is_some_and(|code| code == "40P01" || code == "40001") =>
            {
                tracing::warn!(error = %err, "transaction rolled back by the database; answered 409");
                AppError::conflict("retry", "someone changed the same records at the same moment; try again")
            }
            _ => AppError::Internal(err.into()),
        }
    }
}

/// Failures of the connection or of the server, not of the statement: the pooled connection
/// broke (I/O, TLS, protocol), the pool is closed or exhausted, SQLite's worker died, or the
/// server refuses work (PostgreSQL classes 08 connection exception and 57 operator
/// intervention, e.g. 57P01 when it is shut down, 53300 too many connections, 3D000 no such
/// database; SQLite I/O errors, a file it cannot open or that is not a database, a full disk).
pub fn database_unavailable(cause: &sea_orm::sqlx::Error) -> bool {
    use sea_orm::sqlx::Error;
    match cause {
        Error::Io(_)
        | Error::Tls(_)
        | Error::Protocol(_)
        | Error::PoolTimedOut
        | Error::PoolClosed
        | Error::WorkerCrashed => true,
        Error::Database(db) => {
            let code = db.code();
            let code = code.as_deref().unwrap_or("");
            if is_sqlite(db.as_ref()) {
                // The primary result code is the low byte of the extended one.
                let primary = code.parse::<i64>().map_or(-1, |c| c & 0xff);
                matches!(primary, 10 | 13 | 14 | 26)
            } else {
                code.starts_with("08") || code.starts_with("57") || code == "53300" || code == "3D000"
            }
        }
        _ => false,
    }
}

fn is_sqlite(db: &dyn sea_orm::sqlx::error::DatabaseError) -> bool {
    db.try_downcast_ref::<sea_orm::sqlx::sqlite::SqliteError>().is_some()
}

/// The statement names a table the database does not have (42P01 on PostgreSQL, "no such
/// table" on SQLite).
fn schema_missing(cause: &sea_orm::sqlx::Error) -> bool {
    match cause {
        sea_orm::sqlx::Error::Database(db) => {
            db.code().as_deref() == Some("42P01")
                || (is_sqlite(db.as_ref()) && db.message().starts_with("no such table"))
        }
        _ => false,
    }
}

impl From<actix_web::error::BlockingError> for AppError {
    fn from(err: actix_web::error::BlockingError) -> Self {
        AppError::internal(anyhow::anyhow!("blocking task failed: {err}"))
    }
}

pub type AppResult<T> = Result<T, AppError>;
