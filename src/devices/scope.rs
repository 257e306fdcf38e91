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
