//! Reset queries.

use chrono::{DateTime, Utc};
use diesel::pg::PgConnection;
use diesel::prelude::*;

use super::models::{NewReset, ResetRow};
use crate::db::schema::device_resets;
use crate::ids::{DeviceId, ResetId, UserId};

/// Records a reset. A verified one moves the device's `sanitised_at` on (a trigger).
pub fn insert(
    conn: &mut PgConnection,
    device: DeviceId,
    input: &NewReset,
    performed_at: DateTime<Utc>,
    by: Option<UserId>,
) -> QueryResult<ResetRow> {
    diesel::insert_into(device_resets::table)
        .values((
            device_resets::id.eq(ResetId::new()),
            device_resets::device_id.eq(device),
            device_resets::method.eq(input.method),
            device_resets::verified.eq(input.verified),
            device_resets::notes.eq(crate::http::trimmed(input.notes.clone())),
            device_resets::performed_at.eq(performed_at),
            device_resets::recorded_by.eq(by),
        ))
        .returning(ResetRow::as_returning())
        .get_result(conn)
}

pub fn of_device(conn: &mut PgConnection, device: DeviceId) -> QueryResult<Vec<ResetRow>> {
    device_resets::table
        .filter(device_resets::device_id.eq(device))
        .order((device_resets::performed_at, device_resets::id))
        .select(ResetRow::as_select())
        .load(conn)
}

pub fn find(conn: &mut PgConnection, device: DeviceId, id: ResetId) -> QueryResult<Option<ResetRow>> {
    device_resets::table
        .filter(device_resets::device_id.eq(device))
        .filter(device_resets::id.eq(id))
        .select(ResetRow::as_select())
        .first(conn)
        .optional()
}
