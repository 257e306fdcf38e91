//! UK GDPR rights: the subject access export, erasure (personal fields removed, the surrogate id
//! and the ward and eligibility category kept so history and aggregate figures stay whole), and
//! the retention rule that erases residents with no activity for the configured period.

use chrono::{DateTime, Utc};
use diesel::pg::PgConnection;
use diesel::prelude::*;
use serde::Serialize;
use serde_json::Value;
use uuid::Uuid;

use super::models::Resident;
use super::repo;
use crate::db::schema::residents;
use crate::http::ApiError;

/// Everything held about a resident.
#[derive(Debug, Serialize)]
pub struct Export {
    pub generated_at: DateTime<Utc>,
    pub resident: Resident,
    pub sales: Vec<Value>,
    pub loans: Vec<Value>,
    pub sim_allocations: Vec<Value>,
    pub holds: Vec<Value>,
}

pub fn export(conn: &mut PgConnection, id: Uuid) -> Result<Export, ApiError> {
    let row = repo::find(conn, id)?.ok_or_else(|| ApiError::not_found("resident"))?;
    let sales = crate::sales::repo::of_resident(conn, id)?
        .into_iter()
        .map(|s| serde_json::to_value(crate::sales::models::Sale::from(s)).unwrap_or(Value::Null))
        .collect();
    Ok(Export {
        generated_at: Utc::now(),
        resident: Resident::from(row),
        sales,
        loans: crate::loans::repo::of_resident(conn, id)?
            .into_iter()
            .map(|l| serde_json::to_value(crate::loans::models::Loan::new(l, Utc::now())).unwrap_or(Value::Null))
            .collect(),
        sim_allocations: crate::sims::allocations::of_resident(conn, id)?
            .into_iter()
            .map(|a| serde_json::to_value(a).unwrap_or(Value::Null))
            .collect(),
        holds: crate::loans::repo::holds_of_resident(conn, id)?
            .into_iter()
            .map(|h| serde_json::to_value(h).unwrap_or(Value::Null))
            .collect(),
    })
}

/// Removes every personal field. Erasing an erased resident changes nothing (idempotent).
pub fn erase(conn: &mut PgConnection, id: Uuid) -> Result<Resident, ApiError> {
    let row = repo::find(conn, id)?.ok_or_else(|| ApiError::not_found("resident"))?;
    if row.erased_at.is_some() {
        return Ok(Resident::from(row));
    }
    let erased = diesel::update(residents::table.find(id).filter(residents::erased_at.is_null()))
        .set((
            residents::name.eq(None::<String>),
            residents::phone.eq(None::<String>),
            residents::email.eq(None::<String>),
            residents::postcode.eq(None::<String>),
            residents::contact_consent.eq(false),
            residents::erased_at.eq(Utc::now()),
            residents::version.eq(residents::version + 1),
            residents::updated_at.eq(Utc::now()),
        ))
        .execute(conn)?;
    if erased == 1 {
        tracing::info!(resident_id = %id, "resident erased");
    }
    let row = repo::find(conn, id)?.ok_or_else(|| ApiError::not_found("resident"))?;
    Ok(Resident::from(row))
}

/// Residents not erased, with no activity since `months` ago.
pub fn due_for_erasure(conn: &mut PgConnection, months: u32) -> QueryResult<Vec<Uuid>> {
    let cutoff = Utc::now() - chrono::Months::new(months);
    residents::table
        .filter(residents::erased_at.is_null())
        .filter(residents::last_activity_at.lt(cutoff))
        .select(residents::id)
        .order(residents::id)
        .load(conn)
}

/// Applies the retention rule; returns how many residents were erased.
pub fn apply_retention(conn: &mut PgConnection, months: u32) -> Result<usize, ApiError> {
    let due = due_for_erasure(conn, months)?;
    for id in &due {
        erase(conn, *id)?;
    }
    Ok(due.len())
}
