//! Hold queries: the queue in order, with the row locks that keep two offers from taking one
//! person's place.

use chrono::{DateTime, Utc};
use diesel::pg::PgConnection;
use diesel::prelude::*;

use super::models::{Hold, HoldFilter, HoldStatus, NewHold};
use crate::db::schema::holds;
use crate::devices::models::Category;
use crate::http::PageRequest;
use crate::ids::{DeviceId, HoldId, HubId, ResidentId, UserId};

pub fn find(conn: &mut PgConnection, id: HoldId) -> QueryResult<Option<Hold>> {
    holds::table.find(id).select(Hold::as_select()).first(conn).optional()
}

/// The hold, locked for the transaction (so an expiry sweep at the same moment cannot act on it).
pub fn lock(conn: &mut PgConnection, id: HoldId) -> QueryResult<Hold> {
    holds::table.find(id).select(Hold::as_select()).for_update().first(conn)
}

pub fn insert(conn: &mut PgConnection, new: &NewHold, by: UserId) -> QueryResult<Hold> {
    diesel::insert_into(holds::table)
        .values((
            holds::id.eq(HoldId::new()),
            holds::resident_id.eq(new.resident_id),
            holds::hub_id.eq(new.hub_id),
            holds::category.eq(new.category),
            holds::created_by.eq(by),
        ))
        .returning(Hold::as_returning())
        .get_result(conn)
}

/// Moves the hold to `status`, with the device it holds and until when.
pub fn set_status(
    conn: &mut PgConnection,
    hold: &Hold,
    status: HoldStatus,
    device: Option<DeviceId>,
    expires: Option<DateTime<Utc>>,
) -> QueryResult<Hold> {
    let now = Utc::now();
    diesel::update(holds::table.find(hold.id))
        .set((
            holds::status.eq(status),
            holds::device_id.eq(device),
            holds::ready_at.eq(if status == HoldStatus::Ready { Some(now) } else { hold.ready_at }),
            holds::expires_at.eq(expires),
            holds::version.eq(holds::version + 1),
            holds::updated_at.eq(now),
        ))
        .returning(Hold::as_returning())
        .get_result(conn)
}

/// The first person waiting for a category at a hub, locked (skipping holds another offer has).
pub fn first_waiting(conn: &mut PgConnection, hub: HubId, category: Category) -> QueryResult<Option<Hold>> {
    holds::table
        .filter(holds::hub_id.eq(hub))
        .filter(holds::category.eq(category.as_str()))
        .filter(holds::status.eq(HoldStatus::Waiting))
        .select(Hold::as_select())
        .order((holds::created_at, holds::id))
        .for_update()
        .skip_locked()
        .first(conn)
        .optional()
}

/// The ready hold a device is reserved for, if any.
pub fn ready_hold_for_device(conn: &mut PgConnection, device: DeviceId) -> QueryResult<Option<Hold>> {
    holds::table
        .filter(holds::device_id.eq(device))
        .filter(holds::status.eq(HoldStatus::Ready))
        .select(Hold::as_select())
        .first(conn)
        .optional()
}

/// Ready holds at a hub whose time has passed, locked (skipping any another sweep has).
pub fn lapsed_at(conn: &mut PgConnection, hub: HubId) -> QueryResult<Vec<Hold>> {
    holds::table
        .filter(holds::hub_id.eq(hub))
        .filter(holds::status.eq(HoldStatus::Ready))
        .filter(holds::expires_at.lt(Utc::now()))
        .select(Hold::as_select())
        .for_update()
        .skip_locked()
        .load(conn)
}

/// Every hub with a reservation past its time.
pub fn hubs_with_lapsed(conn: &mut PgConnection) -> QueryResult<Vec<HubId>> {
    holds::table
        .filter(holds::status.eq(HoldStatus::Ready))
        .filter(holds::expires_at.lt(Utc::now()))
        .select(holds::hub_id)
        .distinct()
        .load(conn)
}

pub fn of_resident(conn: &mut PgConnection, resident: ResidentId) -> QueryResult<Vec<Hold>> {
    holds::table.filter(holds::resident_id.eq(resident)).select(Hold::as_select()).order(holds::id).load(conn)
}

/// `hubs`: limit to holds at these hubs (None: any hub).
pub fn list(
    conn: &mut PgConnection,
    filter: &HoldFilter,
    hubs: Option<&[HubId]>,
    page: &PageRequest,
) -> QueryResult<Vec<Hold>> {
    let mut query = holds::table.select(Hold::as_select()).into_boxed();
    if let Some(hubs) = hubs {
        query = query.filter(holds::hub_id.eq_any(hubs.to_vec()));
    }
    if let Some(after) = page.after {
        query = query.filter(holds::id.gt(after));
    }
    if let Some(h) = filter.hub_id {
        query = query.filter(holds::hub_id.eq(h));
    }
    if let Some(c) = filter.category {
        query = query.filter(holds::category.eq(c.as_str()));
    }
    if let Some(s) = filter.status {
        query = query.filter(holds::status.eq(s));
    }
    if let Some(r) = filter.resident_id {
        query = query.filter(holds::resident_id.eq(r));
    }
    query.order(holds::id).limit(page.fetch()).load(conn)
}
