//! Hub queries.

use chrono::Utc;
use diesel::pg::PgConnection;
use diesel::prelude::*;

use super::models::{CreateHub, Hub, HubFilter, UpdateHub};
use crate::db::schema::hubs;
use crate::http::PageRequest;
use crate::ids::HubId;

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
