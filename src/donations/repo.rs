//! Donation queries.

use std::collections::HashMap;

use chrono::Utc;
use diesel::dsl::count_star;
use diesel::pg::PgConnection;
use diesel::prelude::*;
use uuid::Uuid;

use super::models::{CreateDonation, DonationFilter, DonationRow, UpdateDonation};
use crate::db::schema::{devices, donations};
use crate::http::PageRequest;

pub fn find(conn: &mut PgConnection, id: Uuid) -> QueryResult<Option<DonationRow>> {
    donations::table.find(id).select(DonationRow::as_select()).first(conn).optional()
}

/// `hubs`: limit to donations received at these hubs (None: any hub).
pub fn list(
    conn: &mut PgConnection,
    filter: &DonationFilter,
    hubs: Option<&[Uuid]>,
    page: &PageRequest,
) -> QueryResult<Vec<DonationRow>> {
    let mut query = donations::table.select(DonationRow::as_select()).into_boxed();
    if let Some(after) = page.after {
        query = query.filter(donations::id.gt(after));
    }
    if let Some(hubs) = hubs {
        query = query.filter(donations::hub_id.eq_any(hubs.to_vec()));
    }
    if let Some(donor) = filter.donor_id {
        query = query.filter(donations::donor_id.eq(donor));
    }
    if let Some(hub) = filter.hub_id {
        query = query.filter(donations::hub_id.eq(hub));
    }
    if let Some(from) = filter.received_from {
        query = query.filter(donations::received_on.ge(from));
    }
    if let Some(to) = filter.received_to {
        query = query.filter(donations::received_on.le(to));
    }
    query.order(donations::id).limit(page.fetch()).load(conn)
}

/// Devices recorded per donation, for the given donations.
pub fn device_counts(conn: &mut PgConnection, ids: &[Uuid]) -> QueryResult<HashMap<Uuid, i64>> {
    let rows: Vec<(Option<Uuid>, i64)> = devices::table
        .filter(devices::donation_id.eq_any(ids))
        .group_by(devices::donation_id)
        .select((devices::donation_id, count_star()))
        .load(conn)?;
    Ok(rows.into_iter().filter_map(|(id, n)| id.map(|id| (id, n))).collect())
}

pub fn insert(conn: &mut PgConnection, new: &CreateDonation, created_by: Uuid) -> QueryResult<DonationRow> {
    diesel::insert_into(donations::table)
        .values((
            donations::id.eq(crate::db::new_id()),
            donations::donor_id.eq(new.donor_id),
            donations::hub_id.eq(new.hub_id),
            donations::received_on.eq(new.received_on),
            donations::donor_reference.eq(crate::http::trimmed(new.donor_reference.clone())),
            donations::declared_device_count.eq(new.declared_device_count),
            donations::collection_notes.eq(crate::http::trimmed(new.collection_notes.clone())),
            donations::created_by.eq(created_by),
        ))
        .returning(DonationRow::as_returning())
        .get_result(conn)
}

pub fn update(
    conn: &mut PgConnection,
    id: Uuid,
    version: i32,
    patch: &UpdateDonation,
) -> QueryResult<Option<DonationRow>> {
    diesel::update(donations::table.filter(donations::id.eq(id)).filter(donations::version.eq(version)))
        .set((patch, donations::version.eq(donations::version + 1), donations::updated_at.eq(Utc::now())))
        .returning(DonationRow::as_returning())
        .get_result(conn)
        .optional()
}
