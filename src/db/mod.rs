//! Database access: the r2d2 pool, the `run_blocking` bridge from async handlers to diesel, the
//! embedded migrations, and the private PostgreSQL cluster used when no `DATABASE_URL` is given.

pub mod embedded;
pub mod migrate;
pub mod replica;
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
/// can never hold a request (and its pool slot) indefinitely. The connection also takes the
/// `tech4all_app` role, which row-level security applies to: its statements see only the rows of
/// the scheme `confirm_caller` (or `enter_scheme`) set, and none before one is set.
#[derive(Debug)]
struct SessionLimits {
    statement_timeout_ms: u64,
    lock_timeout_ms: u64,
}

impl CustomizeConnection<PgConnection, diesel::r2d2::Error> for SessionLimits {
    fn on_acquire(&self, conn: &mut PgConnection) -> Result<(), diesel::r2d2::Error> {
        conn.batch_execute(&format!(
            "SET statement_timeout = {}; SET lock_timeout = {}; \
             SET idle_in_transaction_session_timeout = 60000; SET TIME ZONE 'UTC'; \
             SET ROLE tech4all_app",
            self.statement_timeout_ms, self.lock_timeout_ms
        ))
        .map_err(diesel::r2d2::Error::QueryError)
    }
}

/// Builds the pool without connecting eagerly: readiness is reported by `/health/ready`, and an
/// instance started while the database restarts recovers on its own.
pub fn build_pool(url: &str, settings: &Settings) -> Pool {
    builder(settings).test_on_check_out(false).build_unchecked(ConnectionManager::new(url))
}

/// A pool on the streaming replica reports read from. Unlike the primary's, it checks each
/// connection as it is handed out and gives up after half a second, so a replica that has gone
/// away is noticed before a report is run on it, and the report reads from the primary instead.
pub fn build_replica_pool(url: &str, settings: &Settings) -> Pool {
    builder(settings)
        .connection_timeout(Duration::from_millis(500))
        .test_on_check_out(true)
        .build_unchecked(ConnectionManager::new(url))
}

fn builder(settings: &Settings) -> diesel::r2d2::Builder<ConnectionManager<PgConnection>> {
    diesel::r2d2::Pool::builder()
        .max_size(settings.pool_size)
        .min_idle(Some(0))
        .connection_timeout(settings.pool_timeout)
        .idle_timeout(Some(Duration::from_secs(300)))
        .connection_customizer(Box::new(SessionLimits {
            statement_timeout_ms: settings.statement_timeout_ms,
            lock_timeout_ms: settings.lock_timeout_ms,
        }))
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

diesel::define_sql_function! {
    /// The session's scheme (`tech4all.scheme_id`), NULL before one is entered.
    fn current_scheme() -> diesel::sql_types::Nullable<diesel::sql_types::Uuid>;
}

/// Makes `scheme` the session's scheme: what row-level security lets this connection see and what
/// new rows' `scheme_id` defaults to. Requests get theirs from `Principal::actor`; this is for the
/// sign-in steps, the command line, the demo and the first start.
pub fn enter_scheme(conn: &mut PgConnection, scheme: crate::ids::SchemeId) -> diesel::QueryResult<()> {
    use diesel::RunQueryDsl;
    diesel::sql_query("SELECT set_config('tech4all.scheme_id', $1, false)")
        .bind::<diesel::sql_types::Text, _>(scheme.to_string())
        .execute(conn)
        .map(|_| ())
}

/// For a connection opened outside the pool (the command line, the demo, the first start): takes
/// the service's role, so row-level security applies as it does to requests, and enters `scheme`.
pub fn act_in_scheme(conn: &mut PgConnection, scheme: crate::ids::SchemeId) -> diesel::QueryResult<()> {
    conn.batch_execute("SET ROLE tech4all_app")?;
    enter_scheme(conn, scheme)
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
