//! Donation queries, and the reads the sanitisation report makes of what refurbishment and
//! recycling recorded about the donation's devices (never written here).

use std::collections::HashMap;

use chrono::Utc;
use diesel::dsl::count_star;
use diesel::pg::PgConnection;
use diesel::prelude::*;

use super::models::{CreateDonation, DisposalSummary, DonationFilter, DonationRow, UpdateDonation, WipeSummary};
use crate::db::schema::{devices, disposal_records, donations, organisations, wipe_records};
use crate::devices::models::DeviceRow;
use crate::http::PageRequest;
use crate::ids::{DeviceId, DonationId, HubId, UserId};

pub fn find(conn: &mut PgConnection, id: DonationId) -> QueryResult<Option<DonationRow>> {
    donations::table.find(id).select(DonationRow::as_select()).first(conn).optional()
}

/// `hubs`: limit to donations received at these hubs (None: any hub).
pub fn list(
    conn: &mut PgConnection,
    filter: &DonationFilter,
    hubs: Option<&[HubId]>,
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
pub fn device_counts(conn: &mut PgConnection, ids: &[DonationId]) -> QueryResult<HashMap<DonationId, i64>> {
    let rows: Vec<(Option<DonationId>, i64)> = devices::table
        .filter(devices::donation_id.eq_any(ids))
        .group_by(devices::donation_id)
        .select((devices::donation_id, count_star()))
        .load(conn)?;
    Ok(rows.into_iter().filter_map(|(id, n)| id.map(|id| (id, n))).collect())
}

pub fn insert(conn: &mut PgConnection, new: &CreateDonation, created_by: UserId) -> QueryResult<DonationRow> {
    diesel::insert_into(donations::table)
        .values((
            donations::id.eq(DonationId::new()),
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
    id: DonationId,
    version: i32,
    patch: &UpdateDonation,
) -> QueryResult<Option<DonationRow>> {
    diesel::update(donations::table.filter(donations::id.eq(id)).filter(donations::version.eq(version)))
        .set((patch, donations::version.eq(donations::version + 1), donations::updated_at.eq(Utc::now())))
        .returning(DonationRow::as_returning())
        .get_result(conn)
        .optional()
}

/// The donation's devices, in the order they were recorded.
pub fn devices_of(conn: &mut PgConnection, donation: DonationId) -> QueryResult<Vec<DeviceRow>> {
    devices::table
        .filter(devices::donation_id.eq(donation))
        .select(DeviceRow::as_select())
        .order(devices::id)
        .load(conn)
}

/// Every wipe recorded for the devices, oldest first.
pub fn wipes_of(conn: &mut PgConnection, devices: &[DeviceId]) -> QueryResult<Vec<WipeSummary>> {
    wipe_records::table
        .filter(wipe_records::device_id.eq_any(devices))
        .select((
            wipe_records::device_id,
            wipe_records::level,
            wipe_records::method,
            wipe_records::tool,
            wipe_records::tool_version,
            wipe_records::certificate_reference,
            wipe_records::verified,
            wipe_records::performed_at,
        ))
        .order(wipe_records::id)
        .load(conn)
}

/// How each of the devices that were recycled was disposed of, with the recycler's name.
pub fn disposals_of(conn: &mut PgConnection, devices: &[DeviceId]) -> QueryResult<Vec<DisposalSummary>> {
    disposal_records::table
        .inner_join(organisations::table.on(organisations::id.eq(disposal_records::recycler_id)))
        .filter(disposal_records::device_id.eq_any(devices))
        .select((
            disposal_records::device_id,
            organisations::name,
            disposal_records::waste_transfer_note,
            disposal_records::disposed_on,
        ))
        .load(conn)
}
