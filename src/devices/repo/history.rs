//! Custody history: an append-only event per change to a device, written in the same transaction
//! as the change. The table refuses UPDATE, DELETE and TRUNCATE (a trigger), so history can only
//! grow.

use chrono::{DateTime, Utc};
use diesel::pg::PgConnection;
use diesel::prelude::*;
use serde_json::Value;
use uuid::Uuid;

use crate::db::schema::device_events;
use crate::devices::models::{Change, DeviceEvent};
use crate::http::PageRequest;
use crate::ids::{DeviceId, HubId, UserId};

#[derive(Insertable)]
#[diesel(table_name = device_events)]
struct NewEvent {
    id: Uuid,
    device_id: DeviceId,
    actor_id: Option<UserId>,
    kind: &'static str,
    from_status: Option<String>,
    to_status: Option<String>,
    from_hub_id: Option<HubId>,
    to_hub_id: Option<HubId>,
    details: Value,
    occurred_at: Option<DateTime<Utc>>,
}

impl From<Change> for NewEvent {
    fn from(c: Change) -> Self {
        Self {
            id: Uuid::now_v7(),
            device_id: c.device_id,
            actor_id: c.actor_id,
            kind: c.kind,
            from_status: c.from_status.map(|s| s.as_str().to_owned()),
            to_status: c.to_status.map(|s| s.as_str().to_owned()),
            from_hub_id: c.from_hub_id,
            to_hub_id: c.to_hub_id,
            details: c.details,
            occurred_at: c.occurred_at,
        }
    }
}

pub fn record(conn: &mut PgConnection, change: Change) -> QueryResult<()> {
    diesel::insert_into(device_events::table).values(NewEvent::from(change)).execute(conn).map(|_| ())
}

/// Records many changes in few statements (bulk imports).
pub fn record_all(conn: &mut PgConnection, changes: Vec<Change>) -> QueryResult<()> {
    let rows: Vec<NewEvent> = changes.into_iter().map(NewEvent::from).collect();
    for chunk in rows.chunks(5000) {
        diesel::insert_into(device_events::table).values(chunk).execute(conn)?;
    }
    Ok(())
}

pub fn of_device(conn: &mut PgConnection, device: DeviceId, page: &PageRequest) -> QueryResult<Vec<DeviceEvent>> {
    let mut query = device_events::table.filter(device_events::device_id.eq(device)).into_boxed();
    if let Some(after) = page.after {
        query = query.filter(device_events::id.gt(after));
    }
    query.select(DeviceEvent::as_select()).order(device_events::id).limit(page.fetch()).load(conn)
}
