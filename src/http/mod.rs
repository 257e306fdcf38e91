//! Shared HTTP machinery: the problem+json error, body and query extractors, pagination, ETags,
//! request ids, metrics, logging set-up and the route table.

pub mod csv;
pub mod error;
pub mod etag;
pub mod idempotency;
pub mod json;
pub mod metrics;
pub mod pagination;
pub mod request_id;
pub mod routes;
pub mod telemetry;
pub mod text;

pub use error::{ApiError, FieldError};
pub use etag::{IfMatch, with_etag};
pub use idempotency::{Caller, Callers};
pub use json::{Json, Query};
pub use pagination::{Cursor, Page, PageRequest};
pub use routes::RouteTable;

use actix_web::error::PathError;
use actix_web::{HttpRequest, HttpResponse};

/// What every handler can reach: the connection pool and the process settings. Other shared
/// pieces (the token keys, the application's answers to slices' ports) are app data of their own.
pub struct AppState {
    pub pool: crate::db::Pool,
    /// Where reports read: the primary, or a streaming replica while it keeps up.
    pub reads: crate::db::replica::ReadPools,
    pub settings: std::sync::Arc<crate::config::Settings>,
}

/// `db::run_blocking` for a request: the work answers with problems.
pub async fn run_blocking<T, F>(pool: &crate::db::Pool, work: F) -> Result<T, ApiError>
where
    F: FnOnce(&mut diesel::PgConnection) -> Result<T, ApiError> + Send + 'static,
    T: Send + 'static,
{
    crate::db::run_blocking(pool, work).await
}

/// `db::in_transaction` for a request's work, which answers with problems.
pub fn in_transaction<T>(
    conn: &mut diesel::PgConnection,
    work: impl FnOnce(&mut diesel::PgConnection) -> Result<T, ApiError>,
) -> Result<T, ApiError> {
    crate::db::in_transaction(conn, work)
}

/// A path segment that does not parse (e.g. a malformed id) cannot name anything: 404.
pub fn path_error(_: PathError, _: &HttpRequest) -> actix_web::Error {
    ApiError::not_found("resource").into()
}

/// 201 Created with `Location` and `ETag`.
pub fn created<T: serde::Serialize>(location: String, version: i32, body: &T) -> HttpResponse {
    let mut builder = HttpResponse::Created();
    builder.insert_header((actix_web::http::header::LOCATION, location));
    with_etag(builder, version, body)
}

pub use crate::contact::is_space;

/// Trims optional text and turns blank into absent, so "" and "  " are stored as NULL.
/// A printable page holding personal data: HTML that may show only itself and inline images
/// (no script, no fetching), and that no cache keeps.
pub fn private_page(html: String) -> actix_web::HttpResponse {
    actix_web::HttpResponse::Ok()
        .content_type("text/html; charset=utf-8")
        .insert_header(("content-security-policy", "default-src 'none'; img-src data:; style-src 'unsafe-inline'"))
        .insert_header((actix_web::http::header::CACHE_CONTROL, "no-store"))
        .body(html)
}

/// Text made safe to place in HTML, as element content or a quoted attribute value.
pub fn escape_html(text: &str) -> String {
    text.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;").replace('\'', "&#39;")
}

pub fn trimmed(value: Option<String>) -> Option<String> {
    value.map(|v| v.trim().to_owned()).filter(|v| !v.is_empty())
}

/// Collects field errors; `finish` turns any into one 422.
#[derive(Debug, Default)]
pub struct Problems(Vec<FieldError>);

impl Problems {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn add(&mut self, field: impl Into<String>, message: impl Into<String>) {
        self.0.push(FieldError::new(field, message));
    }

    pub fn check(&mut self, ok: bool, field: &str, message: &str) {
        if !ok {
            self.add(field, message);
        }
    }

    /// Trimmed text must be `min..=max` characters long.
    /// Text of at most `max` characters; with `min` ≥ 1 it must also hold something other than
    /// white space (`is_space`). The contract states the same with `maxLength` and a pattern.
    pub fn length(&mut self, field: &str, value: &str, min: usize, max: usize) {
        let n = value.chars().count();
        let blank = value.chars().all(is_space);
        if n > max || n < min || (min > 0 && blank) {
            self.add(field, format!("must be {min} to {max} characters, not only spaces"));
        }
    }

    /// The problems as plain field errors, for rules that must not know about HTTP answers.
    pub fn into_errors(self) -> Result<(), Vec<FieldError>> {
        if self.0.is_empty() { Ok(()) } else { Err(self.0) }
    }

    pub fn finish(self) -> Result<(), ApiError> {
        if self.0.is_empty() { Ok(()) } else { Err(ApiError::validation(self.0)) }
    }
}
