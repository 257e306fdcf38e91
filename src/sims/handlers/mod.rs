//! HTTP handlers of the connectivity slice: batches and their stock (`batches`), allocations to
//! residents (`allocations`) and the stock view (`stock`). The slice's refusals become problems
//! here, in one place.

pub mod allocations;
pub mod batches;
pub mod stock;

use actix_web::http::StatusCode;
use diesel::pg::PgConnection;
use serde_json::Value;

use super::models::{Allocation, Batch};
use super::repo;
use super::rules::Refusal;
use crate::auth::Actor;
use crate::http::ApiError;
use crate::ids::{BatchId, ResidentId};

impl From<Refusal> for ApiError {
    fn from(refusal: Refusal) -> Self {
        match refusal {
            Refusal::BatchNotFound => ApiError::not_found("SIM batch"),
            Refusal::AllocationNotFound => ApiError::not_found("SIM allocation"),
            Refusal::SimLimit { limit } => ApiError::new(
                StatusCode::CONFLICT,
                "sim-limit",
                "SIM limit reached",
                format!("the resident already holds {limit} active SIM allocation(s); end one first"),
            ),
            Refusal::SoldOut => ApiError::conflict("no SIM of that kind is left in stock"),
            Refusal::NotInStock { status } => ApiError::conflict(format!("this SIM is {status}, not in stock"))
                .with_extension("current_status", status.as_str()),
            Refusal::JustTaken => ApiError::conflict("the SIM was just given to someone else"),
            Refusal::AlreadyEnded => ApiError::conflict("this allocation has already ended"),
        }
    }
}

/// The batch, if the actor may see it (staff only at their hubs).
pub fn visible_batch(conn: &mut PgConnection, actor: &Actor, id: BatchId) -> Result<Batch, ApiError> {
    Ok(repo::find_batch(conn, id)?.filter(|b| actor.works_at(b.hub_id)).ok_or(Refusal::BatchNotFound)?)
}

/// The resident's allocations, codes masked, for a subject access export.
pub fn export_section(conn: &mut PgConnection, resident: ResidentId) -> Result<Vec<Value>, ApiError> {
    let rows = repo::of_resident(conn, resident)?;
    let (sims, batches) = repo::sims_and_batches(conn, &rows.iter().map(|a| a.sim_id).collect::<Vec<_>>())?;
    rows.into_iter()
        .filter_map(|row| {
            let sim = sims.get(&row.sim_id)?;
            let batch = batches.get(&sim.batch_id)?;
            Some(serde_json::to_value(Allocation::new(row, sim, batch, false)).map_err(ApiError::internal))
        })
        .collect()
}
