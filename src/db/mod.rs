//! Database access: the r2d2 pool, the `run_blocking` bridge from async handlers to diesel, the
//! embedded migrations, and the private PostgreSQL cluster used when no `DATABASE_URL` is given.

pub mod embedded;
pub mod migrate;
pub mod schema;
mod text_enum;

use std::time::Duration;

use diesel::connection::SimpleConnection;
use diesel::pg::PgConnection;
use diesel::r2d2::{ConnectionManager, CustomizeConnection};

use crate::config::Settings;

pub type Pool = diesel::r2d2::Pool<ConnectionManager<PgConnection>>;
pub type PooledConnection = diesel::r2d2::PooledConnection<ConnectionManager<PgConnection>>;

/// Session settings applied to every pooled connection, so one slow query or a held row lock
/// can never hold a request (and its pool slot) indefinitely.
#[derive(Debug)]
struct SessionLimits {
    statement_timeout_ms: u64,
    lock_timeout_ms: u64,
}

impl CustomizeConnection<PgConnection, diesel::r2d2::Error> for SessionLimits {
    fn on_acquire(&self, conn: &mut PgConnection) -> Result<(), diesel::r2d2::Error> {
        conn.batch_execute(&format!(
            "SET statement_timeout = {}; SET lock_timeout = {}; \
             SET idle_in_transaction_session_timeout = 60000; SET TIME ZONE 'UTC'",
            self.statement_timeout_ms, self.lock_timeout_ms
        ))
        .map_err(diesel::r2d2::Error::QueryError)
    }
}

/// Builds the pool without connecting eagerly: readiness is reported by `/health/ready`, and an
/// instance started while the database restarts recovers on its own.
pub fn build_pool(url: &str, settings: &Settings) -> Pool {
    diesel::r2d2::Pool::builder()
        .max_size(settings.pool_size)
        .min_idle(Some(0))
        .connection_timeout(settings.pool_timeout)
        .idle_timeout(Some(Duration::from_secs(300)))
        .test_on_check_out(false)
        .connection_customizer(Box::new(SessionLimits {
            statement_timeout_ms: settings.statement_timeout_ms,
            lock_timeout_ms: settings.lock_timeout_ms,
        }))
        .build_unchecked(ConnectionManager::new(url))
}

/// What the database layer itself can fail with, apart from a query's own error (which callers
/// get as `diesel::result::Error`). The HTTP layer turns both into problems.
#[derive(Debug, thiserror::Error)]
pub enum DbError {
    /// No pooled connection could be had in time: the database is down or saturated.
    #[error("no database connection available: {0}")]
    Unavailable(String),
    /// The blocking task running the work was cancelled or panicked.
    #[error("the database task did not finish: {0}")]
    TaskFailed(String),
}

/// Runs one request's database work on the blocking thread pool, on one pooled connection, inside
/// the caller's tracing span. The work's error type only has to take in a `DbError`.
pub async fn run_blocking<T, E, F>(pool: &Pool, work: F) -> Result<T, E>
where
    F: FnOnce(&mut PgConnection) -> Result<T, E> + Send + 'static,
    T: Send + 'static,
    E: From<DbError> + Send + 'static,
{
    let pool = pool.clone();
    let span = tracing::Span::current();
    actix_web::web::block(move || {
        let _entered = span.enter();
        let mut conn = pool.get().map_err(|e| {
            tracing::warn!(error = %e, "no database connection available");
            E::from(DbError::Unavailable(e.to_string()))
        })?;
        work(&mut conn)
    })
    .await
    .map_err(|e| E::from(DbError::TaskFailed(e.to_string())))?
}

/// Runs `work` in a transaction; the shape every multi-row write takes.
pub fn in_transaction<T, E: From<diesel::result::Error>>(
    conn: &mut PgConnection,
    work: impl FnOnce(&mut PgConnection) -> Result<T, E>,
) -> Result<T, E> {
    use diesel::Connection;
    conn.transaction(work)
}

/// A new time-ordered id (UUID v7), so primary-key order is creation order.
pub fn new_id() -> uuid::Uuid {
    uuid::Uuid::now_v7()
}

/// Escapes `%`, `_` and `\` so user text is matched literally inside a LIKE pattern.
pub fn like_escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if matches!(c, '%' | '_' | '\\') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}
