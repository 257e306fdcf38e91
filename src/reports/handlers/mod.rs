//! HTTP handlers of the reports: sustainability (`sustainability`), distribution (`distribution`),
//! exclusion risk (`exclusion`) and the charts drawn from the first two (`chart`). Each parses its
//! query, checks the caller may read reports, reads through the repo and leaves the sums to the
//! rules. The slice's refusals become problems here, in one place.

pub mod chart;
pub mod distribution;
pub mod exclusion;
pub mod sustainability;

use diesel::pg::PgConnection;

use actix_web::web;

use super::repo;
use super::rules::{Refusal, network};
use crate::auth::{Actor, Principal, REPORT_READERS, Role};
use crate::http::{ApiError, AppState, run_blocking};

/// Confirms the caller may read reports, then runs `read` where reports read: in the same round
/// trip on the primary, or — while a streaming replica keeps up — on the replica, in the caller's
/// scheme, after the token was confirmed on the primary (so a disabled account is refused at once).
pub async fn reading<T, F>(state: &web::Data<AppState>, who: Principal, read: F) -> Result<T, ApiError>
where
    F: Fn(&mut PgConnection, &Actor) -> Result<T, ApiError> + Send + Sync + 'static,
    T: Send + 'static,
{
    if !state.reads.replica_in_use() {
        return run_blocking(&state.pool, move |conn| {
            let actor = who.actor_in(conn, REPORT_READERS)?;
            read(conn, &actor)
        })
        .await;
    }
    let actor = run_blocking(&state.pool, move |conn| who.actor_in(conn, REPORT_READERS)).await?;
    state
        .reads
        .run(move |conn| {
            crate::db::enter_scheme(conn, actor.scheme_id)?;
            read(conn, &actor)
        })
        .await
}

/// Runs `read` in each scheme the report covers — the caller's own, or those `schemes` names that
/// were granted to them — and returns every scheme's rows together, back in the caller's scheme.
/// A report of the caller's own scheme costs nothing more than before.
pub fn across<T>(
    conn: &mut PgConnection,
    actor: &Actor,
    schemes: Option<&str>,
    mut read: impl FnMut(&mut PgConnection) -> Result<Vec<T>, ApiError>,
) -> Result<Vec<T>, ApiError> {
    let granted = match (schemes, actor.role) {
        (Some(_), Role::Reporter) => repo::granted_schemes(conn, actor.user_id)?,
        _ => Vec::new(),
    };
    let covered = network::covered(schemes, actor.scheme_id, &granted)?;
    if covered == [actor.scheme_id] {
        return read(conn);
    }
    let mut rows = Vec::new();
    for scheme in covered {
        crate::db::enter_scheme(conn, scheme)?;
        rows.extend(read(conn)?);
    }
    crate::db::enter_scheme(conn, actor.scheme_id)?;
    Ok(rows)
}

impl From<Refusal> for ApiError {
    fn from(refusal: Refusal) -> Self {
        match refusal {
            Refusal::BadQuery { field, message } => bad_query(field, message),
            Refusal::UnknownFactorSet => ApiError::unknown_reference("factor_set"),
            Refusal::UnknownScheme => ApiError::unknown_reference("schemes"),
        }
    }
}

/// 400 for a query parameter that cannot be used, naming it.
pub fn bad_query(field: &str, message: String) -> ApiError {
    ApiError::invalid_query(format!("{field}: {message}"), field, message)
}
