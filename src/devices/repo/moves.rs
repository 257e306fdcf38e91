//! Moving a device: a status change (through the lifecycle), a change of custody, or both. Every
//! move is one conditional UPDATE on the version that was read, plus its history event, in the
//! caller's transaction — so of two concurrent moves of one device exactly one succeeds and the
//! other is refused, naming the device's status now.
//!
//! A move can matter elsewhere: a device that stops being ready at its hub leaves any pop-up
//! session it was set aside for; a device sold, lent or recycled is counted in the impact ledger;
//! a device that becomes ready is offered to the next person waiting; a device lost during
//! refurbishment ends its job. Inventory knows nothing of that work, so it asks `Effects`, a port
//! the application fills (`crate::handover`). Every move goes through `apply`, which calls it in
//! the same transaction, so no path — sale, loan, return, refund, recycling, transfer — skips it.

use chrono::{DateTime, Utc};
use diesel::pg::PgConnection;
use diesel::prelude::*;

use super::{DeviceError, find, history};
use crate::db::schema::devices;
use crate::devices::models::{Action, Change, DeviceRow, DeviceStatus, Move};
use crate::devices::rules::{Refusal, lifecycle};
use crate::http::ApiError;
use crate::ids::{HubId, UserId};

/// What a device's move causes in the rest of the scheme, done in the move's own transaction.
pub trait Effects: Send + Sync + 'static {
    /// Called once the move is made and recorded. Returns the device as the effects left it (a
    /// device offered to a hold comes back reserved).
    fn moved(
        &self,
        conn: &mut PgConnection,
        before: &DeviceRow,
        after: DeviceRow,
        mv: &Move,
        actor: Option<UserId>,
    ) -> Result<DeviceRow, ApiError>;
}

#[derive(AsChangeset)]
#[diesel(table_name = devices)]
struct MoveChanges {
    status: Option<DeviceStatus>,
    hub_id: Option<Option<HubId>>,
    transfer_to_hub_id: Option<Option<HubId>>,
    /// Set by the database at a hand-over; a move that happened earlier (the demo's history) says when.
    handed_over_at: Option<DateTime<Utc>>,
}

/// Applies `mv` to `device` (as read by the caller), records it in the device's history, and lets
/// `effects` do what the move causes elsewhere.
pub fn apply(
    conn: &mut PgConnection,
    effects: &dyn Effects,
    device: &DeviceRow,
    actor: Option<UserId>,
    mv: Move,
) -> Result<DeviceRow, DeviceError> {
    let status = mv.action.map(|a| lifecycle::next(device.status, a)).transpose().map_err(Refusal::Illegal)?;
    let handed_over_at = mv.at.filter(|_| matches!(mv.action, Some(Action::Lend | Action::Sell)));
    let changes = MoveChanges { status, hub_id: mv.hub_id, transfer_to_hub_id: mv.transfer_to_hub_id, handed_over_at };
    let updated =
        diesel::update(devices::table.filter(devices::id.eq(device.id)).filter(devices::version.eq(device.version)))
            .set((changes, devices::version.eq(devices::version + 1), devices::updated_at.eq(Utc::now())))
            .returning(DeviceRow::as_returning())
            .get_result(conn)
            .optional()?;
    let Some(updated) = updated else {
        let now = find(conn, device.id)?.ok_or(Refusal::NotFound)?;
        return Err(Refusal::ChangedMeanwhile { now: now.status }.into());
    };
    history::record(
        conn,
        Change {
            device_id: device.id,
            actor_id: actor,
            kind: mv.kind,
            from_status: Some(device.status),
            to_status: Some(updated.status),
            from_hub_id: device.hub_id,
            to_hub_id: mv.heading_to.or(updated.hub_id),
            details: mv.details.clone(),
            occurred_at: mv.at,
        },
    )?;
    effects.moved(conn, device, updated, &mv, actor).map_err(DeviceError::Elsewhere)
}
