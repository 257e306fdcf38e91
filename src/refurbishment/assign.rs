//! Assigning devices to a refurbisher: one device, a list, or every received device of a donation.
//! One job per device, all or nothing; the device moves to awaiting_refurbishment in the same
//! transaction, and the partial unique index guarantees at most one open job per device.

use actix_web::{HttpResponse, web};
use diesel::pg::PgConnection;
use diesel::prelude::*;
use serde_json::json;

use super::jobs;
use super::models::{AssignJobs, Assigned, JobRow};
use crate::AppState;
use crate::auth::{Actor, Principal, Role};
use crate::db::schema::{devices, refurbishment_jobs};
use crate::db::{in_transaction, new_id, run_blocking};
use crate::devices::lifecycle::{Action, DeviceStatus};
use crate::devices::models::DeviceRow;
use crate::devices::moves::{self, Move};
use crate::http::{ApiError, FieldError, Json, Problems};
use crate::organisations::models::OrganisationRole;

pub const MAX_DEVICES: usize = 1000;

/// An organisation named for a part it does not play: a conflict with what is on record about it
/// (an admin can add the part), not a malformed request.
pub fn wrong_part(field: &str, part: &str) -> ApiError {
    let mut e = ApiError::conflict(format!("{field}: this organisation is not recorded as {part}"));
    e.errors = vec![crate::http::FieldError::new(field, format!("is not recorded as {part}"))];
    e
}

/// The devices to assign, each checked: visible to the actor, in its custody and not travelling.
fn devices_for(conn: &mut PgConnection, actor: &Actor, input: &AssignJobs) -> Result<Vec<DeviceRow>, ApiError> {
    if let Some(donation) = input.donation_id {
        crate::donations::repo::find(conn, donation)?
            .filter(|d| actor.works_at(d.hub_id))
            .ok_or_else(|| ApiError::unknown_reference("donation_id"))?;
        let rows: Vec<DeviceRow> = devices::table
            .filter(devices::donation_id.eq(donation))
            .filter(devices::status.eq(DeviceStatus::Received))
            .filter(devices::transfer_to_hub_id.is_null())
            .select(DeviceRow::as_select())
            .order(devices::id)
            .load(conn)?
            .into_iter()
            // Devices of the donation since moved to another hub are that hub's to assign.
            .filter(|d| actor.is_admin() || d.hub_id.is_some_and(|h| actor.hub_ids.contains(&h)))
            .collect();
        if rows.is_empty() {
            return Err(ApiError::conflict("the donation has no received devices waiting for refurbishment"));
        }
        return Ok(rows);
    }
    let mut rows = Vec::with_capacity(input.device_ids.len());
    let mut problems = Vec::new();
    for (i, id) in input.device_ids.iter().enumerate() {
        match crate::devices::scope::visible(conn, actor, *id) {
            Ok(d) if d.transfer_to_hub_id.is_some() => {
                problems.push(FieldError::new(format!("device_ids[{i}]"), "the device is in transit between hubs"))
            }
            Ok(d) if !(actor.is_admin() || d.hub_id.is_some_and(|h| actor.hub_ids.contains(&h))) => {
                problems.push(FieldError::new(format!("device_ids[{i}]"), "the device is not at your hub"))
            }
            Ok(d) => rows.push(d),
            Err(_) => {
                let mut e = ApiError::unknown_reference(&format!("device_ids[{i}]"));
                e.detail = format!("device_ids[{i}] refers to a device that does not exist");
                return Err(e);
            }
        }
    }
    if problems.is_empty() {
        Ok(rows)
    } else {
        let mut e = ApiError::conflict("some devices cannot be assigned now; nothing was assigned");
        e.errors = problems;
        Err(e)
    }
}

pub async fn assign(
    state: web::Data<AppState>,
    who: Principal,
    Json(input): Json<AssignJobs>,
) -> Result<HttpResponse, ApiError> {
    let mut problems = Problems::new();
    match (input.device_ids.len(), input.donation_id) {
        (0, None) => problems.add("device_ids", "name the devices, or a donation_id"),
        (n, Some(_)) if n > 0 => problems.add("donation_id", "give device_ids or a donation_id, not both"),
        (n, _) if n > MAX_DEVICES => problems.add("device_ids", format!("at most {MAX_DEVICES} devices at once")),
        _ => {}
    }
    let mut seen = std::collections::HashSet::new();
    if input.device_ids.iter().any(|id| !seen.insert(*id)) {
        problems.add("device_ids", "lists a device more than once");
    }
    if let Some(notes) = &input.notes {
        problems.length("notes", notes, 0, 2000);
    }
    problems.finish()?;
    let items = run_blocking(&state.pool, move |conn| {
        let actor = who.actor_in(conn, &[Role::Admin, Role::HubStaff])?;
        let refurbisher = crate::organisations::repo::find(conn, input.refurbisher_id)?
            .ok_or_else(|| ApiError::unknown_reference("refurbisher_id"))?;
        if !refurbisher.plays(OrganisationRole::Refurbisher) {
            return Err(wrong_part("refurbisher_id", "a refurbisher"));
        }
        in_transaction(conn, |conn| {
            let devices = devices_for(conn, &actor, &input)?;
            let mut rows = Vec::with_capacity(devices.len());
            for device in &devices {
                let job: JobRow = diesel::insert_into(refurbishment_jobs::table)
                    .values((
                        refurbishment_jobs::id.eq(new_id()),
                        refurbishment_jobs::device_id.eq(device.id),
                        refurbishment_jobs::refurbisher_id.eq(refurbisher.id),
                        refurbishment_jobs::assigned_by.eq(actor.user_id),
                        refurbishment_jobs::return_hub_id.eq(device.hub_id),
                        refurbishment_jobs::notes.eq(crate::http::trimmed(input.notes.clone())),
                    ))
                    .returning(JobRow::as_returning())
                    .get_result(conn)?;
                let mv = Move::new("assigned_for_refurbishment")
                    .action(Action::AssignForRefurbishment)
                    .details(json!({ "job_id": job.id, "refurbisher_id": refurbisher.id }));
                moves::apply(conn, device, Some(actor.user_id), mv)?;
                rows.push(job);
            }
            jobs::views(conn, rows)
        })
    })
    .await?;
    Ok(HttpResponse::Created().json(Assigned { items }))
}
