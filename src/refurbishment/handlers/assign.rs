//! Assigning devices to a refurbisher: one device, a list, or every received device of a donation.
//! One job per device, all or nothing; the device moves to awaiting_refurbishment in the same
//! transaction, and the partial unique index guarantees at most one open job per device.

use actix_web::{HttpResponse, web};
use diesel::pg::PgConnection;
use serde_json::json;

use super::super::models::{AssignJobs, Assigned};
use crate::auth::{Actor, Principal, STAFF};
use crate::devices::handlers::Effects;
use crate::devices::models::{Action, DeviceRow, Move};
use crate::devices::repo::{DeviceError, moves};
use crate::http::{ApiError, AppState, Json, in_transaction, run_blocking};
use crate::organisations::models::OrganisationRole;
use crate::organisations::rules::require_part;
use crate::refurbishment::repo;
use crate::refurbishment::rules::{self, Refusal};

/// The devices to assign, each checked: visible to the actor, in its custody and not travelling.
fn devices_for(conn: &mut PgConnection, actor: &Actor, input: &AssignJobs) -> Result<Vec<DeviceRow>, ApiError> {
    if let Some(donation) = input.donation_id {
        crate::donations::repo::find(conn, donation)?
            .filter(|d| actor.works_at(d.hub_id))
            .ok_or_else(|| ApiError::unknown_reference("donation_id"))?;
        let rows: Vec<DeviceRow> =
            repo::received_devices_of(conn, donation)?.into_iter().filter(|d| rules::assignable(actor, d)).collect();
        return if rows.is_empty() { Err(Refusal::NothingToAssign.into()) } else { Ok(rows) };
    }
    let mut rows = Vec::with_capacity(input.device_ids.len());
    let mut problems = Vec::new();
    for (i, id) in input.device_ids.iter().enumerate() {
        match crate::devices::repo::visible(conn, actor, *id) {
            Ok(d) => match rules::unavailable(actor, i, &d) {
                Some(problem) => problems.push(problem),
                None => rows.push(d),
            },
            Err(DeviceError::Query(e)) => return Err(e.into()),
            Err(_) => {
                let detail = format!("device_ids[{i}] refers to a device that does not exist");
                return Err(ApiError::unknown_reference(&format!("device_ids[{i}]")).with_detail(detail));
            }
        }
    }
    if problems.is_empty() { Ok(rows) } else { Err(Refusal::DevicesUnavailable(problems).into()) }
}

pub async fn assign(
    state: web::Data<AppState>,
    effects: Effects,
    who: Principal,
    Json(input): Json<AssignJobs>,
) -> Result<HttpResponse, ApiError> {
    rules::check_assign(&input).map_err(ApiError::validation)?;
    let effects = effects.into_inner();
    let items = run_blocking(&state.pool, move |conn| {
        let actor = who.actor_in(conn, STAFF)?;
        let refurbisher = crate::organisations::repo::find(conn, input.refurbisher_id)?
            .ok_or_else(|| ApiError::unknown_reference("refurbisher_id"))?;
        require_part(&refurbisher, OrganisationRole::Refurbisher, "refurbisher_id")?;
        in_transaction(conn, |conn| {
            let mut jobs = Vec::new();
            for device in devices_for(conn, &actor, &input)? {
                let notes = crate::http::trimmed(input.notes.clone());
                let job = repo::insert_job(conn, &device, refurbisher.id, actor.user_id, notes)?;
                let details = json!({ "job_id": job.id, "refurbisher_id": refurbisher.id });
                let mv =
                    Move::new("assigned_for_refurbishment").action(Action::AssignForRefurbishment).details(details);
                moves::apply(conn, &*effects, &device, Some(actor.user_id), mv)?;
                jobs.push(job);
            }
            Ok(repo::views(conn, jobs)?)
        })
    })
    .await?;
    Ok(HttpResponse::Created().json(Assigned { items }))
}
