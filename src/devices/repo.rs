//! Device queries. Status and custody change only through `moves`, always conditionally on the
//! version that was read.

use chrono::Utc;
use diesel::pg::PgConnection;
use diesel::prelude::*;
use uuid::Uuid;

use super::models::{DeviceChanges, DeviceFilter, DeviceRow, NewDevice};
use crate::db::schema::{devices, donations};
use crate::http::PageRequest;

diesel::define_sql_function!(fn upper(x: diesel::sql_types::Nullable<diesel::sql_types::Text>) -> diesel::sql_types::Nullable<diesel::sql_types::Text>);

pub fn find(conn: &mut PgConnection, id: Uuid) -> QueryResult<Option<DeviceRow>> {
    devices::table.find(id).select(DeviceRow::as_select()).first(conn).optional()
}

pub fn find_for_update(conn: &mut PgConnection, id: Uuid) -> QueryResult<Option<DeviceRow>> {
    devices::table.find(id).select(DeviceRow::as_select()).for_update().first(conn).optional()
}

pub fn find_by_tag(conn: &mut PgConnection, tag: &str) -> QueryResult<Option<DeviceRow>> {
    devices::table
        .filter(devices::asset_tag.eq(tag.trim().to_uppercase()))
        .select(DeviceRow::as_select())
        .first(conn)
        .optional()
}

/// Where a caller may look: everything, or devices at (or travelling to) these hubs.
pub enum Reach<'a> {
    Everywhere,
    Hubs(&'a [Uuid]),
}

pub fn list(
    conn: &mut PgConnection,
    filter: &DeviceFilter,
    reach: Reach<'_>,
    page: &PageRequest,
) -> QueryResult<Vec<DeviceRow>> {
    let mut query = devices::table.select(DeviceRow::as_select()).into_boxed();
    if let Some(after) = page.after {
        query = query.filter(devices::id.gt(after));
    }
    if let Reach::Hubs(hubs) = reach {
        query =
            query.filter(devices::hub_id.eq_any(hubs.to_vec()).or(devices::transfer_to_hub_id.eq_any(hubs.to_vec())));
    }
    if let Some(status) = filter.status {
        query = query.filter(devices::status.eq(status));
    }
    if let Some(category) = filter.category {
        query = query.filter(devices::category.eq(category));
    }
    if let Some(hub) = filter.hub_id {
        query = query.filter(devices::hub_id.eq(hub));
    }
    if let Some(donation) = filter.donation_id {
        query = query.filter(devices::donation_id.eq(donation));
    }
    if let Some(donor) = filter.donor_id {
        let of_donor: Vec<Uuid> =
            donations::table.filter(donations::donor_id.eq(donor)).select(donations::id).load(conn)?;
        query = query.filter(devices::donation_id.eq_any(of_donor));
    }
    if let Some(serial) = filter.serial_number.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        query = query.filter(upper(devices::serial_number).eq(serial.to_uppercase()));
    }
    if let Some(q) = filter.q.as_deref().map(str::trim).filter(|q| !q.is_empty()) {
        let pattern = format!("%{}%", crate::db::like_escape(q));
        query = query.filter(
            devices::asset_tag
                .ilike(pattern.clone())
                .or(devices::serial_number.ilike(pattern.clone()))
                .or(devices::make.ilike(pattern.clone()))
                .or(devices::model.ilike(pattern)),
        );
    }
    if let Some(since) = filter.updated_since {
        query = query.filter(devices::updated_at.ge(since));
    }
    query.order(devices::id).limit(page.fetch()).load(conn)
}

/// Inserts checked devices and returns (id, asset tag) for each, in input order.
pub fn insert_all(conn: &mut PgConnection, new: &[NewDevice]) -> QueryResult<Vec<(Uuid, String)>> {
    let mut tags = Vec::with_capacity(new.len());
    for chunk in new.chunks(2000) {
        let mut inserted: Vec<(Uuid, String)> = diesel::insert_into(devices::table)
            .values(chunk)
            .returning((devices::id, devices::asset_tag))
            .get_results(conn)?;
        // Order by the ids we generated, whatever order RETURNING used.
        let position: std::collections::HashMap<Uuid, usize> =
            chunk.iter().enumerate().map(|(i, d)| (d.id, i)).collect();
        inserted.sort_by_key(|(id, _)| position.get(id).copied().unwrap_or(usize::MAX));
        tags.extend(inserted);
    }
    Ok(tags)
}

/// (make, serial) of existing devices whose serial matches any of `serials` (upper-cased).
pub fn existing_serials(
    conn: &mut PgConnection,
    serials: &[String],
) -> QueryResult<Vec<(Option<String>, Option<String>)>> {
    let mut found = Vec::new();
    for chunk in serials.chunks(5000) {
        let rows: Vec<(Option<String>, Option<String>)> = devices::table
            .filter(upper(devices::serial_number).eq_any(chunk.to_vec()))
            .select((devices::make, devices::serial_number))
            .load(conn)?;
        found.extend(rows);
    }
    Ok(found)
}

pub fn update_fields(
    conn: &mut PgConnection,
    id: Uuid,
    version: i32,
    changes: &DeviceChanges,
) -> QueryResult<Option<DeviceRow>> {
    diesel::update(devices::table.filter(devices::id.eq(id)).filter(devices::version.eq(version)))
        .set((changes, devices::version.eq(devices::version + 1), devices::updated_at.eq(Utc::now())))
        .returning(DeviceRow::as_returning())
        .get_result(conn)
        .optional()
}
