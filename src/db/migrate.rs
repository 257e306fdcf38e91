//! Embedded migrations, run under a PostgreSQL advisory lock so that several instances starting
//! together apply each migration exactly once while the others wait.

use diesel::pg::PgConnection;
use diesel::prelude::*;
use diesel::sql_types::BigInt;
use diesel_migrations::{EmbeddedMigrations, MigrationHarness, embed_migrations};

pub const MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations");

/// Advisory-lock key shared by every instance ("t4a-migr" as bytes).
const MIGRATION_LOCK: i64 = 0x7434_612d_6d69_6772;

#[derive(Debug, thiserror::Error)]
#[error("database migration failed: {0}")]
pub struct MigrationError(String);

/// Applies pending migrations and returns the versions applied. Holds the advisory lock for the
/// whole run; `then` runs while the lock is still held (used for the first-start bootstrap).
pub fn run_locked<T>(
    conn: &mut PgConnection,
    then: impl FnOnce(&mut PgConnection) -> Result<T, MigrationError>,
) -> Result<(Vec<String>, T), MigrationError> {
    diesel::select(diesel::dsl::sql::<BigInt>("1::bigint"))
        .execute(conn)
        .map_err(|e| MigrationError(format!("cannot reach the database: {e}")))?;
    diesel::sql_query("SELECT pg_advisory_lock($1)")
        .bind::<BigInt, _>(MIGRATION_LOCK)
        .execute(conn)
        .map_err(|e| MigrationError(e.to_string()))?;
    let outcome = conn
        .run_pending_migrations(MIGRATIONS)
        .map(|versions| versions.iter().map(|v| v.to_string()).collect::<Vec<_>>())
        .map_err(|e| MigrationError(e.to_string()))
        .and_then(|applied| then(conn).map(|t| (applied, t)));
    let unlock = diesel::sql_query("SELECT pg_advisory_unlock($1)").bind::<BigInt, _>(MIGRATION_LOCK).execute(conn);
    let result = outcome?;
    unlock.map_err(|e| MigrationError(e.to_string()))?;
    Ok(result)
}

impl From<String> for MigrationError {
    fn from(value: String) -> Self {
        Self(value)
    }
}
