//! Ward queries.

use chrono::Utc;
use diesel::pg::PgConnection;
use diesel::prelude::*;

use super::models::{CreateWard, UpdateWard, Ward, WardFilter};
use crate::db::schema::wards;
use crate::http::PageRequest;
use crate::ids::WardId;

pub fn find(conn: &mut PgConnection, id: WardId) -> QueryResult<Option<Ward>> {
    wards::table.find(id).select(Ward::as_select()).first(conn).optional()
}

pub fn list(conn: &mut PgConnection, filter: &WardFilter, page: &PageRequest) -> QueryResult<Vec<Ward>> {
    let mut query = wards::table.select(Ward::as_select()).into_boxed();
    if let Some(after) = page.after {
        query = query.filter(wards::id.gt(after));
    }
    if let Some(q) = filter.q.as_deref().map(str::trim).filter(|q| !q.is_empty()) {
        query = query.filter(wards::name.ilike(format!("%{}%", crate::db::like_escape(q))));
    }
    query.order(wards::id).limit(page.fetch()).load(conn)
}

pub fn insert(conn: &mut PgConnection, new: &CreateWard) -> QueryResult<Ward> {
    diesel::insert_into(wards::table)
        .values((wards::id.eq(WardId::new()), wards::name.eq(new.name.trim()), wards::deri_score.eq(new.deri_score)))
        .returning(Ward::as_returning())
        .get_result(conn)
}

#[derive(AsChangeset)]
#[diesel(table_name = wards)]
struct WardChanges {
    name: Option<String>,
    deri_score: Option<Option<f64>>,
}

pub fn update(conn: &mut PgConnection, id: WardId, version: i32, patch: UpdateWard) -> QueryResult<Option<Ward>> {
    let changes = WardChanges { name: patch.name.map(|n| n.trim().to_owned()), deri_score: patch.deri_score };
    diesel::update(wards::table.filter(wards::id.eq(id)).filter(wards::version.eq(version)))
        .set((changes, wards::version.eq(wards::version + 1), wards::updated_at.eq(Utc::now())))
        .returning(Ward::as_returning())
        .get_result(conn)
        .optional()
}
