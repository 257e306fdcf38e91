//! Refurbishment queries: jobs, their wipe records, and who may see them.

use diesel::pg::PgConnection;
use diesel::prelude::*;
use uuid::Uuid;

use super::models::{JobFilter, JobRow, WipeRecord};
use super::rules::JobStatus;
use crate::db::schema::{devices, refurbishment_jobs as jobs, wipe_records};
use crate::http::pagination::ChangeCursor;

pub fn find(conn: &mut PgConnection, id: Uuid) -> QueryResult<Option<JobRow>> {
    jobs::table.find(id).select(JobRow::as_select()).first(conn).optional()
}

/// Who a list is for: everything, one refurbisher's jobs, or jobs for devices at some hubs.
pub enum Audience<'a> {
    Everyone,
    Refurbisher(Uuid),
    Hubs(&'a [Uuid]),
}

/// Jobs in the order they last changed (a feed partners poll).
pub fn list(
    conn: &mut PgConnection,
    filter: &JobFilter,
    audience: Audience<'_>,
    after: Option<ChangeCursor>,
    limit: i64,
) -> QueryResult<Vec<JobRow>> {
    let mut query = jobs::table.select(JobRow::as_select()).into_boxed();
    match audience {
        Audience::Everyone => {}
        Audience::Refurbisher(org) => query = query.filter(jobs::refurbisher_id.eq(org)),
        Audience::Hubs(hubs) => {
            let at_hubs = devices::table.filter(devices::hub_id.eq_any(hubs.to_vec())).select(devices::id);
            query = query.filter(jobs::device_id.eq_any(at_hubs));
        }
    }
    if let Some(c) = after {
        query = query
            .filter(jobs::updated_at.gt(c.updated_at).or(jobs::updated_at.eq(c.updated_at).and(jobs::id.gt(c.id))));
    }
    if let Some(status) = filter.status {
        query = query.filter(jobs::status.eq(status));
    }
    if let Some(device) = filter.device_id {
        query = query.filter(jobs::device_id.eq(device));
    }
    if let Some(org) = filter.refurbisher_id {
        query = query.filter(jobs::refurbisher_id.eq(org));
    }
    if let Some(since) = filter.updated_since {
        query = query.filter(jobs::updated_at.ge(since));
    }
    query.order((jobs::updated_at, jobs::id)).limit(limit).load(conn)
}

pub fn wipes_of_jobs(conn: &mut PgConnection, job_ids: &[Uuid]) -> QueryResult<Vec<WipeRecord>> {
    wipe_records::table
        .filter(wipe_records::job_id.eq_any(job_ids))
        .select(WipeRecord::as_select())
        .order(wipe_records::id)
        .load(conn)
}

pub fn wipes_of_devices(conn: &mut PgConnection, device_ids: &[Uuid]) -> QueryResult<Vec<WipeRecord>> {
    wipe_records::table
        .filter(wipe_records::device_id.eq_any(device_ids))
        .select(WipeRecord::as_select())
        .order(wipe_records::id)
        .load(conn)
}

pub fn has_verified_wipe(conn: &mut PgConnection, device: Uuid) -> QueryResult<bool> {
    diesel::select(diesel::dsl::exists(
        wipe_records::table.filter(wipe_records::device_id.eq(device)).filter(wipe_records::verified.eq(true)),
    ))
    .get_result(conn)
}

/// Whether the organisation has ever been given this device to refurbish.
pub fn assigned_to(conn: &mut PgConnection, device: Uuid, org: Uuid) -> QueryResult<bool> {
    diesel::select(diesel::dsl::exists(
        jobs::table.filter(jobs::device_id.eq(device)).filter(jobs::refurbisher_id.eq(org)),
    ))
    .get_result(conn)
}

/// The device's open job, if any.
pub fn open_job_of(conn: &mut PgConnection, device: Uuid) -> QueryResult<Option<JobRow>> {
    jobs::table
        .filter(jobs::device_id.eq(device))
        .filter(jobs::status.eq_any([JobStatus::Assigned, JobStatus::InProgress]))
        .select(JobRow::as_select())
        .first(conn)
        .optional()
}

/// The most recent job of the device (for reports and recycling).
pub fn latest_job_of(conn: &mut PgConnection, device: Uuid) -> QueryResult<Option<JobRow>> {
    jobs::table
        .filter(jobs::device_id.eq(device))
        .select(JobRow::as_select())
        .order(jobs::id.desc())
        .first(conn)
        .optional()
}
