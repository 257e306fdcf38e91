//! Custody moves hub staff make directly: transfer to another hub (the device is in transit until
//! the receiving hub confirms it), receive a transfer, and mark a device lost.

use actix_web::{HttpResponse, web};
use serde::Deserialize;
use serde_json::json;
use uuid::Uuid;

use super::handlers::STAFF;
use super::lifecycle::Action;
use super::models::Device;
use super::moves::{self, Move};
use super::scope;
use crate::AppState;
use crate::auth::Principal;
use crate::db::{in_transaction, run_blocking};
use crate::http::{ApiError, Json, Problems};

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Transfer {
    pub to_hub_id: Uuid,
    pub note: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MarkLost {
    pub note: String,
}

fn ok(device: Device) -> HttpResponse {
    crate::http::with_etag(HttpResponse::Ok(), device.version, &device)
}

/// Starts a transfer from the device's hub to another active hub.
pub async fn transfer(
    state: web::Data<AppState>,
    who: Principal,
    id: web::Path<Uuid>,
    Json(input): Json<Transfer>,
) -> Result<HttpResponse, ApiError> {
    let mut problems = Problems::new();
    if let Some(note) = &input.note {
        problems.length("note", note, 0, 2000);
    }
    problems.finish()?;
    let id = id.into_inner();
    let device = run_blocking(&state.pool, move |conn| {
        let actor = who.actor_in(conn, STAFF)?;
        in_transaction(conn, |conn| {
            let device = scope::in_custody(conn, &actor, id)?;
            if crate::refurbishment::repo::open_job_of(conn, id)?.is_some() {
                return Err(ApiError::conflict("the device has an open refurbishment job; finish or cancel it first"));
            }
            if let Some(to) = device.transfer_to_hub_id {
                return Err(ApiError::conflict(format!("the device is already on its way to hub {to}")));
            }
            if !device.status.is_in_stock() {
                return Err(ApiError::conflict(format!(
                    "a device that is {} cannot be transferred; only received, awaiting_refurbishment, ready or beyond_repair devices can",
                    device.status
                ))
                .with_extension("current_status", device.status.as_str()));
            }
            let to = crate::hubs::repo::find(conn, input.to_hub_id)?.ok_or_else(|| ApiError::unknown_reference("to_hub_id"))?;
            if !to.active {
                return Err(ApiError::conflict("to_hub_id: the hub is no longer active"));
            }
            if device.hub_id == Some(to.id) {
                return Err(ApiError::conflict("to_hub_id: the device is already at this hub"));
            }
            let mut mv = Move::new("transfer_started").details(json!({ "to_hub_id": to.id, "note": input.note }));
            mv.transfer_to_hub_id = Some(Some(to.id));
            mv.heading_to = Some(to.id);
            moves::apply(conn, &device, Some(actor.user_id), mv)
        })
    })
    .await?;
    Ok(ok(Device::from(device)))
}

/// The receiving hub confirms a transfer; the device is then in its custody.
pub async fn receive(
    state: web::Data<AppState>,
    who: Principal,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let device = run_blocking(&state.pool, move |conn| {
        let actor = who.actor_in(conn, STAFF)?;
        in_transaction(conn, |conn| {
            let device = scope::visible(conn, &actor, id)?;
            let Some(to) = device.transfer_to_hub_id else {
                return Err(ApiError::conflict("the device is not in transit"));
            };
            if !actor.works_at(to) {
                return Err(ApiError::conflict("only the hub the device is travelling to can receive it"));
            }
            let mut mv = Move::new("transfer_received").details(json!({ "from_hub_id": device.hub_id }));
            mv.hub_id = Some(Some(to));
            mv.transfer_to_hub_id = Some(None);
            moves::apply(conn, &device, Some(actor.user_id), mv)
        })
    })
    .await?;
    Ok(ok(Device::from(device)))
}

/// Marks a device lost, with a note saying what happened. Final.
pub async fn mark_lost(
    state: web::Data<AppState>,
    who: Principal,
    id: web::Path<Uuid>,
    Json(input): Json<MarkLost>,
) -> Result<HttpResponse, ApiError> {
    let mut problems = Problems::new();
    problems.length("note", &input.note, 1, 2000);
    problems.finish()?;
    let id = id.into_inner();
    let device = run_blocking(&state.pool, move |conn| {
        let actor = who.actor_in(conn, STAFF)?;
        in_transaction(conn, |conn| {
            // Lost in transit counts too: either end of the journey may report it.
            let device = scope::visible(conn, &actor, id)?;
            // Loans and holds have their own ways to end, which keep the resident's record right.
            match device.status {
                super::lifecycle::DeviceStatus::OnLoan => {
                    return Err(ApiError::conflict(
                        "the device is on loan: write the loan off with POST /api/v1/loans/{id}/mark-lost",
                    )
                    .with_extension("current_status", device.status.as_str()));
                }
                super::lifecycle::DeviceStatus::Reserved => {
                    return Err(ApiError::conflict("the device is reserved for a hold: cancel the hold first")
                        .with_extension("current_status", device.status.as_str()));
                }
                _ => {}
            }
            // A device lost during refurbishment ends its open job.
            if let Some(job) = crate::refurbishment::repo::open_job_of(conn, id)? {
                let changes = crate::refurbishment::jobs::JobChanges {
                    status: Some(crate::refurbishment::rules::JobStatus::Cancelled),
                    finished_at: Some(chrono::Utc::now()),
                    ..Default::default()
                };
                crate::refurbishment::jobs::update(conn, &job, changes)?;
            }
            let mut mv =
                Move::new("marked_lost").action(Action::MarkLost).details(json!({ "note": input.note.trim() }));
            mv.transfer_to_hub_id = Some(None);
            moves::apply(conn, &device, Some(actor.user_id), mv)
        })
    })
    .await?;
    Ok(ok(Device::from(device)))
}
