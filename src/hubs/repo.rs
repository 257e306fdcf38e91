//! Hub queries.

use chrono::Utc;
use diesel::pg::PgConnection;
use diesel::prelude::*;

use chrono::NaiveDate;
use uuid::Uuid;

use super::models::{
    Closure, ClosureFilter, CreateHub, Hub, HubCalendar, HubFilter, NewClosure, OpeningHours, UpdateHub,
};
use crate::db::schema::{closures, hubs};
use crate::http::PageRequest;
use crate::ids::{HubId, UserId};

pub fn find(conn: &mut PgConnection, id: HubId) -> QueryResult<Option<Hub>> {
    hubs::table.find(id).select(Hub::as_select()).first(conn).optional()
}

pub fn list(conn: &mut PgConnection, filter: &HubFilter, page: &PageRequest) -> QueryResult<Vec<Hub>> {
    let mut query = hubs::table.select(Hub::as_select()).into_boxed();
    if let Some(after) = page.after {
        query = query.filter(hubs::id.gt(after));
    }
    if let Some(kind) = filter.kind {
        query = query.filter(hubs::kind.eq(kind));
    }
    if let Some(ward) = filter.ward_id {
        query = query.filter(hubs::ward_id.eq(ward));
    }
    if let Some(active) = filter.active {
        query = query.filter(hubs::active.eq(active));
    }
    if let Some(q) = filter.q.as_deref().map(str::trim).filter(|q| !q.is_empty()) {
        let pattern = format!("%{}%", crate::db::like_escape(q));
        query = query.filter(hubs::name.ilike(pattern.clone()).or(hubs::postcode.ilike(pattern)));
    }
    query.order(hubs::id).limit(page.fetch()).load(conn)
}

pub fn insert(conn: &mut PgConnection, new: &CreateHub) -> QueryResult<Hub> {
    diesel::insert_into(hubs::table)
        .values((hubs::id.eq(HubId::new()), new))
        .returning(Hub::as_returning())
        .get_result(conn)
}

pub fn update(conn: &mut PgConnection, id: HubId, version: i32, patch: &UpdateHub) -> QueryResult<Option<Hub>> {
    diesel::update(hubs::table.filter(hubs::id.eq(id)).filter(hubs::version.eq(version)))
        .set((patch, hubs::version.eq(hubs::version + 1), hubs::updated_at.eq(Utc::now())))
        .returning(Hub::as_returning())
        .get_result(conn)
        .optional()
}

/// The hub's week and the closures that touch `from..=to` (its own and every hub's).
pub fn calendar(conn: &mut PgConnection, hub: HubId, from: NaiveDate, to: NaiveDate) -> QueryResult<HubCalendar> {
    let hours: Option<OpeningHours> =
        hubs::table.find(hub).select(hubs::opening_hours).first(conn).optional()?.flatten();
    let rows: Vec<(NaiveDate, NaiveDate, Uuid, String)> = closures::table
        .filter(closures::hub_id.eq(hub).or(closures::hub_id.is_null()))
        .filter(closures::ends_on.ge(from))
        .filter(closures::starts_on.le(to))
        .order((closures::starts_on, closures::id))
        .select((closures::starts_on, closures::ends_on, closures::id, closures::reason))
        .load(conn)?;
    Ok(HubCalendar { hours, closures: rows })
}

pub fn closures(conn: &mut PgConnection, filter: &ClosureFilter) -> QueryResult<Vec<Closure>> {
    let mut query = closures::table.select(Closure::as_select()).into_boxed();
    if let Some(hub) = filter.hub_id {
        query = query.filter(closures::hub_id.eq(hub).or(closures::hub_id.is_null()));
    }
    if let Some(from) = filter.from {
        query = query.filter(closures::ends_on.ge(from));
    }
    if let Some(to) = filter.to {
        query = query.filter(closures::starts_on.le(to));
    }
    query.order((closures::starts_on, closures::id)).limit(1000).load(conn)
}

pub fn insert_closure(conn: &mut PgConnection, input: &NewClosure, by: UserId) -> QueryResult<Closure> {
    diesel::insert_into(closures::table)
        .values((
            closures::id.eq(crate::db::new_id()),
            closures::hub_id.eq(input.hub_id),
            closures::starts_on.eq(input.starts_on),
            closures::ends_on.eq(input.ends_on.unwrap_or(input.starts_on)),
            closures::reason.eq(input.reason.trim()),
            closures::created_by.eq(by),
        ))
        .returning(Closure::as_returning())
        .get_result(conn)
}

pub fn find_closure(conn: &mut PgConnection, id: Uuid) -> QueryResult<Option<Closure>> {
    closures::table.filter(closures::id.eq(id)).select(Closure::as_select()).first(conn).optional()
}

/// Removes a closure; false if there was none.
pub fn delete_closure(conn: &mut PgConnection, id: Uuid) -> QueryResult<bool> {
    Ok(diesel::delete(closures::table.filter(closures::id.eq(id))).execute(conn)? == 1)
}
