//! Who sees which device. Admins see every device; hub staff see devices at their hubs and those
//! travelling to them; partners (from the refurbishment slice) see devices assigned to their
//! organisation. Anything else is 404, so ids leak nothing.

use diesel::pg::PgConnection;
use uuid::Uuid;

use super::models::DeviceRow;
use super::repo;
use crate::auth::{Actor, Role};
use crate::http::ApiError;

pub fn can_see(actor: &Actor, device: &DeviceRow) -> bool {
    match actor.role {
        Role::Admin => true,
        Role::HubStaff => {
            device.hub_id.is_some_and(|h| actor.hub_ids.contains(&h))
                || device.transfer_to_hub_id.is_some_and(|h| actor.hub_ids.contains(&h))
        }
        Role::Partner | Role::Reporter => false,
    }
}

/// The device if the actor may see it, else 404. Partners see devices their organisation has
/// been given to refurbish.
pub fn visible(conn: &mut PgConnection, actor: &Actor, id: Uuid) -> Result<DeviceRow, ApiError> {
    let device = repo::find(conn, id)?.ok_or_else(|| ApiError::not_found("device"))?;
    let allowed = match (actor.role, actor.organisation_id) {
        (Role::Partner, Some(org)) => crate::refurbishment::repo::assigned_to(conn, id, org)?,
        _ => can_see(actor, &device),
    };
    if allowed { Ok(device) } else { Err(ApiError::not_found("device")) }
}

/// The device if the actor holds it: admins, or staff of the hub it is at (not merely travelling to).
pub fn in_custody(conn: &mut PgConnection, actor: &Actor, id: Uuid) -> Result<DeviceRow, ApiError> {
    let device = visible(conn, actor, id)?;
    if actor.is_admin() || device.hub_id.is_some_and(|h| actor.hub_ids.contains(&h)) {
        Ok(device)
    } else {
        Err(ApiError::conflict("the device is on its way to your hub; receive it first"))
    }
}

/// A device about to be handed to a resident (`Sell`, `Lend`): held at the caller's hub (404
/// naming `device_id` otherwise), not travelling, and in a status that allows `action`. Returns
/// the device and its hub.
pub fn for_hand_over(
    conn: &mut PgConnection,
    actor: &Actor,
    id: Uuid,
    action: super::lifecycle::Action,
) -> Result<(DeviceRow, Uuid), ApiError> {
    let device = in_custody(conn, actor, id)
        .map_err(|e| if e.status.as_u16() == 404 { ApiError::unknown_reference("device_id") } else { e })?;
    super::lifecycle::next(device.status, action).map_err(super::moves::illegal)?;
    if device.transfer_to_hub_id.is_some() {
        return Err(ApiError::conflict("the device is in transit between hubs"));
    }
    let hub = device.hub_id.ok_or_else(|| ApiError::conflict("the device is not at a hub"))?;
    Ok((device, hub))
}
