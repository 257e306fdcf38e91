//! Recycling a device that is beyond economic repair (after any parts were harvested):
//! `POST /api/v1/devices/{id}/recycle` with the disposal record — recycler, waste transfer note,
//! date, weight. Final. Staff recycle what their hub holds; a partner recycles only what its own
//! latest job declared beyond repair.

use actix_web::{HttpResponse, web};
use serde_json::json;

use super::Effects;
use crate::auth::{DEVICE_READERS, Principal, Role};
use crate::devices::models::{Action, Device, Move, Recycle};
use crate::devices::repo::{self, moves};
use crate::devices::rules::{Refusal, fields};
use crate::http::{ApiError, AppState, Json, in_transaction, run_blocking, with_etag};
use crate::ids::DeviceId;

pub async fn recycle(
    state: web::Data<AppState>,
    effects: Effects,
    who: Principal,
    id: web::Path<DeviceId>,
    Json(input): Json<Recycle>,
) -> Result<HttpResponse, ApiError> {
    let today = chrono::Utc::now().date_naive();
    let weight_g = fields::check_disposal(&input, today).map_err(ApiError::validation)?;
    let (id, effects) = (id.into_inner(), effects.into_inner());
    let device = run_blocking(&state.pool, move |conn| {
        let actor = who.actor_in(conn, DEVICE_READERS)?;
        in_transaction(conn, |conn| {
            let device = if actor.role == Role::Partner {
                let device = repo::visible(conn, &actor, id)?;
                if repo::latest_worker(conn, id)? != actor.organisation_id {
                    return Err(Refusal::NotFound.into());
                }
                device
            } else {
                repo::in_custody(conn, &actor, id)?
            };
            fields::recycler(repo::parts_of_organisation(conn, input.recycler_id)?)?;
            let details =
                json!({ "recycler_id": input.recycler_id, "waste_transfer_note": input.waste_transfer_note.trim() });
            let mv = Move::new("recycled").action(Action::Recycle).details(details).ending_transfer();
            let recycled = moves::apply(conn, &*effects, &device, Some(actor.user_id), mv)?;
            repo::insert_disposal(conn, &fields::disposal(&device, input, weight_g, actor.user_id))?;
            Ok(Device::from(recycled))
        })
    })
    .await?;
    Ok(with_etag(HttpResponse::Ok(), device.version, &device))
}
