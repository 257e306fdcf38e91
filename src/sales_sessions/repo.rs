//! Pop-up session queries: sessions, the devices set aside for them, and their summary (read from
//! the sales made in them).

use chrono::Utc;
use diesel::dsl::{count_star, sum};
use diesel::pg::PgConnection;
use diesel::prelude::*;

use super::models::{NewSession, SessionFilter, SessionRow, SessionSummary};
use crate::db::schema::{sales, sales_session_devices, sales_sessions};
use crate::http::PageRequest;
use crate::ids::{DeviceId, HubId, SessionId, UserId};

pub fn find(conn: &mut PgConnection, id: SessionId) -> QueryResult<Option<SessionRow>> {
    sales_sessions::table.find(id).select(SessionRow::as_select()).first(conn).optional()
}

pub fn insert(conn: &mut PgConnection, new: &NewSession, by: UserId) -> QueryResult<SessionRow> {
    diesel::insert_into(sales_sessions::table)
        .values((
            sales_sessions::id.eq(SessionId::new()),
            sales_sessions::hub_id.eq(new.hub_id),
            sales_sessions::held_on.eq(new.held_on),
            sales_sessions::name.eq(crate::http::trimmed(new.name.clone())),
            sales_sessions::created_by.eq(by),
        ))
        .returning(SessionRow::as_returning())
        .get_result(conn)
}

/// `hubs`: limit to sessions at these hubs (None: any hub). Fetches one more than the page.
pub fn list(
    conn: &mut PgConnection,
    filter: &SessionFilter,
    hubs: Option<&[HubId]>,
    page: &PageRequest,
) -> QueryResult<Vec<SessionRow>> {
    let mut query = sales_sessions::table.select(SessionRow::as_select()).into_boxed();
    if let Some(after) = page.after {
        query = query.filter(sales_sessions::id.gt(after));
    }
    if let Some(hubs) = hubs {
        query = query.filter(sales_sessions::hub_id.eq_any(hubs.to_vec()));
    }
    if let Some(h) = filter.hub_id {
        query = query.filter(sales_sessions::hub_id.eq(h));
    }
    if let Some(from) = filter.held_from {
        query = query.filter(sales_sessions::held_on.ge(from));
    }
    if let Some(to) = filter.held_to {
        query = query.filter(sales_sessions::held_on.le(to));
    }
    query.order(sales_sessions::id).limit(page.fetch()).load(conn)
}

pub fn set_aside_devices(conn: &mut PgConnection, session: SessionId) -> QueryResult<Vec<DeviceId>> {
    sales_session_devices::table
        .filter(sales_session_devices::session_id.eq(session))
        .select(sales_session_devices::device_id)
        .order(sales_session_devices::device_id)
        .load(conn)
}

/// Sets the device aside for the session unless it already is set aside (for any session).
pub fn set_aside(conn: &mut PgConnection, session: SessionId, device: DeviceId) -> QueryResult<()> {
    diesel::insert_into(sales_session_devices::table)
        .values((sales_session_devices::session_id.eq(session), sales_session_devices::device_id.eq(device)))
        .on_conflict_do_nothing()
        .execute(conn)
        .map(|_| ())
}

/// The session a device is set aside for, if any.
pub fn set_aside_for(conn: &mut PgConnection, device: DeviceId) -> QueryResult<Option<SessionId>> {
    sales_session_devices::table
        .filter(sales_session_devices::device_id.eq(device))
        .select(sales_session_devices::session_id)
        .first(conn)
        .optional()
}

/// The device leaves whatever session it was set aside for.
pub fn release(conn: &mut PgConnection, device: DeviceId) -> QueryResult<usize> {
    diesel::delete(sales_session_devices::table.filter(sales_session_devices::device_id.eq(device))).execute(conn)
}

/// Closes the session if it is open, recording how many devices were unsold, and releases them.
pub fn close(conn: &mut PgConnection, id: SessionId, unsold: i64) -> QueryResult<Option<SessionRow>> {
    let closed = diesel::update(
        sales_sessions::table.filter(sales_sessions::id.eq(id)).filter(sales_sessions::closed_at.is_null()),
    )
    .set((
        sales_sessions::closed_at.eq(Utc::now()),
        sales_sessions::unsold_at_close.eq(unsold as i32),
        sales_sessions::version.eq(sales_sessions::version + 1),
        sales_sessions::updated_at.eq(Utc::now()),
    ))
    .returning(SessionRow::as_returning())
    .get_result(conn)
    .optional()?;
    if closed.is_some() {
        diesel::delete(sales_session_devices::table.filter(sales_session_devices::session_id.eq(id))).execute(conn)?;
    }
    Ok(closed)
}

/// What the session sold, took and gave back, and what is still set aside.
pub fn summary(conn: &mut PgConnection, session: SessionId) -> QueryResult<SessionSummary> {
    let (sold, takings, subsidy): (i64, Option<i64>, Option<i64>) = sales::table
        .filter(sales::session_id.eq(session))
        .filter(sales::refunded_at.is_null())
        .select((count_star(), sum(sales::price_pence), sum(sales::subsidy_pence)))
        .first(conn)?;
    let refunds: i64 = sales::table
        .filter(sales::session_id.eq(session))
        .filter(sales::refunded_at.is_not_null())
        .count()
        .get_result(conn)?;
    let unsold: i64 =
        sales_session_devices::table.filter(sales_session_devices::session_id.eq(session)).count().get_result(conn)?;
    Ok(SessionSummary {
        devices_sold: sold,
        takings_pence: takings.unwrap_or(0),
        subsidy_pence: subsidy.unwrap_or(0),
        refunds,
        unsold_devices: unsold,
    })
}
