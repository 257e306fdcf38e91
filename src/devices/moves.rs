//! Moving a device: a status change (through the lifecycle), a change of custody, or both. Every
//! move is one conditional UPDATE on the version that was read, plus its history event, in the
//! caller's transaction — so of two concurrent moves of one device exactly one succeeds and the
//! other is a 409 naming the device's status now.

use actix_web::http::StatusCode;
use chrono::Utc;
use diesel::pg::PgConnection;
use diesel::prelude::*;
use serde_json::Value;
use uuid::Uuid;

use super::history::{self, Change};
use super::lifecycle::{self, Action, DeviceStatus, IllegalMove};
use super::models::DeviceRow;
use super::repo;
use crate::db::schema::devices;
use crate::http::ApiError;

/// What a move changes. Fields left `None` stay as they are.
#[derive(Debug, Clone)]
pub struct Move {
    /// History event kind, e.g. `transfer_started`.
    pub kind: &'static str,
    pub action: Option<Action>,
    pub hub_id: Option<Option<Uuid>>,
    pub transfer_to_hub_id: Option<Option<Uuid>>,
    pub details: Value,
    /// Where the history event says the device is going, when that is not (yet) its hub.
    pub heading_to: Option<Uuid>,
    /// When the move happened, if not now (records of past events, such as the demo year).
    pub at: Option<chrono::DateTime<Utc>>,
}

impl Move {
    pub fn new(kind: &'static str) -> Self {
        Self {
            kind,
            action: None,
            hub_id: None,
            transfer_to_hub_id: None,
            details: Value::Object(Default::default()),
            heading_to: None,
            at: None,
        }
    }

    pub fn action(mut self, action: Action) -> Self {
        self.action = Some(action);
        self
    }

    pub fn details(mut self, details: Value) -> Self {
        self.details = details;
        self
    }

    pub fn at(mut self, at: chrono::DateTime<Utc>) -> Self {
        self.at = Some(at);
        self
    }
}

#[derive(AsChangeset)]
#[diesel(table_name = devices)]
struct MoveChanges {
    status: Option<DeviceStatus>,
    hub_id: Option<Option<Uuid>>,
    transfer_to_hub_id: Option<Option<Uuid>>,
}

/// 409 for a move the lifecycle does not allow, naming the status and what is allowed instead.
pub fn illegal(e: IllegalMove) -> ApiError {
    let allowed: Vec<&str> = e.allowed_actions.iter().map(|a| a.as_str()).collect();
    ApiError::new(StatusCode::CONFLICT, "illegal-transition", "Not allowed in the device's status", e.to_string())
        .with_extension("current_status", e.current_status.as_str())
        .with_extension("allowed_actions", allowed)
}

/// 409 for a device that changed under the request.
fn changed_meanwhile(conn: &mut PgConnection, id: Uuid) -> ApiError {
    match repo::find(conn, id) {
        Ok(Some(now)) => {
            let allowed: Vec<&str> = lifecycle::allowed(now.status).iter().map(|a| a.as_str()).collect();
            ApiError::conflict(format!("the device changed while this request ran; it is now {}", now.status))
                .with_extension("current_status", now.status.as_str())
                .with_extension("allowed_actions", allowed)
        }
        Ok(None) => ApiError::not_found("device"),
        Err(e) => e.into(),
    }
}

/// Applies `mv` to `device` (as read by the caller) and records it in the device's history.
pub fn apply(
    conn: &mut PgConnection,
    device: &DeviceRow,
    actor: Option<Uuid>,
    mv: Move,
) -> Result<DeviceRow, ApiError> {
    let status = mv.action.map(|a| lifecycle::next(device.status, a)).transpose().map_err(illegal)?;
    let changes = MoveChanges { status, hub_id: mv.hub_id, transfer_to_hub_id: mv.transfer_to_hub_id };
    let updated =
        diesel::update(devices::table.filter(devices::id.eq(device.id)).filter(devices::version.eq(device.version)))
            .set((changes, devices::version.eq(devices::version + 1), devices::updated_at.eq(Utc::now())))
            .returning(DeviceRow::as_returning())
            .get_result(conn)
            .optional()?;
    let Some(updated) = updated else {
        return Err(changed_meanwhile(conn, device.id));
    };
    // A device that is no longer ready at its hub (sold, lent, moved, lost…) leaves any pop-up
    // session it was set aside for.
    if updated.status != DeviceStatus::Ready || updated.transfer_to_hub_id.is_some() || updated.hub_id != device.hub_id
    {
        crate::sales::repo::release(conn, updated.id)?;
    }
    if let Some(kind) = mv.action.and_then(crate::impact::ledger::kind_for) {
        crate::impact::ledger::record(conn, &updated, kind, mv.at.unwrap_or_else(Utc::now))?;
    }
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
            details: mv.details,
            occurred_at: mv.at,
        },
    )?;
    Ok(updated)
}
