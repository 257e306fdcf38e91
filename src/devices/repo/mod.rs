//! Device queries. Status and custody change only through `moves::apply`, always conditionally on
//! the version that was read; history only grows (`history`). The scoped look-ups (`visible`,
//! `in_custody`, `for_hand_over`) are how every slice finds a device for a caller.
//!
//! Some questions about a device are answered from records kept elsewhere, read here and never
//! written: which organisations were given it to work on (partners see those), whether it has an
//! open refurbishment job (it cannot travel then), and whether the organisation it is recycled
//! with is a recycler.

pub mod history;
pub mod moves;

use chrono::Utc;
use diesel::pg::PgConnection;
use diesel::prelude::*;

use super::models::{Action, Category, DeviceChanges, DeviceFilter, DeviceRow, DeviceStatus, Disposal, NewDevice};
use super::rules::{Refusal, custody};
use crate::auth::{Actor, Role};
use crate::db::schema::{devices, disposal_records, donations, organisations, refurbishment_jobs};
use crate::http::PageRequest;
use crate::ids::{DeviceId, HubId, OrganisationId};

/// What finding or moving a device can fail with: a refusal of the slice, a database error, or
/// (for a move) an error from what the move caused elsewhere.
#[derive(Debug)]
pub enum DeviceError {
    Refused(Refusal),
    Query(diesel::result::Error),
    Elsewhere(crate::http::ApiError),
}

impl From<Refusal> for DeviceError {
    fn from(r: Refusal) -> Self {
        Self::Refused(r)
    }
}

impl From<diesel::result::Error> for DeviceError {
    fn from(e: diesel::result::Error) -> Self {
        Self::Query(e)
    }
}

diesel::define_sql_function!(fn upper(x: diesel::sql_types::Nullable<diesel::sql_types::Text>) -> diesel::sql_types::Nullable<diesel::sql_types::Text>);

pub fn find(conn: &mut PgConnection, id: DeviceId) -> QueryResult<Option<DeviceRow>> {
    devices::table.find(id).select(DeviceRow::as_select()).first(conn).optional()
}

pub fn find_for_update(conn: &mut PgConnection, id: DeviceId) -> QueryResult<Option<DeviceRow>> {
    devices::table.find(id).select(DeviceRow::as_select()).for_update().first(conn).optional()
}

/// Ready devices of a category at rest at a hub, oldest first (at most `limit`).
pub fn ready_at(conn: &mut PgConnection, hub: HubId, category: Category, limit: i64) -> QueryResult<Vec<DeviceRow>> {
    devices::table
        .filter(devices::hub_id.eq(hub))
        .filter(devices::category.eq(category))
        .filter(devices::status.eq(DeviceStatus::Ready))
        .filter(devices::transfer_to_hub_id.is_null())
        .select(DeviceRow::as_select())
        .order(devices::id)
        .limit(limit)
        .load(conn)
}

/// How many ready devices of a category are at rest at a hub.
pub fn ready_count(conn: &mut PgConnection, hub: HubId, category: Category) -> QueryResult<i64> {
    devices::table
        .filter(devices::hub_id.eq(hub))
        .filter(devices::category.eq(category))
        .filter(devices::status.eq(DeviceStatus::Ready))
        .filter(devices::transfer_to_hub_id.is_null())
        .count()
        .get_result(conn)
}

/// The parts an organisation plays (`recycler` …), or None if there is no such organisation.
pub fn parts_of_organisation(conn: &mut PgConnection, org: OrganisationId) -> QueryResult<Option<Vec<String>>> {
    organisations::table.find(org).select(organisations::roles).first(conn).optional()
}

/// Whether `org` was ever given the device to work on (a refurbishment job).
pub fn given_to(conn: &mut PgConnection, device: DeviceId, org: OrganisationId) -> QueryResult<bool> {
    diesel::select(diesel::dsl::exists(
        refurbishment_jobs::table
            .filter(refurbishment_jobs::device_id.eq(device))
            .filter(refurbishment_jobs::refurbisher_id.eq(org)),
    ))
    .get_result(conn)
}

/// The organisation of the device's latest refurbishment job, if it had one.
pub fn latest_worker(conn: &mut PgConnection, device: DeviceId) -> QueryResult<Option<OrganisationId>> {
    refurbishment_jobs::table
        .filter(refurbishment_jobs::device_id.eq(device))
        .order(refurbishment_jobs::id.desc())
        .select(refurbishment_jobs::refurbisher_id)
        .first(conn)
        .optional()
}

/// Whether the device has a refurbishment job not yet finished.
pub fn has_open_job(conn: &mut PgConnection, device: DeviceId) -> QueryResult<bool> {
    diesel::select(diesel::dsl::exists(
        refurbishment_jobs::table
            .filter(refurbishment_jobs::device_id.eq(device))
            .filter(refurbishment_jobs::status.eq_any(["assigned", "in_progress"])),
    ))
    .get_result(conn)
}

