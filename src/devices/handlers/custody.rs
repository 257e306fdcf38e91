//! Custody moves hub staff make directly: transfer to another hub (the device is in transit until
//! the receiving hub confirms it), receive a transfer, and mark a device lost.

use actix_web::{HttpResponse, web};
use serde_json::json;

use super::Effects;
use crate::auth::{Principal, STAFF};
use crate::devices::models::{Action, Device, MarkLost, Move, Transfer};
use crate::devices::repo::{self, moves};
use crate::devices::rules::custody;
use crate::http::{ApiError, AppState, Json, Problems, in_transaction, run_blocking, with_etag};
use crate::ids::DeviceId;

fn ok(device: Device) -> HttpResponse {
    with_etag(HttpResponse::Ok(), device.version, &device)
}

/// Starts a transfer from the device's hub to another active hub.
pub async fn transfer(
    state: web::Data<AppState>,
    effects: Effects,
    who: Principal,
    id: web::Path<DeviceId>,
    Json(input): Json<Transfer>,
) -> Result<HttpResponse, ApiError> {
    let mut problems = Problems::new();
    if let Some(note) = &input.note {
        problems.length("note", note, 0, 2000);
    }
    problems.finish()?;
    let (id, effects) = (id.into_inner(), effects.into_inner());
    let device = run_blocking(&state.pool, move |conn| {
        let actor = who.actor_in(conn, STAFF)?;
        in_transaction(conn, |conn| {
            let device = repo::in_custody(conn, &actor, id)?;
            custody::may_travel(&device, repo::has_open_job(conn, id)?)?;
            let to = crate::hubs::repo::find(conn, input.to_hub_id)?
                .ok_or_else(|| ApiError::unknown_reference("to_hub_id"))?;
            custody::destination(&device, to.id, to.active)?;
            let mut mv = Move::new("transfer_started").details(json!({ "to_hub_id": to.id, "note": input.note }));
            mv.transfer_to_hub_id = Some(Some(to.id));
            mv.heading_to = Some(to.id);
            Ok(moves::apply(conn, &*effects, &device, Some(actor.user_id), mv)?)
        })
    })
    .await?;
    Ok(ok(Device::from(device)))
}

/// The receiving hub confirms a transfer; the device is then in its custody.
pub async fn receive(
    state: web::Data<AppState>,
    effects: Effects,
    who: Principal,
    id: web::Path<DeviceId>,
) -> Result<HttpResponse, ApiError> {
    let (id, effects) = (id.into_inner(), effects.into_inner());
    let device = run_blocking(&state.pool, move |conn| {
        let actor = who.actor_in(conn, STAFF)?;
        in_transaction(conn, |conn| {
            let device = repo::visible(conn, &actor, id)?;
            let to = custody::receive(&actor, &device)?;
            let mv = Move::new("transfer_received").details(json!({ "from_hub_id": device.hub_id })).to_hub(to);
            Ok(moves::apply(conn, &*effects, &device, Some(actor.user_id), mv.ending_transfer())?)
        })
    })
    .await?;
    Ok(ok(Device::from(device)))
}

/// Marks a device lost, with a note saying what happened. Final. Lost in transit counts too:
/// either end of the journey may report it.
pub async fn mark_lost(
    state: web::Data<AppState>,
    effects: Effects,
    who: Principal,
    id: web::Path<DeviceId>,
    Json(input): Json<MarkLost>,
) -> Result<HttpResponse, ApiError> {
    let mut problems = Problems::new();
    problems.length("note", &input.note, 1, 2000);
    problems.finish()?;
    let (id, effects) = (id.into_inner(), effects.into_inner());
    let device = run_blocking(&state.pool, move |conn| {
        let actor = who.actor_in(conn, STAFF)?;
        in_transaction(conn, |conn| {
            let device = repo::visible(conn, &actor, id)?;
            custody::mark_lost(&device)?;
            let mv = Move::new("marked_lost").action(Action::MarkLost).details(json!({ "note": input.note.trim() }));
            Ok(moves::apply(conn, &*effects, &device, Some(actor.user_id), mv.ending_transfer())?)
        })
    })
    .await?;
    Ok(ok(Device::from(device)))
}