/// The device if the actor may see it; `NotFound` otherwise.
pub fn visible(conn: &mut PgConnection, actor: &Actor, id: DeviceId) -> Result<DeviceRow, DeviceError> {
    let device = find(conn, id)?.ok_or(Refusal::NotFound)?;
    let given = match (actor.role, actor.organisation_id) {
        (Role::Partner, Some(org)) => given_to(conn, id, org)?,
        _ => false,
    };
    if custody::may_see(actor, &device, given) { Ok(device) } else { Err(Refusal::NotFound.into()) }
}

/// The device if the actor holds it: admins, or staff of the hub it is at (not merely travelling to).
pub fn in_custody(conn: &mut PgConnection, actor: &Actor, id: DeviceId) -> Result<DeviceRow, DeviceError> {
    let device = visible(conn, actor, id)?;
    custody::in_custody(actor, &device)?;
    Ok(device)
}

/// A device about to be handed to a resident, named in a body as `device_id`: held at the caller's
/// hub, not travelling, in a status that allows `action`. Returns the device and its hub.
pub fn for_hand_over(
    conn: &mut PgConnection,
    actor: &Actor,
    id: DeviceId,
    action: Action,
) -> Result<(DeviceRow, HubId), DeviceError> {
    let device = match in_custody(conn, actor, id) {
        Err(DeviceError::Refused(Refusal::NotFound)) => return Err(Refusal::UnknownReference("device_id").into()),
        other => other?,
    };
    let hub = custody::hand_over(&device, action)?;
    Ok((device, hub))
}

pub fn find_by_tag(conn: &mut PgConnection, tag: &str) -> QueryResult<Option<DeviceRow>> {
    devices::table
        .filter(devices::asset_tag.eq(tag.trim().to_uppercase()))
        .select(DeviceRow::as_select())
        .first(conn)
        .optional()
}

/// Devices by serial number, ignoring case (a few: the same serial from different makers).
pub fn find_by_serial(conn: &mut PgConnection, serial: &str) -> QueryResult<Vec<DeviceRow>> {
    devices::table
        .filter(upper(devices::serial_number).eq(serial.trim().to_uppercase()))
        .select(DeviceRow::as_select())
        .order(devices::id)
        .limit(10)
        .load(conn)
}

/// The devices with these ids (those the caller's scheme holds).
pub fn find_many(conn: &mut PgConnection, ids: &[DeviceId]) -> QueryResult<Vec<DeviceRow>> {
    devices::table.filter(devices::id.eq_any(ids)).select(DeviceRow::as_select()).load(conn)
}

/// Where a caller may look: everything, or devices at (or travelling to) these hubs.
pub enum Reach<'a> {
    Everywhere,
    Hubs(&'a [HubId]),
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
        let of_donor: Vec<crate::ids::DonationId> =
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

diesel::define_sql_function! {
    /// `n` new asset tags of the caller's scheme, in order.
    #[sql_name = "next_asset_tags"]
    fn next_asset_tags(n: diesel::sql_types::Integer) -> diesel::sql_types::Text;
}

/// Inserts checked devices and returns (id, asset tag) for each, in input order. Each chunk takes
/// its asset tags from the scheme's counter in one update (`next_asset_tags`), rather than one per
/// row.
pub fn insert_all(conn: &mut PgConnection, new: &[NewDevice]) -> QueryResult<Vec<(DeviceId, String)>> {
    let mut tags = Vec::with_capacity(new.len());
    for chunk in new.chunks(2000) {
        let reserved: Vec<String> = diesel::select(next_asset_tags(chunk.len() as i32)).load(conn)?;
        let rows: Vec<_> =
            chunk.iter().cloned().zip(reserved).map(|(d, tag)| (d, devices::asset_tag.eq(tag))).collect();
        let mut inserted: Vec<(DeviceId, String)> = diesel::insert_into(devices::table)
            .values(&rows)
            .returning((devices::id, devices::asset_tag))
            .get_results(conn)?;
        // Order by the ids we generated, whatever order RETURNING used.
        let position: std::collections::HashMap<DeviceId, usize> =
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
    id: DeviceId,
    version: i32,
    changes: &DeviceChanges,
) -> QueryResult<Option<DeviceRow>> {
    diesel::update(devices::table.filter(devices::id.eq(id)).filter(devices::version.eq(version)))
        .set((changes, devices::version.eq(devices::version + 1), devices::updated_at.eq(Utc::now())))
        .returning(DeviceRow::as_returning())
        .get_result(conn)
        .optional()
}

/// Records how a recycled device was disposed of.
pub fn insert_disposal(conn: &mut PgConnection, d: &Disposal) -> QueryResult<()> {
    diesel::insert_into(disposal_records::table)
        .values((
            disposal_records::id.eq(uuid::Uuid::now_v7()),
            disposal_records::device_id.eq(d.device_id),
            disposal_records::recycler_id.eq(d.recycler_id),
            disposal_records::waste_transfer_note.eq(&d.waste_transfer_note),
            disposal_records::disposed_on.eq(d.disposed_on),
            disposal_records::weight_g.eq(d.weight_g),
            disposal_records::harvested_parts.eq(&d.harvested_parts),
            disposal_records::recorded_by.eq(d.recorded_by),
        ))
        .execute(conn)
        .map(|_| ())
}
